// Local mode validates a spec as written, under a deployment's rules, before it points the spec at
// the world's emulator: every spec a deployment refuses, `federation plan` and `provision` refuse
// locally too, naming the same field (and they fail before a world would start).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateAsWritten } from '../../bin/spec-rules.ts';
import { ValidationError } from '../../functions/lib/errors.ts';
import { type Deployment, parseTenantSpec } from '../../functions/lib/tenant-spec.ts';
import { runCli } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'federation-local-rules-'));
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:federation/acme/authentik-token';
const specWith = (baseUrl: string) => ({
  tenantId: 'acme',
  authentik: { baseUrl, tokenSecretArn: ARN },
  cognito: { callbackUrls: ['https://app.acme.example/cb'] },
});

/** A deployment as the stack configures it: `allowedAuthentikHosts=auth.acme.example`. */
const deployment: Deployment = { allowedAuthentikHosts: ['auth.acme.example'], allowLoopbackHttp: false };
const env = { ALLOWED_AUTHENTIK_HOSTS: 'auth.acme.example' };

const refused = [
  'http://auth.acme.example', // not https
  'https://admin:secret@auth.acme.example', // credentials
  'https://auth.acme.example:8443', // a port the allow-list does not name
  'https://auth.acme.example/application/o/', // not a bare origin
  'https://evil.example', // not on the allow-list
  'https://10.0.0.1', // private
  'https://169.254.169.254', // the metadata service
  'https://[fd00:ec2::254]', // the metadata service over IPv6
  'https://0x7f000001', // loopback spelled otherwise
  'file:///etc/passwd',
];

describe('a spec a deployment refuses', () => {
  it.each(refused)('%s is refused by the deployment and by local mode alike', async (baseUrl) => {
    const spec = specWith(baseUrl);
    let deployed: ValidationError | undefined;
    try {
      parseTenantSpec(spec, deployment);
    } catch (error) {
      deployed = error as ValidationError;
    }
    expect(deployed).toBeInstanceOf(ValidationError);
    expect(Object.keys(deployed?.fields ?? {})).toContain('authentik.baseUrl');

    const path = join(dir, 'spec.json');
    writeFileSync(path, JSON.stringify(spec));
    for (const command of ['plan', 'provision']) {
      const result = await runCli([command, path], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('authentik.baseUrl: ');
      expect(result.stderr).not.toContain('the local emulator');
    }
  });

  it('is refused without ALLOWED_AUTHENTIK_HOSTS too: the spec host stands in for the list, never an address', async () => {
    for (const baseUrl of ['https://10.0.0.1', 'https://8.8.8.8', 'https://auth.acme.example:8443']) {
      expect(() => validateAsWritten(specWith(baseUrl), {})).toThrow(ValidationError);
    }
  });

  it('a deployable spec passes, and is not taken for a local one', () => {
    const written = validateAsWritten(specWith('https://auth.acme.example'), env);
    expect(written).toMatchObject({ local: false, allowList: 'environment' });
    expect(validateAsWritten(specWith('https://auth.acme.example'), {}).allowList).toBe('the spec host');
    // The allow-list is the deployment's: a host it does not name is refused even if the spec's
    // own host would stand in for it.
    expect(() =>
      validateAsWritten(specWith('https://other.acme.example'), {
        ALLOWED_AUTHENTIK_HOSTS: 'auth.acme.example',
      }),
    ).toThrow(ValidationError);
  });

  it('a spec naming a loopback Authentik is a local one, held to the local world rules', () => {
    expect(validateAsWritten(specWith('http://127.0.0.1:9000'), env).local).toBe(true);
    expect(() => validateAsWritten(specWith('http://user:pw@127.0.0.1:9000'), env)).toThrow(ValidationError);
  });
});
