// The report page: every registry value escaped wherever it lands, states shown by a class from a
// fixed list, nothing secret, nothing external, and the command registered and called as documented.
import { describe, expect, it } from 'vitest';
import type { TenantRecord } from '#lib/registry-records.ts';
import { commands } from '../../bin/cli-commands.ts';
import { UsageError } from '../../bin/output.ts';
import { reportCommand } from '../../bin/report.ts';
import { escapeHtml, type ReportTenant, renderReport, verificationState } from '../../bin/report-html.ts';

const HOSTILE = `<script>alert("x")</script><img src=x onerror='alert(1)'> & more`;
const options = { generatedAt: new Date('2026-12-01T10:00:00.000Z'), source: 'the local world' };

const broken: ReportTenant = {
  tenantId: 'globex',
  status: 'active',
  lastVerification: {
    at: '2026-12-01T09:00:00.000Z',
    outcome: 'drifted',
    state: 'broken',
    checks: [
      { id: 'issuer', status: 'fail', reason: 'ISSUER_MISMATCH', message: HOSTILE },
      { id: 'discovery', status: 'pass', message: 'discovery answered' },
    ],
  } as TenantRecord['lastVerification'],
};

describe('escapeHtml', () => {
  it('escapes the five characters HTML gives a meaning, and nothing else', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(escapeHtml('acme-1 é → ok')).toBe('acme-1 é → ok');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });
});

describe('renderReport', () => {
  it('escapes every registry value: tenant ids, reasons, messages, errors, states', () => {
    const html = renderReport(
      [
        broken,
        {
          tenantId: `<b id="t">`,
          status: 'failed',
          lastError: { step: `ensure-<i>group`, errorName: `Conflict"Error`, message: HOSTILE, at: 'now' },
        },
        // A state no code writes (a hand-edited record): escaped, and its class from the fixed list.
        {
          tenantId: 'odd',
          status: 'active',
          lastVerification: { at: 'then', outcome: 'in-sync', state: `x" onmouseover="y` } as never,
        },
      ],
      options,
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b id=');
    expect(html).not.toContain('<i>');
    expect(html).not.toContain('onmouseover="y');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;b id=&quot;t&quot;&gt;');
    expect(html).toContain('ensure-&lt;i&gt;group');
    expect(html).toContain('Conflict&quot;Error');
    expect(html).toContain('<span class="badge quiet">x&quot; onmouseover=&quot;y</span>');
    expect(html).toContain('<code>ISSUER_MISMATCH</code> issuer:');
    // Only the failing check is listed.
    expect(html).not.toContain('discovery answered');
  });

  it('names each tenant with its status and its verification state', () => {
    const html = renderReport(
      [
        { tenantId: 'acme', status: 'active', lastVerification: { at: 'a', outcome: 'in-sync' } },
        broken,
        { tenantId: 'initech', status: 'provisioning' },
      ],
      options,
    );
    expect(html).toContain('3 tenants');
    const row = (id: string) => html.split('<tr>').find((r) => r.includes(`<th scope="row">${id}</th>`));
    expect(row('acme')).toContain('<span class="badge good">verified</span>');
    expect(row('globex')).toContain('<span class="badge bad">broken</span>');
    expect(row('initech')).toContain('<span class="badge quiet">never verified</span>');
    expect(row('initech')).toContain('<span class="badge warn">provisioning</span>');
  });

  it('shows no secret ARN, no spec and no check’s expected or actual value', () => {
    const record = {
      ...broken,
      spec: {
        authentik: { tokenSecretArn: 'arn:aws:secretsmanager:x:secret:federation/globex/authentik-token' },
      },
      resources: { oidcClientSecretArn: 'arn:aws:secretsmanager:x:secret:federation/globex/oidc-client' },
      lastVerification: {
        ...broken.lastVerification,
        checks: [
          {
            id: 'client-secret',
            status: 'fail',
            reason: 'SECRET_MISMATCH',
            message: 'the stored client secret differs from Authentik’s',
            expected: 'digest-of-the-stored-secret',
            actual: 'digest-of-authentiks-secret',
          },
        ],
      },
    } as unknown as ReportTenant;
    const html = renderReport([record], options);
    expect(html).toContain('SECRET_MISMATCH');
    for (const hidden of [
      'arn:aws:secretsmanager',
      'digest-of-the-stored-secret',
      'digest-of-authentiks-secret',
    ]) {
      expect(html).not.toContain(hidden);
    }
  });

  it('is self-contained: inline CSS, no script, no external asset, and a policy that loads none', () => {
    const html = renderReport([{ tenantId: 'acme', status: 'active' }], options);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|url\(/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('says so when no tenant is registered', () => {
    expect(renderReport([], options)).toContain('No tenant is registered.');
  });
});

describe('verificationState', () => {
  it('reads the stored state, else the outcome, else never verified', () => {
    expect(verificationState({ tenantId: 'a', status: 'active' })).toBe('never verified');
    expect(verificationState(broken)).toBe('broken');
    expect(
      verificationState({
        tenantId: 'a',
        status: 'active',
        lastVerification: { at: 'x', outcome: 'missing' },
      }),
    ).toBe('broken');
  });
});

describe('federation report', () => {
  const context = (args: string[], env: NodeJS.ProcessEnv = {}) => ({
    args,
    options: { json: false, all: false, repair: false },
    out: { json: false, line: () => undefined },
    env,
  });

  it('is a command of federation, taking at most a file name', () => {
    expect(commands.report).toBe(reportCommand);
    expect(() => reportCommand.check(context(['a.html', 'b.html']))).toThrow(UsageError);
    expect(() => reportCommand.check(context(['a.html']))).not.toThrow();
  });

  it('refuses the tenant API, which lists no verifications, unless a registry table is named', () => {
    expect(() => reportCommand.check(context([], { FEDERATION_API: 'http://127.0.0.1:1' }))).toThrow(
      /FEDERATION_REGISTRY_TABLE/,
    );
    expect(() =>
      reportCommand.check(context([], { FEDERATION_API: 'http://x', FEDERATION_REGISTRY_TABLE: 't' })),
    ).not.toThrow();
  });
});
