import 'aws-sdk-client-mock-vitest/extend';
import {
  CognitoIdentityProviderClient,
  CreateIdentityProviderCommand,
  DeleteIdentityProviderCommand,
  DescribeIdentityProviderCommand,
  DuplicateProviderException,
  type IdentityProviderType,
  InvalidParameterException,
  LimitExceededException,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateIdentityProviderCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  LimitExceededError,
  PreconditionError,
  TransientError,
  ValidationError,
} from '#lib/errors.ts';
import type { Resources } from '#lib/step.ts';
import { type Deployment, parseTenantSpec, type TenantSpec } from '#lib/tenant-spec.ts';
import { apply, check, destroy } from '../../functions/ensure-identity-provider/core.ts';

const cognito = mockClient(CognitoIdentityProviderClient);
const secrets = mockClient(SecretsManagerClient);
const clients = {
  cognito: new CognitoIdentityProviderClient({ region: 'eu-west-1' }),
  secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
};
const deployment: Deployment = { allowedAuthentikHosts: ['authentik.example.com'], allowLoopbackHttp: false };

const POOL_ID = 'eu-west-1_Pool1';
const NAME = 'authentik-acme';
const ISSUER = 'https://authentik.example.com/application/o/cognito-acme/';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/oidc-client-AbCdEf';
const CLIENT_ID = 'authentik-client-id';
const CLIENT_SECRET = 'the-oidc-client-secret-value-0123456789';

function specWith(cognitoPart: Record<string, unknown> = {}): TenantSpec {
  return parseTenantSpec(
    {
      tenantId: 'acme',
      authentik: {
        baseUrl: 'https://authentik.example.com',
        tokenSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/acme/authentik-token',
      },
      cognito: { callbackUrls: ['https://app.acme.example/cb'], ...cognitoPart },
    },
    deployment,
  );
}
const spec = specWith();

const resources: Resources = {
  userPoolId: POOL_ID,
  issuer: ISSUER,
  oidcClientSecretArn: SECRET_ARN,
  created: ['userPoolId'],
};
const owned: Resources = {
  ...resources,
  identityProviderName: NAME,
  created: ['userPoolId', 'identityProviderName'],
};

const ourDetails = {
  client_id: CLIENT_ID,
  client_secret: CLIENT_SECRET,
  authorize_scopes: 'openid email profile',
  oidc_issuer: ISSUER,
  attributes_request_method: 'GET',
};

/** The provider as Cognito describes it: our details plus what it discovered, and username→sub. */
function described(
  overrides: Partial<IdentityProviderType> = {},
  details: Record<string, string> = {},
): IdentityProviderType {
  return {
    UserPoolId: POOL_ID,
    ProviderName: NAME,
    ProviderType: 'OIDC',
    ProviderDetails: {
      ...ourDetails,
      authorize_url: 'https://authentik.example.com/application/o/authorize/',
      token_url: 'https://authentik.example.com/application/o/token/',
      attributes_url: 'https://authentik.example.com/application/o/userinfo/',
      jwks_uri: `${ISSUER}jwks/`,
      attributes_url_add_attributes: 'false',
      ...details,
    },
    AttributeMapping: { email: 'email', username: 'sub' },
    ...overrides,
  };
}

const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });

function writesSent(): string[] {
  return cognito
    .calls()
    .map((call) => (call.args[0] as object).constructor.name.replace(/Command$/, ''))
    .filter((name) => /^(Create|Update|Delete)/.test(name));
}

beforeEach(() => {
  cognito.reset();
  secrets.reset();
  secrets
    .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
    .resolves({ SecretString: JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET }) });
});

