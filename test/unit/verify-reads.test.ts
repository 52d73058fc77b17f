// The read-once clients of a verification: identical reads share one request, Cognito writes are
// refused before they are sent, shared Authentik lookups are kept across verifications.
import 'aws-sdk-client-mock-vitest/extend';
import {
  CognitoIdentityProviderClient,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ResourceNotFoundException,
  UpdateUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { authentikReadsOnce } from '#lib/verification/authentik-reads.ts';
import { cognitoReadsOnce, readOperationOf } from '#lib/verification/cognito-reads.ts';
import { secretReadsOnce } from '#lib/verification/secret-reads.ts';

const cognito = mockClient(CognitoIdentityProviderClient);
const secrets = mockClient(SecretsManagerClient);
beforeEach(() => {
  cognito.reset();
  secrets.reset();
});

describe('cognitoReadsOnce', () => {
  it('sends each distinct read once, whatever order the keys of its input come in', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: { ClientId: 'c1' } });
    cognito.on(DescribeUserPoolCommand).resolves({ UserPool: { Id: 'p1' } });
    const reads = cognitoReadsOnce(new CognitoIdentityProviderClient({ region: 'eu-west-1' }));
    const answers = await Promise.all([
      reads.client.send(new DescribeUserPoolClientCommand({ UserPoolId: 'p1', ClientId: 'c1' })),
      reads.client.send(new DescribeUserPoolClientCommand({ ClientId: 'c1', UserPoolId: 'p1' })),
      reads.client.send(new DescribeUserPoolCommand({ UserPoolId: 'p1' })),
      reads.client.send(new DescribeUserPoolClientCommand({ UserPoolId: 'p1', ClientId: 'c2' })),
    ]);
    expect(answers[0]).toBe(answers[1]);
    expect(cognito).toHaveReceivedCommandTimes(DescribeUserPoolClientCommand, 2);
    expect(cognito).toHaveReceivedCommandTimes(DescribeUserPoolCommand, 1);
    expect(Object.fromEntries(reads.sent)).toEqual({ DescribeUserPoolClient: 2, DescribeUserPool: 1 });
  });

  it('shares a failed read too: one verification sees one answer', async () => {
    cognito
      .on(DescribeIdentityProviderCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    const reads = cognitoReadsOnce(new CognitoIdentityProviderClient({ region: 'eu-west-1' }));
    const command = () => new DescribeIdentityProviderCommand({ UserPoolId: 'p1', ProviderName: 'idp' });
    await expect(reads.client.send(command())).rejects.toThrow('gone');
    await expect(reads.client.send(command())).rejects.toThrow('gone');
    expect(cognito).toHaveReceivedCommandTimes(DescribeIdentityProviderCommand, 1);
  });

  it('knows when Cognito last answered, an error too, and when every read sent is answered', async () => {
    let answerPool: (value: object) => void = () => {};
    cognito.on(DescribeUserPoolCommand).callsFake(() => new Promise((resolve) => (answerPool = resolve)));
    cognito
      .on(DescribeIdentityProviderCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    const reads = cognitoReadsOnce(new CognitoIdentityProviderClient({ region: 'eu-west-1' }));
    expect(reads.lastAnsweredAt).toBeUndefined();
    const pool = reads.client.send(new DescribeUserPoolCommand({ UserPoolId: 'p1' }));
    await expect(
      reads.client.send(new DescribeIdentityProviderCommand({ UserPoolId: 'p1', ProviderName: 'idp' })),
    ).rejects.toThrow('gone');
    const afterError = reads.lastAnsweredAt;
    expect(afterError).toBeTypeOf('number');
    let settled = false;
    const all = reads.settled().then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false); // the pool is still unanswered
    answerPool({ UserPool: { Id: 'p1' } });
    await all;
    await pool;
    expect(reads.lastAnsweredAt).toBeGreaterThanOrEqual(afterError as number);
  });

  it('refuses anything but its reads, before sending it', async () => {
    const reads = cognitoReadsOnce(new CognitoIdentityProviderClient({ region: 'eu-west-1' }));
    await expect(
      reads.client.send(new UpdateUserPoolClientCommand({ UserPoolId: 'p1', ClientId: 'c1' }) as never),
    ).rejects.toThrow(/only describes/);
    expect(cognito).toHaveReceivedCommandTimes(UpdateUserPoolClientCommand, 0);
    expect(readOperationOf(new DescribeUserPoolCommand({ UserPoolId: 'p1' }))).toBe('DescribeUserPool');
  });
});

