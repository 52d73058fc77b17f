// A fresh Authentik, as its bootstrap and default blueprints leave it: the "authentik Admins" group
// with akadmin in it, one API token for akadmin, the default authentication, authorization and
// invalidation flows, the "authentik Self-signed Certificate" key pair, and the managed OAuth2 scope
// mappings with Authentik's own expressions.
import { isAtLeast, parseAuthentikVersion } from '#lib/authentik/version.ts';
import { generateKey } from './resources/tokens.ts';
import type { AuthentikStore, FlowRecord, ScopeMappingRecord } from './store.ts';
import { generateSelfSignedKeyPair } from './x509.ts';

export const SELF_SIGNED_CERTIFICATE = 'authentik Self-signed Certificate';

export const MANAGED_SCOPES = {
  openid: 'goauthentik.io/providers/oauth2/scope-openid',
  email: 'goauthentik.io/providers/oauth2/scope-email',
  profile: 'goauthentik.io/providers/oauth2/scope-profile',
  entitlements: 'goauthentik.io/providers/oauth2/scope-entitlements',
  offlineAccess: 'goauthentik.io/providers/oauth2/scope-offline_access',
  authentikApi: 'goauthentik.io/providers/oauth2/scope-authentik_api',
} as const;

// The email mapping's expression: email_verified True through 2025.8, False since 2025.10
// (docs.goauthentik.io/add-secure-apps/providers/oauth2/verify-email-address: "Since authentik
// 2025.10, the default email scope mapping returns False").
export const EMAIL_SCOPE_EXPRESSIONS = {
  verified: 'return {\n    "email": request.user.email,\n    "email_verified": True\n}\n',
  unverified: 'return {\n    "email": request.user.email,\n    "email_verified": False\n}\n',
} as const;

// The expressions of blueprints/system/providers-oauth2.yaml; scope claims are only computed for
// mappings whose expression is still exactly this text (the emulator runs no Python).
export const DEFAULT_SCOPE_EXPRESSIONS: Record<string, string> = {
  [MANAGED_SCOPES.openid]:
    '# This scope is required by the OpenID-spec, and must as such exist in authentik.\n' +
    '# The scope by itself does not grant any information\nreturn {}\n',
  [MANAGED_SCOPES.email]: EMAIL_SCOPE_EXPRESSIONS.unverified,
  [MANAGED_SCOPES.profile]:
    'return {\n' +
    "    # Because authentik only saves the user's full name, and has no concept of first and last names,\n" +
    '    # the full name is used as given name.\n' +
    '    # You can override this behaviour in custom mappings, i.e. `request.user.name.split(" ")`\n' +
    '    "name": request.user.name,\n' +
    '    "given_name": request.user.name,\n' +
    '    "preferred_username": request.user.username,\n' +
    '    "nickname": request.user.username,\n' +
    '    "groups": [group.name for group in request.user.ak_groups.all()],\n' +
    '}\n',
  [MANAGED_SCOPES.entitlements]:
    'entitlements = [entitlement.name for entitlement in request.user.app_entitlements(provider.application)]\n' +
    'return {\n    "entitlements": entitlements,\n    "roles": entitlements,\n}\n',
  [MANAGED_SCOPES.offlineAccess]:
    '# This scope grants the application a refresh token that can be used to refresh user data\n' +
    '# and let the application access authentik without the users interaction\nreturn {}\n',
  [MANAGED_SCOPES.authentikApi]:
    '# This scope grants the application the ability to access the authentik API\n' +
    '# on behalf of the authorizing user\nreturn {}\n',
};

const SCOPES: Omit<ScopeMappingRecord, 'pk' | 'expression'>[] = [
  {
    managed: MANAGED_SCOPES.openid,
    name: "authentik default OAuth Mapping: OpenID 'openid'",
    scope_name: 'openid',
    description: '',
  },
  {
    managed: MANAGED_SCOPES.email,
    name: "authentik default OAuth Mapping: OpenID 'email'",
    scope_name: 'email',
    description: 'Email address',
  },
  {
    managed: MANAGED_SCOPES.profile,
    name: "authentik default OAuth Mapping: OpenID 'profile'",
    scope_name: 'profile',
    description: 'General Profile Information',
  },
  {
    managed: MANAGED_SCOPES.entitlements,
    name: 'authentik default OAuth Mapping: Application Entitlements',
    scope_name: 'entitlements',
    description: 'Application entitlements',
  },
  {
    managed: MANAGED_SCOPES.offlineAccess,
    name: "authentik default OAuth Mapping: OpenID 'offline_access'",
    scope_name: 'offline_access',
    description: 'Access to request new tokens without interaction',
  },
  {
    managed: MANAGED_SCOPES.authentikApi,
    name: 'authentik default OAuth Mapping: authentik API access',
    scope_name: 'goauthentik.io/api',
    description: 'authentik API Access on behalf of your user',
  },
];

