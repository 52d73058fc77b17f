// A provisioned tenant's test user as a person signs in with it: the username and password from the
// tenant's test-user secret in the world's Secrets Manager, the email from its spec. Read for
// `federation test-user` and for what types them into the login page (the browser test, the
// "Test it" bench). The local world only: against an API the password stays in the secret.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { TenantRecord } from '#lib/registry.ts';
import { readSecretJson } from '#lib/secrets.ts';
import { storedPassword } from '../functions/ensure-test-user/password.ts';

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
  // The value the test user signs in with now (AWSCURRENT), its shape checked as the steps check it.
  const { username, password } = await readSecretJson(secrets, secretArn, storedPassword);
  const spec = record.spec as { authentik: { testUser: { email: string } } };
  return { username, email: spec.authentik.testUser.email, password, secretArn };
}