describe('secretReadsOnce', () => {
  it('reads each secret once and passes anything else through', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{}' });
    secrets.on(PutSecretValueCommand).resolves({});
    const client = secretReadsOnce(new SecretsManagerClient({ region: 'eu-west-1' }));
    await client.send(new GetSecretValueCommand({ SecretId: 'a' }));
    await client.send(new GetSecretValueCommand({ SecretId: 'a' }));
    await client.send(new GetSecretValueCommand({ SecretId: 'b' }));
    await client.send(new PutSecretValueCommand({ SecretId: 'a', SecretString: '{}' }));
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(secrets).toHaveReceivedCommandTimes(PutSecretValueCommand, 1);
  });
});

describe('authentikReadsOnce', () => {
  function fakeAuthentik(origin: string) {
    const asked: string[] = [];
    const client = createAuthentikClient({
      baseUrl: origin,
      token: 'fake-token-123456',
      fetch: async (request) => {
        asked.push(new URL(request.url).pathname + new URL(request.url).search);
        const body = request.url.includes('/flows/instances/')
          ? { pagination: { next: 0 }, results: [{ slug: 'f' }] }
          : { pk: 1 };
        return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
      },
    });
    return { client, asked };
  }

  it('sends an identical GET once per verification', async () => {
    const { client, asked } = fakeAuthentik('https://one.example');
    const reads = authentikReadsOnce(client);
    const get = () => reads.api.GET('/core/users/{id}/', { params: { path: { id: 5 } } });
    const [a, b] = await Promise.all([get(), get()]);
    expect(a).toBe(b);
    await reads.api.GET('/core/users/{id}/', { params: { path: { id: 6 } } });
    expect(asked).toEqual(['/api/v3/core/users/5/', '/api/v3/core/users/6/']);
    // A new verification asks again.
    await authentikReadsOnce(client).api.GET('/core/users/{id}/', { params: { path: { id: 5 } } });
    expect(asked).toHaveLength(3);
  });

  it("asks a client's Authentik its version once, not once per verification", async () => {
    const { client, asked } = fakeAuthentik('https://version.example');
    const [a, b] = [authentikReadsOnce(client), authentikReadsOnce(client)];
    const [first, second] = [await a.api.GET('/admin/version/'), await b.api.GET('/admin/version/')];
    expect(first).toBe(second);
    expect(asked).toEqual(['/api/v3/admin/version/']);
    // Another client (a new token, another tenant) asks again.
    const other = fakeAuthentik('https://version.example');
    await authentikReadsOnce(other.client).api.GET('/admin/version/');
    expect(other.asked).toEqual(['/api/v3/admin/version/']);
  });

  it('keeps the lookups every tenant shares across verifications of the same Authentik', async () => {
    const { client, asked } = fakeAuthentik('https://shared.example');
    const lookup = (c: typeof client) =>
      authentikReadsOnce(c).api.GET('/flows/instances/', { params: { query: { slug: 'f' } } });
    await lookup(client);
    await lookup(client);
    expect(asked.filter((p) => p.startsWith('/api/v3/flows/instances/'))).toHaveLength(1);
    const other = fakeAuthentik('https://other.example');
    await lookup(other.client);
    expect(other.asked).toHaveLength(1);
  });
});
