// testSecret: the federation works with the pending value before it becomes current. For the OIDC
// client, Authentik's token endpoint must accept the pending client id and secret (a made-up code
// then fails as invalid_grant, not invalid_client: token-endpoint.ts); then the verification in depth
// must pass as it will once the pending value is current (the stored secret read at AWSPENDING).
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AuthentikClient } from '#lib/authentik/client.ts';
import type { Deployment } from '#lib/authentik-address.ts';
import type { Resources } from '#lib/step.ts';
import type { TenantSpec } from '#lib/tenant-spec.ts';
import { cognitoReadsOnce } from '#lib/verification/cognito-reads.ts';
import { inDepthChecks, inDepthContext, readCognito, reportFor } from '#lib/verification/in-depth.ts';
import { failures } from '#lib/verification/report.ts';
import { oauthError, tokenRequest } from '#lib/verification/token-endpoint.ts';
import type { OidcClient } from './kinds.ts';

export interface TestClients {
  cognito: CognitoIdentityProviderClient;
  /** Reads the rotated secret at its pending version (versions.ts readingPending). */
  secrets: SecretsManagerClient;
  authentik: AuthentikClient;
  secretPrefix: string;
  deployment: Deployment;
  fetch?: typeof fetch | undefined;
  /** Where the pools' domains serve Cognito's hosted UI (VerifyClients.hostedUiBaseUrl). */
  hostedUiBaseUrl?: string | undefined;
}

/** Thrown when the pending value does not work: Secrets Manager retries, AWSCURRENT stays. */
export class RotationTestError extends Error {
  override readonly name = 'RotationTestError';

  constructor(
    message: string,
    readonly failing: readonly { check: string; reason: string }[],
  ) {
    super(message);
  }
}

export async function testPending(
  spec: TenantSpec,
  resources: Resources,
  clients: TestClients,
  pendingClient: OidcClient | undefined,
): Promise<{ checks: number }> {
  const context = inDepthContext(spec, resources, cognitoReadsOnce(clients.cognito), {
    cognito: clients.cognito,
    secrets: clients.secrets,
    authentik: clients.authentik,
    secretPrefix: clients.secretPrefix,
    deployment: clients.deployment,
    ...(clients.fetch ? { fetch: clients.fetch } : {}),
    ...(clients.hostedUiBaseUrl ? { hostedUiBaseUrl: clients.hostedUiBaseUrl } : {}),
  });
  if (pendingClient) {
    const sent = await tokenRequest(
      context,
      { clientId: pendingClient.client_id, clientSecret: pendingClient.client_secret },
      `not-a-code-${Date.now().toString(36)}`,
    );
    const answer = 'refused' in sent ? undefined : sent.answer;
    const error = answer?.ok ? oauthError(answer.body) : undefined;
    if (error !== 'invalid_grant') {
      const why =
        'refused' in sent
          ? sent.refused
          : !sent.answer.ok
            ? sent.answer.why
            : `answered ${error ?? `HTTP ${sent.answer.status}`}`;
      throw new RotationTestError(
        `Authentik's token endpoint does not accept the pending client credentials: it ${why}`,
        [{ check: 'token-endpoint', reason: 'CLIENT_CREDENTIALS_REJECTED' }],
      );
    }
  }
  await readCognito(context);
  const report = await reportFor(context, inDepthChecks);
  const failing = failures(report).map((check) => ({
    check: check.id,
    reason: check.reason ?? 'CHECK_FAILED',
  }));
  if (failing.length > 0) {
    throw new RotationTestError(
      `the verification in depth fails with the pending value: ${failing.map((f) => `${f.check} (${f.reason})`).join(', ')}`,
      failing,
    );
  }
  return { checks: report.checks.length };
}
