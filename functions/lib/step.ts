// The contract every guide step shares. A step module exports `apply`, `destroy` and
// `check` over injected clients; its Lambda handler is a thin wrapper that builds the clients once.
//
// Resources carry ids, names and ARNs only, never a secret value: they travel through the state
// machine's payloads and execution history.

export interface Resources {
  // Authentik
  groupPk?: string; // uuid
  testUserPk?: number;
  testUserPasswordSecretArn?: string;
  providerPk?: number;
  oidcClientSecretArn?: string; // holds {client_id, client_secret}
  applicationSlug?: string;
  applicationPk?: string; // uuid
  issuer?: string; // https://<host>/application/o/<slug>/ (trailing slash)
  policyPk?: string; // uuid
  policyBindingPk?: string; // uuid
  // Cognito
  userPoolId?: string;
  userPoolDomain?: string; // prefix domain or custom domain
  redirectUri?: string; // https://<domain>/oauth2/idpresponse
  /** The domain's ManagedLoginVersion: 1 the classic hosted UI, 2 managed login. */
  managedLoginVersion?: number;
  appClientId?: string;
  /** The app client's managed login branding style (managed login shows no pages without one). */
  managedLoginBrandingId?: string;
  identityProviderName?: string;
  /** The guide's "Test it" URL: the hosted UI sent straight to the identity provider (no secret in it). */
  loginUrl?: string;
  /** Keys of the resources above that this system created, so deprovisioning deletes only those. */
  created?: (keyof Omit<Resources, 'created' | 'adopted'>)[];
  /**
   * Keys of the resources above that an operator adopted for the tenant (`federation adopt`): this
   * tenant's to converge, never to delete (see functions/lib/ownership.ts).
   */
  adopted?: (keyof Omit<Resources, 'created' | 'adopted'>)[];
}

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';
export type DestroyOutcome = 'deleted' | 'absent' | 'unwired' | 'kept';
export type CheckOutcome = 'in-sync' | 'drifted' | 'missing';

export interface Drift {
  /** What differs, in the domain's words: `redirect_uris`, `SupportedIdentityProviders`, … */
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface ApplyResult {
  outcome: ApplyOutcome;
  /** The resources this step found or made; merged into the workflow's resources. */
  resources: Resources;
  /** Write requests this step sent (0 on a no-op re-run). */
  writes: number;
}

export interface DestroyResult {
  outcome: DestroyOutcome;
  /** Every resource that remains: the input minus what was deleted (and its `created` entry). */
  resources: Resources;
}

export interface CheckResult {
  outcome: CheckOutcome;
  drift: Drift[];
}
