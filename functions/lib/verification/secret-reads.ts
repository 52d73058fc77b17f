// The Secrets Manager client a verification works with: the steps' checks and the login read the
// same two secrets (the OIDC client, the test user's password); each is fetched once per
// verification and held only for its duration.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export function secretReadsOnce(secrets: SecretsManagerClient): SecretsManagerClient {
  const answers = new Map<string, Promise<unknown>>();
  const send = (command: { input: unknown }): Promise<unknown> => {
    if (!(command instanceof GetSecretValueCommand)) return secrets.send(command as never);
    const key = JSON.stringify(command.input);
    let answer = answers.get(key);
    if (!answer) {
      answer = secrets.send(command);
      answers.set(key, answer);
    }
    return answer;
  };
  return { send } as unknown as SecretsManagerClient;
}
