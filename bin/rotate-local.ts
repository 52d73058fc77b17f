// `federation rotate <tenant>` in the local world: the session plays Secrets Manager's part
// (its `rotation`, local/rotation.ts) and runs the rotation function's four steps for the tenant's OIDC client secret,
// then its test user's password. What it prints names versions and step outcomes, never a value.
import type { RotatedKind } from '../functions/rotate-secret/event.ts';
import type { LocalSession } from '../local/session.ts';
import type { Output } from './output.ts';

export interface LocalRotationReport {
  tenantId: string;
  rotations: { kind: RotatedKind; versionId: string; resumed: boolean; steps: string[] }[];
}

export async function rotateLocally(
  session: LocalSession,
  tenantId: string,
  kinds: readonly RotatedKind[],
  out: Output,
): Promise<LocalRotationReport> {
  const { rotation } = session;
  const rotations: LocalRotationReport['rotations'] = [];
  for (const kind of kinds) {
    out.line(`Rotating the ${kind} secret of ${tenantId}…`);
    const run = await rotation.rotate(tenantId, kind);
    rotations.push({
      kind,
      versionId: run.versionId,
      resumed: run.resumed,
      steps: run.steps.map((step) => `${step.step}: ${step.outcome}`),
    });
  }
  return { tenantId, rotations };
}
