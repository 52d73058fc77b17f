// The page `/if/flow/<slug>/` answers a browser with. Authentik's own is its web UI: the
// `<ak-flow-executor>` element, which fetches the flow executor API with the page's query string
// and renders each challenge. This stand-in is a minimal form doing the same over the same API, so
// a person (or a test's browser) can sign in: identification, password and consent stages, the
// access-denied stage, and `xak-flow-redirect` followed. It does not imitate Authentik's look. Like
// Authentik's web client it sends the `authentik_csrf` cookie back as the `X-authentik-CSRF` header
// (goauthentik/authentik web/src/common/api/middleware.ts, CSRFMiddleware).
import type { FlowSummary } from './backend.ts';

const SCRIPT = `
const slug = document.querySelector('ak-flow-executor').getAttribute('flowSlug');
const api = '/api/v3/flows/executor/' + encodeURIComponent(slug) + '/?query=' + encodeURIComponent(location.search.slice(1));
const main = document.querySelector('main');
const csrf = () => (document.cookie.match(/(?:^|; )authentik_csrf=([^;]*)/) || [])[1];
const headers = () => Object.assign({ accept: 'application/json', 'content-type': 'application/json' }, csrf() ? { 'X-authentik-CSRF': decodeURIComponent(csrf()) } : {});
function el(tag, attrs, text) { const e = document.createElement(tag); Object.assign(e, attrs || {}); if (text) e.textContent = text; return e; }
async function call(body) {
  const response = await fetch(api, { method: body ? 'POST' : 'GET', credentials: 'include', headers: headers(), body: body ? JSON.stringify(body) : undefined });
  render(await response.json());
}
function form(challenge, fields, button, extra) {
  // The stage's component on the form, so a reader (or a test) can tell the password stage's
  // "Continue" from the consent stage's while one replaces the other.
  const f = el('form');
  f.setAttribute('data-component', challenge.component);
  for (const [name, label, type] of fields) {
    const input = el('input', { name, type, id: name, required: true, autocomplete: type === 'password' ? 'current-password' : 'username' });
    f.append(el('label', { htmlFor: name }, label), input);
  }
  f.append(el('button', { type: 'submit' }, button));
  f.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = Object.assign({ component: challenge.component }, extra || {});
    for (const [name] of fields) body[name] = f.elements[name].value;
    call(body);
  });
  return f;
}
function render(challenge) {
  main.replaceChildren(el('h1', {}, (challenge.flow_info && challenge.flow_info.title) || document.title));
  const errors = challenge.response_errors || {};
  for (const list of Object.values(errors)) for (const e of list) main.append(el('p', { className: 'error', role: 'alert' }, e.string));
  switch (challenge.component) {
    case 'ak-stage-identification':
      main.append(form(challenge, [['uid_field', 'Username or email', 'text']], 'Log in'));
      break;
    case 'ak-stage-password':
      main.append(el('p', {}, challenge.pending_user || ''), form(challenge, [['password', 'Password', 'password']], 'Continue'));
      break;
    case 'ak-stage-consent':
      main.append(el('p', {}, challenge.header_text || ''));
      for (const p of challenge.permissions || []) main.append(el('p', { className: 'permission' }, p.name || p.id));
      main.append(form(challenge, [], 'Continue', { token: challenge.token }));
      break;
    case 'xak-flow-redirect':
      main.append(el('p', {}, 'Redirecting…'));
      location.assign(challenge.to);
      break;
    case 'ak-stage-access-denied':
      main.append(el('p', { className: 'error', role: 'alert' }, challenge.error_message || 'Access denied'));
      break;
    default:
      main.append(el('p', { className: 'error', role: 'alert' }, 'This stage (' + challenge.component + ') is not shown by the emulator'));
  }
}
call().catch((error) => main.replaceChildren(el('p', { className: 'error', role: 'alert' }, String(error))));
`;

export function flowPage(flow: Pick<FlowSummary, 'slug' | 'title'>): string {
  const title = flow.title.replace(/[<>&"]/g, '');
  const slug = flow.slug.replace(/[<>&"]/g, '');
  return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${title}</title></head><body><ak-flow-executor flowSlug="${slug}"></ak-flow-executor><main><noscript>This page needs JavaScript, as Authentik's does.</noscript></main><script>${SCRIPT}</script></body></html>`;
}
