// The verification's vocabulary, types only. Every module of the verification takes its types from
// here and this module imports nothing from the verification, so a check module can name the
// context it runs in, and the context the results it caches, without importing each other: the
// modules depend on this leaf, never on one another in a circle.
//
//   checks        FederationCheck, CheckAnswer, FederationCheckResult, ReasonCode
//   reports       VerificationReport
//   context       CheckContext (what a check may read), VerifyClients, Target, what it caches
//   a tenant      TenantVerification, its state and failing checks, what the registry keeps
//   the run       VerifyTenantEvent and TenantResult: one item of the verification machine's Map
import type { JsonWebKey } from 'node:crypto';
import type {
  CognitoIdentityProviderClient,
  IdentityProviderType,
  ManagedLoginBrandingType,
  UserPoolClientType,
  UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AuthentikClient } from '#lib/authentik/client.ts';
import type { OAuth2Provider } from '#lib/authentik/providers.ts';
import type { User } from '#lib/authentik/users.ts';
import type { Deployment } from '#lib/authentik-address.ts';
import type { TenantRegistry, VerificationRecord } from '#lib/registry.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';

// --- Checks and reports -------------------------------------------------------------------------
// What the verification answers: a list of named checks, each pass / fail / not-applicable with a
// reason code a machine can act on and a sentence a person can act on. The list is the product's
// "Test it", automated; the scheduled re-verification adds checks to it without changing its shape.

export type CheckStatus = 'pass' | 'fail' | 'not-applicable';

export type ReasonCode =
  // Nothing recorded to check (the tenant was never provisioned, or only in part).
  | 'NOT_PROVISIONED'
  // Cognito
  | 'USER_POOL_MISSING'
  | 'DOMAIN_CHANGED'
  | 'IDENTITY_PROVIDER_MISSING'
  | 'IDENTITY_PROVIDER_CHANGED'
  | 'ATTRIBUTE_MAPPING_CHANGED'
  | 'APP_CLIENT_MISSING'
  | 'APP_CLIENT_CHANGED'
  | 'IDP_NOT_ENABLED'
  | 'COGNITO_NOT_ENABLED'
  | 'OAUTH_NOT_CONFIGURED'
  | 'CALLBACK_URL_MISSING'
  | 'MANAGED_LOGIN_UNBRANDED'
  // The issuer, its discovery document, its keys and its token endpoint
  | 'ISSUER_HOST_MISMATCH'
  | 'DISCOVERY_UNREACHABLE'
  | 'ISSUER_MISMATCH'
  | 'JWKS_UNREACHABLE'
  | 'JWKS_NO_RS256_KEY'
  | 'JWKS_KEY_MISMATCH'
  | 'TOKEN_ENDPOINT_UNREACHABLE'
  | 'CLIENT_CREDENTIALS_REJECTED'
  | 'ID_TOKEN_INVALID'
  | 'EMAIL_CLAIM_MISMATCH'
  // Both sides: the OIDC client Cognito holds against the one Authentik holds (and the stored copy)
  | 'CLIENT_ID_MISMATCH'
  | 'SECRET_MISMATCH'
  // Authentik
  | 'GROUP_MISSING'
  | 'GROUP_CHANGED'
  | 'PROVIDER_MISSING'
  | 'PROVIDER_CHANGED'
  | 'REDIRECT_URI_MISSING'
  | 'REDIRECT_URI_CHANGED'
  | 'APPLICATION_MISSING'
  | 'APPLICATION_CHANGED'
  | 'POLICY_MISSING'
  | 'POLICY_CHANGED'
  | 'TEST_USER_MISSING'
  | 'TEST_USER_CHANGED'
  | 'USER_DISABLED'
  | 'CLIENT_REJECTED'
  | 'LOGIN_CREDENTIALS_REJECTED'
  | 'LOGIN_DENIED'
  | 'LOGIN_FAILED'
  // Cognito's hosted UI, on a deployment
  | 'HOSTED_UI_LOGIN_FAILED'
  // What a step's check needs is missing (a recorded resource, or a flow or key in Authentik)
  | 'PRECONDITION_FAILED'
  // A check that could not come to an answer (its error, without secrets, is the message)
  | 'CHECK_FAILED'
  // Not checked
  | 'BLOCKED'
  | 'NOT_AUTOMATED'
  | 'NO_HOSTED_UI';

export interface FederationCheckResult {
  id: string;
  status: CheckStatus;
  reason?: ReasonCode;
  /** What a person reads: what was found and what to do about it. Never a secret value. */
  message: string;
  /** For a failing check: what should be, and what is (shown as drift). */
  expected?: unknown;
  actual?: unknown;
}

