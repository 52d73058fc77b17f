// The allow-list read from a function's environment at cold start: the same breadth rule as the synth
// (without the Public Suffix List, see infra/public-suffix.ts), failing with the variable named.
import { describe, expect, it } from 'vitest';
import { deploymentFromEnv, loadEnv, stepEnv } from '#lib/env.ts';
import { ValidationError } from '#lib/errors.ts';

const environment = (hosts: string) => ({
  SECRET_PREFIX: 'federation',
  REGISTRY_TABLE_NAME: 'federation-registry',
  ALLOWED_AUTHENTIK_HOSTS: hosts,
});

function refusal(call: () => unknown): ValidationError {
  try {
    call();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('ALLOWED_AUTHENTIK_HOSTS', () => {
  it('accepts hosts, wildcards below a domain and host:port', () => {
    const env = loadEnv(stepEnv, environment('auth.example.com, *.idp.example.org,auth.example.com:8443'));
    expect(deploymentFromEnv(env).allowedAuthentikHosts).toEqual([
      'auth.example.com',
      '*.idp.example.org',
      'auth.example.com:8443',
    ]);
  });

  it('refuses a wildcard over a top-level domain or a wildcard DNS service, and IP addresses', () => {
    const error = refusal(() =>
      loadEnv(stepEnv, environment('*.com,*.nip.io,169.254.169.254,auth.example.com')),
    );
    expect(error.fields.ALLOWED_AUTHENTIK_HOSTS).toEqual([
      expect.stringMatching(/^"\*\.com" is too broad/),
      expect.stringMatching(/^"\*\.nip\.io" is too broad/),
      expect.stringMatching(/^"169\.254\.169\.254" is an IP address/),
    ]);
    expect(error.message).toMatch(/^invalid environment: ALLOWED_AUTHENTIK_HOSTS: /);
  });

  it('is checked again when a deployment is built from an environment by hand', () => {
    const error = refusal(() =>
      deploymentFromEnv({
        ALLOWED_AUTHENTIK_HOSTS: ['*.sslip.io'],
        ALLOW_LOOPBACK_HTTP: false,
      }),
    );
    expect(error.fields.ALLOWED_AUTHENTIK_HOSTS).toEqual([
      expect.stringMatching(/^"\*\.sslip\.io" is too broad/),
    ]);
    expect(error.message).toMatch(
      /^invalid environment: ALLOWED_AUTHENTIK_HOSTS: "\*\.sslip\.io" is too broad/,
    );
  });
});
