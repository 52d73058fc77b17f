// Tenant isolation, tried as an attacker and as an unlucky operator would: each test is a spec that
// reaches for something that is not its tenant's, run through the provision state machine as an
// operator would start it from the console. Every one must fail before it changes anything, and
// leave the other tenant's federation exactly as it was.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adopt } from '#lib/adoption.ts';
import { createApplication } from '#lib/authentik/applications.ts';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { createGroup } from '#lib/authentik/groups.ts';
import { createProvider } from '#lib/authentik/providers.ts';
import { localDeployment } from '#lib/authentik-address.ts';
import { OWNER_ATTRIBUTE } from '#lib/ownership.ts';
import { type LocalApi, startLocalApi } from '../../local/api-server.ts';
import { localHandlers } from '../../local/handlers.ts';
import { type ExecutionResult, type HandlersByPlaceholder, runStateMachine } from '../../local/runner.ts';
import { authentikSnapshot, cognitoSnapshot, secretNames } from '../support/snapshots.ts';
import { configWrites, useWorld } from '../support/world.ts';

const fixture = useWorld();
let handlers: HandlersByPlaceholder;

interface Provisioned {
  resources: {
    userPoolId: string;
    appClientId: string;
    providerPk: number;
    applicationPk: string;
    created: string[];
  };
}

const provision = (input: unknown) =>
  runStateMachine('provision-tenant', input, { handlers, retryIntervalMs: 10 });
const deprovision = (tenantId: string) =>
  runStateMachine('deprovision-tenant', { tenantId }, { handlers, retryIntervalMs: 10 });

async function everything() {
  return {
    authentik: authentikSnapshot(fixture.world),
    cognito: await cognitoSnapshot(fixture.observer),
    // Tokens are stored by the fixture for each spec it makes, as an operator would beforehand.
    secrets: (await secretNames(fixture.clients)).filter((name) => !name.endsWith('/authentik-token')),
  };
}

/** The error name the execution failed with (the ASL records the step's error in the cause). */
function failure(result: ExecutionResult): string {
  expect(result.status).toBe('FAILED');
  return `${result.error ?? ''} ${result.cause ?? ''}`;
}

function authentikApi() {
  return createAuthentikClient({
    baseUrl: fixture.world.endpoints.authentik,
    token: fixture.world.endpoints.authentikToken,
    deployment: localDeployment,
  });
}

// Tenant A, provisioned once with names a careless second tenant might pick too.
let victim: Provisioned['resources'];
const VICTIM = 'iso-victim';
const shared = {
  group: 'shared-team',
  providerName: 'Shared provider',
  applicationSlug: 'shared-app',
};

beforeAll(async () => {
  handlers = await localHandlers(fixture.clients);
  const input = await fixture.tenant(VICTIM, { authentik: shared });
  const result = await provision(input);
  expect(result.cause).toBeUndefined();
  victim = (result.output as Provisioned).resources;
});

/** A's federation is untouched: a re-run of A writes nothing. */
async function expectVictimIntact(): Promise<void> {
  const before = configWrites(fixture.world);
  const again = await provision(await fixture.tenant(VICTIM, { authentik: shared }));
  expect(again.cause).toBeUndefined();
  expect(configWrites(fixture.world) - before).toBe(0);
}

