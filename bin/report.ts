// `federation report [file.html]`: writes the report page (report-html.ts) of every tenant in the
// registry and prints its path. Locally from the world's registry; with FEDERATION_REGISTRY_TABLE from
// a deployment's table with the operator's AWS credentials (the tenant API lists no verifications).
// The local world and the AWS SDK are imported only when the command runs.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { TenantRecord } from '#lib/registry-records.ts';
import type { Command } from './cli-commands.ts';
import { EXIT, UsageError } from './output.ts';
import { renderReport } from './report-html.ts';

export const DEFAULT_REPORT_FILE = 'federation-report.html';

/** Every record of a registry, page after page. */
async function collect(registry: { listAll(): AsyncGenerator<TenantRecord> }): Promise<TenantRecord[]> {
  const records: TenantRecord[] = [];
  for await (const record of registry.listAll()) records.push(record);
  return records;
}

async function localRecords(env: NodeJS.ProcessEnv): Promise<TenantRecord[]> {
  await import('../local/polyfills.ts');
  const { openLocalSession } = await import('../local/session.ts');
  const session = await openLocalSession(env);
  try {
    return await collect(session.clients.registry);
  } finally {
    await session.close();
  }
}

async function deploymentRecords(table: string): Promise<TenantRecord[]> {
  const [{ DynamoDBClient }, { DynamoDBDocumentClient }, { TenantRegistry }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/lib-dynamodb'),
    import('#lib/registry.ts'),
  ]);
  return collect(new TenantRegistry(DynamoDBDocumentClient.from(new DynamoDBClient({})), table));
}

export const reportCommand: Command = {
  help: [
    'report [file.html]',
    "a self-contained HTML page of every tenant's status and last verification, from the registry " +
      `(default ${DEFAULT_REPORT_FILE}); prints its path. On a deployment, set FEDERATION_REGISTRY_TABLE`,
  ],
  check({ args, options, env }) {
    if (args.length > 1) throw new UsageError('report takes at most one argument: the file to write.');
    if (options.all || options.repair) throw new UsageError('--all and --repair go with verify only.');
    if (env.FEDERATION_API && !env.FEDERATION_REGISTRY_TABLE) {
      throw new UsageError(
        "report reads the registry, which the tenant API does not show whole: set FEDERATION_REGISTRY_TABLE to the stack's " +
          'registry table (with AWS credentials that may read it), or unset FEDERATION_API.',
      );
    }
  },
  async run({ args, out, env }) {
    const path = resolve(args[0] ?? DEFAULT_REPORT_FILE);
    const table = env.FEDERATION_REGISTRY_TABLE;
    const records = table ? await deploymentRecords(table) : await localRecords(env);
    const source = table ? `the registry table ${table}` : 'the local world';
    await writeFile(path, renderReport(records, { generatedAt: new Date(), source }), 'utf8');
    if (out.json) process.stdout.write(`${JSON.stringify({ path, tenants: records.length })}\n`);
    else process.stdout.write(`${path}\n`);
    out.line(
      `${records.length} tenant${records.length === 1 ? '' : 's'} from ${source}: open the page in a browser`,
    );
    return EXIT.ok;
  },
};
