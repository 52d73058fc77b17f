// The plain HTML pages Authentik answers with where a browser, not an API client, is expected:
// "Access denied", "Redirect URI Error", "Client ID Error". The title is what clients can tell apart.
function escapeHtml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function htmlPage(title: string, text: string): string {
  return `<!DOCTYPE html><html><head><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`;
}
