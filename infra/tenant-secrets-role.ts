// The one role through which tenants' secrets are read and written. No function role may touch a
// tenant's secret itself: a function assumes this role per tenant with the session tags
// `tenant=<tenantId>` and `function=<its name>` (functions/lib/tenant-secrets.ts), and the role's
// policy reaches only the secrets named under that tenant and tagged with it (grants.ts,
// tenantSecretsStatements). A step invoked for tenant B cannot read tenant A's secrets even if its
// code asked for them.
//
// The trust policy admits only the functions of this stack that use secrets, and only when they
// tag the session with a tenant and with their own name: `aws:RequestTag/function` must equal the
// calling role's `function` tag (`${aws:PrincipalTag/function}`), so a function cannot borrow
// another's grants. The sessions never assume further roles, so no tag is transitive.
//
// AWS docs: IAM User Guide, "Pass session tags in AWS STS" (sts:TagSession, aws:RequestTag,
// aws:TagKeys and aws:PrincipalTag in a role trust policy) and "IAM policy elements: Variables and
// tags" (policy variables in conditions).

import { Duration } from 'aws-cdk-lib';
import {
  CompositePrincipal,
  type Conditions,
  type PolicyDocument,
  PolicyStatement,
  PrincipalBase,
  type PrincipalPolicyFragment,
  Role,
} from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { FUNCTION_TAG, TENANT_SESSION_TAG } from '../functions/lib/tenant-secrets.ts';
import type { FunctionAccess } from './access.ts';
import type { FederationFunction } from './federation-function.ts';
import { type GrantTargets, principalTag, tenantSecretsStatements } from './grants.ts';
import { acknowledgeWildcardResources } from './nag.ts';

/**
 * The callers of the role in one trust statement: CDK would write a statement per caller, each
 * repeating the conditions, and a role's trust policy is limited to 2,048 characters (IAM User
 * Guide, "IAM and AWS STS quotas").
 */
class TaggedSessionsOf extends PrincipalBase {
  constructor(
    private readonly callers: CompositePrincipal,
    private readonly conditions: Conditions,
  ) {
    super();
  }

  get policyFragment(): PrincipalPolicyFragment {
    return this.callers.policyFragment;
  }

  override addToAssumeRolePolicy(document: PolicyDocument): void {
    document.addStatements(
      new PolicyStatement({
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        principals: [this.callers],
        conditions: this.conditions,
      }),
    );
  }

  dedupeString(): string | undefined {
    return undefined;
  }
}

export interface TenantSecretsRoleProps {
  /** The functions that read or write tenants' secrets, each with the secrets it needs. */
  readonly users: readonly { fn: FederationFunction; secrets: FunctionAccess['secrets'] }[];
  readonly targets: GrantTargets;
}

export class TenantSecretsRole extends Construct {
  readonly role: Role;
  /** The statements of the role's policy (for tests and cdk-nag). */
  readonly statements: readonly PolicyStatement[];

  constructor(scope: Construct, id: string, props: TenantSecretsRoleProps) {
    super(scope, id);
    if (props.users.length === 0) throw new Error('the tenant-secrets role needs at least one function');
    const callers = new CompositePrincipal(...props.users.map((user) => user.fn.role));
    this.role = new Role(this, 'Role', {
      description: "Reads and writes one tenant's secrets, for a session tagged with that tenant",
      // sts:AssumeRole and sts:TagSession, only with a tenant tag and the caller's own function tag,
      // and no other tag.
      assumedBy: new TaggedSessionsOf(callers, {
        Null: { [`aws:RequestTag/${TENANT_SESSION_TAG}`]: 'false' },
        StringEquals: { [`aws:RequestTag/${FUNCTION_TAG}`]: principalTag(FUNCTION_TAG) },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_SESSION_TAG, FUNCTION_TAG] },
      }),
      // A function's role session assuming this role is role chaining: STS allows one hour at most.
      maxSessionDuration: Duration.hours(1),
    });
    this.statements = tenantSecretsStatements(
      this,
      props.users.map((user) => ({ name: user.fn.name, secrets: user.secrets })),
      props.targets,
    );
    for (const statement of this.statements) this.role.addToPolicy(statement);
    acknowledgeWildcardResources(this, this.statements);

    // Same-account role trust names each caller; their own policies allow the call too, on this role only.
    for (const { fn } of props.users) {
      fn.role.addToPolicy(
        new PolicyStatement({
          actions: ['sts:AssumeRole', 'sts:TagSession'],
          resources: [this.role.roleArn],
        }),
      );
    }
  }
}
