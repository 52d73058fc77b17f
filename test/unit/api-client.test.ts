import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient, type RequestSigner } from '../../bin/api-client.ts';
import { sigV4Signer } from '../../bin/sigv4.ts';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

function fakeFetch(answer: (sent: Sent) => { status: number; body: unknown }) {
  const sent: Sent[] = [];
  const fetchImpl = (async (input: URL | string, init?: RequestInit) => {
    const request: Sent = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: (init?.headers ?? {}) as Record<string, string>,
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
    };
    sent.push(request);
    const { status, body } = answer(request);
    return new Response(body === undefined ? '' : JSON.stringify(body), { status });
  }) as typeof fetch;
  return { sent, fetchImpl };
}

const accepted = {
  tenantId: 'acme',
  executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:provision-tenant:acme_provision_k_1',
  executionName: 'acme_provision_k_1',
  startDate: '2025-01-01T00:00:00.000Z',
  statusUrl: '/tenants/acme',
  reused: false,
};

describe('createApiClient', () => {
  it('sends each operation to its route, below a stage path', async () => {
    const { sent, fetchImpl } = fakeFetch(() => ({ status: 202, body: accepted }));
    const api = createApiClient({
      baseUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
      fetch: fetchImpl,
    });
    await api.createTenant('acme', { tenantId: 'acme' }, { authentikToken: 'tok' });
    await api.getTenant('acme');
    await api.verifyTenant('acme');
    await api.deleteTenant('acme');
    await api.listTenants({ limit: 5, cursor: 'abc' });
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      'PUT https://abc.execute-api.eu-west-1.amazonaws.com/prod/tenants/acme',
      'GET https://abc.execute-api.eu-west-1.amazonaws.com/prod/tenants/acme',
      'POST https://abc.execute-api.eu-west-1.amazonaws.com/prod/tenants/acme/verify',
      'DELETE https://abc.execute-api.eu-west-1.amazonaws.com/prod/tenants/acme',
      'GET https://abc.execute-api.eu-west-1.amazonaws.com/prod/tenants?limit=5&cursor=abc',
    ]);
    expect(JSON.parse(sent[0]?.body ?? '')).toEqual({ spec: { tenantId: 'acme' }, authentikToken: 'tok' });
    expect(sent[0]?.headers['content-type']).toBe('application/json');
  });

  it('follows cursors through every page', async () => {
    const { fetchImpl } = fakeFetch((sent) => {
      const cursor = new URL(sent.url).searchParams.get('cursor');
      return cursor
        ? { status: 200, body: { items: [{ tenantId: 't-b', status: 'active', updatedAt: 'x' }] } }
        : {
            status: 200,
            body: { items: [{ tenantId: 't-a', status: 'active', updatedAt: 'x' }], cursor: 'c1' },
          };
    });
    const api = createApiClient({ baseUrl: 'http://127.0.0.1:8787', fetch: fetchImpl });
    const ids: string[] = [];
    for await (const tenant of api.listAllTenants(1)) ids.push(tenant.tenantId);
    expect(ids).toEqual(['t-a', 't-b']);
  });

  it('raises the API’s errors with their status and fields', async () => {
    const { fetchImpl } = fakeFetch(() => ({
      status: 400,
      body: { error: 'invalid request', fields: { 'spec.tenantId': ['must be 3-32 characters'] } },
    }));
    const api = createApiClient({ baseUrl: 'http://127.0.0.1:8787', fetch: fetchImpl });
    const error = await api
      .createTenant('acme', {}, { authentikToken: 'super-secret-token' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, fields: { 'spec.tenantId': ['must be 3-32 characters'] } });
    expect((error as Error).message).toBe('400 invalid request (spec.tenantId: must be 3-32 characters)');
    expect((error as Error).message).not.toContain('super-secret-token');
  });

  it('has each request signed when given a signer', async () => {
    const { sent, fetchImpl } = fakeFetch(() => ({ status: 200, body: { items: [] } }));
    const signer: RequestSigner = async (request) => ({
      ...request.headers,
      authorization: `signed ${request.method}`,
    });
    const api = createApiClient({ baseUrl: 'http://127.0.0.1:8787', fetch: fetchImpl, signer });
    await api.listTenants();
    expect(sent[0]?.headers.authorization).toBe('signed GET');
  });
});

describe('sigV4Signer', () => {
  it('matches the get-vanilla vector of the AWS SigV4 test suite', async () => {
    const sign = sigV4Signer({
      region: 'us-east-1',
      service: 'service',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      now: () => new Date('2015-08-30T12:36:00Z'),
    });
    const headers = await sign({
      method: 'GET',
      url: new URL('https://example.amazonaws.com/'),
      headers: {},
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
  });

  it('signs API requests for execute-api, with the session token and the body', async () => {
    const sign = sigV4Signer({
      region: 'eu-west-1',
      credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'session' }),
      now: () => new Date('2025-01-01T00:00:00Z'),
    });
    const request = {
      method: 'POST',
      url: new URL('https://abc.execute-api.eu-west-1.amazonaws.com/prod/tenants?limit=1'),
      headers: { 'content-type': 'application/json' },
      body: '{"spec":{}}',
    };
    const headers = await sign(request);
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKID\/20250101\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-security-token']).toBe('session');
    const other = await sign({ ...request, body: '{"spec":{"x":1}}' });
    expect(other.authorization).not.toBe(headers.authorization);
  });
});
