// An in-memory AuthentikBackend with Authentik's default flows, scope mappings and a generated RSA
// signing key, behind a loopback HTTP server that mounts only the OIDC endpoints and the flow
// executor. For testing those two without the rest of the emulator.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  AccessResult,
  AuthentikBackend,
  FlowSummary,
  OidcApplication,
  OidcProvider,
  OidcUser,
  RedirectUriRule,
  SigningKey,
} from '#local/authentik/backend.ts';
import { createOidcAndFlows } from '#local/authentik/oidc.ts';
import { newRsaKeyPair } from '#local/rsa-key-pair.ts';

export const EXPLICIT_CONSENT_FLOW = 'default-provider-authorization-explicit-consent';
export const IMPLICIT_CONSENT_FLOW = 'default-provider-authorization-implicit-consent';

const FLOWS: FlowSummary[] = [
  {
    slug: 'default-authentication-flow',
    name: 'Welcome to authentik!',
    title: 'Welcome to authentik!',
    designation: 'authentication',
    consent: 'none',
  },
  {
    slug: EXPLICIT_CONSENT_FLOW,
    name: 'Authorize Application',
    title: 'Redirecting to %(app)s',
    designation: 'authorization',
    consent: 'explicit',
  },
  {
    slug: IMPLICIT_CONSENT_FLOW,
    name: 'Authorize Application',
    title: 'Redirecting to %(app)s',
    designation: 'authorization',
    consent: 'implicit',
  },
  {
    slug: 'default-provider-invalidation-flow',
    name: 'Logged out of application',
    title: 'You have been logged out of %(app)s.',
    designation: 'invalidation',
    consent: 'none',
  },
];

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: '',
  email: 'Email address',
  profile: 'General Profile Information',
};

export interface NewUser {
  username: string;
  name: string;
  email: string;
  password: string;
  groups?: string[];
  isActive?: boolean;
}

export interface NewApplication {
  slug: string;
  name?: string;
  redirectUris: RedirectUriRule[];
  authorizationFlowSlug?: string;
  /** Only members of this group pass the application's policy; everyone when absent. */
  requiredGroup?: string;
  signed?: boolean;
}

export class FakeAuthentikBackend implements AuthentikBackend {
  base = 'http://127.0.0.1';
  readonly key: SigningKey;
  readonly #users = new Map<number, OidcUser>();
  readonly #passwords = new Map<number, Buffer>();
  readonly #applications = new Map<string, OidcApplication>();
  readonly #providers = new Map<number, OidcProvider>();
  readonly #requiredGroups = new Map<string, string>();

  constructor() {
    this.key = {
      pk: randomUUID(),
      name: 'authentik Self-signed Certificate',
      privateKeyPem: newRsaKeyPair().privateKeyPem,
    };
  }

  addUser(input: NewUser): OidcUser {
    const user: OidcUser = {
      pk: this.#users.size + 1,
      uuid: randomUUID(),
      username: input.username,
      name: input.name,
      email: input.email,
      isActive: input.isActive ?? true,
      groups: input.groups ?? [],
    };
    this.#users.set(user.pk, user);
    this.#passwords.set(user.pk, Buffer.from(input.password));
    return user;
  }

  addApplication(input: NewApplication): { application: OidcApplication; provider: OidcProvider } {
    const provider: OidcProvider = {
      pk: this.#providers.size + 1,
      name: `Provider for ${input.slug}`,
      clientId: randomBytes(20).toString('hex'),
      clientSecret: randomBytes(48).toString('base64url'),
      clientType: 'confidential',
      redirectUris: input.redirectUris,
      authorizationFlowSlug: input.authorizationFlowSlug ?? EXPLICIT_CONSENT_FLOW,
      invalidationFlowSlug: 'default-provider-invalidation-flow',
      signingKeyPk: input.signed === false ? null : this.key.pk,
      scopeNames: ['openid', 'email', 'profile'],
      subMode: 'hashed_user_id',
      issuerMode: 'per_provider',
    };
    const application: OidcApplication = {
      pk: randomUUID(),
      slug: input.slug,
      name: input.name ?? input.slug,
      providerPk: provider.pk,
    };
    this.#providers.set(provider.pk, provider);
    this.#applications.set(application.slug, application);
    if (input.requiredGroup) this.#requiredGroups.set(application.slug, input.requiredGroup);
    return { application, provider };
  }

  /** Changes a provider in place, as a PATCH through the REST API would. */
  updateProvider(pk: number, changes: Partial<OidcProvider>): void {
    const provider = this.#providers.get(pk);
    if (provider) this.#providers.set(pk, { ...provider, ...changes });
  }

  baseUrl(): string {
    return this.base;
  }
  findApplication(slug: string) {
    return this.#applications.get(slug);
  }
  findApplicationByProvider(providerPk: number) {
    return [...this.#applications.values()].find((app) => app.providerPk === providerPk);
  }
  findProvider(providerPk: number) {
    return this.#providers.get(providerPk);
  }
  findProviderByClientId(clientId: string) {
    return [...this.#providers.values()].find((provider) => provider.clientId === clientId);
  }
  signingKey(pk: string) {
    return pk === this.key.pk ? this.key : undefined;
  }
  findUserByIdentifier(uidField: string) {
    const wanted = uidField.toLowerCase();
    return [...this.#users.values()].find(
      (user) => user.username.toLowerCase() === wanted || user.email.toLowerCase() === wanted,
    );
  }
  findUser(pk: number) {
    return this.#users.get(pk);
  }
  checkPassword(userPk: number, password: string): boolean {
    const stored = this.#passwords.get(userPk);
    const given = Buffer.from(password);
    return stored !== undefined && stored.length === given.length && timingSafeEqual(stored, given);
  }
  checkAccess(applicationSlug: string, userPk: number): AccessResult {
    const group = this.#requiredGroups.get(applicationSlug);
    const user = this.#users.get(userPk);
    if (!group || user?.groups.includes(group)) return { passing: true, messages: [] };
    return { passing: false, messages: [`User is not a member of ${group}.`] };
  }
  findFlow(slug: string) {
    return FLOWS.find((flow) => flow.slug === slug);
  }
  scopeClaims(scopeName: string, user: OidcUser): Record<string, unknown> | undefined {
    switch (scopeName) {
      case 'openid':
        return {};
      case 'email':
        return { email: user.email, email_verified: false };
      case 'profile':
        return {
          name: user.name,
          given_name: user.name,
          preferred_username: user.username,
          nickname: user.username,
          groups: user.groups,
        };
      default:
        return undefined;
    }
  }
  scopeDescription(scopeName: string): string {
    return SCOPE_DESCRIPTIONS[scopeName] ?? '';
  }
}

export interface FakeAuthentik {
  backend: FakeAuthentikBackend;
  baseUrl: string;
  close(): Promise<void>;
}

/** The OIDC endpoints and flow executor over a fake backend, on a free loopback port. */
export async function startFakeAuthentik(): Promise<FakeAuthentik> {
  const backend = new FakeAuthentikBackend();
  const login = createOidcAndFlows(backend);
  const server: Server = createServer((req, res) => {
    login
      .handle(req, res)
      .then((handled) => {
        if (!handled) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ detail: 'Not found.' }));
        }
      })
      .catch((error: unknown) => {
        console.error('fake authentik: request failed', error);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  backend.base = `http://127.0.0.1:${port}`;
  return {
    backend,
    baseUrl: backend.base,
    async close() {
      login.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
