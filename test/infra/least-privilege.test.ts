// Least privilege, checked against the code: each function's grants are compared with the AWS calls
// its bundle can make (sdk-calls.ts). A grant the code cannot use fails; a Cognito or Step Functions
// call without a grant fails; secrets and the registry follow the product's rules.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StepFunctionName, stepFunctions } from '../../functions/catalog.ts';
import { LOCK_KEY_PREFIX } from '../../functions/lib/registry.ts';
import { bundleText, sdkActionsIn } from './sdk-calls.ts';
import {
  actionsOf,
  functionRoleId,
  grantedActions,
  logicalId,
  resourcesOf,
  roleStatements,
  type Synthesized,
  synth,
} from './support.ts';

type Name = StepFunctionName | 'api';
const names: Name[] = [...stepFunctions.map((f) => f.name), 'api'];
const CHECKED_SERVICES = [
  'cognito-idp',
  'secretsmanager',
  'dynamodb',
  'states',
  'events',
  'cloudwatch',
  'sts',
];
// Permission-only actions: no SDK command sends them; they ride along with the one named here.
const PERMISSION_ONLY: Record<string, string> = { 'sts:TagSession': 'sts:AssumeRole' };
// Calls whose grant follows from the code alone (secrets and the registry follow the rules below).
const EXACT_SERVICES = ['cognito-idp', 'states', 'events', 'cloudwatch'];
const service = (action: string) => action.split(':')[0] ?? '';

// Calls a bundle carries without sending them, each with why (so they are not granted).
const BUNDLED_NOT_SENT: Partial<Record<Name, string[]>> = {
  // report-verification reads the federation states and event names from verify-federation/state.ts,
  // which brings the step checks (and their Cognito reads) into the bundle; it never runs them.
  'report-verification': [
    'cognito-idp:DescribeIdentityProvider',
    'cognito-idp:DescribeUserPool',
    'cognito-idp:DescribeUserPoolClient',
  ],
};

let s: Synthesized;
const callable = new Map<Name, Set<string>>();
beforeAll(async () => {
  s = synth();
  for (const name of names) callable.set(name, sdkActionsIn(await bundleText(name)));
}, 120_000);
afterAll(() => s?.dispose());

const statementsOf = (name: Name) => roleStatements(s.json, functionRoleId(s, name));

/** The tenant-secrets role's statements that serve `name`'s sessions (its `function` condition). */
const tenantSecretsStatementsOf = (name: Name) =>
  roleStatements(s.json, logicalId(s.stack, s.stack.tenantSecrets.role.node.defaultChild)).filter((st) =>
    ([] as unknown[]).concat(st.Condition?.StringEquals?.['aws:PrincipalTag/function'] ?? []).includes(name),
  );

describe('every function', () => {
  it.each(names)('%s: no action is granted that its code cannot call', (name) => {
    const granted = grantedActions(s, name).filter((a) => CHECKED_SERVICES.includes(service(a)));
    const code = callable.get(name) ?? new Set();
    expect(granted.filter((a) => !code.has(PERMISSION_ONLY[a] ?? a))).toEqual([]);
  });

  it.each(names)('%s: no secret action is granted to its sessions that its code cannot call', (name) => {
    const granted = tenantSecretsStatementsOf(name)
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('secretsmanager:'));
    const code = callable.get(name) ?? new Set();
    expect(granted.filter((a) => !code.has(a))).toEqual([]);
  });

  it.each(names)('%s: every Cognito, Step Functions, EventBridge and CloudWatch call is granted', (name) => {
    const granted = new Set(grantedActions(s, name));
    const calls = [...(callable.get(name) ?? [])]
      .filter((a) => EXACT_SERVICES.includes(service(a)))
      .filter((a) => !BUNDLED_NOT_SENT[name]?.includes(a));
    expect(calls.filter((a) => !granted.has(a))).toEqual([]);
  });

  it('no statement grants a wildcard action, and * resources only carry actions that have no resource type', () => {
    const unscopable = new Set([
      'cloudwatch:PutMetricData',
      'cognito-idp:CreateUserPool',
      'cognito-idp:ListUserPools',
      'cognito-idp:DescribeUserPoolDomain',
    ]);
    for (const name of names) {
      for (const statement of statementsOf(name)) {
        expect(statement.Effect).toBe('Allow');
        for (const action of actionsOf(statement)) expect(action, name).not.toMatch(/\*/);
        if (resourcesOf(statement).includes('*')) {
          expect(
            actionsOf(statement).filter((a) => !unscopable.has(a)),
            name,
          ).toEqual([]);
        }
      }
    }
  });

  it('writes logs only to its own log group', () => {
    for (const name of names) {
      const logs = statementsOf(name).filter((st) => actionsOf(st).some((a) => a.startsWith('logs:')));
      expect(logs.flatMap(actionsOf).sort(), name).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      const fn = s.stack.functions.get(name);
      const group = s.stack.getLogicalId(fn?.logGroup.node.defaultChild as never);
      expect(logs.flatMap(resourcesOf), name).toEqual([{ 'Fn::GetAtt': [group, 'Arn'] }]);
    }
  });
});