type FlowSeed = Omit<
  FlowRecord,
  'pk' | 'background' | 'policy_engine_mode' | 'compatibility_mode' | 'layout' | 'denied_action'
>;

const FLOWS: FlowSeed[] = [
  {
    slug: 'default-authentication-flow',
    name: 'Welcome to authentik!',
    title: 'Welcome to authentik!',
    designation: 'authentication',
    authentication: 'none',
    consent: 'none',
  },
  {
    slug: 'default-provider-authorization-explicit-consent',
    name: 'Authorize Application',
    title: 'Redirecting to %(app)s',
    designation: 'authorization',
    authentication: 'require_authenticated',
    consent: 'explicit',
  },
  {
    slug: 'default-provider-authorization-implicit-consent',
    name: 'Authorize Application',
    title: 'Redirecting to %(app)s',
    designation: 'authorization',
    authentication: 'require_authenticated',
    consent: 'implicit',
  },
  {
    slug: 'default-provider-invalidation-flow',
    name: 'Logout',
    title: "You've logged out of %(app)s.",
    designation: 'invalidation',
    authentication: 'none',
    consent: 'none',
  },
];

export interface SeedResult {
  /** The key of akadmin's API token. */
  token: string;
}

/** Whether the release's email mapping says email_verified True (before 2025.10). */
export function emailVerifiedByDefault(version: string | undefined): boolean {
  const parsed = version === undefined ? undefined : parseAuthentikVersion(version);
  return parsed !== undefined && !isAtLeast(parsed, { year: 2025, month: 10, patch: 0, text: '2025.10' });
}

export async function seed(
  store: AuthentikStore,
  options: { token?: string; version?: string } = {},
): Promise<SeedResult> {
  const keyPair = generateSelfSignedKeyPair(SELF_SIGNED_CERTIFICATE);
  const at = new Date().toISOString();

  const admins = {
    pk: store.newUuid(),
    num_pk: store.nextGroupNumPk(),
    name: 'authentik Admins',
    is_superuser: true,
    parents: [],
    attributes: {},
    roles: [],
  };
  store.groups.set(admins.pk, admins);
  const akadmin = {
    pk: store.nextUserPk(),
    uuid: store.newUuid(),
    username: 'akadmin',
    name: 'authentik Default Admin',
    is_active: true,
    last_login: null,
    groups: [admins.pk],
    roles: [],
    email: 'root@localhost',
    attributes: {},
    path: 'users',
    type: 'internal' as const,
    date_joined: at,
    last_updated: at,
    password_change_date: at,
    password: null,
  };
  store.users.set(akadmin.pk, akadmin);

  const token = options.token ?? generateKey();
  const tokenPk = store.newUuid();
  store.tokens.set(tokenPk, {
    pk: tokenPk,
    identifier: 'authentik-bootstrap-token',
    key: token,
    intent: 'api',
    user: akadmin.pk,
    description: 'authentik bootstrap token',
    expires: null,
    expiring: false,
    managed: null,
  });

  for (const flow of FLOWS) {
    const pk = store.newUuid();
    store.flows.set(pk, {
      pk,
      background: '',
      policy_engine_mode: 'any',
      compatibility_mode: false,
      layout: 'stacked',
      denied_action: 'message_continue',
      ...flow,
    });
  }

  for (const scope of SCOPES) {
    const pk = store.newUuid();
    store.scopeMappings.set(pk, {
      pk,
      ...scope,
      expression:
        scope.managed === MANAGED_SCOPES.email && emailVerifiedByDefault(options.version)
          ? EMAIL_SCOPE_EXPRESSIONS.verified
          : (DEFAULT_SCOPE_EXPRESSIONS[scope.managed ?? ''] ?? ''),
    });
  }

  // The default authentication flow's password-stage policy, which a fresh Authentik lists too.
  const policyPk = store.newUuid();
  store.expressionPolicies.set(policyPk, {
    pk: policyPk,
    name: 'default-authentication-flow-password-stage',
    execution_logging: false,
    expression:
      'flow_plan = request.context.get("flow_plan")\nif not flow_plan:\n    return True\n' +
      "# If the user does not have a backend attached to it, they haven't\n" +
      '# been authenticated yet and we need the password stage\n' +
      'return not hasattr(flow_plan.context.get("pending_user"), "backend")\n',
    created: at,
    last_updated: at,
  });

  const { certificatePem, privateKeyPem } = await keyPair;
  const kpPk = store.newUuid();
  store.certificateKeyPairs.set(kpPk, {
    pk: kpPk,
    name: SELF_SIGNED_CERTIFICATE,
    certificate_data: certificatePem,
    key_data: privateKeyPem,
    managed: null,
  });
  return { token };
}
