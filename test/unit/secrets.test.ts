import 'aws-sdk-client-mock-vitest/extend';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PreconditionError, TransientError } from '#lib/errors.ts';
import { arnNamesSecret, deleteSecret, putSecret, readSecretJson, secretName } from '#lib/secrets.ts';

const secrets = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'eu-west-1' });
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/oidc-client-AbCdEf';
const VALUE = { client_id: 'id-1', client_secret: 'very-secret-value-1' };
const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });
const tags = [
  { Key: 'tenant', Value: 'acme' },
  { Key: 'secret-kind', Value: 'oidc-client' },
];
const request = { prefix: 'federation', tenantId: 'acme', kind: 'oidc-client' as const, value: VALUE };

beforeEach(() => {
  secrets.reset();
});

describe('secretName', () => {
  it('is <prefix>/<tenantId>/<kind>', () => {
    expect(secretName('federation', 'acme', 'test-user')).toBe('federation/acme/test-user');
    expect(secretName('org/federation/', 'acme', 'authentik-token')).toBe(
      'org/federation/acme/authentik-token',
    );
  });
});

describe('arnNamesSecret', () => {
  const name = 'federation/acme/authentik-token';
  const arn = (named: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${named}`;

  it('matches the name with the six characters Secrets Manager appends, or alone', () => {
    expect(arnNamesSecret(arn(`${name}-AbC123`), name)).toBe(true);
    expect(arnNamesSecret(arn(name), name)).toBe(true);
    expect(
      arnNamesSecret(`arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:${name}-x1Y2z3`, name),
    ).toBe(true);
  });

  it('refuses another tenant, another kind, a longer name and anything but a secret ARN', () => {
    expect(arnNamesSecret(arn('federation/beta/authentik-token-AbC123'), name)).toBe(false);
    expect(arnNamesSecret(arn('federation/acme/oidc-client-AbC123'), name)).toBe(false);
    expect(arnNamesSecret(arn(`${name}-old-AbC123`), name)).toBe(false);
    expect(arnNamesSecret(arn(`${name}-AbC12`), name)).toBe(false);
    expect(arnNamesSecret(arn(`x${name}-AbC123`), name)).toBe(false);
    expect(arnNamesSecret(`arn:aws:ssm:eu-west-1:123456789012:parameter/${name}`, name)).toBe(false);
    expect(arnNamesSecret(name, name)).toBe(false);
  });
});

describe('putSecret', () => {
  it('creates a missing secret, tagged with the tenant, with a JSON value', async () => {
    secrets.on(DescribeSecretCommand).rejects(notFound());
    secrets.on(CreateSecretCommand).resolves({ ARN });
    const result = await putSecret(client, request);
    expect(result).toEqual({ arn: ARN, outcome: 'created', writes: 1 });
    expect(secrets).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: 'federation/acme/oidc-client',
      SecretString: JSON.stringify(VALUE),
      Tags: tags,
    });
  });

  it("encrypts a new secret with the deployment's KMS key when one is given", async () => {
    secrets.on(DescribeSecretCommand).rejects(notFound());
    secrets.on(CreateSecretCommand).resolves({ ARN });
    await putSecret(client, { ...request, kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/abc' });
    expect(secrets).toHaveReceivedCommandWith(CreateSecretCommand, {
      Name: 'federation/acme/oidc-client',
      KmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/abc',
    });
  });

  it('writes nothing when the stored value is the same, whatever its key order', async () => {
    secrets.on(DescribeSecretCommand).resolves({ ARN, Tags: tags });
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ client_secret: VALUE.client_secret, client_id: VALUE.client_id }),
    });
    const result = await putSecret(client, request);
    expect(result).toEqual({ arn: ARN, outcome: 'unchanged', writes: 0 });
    expect(secrets).not.toHaveReceivedCommand(CreateSecretCommand);
    expect(secrets).not.toHaveReceivedCommand(PutSecretValueCommand);
    expect(secrets).not.toHaveReceivedCommand(TagResourceCommand);
    expect(secrets).not.toHaveReceivedCommand(RestoreSecretCommand);
  });

  it('stores a new version only when the value differs', async () => {
    secrets.on(DescribeSecretCommand).resolves({ ARN, Tags: tags });
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ ...VALUE, client_secret: 'old' }) });
    secrets.on(PutSecretValueCommand).resolves({ ARN });
    const result = await putSecret(client, request);
    expect(result).toEqual({ arn: ARN, outcome: 'updated', writes: 1 });
    expect(secrets).toHaveReceivedCommandExactlyOnceWith(PutSecretValueCommand, {
      SecretId: ARN,
      SecretString: JSON.stringify(VALUE),
    });
  });

  it('restores a secret scheduled for deletion and adds a missing tenant tag', async () => {
    secrets.on(DescribeSecretCommand).resolves({ ARN, DeletedDate: new Date(), Tags: [] });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(VALUE) });
    const result = await putSecret(client, request);
    expect(result).toEqual({ arn: ARN, outcome: 'updated', writes: 2 });
    expect(secrets).toHaveReceivedCommandWith(RestoreSecretCommand, { SecretId: ARN });
    expect(secrets).toHaveReceivedCommandWith(TagResourceCommand, { SecretId: ARN, Tags: tags });
  });

  it('looks again when another run created the secret first', async () => {
    secrets.on(DescribeSecretCommand).rejectsOnce(notFound()).resolves({ ARN, Tags: tags });
    secrets
      .on(CreateSecretCommand)
      .rejects(new ResourceExistsException({ message: 'exists', $metadata: {} }));
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(VALUE) });
    const result = await putSecret(client, request);
    expect(result).toEqual({ arn: ARN, outcome: 'unchanged', writes: 1 });
    expect(secrets).toHaveReceivedCommandTimes(DescribeSecretCommand, 2);
  });

  it('maps throttling to TransientError without the value', async () => {
    secrets.on(DescribeSecretCommand).resolves({ ARN, Tags: tags });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{}' });
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    secrets.on(PutSecretValueCommand).rejects(throttled);
    const error = await putSecret(client, request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(String((error as Error).message)).not.toContain(VALUE.client_secret);
  });
});

describe('readSecretJson', () => {
  const shape = z.object({ client_id: z.string(), client_secret: z.string() });

  it('returns the parsed, checked value', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: JSON.stringify(VALUE) });
    await expect(readSecretJson(client, ARN, shape)).resolves.toEqual(VALUE);
  });

  it('names the secret, never its value, when the value is not JSON', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'plain-text-secret-value' });
    const error = await readSecretJson(client, ARN, shape).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as Error).message).toContain(ARN);
    expect((error as Error).message).not.toContain('plain-text-secret-value');
  });

  it('names missing fields, never the values present', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ client_id: 7, other: 'leak-me' }) });
    const error = await readSecretJson(client, ARN, shape).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionError);
    expect((error as Error).message).toMatch(/client_id.*client_secret/);
    expect((error as Error).message).not.toContain('leak-me');
  });

  it('says when the secret does not exist', async () => {
    secrets.on(GetSecretValueCommand).rejects(notFound());
    await expect(readSecretJson(client, ARN, shape)).rejects.toThrow(PreconditionError);
  });
});

describe('deleteSecret', () => {
  it('deletes without a recovery window by default', async () => {
    secrets.on(DescribeSecretCommand).resolves({ ARN });
    secrets.on(DeleteSecretCommand).resolves({ ARN });
    await expect(deleteSecret(client, ARN)).resolves.toBe('deleted');
    expect(secrets).toHaveReceivedCommandWith(DeleteSecretCommand, {
      SecretId: ARN,
      ForceDeleteWithoutRecovery: true,
    });
  });

  it('keeps a recovery window when asked', async () => {
    secrets.on(DescribeSecretCommand).resolves({ ARN });
    secrets.on(DeleteSecretCommand).resolves({ ARN });
    await deleteSecret(client, ARN, { recoveryWindowInDays: 7 });
    expect(secrets).toHaveReceivedCommandWith(DeleteSecretCommand, {
      SecretId: ARN,
      RecoveryWindowInDays: 7,
    });
  });

  it('is absent when the secret is gone or already being deleted', async () => {
    secrets.on(DescribeSecretCommand).rejectsOnce(notFound()).resolves({ ARN, DeletedDate: new Date() });
    await expect(deleteSecret(client, ARN)).resolves.toBe('absent');
    await expect(deleteSecret(client, ARN)).resolves.toBe('absent');
    expect(secrets).not.toHaveReceivedCommand(DeleteSecretCommand);
  });
});