export interface VerificationReport {
  tenantId: string;
  status: 'pass' | 'fail';
  checks: FederationCheckResult[];
  /** The guide's hosted-UI login URL, when the pool, domain and app client allow building it. */
  loginUrl?: string;
  checkedAt: string;
}

/** A check's answer; the runner adds the check's id. */
export type CheckAnswer = Omit<FederationCheckResult, 'id'>;

export interface FederationCheck {
  id: string;
  /** Checks that must pass first; when one does not, this one is `not-applicable` (BLOCKED). */
  needs?: readonly string[];
  run(context: CheckContext): Promise<CheckAnswer>;
}

// --- What the checks look at --------------------------------------------------------------------

export interface VerifyClients {
  cognito: CognitoIdentityProviderClient;
  secrets: SecretsManagerClient;
  authentik: AuthentikClient;
  /** Finds the test user's password secret when its ARN was not recorded. */
  secretPrefix?: string;
  /**
   * Discovery, key set, token endpoint and the logins (default: the pinned transport of
   * `deployment`, which connects only to addresses the deployment allows).
   */
  fetch?: typeof fetch;
  /** The SSRF boundary of the default transport (default: public addresses only). */
  deployment?: Deployment;
  /** Per HTTP request of the discovery and the headless login (default 5 s). */
  timeoutMs?: number;
  /**
   * Where the pools' domains serve Cognito's hosted UI, with `{domain}` standing for the domain's
   * host: `https://{domain}` on AWS, the local world's hosted UI elsewhere. Without it the
   * hosted-UI leg is not checked (a Cognito stand-in without a hosted UI).
   */
  hostedUiBaseUrl?: string;
}

/** The names of what provisioning made, as far as they are known. */
export interface Target {
  userPoolId?: string;
  appClientId?: string;
  identityProviderName: string;
  domain?: string;
  /** `https://<domain>/oauth2/idpresponse`: where Authentik sends the browser back to Cognito. */
  redirectUri?: string;
  /** The Authentik application's issuer, `https://<host>/application/o/<slug>/`. */
  issuer: string;
}

export type DiscoveryResult =
  | { ok: true; url: string; document: Record<string, unknown> }
  | { ok: false; reason: 'ISSUER_HOST_MISMATCH' | 'DISCOVERY_UNREACHABLE'; url?: string; message: string };

export interface Jwk extends JsonWebKey {
  kid?: string;
  alg?: string;
  use?: string;
  x5c?: string[];
}

export type KeySetResult = { ok: true; url: string; keys: Jwk[] } | { ok: false; url?: string; why: string };

/**
 * What a check may read: the tenant, the names provisioning recorded, and each object of both sides
 * read once per verification however many checks ask for it (context.ts implements it).
 */
export interface CheckContext {
  readonly spec: TenantSpec;
  readonly resources: Resources;
  readonly clients: VerifyClients;
  readonly target: Target;
  /** Every HTTP request of the checks goes through this (see `VerifyClients.fetch`). */
  readonly http: typeof fetch;
  identityProvider(): Promise<IdentityProviderType | undefined>;
  userPool(): Promise<UserPoolType | undefined>;
  appClient(): Promise<UserPoolClientType | undefined>;
  /** The app client's managed login branding style, if it has one. */
  managedLoginBranding(): Promise<ManagedLoginBrandingType | undefined>;
  /** Carries `client_secret`: read fields from it, never log or return it. */
  provider(): Promise<OAuth2Provider | undefined>;
  testUser(): Promise<User | undefined>;
  discovery(): Promise<DiscoveryResult>;
  keySet(): Promise<KeySetResult>;
  /** The authorization code the test user's login ended with, for the ID token check (set by test-login). */
  loginCode?: string;
}

// --- A tenant's verification --------------------------------------------------------------------

/** What a verification means for a tenant (state.ts says which is which). */
export type FederationState = 'verified' | 'drifted' | 'broken';
/** `error`: the verification itself could not run; it changes no recorded state. */
export type VerificationState = FederationState | 'error';
/** Before a tenant's first verification its state is not known. */
export type PreviousState = FederationState | 'unknown';

export interface TenantVerifyClients {
  cognito: CognitoIdentityProviderClient;
  /** Secrets Manager for one tenant (a session tagged with it: #lib/tenant-secrets.ts). */
  secretsFor(tenantId: string): SecretsManagerClient;
  registry: TenantRegistry;
  secretPrefix: string;
  deployment: Deployment;
  /** An Authentik client for the tenant (its token read from Secrets Manager). */
  authentik(spec: TenantSpec): Promise<AuthentikClient>;
  /** Discovery, keys, token endpoint and login requests (default: global fetch). */
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Where the pools' domains serve Cognito's hosted UI (see `VerifyClients.hostedUiBaseUrl`). */
  hostedUiBaseUrl?: string;
}

