// The stage name the docs and the CLI show is the one the stack deploys (infra/tenant-api.ts), so a
// URL or an IAM policy copied from the README works as written.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API_STAGE } from '../../infra/tenant-api.ts';

/** The stage of every execute-api URL (`…amazonaws.com/<stage>`) and ARN (`…:<api-id>/<stage>/…`) in a text. */
function stagesIn(text: string): string[] {
  const urls = [...text.matchAll(/\.execute-api\.[^/\s]+\.amazonaws\.com\/([^/\s"'`*]+)/g)].map((m) => m[1]);
  const arns = [...text.matchAll(/arn:aws:execute-api:[^:\s]+:[^:\s]+:[^/\s]+\/([^/\s"]+)\//g)].map(
    (m) => m[1],
  );
  return [...urls, ...arns].filter((stage): stage is string => stage !== undefined);
}

describe('the stage name', () => {
  it('is the stack’s in every README example, URL and IAM policy alike', () => {
    const stages = stagesIn(readFileSync('README.md', 'utf8'));
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(new Set(stages)).toEqual(new Set([API_STAGE]));
  });

  it('is the stack’s in the OpenAPI server and in the CLI’s help', () => {
    const openapi = parse(readFileSync('openapi.yaml', 'utf8')) as {
      servers: { variables?: { stage?: { default: string; enum?: string[] } } }[];
    };
    const stage = openapi.servers.find((server) => server.variables?.stage)?.variables?.stage;
    expect(stage).toEqual(expect.objectContaining({ default: API_STAGE, enum: [API_STAGE] }));
    expect(new Set(stagesIn(readFileSync('bin/api-client.ts', 'utf8')))).toEqual(new Set([API_STAGE]));
  });

  it('the check finds another stage', () => {
    expect(stagesIn('https://abc.execute-api.eu-west-1.amazonaws.com/prod/tenants')).toEqual(['prod']);
    expect(stagesIn('"arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/*/tenants/acme"')).toEqual([
      '<stage>',
    ]);
  });
});
