// The rotation function's edges and the API's rotate route, with mocked clients: the event and the
// secret it names, a version that is not the one being rotated, turning rotation on once, the API's
// answers. The rotation itself runs in the local world (test/workflow/rotation.test.ts).
import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeSecretCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadEnv, stepEnv } from '#lib/env.ts';
import { ValidationError } from '#lib/errors.ts';
import type { TenantRecord } from '#lib/registry.ts';
import { ensureRotation } from '#lib/rotation-schedule.ts';
import { localDeployment, parseTenantSpec } from '#lib/tenant-spec.ts';
import { type RotateDeps, rotateTenant, secretsManagerRotator } from '../../functions/api/rotate.ts';
import { parseRotationEvent, rotatedSecretOf } from '../../functions/rotate-secret/event.ts';
import { generateClientSecret } from '../../functions/rotate-secret/kinds.ts';

const secrets = mockClient(SecretsManagerClient);
beforeEach(() => secrets.reset());
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/oidc-client-AbC123';
const TOKEN = '0f6a1f44-6d0e-4b0e-9a53-3f4a5a0c1d2e';

describe('the rotation event', () => {
  it("takes AWS's shape and names a bad field", () => {
    expect(parseRotationEvent({ SecretId: ARN, ClientRequestToken: TOKEN, Step: 'setSecret' })).toEqual({
      SecretId: ARN,
      ClientRequestToken: TOKEN,
      Step: 'setSecret',
    });
    expect(() =>
      parseRotationEvent({ SecretId: ARN, ClientRequestToken: TOKEN, Step: 'set_secret' }),
    ).toThrow(/Step/);
    const error = (() => {
      try {
        parseRotationEvent({ SecretId: ARN, Step: 'createSecret' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(Object.keys((error as ValidationError).fields)).toEqual(['ClientRequestToken']);
  });

  it("rotates only this deployment's oidc-client and test-user secrets", () => {
    expect(rotatedSecretOf(ARN, 'federation')).toEqual({
      tenantId: 'acme',
      kind: 'oidc-client',
      name: 'federation/acme/oidc-client',
    });
    expect(rotatedSecretOf('federation/acme/test-user', 'federation').kind).toBe('test-user');
    expect(() => rotatedSecretOf('federation/acme/authentik-token', 'federation')).toThrow(/authentik-token/);
    expect(() => rotatedSecretOf('other/acme/oidc-client', 'federation')).toThrow(/SecretId/);
    expect(() => rotatedSecretOf('federation/acme/x/oidc-client', 'federation')).toThrow(/SecretId/);
  });

  it('makes client secrets as Authentik does: 128 letters and digits, a new one each time', () => {
    const secret = generateClientSecret();
    expect(secret).toMatch(/^[A-Za-z0-9]{128}$/);
    expect(generateClientSecret()).not.toBe(secret);
  });
});

describe('turning rotation on', () => {
  const schedule = { functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:rotate', afterDays: 90 };

  it('sends RotateSecret with the rules once, without rotating now, and nothing when it already rotates so', async () => {
    secrets.on(DescribeSecretCommand).resolves({ ARN, RotationEnabled: false });
    expect(await ensureRotation(secrets as never, ARN, schedule, 30)).toBe(1);
    expect(secrets).toHaveReceivedCommandWith(RotateSecretCommand, {
      SecretId: ARN,
      RotationLambdaARN: schedule.functionArn,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    });
    secrets.reset();
    secrets.on(DescribeSecretCommand).resolves({
      ARN,
      RotationEnabled: true,
      RotationLambdaARN: schedule.functionArn,
      RotationRules: { AutomaticallyAfterDays: 30 },
    });
    expect(await ensureRotation(secrets as never, ARN, schedule, 30)).toBe(0);
    expect(secrets).not.toHaveReceivedCommand(RotateSecretCommand);
    // Another schedule is a change.
    expect(await ensureRotation(secrets as never, ARN, schedule, 90)).toBe(1);
  });
});

describe('POST /tenants/{id}/rotate', () => {
  const record = {
    tenantId: 'acme',
    status: 'active',
    resources: { oidcClientSecretArn: ARN },
  } as unknown as TenantRecord;
  const deps = (found: TenantRecord | undefined, rotator?: RotateDeps['rotator']): RotateDeps => ({
    registry: { get: async () => found },
    rotator,
  });
  const request = (query: Record<string, string[]> = {}) =>
    ({ method: 'POST', path: '/tenants/acme/rotate', query, headers: {}, body: undefined }) as never;

  it('starts a rotation of each secret with RotateSecret and answers the versions, no value', async () => {
    secrets.on(RotateSecretCommand).resolves({ ARN, VersionId: TOKEN });
    const rotator = secretsManagerRotator(() => secrets as never, 'federation');
    const answer = await rotateTenant(deps(record, rotator), request(), 'acme');
    expect(answer.status).toBe(202);
    expect(answer.body.rotations).toEqual([
      { kind: 'oidc-client', versionId: TOKEN },
      { kind: 'test-user', versionId: TOKEN },
    ]);
    expect(secrets).toHaveReceivedCommandWith(RotateSecretCommand, { SecretId: ARN });
    expect(secrets).toHaveReceivedCommandWith(RotateSecretCommand, { SecretId: 'federation/acme/test-user' });
  });

  it('rotates one kind when asked, and refuses an unknown kind naming the field', async () => {
    secrets.on(RotateSecretCommand).resolves({ ARN, VersionId: TOKEN });
    const rotator = secretsManagerRotator(() => secrets as never, 'federation');
    const one = await rotateTenant(deps(record, rotator), request({ kind: ['test-user'] }), 'acme');
    expect(one.body.rotations.map((r) => r.kind)).toEqual(['test-user']);
    await expect(
      rotateTenant(deps(record, rotator), request({ kind: ['token'] }), 'acme'),
    ).rejects.toMatchObject({
      status: 400,
      fields: { 'query.kind': ['must be oidc-client or test-user'] },
    });
  });

  it('answers 404, 409 and 501 where nothing can rotate', async () => {
    const rotator = secretsManagerRotator(() => secrets as never, 'federation');
    await expect(rotateTenant(deps(undefined, rotator), request(), 'acme')).rejects.toMatchObject({
      status: 404,
    });
    const failed = { ...record, status: 'failed' } as TenantRecord;
    await expect(rotateTenant(deps(failed, rotator), request(), 'acme')).rejects.toMatchObject({
      status: 409,
    });
    await expect(rotateTenant(deps(record), request(), 'acme')).rejects.toMatchObject({ status: 501 });
    secrets
      .on(RotateSecretCommand)
      .rejects(Object.assign(new Error('in progress'), { name: 'InvalidRequestException' }));
    await expect(rotateTenant(deps(record, rotator), request(), 'acme')).rejects.toMatchObject({
      status: 409,
    });
  });
});

describe("the spec's rotation schedule", () => {
  const spec = (rotation: unknown) => ({
    tenantId: 'acme',
    authentik: {
      baseUrl: 'http://127.0.0.1:9000',
      tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:federation/acme/authentik-token',
    },
    cognito: { callbackUrls: ['https://app.acme.example/callback'] },
    ...(rotation === undefined ? {} : { rotation }),
  });
  const fieldsOf = (rotation: unknown) => {
    try {
      parseTenantSpec(spec(rotation), localDeployment);
    } catch (error) {
      return (error as ValidationError).fields;
    }
    return undefined;
  };

  it('is optional, and kept as given', () => {
    expect(parseTenantSpec(spec(undefined), localDeployment).rotation).toBeUndefined();
    expect(parseTenantSpec(spec({ automaticallyAfterDays: 30 }), localDeployment).rotation).toEqual({
      automaticallyAfterDays: 30,
    });
  });

  it('refuses what Secrets Manager would, naming the field', () => {
    for (const days of [0, 1001, 2.5, '30']) {
      expect(fieldsOf({ automaticallyAfterDays: days }), String(days)).toEqual({
        'rotation.automaticallyAfterDays': ['must be a whole number of days from 1 to 1000'],
      });
    }
    expect(fieldsOf({ days: 30 })).toHaveProperty('rotation.days');
  });

  it("reads the deployment's days from the environment, naming a bad value", () => {
    const base = {
      SECRET_PREFIX: 'federation',
      REGISTRY_TABLE_NAME: 'federation-tenants',
      ALLOWED_AUTHENTIK_HOSTS: 'auth.example.com',
    };
    expect(loadEnv(stepEnv, { ...base, ROTATION_AFTER_DAYS: '45' }).ROTATION_AFTER_DAYS).toBe(45);
    expect(() => loadEnv(stepEnv, { ...base, ROTATION_AFTER_DAYS: '0' })).toThrow(/ROTATION_AFTER_DAYS/);
    expect(() => loadEnv(stepEnv, { ...base, ROTATION_FUNCTION_ARN: 'rotate' })).toThrow(
      /ROTATION_FUNCTION_ARN/,
    );
  });
});
