// A provisioned tenant's test user as a person signs in with it: the username and password from the
// tenant's test-user secret in the world's Secrets Manager, the email from its spec. Read for
// `federation test-user` and for what types them into the login page (the browser tests, the
// "Test it" bench). The local world only: against an API the password stays in the secret.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { TenantRecord } from '#lib/registry.ts';

export interface TestUserCredentials {
  username: string;
  email: string;
  password: string;
  secretArn: string;
}

export async function testUserCredentials(
  secrets: SecretsManagerClient,
  record: TenantRecord,
): Promise<TestUserCredentials> {
  const secretArn = record.resources.testUserPasswordSecretArn;
  if (!secretArn) throw new Error(`tenant ${record.tenantId} has no test user yet: provision it first`);
  // AWSCURRENT by name: moto answers the last-written version otherwise, the old password after a
  // rotation (functions/lib/secrets.ts says more).
  const read = await secrets.send(
    new GetSecretValueCommand({ SecretId: secretArn, VersionStage: 'AWSCURRENT' }),
  );
  const stored = JSON.parse(read.SecretString ?? '{}') as { username?: string; password?: string };
  const spec = record.spec as { authentik: { testUser: { username: string; email: string } } };
  if (!stored.password) throw new Error(`the secret ${secretArn} holds no password`);
  return {
    username: stored.username ?? spec.authentik.testUser.username,
    email: spec.authentik.testUser.email,
    password: stored.password,
    secretArn,
  };
}
