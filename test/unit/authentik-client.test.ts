import { describe, expect, it } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { findGroupByName, getGroup } from '#lib/authentik/groups.ts';
import { isAlreadyExists } from '#lib/authentik/http-errors.ts';
import { setUserPassword } from '#lib/authentik/users.ts';
import { AuthentikAuthError, PreconditionError, TransientError, ValidationError } from '#lib/errors.ts';

const TOKEN = 'tok3n-Secret-0123456789abcdef';
const BASE = 'https://auth.example.com';

type Answer = (request: Request) => Response | Promise<Response>;

function clientAnswering(answer: Answer, timeoutMs?: number) {
  const requests: Request[] = [];
  const client = createAuthentikClient({
    baseUrl: BASE,
    token: TOKEN,
    // What is retried, and how often, is asserted here; the backoff between tries is not
    // (authentik-retries.test.ts), so it takes a millisecond instead of the default 200.
    retryBaseMs: 1,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    fetch: async (request) => {
      requests.push(request.clone());
      return answer(request);
    },
  });
  return { client, requests };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const emptyGroupList = {
  pagination: { next: 0, previous: 0, count: 0, current: 1, total_pages: 1, start_index: 0, end_index: 0 },
  results: [],
  autocomplete: {},
};

/** Runs `call` and returns what it threw (or fails when it did not throw). */
async function failureOf(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }
  throw new Error('expected the call to fail');
}

