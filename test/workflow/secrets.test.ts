import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { lambdaMetrics } from '#lib/metrics.ts';
import { localHandlers } from '../../local/handlers.ts';
import { type HandlersByPlaceholder, runStateMachine } from '../../local/runner.ts';
import { capturingOutput } from '../support/output.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();
let handlers: HandlersByPlaceholder;
beforeAll(async () => {
  // Every log line the steps can write, so the search below covers them all, and the metrics as on
  // Lambda, EMF lines on stdout, so the search covers them too.
  handlers = await localHandlers(fixture.clients, { metrics: lambdaMetrics(), logLevel: 'DEBUG' });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function secretJson(arn: string): Promise<Record<string, string>> {
  const { SecretString } = await fixture.clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  return JSON.parse(SecretString as string);
}

describe('secrets', () => {
  it('never appear in any execution event, output, registry record, log line or metric', async () => {
    const input = await fixture.tenant('wf-secrets');
    const { result, output } = await capturingOutput(() =>
      runStateMachine('provision-tenant', input, { handlers, retryIntervalMs: 10 }),
    );
    expect(result.cause).toBeUndefined();
    const final = result.output as {
      resources: { oidcClientSecretArn: string; testUserPasswordSecretArn: string };
    };
    const client = await secretJson(final.resources.oidcClientSecretArn);
    const testUser = await secretJson(final.resources.testUserPasswordSecretArn);
    const secrets = {
      authentikToken: fixture.world.endpoints.authentikToken,
      clientSecret: client.client_secret as string,
      password: testUser.password as string,
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect(value, name).toMatch(/.{16,}/);
    }
    // The run logged something (so the search below searched something), at every level the steps
    // write.
    expect(output).toContain('wf-secrets');
    expect(output).toContain('"level":"INFO"');
    // So did the metrics (Powertools' EMF lines), each step's among them.
    expect(output).toContain('"StepDuration"');
    expect(output).toContain('"ExecutionSucceeded"');
    const record = await fixture.clients.registry.get('wf-secrets');
    const places = {
      events: JSON.stringify(result.events),
      output: JSON.stringify(result.output),
      logs: output,
      registry: JSON.stringify(record),
    };
    for (const [place, text] of Object.entries(places)) {
      for (const [name, value] of Object.entries(secrets)) {
        expect(text.includes(value), `${name} in ${place}`).toBe(false);
      }
    }
  });
});
