// functions/lib/ownership.ts on its own: who owns an object (the marker against the record), when
// deprovisioning may delete it, how each kind of object carries its marker, and the messages an
// operator reads. Strong enough for mutation testing: every branch, bound and message is pinned.
import { describe, expect, it } from 'vitest';
import { ConflictError } from '#lib/errors.ts';
import {
  applicationEvidence,
  attributeEvidence,
  foreignObjectError,
  markedClientId,
  markerOfAttributes,
  markerOfClientId,
  mayDelete,
  OWNER_ATTRIBUTE,
  type Ownership,
  type OwnershipEvidence,
  ownershipOf,
  poolTagProblem,
  providerEvidence,
  recordedAs,
} from '#lib/ownership.ts';
import type { Resources } from '#lib/step.ts';

const HEX = '0123456789abcdef0123456789abcdef';

describe('OWNER_ATTRIBUTE', () => {
  it('is <service>/tenant', () => {
    expect(OWNER_ATTRIBUTE).toBe('authentik-cognito-federation/tenant');
  });
});

describe('ownershipOf and mayDelete: the whole truth table', () => {
  // marker, recordedCreated, recordedAdopted → ownership, may delete
  const table: [string | undefined, boolean, boolean, Ownership, boolean][] = [
    [undefined, false, false, 'foreign', false],
    [undefined, true, false, 'created', false],
    [undefined, false, true, 'adopted', false],
    [undefined, true, true, 'adopted', false],
    ['acme', false, false, 'created', false],
    ['acme', true, false, 'created', true],
    ['acme', false, true, 'adopted', false],
    ['acme', true, true, 'adopted', false],
    ['other', false, false, 'foreign', false],
    ['other', true, false, 'foreign', false],
    ['other', false, true, 'foreign', false],
    ['other', true, true, 'foreign', false],
  ];
  it.each(table)(
    'marker %s, recorded created %s, adopted %s → %s, may delete: %s',
    (marker, recordedCreated, recordedAdopted, ownership, deletable) => {
      const evidence: OwnershipEvidence = { marker, recordedCreated, recordedAdopted };
      expect(ownershipOf('acme', evidence)).toBe(ownership);
      expect(mayDelete('acme', evidence)).toBe(deletable);
    },
  );

  it('compares the marker with the tenant id exactly', () => {
    const near = { recordedCreated: true, recordedAdopted: false };
    for (const marker of ['', 'ACME', 'acme ', 'acm', 'acme2']) {
      expect(ownershipOf('acme', { marker, ...near })).toBe('foreign');
      expect(mayDelete('acme', { marker, ...near })).toBe(false);
    }
  });
});

describe('recordedAs', () => {
  const resources: Resources = {
    groupPk: 'g-1',
    providerPk: 7,
    applicationPk: 'app-1',
    created: ['groupPk'],
    adopted: ['providerPk'],
  };

  it('says created or adopted only for the very id under that key', () => {
    expect(recordedAs(resources, 'groupPk', 'g-1')).toEqual({
      recordedCreated: true,
      recordedAdopted: false,
    });
    expect(recordedAs(resources, 'providerPk', 7)).toEqual({ recordedCreated: false, recordedAdopted: true });
    expect(recordedAs(resources, 'groupPk', 'g-2')).toEqual({
      recordedCreated: false,
      recordedAdopted: false,
    });
    expect(recordedAs(resources, 'providerPk', 8)).toEqual({
      recordedCreated: false,
      recordedAdopted: false,
    });
    // The id's type counts too: 7 is not '7'.
    expect(recordedAs(resources, 'providerPk', '7')).toEqual({
      recordedCreated: false,
      recordedAdopted: false,
    });
  });

  it('needs the key in the list, not just the id in the resources', () => {
    expect(recordedAs(resources, 'applicationPk', 'app-1')).toEqual({
      recordedCreated: false,
      recordedAdopted: false,
    });
  });

  it('reads a record without lists as neither', () => {
    expect(recordedAs({ groupPk: 'g-1' }, 'groupPk', 'g-1')).toEqual({
      recordedCreated: false,
      recordedAdopted: false,
    });
  });

  it('keeps created and adopted apart', () => {
    const both: Resources = { groupPk: 'g-1', created: ['groupPk'], adopted: ['groupPk'] };
    expect(recordedAs(both, 'groupPk', 'g-1')).toEqual({ recordedCreated: true, recordedAdopted: true });
    const adoptedOnly: Resources = { groupPk: 'g-1', adopted: ['groupPk'] };
    expect(recordedAs(adoptedOnly, 'groupPk', 'g-1')).toEqual({
      recordedCreated: false,
      recordedAdopted: true,
    });
  });
});

