// Authentik's OIDC endpoints, served by one oidc-provider instance per application:
//   <issuer> = <baseUrl>/application/o/<slug>/
//   <issuer>.well-known/openid-configuration, <issuer>jwks/          (per application)
//   /application/o/authorize/, /token/, /userinfo/, /revoke/, /introspect/   (global)
// A global request is routed to the instance of the application whose client it names: the
// `client_id` of an authorization request, the client authentication of a token request, the
// stored access token of a userinfo request (those two in oidc-backchannel.ts). Instances are
// rebuilt when the application, its provider or its key change. Authorization runs through Authentik's flows: without a session the
// user is sent to the authentication flow; with one, the application's policies are evaluated and
// the provider's authorization flow is planned (consent, then fulfilment back into oidc-provider).
import '#local/polyfills.ts';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Interaction, KoaContext, Provider } from 'oidc-provider';
import type { AuthentikBackend, OidcApplication, OidcProvider, OidcUser } from './backend.ts';
import { UserConsents } from './consents.ts';
import { createFlowExecutor, DEFAULT_AUTHENTICATION_PATH, type FlowExecutor } from './flows.ts';
import { BACKCHANNEL_PATHS, serveBackchannel } from './oidc-backchannel.ts';
import {
  accountFor,
  claimNamesFor,
  consentPermissions,
  grantedScopes,
  scopeClaimNames,
  subjectFor,
} from './oidc-claims.ts';
import { discoveryDocument, keySet } from './oidc-discovery.ts';
import { sendDeniedPage, sendErrorPage, sendJson, withoutProviderSession } from './oidc-http.ts';
import { AUTHENTIK_ACR, createOidcInstance, GLOBAL_PATHS, keyId } from './oidc-instance.ts';
import { redirectUriAllowed } from './oidc-redirect-uri.ts';
import { OidcStore } from './oidc-store.ts';
import { requestOrigin } from './origin.ts';
import { type AuthentikSession, AuthentikSessions } from './sessions.ts';

export interface OidcHandler {
  /** Serves the request when it is for an OIDC path; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Drops every provider instance and all issued codes and tokens. */
  close(): void;
}

interface Instance {
  fingerprint: string;
  provider: Provider;
  callback: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

interface Resolved {
  application: OidcApplication;
  provider: OidcProvider;
  instance: Instance;
  issuer: string;
}

// authentik/common/oauth/errors.py: ClientIdError and RedirectUriError, rendered by if/error.html.
const CLIENT_ID_ERROR = [
  'Client ID Error',
  'The client identifier (client_id) is missing or invalid.',
] as const;
const REDIRECT_URI_ERROR = [
  'Redirect URI Error',
  'The request fails due to a missing, invalid, or mismatching redirection URI (redirect_uri).',
] as const;

const RESUME_PATH = /^\/application\/o\/authorize\/([^/]+)$/;
const DISCOVERY_PATH = /^\/application\/o\/([^/]+)\/\.well-known\/(openid-configuration)$/;
const JWKS_PATH = /^\/application\/o\/([^/]+)\/jwks\/$/;
export function createOidcHandler(backend: AuthentikBackend, sessions: AuthentikSessions): OidcHandler {
  const store = new OidcStore();
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const instances = new Map<string, Instance>();
  // The subject oidc-provider knows an account by, per client, back to the Authentik user.
  const accounts = new Map<string, number>();
  const accountKey = (clientId: string, sub: string) => `${clientId}\u0000${sub}`;

  // One instance per application and per origin the requests name (origin.ts): the issuer is built
  // from the request, so the same application seen through a proxy has the proxy's issuer.
  async function instanceFor(
    application: OidcApplication,
    provider: OidcProvider,
    issuer: string,
  ): Promise<Instance> {
    const signingKey =
      provider.signingKeyPk === null ? undefined : await backend.signingKey(provider.signingKeyPk);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify({ application, provider, key: signingKey ?? null, issuer }))
      .digest('hex');
    const cacheKey = `${application.slug}\u0000${issuer}`;
    const cached = instances.get(cacheKey);
    if (cached?.fingerprint === fingerprint) return cached;

    const oidc = createOidcInstance({
      issuer,
      application,
      provider,
      signingKey,
      claimNames: await claimNamesFor(backend, provider),
      store,
      cookieKeys,
      findAccount: async (sub) => {
        const pk = accounts.get(accountKey(provider.clientId, sub));
        const user = pk === undefined ? undefined : await backend.findUser(pk);
        return user?.isActive ? accountFor(backend, provider, user, sub) : undefined;
      },
      interactionUrl: (ctx, interaction, instance) =>
        toAuthentikFlows(ctx, interaction, instance, application, provider),
    });
    oidc.on('server_error', (_ctx: unknown, error: Error) => {
      console.error(
        `authentik emulator: OIDC server error for application ${application.slug}: ${error.message}`,
      );
    });
    const instance = { fingerprint, provider: oidc, callback: oidc.callback() };
    instances.set(cacheKey, instance);
    return instance;
  }

