// `npm run live` refuses to start without what a real run needs, at once and without echoing a value.
// (The run itself needs an AWS account and an Authentik: it is not part of `npm test`.)

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkLiveEnvironment, splitCdkArgs } from '../../bin/live-requirements.ts';

const complete = {
  AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
  AWS_REGION: 'eu-west-1',
  AUTHENTIK_URL: 'https://auth.example.com/',
  AUTHENTIK_TOKEN: 'token-value-never-printed',
};

describe('checkLiveEnvironment', () => {
  it('names everything that is missing', () => {
    const check = checkLiveEnvironment({});
    expect(check.ok).toBe(false);
    const text = check.ok ? '' : check.missing.join('\n');
    for (const need of ['AWS credentials', 'AWS_REGION', 'AUTHENTIK_URL', 'AUTHENTIK_TOKEN']) {
      expect(text).toContain(need);
    }
  });

  it('accepts a complete environment, and any credential source the default chain reads', () => {
    const check = checkLiveEnvironment(complete);
    expect(check).toEqual({
      ok: true,
      settings: {
        region: 'eu-west-1',
        authentikUrl: 'https://auth.example.com',
        authentikHost: 'auth.example.com',
        keep: false,
      },
    });
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...rest } = complete;
    expect(checkLiveEnvironment({ ...rest, AWS_PROFILE: 'sandbox' }).ok).toBe(true);
    expect(checkLiveEnvironment(rest).ok).toBe(false);
    expect(
      checkLiveEnvironment({ ...complete, AWS_REGION: undefined, AWS_DEFAULT_REGION: 'us-east-1' }),
    ).toMatchObject({
      ok: true,
      settings: { region: 'us-east-1' },
    });
  });

  it('refuses an Authentik Cognito could not use as an issuer: not https, another port, credentials', () => {
    for (const url of [
      'http://auth.example.com',
      'https://auth.example.com:8443',
      'https://u:p@auth.example.com',
      'auth',
    ]) {
      const check = checkLiveEnvironment({ ...complete, AUTHENTIK_URL: url });
      expect(check.ok, url).toBe(false);
      expect(check.ok ? '' : check.missing.join(' '), url).toMatch(/AUTHENTIK_URL/);
    }
  });
});

describe('splitCdkArgs', () => {
  it('keeps the context pairs (the destroy synthesizes with them too) apart from the deploy flags', () => {
    expect(splitCdkArgs(['-c', 'apiAccessLogs=off', '--hotswap', '--context', 'logRetentionDays=7'])).toEqual(
      {
        contextArgs: ['-c', 'apiAccessLogs=off', '--context', 'logRetentionDays=7'],
        deployFlags: ['--hotswap'],
      },
    );
    expect(splitCdkArgs(['-c'])).toEqual({ contextArgs: [], deployFlags: ['-c'] });
  });
});

describe('npm run live without its environment', () => {
  it('exits 2 at once, saying what it needs, and never prints a value it was given', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/live.ts'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', AUTHENTIK_TOKEN: 'token-value-never-printed' },
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/needs:/);
    for (const need of ['AWS credentials', 'AWS_REGION', 'AUTHENTIK_URL']) expect(run.stderr).toContain(need);
    expect(run.stderr).not.toContain('AUTHENTIK_TOKEN:');
    expect(run.stdout + run.stderr).not.toContain('token-value-never-printed');
    // Nothing was deployed: no cdk output. (How long it took is not asserted: on a busy machine
    // starting Node alone can take seconds.)
    expect(run.stdout).toBe('');
  }, 30_000);
});