describe('markerOfAttributes', () => {
  it('reads the tenant from the owner attribute', () => {
    expect(markerOfAttributes({ [OWNER_ATTRIBUTE]: 'acme' })).toBe('acme');
    expect(markerOfAttributes({ other: 1, [OWNER_ATTRIBUTE]: 'globex' })).toBe('globex');
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'acme'],
    ['a number', 42],
    ['an empty object', {}],
    ['another attribute', { tenant: 'acme' }],
    ['a near-miss key', { 'authentik-cognito-federation/Tenant': 'acme' }],
  ])('finds no marker in %s', (_what, attributes) => {
    expect(markerOfAttributes(attributes)).toBeUndefined();
  });

  it('ignores an array or a function even when it carries the key', () => {
    expect(markerOfAttributes(Object.assign([], { [OWNER_ATTRIBUTE]: 'acme' }))).toBeUndefined();
    expect(markerOfAttributes(Object.assign(() => undefined, { [OWNER_ATTRIBUTE]: 'acme' }))).toBeUndefined();
  });

  it.each([
    ['a number', 42],
    ['null', null],
    ['a boolean', true],
    ['an object', { tenant: 'acme' }],
    ['an array', ['acme']],
  ])('ignores a marker that is %s, not a string', (_what, value) => {
    expect(markerOfAttributes({ [OWNER_ATTRIBUTE]: value })).toBeUndefined();
  });

  it('reads own properties only: not through __proto__ or an inherited key', () => {
    const viaJson = JSON.parse(`{"__proto__": {"${OWNER_ATTRIBUTE}": "acme"}}`) as unknown;
    expect(Object.hasOwn(viaJson as object, '__proto__')).toBe(true);
    expect(markerOfAttributes(viaJson)).toBeUndefined();
    expect(markerOfAttributes(Object.create({ [OWNER_ATTRIBUTE]: 'acme' }))).toBeUndefined();
    // An own `__proto__` next to the real marker changes nothing.
    const both = JSON.parse(`{"__proto__": {"x": 1}, "${OWNER_ATTRIBUTE}": "acme"}`) as unknown;
    expect(markerOfAttributes(both)).toBe('acme');
  });

  it('reads a marker on an object without a prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { [OWNER_ATTRIBUTE]: 'acme' });
    expect(markerOfAttributes(bare)).toBe('acme');
  });
});

describe('markedClientId and markerOfClientId', () => {
  it('writes federation.<tenantId>.<random>', () => {
    expect(markedClientId('acme', HEX)).toBe(`federation.acme.${HEX}`);
  });

  it.each(['acme', 'a1b', 'tenant-42', '0-9', 'z'.repeat(32), `a${'-'.repeat(30)}z`])(
    'round-trips the tenant id %s',
    (tenantId) => {
      expect(markerOfClientId(markedClientId(tenantId, HEX))).toBe(tenantId);
    },
  );

  it('accepts every hex digit in the random part', () => {
    expect(markerOfClientId(`federation.acme.${'0123456789abcdef'.repeat(2)}`)).toBe('acme');
    expect(markerOfClientId(`federation.acme.${'f'.repeat(32)}`)).toBe('acme');
    expect(markerOfClientId(`federation.acme.${'9'.repeat(32)}`)).toBe('acme');
  });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['a client id Authentik generated', 'pJ7lM0aRkYQzs9fAw3c1VhXbGe2tLuDn8oKiNyqP'],
    ['no prefix', `acme.${HEX}`],
    ['another prefix', `federatio.acme.${HEX}`],
    ['a capitalised prefix', `Federation.acme.${HEX}`],
    ['something before the prefix', `xfederation.acme.${HEX}`],
    ['something after the random part', `federation.acme.${HEX}x`],
    ['a line break after it', `federation.acme.${HEX}\n`],
    ['no dot after the prefix', `federationXacme.${HEX}`],
    ['no dot before the random part', `federation.acmeX${HEX}`],
    ['31 hex digits', `federation.acme.${HEX.slice(1)}`],
    ['33 hex digits', `federation.acme.${HEX}0`],
    ['upper-case hex', `federation.acme.${HEX.toUpperCase()}`],
    ['a non-hex letter', `federation.acme.${HEX.slice(1)}g`],
    ['a two-character tenant id', `federation.ab.${HEX}`],
    ['a 33-character tenant id', `federation.${'a'.repeat(33)}.${HEX}`],
    ['a tenant id starting with -', `federation.-acme.${HEX}`],
    ['a tenant id ending with -', `federation.acme-.${HEX}`],
    ['an upper-case tenant id', `federation.ACME.${HEX}`],
    ['a dotted tenant id', `federation.ac.me.${HEX}`],
    ['a tenant id with _', `federation.ac_me.${HEX}`],
  ])('finds no marker in %s', (_what, clientId) => {
    expect(markerOfClientId(clientId)).toBeUndefined();
  });
});

