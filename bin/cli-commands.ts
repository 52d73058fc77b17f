// The commands of `federation`, as a table: each says how it is called, checks its arguments, and runs
// against the tenant API (FEDERATION_API) or in the local world. A command is one entry here; the
// local world and the API client are imported only when a command runs, so `--help` and usage errors
// load neither.
import { EXIT, type ExitCode, type Output, UsageError } from './output.ts';
import { print } from './print.ts';
import { reportCommand } from './report.ts';
import { readSpecFile } from './spec-file.ts';
import { validateAsWritten } from './spec-rules.ts';

export interface CommandOptions {
  json: boolean;
  all: boolean;
  repair: boolean;
}

export interface CommandContext {
  /** The positionals after the command's name. */
  args: string[];
  options: CommandOptions;
  out: Output;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  /** Its lines in `--help`: the synopsis, then what it does. */
  help: readonly [synopsis: string, description: string];
  /** Throws UsageError when the arguments or options do not fit (before anything is loaded). */
  check(context: CommandContext): void;
  /** Runs the command; answers its exit code. */
  run(context: CommandContext): Promise<ExitCode>;
}

function exactly(count: number, what: string) {
  return ({ args, options }: CommandContext, name: string) => {
    if (args.length !== count) throw new UsageError(`${name} needs ${what}.`);
    if (options.all || options.repair) throw new UsageError('--all and --repair go with verify only.');
  };
}

const apiOf = (env: NodeJS.ProcessEnv) => env.FEDERATION_API;
const local = () => import('./local-mode.ts');
const remote = async (env: NodeJS.ProcessEnv) => {
  const { remoteApi } = await import('./remote.ts');
  return remoteApi(apiOf(env) as string, env);
};

/** The verification's verdict as an exit code: verified is 0, any other state 3. */
const verdict = (state: string | undefined): ExitCode => (state === 'verified' ? EXIT.ok : EXIT.attention);

