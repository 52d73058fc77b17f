// The two HTML pages Authentik answers a browser with when an authorization cannot go on, reduced
// to what tells them apart (the <title>, the card's <h1>, the text); both extend
// login/base_full.html, whose card title is an <h1> (authentik/core/templates/login/base_full.html).
// - A policy denial is policies/denied.html, rendered by AccessDeniedResponse with HTTP 200
//   (authentik/policies/denied.py): title "Permission denied - <brand title>", <h1> "Permission
//   denied", "Request has been denied." and the error message when there is one. The policy
//   messages are shown to superusers and debug users only, so never here.
// - A bad request (ClientIdError, RedirectUriError) is if/error.html through bad_request_message,
//   HTTP 400 (authentik/common/views.py, authentik/core/templates/if/error.html): the title is only
//   the brand title, the <h1> is the error ("Client ID Error", "Redirect URI Error",
//   authentik/common/oauth/errors.py), the text its description.

/** The default brand's branding_title (authentik/brands/models.py). */
export const BRAND_TITLE = 'authentik';

function escapeHtml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, heading: string, body: string): string {
  return `<!DOCTYPE html><html><head><title>${escapeHtml(title)}</title></head><body><main class="pf-c-login__main"><header class="pf-c-login__main-header"><h1 class="pf-c-title pf-m-3xl">${escapeHtml(heading)}</h1></header><div class="pf-c-login__main-body">${body}</div></main></body></html>`;
}

/** policies/denied.html (served with HTTP 200). */
export function deniedPage(error?: string): string {
  const detail = error ? `<hr><p>${escapeHtml(error)}</p>` : '';
  return page(
    `Permission denied - ${BRAND_TITLE}`,
    'Permission denied',
    `<form method="POST" class="pf-c-form"><div class="pf-c-form__group"><p>Request has been denied.</p>${detail}</div></form>`,
  );
}

/** if/error.html (served with HTTP 400). */
export function errorPage(title: string, message: string): string {
  return page(
    BRAND_TITLE,
    title,
    `<div class="pf-c-form"><p>${escapeHtml(message)}</p><a id="ak-back-home" href="/">Go home</a></div>`,
  );
}
