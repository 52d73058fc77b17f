// What the tenant API answers, as plain JSON types. openapi.yaml describes the same shapes; a test
// validates every answer of the handler against it.
import type {
  ErrorRecord,
  ExecutionRecord,
  StepRecord,
  TenantRecord,
  TenantStatus,
  VerificationRecord,
} from '#lib/registry.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';

/** The three state machines the API starts. */
export type MachineKind = 'provision' | 'deprovision' | 'verify';

/** An execution as the API reports it: ids and times, never its input. */
export interface ExecutionView {
  kind: MachineKind;
  executionArn: string;
  name: string;
  startDate: string;
}

/** 202: the work runs in the background; poll `statusUrl`. */
export interface AcceptedResponse {
  tenantId: string;
  executionArn: string;
  executionName: string;
  startDate: string;
  statusUrl: string;
  /** True when an earlier identical request's execution answers this one (running or already done). */
  reused: boolean;
}

/** A tenant's resources as the API shows them: no `*SecretArn`, not even in `created`. */
export type PublicResources = {
  [K in keyof Resources as K extends `${string}SecretArn` ? never : K]: Resources[K];
};

/** A tenant's spec as the API shows it: without the Authentik token's ARN. */
export type PublicSpec = Omit<TenantSpec, 'authentik'> & {
  authentik: Omit<TenantSpec['authentik'], 'tokenSecretArn'>;
};

/** `pending`: accepted, the execution has not registered the tenant yet. */
export type TenantViewStatus = TenantStatus | 'pending';

export interface TenantView {
  tenantId: string;
  status: TenantViewStatus;
  displayName?: string;
  spec?: PublicSpec;
  /** Every step's last outcome, by step name. */
  steps: Record<string, StepRecord>;
  /** Ids and ARNs, none of a secret. */
  resources: PublicResources;
  lastExecution?: Omit<ExecutionRecord, 'arn'> & { executionArn?: string };
  runningExecution?: ExecutionView;
  lastError?: ErrorRecord;
  lastVerification?: VerificationRecord;
  /** Each secret's last rotation and last failed rotation step: versions, times, error names. */
  rotations?: TenantRecord['rotations'];
  /** Cognito's hosted UI sent straight to Authentik: the guide's "Test it", when it can be built. */
  loginUrl?: string;
  createdAt?: string;
  updatedAt?: string;
}

export interface TenantSummary {
  tenantId: string;
  status: TenantStatus;
  displayName?: string;
  updatedAt: string;
  lastExecution?: { kind: MachineKind; startedAt: string };
}

export interface TenantList {
  items: TenantSummary[];
  /** Pass back as `?cursor=` for the next page; absent on the last page. */
  cursor?: string;
}

/** Every error: what went wrong, and for bad input each offending field with what is wrong with it. */
export interface ErrorBody {
  error: string;
  fields?: Record<string, string[]>;
  runningExecution?: ExecutionView;
}
