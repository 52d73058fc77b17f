import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { beforeAll, describe, expect, it } from 'vitest';
import { localHandlers } from '../../local/handlers.ts';
import { type HandlersByPlaceholder, runStateMachine } from '../../local/runner.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();
let handlers: HandlersByPlaceholder;
beforeAll(async () => {
  handlers = await localHandlers(fixture.clients);
});

describe('permanent errors fail fast, without retries, with the cause in the registry', () => {
  it('a wrong Authentik token', async () => {
    const input = (await fixture.tenant('wf-badtoken')) as { authentik: { tokenSecretArn: string } };
    const wrongToken = 'not-the-token-0123456789abcdef';
    await fixture.clients.secrets.send(
      new PutSecretValueCommand({
        SecretId: input.authentik.tokenSecretArn,
        SecretString: JSON.stringify({ token: wrongToken }),
      }),
    );
    const writesBefore = fixture.world.authentik.requests.filter((r) => r.write).length;
    const result = await runStateMachine('provision-tenant', input, { handlers, retryIntervalMs: 10 });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('AuthentikAuthError');
    expect(result.events.filter((e) => e.type === 'StateRetried')).toEqual([]);
    expect(fixture.world.authentik.requests.filter((r) => r.write)).toHaveLength(writesBefore);

    const record = await fixture.clients.registry.get('wf-badtoken');
    expect(record?.status).toBe('failed');
    expect(record?.lastError).toMatchObject({ step: 'validate-tenant', errorName: 'AuthentikAuthError' });
    expect(record?.lastError?.message).toMatch(/token/i);
    expect(JSON.stringify(record)).not.toContain(wrongToken);
    expect(JSON.stringify(result.events)).not.toContain(wrongToken);
    expect(result.cause).toContain('validate-tenant');
  });

  it('a flow that does not exist (the guide names one no Authentik has)', async () => {
    const input = (await fixture.tenant('wf-noflow')) as Record<string, Record<string, unknown>>;
    input.authentik = { ...input.authentik, authorizationFlow: 'default-authentication-flow-explicit' };
    const result = await runStateMachine('provision-tenant', input, { handlers, retryIntervalMs: 10 });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('PreconditionError');
    expect(result.cause).toContain('default-provider-authorization-explicit-consent');
    expect(result.events.filter((e) => e.type === 'StateRetried')).toEqual([]);
    const record = await fixture.clients.registry.get('wf-noflow');
    expect(record?.lastError).toMatchObject({ step: 'validate-tenant', errorName: 'PreconditionError' });
  });
});