describe('ensure-identity-provider apply', () => {
  it('creates the OIDC provider with the secret read from Secrets Manager, and returns no secret', async () => {
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(CreateIdentityProviderCommand).resolves({ IdentityProvider: described() });
    const result = await apply(spec, resources, clients);
    expect(result).toEqual({
      outcome: 'created',
      writes: 1,
      resources: { identityProviderName: NAME, created: ['userPoolId', 'identityProviderName'] },
    });
    expect(cognito).toHaveReceivedCommandWith(DescribeIdentityProviderCommand, {
      UserPoolId: POOL_ID,
      ProviderName: NAME,
    });
    expect(cognito.commandCalls(CreateIdentityProviderCommand)[0]?.args[0].input).toEqual({
      UserPoolId: POOL_ID,
      ProviderName: NAME,
      ProviderType: 'OIDC',
      ProviderDetails: ourDetails,
      AttributeMapping: { email: 'email' },
    });
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET_ARN });
    expect(JSON.stringify(result)).not.toContain(CLIENT_SECRET);
  });

  it('gives the issuer its trailing slash and maps the attributes of the spec', async () => {
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(CreateIdentityProviderCommand).resolves({});
    const mapped = specWith({
      attributeMapping: { email: 'email', name: 'name' },
      scopes: ['openid', 'email'],
    });
    await apply(mapped, { ...resources, issuer: ISSUER.slice(0, -1) }, clients);
    expect(cognito).toHaveReceivedCommandWith(CreateIdentityProviderCommand, {
      ProviderDetails: { ...ourDetails, authorize_scopes: 'openid email', oidc_issuer: ISSUER },
      AttributeMapping: { email: 'email', name: 'name' },
    });
  });

  it('writes nothing when the provider is as wanted, ignoring what Cognito adds itself', async () => {
    cognito.on(DescribeIdentityProviderCommand).resolves({ IdentityProvider: described() });
    const result = await apply(spec, owned, clients);
    expect(result).toEqual({
      outcome: 'unchanged',
      writes: 0,
      resources: { identityProviderName: NAME, created: ['userPoolId', 'identityProviderName'] },
    });
    expect(writesSent()).toEqual([]);
  });

  it('updates only when something differs, sending our keys only', async () => {
    cognito.on(DescribeIdentityProviderCommand).resolves({
      IdentityProvider: described({}, { client_secret: 'a-rotated-old-secret', authorize_scopes: 'openid' }),
    });
    cognito.on(UpdateIdentityProviderCommand).resolves({});
    const result = await apply(spec, owned, clients);
    expect(result).toMatchObject({ outcome: 'updated', writes: 1 });
    expect(cognito.commandCalls(UpdateIdentityProviderCommand)[0]?.args[0].input).toEqual({
      UserPoolId: POOL_ID,
      ProviderName: NAME,
      ProviderDetails: ourDetails,
      AttributeMapping: { email: 'email' },
    });
  });

  it('looks again when another run created the provider first', async () => {
    cognito
      .on(DescribeIdentityProviderCommand)
      .rejectsOnce(notFound())
      .resolves({ IdentityProvider: described() });
    cognito
      .on(CreateIdentityProviderCommand)
      .rejects(new DuplicateProviderException({ message: 'A provider with the name exists', $metadata: {} }));
    const result = await apply(spec, resources, clients);
    expect(result).toMatchObject({ outcome: 'unchanged', writes: 1 });
    expect(cognito).toHaveReceivedCommandTimes(DescribeIdentityProviderCommand, 2);
    expect(cognito).not.toHaveReceivedCommand(UpdateIdentityProviderCommand);
  });

  it('adopts a provider for its own issuer left by a crashed run', async () => {
    cognito.on(DescribeIdentityProviderCommand).resolves({ IdentityProvider: described() });
    const result = await apply(spec, resources, clients);
    expect(result.resources.created).toContain('identityProviderName');
    expect(writesSent()).toEqual([]);
  });

  it('refuses to take over a same-named provider for another issuer', async () => {
    cognito
      .on(DescribeIdentityProviderCommand)
      .resolves({ IdentityProvider: described({}, { oidc_issuer: 'https://other.example/' }) });
    await expect(apply(spec, resources, clients)).rejects.toThrow(ConflictError);
    expect(writesSent()).toEqual([]);
  });

  it('names what the earlier steps did not provide', async () => {
    await expect(apply(spec, { userPoolId: POOL_ID }, clients)).rejects.toThrow(
      /issuer, oidcClientSecretArn/,
    );
    await expect(apply(spec, { userPoolId: POOL_ID }, clients)).rejects.toThrow(PreconditionError);
    expect(cognito.calls()).toHaveLength(0);
  });

  it('keeps the client secret out of a Cognito error message', async () => {
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito.on(CreateIdentityProviderCommand).rejects(
      new InvalidParameterException({
        message: `Invalid ProviderDetails: client_secret=${CLIENT_SECRET} is not accepted (${CLIENT_SECRET})`,
        $metadata: {},
      }),
    );
    const error = await apply(spec, resources, clients).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).not.toContain(CLIENT_SECRET);
    expect(JSON.stringify((error as ValidationError).fields)).not.toContain(CLIENT_SECRET);
    expect((error as ValidationError).message).toContain('Invalid ProviderDetails');
  });

  it('maps throttling and the IdPs-per-pool quota', async () => {
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    cognito
      .on(CreateIdentityProviderCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(apply(spec, resources, clients)).rejects.toThrow(TransientError);
    cognito
      .on(CreateIdentityProviderCommand)
      .rejects(new LimitExceededException({ message: 'too many providers', $metadata: {} }));
    const error = await apply(spec, resources, clients).then(
      () => new Error('expected a LimitExceededError'),
      (caught: unknown) => caught as Error,
    );
    expect(error).toBeInstanceOf(LimitExceededError);
    // Cognito's own words first, then what to do: the quota is adjustable.
    expect(error.message).toContain('LimitExceededException: too many providers');
    expect(error.message).toContain('Identity providers per user pool');
    expect(error.message).toContain('remove identity providers it no longer uses');
  });
});