describe('the evidence per kind of object', () => {
  const resources: Resources = {
    groupPk: 'g-1',
    testUserPk: 3,
    providerPk: 7,
    applicationPk: 'app-1',
    created: ['groupPk', 'testUserPk', 'providerPk', 'applicationPk'],
    adopted: ['groupPk', 'testUserPk', 'providerPk', 'applicationPk'],
  };

  it('groups: the attribute, and the record of creating or adopting it', () => {
    expect(
      attributeEvidence({ pk: 'g-1', attributes: { [OWNER_ATTRIBUTE]: 'acme' } }, resources, 'groupPk'),
    ).toEqual({ marker: 'acme', recordedCreated: true, recordedAdopted: true });
    expect(attributeEvidence({ pk: 'g-2' }, resources, 'groupPk')).toEqual({
      marker: undefined,
      recordedCreated: false,
      recordedAdopted: false,
    });
  });

  it('users: never adopted, whatever the record says', () => {
    expect(attributeEvidence({ pk: 3, attributes: {} }, resources, 'testUserPk')).toEqual({
      marker: undefined,
      recordedCreated: true,
      recordedAdopted: false,
    });
    expect(
      ownershipOf(
        'acme',
        attributeEvidence({ pk: 3 }, { testUserPk: 3, adopted: ['testUserPk'] }, 'testUserPk'),
      ),
    ).toBe('foreign');
  });

  it('providers: the client id', () => {
    expect(providerEvidence({ pk: 7, client_id: markedClientId('acme', HEX) }, resources)).toEqual({
      marker: 'acme',
      recordedCreated: true,
      recordedAdopted: true,
    });
    expect(providerEvidence({ pk: 8, client_id: 'generated-by-authentik' }, resources)).toEqual({
      marker: undefined,
      recordedCreated: false,
      recordedAdopted: false,
    });
    expect(providerEvidence({ pk: 8 }, {})).toEqual({
      marker: undefined,
      recordedCreated: false,
      recordedAdopted: false,
    });
  });

  it("applications: marked when they serve the tenant's provider", () => {
    expect(applicationEvidence('acme', { pk: 'app-1', provider: 7 }, 7, resources)).toEqual({
      marker: 'acme',
      recordedCreated: true,
      recordedAdopted: true,
    });
    expect(applicationEvidence('acme', { pk: 'app-2', provider: 8 }, 7, resources)).toEqual({
      marker: undefined,
      recordedCreated: false,
      recordedAdopted: false,
    });
    expect(applicationEvidence('acme', { pk: 'app-2', provider: null }, 7, {}).marker).toBeUndefined();
    // Without a provider of ours, nothing serves it, not even an application without a provider.
    expect(applicationEvidence('acme', { pk: 'app-2' }, undefined, {}).marker).toBeUndefined();
    expect(applicationEvidence('acme', { pk: 'app-2', provider: 7 }, undefined, {}).marker).toBeUndefined();
  });
});

describe('foreignObjectError', () => {
  const object = {
    what: 'Authentik group',
    name: 'cognito-users',
    field: 'authentik.group',
    id: 'g-1',
  };

  it('offers adoption for an unmarked object of an adoptable kind', () => {
    const error = foreignObjectError('acme', { ...object, adoptKind: 'group' });
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      'Authentik group "cognito-users" (authentik.group) was not made by this product for this tenant: ' +
        'choose another authentik.group, or have an operator adopt it for this tenant ' +
        '(federation adopt acme group g-1; it is then never deleted)',
    );
  });

  it("never offers adoption of another tenant's object", () => {
    const error = foreignObjectError('acme', { ...object, adoptKind: 'group', marker: 'globex' });
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toBe(
      'Authentik group "cognito-users" (authentik.group) belongs to another tenant: choose another authentik.group',
    );
  });

  it('never offers adoption of a kind an operator cannot adopt', () => {
    const error = foreignObjectError('acme', {
      what: 'Authentik user',
      name: 'akadmin',
      field: 'authentik.testUser.username',
      id: 1,
    });
    expect(error.message).toBe(
      'Authentik user "akadmin" (authentik.testUser.username) was not made by this product for this ' +
        'tenant: choose another authentik.testUser.username',
    );
  });
});

describe('poolTagProblem', () => {
  const untagged =
    'user pool eu-west-1_Pool1 is not tagged for this tenant: an operator who brings a pool tags it ' +
    'tenant=acme (aws cognito-idp tag-resource) before provisioning';

  it('accepts a pool tagged for the tenant', () => {
    expect(poolTagProblem('acme', 'eu-west-1_Pool1', { tenant: 'acme' })).toBeUndefined();
    expect(poolTagProblem('acme', 'eu-west-1_Pool1', { tenant: 'acme', 'managed-by': 'x' })).toBeUndefined();
  });

  it('refuses a pool without tags or without the tenant tag, saying how to tag it', () => {
    expect(poolTagProblem('acme', 'eu-west-1_Pool1', undefined)).toBe(untagged);
    expect(poolTagProblem('acme', 'eu-west-1_Pool1', {})).toBe(untagged);
    expect(poolTagProblem('acme', 'eu-west-1_Pool1', { Tenant: 'acme', owner: 'acme' })).toBe(untagged);
  });

  it('reads own tags only', () => {
    const inherited = Object.create({ tenant: 'acme' }) as Record<string, string>;
    expect(poolTagProblem('acme', 'eu-west-1_Pool1', inherited)).toBe(untagged);
  });

  it('refuses a pool tagged for another tenant, without offering to retag it', () => {
    for (const tenant of ['globex', '', 'ACME']) {
      expect(poolTagProblem('acme', 'eu-west-1_Pool1', { tenant })).toBe(
        'user pool eu-west-1_Pool1 is tagged for another tenant and cannot serve this one',
      );
    }
  });
});
