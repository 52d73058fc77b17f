// The product's CloudWatch metrics as plain data: the namespace and every metric's name, shared by
// the Lambdas that emit them (metrics.ts) and the dashboard that charts them (infra/dashboard.ts),
// so a renamed metric cannot leave an empty graph behind. Nothing here loads Powertools.

/** The namespace every metric of the product is in (the grant and the dashboard name it too). */
export const METRICS_NAMESPACE = 'AuthentikCognitoFederation';

/** Every metric the product emits, by what it measures; the dimensions each one has are noted. */
export const METRIC = {
  /** A workflow step's run time, per `Step` and `Action` (apply, destroy, check). */
  stepDuration: 'StepDuration',
  /** A workflow step that returned, per `Step` and `Action`. */
  stepSucceeded: 'StepSucceeded',
  /** A workflow step that threw, per `Step` and `Action` (the state machine may retry it). */
  stepFailed: 'StepFailed',
  /** A step's outcome (`created`, `updated`, `unchanged`…), per `Step`, `Action` and `Outcome`. */
  stepOutcome: 'StepOutcome',
  /** An execution that ended in success, per `Operation` (provision, deprovision). */
  executionSucceeded: 'ExecutionSucceeded',
  /** An execution that ended in failure, per `Operation`, and again per `Operation` and `FailedStep`. */
  executionFailed: 'ExecutionFailed',
  /** From the execution's start (as the registry recorded it) to its outcome, per `Operation`. */
  executionDuration: 'ExecutionDuration',
  /** An AWS request or Authentik call answered with throttling, per `Upstream` (the throttling service). */
  throttles: 'Throttles',
  /** A verification page's tenants in each state. */
  tenantsVerified: 'TenantsVerified',
  tenantsDrifted: 'TenantsDrifted',
  tenantsBroken: 'TenantsBroken',
  verificationErrors: 'VerificationErrors',
  stateChanges: 'StateChanges',
  repairsAttempted: 'RepairsAttempted',
  repairsSucceeded: 'RepairsSucceeded',
  /** One tenant's verification. */
  verificationDuration: 'VerificationDuration',
  /** Failing checks per `Reason` code: what an alarm on, say, SECRET_MISMATCH watches. */
  failingChecks: 'FailingChecks',
  /** At the end of a verification run: how many tenants are in each `State` (a gauge). */
  tenants: 'Tenants',
  tenantsSkipped: 'TenantsSkipped',
  /** A whole verification run, every page. */
  verificationRunDuration: 'VerificationRunDuration',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** The services whose throttling is counted (the `Upstream` dimension of Throttles). */
export type ThrottledService = 'Cognito' | 'SecretsManager' | 'DynamoDB' | 'Authentik' | 'EventBridge';
