// Records the Authentik REST responses a test receives and checks each against the response schema
// of its operation in schema.yml (status-specific, strict: no property the schema does not name).
// Any test can wrap its fetch with a recorder and assert `violations()` is empty at the end.
import { API_PREFIX } from '#local/authentik/rest.ts';
import { authentikSchema } from '#local/authentik/schema.ts';

export interface RecordedResponse {
  method: string;
  /** The path under /api/v3, query excluded. */
  path: string;
  status: number;
  /** Parsed JSON, the text of a non-JSON body, or undefined when there was none. */
  body: unknown;
}

/** What is wrong with one response (empty when it matches its operation's schema). */
export function responseViolations(response: RecordedResponse): string[] {
  const schema = authentikSchema();
  const matched = schema.match(response.method, response.path);
  const where = `${response.method} ${response.path} ${response.status}`;
  if (typeof matched === 'string') {
    // No operation: Authentik's router answers 404 (unknown path) or 405 (known path, other method).
    const expected = matched === 'no-path' ? 404 : 405;
    if (response.status !== expected)
      return [`${where}: expected ${expected} for a path with no such operation`];
    const generic = schema.validator('GenericError', { strict: true });
    return generic(response.body) ? [] : [`${where}: not a GenericError body`];
  }
  const check = schema.checkResponse(matched.operation.operationId, response.status, response.body, {
    strict: true,
  });
  return check.ok ? [] : check.errors.map((e) => `${where}: ${e}`);
}

export class ResponseRecorder {
  readonly responses: RecordedResponse[] = [];

  /** A fetch that records every response under /api/v3 (the flow executor's excepted). */
  readonly fetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    const url = new URL(String(input));
    if (
      url.pathname.startsWith(`${API_PREFIX}/`) &&
      !url.pathname.startsWith(`${API_PREFIX}/flows/executor/`)
    ) {
      const text = await response.clone().text();
      const json = (response.headers.get('content-type') ?? '').includes('application/json');
      this.responses.push({
        method: (init?.method ?? 'GET').toUpperCase(),
        path: url.pathname.slice(API_PREFIX.length),
        status: response.status,
        body: text === '' ? undefined : json ? JSON.parse(text) : text,
      });
    }
    return response;
  };

  violations(): string[] {
    return this.responses.flatMap(responseViolations);
  }

  /** `METHOD path-template status` of every recorded response, to see what a suite covered. */
  operations(): Set<string> {
    const schema = authentikSchema();
    return new Set(
      this.responses.map((r) => {
        const matched = schema.match(r.method, r.path);
        return `${typeof matched === 'string' ? `${r.method} (${matched})` : matched.operation.operationId} ${r.status}`;
      }),
    );
  }
}
