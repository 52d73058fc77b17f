// Secrets Manager and the rotation function (functions/rotate-secret/): Secrets Manager may invoke it
// for this deployment's secrets only, and the sessions that call RotateSecret (provisioning turns
// rotation on; the API rotates now) may invoke it, as RotateSecret requires of its caller.
//
// AWS docs: Secrets Manager User Guide, "Lambda rotation functions" and "Permissions for rotation"
// (a resource-based policy letting secretsmanager.amazonaws.com invoke the function, with
// aws:SourceAccount / SourceArn against the confused deputy); API Reference, RotateSecret (the
// caller needs secretsmanager:RotateSecret and lambda:InvokeFunction on the function).
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FUNCTION_TAG } from '../functions/lib/tenant-secrets.ts';
import type { FunctionAccess } from './access.ts';
import type { FederationFunction } from './federation-function.ts';

/** Lets Secrets Manager invoke the function, for this account's secrets under the prefix only. */
export function rotationInvokedBySecretsManager(rotation: FederationFunction, secretPrefix: string): void {
  const stack = Stack.of(rotation);
  rotation.function.addPermission('InvokedBySecretsManager', {
    principal: new ServicePrincipal('secretsmanager.amazonaws.com'),
    action: 'lambda:InvokeFunction',
    sourceAccount: stack.account,
    sourceArn: stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${secretPrefix}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  });
}

/**
 * lambda:InvokeFunction on the rotation function for the tenant-secrets sessions of the functions
 * that call RotateSecret (their `manage` or `read-and-rotate` uses), by their `function` tag.
 */
export function rotationInvokeStatement(
  rotation: FederationFunction,
  users: readonly { fn: FederationFunction; secrets: FunctionAccess['secrets'] }[],
): PolicyStatement {
  const callers = users
    .filter((user) =>
      Object.values(user.secrets).some((use) => use === 'manage' || use === 'read-and-rotate'),
    )
    .map((user) => user.fn.name)
    .sort();
  return new PolicyStatement({
    actions: ['lambda:InvokeFunction'],
    resources: [rotation.function.functionArn],
    conditions: { StringEquals: { [`aws:PrincipalTag/${FUNCTION_TAG}`]: callers } },
  });
}