describe('a spec reaching for what is not its own', () => {
  let attacker: Server;
  const seen: IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    attacker = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => attacker.close(resolve));
  });

  it("cannot send another tenant's Authentik token to a host of its choice", async () => {
    const victimSpec = await fixture.tenant(VICTIM, { authentik: shared });
    const victimToken = (victimSpec.authentik as { tokenSecretArn: string }).tokenSecretArn;
    const input = await fixture.tenant('iso-thief');
    const port = (attacker.address() as AddressInfo).port;
    Object.assign(input.authentik as object, {
      baseUrl: `http://127.0.0.1:${port}`,
      tokenSecretArn: victimToken,
    });
    const before = await everything();
    const result = await provision(input);
    expect(failure(result)).toMatch(/ValidationError/);
    expect(failure(result)).toMatch(/authentik\.tokenSecretArn/);
    expect(seen).toEqual([]);
    expect(await everything()).toEqual(before);
  });

  it('cannot take over an Authentik admin as its test user', async () => {
    const admin = [...fixture.world.authentik.store.users.values()].find((u) => u.username === 'akadmin');
    expect(admin).toBeDefined();
    const { name, email, password } = admin as { name: string; email: string; password: unknown };
    const before = await everything();
    const result = await provision(
      await fixture.tenant('iso-admin', { authentik: { testUser: { username: 'akadmin' } } }),
    );
    expect(failure(result)).toMatch(/ConflictError/);
    expect(failure(result)).toMatch(/authentik\.testUser\.username/);
    const after = [...fixture.world.authentik.store.users.values()].find((u) => u.username === 'akadmin');
    expect(after).toMatchObject({ name, email, password });
    expect(await everything()).toEqual(before);
  });

  it("cannot wire another tenant's user pool and app client to its Authentik", async () => {
    const before = await everything();
    const result = await provision(
      await fixture.tenant('iso-pool', {
        cognito: { userPoolId: victim.userPoolId, appClientId: victim.appClientId },
      }),
    );
    expect(failure(result)).toMatch(/ConflictError/);
    expect(failure(result)).toMatch(/cognito\.userPoolId/);
    expect(await everything()).toEqual(before);
    const { UserPoolClient } = await fixture.observer.send(
      new DescribeUserPoolClientCommand({ UserPoolId: victim.userPoolId, ClientId: victim.appClientId }),
    );
    expect(UserPoolClient?.SupportedIdentityProviders).not.toContain('authentik-iso-pool');
    await expectVictimIntact();
  });

  it("cannot hijack another tenant's provider, application or group by naming them", async () => {
    for (const [field, value] of Object.entries(shared)) {
      const before = await everything();
      const result = await provision(await fixture.tenant('iso-names', { authentik: { [field]: value } }));
      expect(failure(result)).toMatch(/ConflictError/);
      expect(failure(result)).toContain(`authentik.${field}`);
      expect(await everything()).toEqual(before);
    }
    await expectVictimIntact();
  });

  it("cannot name another tenant's derived names either", async () => {
    const before = await everything();
    const result = await provision(
      await fixture.tenant('iso-derived', {
        authentik: {
          applicationSlug: 'cognito-iso-victim',
          testUser: { username: 'cognito-test-iso-victim' },
        },
      }),
    );
    expect(failure(result)).toMatch(/ValidationError/);
    expect(failure(result)).toContain('authentik.applicationSlug');
    expect(await everything()).toEqual(before);
  });

  it("cannot make its test user a superuser through Authentik's admin group, or any admin group", async () => {
    const byName = await provision(
      await fixture.tenant('iso-root', { authentik: { group: 'authentik Admins' } }),
    );
    expect(failure(byName)).toMatch(/ValidationError/);
    expect(failure(byName)).toContain('authentik.group');

    // Marked for the tenant but a superuser group: refused whoever marked it.
    await createGroup(authentikApi(), {
      name: 'iso-root-ops',
      is_superuser: true,
      attributes: { [OWNER_ATTRIBUTE]: 'iso-root' },
    });
    const before = await everything();
    const marked = await provision(
      await fixture.tenant('iso-root', { authentik: { group: 'iso-root-ops' } }),
    );
    expect(failure(marked)).toMatch(/ConflictError/);
    expect(failure(marked)).toMatch(/superuser/);
    expect(await everything()).toEqual(before);
  });
});

describe('objects made by hand under a tenant’s derived names', () => {
  it('are neither adopted nor overwritten, and deprovisioning never deletes them', async () => {
    const api = authentikApi();
    const flows = [...fixture.world.authentik.store.flows.values()];
    const flow = (slug: string) => (flows.find((f) => f.slug === slug) as { pk: string }).pk;
    const provider = await createProvider(api, {
      name: 'Cognito iso-hand (OIDC)',
      authorization_flow: flow('default-provider-authorization-explicit-consent'),
      invalidation_flow: flow('default-provider-invalidation-flow'),
      redirect_uris: [
        { matching_mode: 'strict', url: 'https://hand.example/cb', redirect_uri_type: 'authorization' },
      ],
    });
    await createApplication(api, { name: 'By hand', slug: 'cognito-iso-hand', provider: provider.pk });

    const before = await everything();
    const result = await provision(await fixture.tenant('iso-hand'));
    expect(failure(result)).toMatch(/ConflictError/);
    expect(await everything()).toEqual(before);

    const undone = await deprovision('iso-hand');
    expect(undone.cause).toBeUndefined();
    const store = fixture.world.authentik.store;
    const kept = store.providers.get(provider.pk);
    expect(kept?.redirect_uris).toEqual([
      expect.objectContaining({ matching_mode: 'strict', url: 'https://hand.example/cb' }),
    ]);
    expect([...store.applications.values()].map((a) => a.slug)).toContain('cognito-iso-hand');
  });
});

