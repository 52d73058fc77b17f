import type { CognitoResourceLimits } from './limits.ts';
import type { MotoUpstream } from './moto-upstream.ts';

// What the layer's rules see of a request besides its input: moto (called on the caller's
// behalf), the caller's authorization header, the resource limits, and the little state the layer
// keeps for what moto does not model at all.

export interface DomainRecord {
  userPoolId: string;
  /** ManagedLoginVersion as the request chose it; the references give no default. */
  managedLoginVersion?: number;
}

export interface BrandingStyle {
  ManagedLoginBrandingId: string;
  UserPoolId: string;
  ClientId: string;
  UseCognitoProvidedValues: boolean;
  Settings?: unknown;
  Assets?: unknown[];
  CreationDate: number;
  LastModifiedDate: number;
}

export interface LayerState {
  /** Domains by name (prefix or custom domain), for their ManagedLoginVersion. */
  domains: Map<string, DomainRecord>;
  /** Managed login branding styles by id. */
  branding: Map<string, BrandingStyle>;
}

export const emptyLayerState = (): LayerState => ({ domains: new Map(), branding: new Map() });

export interface LayerContext {
  moto: MotoUpstream;
  authorization: string;
  discoveryTimeoutMs: number;
  limits: CognitoResourceLimits;
  state: LayerState;
}
