import { ConfigurationError } from '@berth/shared/errors';
import { describe, expect, it } from '@jest/globals';
import {
  computeTags,
  renderTemplate,
  resolveVersion,
  sanitizeBranch,
  type TagContext,
  tagProblem,
} from '../src/tags.js';

const SHA = 'abc1234def5678900000000000000000000000ff';
const base: TagContext = {
  sha: SHA,
  ref: 'refs/heads/main',
  runNumber: '123',
  runAttempt: '2',
  now: new Date(Date.UTC(2024, 0, 15, 14, 30, 59)),
};
const at = (overrides: Partial<TagContext>): TagContext => ({ ...base, ...overrides });
const allow = { allowLatest: false };

describe('every placeholder', () => {
  it.each([
    ['{sha}', base, SHA],
    ['{short_sha}', base, 'abc1234'],
    ['{version}', at({ ref: 'refs/tags/v1.2.3' }), '1.2.3'],
    ['{version}', at({ ref: 'refs/tags/1.2.3' }), '1.2.3'],
    ['{version}', at({ ref: 'refs/tags/v2.0.0-rc.1' }), '2.0.0-rc.1'],
    ['{version}', at({ version: 'v3.4.5' }), '3.4.5'],
    ['{version}', at({ version: '3.4.5', ref: 'refs/tags/v1.0.0' }), '3.4.5'], // the input wins
    ['{branch}', base, 'main'],
    ['{branch}', at({ ref: 'refs/heads/feature/Login#2' }), 'feature-Login-2'],
    ['{branch}', at({ ref: 'refs/pull/7/merge', headRef: 'fix/typo' }), 'fix-typo'],
    ['{run_number}', base, '123'],
    ['{run_attempt}', base, '2'],
    ['{date}', base, '20240115'],
    ['{datetime}', base, '20240115-1430'],
    ['{env}', at({ environment: 'staging' }), 'staging'],
  ])('%s in %j', (template, context, expected) => {
    expect(renderTemplate(template, context)).toBe(expected);
  });
});

describe('the seed conventions', () => {
  it.each([
    ['sha-{short_sha}', base, 'sha-abc1234'],
    ['v{version}', at({ ref: 'refs/tags/v1.2.3' }), 'v1.2.3'],
    ['build-{run_number}', base, 'build-123'],
    ['{env}', at({ environment: 'dev' }), 'dev'],
    ['{env}', at({ environment: 'staging' }), 'staging'],
    ['{env}', at({ environment: 'prod' }), 'prod'],
    ['v{version}-sha-{short_sha}', at({ ref: 'refs/tags/v1.2.3' }), 'v1.2.3-sha-abc1234'],
    ['hotfix-{datetime}', base, 'hotfix-20240115-1430'],
  ])('%s → %s', (template, context, expected) => {
    expect(computeTags([template], context, allow)).toEqual([expected]);
  });

  it('renders several templates in order and drops duplicates', () => {
    expect(
      computeTags(
        ['sha-{short_sha}', 'v{version}', '{env}', 'prod'],
        at({ version: '1.2.3', environment: 'prod' }),
        allow,
      ),
    ).toEqual(['sha-abc1234', 'v1.2.3', 'prod']);
  });

  it('defaults to sha-{short_sha}', () => {
    expect(computeTags([], base, allow)).toEqual(['sha-abc1234']);
  });
});

describe('invalid results name the template, the value and why', () => {
  it.each([
    ['latest', base, /template "latest" renders "latest", which is refused.*allow-latest: true/],
    ['LATEST', base, /renders "LATEST", which is refused/],
    [
      `x${'{sha}'.repeat(4)}`,
      base,
      /renders "xabc.*", which is not a valid tag: it is 161 characters long; a tag has at most 128/,
    ],
    ['-{short_sha}', base, /template "-\{short_sha\}" renders "-abc1234".*starts with `-`/],
    ['.hidden', base, /starts with `\.`/],
    ['{env}', at({ environment: 'my env' }), /renders "my env".*contains ` `/],
    ['v{version}', at({ version: '1.2.3+build.5' }), /renders "v1.2.3\+build.5".*contains `\+`/],
    ['{nope}', base, /unknown placeholder `\{nope\}`.*Known placeholders: \{sha\}/],
    ['x-{short_sha', base, /renders "x-{short_sha".*contains `\{`/],
    [
      'v{version}',
      base,
      /`\{version\}` has no value: the ref `refs\/heads\/main` is not a git tag.*Set `version`/,
    ],
    ['v{version}', at({ ref: 'refs/tags/release-5' }), /git tag `release-5` is not a semantic version/],
    [
      '{branch}',
      at({ ref: 'refs/tags/v1.2.3' }),
      /`\{branch\}` has no value: the ref `refs\/tags\/v1.2.3` is not a branch/,
    ],
    ['{env}', base, /`\{env\}` has no value: the `environment` input is empty/],
    ['{sha}', at({ sha: undefined }), /GITHUB_SHA is not set/],
    ['build-{run_number}', at({ runNumber: undefined }), /GITHUB_RUN_NUMBER is not set/],
    ['', base, /renders "", which is not a valid tag: it is empty/],
  ])('%j', (template, context, message) => {
    let error: unknown;
    try {
      computeTags([template], context, allow);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/^Input `tags`/);
    expect((error as Error).message).toMatch(message);
  });

  it('allows latest with allow-latest', () => {
    expect(computeTags(['latest'], base, { allowLatest: true })).toEqual(['latest']);
  });

  it('refuses a bad version input even when no template uses it', () => {
    expect(() => resolveVersion({ version: '1.2' })).toThrow(
      /Input `version` must be a semantic version.*"1.2"/,
    );
  });
});

describe('tagProblem', () => {
  it.each([
    ['a', undefined],
    ['_x', undefined],
    ['A.b-c_9', undefined],
    ['x'.repeat(128), undefined],
    ['x'.repeat(129), 'it is 129 characters long; a tag has at most 128'],
    ['.a', 'it starts with `.`; a tag must start with a letter, a digit or `_`'],
    ['a/b:c', 'it contains `/`, `:`; a tag may only contain letters, digits, `_`, `.` and `-`'],
  ])('%s', (tag, problem) => {
    expect(tagProblem(tag)).toBe(problem);
  });
});

describe('sanitizeBranch', () => {
  it.each([
    ['main', 'main'],
    ['feature/login', 'feature-login'],
    ['dependabot/npm_and_yarn/@types/node-24.1.0', 'dependabot-npm_and_yarn-types-node-24.1.0'],
    ['-weird--name-', 'weird-name'],
    ['.dot', 'dot'],
    ['ünïcode', 'n-code'],
  ])('%s → %s', (branch, expected) => {
    expect(sanitizeBranch(branch)).toBe(expected);
  });
});
