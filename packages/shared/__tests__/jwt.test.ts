import { claimText, decodeJwtPayload } from '@berth/shared/jwt';
import { githubClaims, unsignedJwt } from '@berth/testkit/jwt.js';
import { describe, expect, it } from '@jest/globals';

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('decodeJwtPayload', () => {
  it('returns the claims of a GitHub ID token', () => {
    const claims = githubClaims({ sub: 'repo:acme/shop:environment:prod' });
    expect(decodeJwtPayload(unsignedJwt(claims))).toEqual(claims);
  });

  it('decodes base64url (with - and _) and tolerates padding and surrounding space', () => {
    const claims = { sub: '???>>>~~~', aud: ['a', 'b'] };
    const payload = b64(claims);
    expect(payload).toMatch(/[-_]/);
    expect(decodeJwtPayload(` h.${payload}==.sig `)).toEqual(claims);
  });

  it('reads non-ASCII claims as UTF-8', () => {
    expect(decodeJwtPayload(`h.${b64({ actor: 'zoë' })}.s`)).toEqual({ actor: 'zoë' });
  });

  it.each([
    ['an empty string', ''],
    ['two parts', `h.${b64({ sub: 'x' })}`],
    ['four parts', `h.${b64({ sub: 'x' })}.s.x`],
    ['an empty payload', 'h..s'],
    ['a payload that is not base64url', 'h.not base64!.s'],
    ['a payload that is not JSON', `h.${b64('not json')}.s`],
    ['a JSON array', `h.${b64([1, 2])}.s`],
    ['JSON null', `h.${b64('null')}.s`],
    ['a JSON string', `h.${b64('"sub"')}.s`],
  ])('returns undefined for %s', (_what, token) => {
    expect(decodeJwtPayload(token)).toBeUndefined();
  });
});

describe('claimText', () => {
  const claims = {
    sub: 'repo:acme/shop:ref:refs/heads/main',
    aud: ['sts.amazonaws.com', 'other'],
    exp: 1700000300,
    empty: null,
  };
  it.each([
    ['sub', 'repo:acme/shop:ref:refs/heads/main'],
    ['aud', 'sts.amazonaws.com, other'],
    ['exp', '1700000300'],
    ['empty', undefined],
    ['repository', undefined],
  ])('%s is %j', (name, expected) => {
    expect(claimText(claims, name)).toBe(expected);
  });

  it('is undefined without claims', () => {
    expect(claimText(undefined, 'sub')).toBeUndefined();
  });
});
