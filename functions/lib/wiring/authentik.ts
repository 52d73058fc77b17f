// The Authentik client of a function that uses Authentik: made per tenant, with the tenant's token
// read from Secrets Manager inside this Lambda (through the tenant's own session), and connecting only
// to addresses the deployment allows.
import * as z from 'zod/mini';
import { type AuthentikClient, createAuthentikClient } from '../authentik/client.ts';
import { ValidationError } from '../errors.ts';
import { arnNamesSecret, readSecretJson, secretName } from '../secrets.ts';
import { configured } from './config.ts';
import type { Builder } from './kinds.ts';
import { tenantSecrets } from './secrets.ts';

const tokenSecret = z.object({ token: z.string().check(z.minLength(1)) });
// A warm Lambda reuses the token for a while; a rotated token is picked up within this time.
const TOKEN_TTL_MS = 5 * 60_000;

export const authentik: Builder<'authentik'> = (config) => {
  const secretPrefix = configured(config.secretPrefix, 'a secret prefix (SECRET_PREFIX)', config);
  const deployment = configured(config.deployment, 'a deployment (ALLOWED_AUTHENTIK_HOSTS)', config);
  const { secretsFor } = tenantSecrets(config);
  const cache = new Map<string, { client: AuthentikClient; until: number }>();
  return {
    async authentik(spec) {
      // The token is read by the tenant's own name, never by whatever ARN the spec names: a spec for
      // tenant B naming A's token and a host B controls would otherwise send A's token to B's host.
      // The spec schema refuses such an ARN too; this holds even if that validation were skipped.
      const name = secretName(secretPrefix, spec.tenantId, 'authentik-token');
      if (!arnNamesSecret(spec.authentik.tokenSecretArn, name)) {
        throw new ValidationError(`authentik.tokenSecretArn must name the secret ${name}`, {
          'authentik.tokenSecretArn': [`must name the secret ${name}`],
        });
      }
      const key = `${name} ${spec.authentik.baseUrl}`;
      const cached = cache.get(key);
      if (cached && cached.until > Date.now()) return cached.client;
      const { token } = await readSecretJson(secretsFor(spec.tenantId), name, tokenSecret);
      const client = createAuthentikClient({
        baseUrl: spec.authentik.baseUrl,
        token,
        // Connects only to addresses this deployment allows (pinned-transport.ts).
        deployment,
        ...(config.authentikTimeoutMs ? { timeoutMs: config.authentikTimeoutMs } : {}),
        ...(config.onThrottle ? { onThrottle: config.onThrottle } : {}),
      });
      cache.set(key, { client, until: Date.now() + TOKEN_TTL_MS });
      return client;
    },
  };
};
