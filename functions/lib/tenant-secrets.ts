// Secrets Manager for one tenant at a time. On AWS no function role may read a tenant's secrets
// itself: each function assumes the deployment's tenant-secrets role with the session tag
// `tenant=<tenantId>`, and that role's policy reaches only secrets named `<prefix>/<tenant>/…` and
// tagged with the same tenant (infra/grants.ts). A step invoked for tenant B therefore holds
// credentials that cannot read tenant A's secrets, whatever its code asks for.
//
// The session is assumed lazily, on the first Secrets Manager request for the tenant (a step that
// never touches a secret never calls STS), and kept per tenant until shortly before it expires, so
// a warm Lambda, or the local world running every function in one process, assumes the role once
// per tenant per session. Without a role ARN (unit tests) every tenant gets the plain client.
//
// AWS docs: IAM User Guide, "Pass session tags in AWS STS" (id_session-tags); STS API Reference,
// AssumeRole (session tags, role chaining limits the session to one hour).

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ValidationError } from './errors.ts';
import { TENANT_TAG } from './secrets.ts';

/** The session tag naming the tenant (the same key putSecret tags secrets with). */
export const TENANT_SESSION_TAG = TENANT_TAG;
/**
 * The session tag naming the function that assumed the role. The role's trust policy requires it to
 * equal the calling role's own `function` tag, so each function keeps only its own secret grants.
 */
export const FUNCTION_TAG = 'function';

/** The shortest session STS grants: a leaked credential is worth little for long. */
export const SESSION_SECONDS = 900;
/**
 * A session is renewed this long before it expires: the SDK treats credentials as expired five
 * minutes early, so the cache follows the same rule instead of handing the SDK stale ones.
 */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

// The spec's tenant id rule (lowercase letters, digits, inner dashes) is checked again here: the id
// becomes a session tag and, through it, part of the resource path IAM allows.
const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export interface TenantSecretsConfig {
  /** Region, endpoint and base credentials, as for the plain Secrets Manager client. */
  clientConfig: {
    region?: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  /** The tenant-secrets role; unset: every tenant gets the plain client (unit tests). */
  roleArn?: string | undefined;
  /** The function assuming the role (its `function` session tag); unset in the local world. */
  functionName?: string | undefined;
  /** STS endpoint (the local world's moto). */
  stsEndpoint?: string | undefined;
  /** An STS client to use instead of building one (tests). */
  sts?: STSClient;
}

/** The Secrets Manager client for one tenant's secrets. */
export type SecretsForTenant = (tenantId: string) => SecretsManagerClient;

interface Session {
  credentials: Promise<{
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
    expiration: Date;
  }>;
  /** When a new session is assumed instead (ms since epoch). */
  renewAt: number;
}

// A warm Lambda serves a bounded set of tenants; the bound keeps a long-lived process (the local
// API) from keeping a client for every tenant it ever saw.
const MAX_TENANTS = 256;

/** `<function>-<tenant>` within STS's 64 characters, so CloudTrail shows who read for whom. */
function sessionName(functionName: string | undefined, tenantId: string): string {
  return `${functionName ?? 'federation'}-${tenantId}`.slice(0, 64);
}

export function tenantSecretsClients(
  plain: SecretsManagerClient,
  config: TenantSecretsConfig,
): SecretsForTenant {
  const checked = (tenantId: string): string => {
    if (!TENANT_ID.test(tenantId)) {
      throw new ValidationError('tenant id is not valid for a secrets session', {
        tenantId: ['must be lowercase letters, digits and inner dashes'],
      });
    }
    return tenantId;
  };
  const { roleArn } = config;
  if (!roleArn) {
    return (tenantId) => {
      checked(tenantId);
      return plain;
    };
  }

  const { credentials: baseCredentials, region } = config.clientConfig;
  const sts =
    config.sts ??
    new STSClient({
      ...(region ? { region } : {}),
      ...(baseCredentials ? { credentials: baseCredentials } : {}),
      ...(config.stsEndpoint ? { endpoint: config.stsEndpoint } : {}),
    });
  const sessions = new Map<string, Session>();
  const clients = new Map<string, SecretsManagerClient>();

  const assume = async (tenantId: string): Session['credentials'] => {
    const tags = [{ Key: TENANT_SESSION_TAG, Value: tenantId }];
    if (config.functionName) tags.push({ Key: FUNCTION_TAG, Value: config.functionName });
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: sessionName(config.functionName, tenantId),
        DurationSeconds: SESSION_SECONDS,
        Tags: tags,
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new Error(`STS returned no credentials for the tenant-secrets role (tenant ${tenantId})`);
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  };

  const credentialsFor = (tenantId: string): Session['credentials'] => {
    const current = sessions.get(tenantId);
    if (current && current.renewAt > Date.now()) return current.credentials;
    const credentials = assume(tenantId);
    // Until STS answers, concurrent requests for the tenant share this one AssumeRole.
    const session: Session = { credentials, renewAt: Number.POSITIVE_INFINITY };
    sessions.set(tenantId, session);
    credentials.then(
      (c) => {
        session.renewAt = c.expiration.getTime() - REFRESH_BEFORE_EXPIRY_MS;
      },
      () => {
        // A failed AssumeRole is not kept: the next request tries again.
        if (sessions.get(tenantId) === session) sessions.delete(tenantId);
      },
    );
    return credentials;
  };

  return (tenantId) => {
    const id = checked(tenantId);
    const existing = clients.get(id);
    if (existing) return existing;
    if (clients.size >= MAX_TENANTS) {
      const [oldest] = clients.keys();
      if (oldest !== undefined) {
        clients.delete(oldest);
        sessions.delete(oldest);
      }
    }
    const client = new SecretsManagerClient({
      ...config.clientConfig,
      credentials: () => credentialsFor(id),
    });
    clients.set(id, client);
    return client;
  };
}
