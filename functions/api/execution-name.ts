// Execution names carry the tenant and what the execution does, so the same request twice maps to the
// same name: Step Functions answers a repeated StartExecution (same name and input, still running)
// with the same execution, and refuses a name a finished execution used (ExecutionAlreadyExists).
//
// `<tenantId>_<kind>_<key>_<attempt>`: `_` cannot occur in a tenant id, so a name's tenant is
// unambiguous (`acme` never matches `acme-eu`'s executions). The key of a provision is a hash of the
// normalized spec; the attempt counts re-runs of the same key (after a failure, or a deprovision).
import { createHash } from 'node:crypto';
import type { MachineKind } from './types.ts';

/** JSON with object keys sorted, so equal specs serialise to equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** 16 hex characters (64 bits) of SHA-256 over the canonical JSON. */
export function specHash(normalized: unknown): string {
  return createHash('sha256').update(canonicalJson(normalized)).digest('hex').slice(0, 16);
}

export interface ExecutionNameParts {
  tenantId: string;
  kind: MachineKind;
  key: string;
  attempt: number;
}

const KINDS: readonly MachineKind[] = ['provision', 'deprovision', 'verify'];
const KEY = /^[A-Za-z0-9-]{1,24}$/;
/** Step Functions allows 80 characters; a tenant id has at most 32. */
export const MAX_ATTEMPT = 999;

export function executionName(parts: ExecutionNameParts): string {
  if (!KEY.test(parts.key)) throw new Error('execution key must be 1-24 of A-Z, a-z, 0-9 and -');
  return `${parts.tenantId}_${parts.kind}_${parts.key}_${parts.attempt}`;
}

/** The parts of a name this API made; undefined for any other name (one an operator chose). */
export function parseExecutionName(name: string): ExecutionNameParts | undefined {
  const [tenantId, kind, key, attempt, ...rest] = name.split('_');
  if (rest.length > 0 || !tenantId || !key || !attempt || !KEY.test(key)) return undefined;
  if (!KINDS.includes(kind as MachineKind) || !/^[1-9]\d{0,2}$/.test(attempt)) return undefined;
  return { tenantId, kind: kind as MachineKind, key, attempt: Number(attempt) };
}

/** The name of an execution given by name or by ARN (`arn:aws:states:…:execution:<machine>:<name>`). */
export function nameOfExecution(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? (nameOrArn.split(':').at(-1) ?? nameOrArn) : nameOrArn;
}

/** The ARN of an execution from its state machine's ARN and its name. */
export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