export const commands: Record<string, Command> = {
  provision: {
    help: [
      'provision <spec.json> | <dir|file.ndjson>',
      'federate a tenant (runs the provision state machine); given a folder of specs or an NDJSON ' +
        "file, every tenant in it, at the pace Cognito's quotas allow, each outcome as it ends. " +
        'Exits 1 when a spec is not valid or a tenant failed',
    ],
    check: (context) => exactly(1, 'a spec file, a folder of specs or an NDJSON file')(context, 'provision'),
    async run({ args, out, env }) {
      const { isBatchPath } = await import('./batch-specs.ts');
      if (await isBatchPath(args[0] as string)) {
        const { batchExit, provisionBatchCommand } = await import('./batch.ts');
        const result = await provisionBatchCommand(args[0] as string, out, env);
        print(out, result);
        return batchExit(result);
      }
      const input = await readSpecFile(args[0] as string);
      if (apiOf(env)) {
        const { provisionRemotely } = await import('./remote.ts');
        print(out, await provisionRemotely(await remote(env), input, out, env));
      } else {
        validateAsWritten(input, env); // before the world starts: a bad spec fails at once
        const { withLocalSession, provision } = await local();
        print(out, await withLocalSession(env, (session) => provision(session, input, out, env)));
      }
      return EXIT.ok;
    },
  },
  plan: {
    help: [
      'plan <spec.json>',
      'what provisioning the spec would create, update (field by field) or leave; writes nothing. ' +
        'Exits 3 when changes are pending',
    ],
    check: (context) => exactly(1, 'a spec file')(context, 'plan'),
    async run({ args, out, env }) {
      const input = await readSpecFile(args[0] as string);
      const { printPlan } = await import('./plan-print.ts');
      if (apiOf(env)) {
        const api = await remote(env);
        out.line(`Planning tenant ${input.tenantId} through ${apiOf(env)} (nothing is written)`);
        return printPlan(out, await api.planTenant(input.tenantId, input));
      }
      validateAsWritten(input, env); // before the world starts: a bad spec fails at once
      const { withLocalSession, planLocally } = await local();
      return printPlan(out, await withLocalSession(env, (session) => planLocally(session, input, out, env)));
    },
  },
  status: {
    help: ['status <tenant>', "the tenant's registry record: status, steps, resources, last error"],
    check: (context) => exactly(1, 'a tenant id')(context, 'status'),
    async run({ args, out, env }) {
      const tenantId = args[0] as string;
      if (apiOf(env)) {
        print(out, await (await remote(env)).getTenant(tenantId));
      } else {
        const { withLocalSession, status } = await local();
        print(out, await withLocalSession(env, (session) => status(session, tenantId)));
      }
      return EXIT.ok;
    },
  },
  'test-user': {
    help: [
      'test-user <tenant>',
      "the test user's username and password, to sign in to the demo app; the local world only " +
        '(against an API the password stays in its secret, whose ARN status shows)',
    ],
    check: (context) => exactly(1, 'a tenant id')(context, 'test-user'),
    async run({ args, out, env }) {
      if (apiOf(env)) {
        throw new UsageError(
          "test-user prints a password, so it runs in the local world only: read the deployment's test-user secret with your own credentials.",
        );
      }
      const tenantId = args[0] as string;
      const { withLocalSession, testUser } = await local();
      print(out, await withLocalSession(env, (session) => testUser(session, tenantId)));
      return EXIT.ok;
    },
  },
  verify: {
    help: [
      'verify <tenant> | --all [--repair]',
      "the tenant's federation in depth: every step's check, then end to end (keys, client " +
        'credentials, redirect URIs, policy, a test login). --all: every tenant (the verification ' +
        'machine the schedule runs), with the events it sends; --repair provisions drifted tenants ' +
        'again and verifies them once more. Exits 3 when a federation is not verified',
    ],
    check({ args, options }) {
      if (options.all && args.length > 0)
        throw new UsageError('verify takes a tenant id or --all, not both.');
      if (options.repair && !options.all) throw new UsageError('--repair goes with verify --all.');
      if (!options.all && args.length !== 1) throw new UsageError('verify needs a tenant id (or --all).');
    },
    async run({ args, options, out, env }) {
      if (apiOf(env)) {
        if (options.all) {
          throw new UsageError(
            'verify --all runs the verification machine locally; the API verifies one tenant.',
          );
        }
        const { verifyRemotely } = await import('./remote.ts');
        const view = await verifyRemotely(await remote(env), args[0] as string, out);
        print(out, view);
        return verdict(view.verificationState);
      }
      const { withLocalSession, verify, verifyAll } = await local();
      if (options.all) {
        const run = await withLocalSession(env, (session) =>
          verifyAll(session, out, { repair: options.repair }),
        );
        print(out, run);
        return run.summary.verified === run.summary.tenants ? EXIT.ok : EXIT.attention;
      }
      const result = await withLocalSession(env, (session) => verify(session, args[0] as string, out));
      print(out, result);
      return verdict(result.state);
    },
  },
  rotate: {
    help: [
      'rotate <tenant> [oidc-client|test-user]',
      "rotate the tenant's OIDC client secret and test-user password now, as the schedule does " +
        "(Secrets Manager's four steps; locally the session plays Secrets Manager's part)",
    ],
    check({ args, options }) {
      if (args.length < 1 || args.length > 2)
        throw new UsageError('rotate needs a tenant id (and optionally a kind).');
      if (args[1] !== undefined && args[1] !== 'oidc-client' && args[1] !== 'test-user') {
        throw new UsageError('rotate: the kind is oidc-client or test-user.');
      }
      if (options.all || options.repair) throw new UsageError('--all and --repair go with verify only.');
    },
    async run({ args, out, env }) {
      const [tenantId, kind] = args as [string, ('oidc-client' | 'test-user')?];
      if (apiOf(env)) {
        print(out, await (await remote(env)).rotateTenant(tenantId, kind));
        return EXIT.ok;
      }
      const { withLocalSession } = await local();
      const { rotateLocally } = await import('./rotate-local.ts');
      const kinds = kind ? [kind] : (['oidc-client', 'test-user'] as const);
      print(out, await withLocalSession(env, (session) => rotateLocally(session, tenantId, kinds, out)));
      return EXIT.ok;
    },
  },
  deprovision: {
    help: ['deprovision <tenant>', 'undo the federation; deletes only what this system created'],
    check: (context) => exactly(1, 'a tenant id')(context, 'deprovision'),
    async run({ args, out, env }) {
      const tenantId = args[0] as string;
      if (apiOf(env)) {
        const { deprovisionRemotely } = await import('./remote.ts');
        print(out, await deprovisionRemotely(await remote(env), tenantId, out));
      } else {
        const { withLocalSession, deprovision } = await local();
        print(out, await withLocalSession(env, (session) => deprovision(session, tenantId, out)));
      }
      return EXIT.ok;
    },
  },
  list: {
    help: ['list', 'every registered tenant'],
    check: (context) => exactly(0, 'no argument')(context, 'list'),
    async run({ out, env }) {
      if (apiOf(env)) {
        print(out, (await (await remote(env)).listTenants()).items);
      } else {
        const { withLocalSession } = await local();
        print(
          out,
          await withLocalSession(env, async (session) => (await session.clients.registry.list()).items),
        );
      }
      return EXIT.ok;
    },
  },
  adopt: {
    help: [
      'adopt <tenant> <kind> <id>',
      'operator only: let the tenant use an Authentik object this product did not make (kind: group, ' +
        'provider or application; id: its pk). Recorded in the registry as adopted: converged, never ' +
        'deleted. On a deployment, set FEDERATION_REGISTRY_TABLE (and AWS credentials that may write it)',
    ],
    check(context) {
      exactly(3, 'a tenant id, a kind (group, provider, application) and an id')(context, 'adopt');
      if (apiOf(context.env) && !context.env.FEDERATION_REGISTRY_TABLE) {
        throw new UsageError(
          'adopt is an operator action on the registry, not a tenant API call: set ' +
            "FEDERATION_REGISTRY_TABLE to the stack's registry table (with AWS credentials that may " +
            'write it), or unset FEDERATION_API.',
        );
      }
    },
    async run({ args, out, env }) {
      const [tenantId, kind, id] = args as [string, string, string];
      const table = env.FEDERATION_REGISTRY_TABLE;
      let result: unknown;
      if (table) {
        const { adoptOnDeployment } = await import('./adopt.ts');
        result = await adoptOnDeployment(table, tenantId, kind, id);
      } else {
        const { withLocalSession, adopt } = await local();
        result = await withLocalSession(env, (session) =>
          adopt(session.clients.registry, tenantId, kind, id),
        );
      }
      out.line(`Tenant ${tenantId} adopts ${kind} ${id}: provision it again to converge it.`);
      print(out, result);
      return EXIT.ok;
    },
  },
  report: reportCommand,
};
