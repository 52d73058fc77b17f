// The version gate against an emulator that reports an Authentik older than 2024.10.
import { describe, expect, it } from 'vitest';
import { PreconditionError } from '#lib/errors.ts';
import { localDeployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { apply } from '../../functions/validate-tenant/core.ts';
import { useWorld } from '../support/world.ts';

// The emulator serves the oldest release it has a contract for and reports 2024.8 (test-only).
const fixture = useWorld({ authentikVersion: '2024.10.5', authentikReportedVersion: '2024.8' });

describe('validate-tenant against Authentik 2024.8', () => {
  it('refuses it with PreconditionError before any other lookup, and writes nothing', async () => {
    const spec = parseTenantSpec(await fixture.tenant('old-authentik'), localDeployment);
    const clients = { cognito: fixture.clients.cognito, authentik: await fixture.clients.authentik(spec) };
    const error = await apply(spec, {}, clients).then(
      () => new Error('expected the preflight to fail'),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.message).toContain('Authentik 2024.8 is too old');
    expect(error.message).toContain('2024.10');
    const authentikPaths = fixture.world.authentik.requests.map((r) => r.path);
    expect(authentikPaths).toEqual(['/api/v3/admin/version/']);
    expect(fixture.world.authentik.requests.filter((r) => r.write)).toEqual([]);
    expect(fixture.world.cognito.requests.filter((r) => r.write)).toEqual([]);
  });
});
