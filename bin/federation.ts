// `federation`: provision, inspect, verify and deprovision tenants. Local by default: it works in a
// local world (its own, or the running one named by FEDERATION_WORLD).
import '../local/polyfills.ts';
import { parseArgs } from 'node:util';
import { type LocalSession, openLocalSession } from '../local/session.ts';
import { adopt, adoptOnDeployment } from './adopt.ts';
import { deprovision, type Output, print, provision, status, verify, verifyAll } from './commands.ts';
import { remoteApi, runRemote } from './remote.ts';

const usage = `Usage: federation <command> [options]

Commands:
  provision <spec.json>   federate a tenant (runs the provision state machine)
  status <tenant>         the tenant's registry record: status, steps, resources, last error
  verify <tenant>         verify the tenant's federation in depth: every step's check, then end to
                          end (keys, client credentials, redirect URIs, policy, a test login)
  verify --all            verify every tenant (the verification machine the schedule runs) and
                          show the state-change events it sends; --repair provisions drifted
                          tenants again and verifies them once more
  deprovision <tenant>    undo the federation; deletes only what this system created
  list                    every registered tenant
  adopt <tenant> <kind> <id>
                          operator only: let the tenant use an Authentik object this product did
                          not make (kind: group, provider or application; id: its pk). Recorded
                          in the registry as adopted: converged, never deleted. On a deployment,
                          set FEDERATION_REGISTRY_TABLE (and AWS credentials that may write it)

Options:
  --json                  print one JSON document for machines instead of progress lines
  --all                   verify: every registered tenant
  --repair                verify --all: provision again what provisioning can fix
  -h, --help              this text

With FEDERATION_API set to a tenant API's URL (\`npm run local\`, or a deployed stack's ApiUrl) the
commands go to that API; requests to a deployed API are SigV4-signed with your AWS credentials, and
AUTHENTIK_TOKEN, if set, is handed to the API once by provision.

Otherwise local: without FEDERATION_WORLD each command starts its own local world, which ends with
the command. To keep state between commands, run \`npm run world\` and set FEDERATION_WORLD to the
JSON line it prints.`;

async function runAdopt(tenantId: string, kind: string, id: string, out: Output, json: boolean) {
  const table = process.env.FEDERATION_REGISTRY_TABLE;
  if (process.env.FEDERATION_API && !table) {
    process.stderr.write(
      'adopt is an operator action on the registry, not a tenant API call: set FEDERATION_REGISTRY_TABLE ' +
        "to the stack's registry table (with AWS credentials that may write it), or unset FEDERATION_API.\n",
    );
    return 2;
  }
  let session: LocalSession | undefined;
  try {
    let result: unknown;
    if (table) {
      result = await adoptOnDeployment(table, tenantId, kind, id);
    } else {
      session = await openLocalSession();
      result = await adopt(session.clients.registry, tenantId, kind, id);
    }
    out.line(`Tenant ${tenantId} adopts ${kind} ${id}: provision it again to converge it.`);
    print(out, result);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (json) process.stdout.write(`${JSON.stringify({ error: message }, null, 2)}\n`);
    process.stderr.write(`\nfederation adopt failed: ${message}\n`);
    return 1;
  } finally {
    await session?.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        all: { type: 'boolean' },
        repair: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const [command, argument, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    process.stdout.write(`${usage}\n`);
    return parsed.values.help ? 0 : 2;
  }
  const json = parsed.values.json === true;
  const out: Output = { json, line: (text) => (json ? undefined : process.stderr.write(`${text}\n`)) };
  const needsArgument = ['provision', 'status', 'verify', 'deprovision'];
  if (command === 'adopt') {
    const [kind, id] = rest;
    if (!argument || !kind || !id || rest.length > 2) {
      process.stderr.write('adopt needs a tenant id, a kind (group, provider, application) and an id.\n');
      return 2;
    }
    return runAdopt(argument, kind, id, out, json);
  }
  if (![...needsArgument, 'list'].includes(command)) {
    process.stderr.write(`Unknown command ${command}.\n\n${usage}\n`);
    return 2;
  }
  const everyTenant = command === 'verify' && parsed.values.all === true;
  if (everyTenant && argument) {
    process.stderr.write('verify takes a tenant id or --all, not both.\n');
    return 2;
  }
  if (parsed.values.repair && !everyTenant) {
    process.stderr.write('--repair goes with verify --all.\n');
    return 2;
  }
  if (needsArgument.includes(command) && !argument && !everyTenant) {
    process.stderr.write(`${command} needs ${command === 'provision' ? 'a spec file' : 'a tenant id'}.\n`);
    return 2;
  }

  let session: LocalSession | undefined;
  try {
    const api = process.env.FEDERATION_API;
    if (api && everyTenant) {
      process.stderr.write(
        'verify --all runs the verification machine locally; the API verifies one tenant.\n',
      );
      return 2;
    }
    if (api) {
      print(out, await runRemote(remoteApi(api), command, argument, out));
      return 0;
    }
    session = await openLocalSession();
    const arg = argument as string;
    let result: unknown;
    if (command === 'provision') result = await provision(session, arg, out);
    else if (command === 'deprovision') result = await deprovision(session, arg, out);
    else if (command === 'status') result = await status(session, arg);
    else if (everyTenant) result = await verifyAll(session, out, { repair: parsed.values.repair === true });
    else if (command === 'verify') result = await verify(session, arg, out);
    else result = (await session.clients.registry.list()).items;
    print(out, result);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (json) process.stdout.write(`${JSON.stringify({ error: message }, null, 2)}\n`);
    process.stderr.write(`\nfederation ${command} failed: ${message}\n`);
    return 1;
  } finally {
    await session?.close();
  }
}
