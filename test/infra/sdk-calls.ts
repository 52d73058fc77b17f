// The AWS calls a function's code can make, read from its bundle: esbuild drops what the handler
// cannot reach, so every `new XxxCommand(` left in the bundle is a call the function may send.

import { build } from 'esbuild';
import { handlerEntry, mainFields, nodeTarget, projectRoot, sdkModules } from '../../infra/bundling.ts';

// The document client's commands are named after the table operation they send.
const DOCUMENT_CLIENT_ACTIONS: Record<string, string> = {
  GetCommand: 'dynamodb:GetItem',
  PutCommand: 'dynamodb:PutItem',
  DeleteCommand: 'dynamodb:DeleteItem',
  UpdateCommand: 'dynamodb:UpdateItem',
  QueryCommand: 'dynamodb:Query',
  ScanCommand: 'dynamodb:Scan',
  BatchGetCommand: 'dynamodb:BatchGetItem',
  BatchWriteCommand: 'dynamodb:BatchWriteItem',
  TransactGetCommand: 'dynamodb:TransactGetItems',
  TransactWriteCommand: 'dynamodb:TransactWriteItems',
};

const SERVICE_PREFIX: Record<string, string> = {
  '@aws-sdk/client-cognito-identity-provider': 'cognito-idp',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/client-sfn': 'states',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-sts': 'sts',
};

/** The IAM action a command of an SDK package needs. Throws for a package this map does not know. */
export function iamActionOf(pkg: string, command: string): string {
  if (pkg === '@aws-sdk/lib-dynamodb') {
    const action = DOCUMENT_CLIENT_ACTIONS[command];
    if (!action) throw new Error(`no IAM action known for ${pkg} ${command}`);
    return action;
  }
  const prefix = SERVICE_PREFIX[pkg];
  if (!prefix) throw new Error(`no IAM service prefix known for ${pkg}: add it to test/infra/sdk-calls.ts`);
  return `${prefix}:${command.replace(/Command$/, '')}`;
}

/**
 * The unminified bundle of a function, built like the deployed one but with the SDK left external
 * whatever the deployed choice, so each command's import from its `@aws-sdk/*` package shows.
 */
export async function bundleText(name: string): Promise<string> {
  const result = await build({
    entryPoints: [handlerEntry(name)],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: nodeTarget,
    external: sdkModules,
    mainFields,
    absWorkingDir: projectRoot,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced nothing for ${name}`);
  return output.text;
}

/** Every IAM action behind a `new XxxCommand(` of an `@aws-sdk/*` import in the bundle. */
export function sdkActionsIn(code: string): Set<string> {
  const origin = new Map<string, { pkg: string; name: string }>();
  for (const match of code.matchAll(/import\s*\{([^}]*)\}\s*from\s*"(@aws-sdk\/[^"]+)"/g)) {
    const [, names = '', pkg = ''] = match;
    for (const part of names.split(',')) {
      const [imported, local] = part.trim().split(/\s+as\s+/);
      if (imported) origin.set((local ?? imported).trim(), { pkg, name: imported.trim() });
    }
  }
  const actions = new Set<string>();
  for (const match of code.matchAll(/new\s+([A-Za-z0-9_$]+)\s*\(/g)) {
    const imported = origin.get(match[1] ?? '');
    if (imported?.name.endsWith('Command')) actions.add(iamActionOf(imported.pkg, imported.name));
  }
  return actions;
}
