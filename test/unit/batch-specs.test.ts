// The specs of `federation provision <dir|file.ndjson>`: a folder's *.json files or an NDJSON file's
// lines, each checked under a deployment's rules; a bad one names its file (or line) and field.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBatchPath, readBatch } from '../../bin/batch-specs.ts';
import { UsageError } from '../../bin/output.ts';

const root = mkdtempSync(join(tmpdir(), 'batch-specs-'));
const env = { ALLOWED_AUTHENTIK_HOSTS: 'auth.example.com' };
const spec = (tenantId: string, callback = `https://${tenantId}.example/cb`) => ({
  tenantId,
  authentik: {
    baseUrl: 'https://auth.example.com',
    tokenSecretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:federation/${tenantId}/authentik-token`,
  },
  cognito: { callbackUrls: [callback] },
});

describe('readBatch', () => {
  it('reads a folder’s *.json specs in name order, naming each bad file and field', async () => {
    const dir = join(root, 'specs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'b-beta.json'), JSON.stringify(spec('beta')));
    writeFileSync(join(dir, 'a-alpha.json'), JSON.stringify(spec('alpha')));
    writeFileSync(join(dir, 'c-bad.json'), JSON.stringify(spec('gamma', 'http://gamma.example/cb')));
    writeFileSync(
      join(dir, 'd-other.json'),
      JSON.stringify({ ...spec('delta'), authentik: { baseUrl: 'https://evil.example' } }),
    );
    writeFileSync(join(dir, 'notes.txt'), 'not a spec');
    expect(await isBatchPath(dir)).toBe(true);
    const batch = await readBatch(dir, env);
    expect(batch.specs.map((s) => [s.source, s.input.tenantId])).toEqual([
      [join(dir, 'a-alpha.json'), 'alpha'],
      [join(dir, 'b-beta.json'), 'beta'],
    ]);
    expect(batch.problems.map((p) => p.source)).toEqual([join(dir, 'c-bad.json'), join(dir, 'd-other.json')]);
    expect(batch.problems[0]?.message).toMatch(/^cognito\.callbackUrls/);
    expect(batch.problems[1]?.message).toContain('authentik.');
  });

  it('reads an NDJSON file line by line, skipping blank lines, and refuses a second spec of a tenant', async () => {
    const file = join(root, 'tenants.ndjson');
    writeFileSync(
      file,
      [JSON.stringify(spec('one')), '', '[1]', JSON.stringify(spec('one')), '{"tenantId": 3}'].join('\n'),
    );
    expect(await isBatchPath(file)).toBe(true);
    const batch = await readBatch(file, env);
    expect(batch.specs.map((s) => s.source)).toEqual(['tenants.ndjson:1']);
    expect(batch.problems).toEqual([
      { source: 'tenants.ndjson:3', message: 'must be a JSON object (a tenant spec)' },
      { source: 'tenants.ndjson:4', message: 'tenantId: one is already in tenants.ndjson:1' },
      { source: 'tenants.ndjson:5', message: 'tenantId: is required' },
    ]);
  });

  it('takes one spec file for what it is, and refuses an empty batch', async () => {
    const one = join(root, 'one.json');
    writeFileSync(one, JSON.stringify(spec('solo')));
    expect(await isBatchPath(one)).toBe(false);
    const empty = join(root, 'empty.ndjson');
    writeFileSync(empty, '\n\n');
    await expect(readBatch(empty, env)).rejects.toBeInstanceOf(UsageError);
  });
});
