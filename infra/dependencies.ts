// CDK makes a Lambda function (and a state machine) depend on its whole role construct, which renders
// as DependsOn both the role and its DefaultPolicy. The role is already referenced by GetAtt, so
// cfn-lint flags the duplicate (W3005). Only the policy dependency carries meaning (the resource must
// not run before its permissions exist): keep that one alone.

import type { CfnResource } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';

export function dependOnRolePolicyOnly(resource: CfnResource, role: Role): void {
  const policy = role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as CfnResource | undefined;
  if (!policy) throw new Error(`${role.node.path} has no DefaultPolicy to depend on`);
  resource.addOverride('DependsOn', [policy.logicalId]);
}
