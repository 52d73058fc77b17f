// Synthesizes the app for template tests: bundling skipped (esbuild runs in `npm run synth` and in
// synth.test.ts), cdk-nag on, the output in a temporary folder that `dispose` removes.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll } from 'vitest';
import type { StepFunctionName } from '../../functions/catalog.ts';
import { createFederationApp, STACK_NAME } from '../../infra/federation-app.ts';
import type { FederationStack } from '../../infra/stack.ts';
import type { AslDefinition } from '../../infra/state-machines.ts';

export const baseContext = { allowedAuthentikHosts: 'auth.example.com,*.idp.example.org' };

export interface Synthesized {
  stack: FederationStack;
  template: Template;
  /** The raw template JSON. */
  json: CfnTemplate;
  outdir: string;
  /** `validation-report.json` of the cloud assembly (cdk-nag and CDK's own CloudFormation checks). */
  report: ValidationReport;
  dispose(): void;
}

export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;
}

export interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: unknown[];
    suppressedViolations?: { ruleName: string; reason?: string; acknowledgedId?: string }[];
  }[];
}

export function synth(
  context: Record<string, unknown> = {},
  options: { definitions?: readonly AslDefinition[]; builtinValidation?: boolean } = {},
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'federation-infra-'));
  try {
    const { app, stack } = createFederationApp({
      outdir,
      context: { 'aws:cdk:bundling-stacks': [], ...baseContext, ...context },
      // CDK's built-in CloudFormation schema check costs ~6 s to start; one test file runs it.
      builtinCloudFormationValidation: options.builtinValidation ?? false,
      ...(options.definitions ? { definitions: options.definitions } : {}),
    });
    // Throws with cdk-nag's report when a finding is not acknowledged.
    app.synth();
    const json = JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.template.json`), 'utf8')) as CfnTemplate;
    const report = JSON.parse(
      readFileSync(join(outdir, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;
    return {
      stack,
      template: Template.fromJSON(json),
      json,
      outdir,
      report,
      dispose: () => rmSync(outdir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(outdir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The app synthesized once for a test file (before its tests, the output removed after them): the
 * object returned is filled in by then.
 */
export function useSynth(...args: Parameters<typeof synth>): Synthesized {
  const synthesized = {} as Synthesized;
  beforeAll(() => {
    Object.assign(synthesized, synth(...args));
  }, 120_000);
  afterAll(() => synthesized.dispose?.());
  return synthesized;
}

export function logicalId(stack: FederationStack, element: unknown): string {
  return stack.getLogicalId(element as CfnElement);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of the policies attached to a role (by the role's logical id). */
export function roleStatements(json: CfnTemplate, roleLogicalId: string): Statement[] {
  return Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) =>
      ((r.Properties?.Roles as unknown[]) ?? []).some(
        (ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    )
    .flatMap((r) => prop<{ Statement: Statement[] }>(r, 'PolicyDocument').Statement);
}

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

/** The role of a function of the stack (step name or `api`), by logical id. */
export function functionRoleId(s: Synthesized, name: StepFunctionName | 'api' | 'rotate-secret'): string {
  const fn = s.stack.functions.get(name);
  if (!fn) throw new Error(`no function ${name} in the stack`);
  return logicalId(s.stack, fn.role.node.defaultChild);
}

export function functionLogicalId(s: Synthesized, name: StepFunctionName | 'api' | 'rotate-secret'): string {
  const fn = s.stack.functions.get(name);
  if (!fn) throw new Error(`no function ${name} in the stack`);
  return logicalId(s.stack, fn.function.node.defaultChild);
}

/** Every action a function's role is granted, by service prefix. */
export function grantedActions(s: Synthesized, name: StepFunctionName | 'api' | 'rotate-secret'): string[] {
  return [...new Set(roleStatements(s.json, functionRoleId(s, name)).flatMap(actionsOf))].sort();
}

/** A resource property that must be there (the test fails with its name when it is not). */
export function prop<T>(resource: { Properties?: Record<string, unknown> } | undefined, key: string): T {
  const value = resource?.Properties?.[key];
  if (value === undefined) throw new Error(`resource has no ${key}`);
  return value as T;
}
