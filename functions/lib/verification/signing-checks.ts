// The keys: the issuer's key set must hold an RS256 key, and it must be the provider's signing key
// (without one Authentik signs ID tokens HS256 with the client secret). Then the proof: the test
// user's code, exchanged as Cognito exchanges it, yields an ID token that this key set verifies,
// from this issuer, for this client, with the email Cognito maps.
import { verify as verifySignature } from 'node:crypto';
import { certificateFingerprint, plainFingerprint, publicKeyOf, rs256Keys } from './key-set.ts';
import { cognitoClient, oauthError, tokenRequest } from './token-endpoint.ts';
import type { CheckAnswer, CheckContext, FederationCheck } from './types.ts';

async function signingKeyFingerprint(
  context: CheckContext,
): Promise<{ name: string; fingerprint?: string } | 'none' | undefined> {
  const provider = await context.provider();
  if (!provider) return undefined;
  if (!provider.signing_key) return 'none';
  const { data } = await context.clients.authentik.api.GET('/crypto/certificatekeypairs/{kp_uuid}/', {
    params: { path: { kp_uuid: provider.signing_key } },
  });
  if (!data) return undefined;
  return {
    name: data.name,
    ...(data.fingerprint_sha256 ? { fingerprint: plainFingerprint(data.fingerprint_sha256) } : {}),
  };
}

export const keySetCheck: FederationCheck = {
  id: 'jwks',
  needs: ['discovery'],
  async run(context): Promise<CheckAnswer> {
    const keySet = await context.keySet();
    if (!keySet.ok) {
      return {
        status: 'fail',
        reason: 'JWKS_UNREACHABLE',
        message: `${keySet.why}; Cognito reads it to check ID tokens`,
      };
    }
    const discovery = await context.discovery();
    const algs = discovery.ok ? discovery.document.id_token_signing_alg_values_supported : undefined;
    const usable = rs256Keys(keySet.keys);
    const signing = await signingKeyFingerprint(context).catch(() => undefined);
    if (usable.length === 0 || (Array.isArray(algs) && !algs.includes('RS256'))) {
      return {
        status: 'fail',
        reason: 'JWKS_NO_RS256_KEY',
        message:
          signing === 'none'
            ? `the provider has no signing key, so Authentik signs ID tokens HS256 with the client secret and ${keySet.url} holds no RSA key: choose the signing key "${context.spec.authentik.signingKeyName}" (run provisioning again)`
            : `the key set at ${keySet.url} holds no RSA key for RS256 signatures, which Cognito needs to check ID tokens`,
        expected: 'an RSA key for RS256',
        actual: keySet.keys.map((key) => `${key.kty ?? '?'}/${key.alg ?? '?'}`),
      };
    }
    if (signing && signing !== 'none' && signing.fingerprint) {
      const published = usable.map(certificateFingerprint).filter((f): f is string => f !== undefined);
      if (published.length > 0 && !published.includes(signing.fingerprint)) {
        return {
          status: 'fail',
          reason: 'JWKS_KEY_MISMATCH',
          message: `the RSA keys at ${keySet.url} are not the provider's signing key "${signing.name}": ID tokens would not verify`,
          expected: signing.fingerprint,
          actual: published,
        };
      }
    }
    const named = signing && signing !== 'none' ? ` of the signing key "${signing.name}"` : '';
    return {
      status: 'pass',
      message: `the key set at ${keySet.url} holds the RS256 key${named} (${usable.map((key) => key.kid ?? 'no kid').join(', ')})`,
    };
  },
};

function decodeSegment(segment: string | undefined): Record<string, unknown> | undefined {
  if (!segment) return undefined;
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const invalid = (message: string, expected?: unknown, actual?: unknown): CheckAnswer => ({
  status: 'fail',
  reason: 'ID_TOKEN_INVALID',
  message,
  ...(expected === undefined ? {} : { expected, actual }),
});

/** Exchanges the test user's code with Cognito's client credentials and checks the ID token. */
export const idTokenCheck: FederationCheck = {
  id: 'id-token',
  needs: ['test-login', 'jwks', 'token-endpoint', 'issuer'],
  async run(context): Promise<CheckAnswer> {
    const code = context.loginCode;
    const credentials = await cognitoClient(context);
    if (!code || !credentials) return invalid('the test login left no authorization code to exchange');
    const sent = await tokenRequest(context, credentials, code);
    if ('refused' in sent)
      return { status: 'fail', reason: 'TOKEN_ENDPOINT_UNREACHABLE', message: sent.refused };
    if (!sent.answer.ok) {
      return {
        status: 'fail',
        reason: 'TOKEN_ENDPOINT_UNREACHABLE',
        message: `the token endpoint ${sent.url} ${sent.answer.why}`,
      };
    }
    const { status, body } = sent.answer;
    const token = status === 200 ? decodeToken(body) : undefined;
    if (!token) {
      return invalid(
        `exchanging the test user's code at ${sent.url} gave no ID token (HTTP ${status}${oauthError(body) ? `, ${oauthError(body)}` : ''})`,
      );
    }
    const { header, claims, signingInput, signature } = token;
    if (header.alg !== 'RS256') {
      return invalid(`the ID token is signed ${String(header.alg)}, not RS256`, 'RS256', header.alg ?? null);
    }
    const keySet = await context.keySet();
    const keys = keySet.ok ? rs256Keys(keySet.keys) : [];
    const candidates = header.kid === undefined ? keys : keys.filter((key) => key.kid === header.kid);
    const verified = candidates.some((key) =>
      verifySignature('RSA-SHA256', Buffer.from(signingInput), publicKeyOf(key), signature),
    );
    if (!verified) {
      return invalid(
        `the ID token's signature does not verify with the issuer's key set (kid ${String(header.kid ?? 'none')})`,
      );
    }
    const discovery = await context.discovery();
    const issuer = discovery.ok ? discovery.document.issuer : undefined;
    if (claims.iss !== issuer)
      return invalid('the ID token names another issuer', issuer, claims.iss ?? null);
    const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audience.includes(credentials.clientId)) {
      return invalid(
        "the ID token is not for the provider's client id",
        credentials.clientId,
        claims.aud ?? null,
      );
    }
    const expected = context.spec.authentik.testUser.email;
    if (claims.email !== expected) {
      return {
        status: 'fail',
        reason: 'EMAIL_CLAIM_MISMATCH',
        message: `the ID token's email is ${claims.email === undefined ? 'missing' : `"${String(claims.email)}"`}; Cognito maps email to the pool's required email attribute, so sign-up would fail or name someone else`,
        expected,
        actual: claims.email ?? null,
      };
    }
    return {
      status: 'pass',
      message: `the ID token for the test user is RS256-signed by the issuer's key, names ${String(issuer)} and the provider's client, and carries the email ${expected}`,
    };
  },
};

function decodeToken(body: string) {
  let idToken: unknown;
  try {
    idToken = (JSON.parse(body) as { id_token?: unknown }).id_token;
  } catch {
    return undefined;
  }
  if (typeof idToken !== 'string') return undefined;
  const [head, payload, signature] = idToken.split('.');
  const header = decodeSegment(head);
  const claims = decodeSegment(payload);
  if (!header || !claims || signature === undefined) return undefined;
  return {
    header,
    claims,
    signingInput: `${head}.${payload}`,
    signature: Buffer.from(signature, 'base64url'),
  };
}
