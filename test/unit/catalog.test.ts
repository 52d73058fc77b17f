// The catalog's order is the state machines' order: what an execution runs, read from the ASL files
// along the way it takes when nothing fails, against functions/catalog.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { type FunctionRole, stepFunctions } from '../../functions/catalog.ts';

interface State {
  Type: string;
  Resource?: string;
  Parameters?: { step?: string; action?: string; StateMachineArn?: string };
  Next?: string;
  Default?: string;
  Choices?: { Next: string }[];
  ItemProcessor?: Machine;
  Iterator?: Machine;
}
interface Machine {
  StartAt: string;
  States: Record<string, State>;
}

const byPlaceholder = new Map<string, (typeof stepFunctions)[number]>(
  stepFunctions.map((fn) => [fn.placeholder, fn]),
);

/**
 * The function Tasks in the order an execution reaches them when nothing fails (Catch not taken);
 * with those of the machines named in `follow` (by file) where a Task starts one of them.
 */
function tasks(machine: Machine, seen = new Set<string>(), follow: readonly string[] = []) {
  const found: { name: string; role: FunctionRole; step?: string; action?: string }[] = [];
  const visit = (name: string | undefined) => {
    const state = name === undefined ? undefined : machine.States[name];
    if (name === undefined || !state || seen.has(name)) return;
    seen.add(name);
    const fn = byPlaceholder.get(/^\$\{(\w+)\}$/.exec(state.Resource ?? '')?.[1] ?? '');
    if (fn) found.push({ name: fn.name, role: fn.role, ...state.Parameters });
    const started = follow.find(
      (file) => state.Parameters?.StateMachineArn === `\${${pascal(file)}StateMachineArn}`,
    );
    if (started) found.push(...tasks(load(started), seen, follow));
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) found.push(...tasks(inner, seen, follow));
    for (const choice of state.Choices ?? []) visit(choice.Next);
    visit(state.Default);
    visit(state.Next);
  };
  visit(machine.StartAt);
  return found;
}

const pascal = (file: string) => file.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
const load = (name: string): Machine =>
  JSON.parse(readFileSync(join('statemachine', `${name}.asl.json`), 'utf8')) as Machine;
const machine = load;
const inTable = (...roles: FunctionRole[]) =>
  stepFunctions.filter((fn) => roles.includes(fn.role)).map((fn) => fn.name);
const firstSeen = (names: string[]) => [...new Set(names)];

it('the state machines run the functions in the order of functions/catalog.ts', () => {
  const provision = tasks(machine('provision-tenant'));
  const deprovision = tasks(machine('deprovision-tenant'));
  // The verification's pages run in executions of their own: their Tasks are the run's.
  const verification = tasks(machine('verify-federations'), new Set(), ['verify-tenants-page']);

  // Provisioning: the preflight, the guide's steps and the verification, each applied in turn.
  expect(provision.filter((task) => task.action === 'apply').map((task) => task.name)).toEqual(
    inTable('preflight', 'step', 'verification'),
  );
  // Deprovisioning unwires Cognito first, its steps in the reverse order, then removes Authentik's
  // objects in the reverse order.
  const steps = stepFunctions.filter((fn) => fn.role === 'step');
  const side = (authentik: boolean) =>
    steps
      .filter((fn) => fn.usesAuthentik === authentik)
      .map((fn) => fn.name)
      .reverse();
  expect(deprovision.filter((task) => task.action === 'destroy').map((task) => task.name)).toEqual([
    ...side(false),
    ...side(true),
  ]);
  // Both record their start first and their outcome last.
  for (const run of [provision.filter((task) => task.action !== 'parse'), deprovision]) {
    expect([run[0]?.role, run.at(-1)?.role]).toEqual(['registry', 'registry']);
  }
  // The verification run lists, verifies each tenant, reports.
  expect(firstSeen(verification.map((task) => task.name))).toEqual(inTable('verification-run'));
  // A Task that names its step names the function it calls.
  for (const task of [...provision, ...deprovision, ...verification]) {
    if (task.step !== undefined) expect(task.step).toBe(task.name);
  }
});
