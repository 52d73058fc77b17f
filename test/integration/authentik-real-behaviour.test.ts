// The product against the emulator where it now answers as Authentik does: provisioning and the
// in-depth verification through a plain forwarding proxy (the issuer names the proxy's host), a
// drifted redirect URI diagnosed at the token endpoint (Authentik answers invalid_client before it
// looks at the code), a provider without a signing key (its key set is {}), and
// include_claims_in_id_token turned off behind the product's back, then repaired.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getProviderSetupUrls, strictRedirectUri, updateProvider } from '#lib/authentik/providers.ts';
import { verifyTenant } from '#lib/verification/tenant.ts';
import type { TenantVerification } from '#lib/verification/types.ts';
import { localHandlers } from '../../local/handlers.ts';
import { runStateMachine } from '../../local/runner.ts';
import { type ForwardingProxy, startForwardingProxy } from '../support/forwarding-proxy.ts';
import { registeredTenants } from '../support/tenants.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();
let proxy: ForwardingProxy;
let handlers: Awaited<ReturnType<typeof localHandlers>>;

async function provision(tenantId: string, baseUrl?: string): Promise<void> {
  const input = await fixture.tenant(tenantId);
  const authentik = input.authentik as Record<string, unknown>;
  const spec = baseUrl ? { ...input, authentik: { ...authentik, baseUrl } } : input;
  const result = await runStateMachine('provision-tenant', spec, { handlers });
  if (result.status !== 'SUCCEEDED') throw new Error(`provisioning ${tenantId} failed: ${result.cause}`);
}

const { record, authentikFor } = registeredTenants(fixture);

const reasonsOf = (result: TenantVerification) =>
  Object.fromEntries(result.failing.map((f) => [f.check, f.reason]));

beforeAll(async () => {
  proxy = await startForwardingProxy(fixture.world.endpoints.authentik);
  handlers = await localHandlers(fixture.clients);
  await provision('rb-proxy', proxy.url);
  for (const id of ['rb-redirect', 'rb-nokey', 'rb-claims']) await provision(id);
}, 180_000);

afterAll(async () => {
  await proxy?.stop();
});

describe('behind a reverse proxy that passes Host', () => {
  it("provisions through it, the issuer names the proxy's host, and the in-depth verification passes", async () => {
    const { resources } = await record('rb-proxy');
    const proxyHost = new URL(proxy.url).host;
    const issuer = `${proxy.url}/application/o/${resources.applicationSlug as string}/`;
    expect(resources.issuer).toBe(issuer);
    const setup = await getProviderSetupUrls(await authentikFor('rb-proxy'), resources.providerPk as number);
    expect(setup.issuer).toBe(issuer);
    expect(new URL(fixture.world.endpoints.authentik).host).not.toBe(proxyHost);
    expect(proxy.hosts.every((host) => host === proxyHost)).toBe(true);

    const result = await verifyTenant('rb-proxy', fixture.clients);
    expect(result.failing).toEqual([]);
    expect(result.state).toBe('verified');
  });
});

describe('diagnoses from what Authentik really answers', () => {
  it('a redirect URI changed in Authentik: the token endpoint answers invalid_client, diagnosed as REDIRECT_URI_MISSING', async () => {
    const { resources } = await record('rb-redirect');
    await updateProvider(await authentikFor('rb-redirect'), resources.providerPk as number, {
      redirect_uris: [strictRedirectUri('https://elsewhere.example/oauth2/idpresponse')],
    });
    const result = await verifyTenant('rb-redirect', fixture.clients);
    expect(reasonsOf(result)).toMatchObject({ 'token-endpoint': 'REDIRECT_URI_MISSING' });
    expect(Object.values(reasonsOf(result))).not.toContain('CLIENT_CREDENTIALS_REJECTED');
  });

  it('a provider without a signing key: its key set is {} and the verification says JWKS_NO_RS256_KEY', async () => {
    const { resources } = await record('rb-nokey');
    await updateProvider(await authentikFor('rb-nokey'), resources.providerPk as number, {
      signing_key: null,
    });
    const result = await verifyTenant('rb-nokey', fixture.clients);
    expect(reasonsOf(result)).toMatchObject({ jwks: 'JWKS_NO_RS256_KEY' });
  });

  it('include_claims_in_id_token turned off: drift, no email in the ID token; provisioning repairs it', async () => {
    const { resources } = await record('rb-claims');
    const client = await authentikFor('rb-claims');
    await updateProvider(client, resources.providerPk as number, { include_claims_in_id_token: false });
    const drifted = await verifyTenant('rb-claims', fixture.clients);
    expect(reasonsOf(drifted)).toMatchObject({
      'ensure-oidc-provider': 'PROVIDER_CHANGED',
      'id-token': 'EMAIL_CLAIM_MISMATCH',
    });
    await provision('rb-claims');
    const provider = fixture.world.authentik.store.providers.get(resources.providerPk as number);
    expect(provider?.include_claims_in_id_token).toBe(true);
    const repaired = await verifyTenant('rb-claims', fixture.clients);
    expect(repaired.failing).toEqual([]);
  });
});