/** An undici-shaped network failure: `TypeError: fetch failed` with the socket error as cause. */
function networkFailure(code: string): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code}`), { code }) });
}

describe('Authentik client transport', () => {
  it('sends the bearer token to /api/v3 and the path with its trailing slash', async () => {
    const { client, requests } = clientAnswering(() => json(200, emptyGroupList));
    await findGroupByName(client, 'cognito-users');
    const request = requests[0];
    expect(request?.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    const url = new URL(request?.url ?? '');
    expect(url.origin + url.pathname).toBe(`${BASE}/api/v3/core/groups/`);
    expect(url.searchParams.get('name')).toBe('cognito-users');
  });

  it.each([
    'https://auth.example.com/',
    'https://auth.example.com/api/v3',
    'https://auth.example.com/api/v3/',
  ])('accepts the origin written as %s', async (baseUrl) => {
    const requests: string[] = [];
    const client = createAuthentikClient({
      baseUrl,
      token: TOKEN,
      fetch: async (request) => {
        requests.push(new URL(request.url).pathname);
        return json(200, emptyGroupList);
      },
    });
    await findGroupByName(client, 'g');
    expect(requests).toEqual(['/api/v3/core/groups/']);
  });

  it('refuses a malformed token without echoing it', () => {
    const bad = 'abc\ndef-secret';
    let thrown: unknown;
    try {
      createAuthentikClient({ baseUrl: BASE, token: bad });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(String((thrown as Error).message)).not.toContain('def-secret');
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createAuthentikClient({ baseUrl: 'ftp://auth.example.com', token: TOKEN })).toThrow(
      ValidationError,
    );
    expect(() => createAuthentikClient({ baseUrl: 'auth.example.com', token: TOKEN })).toThrow(
      ValidationError,
    );
  });
});

describe('Authentik errors', () => {
  it.each([500, 502, 503, 504, 429])(
    '%i is a TransientError naming method, path and status',
    async (status) => {
      const { client } = clientAnswering(() => new Response('<html>oops</html>', { status }));
      const err = await failureOf(findGroupByName(client, 'g'));
      expect(err).toBeInstanceOf(TransientError);
      expect(err.name).toBe('TransientError');
      expect(err.message).toContain('GET /api/v3/core/groups/');
      expect(err.message).toContain(String(status));
      expect(err.message).not.toContain('oops');
    },
  );

  it('403 is an AuthentikAuthError naming the likely causes', async () => {
    const { client } = clientAnswering(() => json(403, { detail: 'Token invalid/expired' }));
    const err = await failureOf(findGroupByName(client, 'g'));
    expect(err).toBeInstanceOf(AuthentikAuthError);
    expect(err.message).toContain('Token invalid/expired');
    expect(err.message).toMatch(/wrong or expired/);
    expect(err.message).toMatch(/rights/);
    expect(err.message).toMatch(/empty lists/);
  });

  it('400 is a ValidationError carrying the DRF field errors, flattened to dotted paths', async () => {
    const { client } = clientAnswering(() =>
      json(400, {
        name: ['This field must be unique.'],
        redirect_uris: [{ url: ['This field may not be blank.'] }],
        non_field_errors: ['Something is off.'],
      }),
    );
    const err = await failureOf(findGroupByName(client, 'g'));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.name).toBe('ValidationError');
    expect((err as ValidationError).fields).toEqual({
      name: ['This field must be unique.'],
      'redirect_uris.0.url': ['This field may not be blank.'],
      non_field_errors: ['Something is off.'],
    });
    expect(err.message).toContain('name: This field must be unique.');
  });

  it('isAlreadyExists keys on status 400 and the field, not on the wording', async () => {
    const { client } = clientAnswering(() =>
      json(400, { username: ['Ein Benutzer mit diesem Namen existiert.'] }),
    );
    const err = await failureOf(findGroupByName(client, 'g'));
    expect(isAlreadyExists(err, 'username')).toBe(true);
    expect(isAlreadyExists(err, 'slug')).toBe(false);
    // A ValidationError raised by our own code (not an Authentik 400) is never "already exists".
    expect(isAlreadyExists(new ValidationError('bad', { username: ['taken'] }), 'username')).toBe(false);
    expect(isAlreadyExists(new Error('x'), 'username')).toBe(false);
  });

  it('a 400 with a bare detail lands in non_field_errors', async () => {
    const { client } = clientAnswering(() => json(400, { detail: 'Invalid page.', code: 'invalid' }));
    const err = (await failureOf(findGroupByName(client, 'g'))) as ValidationError;
    expect(err.fields).toEqual({ non_field_errors: ['Invalid page.'] });
  });

  it('404 on a read by id is an absent result, not an error', async () => {
    const { client } = clientAnswering(() => json(404, { detail: 'No Group matches the given query.' }));
    await expect(getGroup(client, '1c0e1f42-5f61-4f5b-9d0c-6b0d4b1b3a77')).resolves.toBeUndefined();
  });

  it('another status is a plain Error with method, path and status', async () => {
    const { client } = clientAnswering(() => json(405, { detail: 'Method "GET" not allowed.' }));
    const err = await failureOf(findGroupByName(client, 'g'));
    expect(err.constructor).toBe(Error);
    expect(err.message).toBe('Authentik GET /api/v3/core/groups/ failed (405)');
  });

  it('a redirect is not followed and says to check the URL', async () => {
    const { client } = clientAnswering(
      () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example.com/login' } }),
    );
    const err = await failureOf(findGroupByName(client, 'g'));
    expect(err.message).toMatch(/redirected \(302\).*Authentik URL/);
  });

  it('a 200 that is not JSON (a login page in front of Authentik) says to check the URL', async () => {
    const { client } = clientAnswering(
      () => new Response('<html>Sign in</html>', { status: 200, headers: { 'content-type': 'text/html' } }),
    );
    const err = await failureOf(findGroupByName(client, 'g'));
    expect(err.message).toBe(
      'Authentik GET /api/v3/core/groups/ answered text/html, not JSON: check that the Authentik URL is the origin it serves',
    );
  });

  it('a request that outlives the timeout is a TransientError', async () => {
    const { client } = clientAnswering(
      (request) =>
        new Promise<Response>((_, reject) => {
          request.signal.addEventListener('abort', () => reject(request.signal.reason));
        }),
      50,
    );
    const started = Date.now();
    const err = await failureOf(findGroupByName(client, 'g'));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toContain('timed out after 50 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a body that stalls past the timeout is a TransientError too', async () => {
    const { client } = clientAnswering((request) => {
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"pagination":'));
          request.signal.addEventListener('abort', () => controller.error(request.signal.reason));
        },
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
    }, 50);
    expect(await failureOf(findGroupByName(client, 'g'))).toBeInstanceOf(TransientError);
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'UND_ERR_SOCKET', 'EAI_AGAIN'])(
    'a connection failure %s is a TransientError',
    async (code) => {
      const { client } = clientAnswering(() => Promise.reject(networkFailure(code)));
      const err = await failureOf(findGroupByName(client, 'g'));
      expect(err).toBeInstanceOf(TransientError);
      expect(err.message).toContain(code);
    },
  );

  it('a host name that does not resolve is a PreconditionError, not retried', async () => {
    const { client } = clientAnswering(() => Promise.reject(networkFailure('ENOTFOUND')));
    const err = await failureOf(findGroupByName(client, 'g'));
    expect(err).toBeInstanceOf(PreconditionError);
    expect(err.message).toMatch(/check the Authentik URL/);
  });

  it('an unknown network failure (a TLS error, say) is a plain Error', async () => {
    const { client } = clientAnswering(() => Promise.reject(networkFailure('CERT_HAS_EXPIRED')));
    const err = await failureOf(findGroupByName(client, 'g'));
    expect(err).not.toBeInstanceOf(TransientError);
    expect(err.message).toContain('CERT_HAS_EXPIRED');
  });
});

describe('secrets stay out of errors', () => {
  const echoes = (request: Request) => `token ${request.headers.get('authorization')} seen`;

  it.each([400, 401, 403, 404, 429, 500])(
    'the token is not in the %i error, even when Authentik echoes it',
    async (status) => {
      const { client } = clientAnswering((request) =>
        json(status, { detail: echoes(request), name: [echoes(request)] }),
      );
      const err = await failureOf(findGroupByName(client, 'g'));
      expect(err.message).not.toContain(TOKEN);
      expect(JSON.stringify(err)).not.toContain(TOKEN);
      expect(String(err.stack)).not.toContain(TOKEN);
    },
  );

  it('the password sent to set_password is not in a failure message', async () => {
    const password = 'Pw-Very-Secret-42';
    for (const status of [400, 403, 500]) {
      const { client, requests } = clientAnswering(() =>
        json(status, { password: ['This password is too common.'] }),
      );
      const err = await failureOf(setUserPassword(client, 7, password));
      expect(err.message).not.toContain(password);
      expect(JSON.stringify(err)).not.toContain(password);
      expect(await requests[0]?.json()).toEqual({ password });
    }
  });

  it('set_password succeeds on 204', async () => {
    const { client, requests } = clientAnswering(() => new Response(null, { status: 204 }));
    await expect(setUserPassword(client, 7, 'x')).resolves.toBeUndefined();
    expect(requests[0]?.method).toBe('POST');
    expect(new URL(requests[0]?.url ?? '').pathname).toBe('/api/v3/core/users/7/set_password/');
  });
});