  // OAuth2Provider.get_issuer (authentik/providers/oauth2/models.py): the instance root for
  // issuer_mode global, the application's path for per_provider, both from the request.
  function issuerOf(origin: string, application: OidcApplication, provider: OidcProvider): string {
    return provider.issuerMode === 'global' ? `${origin}/` : `${origin}/application/o/${application.slug}/`;
  }

  async function resolved(
    application: OidcApplication,
    provider: OidcProvider,
    origin: string,
  ): Promise<Resolved> {
    const issuer = issuerOf(origin, application, provider);
    return { application, provider, issuer, instance: await instanceFor(application, provider, issuer) };
  }

  async function resolveSlug(slug: string, origin: string): Promise<Resolved | undefined> {
    const application = await backend.findApplication(slug);
    if (!application || application.providerPk === null) return undefined;
    const provider = await backend.findProvider(application.providerPk);
    if (!provider) return undefined;
    return resolved(application, provider, origin);
  }

  async function resolveClient(
    clientId: string | undefined | null,
    origin: string,
  ): Promise<Resolved | undefined> {
    if (!clientId) return undefined;
    const provider = await backend.findProviderByClientId(clientId);
    if (!provider) return undefined;
    const application = await backend.findApplicationByProvider(provider.pk);
    if (!application) return undefined;
    return resolved(application, provider, origin);
  }

  async function sessionUser(session: AuthentikSession | undefined): Promise<OidcUser | undefined> {
    if (session?.userPk === null || session?.userPk === undefined) return undefined;
    const user = await backend.findUser(session.userPk);
    return user?.isActive ? user : undefined;
  }

