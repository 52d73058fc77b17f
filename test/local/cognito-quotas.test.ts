import { describe, expect, it } from 'vitest';
import { quotaCategoryOf } from '#local/cognito/operations.ts';
import { cognitoDefaultQuotas, RequestRateLimiter, resolveQuotas } from '#local/cognito/quotas.ts';

function limiterAt(settings = {}) {
  let now = 0;
  const limiter = new RequestRateLimiter(resolveQuotas(settings), () => now);
  return {
    limiter,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('Cognito quota categories', () => {
  it.each([
    ['DescribeIdentityProvider', 'UserPoolResourceRead'],
    ['ListIdentityProviders', 'UserPoolResourceRead'],
    ['CreateIdentityProvider', 'UserPoolResourceUpdate'],
    ['UpdateIdentityProvider', 'UserPoolResourceUpdate'],
    ['DeleteIdentityProvider', 'UserPoolResourceUpdate'],
    ['DescribeUserPoolClient', 'UserPoolClientRead'],
    ['UpdateUserPoolClient', 'UserPoolClientUpdate'],
    ['DescribeUserPool', 'UserPoolRead'],
    ['CreateUserPool', 'UserPoolUpdate'],
  ])('%s counts against %s', (operation, category) => {
    expect(quotaCategoryOf(operation)).toBe(category);
  });

  it('uses the documented defaults', () => {
    expect(cognitoDefaultQuotas.perAccount).toEqual({
      UserPoolRead: 15,
      UserPoolUpdate: 15,
      UserPoolResourceRead: 20,
      UserPoolResourceUpdate: 15,
      UserPoolClientRead: 15,
      UserPoolClientUpdate: 15,
    });
    expect(cognitoDefaultQuotas.perUserPoolPerOperation).toBe(5);
  });
});

describe('RequestRateLimiter', () => {
  it('admits 5 calls of one operation on one pool per second, then refuses', () => {
    const { limiter } = limiterAt();
    const admitted = Array.from(
      { length: 8 },
      () => limiter.admit('DescribeIdentityProvider', 'pool-a').admitted,
    );
    expect(admitted).toEqual([true, true, true, true, true, false, false, false]);
    expect(limiter.admit('DescribeIdentityProvider', 'pool-a')).toEqual({
      admitted: false,
      quota: 'DescribeIdentityProvider per user pool',
    });
  });

  it('slides: a call is admitted again once the oldest admitted one is a full second old', () => {
    const { limiter, advance } = limiterAt();
    for (let i = 0; i < 5; i++) {
      limiter.admit('DescribeIdentityProvider', 'pool-a');
      advance(100);
    }
    advance(499); // t = 999: the first call (t = 0) is still inside the window
    expect(limiter.admit('DescribeIdentityProvider', 'pool-a').admitted).toBe(false);
    advance(1); // t = 1000
    expect(limiter.admit('DescribeIdentityProvider', 'pool-a').admitted).toBe(true);
    expect(limiter.admit('DescribeIdentityProvider', 'pool-a').admitted).toBe(false);
  });

  it('counts pools and operations apart, but the account as a whole', () => {
    const { limiter } = limiterAt();
    for (const pool of ['a', 'b', 'c', 'd']) {
      for (let i = 0; i < 5; i++) expect(limiter.admit('DescribeIdentityProvider', pool).admitted).toBe(true);
    }
    // 20 UserPoolResourceRead calls this second: the account quota is spent, even on a fresh pool
    // or another operation of the category.
    expect(limiter.admit('DescribeIdentityProvider', 'e')).toEqual({
      admitted: false,
      quota: 'UserPoolResourceRead per account',
    });
    expect(limiter.admit('ListIdentityProviders', 'e').admitted).toBe(false);
    // Another category has its own budget.
    expect(limiter.admit('DescribeUserPoolClient', 'a').admitted).toBe(true);
  });

  it('limits categories without a per-pool quota per account only', () => {
    const { limiter } = limiterAt();
    const admitted = Array.from({ length: 16 }, () => limiter.admit('DescribeUserPool', 'pool-a').admitted);
    expect(admitted.filter(Boolean)).toHaveLength(15);
  });

  it('never limits operations outside the categories', () => {
    const { limiter } = limiterAt();
    for (let i = 0; i < 100; i++) expect(limiter.admit('AdminGetUser', 'pool-a').admitted).toBe(true);
  });

  it('takes overrides for single categories', () => {
    const { limiter } = limiterAt({ perAccount: { UserPoolResourceRead: 2 }, perUserPoolPerOperation: 50 });
    expect([1, 2, 3].map(() => limiter.admit('DescribeIdentityProvider', 'pool-a').admitted)).toEqual([
      true,
      true,
      false,
    ]);
    expect(resolveQuotas({ perAccount: { UserPoolResourceRead: 2 } }).perAccount.UserPoolClientRead).toBe(15);
  });
});