describe('an operator adopting an object made by hand', () => {
  it('lets the tenant converge it, records it as adopted and never deletes it', async () => {
    const api = authentikApi();
    const group = await createGroup(api, { name: 'iso-adopt-team' });
    const input = await fixture.tenant('iso-adopt', { authentik: { group: 'iso-adopt-team' } });
    const refused = await provision(input);
    expect(failure(refused)).toMatch(/federation adopt iso-adopt group/);

    await adopt(fixture.clients.registry, 'iso-adopt', 'group', group.pk);
    const result = await provision(input);
    expect(result.cause).toBeUndefined();
    const resources = (result.output as { resources: { adopted?: string[]; created?: string[] } }).resources;
    expect(resources.adopted).toEqual(['groupPk']);
    expect(resources.created).not.toContain('groupPk');

    const undone = await deprovision('iso-adopt');
    expect(undone.cause).toBeUndefined();
    expect(fixture.world.authentik.store.groups.has(group.pk)).toBe(true);
  });

  it('cannot hand a tenant an object marked for another tenant', async () => {
    const victimGroup = [...fixture.world.authentik.store.groups.values()].find(
      (g) => g.name === shared.group,
    );
    expect(victimGroup).toBeDefined();
    const input = await fixture.tenant('iso-steal', { authentik: { group: shared.group } });
    expect(failure(await provision(input))).toMatch(/ConflictError/);
    await adopt(fixture.clients.registry, 'iso-steal', 'group', (victimGroup as { pk: string }).pk);
    const before = await everything();
    const result = await provision(input);
    expect(failure(result)).toMatch(/ConflictError/);
    expect(failure(result)).toMatch(/belongs to another tenant/);
    expect(await everything()).toEqual(before);
    await expectVictimIntact();
  });
});

describe('a console input with prototype-named keys', () => {
  it('fails in the first state naming each key, and records nothing', async () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const input = JSON.parse(
        `{"tenantId":"iso-proto","${key}":{"polluted":true},"authentik":{"${key}":1},"cognito":{}}`,
      ) as unknown;
      const result = await provision(input);
      expect(failure(result)).toMatch(/ValidationError/);
      expect(failure(result)).toContain(key);
      expect(failure(result)).toContain(`authentik.${key}`);
      expect(await fixture.clients.registry.get('iso-proto')).toBeUndefined();
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    }
  });
});

describe('the same attacks through the tenant API', () => {
  let api: LocalApi;
  let attacker: Server;
  const seen: IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    api = await startLocalApi({
      clients: fixture.clients,
      handlers,
      region: fixture.world.endpoints.region,
      retryIntervalMs: 10,
    });
    attacker = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await api?.executions.idle();
    await api?.close();
    await new Promise((resolve) => attacker?.close(resolve));
  });

  function specOf(
    tenantId: string,
    authentik: Record<string, unknown>,
    cognito: Record<string, unknown> = {},
  ) {
    return {
      tenantId,
      authentik: { baseUrl: fixture.world.endpoints.authentik, ...authentik },
      cognito: {
        region: fixture.world.endpoints.region,
        callbackUrls: [`https://${tenantId}.app.example/callback`],
        ...cognito,
      },
    };
  }

  /** The attack is refused: a 4xx at the edge, or an accepted execution that fails. */
  async function refused(tenantId: string, body: Record<string, unknown>): Promise<string> {
    const response = await fetch(`${api.url}/tenants/${tenantId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 202) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      return text;
    }
    await api.executions.idle();
    const execution = api.executions.all.filter((e) => e.tenantId === tenantId).at(-1);
    expect(execution?.status).toBe('FAILED');
    return `${execution?.error ?? ''} ${execution?.cause ?? ''}`;
  }

  it('refuses each of them and changes nothing', async () => {
    const token = fixture.world.endpoints.authentikToken;
    const victimToken = (
      (await fixture.tenant(VICTIM, { authentik: shared })).authentik as { tokenSecretArn: string }
    ).tokenSecretArn;
    const port = (attacker.address() as AddressInfo).port;
    const attacks: [string, Record<string, unknown>, RegExp][] = [
      [
        'api-thief',
        { spec: specOf('api-thief', { baseUrl: `http://127.0.0.1:${port}`, tokenSecretArn: victimToken }) },
        /authentik\.tokenSecretArn/,
      ],
      [
        'api-admin',
        { spec: specOf('api-admin', { testUser: { username: 'akadmin' } }), authentikToken: token },
        /authentik\.testUser\.username/,
      ],
      [
        'api-pool',
        {
          spec: specOf('api-pool', {}, { userPoolId: victim.userPoolId, appClientId: victim.appClientId }),
          authentikToken: token,
        },
        /cognito\.userPoolId/,
      ],
      [
        'api-prov',
        { spec: specOf('api-prov', { providerName: shared.providerName }), authentikToken: token },
        /authentik\.providerName/,
      ],
      [
        'api-app',
        { spec: specOf('api-app', { applicationSlug: shared.applicationSlug }), authentikToken: token },
        /authentik\.applicationSlug/,
      ],
      [
        'api-group',
        { spec: specOf('api-group', { group: shared.group }), authentikToken: token },
        /authentik\.group/,
      ],
      [
        'api-root',
        { spec: specOf('api-root', { group: 'authentik Admins' }), authentikToken: token },
        /authentik\.group/,
      ],
      [
        'api-derived',
        { spec: specOf('api-derived', { applicationSlug: 'cognito-iso-victim' }), authentikToken: token },
        /authentik\.applicationSlug/,
      ],
    ];
    for (const [tenantId, body, field] of attacks) {
      const before = await everything();
      expect(await refused(tenantId, body), tenantId).toMatch(field);
      expect(await everything(), tenantId).toEqual(before);
    }
    expect(seen).toEqual([]);
    await expectVictimIntact();
  });
});
