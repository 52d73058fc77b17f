// The Lambda entry as the state machine's first state calls it: `parse` answers from the spec alone.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '#lib/errors.ts';

type Handler = typeof import('../../functions/validate-tenant/handler.ts')['handler'];
let handler: Handler;
const fetchSpy = vi.fn(async () => new Response('{}'));

beforeAll(async () => {
  vi.stubEnv('SECRET_PREFIX', 'federation');
  vi.stubEnv('REGISTRY_TABLE_NAME', 'federation-tenants');
  vi.stubEnv('ALLOWED_AUTHENTIK_HOSTS', 'authentik.example.com');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubGlobal('fetch', fetchSpy);
  ({ handler } = await import('../../functions/validate-tenant/handler.ts'));
});

const input = {
  tenantId: 'acme',
  authentik: {
    baseUrl: 'https://authentik.example.com',
    tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
  },
  cognito: { callbackUrls: ['https://app.acme.example/callback'] },
};

describe('validate-tenant handler, parse action', () => {
  it('returns the parsed spec with empty resources and outcomes', async () => {
    const state = await handler({ step: 'validate-tenant', action: 'parse', spec: input });
    expect(state.resources).toEqual({});
    expect(state.outcomes).toEqual({});
    expect(state.spec.cognito.identityProviderName).toBe('authentik-acme');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("refuses a host off the deployment's allow-list, naming the field, before any request", async () => {
    const bad = { ...input, authentik: { ...input.authentik, baseUrl: 'https://evil.example.com' } };
    const error = await handler({ action: 'parse', spec: bad }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields['authentik.baseUrl']?.join(' ')).toContain('allow-list');
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
