import { DescribeUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { beforeAll, describe, expect, it } from 'vitest';
import { localHandlers } from '../../local/handlers.ts';
import { type HandlersByPlaceholder, runStateMachine } from '../../local/runner.ts';
import { configWrites, useWorld } from '../support/world.ts';

const fixture = useWorld();
let handlers: HandlersByPlaceholder;
beforeAll(async () => {
  handlers = await localHandlers(fixture.clients);
});

const writes = () => configWrites(fixture.world);

describe('provision-tenant', () => {
  it('runs every step, marks the tenant active, and a second run changes nothing', async () => {
    const input = await fixture.tenant('wf-happy');
    const first = await runStateMachine('provision-tenant', input, { handlers, retryIntervalMs: 10 });
    expect(first.cause).toBeUndefined();
    expect(first.status).toBe('SUCCEEDED');
    const output = first.output as {
      outcomes: Record<string, { outcome: string }>;
      resources: Record<string, string>;
    };
    expect(Object.keys(output.outcomes)).toEqual([
      'validate-tenant',
      'ensure-group',
      'ensure-test-user',
      'ensure-user-pool',
      'ensure-oidc-provider',
      'ensure-application',
      'ensure-access-policy',
      'ensure-identity-provider',
      'enable-identity-provider',
      'verify-federation',
    ]);
    for (const step of [
      'ensure-group',
      'ensure-test-user',
      'ensure-oidc-provider',
      'ensure-identity-provider',
    ]) {
      expect(output.outcomes[step]?.outcome, step).toBe('created');
    }

    const record = await fixture.clients.registry.get('wf-happy');
    expect(record?.status).toBe('active');
    expect(record?.lastError).toBeUndefined();

    const { UserPoolClient } = await fixture.observer.send(
      new DescribeUserPoolClientCommand({
        UserPoolId: output.resources.userPoolId,
        ClientId: output.resources.appClientId,
      }),
    );
    expect(UserPoolClient?.SupportedIdentityProviders?.sort()).toEqual(
      ['COGNITO', 'authentik-wf-happy'].sort(),
    );
    expect(UserPoolClient?.CallbackURLs).toEqual(['https://wf-happy.app.example/callback']);
    expect(UserPoolClient?.AllowedOAuthFlows).toEqual(['code']);

    const before = writes();
    const second = await runStateMachine('provision-tenant', input, { handlers, retryIntervalMs: 10 });
    expect(second.status).toBe('SUCCEEDED');
    const again = second.output as { outcomes: Record<string, { outcome: string; writes?: number }> };
    for (const [step, outcome] of Object.entries(again.outcomes)) {
      expect(outcome.outcome, step).toBe('unchanged');
    }
    expect(writes() - before).toBe(0);
  });

  it('fails at once on a bad console input, naming the field, and writes nothing', async () => {
    const before = writes();
    const result = await runStateMachine(
      'provision-tenant',
      { tenantId: 'Bad_Id', authentik: {}, cognito: {} },
      { handlers, retryIntervalMs: 10 },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ValidationError');
    expect(result.cause).toContain('tenantId');
    expect(result.events.filter((e) => e.type === 'StateRetried')).toEqual([]);
    expect(writes()).toBe(before);
  });
});
