// oidc-provider 9 ships no type declarations. This declares the part of its API the emulator uses,
// read from its lib/ sources (provider.js, models, helpers/interaction_policy), nothing more.
declare module 'oidc-provider' {
  import type { EventEmitter } from 'node:events';
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown> & {
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
    clientId?: string;
  };

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface KoaContext {
    req: IncomingMessage;
    res: ServerResponse;
    path: string;
    url: string;
    originalUrl: string;
    querystring: string;
    mountPath?: string;
    type: string;
    status: number;
    body: unknown;
    oidc: OidcContext;
  }

  export interface OidcContext {
    issuer: string;
    route: string;
    params: Record<string, unknown>;
    client?: { clientId: string };
    result?: { login?: { accountId: string } };
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims: unknown, rejected: string[]): Promise<Record<string, unknown>>;
  }

  export interface InteractionParams {
    client_id?: string;
    redirect_uri?: string;
    scope?: string;
    [key: string]: unknown;
  }

  export interface Interaction {
    uid: string;
    exp: number;
    returnTo: string;
    params: InteractionParams;
    result?: Record<string, unknown>;
    save(ttl: number): Promise<string>;
  }

  export interface Grant {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export interface ClientMetadata {
    client_id: string;
    client_secret?: string;
    redirect_uris: string[];
    grant_types?: string[];
    response_types?: string[];
    token_endpoint_auth_method?: string;
    id_token_signed_response_alg?: string;
    application_type?: 'web' | 'native';
  }

  export interface Prompt {
    name: string;
    checks: interactionPolicy.Check[] & {
      add(check: interactionPolicy.Check, index?: number): void;
      remove(reason: string): void;
    };
  }

  export type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void> | void;

  // biome-ignore lint/suspicious/noExplicitAny: configuration is a large, loosely typed object in oidc-provider itself
  export type Configuration = Record<string, any>;

  export class Provider extends EventEmitter {
    constructor(issuer: string, configuration: Configuration);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: Middleware): this;
    readonly Client: { prototype: { redirectUriAllowed(redirectUri: string): boolean } };
    readonly Interaction: { find(uid: string): Promise<Interaction | undefined> };
    readonly Grant: new (properties: {
      accountId: string;
      clientId: string;
    }) => Grant;
  }

  export namespace interactionPolicy {
    class Check {
      readonly reason: string;
      constructor(
        reason: string,
        description: string,
        check: (ctx: KoaContext) => boolean | Promise<boolean>,
      );
      static readonly REQUEST_PROMPT: true;
      static readonly NO_NEED_TO_PROMPT: false;
    }
    function base(): Prompt[] & { get(name: string): Prompt | undefined };
  }

  export default Provider;
}
