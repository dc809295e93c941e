import {
  decideTag,
  planTagUpdates,
  type RepositoryTagRules,
  tagMutability,
  tagRefusalError,
  wildcardMatches,
} from '@berth/shared/ecr-tag-rules';
import { ConfigurationError } from '@berth/shared/errors';
import { describe, expect, it } from '@jest/globals';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

const wildcard = (...filters: string[]) => filters.map((filter) => ({ filterType: 'WILDCARD', filter }));

describe('wildcardMatches', () => {
  it.each([
    ['dev-*', 'dev-123', true],
    ['dev-*', 'dev-', true],
    ['dev-*', 'xdev-1', false],
    ['*-rc*', 'v1.2.3-rc.1', true],
    ['*-rc*', 'v1.2.3', false],
    ['latest', 'latest', true],
    ['latest', 'latest2', false],
    ['v1.*', 'v1.2.3', true],
    ['v1.*', 'v1x2', false], // `.` is literal
    ['*', 'anything', true],
    ['staging', 'Staging', false], // tags are case-sensitive
  ])('%s vs %s → %s', (filter, tag, expected) => {
    expect(wildcardMatches(filter, tag)).toBe(expected);
  });
});

describe('tagMutability', () => {
  const cases: Array<[string, RepositoryTagRules, string, boolean, RegExp]> = [
    ['default (no setting) is mutable', {}, 'dev', true, /MUTABLE/],
    ['MUTABLE', { imageTagMutability: 'MUTABLE' }, 'prod', true, /MUTABLE/],
    ['IMMUTABLE', { imageTagMutability: 'IMMUTABLE' }, 'prod', false, /IMMUTABLE/],
    [
      'IMMUTABLE ignores filters',
      { imageTagMutability: 'IMMUTABLE', imageTagMutabilityExclusionFilters: wildcard('prod') },
      'prod',
      false,
      /IMMUTABLE/,
    ],
    [
      'IMMUTABLE_WITH_EXCLUSION, matching filter → mutable',
      {
        imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: wildcard('dev', 'staging*'),
      },
      'staging-eu',
      true,
      /staging\*/,
    ],
    [
      'IMMUTABLE_WITH_EXCLUSION, no match → immutable',
      { imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: wildcard('dev') },
      'prod',
      false,
      /no exclusion filter matches/,
    ],
    [
      'MUTABLE_WITH_EXCLUSION, matching filter → immutable',
      { imageTagMutability: 'MUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: wildcard('v*') },
      'v1.2.3',
      false,
      /`v\*` makes it immutable/,
    ],
    [
      'MUTABLE_WITH_EXCLUSION, no match → mutable',
      { imageTagMutability: 'MUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: wildcard('v*') },
      'dev',
      true,
      /no exclusion filter matches/,
    ],
    [
      'unknown filter types never match',
      {
        imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        imageTagMutabilityExclusionFilters: [{ filterType: 'REGEX', filter: 'dev' }],
      },
      'dev',
      false,
      /no exclusion filter/,
    ],
  ];
  it.each(cases)('%s', (_name, rules, tag, mutable, because) => {
    const verdict = tagMutability(rules, tag);
    expect(verdict.mutable).toBe(mutable);
    expect(verdict.because).toMatch(because);
  });
});

describe('decideTag', () => {
  const immutable = { imageTagMutability: 'IMMUTABLE' };
  const mutable = { imageTagMutability: 'MUTABLE' };
  const excluded = {
    imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
    imageTagMutabilityExclusionFilters: wildcard('dev'),
  };
  it.each([
    ['new tag, immutable repo', immutable, 'prod', undefined, A, 'create'],
    ['same digest, immutable repo', immutable, 'prod', A, A, 'keep'],
    ['other digest, immutable repo', immutable, 'prod', A, B, 'refuse'],
    ['other digest, mutable repo', mutable, 'prod', A, B, 'move'],
    ['other digest, excluded tag', excluded, 'dev', A, B, 'move'],
    ['other digest, not excluded', excluded, 'prod', A, B, 'refuse'],
    ['target unknown (before a build), immutable', immutable, 'prod', A, undefined, 'refuse'],
    ['target unknown (before a build), mutable', mutable, 'prod', A, undefined, 'move'],
    ['target unknown, new tag', immutable, 'prod', undefined, undefined, 'create'],
  ] as const)('%s → %s', (_name, rules, tag, current, target, action) => {
    expect(decideTag(rules, tag, current, target).action).toBe(action);
  });
});

describe('planTagUpdates and tagRefusalError', () => {
  it('names every refused tag with both digests and the fixes', () => {
    const decisions = planTagUpdates(
      { imageTagMutability: 'IMMUTABLE' },
      ['sha-abc1234', 'v1.2.3', 'prod'],
      new Map([
        ['v1.2.3', A],
        ['prod', B],
      ]),
      B,
    );
    expect(decisions.map((d) => d.action)).toEqual(['create', 'refuse', 'keep']);
    const error = tagRefusalError('shop', decisions);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error?.message).toContain('`v1.2.3`');
    expect(error?.message).toContain(A);
    expect(error?.message).toContain(B);
    expect(error?.message).toContain('put-image-tag-mutability');
    expect(error?.message).not.toContain('`prod`');
  });

  it('says "a new digest" when the build has not happened yet', () => {
    const decisions = planTagUpdates(
      { imageTagMutability: 'IMMUTABLE' },
      ['v1'],
      new Map([['v1', A]]),
      undefined,
    );
    expect(tagRefusalError('shop', decisions)?.message).toMatch(
      /points at sha256:a+ and cannot be moved to the image this run builds/,
    );
  });

  it('is undefined when nothing is refused', () => {
    expect(tagRefusalError('shop', planTagUpdates({}, ['dev'], new Map([['dev', A]]), B))).toBeUndefined();
  });
});
