import {
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  CreateUserPoolDomainCommand,
  DescribeUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { beforeAll, describe, expect, it } from 'vitest';
import { localHandlers } from '../../local/handlers.ts';
import { type HandlersByPlaceholder, runStateMachine } from '../../local/runner.ts';
import { authentikSnapshot, cognitoSnapshot, secretNames } from '../support/snapshots.ts';
import { useWorld } from '../support/world.ts';

const fixture = useWorld();
let handlers: HandlersByPlaceholder;
beforeAll(async () => {
  handlers = await localHandlers(fixture.clients);
});

async function snapshot() {
  return {
    authentik: authentikSnapshot(fixture.world),
    cognito: await cognitoSnapshot(fixture.observer),
    secrets: await secretNames(fixture.clients),
  };
}

describe('deprovision-tenant', () => {
  it('leaves Authentik, Cognito and Secrets Manager as they were before provisioning', async () => {
    const input = await fixture.tenant('wf-undo');
    const before = await snapshot();
    const provisioned = await runStateMachine('provision-tenant', input, { handlers, retryIntervalMs: 10 });
    expect(provisioned.cause).toBeUndefined();
    expect(await snapshot()).not.toEqual(before);

    const undone = await runStateMachine(
      'deprovision-tenant',
      { tenantId: 'wf-undo' },
      { handlers, retryIntervalMs: 10 },
    );
    expect(undone.cause).toBeUndefined();
    expect(undone.status).toBe('SUCCEEDED');
    expect(await snapshot()).toEqual(before);
    expect((await fixture.clients.registry.get('wf-undo'))?.status).toBe('deprovisioned');

    // Again: nothing left to delete, and it says so.
    const again = await runStateMachine(
      'deprovision-tenant',
      { tenantId: 'wf-undo' },
      { handlers, retryIntervalMs: 10 },
    );
    expect(again.cause).toBeUndefined();
    expect(again.status).toBe('SUCCEEDED');
    const outcomes = (again.output as { outcomes: Record<string, { outcome: string }> }).outcomes;
    for (const [step, o] of Object.entries(outcomes)) expect(['absent', 'kept'], step).toContain(o.outcome);
  });

  it('never deletes a user pool or app client the tenant brought; it only unwires them', async () => {
    const { cognito } = fixture.clients;
    const pool = await cognito.send(
      new CreateUserPoolCommand({
        PoolName: 'brought-pool',
        // What an operator does to a pool a tenant brings (README, Security model).
        UserPoolTags: { tenant: 'wf-brought' },
        Schema: [{ Name: 'email', AttributeDataType: 'String', Required: true, Mutable: true }],
      }),
    );
    const poolId = pool.UserPool?.Id as string;
    await cognito.send(new CreateUserPoolDomainCommand({ UserPoolId: poolId, Domain: 'wf-brought-login' }));
    const appClient = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: 'brought-client',
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: ['openid', 'email'],
        CallbackURLs: ['https://brought.example/callback'],
        SupportedIdentityProviders: ['COGNITO'],
      }),
    );
    const clientId = appClient.UserPoolClient?.ClientId as string;
    const input = await fixture.tenant('wf-brought', {
      cognito: { userPoolId: poolId, appClientId: clientId },
    });
    const before = await snapshot();

    const provisioned = await runStateMachine('provision-tenant', input, { handlers, retryIntervalMs: 10 });
    expect(provisioned.cause).toBeUndefined();
    const wired = await fixture.observer.send(
      new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }),
    );
    expect(wired.UserPoolClient?.SupportedIdentityProviders).toContain('authentik-wf-brought');

    const undone = await runStateMachine(
      'deprovision-tenant',
      { tenantId: 'wf-brought' },
      { handlers, retryIntervalMs: 10 },
    );
    expect(undone.cause).toBeUndefined();
    const after = await fixture.observer.send(
      new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: clientId }),
    );
    expect(after.UserPoolClient?.SupportedIdentityProviders).toEqual(['COGNITO']);
    expect(after.UserPoolClient?.CallbackURLs).toEqual(['https://brought.example/callback']);
    expect(await snapshot()).toEqual(before);
  });
});
