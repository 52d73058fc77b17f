import { randomUUID } from 'node:crypto';
import type { BrandingStyle, LayerContext } from './context.ts';
import { limitExceeded } from './limits.ts';
import { CognitoError, invalidParameter } from './protocol.ts';

// Managed login branding styles, which moto (5.2.1) does not implement: the layer answers these
// operations itself. An app client created through the API has no style, and its managed login
// pages stay unavailable until one is applied (CreateUserPoolClient and the ManagedLoginVersion
// member of CreateUserPoolDomain). References:
//   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateManagedLoginBranding.html
//   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeManagedLoginBrandingByClient.html
//   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateManagedLoginBranding.html
//   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DeleteManagedLoginBranding.html

type Answer = (input: Record<string, unknown>, context: LayerContext) => Promise<Record<string, unknown>>;

const seconds = (): number => Date.now() / 1_000;

/** The app client must exist: moto answers ResourceNotFoundException for a missing pool or client. */
async function requireClient(input: Record<string, unknown>, context: LayerContext): Promise<void> {
  await context.moto.call(
    'DescribeUserPoolClient',
    { UserPoolId: input.UserPoolId, ClientId: input.ClientId },
    context.authorization,
  );
}

/** "When you specify true for this option, you must also omit values for Settings and Assets." */
function checkValues(input: Record<string, unknown>): void {
  if (
    input.UseCognitoProvidedValues === true &&
    (input.Settings !== undefined || input.Assets !== undefined)
  ) {
    throw invalidParameter('Settings and Assets must be omitted when UseCognitoProvidedValues is true');
  }
}

function styleOfClient(
  context: LayerContext,
  userPoolId: unknown,
  clientId: unknown,
): BrandingStyle | undefined {
  for (const style of context.state.branding.values()) {
    if (style.UserPoolId === userPoolId && style.ClientId === clientId) return style;
  }
  return undefined;
}

function styleById(input: Record<string, unknown>, context: LayerContext): BrandingStyle {
  const style = context.state.branding.get(String(input.ManagedLoginBrandingId));
  if (!style || style.UserPoolId !== input.UserPoolId) {
    throw new CognitoError(
      'ResourceNotFoundException',
      `Managed login branding ${String(input.ManagedLoginBrandingId)} does not exist in user pool ${String(input.UserPoolId)}`,
    );
  }
  return style;
}

function view(style: BrandingStyle): Record<string, unknown> {
  const { ClientId: _, ...shown } = style;
  return shown;
}

const create: Answer = async (input, context) => {
  checkValues(input);
  await requireClient(input, context);
  // ManagedLoginBrandingExistsException: "an app client that already has an assigned style".
  if (styleOfClient(context, input.UserPoolId, input.ClientId)) {
    throw new CognitoError(
      'ManagedLoginBrandingExistsException',
      `App client ${String(input.ClientId)} already has a managed login branding style`,
    );
  }
  const inPool = [...context.state.branding.values()].filter(
    (style) => style.UserPoolId === input.UserPoolId,
  );
  if (inPool.length >= context.limits.brandingStylesPerPool) {
    throw limitExceeded(
      'managed login branding styles',
      context.limits.brandingStylesPerPool,
      input.UserPoolId,
    );
  }
  const now = seconds();
  const style: BrandingStyle = {
    ManagedLoginBrandingId: randomUUID(),
    UserPoolId: String(input.UserPoolId),
    ClientId: String(input.ClientId),
    UseCognitoProvidedValues: input.UseCognitoProvidedValues === true,
    ...(input.Settings === undefined ? {} : { Settings: input.Settings }),
    ...(Array.isArray(input.Assets) ? { Assets: input.Assets } : {}),
    CreationDate: now,
    LastModifiedDate: now,
  };
  context.state.branding.set(style.ManagedLoginBrandingId, style);
  return { ManagedLoginBranding: view(style) };
};

const describeByClient: Answer = async (input, context) => {
  await requireClient(input, context);
  const style = styleOfClient(context, input.UserPoolId, input.ClientId);
  if (!style) {
    throw new CognitoError(
      'ResourceNotFoundException',
      `App client ${String(input.ClientId)} has no managed login branding style`,
    );
  }
  return { ManagedLoginBranding: view(style) };
};

const describe: Answer = async (input, context) => ({
  ManagedLoginBranding: view(styleById(input, context)),
});

const update: Answer = async (input, context) => {
  checkValues(input);
  const style = styleById(input, context);
  // The reference: Cognito "preserves existing style settings that you don't specify".
  const updated: BrandingStyle = {
    ...style,
    ...(input.UseCognitoProvidedValues === undefined
      ? {}
      : { UseCognitoProvidedValues: input.UseCognitoProvidedValues === true }),
    ...(input.Settings === undefined ? {} : { Settings: input.Settings }),
    ...(Array.isArray(input.Assets) ? { Assets: input.Assets } : {}),
    LastModifiedDate: seconds(),
  };
  context.state.branding.set(style.ManagedLoginBrandingId, updated);
  return { ManagedLoginBranding: view(updated) };
};

const remove: Answer = async (input, context) => {
  const style = styleById(input, context);
  context.state.branding.delete(style.ManagedLoginBrandingId);
  return {};
};

export const brandingAnswers: Record<string, Answer> = {
  CreateManagedLoginBranding: create,
  DescribeManagedLoginBrandingByClient: describeByClient,
  DescribeManagedLoginBranding: describe,
  UpdateManagedLoginBranding: update,
  DeleteManagedLoginBranding: remove,
};
