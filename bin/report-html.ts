// `federation report`'s page: every tenant's registry status and last verification, as one HTML file
// that needs nothing else: the CSS is inline, there is no script and no external asset, and its
// Content-Security-Policy forbids loading any. It can be mailed or archived and opened anywhere.
//
// Every value from the registry (tenant ids, display names, reason codes, messages) is HTML-escaped;
// states pick a CSS class from a fixed list, never from the value. Nothing secret is shown: no
// resource ARNs, no spec, no check's expected or actual values, only states, reasons and sentences
// the verification writes for people.
import type { TenantRecord } from '#lib/registry-records.ts';
import type { StoredVerification } from '#lib/verification/types.ts';

/** What the page reads of a tenant's record. */
export type ReportTenant = Pick<TenantRecord, 'tenantId' | 'status'> &
  Partial<Pick<TenantRecord, 'lastExecution' | 'lastError' | 'lastVerification' | 'updatedAt'>>;

export interface ReportOptions {
  generatedAt: Date;
  /** Where the records came from (the local world, a registry table). */
  source: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text and attribute values alike: the five characters HTML gives a meaning. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** A verification's state as the registry has it: the stored state, or the one its outcome implies. */
export function verificationState(tenant: ReportTenant): string {
  const recorded = tenant.lastVerification as (StoredVerification & { at?: string }) | undefined;
  if (!recorded) return 'never verified';
  if (recorded.state) return recorded.state;
  if (recorded.error) return 'error';
  if (recorded.outcome === 'in-sync') return 'verified';
  if (recorded.outcome === 'drifted') return 'drifted';
  if (recorded.outcome === 'missing') return 'broken';
  return 'error';
}

/** The CSS class of a state or status: from this list only. */
const TONES: Record<string, 'good' | 'warn' | 'bad' | 'quiet'> = {
  verified: 'good',
  active: 'good',
  drifted: 'warn',
  provisioning: 'warn',
  deprovisioning: 'warn',
  broken: 'bad',
  failed: 'bad',
  error: 'bad',
  deprovisioned: 'quiet',
  'never verified': 'quiet',
};

const badge = (value: string) => `<span class="badge ${TONES[value] ?? 'quiet'}">${escapeHtml(value)}</span>`;

function failingChecks(tenant: ReportTenant): string {
  const recorded = tenant.lastVerification as StoredVerification | undefined;
  const failing = (recorded?.checks ?? []).filter((check) => check.status === 'fail');
  const lines = failing.map(
    (check) =>
      `<li><code>${escapeHtml(check.reason ?? 'CHECK_FAILED')}</code> ${escapeHtml(check.id)}: ` +
      `${escapeHtml(check.message)}</li>`,
  );
  if (recorded?.error) {
    lines.push(
      `<li>could not run: ${escapeHtml(recorded.error.name)}: ${escapeHtml(recorded.error.message)}</li>`,
    );
  }
  return lines.length > 0 ? `<ul>${lines.join('')}</ul>` : '';
}

function lastError(tenant: ReportTenant): string {
  const error = tenant.lastError;
  if (!error) return '';
  return (
    `<code>${escapeHtml(error.errorName)}</code> at ${escapeHtml(error.step)}: ${escapeHtml(error.message)}` +
    `<div class="when">${escapeHtml(error.at)}</div>`
  );
}

function row(tenant: ReportTenant): string {
  const state = verificationState(tenant);
  const at = tenant.lastVerification?.at;
  const execution = tenant.lastExecution;
  return [
    '<tr>',
    `<th scope="row">${escapeHtml(tenant.tenantId)}</th>`,
    `<td>${badge(tenant.status)}</td>`,
    `<td>${badge(state)}${at ? `<div class="when">${escapeHtml(at)}</div>` : ''}</td>`,
    `<td>${failingChecks(tenant)}</td>`,
    `<td>${lastError(tenant)}</td>`,
    `<td>${execution ? `${escapeHtml(execution.kind)}<div class="when">${escapeHtml(execution.startedAt)}</div>` : ''}</td>`,
    '</tr>',
  ].join('');
}

/** How many tenants have each value, in the order first seen. */
function tally(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, n]) => `${badge(value)} ${n}`).join(' ');
}

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d232a; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.meta, .when { color: #5b6570; font-size: .85em; }
.summary { margin: 1rem 0; display: grid; gap: .4rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .5rem .6rem; border-bottom: 1px solid #dde2e7; }
thead th { background: #f3f5f7; font-weight: 600; }
tbody th { font-family: ui-monospace, monospace; font-weight: 600; white-space: nowrap; }
.when { white-space: nowrap; }
ul { margin: 0; padding-left: 1.1rem; }
code { font-family: ui-monospace, monospace; font-size: .9em; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: .75rem; font-size: .85em; font-weight: 600; }
.good { background: #d8f3e1; color: #13592c; }
.warn { background: #fff0c7; color: #6b4a00; }
.bad { background: #fbdada; color: #86181d; }
.quiet { background: #e8ebee; color: #434b53; }
.empty { color: #5b6570; font-style: italic; }
`;

/** The whole page. */
export function renderReport(tenants: readonly ReportTenant[], options: ReportOptions): string {
  const sorted = [...tenants].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  const body =
    sorted.length === 0
      ? '<p class="empty">No tenant is registered.</p>'
      : [
          '<div class="summary">',
          `<div>Registry status: ${tally(sorted.map((t) => t.status))}</div>`,
          `<div>Last verification: ${tally(sorted.map(verificationState))}</div>`,
          '</div>',
          '<table><thead><tr>',
          '<th scope="col">Tenant</th><th scope="col">Status</th><th scope="col">Last verification</th>',
          '<th scope="col">Failing checks</th><th scope="col">Last error</th><th scope="col">Last execution</th>',
          '</tr></thead><tbody>',
          ...sorted.map(row),
          '</tbody></table>',
        ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Federation report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Authentik → Cognito federation</h1>
<p class="meta">${sorted.length} tenant${sorted.length === 1 ? '' : 's'} · generated ${escapeHtml(options.generatedAt.toISOString())} from ${escapeHtml(options.source)}</p>
${body}
</body>
</html>
`;
}
