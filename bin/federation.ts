// `federation`: provision, plan, inspect, verify and deprovision tenants. Local by default: it works
// in a local world (its own, or the running one named by FEDERATION_WORLD); with FEDERATION_API set,
// against that tenant API. The commands are the table in cli-commands.ts; this file parses the
// call, prints the help, and turns every ending into one exit code and, on failure, one paragraph.
import { parseArgs } from 'node:util';
import { type Command, type CommandContext, commands } from './cli-commands.ts';
import { errorDocument, errorFacts, errorParagraph } from './errors.ts';
import { EXIT, type ExitCode, outputFor } from './output.ts';

// The AWS SDK warns once per process that its next releases need Node.js 22. This tool supports
// Node.js 20 (package.json `engines`), so the warning would only confuse its users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const options = {
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  repair: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function wrap(text: string, indent: number, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

function commandHelp(entries: [string, Command][]): string {
  const column = 26;
  return entries
    .flatMap(([, command]) => {
      const [synopsis, description] = command.help;
      const [first = '', ...rest] = wrap(description, column);
      const head =
        synopsis.length < column - 3
          ? [`  ${synopsis.padEnd(column - 2)}${first}`]
          : [`  ${synopsis}`, `${' '.repeat(column)}${first}`];
      return [...head, ...rest.map((line) => `${' '.repeat(column)}${line}`)];
    })
    .join('\n');
}

export const usage = `Usage: federation <command> [options]

Commands:
${commandHelp(Object.entries(commands))}

Options:
  --json                  print one JSON document for machines instead of progress lines (errors
                          too: {"error", "errorName", "fields", "advice", "exitCode"} on stdout)
  --all                   verify: every registered tenant
  --repair                verify --all: provision again what provisioning can fix
  -h, --help              this text

Exit codes (every command):
  0                       success; verify: verified; plan: nothing to change
  1                       the command failed (the message says why and what to do)
  2                       usage error: unknown command or option, missing or unreadable argument
  3                       verify: a federation is not verified (verify --all: any tenant);
                          plan: changes are pending

With FEDERATION_API set to a tenant API's URL (\`npm run local\`, or a deployed stack's ApiUrl) the
commands go to that API; requests to a deployed API are SigV4-signed with your AWS credentials, and
AUTHENTIK_TOKEN, if set, is handed to the API once by provision.

Otherwise local: without FEDERATION_WORLD each command starts its own local world, which ends with
the command. To keep state between commands, run \`npm run world\` and set FEDERATION_WORLD to the
JSON line it prints. A spec is validated as written, under a deployment's rules (the allow-list is
ALLOWED_AUTHENTIK_HOSTS, or the spec's own host), before local mode points it at the world's
Authentik emulator.`;

function usageError(message: string): ExitCode {
  process.stderr.write(`${message}\n\nRun federation --help for the commands, options and exit codes.\n`);
  return EXIT.usage;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof options }>
  >;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const [name, ...args] = parsed.positionals;
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    return EXIT.ok;
  }
  if (!name) {
    process.stderr.write(`${usage}\n`);
    return EXIT.usage;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) return usageError(`Unknown command ${name}.`);
  const json = parsed.values.json === true;
  const context: CommandContext = {
    args,
    options: { json, all: parsed.values.all === true, repair: parsed.values.repair === true },
    out: outputFor(json),
    env,
  };
  try {
    command.check(context);
    return await command.run(context);
  } catch (error) {
    const facts = errorFacts(error);
    if (facts.exitCode === EXIT.usage && !json) return usageError(facts.message);
    if (json) process.stdout.write(`${JSON.stringify(errorDocument(facts), null, 2)}\n`);
    process.stderr.write(`\n${errorParagraph(name, facts)}\n`);
    return facts.exitCode;
  }
}
