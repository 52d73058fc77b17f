// cdk-nag (AwsSolutions) findings this stack acknowledges, each with the reason it is right here.
// Acknowledgements are as narrow as cdk-nag allows: per construct, and for wildcard resources per
// exact resource pattern, so a new wildcard anywhere fails the synth until someone explains it.

import { Stack, Validations } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { ApiAccessLogs } from './tenant-api.ts';

const NAMESPACE = 'AwsSolutions';

function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${NAMESPACE}::${rule}`, reason });
}

/** A resolved CloudFormation value as cdk-nag prints it (`<AWS::Region>`, `<Logical.Arn>`). */
export function renderForNag(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === 'string') return `<${object.Ref}>`;
    const getAtt = object['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    const join = object['Fn::Join'];
    if (Array.isArray(join)) {
      const [separator, parts] = join as [string, unknown[]];
      return parts.map(renderForNag).join(separator);
    }
  }
  return JSON.stringify(value);
}

// Why each kind of wildcard resource is the narrowest that works, by the actions' service.
const WILDCARD_REASONS: Record<string, string> = {
  'cognito-idp':
    "Tenants' user pools are created at run time or brought by the tenant, so their ids are unknown " +
    'at deploy time; every write is conditioned on the pool carrying a tenant tag (aws:ResourceTag/tenant), ' +
    'and existingUserPoolId scopes every Cognito grant to one pool. CreateUserPool (conditioned on the tags ' +
    'of its request), ListUserPools and DescribeUserPoolDomain support no resource-level permission.',
  secretsmanager:
    'One pattern per secret kind, on the tenant-secrets role only: the secret of that kind of the ' +
    'tenant the session is tagged with (the aws:PrincipalTag/tenant policy variable), under the ' +
    "deployment prefix, and only if the secret's tenant tag is the session's; ?????? is the random " +
    'suffix Secrets Manager appends to secret ARNs.',
  cloudwatch:
    'PutMetricData supports no resource-level permission; the statement is limited to one namespace ' +
    'by its cloudwatch:namespace condition.',
  states:
    'Execution names are chosen per run (the API derives them from tenant id and spec hash; nested ' +
    "executions get generated names), so executions are matched by their machine's name: only this " +
    "deployment's machines.",
};

/** Acknowledges the IAM5 finding of each wildcard resource in `statements`, with its service's reason. */
export function acknowledgeWildcardResources(
  scope: IConstruct,
  statements: readonly PolicyStatement[],
): void {
  const stack = Stack.of(scope);
  for (const statement of statements) {
    const services = new Set(statement.actions.map((action) => action.split(':')[0] ?? ''));
    for (const resource of statement.resources) {
      const rendered = renderForNag(stack.resolve(resource));
      if (!/[*?]/.test(rendered)) continue;
      const reasons = [...services].map((service) => WILDCARD_REASONS[service]);
      if (reasons.some((reason) => reason === undefined)) {
        throw new Error(
          `no reason recorded in infra/nag.ts for a wildcard resource of ${[...services].join(', ')}`,
        );
      }
      acknowledge(scope, `AwsSolutions-IAM5[Resource::${rendered}]`, reasons.join(' '));
    }
  }
}

/** nodejs22.x is what the product is built and tested for (Lambda's runtime; Node 20 runs it locally); newer runtimes are a deliberate move. */
export function acknowledgeRuntime(scope: IConstruct): void {
  acknowledge(
    scope,
    'AwsSolutions-L1',
    'The functions run on nodejs22.x, the runtime the product is built and tested for; moving to a newer ' +
      'runtime is a deliberate change with its own test run, not a side effect of a CDK upgrade.',
  );
}

/** The state machine role's X-Ray and log-delivery actions (added by CDK for tracing and logging). */
export function acknowledgeStateMachineRole(scope: IConstruct): void {
  acknowledge(
    scope,
    'AwsSolutions-IAM5[Resource::*]',
    'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs delivery ' +
      '(CreateLogDelivery, GetLogDelivery, …, DescribeLogGroups) support no resource-level permission. ' +
      'The Lambda invocations are granted on the exact function ARNs.',
  );
}

export function acknowledgeApi(api: IConstruct, stage: IConstruct, accessLogs: ApiAccessLogs): void {
  acknowledge(
    api,
    'AwsSolutions-COG4',
    'Every method uses IAM authorization (SigV4): the callers are operators and services with AWS ' +
      'credentials, not end users with a Cognito session.',
  );
  acknowledge(
    stage,
    'AwsSolutions-APIG6',
    'Execution logging would write request and response bodies, which may carry an Authentik token; ' +
      'the stage has access logs instead (unless apiAccessLogs is off) and never logs bodies.',
  );
  if (accessLogs === 'off') {
    acknowledge(
      stage,
      'AwsSolutions-APIG1',
      'apiAccessLogs is off by the operator: the account has no API Gateway CloudWatch Logs role and ' +
        'this deployment may not set one. Every call is still IAM-authorized, and the state machines, ' +
        'functions and registry keep their own logs.',
    );
  }
  const role = api.node.tryFindChild('CloudWatchRole');
  if (role) {
    acknowledge(
      role,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      "AmazonAPIGatewayPushToCloudWatchLogs is the policy API Gateway documents for the account's " +
        'logging role; the role serves every REST API of the account in the region (execution log groups ' +
        'are named by API Gateway at run time), so it cannot be scoped to this stack.',
    );
  }
  acknowledge(
    stage,
    'AwsSolutions-APIG3',
    'Every method requires SigV4-signed IAM credentials, and the stage is throttled; a WAF web ACL is an ' +
      'account-level choice (and cost) that can be associated with the stage without changing this stack.',
  );
}
