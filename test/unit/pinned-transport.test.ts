// The pinned transport's checks without a socket: every resolved address classified, the lookup's
// answers as net.connect asks for them, literal hosts refused before anything is sent, and refusals
// kept as they are (not retried) by the Authentik client and the verification's HTTP.
import type { LookupAddress } from 'node:dns';
import { describe, expect, it, vi } from 'vitest';
import { createAuthentikClient } from '#lib/authentik/client.ts';
import { findGroupByName } from '#lib/authentik/groups.ts';
import {
  AddressRefusedError,
  authentikFetch,
  checkedAddresses,
  pinnedFetch,
  pinnedLookup,
  type Resolver,
} from '#lib/authentik/pinned-transport.ts';
import { type Deployment, localDeployment } from '#lib/authentik-address.ts';
import { PreconditionError } from '#lib/errors.ts';
import { requestAuthentik } from '#lib/verification/authentik-http.ts';

const aws: Deployment = { allowedAuthentikHosts: ['auth.example.com'], allowLoopbackHttp: false };
const v4 = (address: string) => ({ address, family: 4 });
const v6 = (address: string) => ({ address, family: 6 });

function thrown(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('nothing was thrown');
}

describe('checkedAddresses', () => {
  it('refuses a name resolving to the metadata service, naming host, address and class', () => {
    const error = thrown(() => checkedAddresses('auth.example.com', [v4('169.254.169.254')], aws));
    expect(error).toBeInstanceOf(AddressRefusedError);
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.name).toBe('PreconditionError');
    expect(error.message).toBe(
      'the Authentik host auth.example.com resolves to 169.254.169.254, a link-local address ' +
        '(the instance metadata service lives there): this deployment refuses it (SSRF boundary)',
    );
  });

  it('refuses a mix of public and private addresses, whichever comes first', () => {
    for (const answer of [
      [v4('93.184.216.34'), v4('10.0.0.7')],
      [v4('10.0.0.7'), v4('93.184.216.34')],
      [v6('2606:4700::1'), v6('fd00:ec2::254')],
    ]) {
      const error = thrown(() => checkedAddresses('auth.example.com', answer, aws));
      expect(error).toBeInstanceOf(AddressRefusedError);
      expect(error.message).toMatch(
        /^the Authentik host auth\.example\.com resolves to (10\.0\.0\.7|fd00:ec2::254)/,
      );
    }
  });

  it('answers with every checked address, in the resolver order', () => {
    const answer = [v6('2606:4700::1'), v4('93.184.216.34')];
    expect(checkedAddresses('auth.example.com', answer, aws)).toEqual(answer);
    expect(thrown(() => checkedAddresses('auth.example.com', [v4('10.0.0.7')], aws)).message).toMatch(
      /10\.0\.0\.7, a private address/,
    );
  });

  it('keeps only the family the socket asks for, and says ENOTFOUND when none is left', () => {
    const answer = [v6('2606:4700::1'), v4('93.184.216.34')];
    expect(checkedAddresses('auth.example.com', answer, aws, 4)).toEqual([v4('93.184.216.34')]);
    expect(checkedAddresses('auth.example.com', answer, aws, 6)).toEqual([v6('2606:4700::1')]);
    const none = thrown(() => checkedAddresses('auth.example.com', [v4('93.184.216.34')], aws, 6));
    expect(none).not.toBeInstanceOf(AddressRefusedError);
    expect(none).toMatchObject({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND auth.example.com' });
    expect(thrown(() => checkedAddresses('auth.example.com', [], aws))).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('checks the refused addresses even of a family the socket does not ask for', () => {
    const answer = [v4('93.184.216.34'), v6('fe80::1')];
    expect(thrown(() => checkedAddresses('auth.example.com', answer, aws, 4))).toBeInstanceOf(
      AddressRefusedError,
    );
  });
});

type LookupAnswer = {
  error: NodeJS.ErrnoException | null;
  address: string | LookupAddress[];
  family?: number;
};

function lookupOnce(resolve: Resolver, options: { all?: boolean; family?: number | string }) {
  const lookup = pinnedLookup(aws, resolve);
  return new Promise<LookupAnswer>((done) => {
    lookup('auth.example.com', options as Parameters<typeof lookup>[1], (error, address, family) =>
      done({ error, address, family }),
    );
  });
}

describe('pinnedLookup', () => {
  it('resolves once, with the host asked, and answers as net.connect asks (all or one)', async () => {
    const resolve = vi.fn<Resolver>(async () => [v4('93.184.216.34'), v6('2606:4700::1')]);
    expect(await lookupOnce(resolve, { all: true })).toEqual({
      error: null,
      address: [v4('93.184.216.34'), v6('2606:4700::1')],
      family: undefined,
    });
    expect(await lookupOnce(resolve, {})).toEqual({ error: null, address: '93.184.216.34', family: 4 });
    expect(await lookupOnce(resolve, { family: 'IPv6' })).toEqual({
      error: null,
      address: '2606:4700::1',
      family: 6,
    });
    expect(await lookupOnce(resolve, { family: 6, all: true })).toEqual({
      error: null,
      address: [v6('2606:4700::1')],
      family: undefined,
    });
    expect(await lookupOnce(resolve, { family: 'IPv4', all: true })).toMatchObject({
      address: [v4('93.184.216.34')],
    });
    expect(resolve).toHaveBeenCalledTimes(5);
    expect(resolve.mock.calls.every(([host]) => host === 'auth.example.com')).toBe(true);
  });

  it('hands the socket the refusal, never an address', async () => {
    const answer = await lookupOnce(async () => [v4('169.254.169.254')], { all: true });
    expect(answer.error).toBeInstanceOf(AddressRefusedError);
    expect(answer.address).toBe('');
  });

  it('hands the socket the resolver failure', async () => {
    const failure = Object.assign(new Error('getaddrinfo EAI_AGAIN auth.example.com'), { code: 'EAI_AGAIN' });
    const answer = await lookupOnce(async () => Promise.reject(failure), {});
    expect(answer.error).toBe(failure);
  });
});

describe('pinnedFetch', () => {
  it('refuses a literal address before sending anything', async () => {
    const resolve = vi.fn<Resolver>(async () => []);
    const pinned = pinnedFetch(aws, { resolve });
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'https://[::1]/',
      'https://10.0.0.1:8443/',
    ]) {
      await expect(pinned(url)).rejects.toBeInstanceOf(AddressRefusedError);
    }
    await expect(pinned(new Request('https://[fd00:ec2::254]/'))).rejects.toThrow(
      /the Authentik host fd00:ec2::254 is an instance metadata address/,
    );
    await expect(pinned(new URL('http://127.0.0.1:9/'))).rejects.toThrow(
      /127\.0\.0\.1 is a loopback address/,
    );
    expect(resolve).not.toHaveBeenCalled();
  });

  it('refuses a name that resolves to a refused address, unwrapped from fetch', async () => {
    const pinned = pinnedFetch(aws, { resolve: async () => [v4('169.254.169.254')] });
    const error = await pinned('https://auth.example.com/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AddressRefusedError);
    expect((error as Error).message).toMatch(/auth\.example\.com resolves to 169\.254\.169\.254/);
  });

  it('shares one transport per deployment', () => {
    expect(authentikFetch(aws)).toBe(authentikFetch(aws));
    expect(authentikFetch(localDeployment)).not.toBe(authentikFetch(aws));
    expect(authentikFetch()).toBe(authentikFetch());
  });
});

describe('a refusal is not retried nor reworded by its callers', () => {
  const refusal = () =>
    new AddressRefusedError('the Authentik host auth.example.com resolves to 10.0.0.7, a private address');

  it('the Authentik client', async () => {
    const fetch = vi.fn(async () => Promise.reject(refusal()));
    const client = createAuthentikClient({ baseUrl: 'https://auth.example.com', token: 'tok3n-0123', fetch });
    const error = await findGroupByName(client, 'cognito-users').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AddressRefusedError);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("the verification's HTTP", async () => {
    const fetch = vi.fn(async () => Promise.reject(refusal()));
    await expect(
      requestAuthentik('https://auth.example.com/x', 'https://auth.example.com', {}, { fetch }),
    ).rejects.toBeInstanceOf(AddressRefusedError);
  });
});