describe('secrets', () => {
  // A function's secret grants: the tenant-secrets role's statements for its sessions.
  const secretGrants = (name: Name) =>
    tenantSecretsStatementsOf(name)
      .filter((st) => actionsOf(st).some((a) => a.startsWith('secretsmanager:')))
      .map((st) => ({
        actions: actionsOf(st).sort(),
        kinds: resourcesOf(st).map(
          (r) =>
            /:secret:federation\/\$\{aws:PrincipalTag\/tenant\}\/([a-z-]+)-\?{6}"/.exec(
              JSON.stringify(r),
            )?.[1],
        ),
      }));
  const actionsOn = (name: Name, kind: string) =>
    [...new Set(secretGrants(name).flatMap((g) => (g.kinds.includes(kind) ? g.actions : [])))].sort();

  it('no function role may touch a secret itself: only the tenant-secrets role, per tenant', () => {
    for (const name of names) {
      expect(
        grantedActions(s, name).filter((a) => a.startsWith('secretsmanager:') || a.startsWith('kms:')),
        name,
      ).toEqual([]);
    }
  });

  it('only the steps that talk to Authentik read the token, and none may change it', () => {
    for (const step of stepFunctions) {
      const token = actionsOn(step.name, 'authentik-token');
      expect(token, step.name).toEqual(step.usesAuthentik ? ['secretsmanager:GetSecretValue'] : []);
    }
  });

  it('each secret kind is written only by the step that owns it (and the token by the API)', () => {
    const writers = new Map<string, string[]>();
    for (const name of names) {
      for (const kind of ['authentik-token', 'oidc-client', 'test-user']) {
        if (actionsOn(name, kind).includes('secretsmanager:PutSecretValue')) {
          writers.set(kind, [...(writers.get(kind) ?? []), name]);
        }
      }
    }
    expect(Object.fromEntries(writers)).toEqual({
      'test-user': ['ensure-test-user'],
      'oidc-client': ['ensure-oidc-provider'],
      'authentik-token': ['api'],
    });
  });

  it('every secret grant names the prefix, the session’s tenant and one kind, never a bare wildcard', () => {
    let grants = 0;
    for (const name of names) {
      for (const grant of secretGrants(name)) {
        grants += 1;
        expect(
          grant.kinds.every((k) => k !== undefined),
          name,
        ).toBe(true);
      }
    }
    expect(grants).toBeGreaterThan(0);
  });
});

describe('registry', () => {
  const tableActions = (name: Name) => grantedActions(s, name).filter((a) => a.startsWith('dynamodb:'));

  it('record-outcome and verify-tenant write it; the API and list-tenants only read it; no other function touches it', () => {
    const onTable = names.filter((name) => tableActions(name).length > 0);
    expect(onTable.sort()).toEqual(['api', 'list-tenants', 'record-outcome', 'verify-tenant']);
    for (const writer of ['record-outcome', 'verify-tenant'] as const) {
      expect(tableActions(writer), writer).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    }
    expect(tableActions('list-tenants')).toEqual(['dynamodb:GetItem', 'dynamodb:Scan']);
    const unconditioned = statementsOf('api').filter((st) => !actionsOf(st).includes('dynamodb:PutItem'));
    const read = unconditioned.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));
    expect(read.sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Scan']);
  });

  it('the API writes the tenants’ lock items only (a conditional PutItem on lock#* keys)', () => {
    const [write, ...more] = statementsOf('api').filter((st) => actionsOf(st).includes('dynamodb:PutItem'));
    expect(more).toEqual([]);
    expect(write && actionsOf(write)).toEqual(['dynamodb:PutItem']);
    expect(write?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${LOCK_KEY_PREFIX}*`] },
    });
  });
});

describe('the API', () => {
  it('starts, lists and describes executions of this deployment’s machines only', () => {
    const states = statementsOf('api').filter((st) => actionsOf(st).some((a) => a.startsWith('states:')));
    const machines = [...s.stack.stateMachines.values()].map((m) => ({
      Ref: s.stack.getLogicalId(m.stateMachine.node.defaultChild as never),
    }));
    const onMachines = states.find((st) => actionsOf(st).includes('states:StartExecution'));
    expect(onMachines && resourcesOf(onMachines)).toEqual(expect.arrayContaining(machines.slice(0, 2)));
    const describe = states.find((st) => actionsOf(st).includes('states:DescribeExecution'));
    for (const resource of describe ? resourcesOf(describe) : []) {
      expect(JSON.stringify(resource)).toMatch(/:execution:AuthentikCognitoFederation-[a-z-]+:\*/);
    }
  });
});