describe('ensure-identity-provider destroy', () => {
  it('deletes the provider it created', async () => {
    cognito.on(DeleteIdentityProviderCommand).resolves({});
    const result = await destroy(spec, owned, clients);
    expect(result).toEqual({ outcome: 'deleted', resources: { ...resources, created: ['userPoolId'] } });
    expect(cognito).toHaveReceivedCommandWith(DeleteIdentityProviderCommand, {
      UserPoolId: POOL_ID,
      ProviderName: NAME,
    });
  });

  it('is absent when the provider is already gone', async () => {
    cognito.on(DeleteIdentityProviderCommand).rejects(notFound());
    await expect(destroy(spec, owned, clients)).resolves.toMatchObject({ outcome: 'absent' });
  });

  it('keeps a provider it did not create', async () => {
    const result = await destroy(spec, { ...resources, identityProviderName: NAME }, clients);
    expect(result.outcome).toBe('kept');
    expect(cognito.calls()).toHaveLength(0);
  });
});

describe('ensure-identity-provider check', () => {
  it('is in sync when only the discovered keys were added', async () => {
    cognito.on(DescribeIdentityProviderCommand).resolves({ IdentityProvider: described() });
    await expect(check(spec, owned, clients)).resolves.toEqual({ outcome: 'in-sync', drift: [] });
    expect(writesSent()).toEqual([]);
  });

  it('names each drifted field, and hides secret values', async () => {
    cognito.on(DescribeIdentityProviderCommand).resolves({
      IdentityProvider: described(
        { AttributeMapping: { email: 'mail', username: 'sub', name: 'name' } },
        {
          client_secret: 'someone-else-secret-value',
          oidc_issuer: 'https://authentik.example.com/application/o/x/',
        },
      ),
    });
    const result = await check(spec, owned, clients);
    expect(result.outcome).toBe('drifted');
    expect(result.drift).toEqual([
      { field: 'client_secret', expected: '(hidden)', actual: '(hidden)' },
      { field: 'oidc_issuer', expected: ISSUER, actual: 'https://authentik.example.com/application/o/x/' },
      { field: 'AttributeMapping.email', expected: 'email', actual: 'mail' },
      { field: 'AttributeMapping.name', expected: null, actual: 'name' },
    ]);
    const text = JSON.stringify(result);
    expect(text).not.toContain(CLIENT_SECRET);
    expect(text).not.toContain('someone-else-secret-value');
  });

  it('is missing when the provider is gone', async () => {
    cognito.on(DescribeIdentityProviderCommand).rejects(notFound());
    await expect(check(spec, owned, clients)).resolves.toEqual({
      outcome: 'missing',
      drift: [{ field: 'identityProviderName', expected: NAME, actual: null }],
    });
  });
});