  // oidc-provider asks where to send the user; the answer is Authentik's flows.
  async function toAuthentikFlows(
    ctx: KoaContext,
    interaction: Interaction,
    instance: Provider,
    application: OidcApplication,
    provider: OidcProvider,
  ): Promise<string> {
    const params = Object.entries(interaction.params).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    );
    const query = ctx.querystring || new URLSearchParams(params).toString();
    const session = sessions.find(ctx.req);
    const user = await sessionUser(session);
    if (!session || !user) {
      const next = encodeURIComponent(`${GLOBAL_PATHS.authorization}?${query}`);
      return provider.authenticationFlowSlug
        ? `/if/flow/${encodeURIComponent(provider.authenticationFlowSlug)}/?next=${next}`
        : `${DEFAULT_AUTHENTICATION_PATH}?next=${next}`;
    }
    const flow = await backend.findFlow(provider.authorizationFlowSlug);
    const scopes = grantedScopes(interaction.params.scope, provider.scopeNames);
    // prompt=consent adds a consent stage to a flow without one, as Authentik does.
    const promptConsent = String(interaction.params.prompt ?? '')
      .split(' ')
      .includes('consent');
    session.plan = {
      flowSlug: provider.authorizationFlowSlug,
      stages: flow?.consent === 'explicit' || promptConsent ? ['consent', 'fulfillment'] : ['fulfillment'],
      applicationName: application.name,
      pendingUser: { identifier: user.username, user },
      consent: {
        headerText: `You're about to sign into ${application.name}.`,
        permissions: await consentPermissions(backend, provider, scopes),
        // The explicit-consent flow's own stage is `expiring`; the one Authentik adds for
        // prompt=consent to a flow without one is `always_require` (views/authorize.py).
        mode: flow?.consent === 'explicit' ? 'expiring' : 'always_require',
        userPk: user.pk,
        applicationSlug: application.slug,
      },
      fulfil: () => fulfil(instance, interaction.uid, provider, user, scopes, session.authTime),
    };
    return `/if/flow/${encodeURIComponent(provider.authorizationFlowSlug)}/?${query}`;
  }

  // The authorization flow passed: hand oidc-provider the login and the granted scopes, and
  // send the user to its resume endpoint, which issues the code.
  async function fulfil(
    instance: Provider,
    uid: string,
    provider: OidcProvider,
    user: OidcUser,
    scopes: string[],
    authTime: number | null,
  ): Promise<string> {
    const interaction = await instance.Interaction.find(uid);
    if (!interaction) throw new Error('The authorization request has expired.');
    const sub = subjectFor(user, provider.subMode);
    accounts.set(accountKey(provider.clientId, sub), user.pk);
    const grant = new instance.Grant({ accountId: sub, clientId: provider.clientId });
    grant.addOIDCScope(scopes.join(' '));
    const grantId = await grant.save();
    const now = Math.floor(Date.now() / 1000);
    interaction.result = {
      login: { accountId: sub, acr: AUTHENTIK_ACR, amr: ['pwd'], ts: authTime ?? now, remember: false },
      consent: { grantId },
    };
    await interaction.save(Math.max(1, interaction.exp - now));
    return interaction.returnTo;
  }

  // Only GET: oidc-provider's POST authorization needs SameSite=None cookies, which need https.
  // Authentik checks the client, then the redirect URI (OAuthAuthorizationParams.__post_init__,
  // authentik/providers/oauth2/views/authorize.py), each refused with if/error.html (HTTP 400);
  // then the session, then the application's policies, refused with policies/denied.html
  // (HTTP 200, PolicyAccessView): never a redirect to the client.
  async function authorize(req: IncomingMessage, res: ServerResponse, url: URL, origin: string) {
    const params = url.searchParams;
    const found = await resolveClient(params.get('client_id'), origin);
    if (!found) return sendErrorPage(res, ...CLIENT_ID_ERROR);
    if (!redirectUriAllowed(found.provider.redirectUris, params.get('redirect_uri') ?? undefined)) {
      return sendErrorPage(res, ...REDIRECT_URI_ERROR);
    }
    const user = await sessionUser(sessions.find(req));
    if (user) {
      const access = await backend.checkAccess(found.application.slug, user.pk);
      if (!access.passing) return sendDeniedPage(res);
    }
    withoutProviderSession(req);
    await found.instance.callback(req, res);
  }

  return {
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://authentik.invalid');
      const path = url.pathname;
      if (!path.startsWith('/application/o/')) return false;
      const origin = requestOrigin(req, backend.baseUrl());

      if (path === GLOBAL_PATHS.authorization) {
        await authorize(req, res, url, origin);
        return true;
      }

      const resume = RESUME_PATH.exec(path);
      if (resume) {
        const interaction = store.get('Interaction', decodeURIComponent(resume[1] ?? ''));
        const params = interaction?.params as { client_id?: string } | undefined;
        const found = await resolveClient(params?.client_id, origin);
        if (!found) {
          sendErrorPage(res, ...CLIENT_ID_ERROR);
          return true;
        }
        withoutProviderSession(req);
        await found.instance.callback(req, res);
        return true;
      }

      if (BACKCHANNEL_PATHS.has(path)) {
        await serveBackchannel(req, res, path, {
          store,
          resolveClient: async (clientId) => {
            const found = await resolveClient(clientId, origin);
            return found && { provider: found.provider, callback: found.instance.callback };
          },
        });
        return true;
      }

      const discovery = DISCOVERY_PATH.exec(path) ?? JWKS_PATH.exec(path);
      if (discovery) {
        const found = await resolveSlug(decodeURIComponent(discovery[1] ?? ''), origin);
        if (!found) {
          sendJson(res, 404, { detail: 'Not found.' });
          return true;
        }
        const { provider } = found;
        const signingKey =
          provider.signingKeyPk === null ? undefined : await backend.signingKey(provider.signingKeyPk);
        if (JWKS_PATH.test(path)) {
          sendJson(res, 200, keySet(signingKey, signingKey && keyId(signingKey)), {
            'access-control-allow-origin': '*',
          });
          return true;
        }
        sendJson(
          res,
          200,
          discoveryDocument({
            origin,
            issuer: found.issuer,
            applicationSlug: found.application.slug,
            signingKey,
            scopes: await scopeClaimNames(backend, provider),
          }),
        );
        return true;
      }
      return false;
    },
    close() {
      instances.clear();
      accounts.clear();
      store.clear();
    },
  };
}

export interface AuthentikLogin extends OidcHandler {
  sessions: AuthentikSessions;
  flows: FlowExecutor;
}

/** The OIDC endpoints and the flow executor over one session store: mount this in the emulator. */
export function createOidcAndFlows(backend: AuthentikBackend): AuthentikLogin {
  const sessions = new AuthentikSessions();
  const consents = new UserConsents();
  const flows = createFlowExecutor(backend, sessions, consents);
  const oidc = createOidcHandler(backend, sessions);
  return {
    sessions,
    flows,
    async handle(req, res) {
      return (await flows.handle(req, res)) || (await oidc.handle(req, res));
    },
    close() {
      oidc.close();
      sessions.clear();
      consents.clear();
    },
  };
}
