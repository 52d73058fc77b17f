// What a person reads on stdout when a command ends (the progress lines went to stderr); `--json`
// prints the result as one JSON document instead.
import type { summary, verify, verifyAll } from './commands.ts';
import type { Output } from './output.ts';

export function print(out: Output, result: unknown): void {
  if (out.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const r = result as Record<string, unknown>;
  if ('checks' in r && 'state' in r) {
    process.stdout.write(verificationText(r as Awaited<ReturnType<typeof verify>>));
    return;
  }
  if ('summary' in r && 'tenants' in r) {
    process.stdout.write(runText(r as Awaited<ReturnType<typeof verifyAll>>));
    return;
  }
  if ('issuer' in r) {
    const s = r as ReturnType<typeof summary>;
    process.stdout.write(
      [
        '',
        `Issuer                  ${s.issuer}`,
        `Cognito provider name   ${s.identityProviderName}`,
        `User pool / app client  ${s.userPoolId} / ${s.appClientId}`,
        `Redirect URI            ${s.redirectUri}`,
        ...(s.loginUrl ? [`Hosted-UI test URL      ${s.loginUrl}`] : []),
        'Secrets (ARNs; values stay in Secrets Manager):',
        `  Authentik token       ${s.secrets.authentikToken}`,
        `  OIDC client           ${s.secrets.oidcClient}`,
        `  Test user password    ${s.secrets.testUserPassword}`,
        '',
      ].join('\n'),
    );
    return;
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/** What a person reads after `verify <tenant>`: the state, and each failing check's sentence. */
function verificationText(result: Awaited<ReturnType<typeof verify>>): string {
  const was = result.previousState !== result.state ? ` (was ${result.previousState})` : '';
  const lines = [`Tenant ${result.tenantId}: ${result.state}${was}`];
  if (result.error)
    lines.push(`  the verification could not run: ${result.error.name}: ${result.error.message}`);
  for (const check of result.checks.filter((c) => c.status === 'fail')) {
    lines.push(`  ${check.id}: ${check.reason}: ${check.message}`);
  }
  if (result.repairable) lines.push('  Provisioning again can repair this: federation verify --all --repair');
  if (result.loginUrl) lines.push(`Hosted-UI test URL  ${result.loginUrl}`);
  return `\n${lines.join('\n')}\n\n`;
}

/** What a person reads after `verify --all`: the totals, and who needs attention. */
function runText(result: Awaited<ReturnType<typeof verifyAll>>): string {
  const s = result.summary;
  const attention = result.tenants.filter((t) => t.state !== 'verified');
  return [
    '',
    `${s.tenants} tenants: ${s.verified} verified, ${s.drifted} drifted, ${s.broken} broken, ${s.errors} not verifiable` +
      (s.repair ? `; ${s.repaired} of ${s.repairsAttempted} repaired` : ''),
    ...attention.map((t) => {
      const cannot = t.repair ? t.repair.remaining : t.failing.filter((f) => !f.repairable);
      const why = t.repair?.cause ? ` (provisioning failed: ${t.repair.cause})` : '';
      return `  ${t.tenantId}: ${t.state}: ${[...new Set(t.failing.map((f) => f.reason))].join(', ') || t.error?.message || ''}${cannot.length > 0 ? `; not repairable by provisioning: ${[...new Set(cannot.map((f) => f.check))].join(', ')}` : ''}${why}`;
    }),
    `${result.events.length} state-change events`,
    '',
  ].join('\n');
}