export interface VerifyTenantOptions {
  /** Called with each check's answer as it comes. */
  onCheck?: (result: FederationCheckResult) => void;
  /**
   * Return no sooner than this long after Cognito answered the verification's reads. The
   * verification machine runs a fixed number of verifications at once, and a slot's next reads are
   * sent only after this one returns, so Cognito admits two reads of one slot at least this far
   * apart (it admits a request between its sending and its answer): at most concurrency ÷ pace
   * reads per second, however late a request travels. That is how the machine stays within
   * Cognito's quotas.
   */
  paceMs?: number;
  /** The state to compare with, when it is not the recorded one (a verification after a repair). */
  previousState?: PreviousState;
  /**
   * The Cognito names the tenant's record held when it was listed: their reads are sent at once,
   * while the record loads. Names the record no longer holds are read again.
   */
  where?: CognitoNames;
}

export interface CognitoNames {
  userPoolId: string | null;
  appClientId: string | null;
  identityProviderName: string;
}

export interface FailingCheck {
  check: string;
  reason: ReasonCode;
  repairable: boolean;
}

export interface TenantVerification {
  tenantId: string;
  state: VerificationState;
  previousState: PreviousState;
  /** The state differs from the previous one (a verification that could not run changes nothing). */
  changed: boolean;
  failing: FailingCheck[];
  /** Some failing check is one that re-running provisioning can fix. */
  repairable: boolean;
  /** The whole report (absent when the verification could not run). */
  report?: VerificationReport;
  /** Why the verification could not run (state `error`); never a secret value. */
  error?: { name: string; message: string };
  /** The spec as the registry holds it (no secrets), for a repair. */
  spec?: TenantSpec;
  /** How long the verification took, without the wait for the machine's pace. */
  durationMs: number;
}

/** What the registry keeps of a verification: the recorded fields plus the state and the checks. */
export interface StoredVerification extends Omit<VerificationRecord, 'at'> {
  state?: FederationState;
  checks?: FederationCheckResult[];
  error?: { name: string; message: string };
}

// --- One item of the verification machine's Map (verify-tenant) ---------------------------------

/** How the provisioning a repair started ended: Step Functions' execution, or the error it was caught with. */
export type RepairRun = { Status?: string } | { Error: string; Cause?: string };

export interface VerifyTenantEvent {
  tenantId: string;
  /** The machine's pace (ms): see VerifyTenantOptions.paceMs. */
  paceMs?: number;
  /**
   * The Map's concurrency, and this item's index in the page: the first `slots` items start
   * `index × paceMs ÷ slots` apart, so the slots read Cognito (and load Authentik) evenly over the
   * pace instead of all at the same instant.
   */
  slots?: number;
  index?: number;
  /** The Cognito names the listing found, read while the record loads: see VerifyTenantOptions.where. */
  where?: CognitoNames;
  /** Present on the verification after a repair. */
  repair?: {
    /** The state before this run (the first verification's previous state). */
    previousState: PreviousState;
    /** What failed before the repair. */
    before: FailingCheck[];
    run: RepairRun;
  };
}

export interface RepairResult {
  provisioning: 'SUCCEEDED' | 'FAILED';
  /** Why provisioning failed (never a secret: the workflow's causes carry none). */
  cause: string | null;
  /** Checks that failed before and pass now. */
  fixed: string[];
  /** Checks that still fail: the repair could not fix these. */
  remaining: FailingCheck[];
}

/**
 * What the Map keeps of a tenant, for the page's metrics and totals. Its size is bounded whatever
 * failed (a reason code per failing check, nothing else of variable length), so a page of them
 * stays below Step Functions' 256 KB payload limit even when every tenant breaks at once. The
 * details are in the registry, and in the event an item sends when its state changed.
 */
export interface ItemSummary {
  tenantId: string;
  state: VerificationState;
  changed: boolean;
  durationMs: number;
  /** The reason code of each failing check. */
  reasons: string[];
  /** A repair ran for this tenant before this verification. */
  repairAttempted: boolean;
}

/** The verification's answer with every key present (null where absent), the repair, and the summary. */
export interface TenantResult
  extends Pick<
    TenantVerification,
    'tenantId' | 'state' | 'previousState' | 'changed' | 'failing' | 'repairable' | 'durationMs'
  > {
  error: { name: string; message: string } | null;
  repair: RepairResult | null;
  /** For the repair's provisioning input; dropped from the Map's results by the ASL. */
  spec: TenantSpec | null;
  /** What the Map keeps. */
  summary: ItemSummary;
}
