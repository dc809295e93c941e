/**
 * metadata-action's tag rules. Every expected value below is copied from
 * docker/metadata-action's README (https://github.com/docker/metadata-action,
 * sections "Basic", "Semver", type=semver, type=ref, type=sha, type=edge,
 * flavor input, Latest tag, priority attribute, Global expressions), not
 * from this code.
 */
import { ConfigurationError } from '@berth/shared/errors';
import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_FLAVOR,
  type MetadataContext,
  metadataTags,
  parseFlavor,
  parseTagRule,
  splitCsv,
} from '../src/metadata-tags.js';
import { planTags, type TagContext } from '../src/tags.js';

const SHA = '860c1904a1ce19322e91ac35af1ab07466440c37';
const now = new Date(Date.UTC(2020, 0, 10, 0, 30, 0));
const on = (ref: string, extra: Partial<MetadataContext> = {}): MetadataContext => ({
  ref,
  sha: SHA,
  eventName: ref.startsWith('refs/pull/') ? 'pull_request' : 'push',
  defaultBranch: 'master',
  now,
  ...extra,
});
const tagsFor = (rules: string[], context: MetadataContext, flavor: string[] = []) =>
  metadataTags(rules, parseFlavor(flavor), context).tags;

// README "Basic": the default-like rule set, per event.
const BASIC = ['type=ref,event=branch', 'type=ref,event=tag', 'type=ref,event=pr'];
// README "Semver" usage example.
const SEMVER = [
  'type=ref,event=branch',
  'type=ref,event=pr',
  'type=semver,pattern={{version}}',
  'type=semver,pattern={{major}}.{{minor}}',
];

describe('README "Basic" table', () => {
  it.each([
    ['refs/pull/2/merge', ['pr-2']],
    ['refs/heads/master', ['master']],
    ['refs/heads/releases/v1', ['releases-v1']],
    ['refs/tags/v1.2.3', ['v1.2.3', 'latest']],
    ['refs/tags/v2.0.8-beta.67', ['v2.0.8-beta.67', 'latest']],
  ])('%s → %j', (ref, expected) => {
    expect(tagsFor(BASIC, on(ref))).toEqual(expected);
  });
});

describe('README "Semver" table', () => {
  it.each([
    ['refs/pull/2/merge', ['pr-2']],
    ['refs/heads/master', ['master']],
    ['refs/heads/releases/v1', ['releases-v1']],
    ['refs/tags/v1.2.3', ['1.2.3', '1.2', 'latest']],
    ['refs/tags/v2.0.8-beta.67', ['2.0.8-beta.67']],
  ])('%s → %j', (ref, expected) => {
    expect(tagsFor(SEMVER, on(ref))).toEqual(expected);
  });
});

describe('type=semver patterns (README table)', () => {
  it.each([
    ['v1.2.3', '{{raw}}', 'v1.2.3'],
    ['v1.2.3', '{{version}}', '1.2.3'],
    ['v1.2.3', '{{major}}.{{minor}}', '1.2'],
    ['v1.2.3', 'v{{major}}', 'v1'],
    ['v1.2.3', '{{minor}}', '2'],
    ['v1.2.3', '{{patch}}', '3'],
    ['v2.0.8-beta.67', '{{raw}}', 'v2.0.8-beta.67'],
    ['v2.0.8-beta.67', '{{version}}', '2.0.8-beta.67'],
    // "Pre-release (rc, beta, alpha) will only extend {{version}}": no major/minor tags for them.
    ['v2.0.8-beta.67', '{{major}}', '2.0.8-beta.67'],
    ['v2.0.8-beta.67', '{{major}}.{{minor}}', '2.0.8-beta.67'],
  ])('%s with %s → %s', (tag, pattern, expected) => {
    const result = metadataTags([`type=semver,pattern=${pattern}`], DEFAULT_FLAVOR, on(`refs/tags/${tag}`));
    expect(result.version).toBe(expected);
  });

  it('match= picks the version out of a prefixed value (p1/v1.2.3 with v(\\d.\\d.\\d)$ → 1.2.3)', () => {
    expect(
      tagsFor(
        ['type=semver,pattern={{version}},value=p1/v1.2.3,match=v(\\d.\\d.\\d)$'],
        on('refs/heads/master'),
      ),
    ).toEqual(['1.2.3', 'latest']);
  });

  it('a branch push gives no semver tag, and a non-semver git tag neither', () => {
    expect(tagsFor(['type=semver,pattern={{version}}'], on('refs/heads/master'))).toEqual([]);
    expect(tagsFor(['type=semver,pattern={{version}}'], on('refs/tags/release-7'))).toEqual([]);
  });
});

describe('type=ref, type=sha, type=raw, type=edge, type=schedule', () => {
  it.each([
    [['type=ref,event=branch'], 'refs/heads/my/branch', ['my-branch']],
    [['type=ref,event=tag'], 'refs/tags/v1.2.3', ['v1.2.3', 'latest']],
    [['type=ref,event=pr'], 'refs/pull/318/merge', ['pr-318']],
    // type=sha: "Output Git short commit (or long if specified) as Docker tag like sha-860c190".
    [['type=sha'], 'refs/heads/master', ['sha-860c190']],
    [['type=sha,format=long'], 'refs/heads/master', [`sha-${SHA}`]],
    [['type=sha,prefix='], 'refs/heads/master', ['860c190']],
    [['type=raw,value=foo', 'bar'], 'refs/heads/master', ['foo', 'bar']],
    // type=edge: `edge` for the default branch only.
    [['type=edge'], 'refs/heads/master', ['edge']],
    [['type=edge'], 'refs/heads/dev', []],
    [['type=edge,branch=dev'], 'refs/heads/dev', ['edge']],
    // type=schedule gives its pattern (default `nightly`) on schedule events only.
    [['type=schedule'], 'refs/heads/master', []],
  ])('%j on %s → %j', (rules, ref, expected) => {
    expect(tagsFor(rules, on(ref))).toEqual(expected);
  });

  it("type=schedule on a schedule event: `nightly`, and {{date 'YYYYMMDD'}} → 20200110", () => {
    const schedule = on('refs/heads/master', { eventName: 'schedule' });
    expect(tagsFor(['type=schedule'], schedule)).toEqual(['nightly']);
    expect(tagsFor(["type=schedule,pattern={{date 'YYYYMMDD'}}"], schedule)).toEqual(['20200110']);
  });
});

describe('latest', () => {
  it('`latest=auto` adds it for a tag (ref/semver) and not for a branch, pr, sha or raw', () => {
    expect(
      metadataTags(['type=ref,event=branch', 'type=sha'], DEFAULT_FLAVOR, on('refs/heads/master')).latestTag,
    ).toBe(undefined);
    expect(metadataTags(['type=ref,event=tag'], DEFAULT_FLAVOR, on('refs/tags/v1.0.0')).latestTag).toBe(
      'latest',
    );
  });

  it('`type=raw,value=latest,enable={{is_default_branch}}`: latest on the default branch only', () => {
    const rules = ['type=raw,value=latest,enable={{is_default_branch}}', 'type=sha'];
    expect(tagsFor(rules, on('refs/heads/master'))).toEqual(['latest', 'sha-860c190']);
    expect(tagsFor(rules, on('refs/heads/feature'))).toEqual(['sha-860c190']);
    expect(tagsFor(rules, on('refs/tags/v1.0.0'))).toEqual(['sha-860c190']);
  });

  it('flavor latest=false/true, and prefix/suffix with onlatest', () => {
    expect(tagsFor(['type=ref,event=tag'], on('refs/tags/v1.0.0'), ['latest=false'])).toEqual(['v1.0.0']);
    expect(tagsFor(['type=ref,event=branch'], on('refs/heads/master'), ['latest=true'])).toEqual([
      'master',
      'latest',
    ]);
    expect(
      tagsFor(['type=ref,event=tag'], on('refs/tags/v1.0.0'), [
        'latest=auto',
        'suffix=-alpine,onlatest=true',
      ]),
    ).toEqual(['v1.0.0-alpine', 'latest-alpine']);
    expect(tagsFor(['type=ref,event=tag'], on('refs/tags/v1.0.0'), ['prefix=app-'])).toEqual([
      'app-v1.0.0',
      'latest',
    ]);
  });
});

describe('priority and global expressions', () => {
  it('sorts by priority (schedule 1000, semver 900, ref 600, raw 200, sha 100), highest first', () => {
    const rules = [
      'type=sha',
      'type=raw,value=stable',
      'type=ref,event=tag',
      'type=semver,pattern={{version}}',
    ];
    expect(tagsFor(rules, on('refs/tags/v1.2.3'))).toEqual([
      '1.2.3',
      'v1.2.3',
      'stable',
      'sha-860c190',
      'latest',
    ]);
    expect(tagsFor(['type=sha,priority=2000', 'type=raw,value=x'], on('refs/heads/master'))).toEqual([
      'sha-860c190',
      'x',
    ]);
  });

  it('{{branch}}, {{sha}}, {{tag}} and {{base_ref}} as the README shows', () => {
    expect(tagsFor(['type=sha,prefix={{branch}}-'], on('refs/heads/master'))).toEqual(['master-860c190']);
    expect(tagsFor(['type=raw,value=mytag-{{branch}}-{{sha}}'], on('refs/heads/master'))).toEqual([
      'mytag-master-860c190',
    ]);
    expect(tagsFor(['type=raw,value=t-{{tag}}'], on('refs/tags/v1.2.3'))).toEqual(['t-v1.2.3']);
    expect(
      tagsFor(['type=raw,value=into-{{base_ref}}'], on('refs/pull/2/merge', { baseRef: 'master' })),
    ).toEqual(['into-master']);
  });
});

describe('parsing', () => {
  it('reads CSV fields, quotes included', () => {
    expect(splitCsv('type=raw,"value=a,b"')).toEqual(['type=raw', 'value=a,b']);
    expect(parseTagRule('type=sha').attrs).toMatchObject({ prefix: 'sha-', format: 'short', enable: 'true' });
    expect(parseTagRule('type=ref,event=pr').attrs.prefix).toBe('pr-');
  });

  it.each([
    ['type=semver', /no `pattern`/],
    ['type=ref', /no `event`/],
    ['type=ref,event=push', /event "push"/],
    ['type=pep440,pattern={{version}}', /does not support/],
    ['type=bogus', /unknown type "bogus"/],
    ['type=sha,format=medium', /format "medium"/],
  ])('%s fails naming the rule', (line, message) => {
    expect(() => parseTagRule(line)).toThrow(ConfigurationError);
    expect(() => parseTagRule(line)).toThrow(message);
  });

  it('refuses unknown flavor entries and expressions', () => {
    expect(() => parseFlavor(['latest=sometimes'])).toThrow(/Input `flavor`/);
    expect(() => parseFlavor(['colour=blue'])).toThrow(/Known entries/);
    expect(() =>
      metadataTags(['type=raw,value={{commit_date}}'], DEFAULT_FLAVOR, on('refs/heads/x')),
    ).toThrow(/\{\{commit_date\}\}/);
    expect(() => metadataTags(['type=raw,value=x,enable=maybe'], DEFAULT_FLAVOR, on('refs/heads/x'))).toThrow(
      /enable="maybe"/,
    );
  });
});

describe('planTags: Berth policy over the rules', () => {
  const context = (ref: string): TagContext => ({
    ref,
    sha: SHA,
    now,
    defaultBranch: 'master',
    eventName: 'push',
  });
  const allow = { allowLatest: false };

  it('keeps Berth templates as the default', () => {
    const plan = planTags(['sha-{short_sha}', 'v{version}'], [], context('refs/tags/v1.2.3'), allow);
    expect(plan).toEqual({
      tags: ['sha-860c190', 'v1.2.3'],
      version: '1.2.3',
      firstTagIdentifiesBuild: true,
      notes: [],
    });
  });

  it('puts the type=sha tag first (the build identity) and keeps metadata-action’s version', () => {
    const plan = planTags([...SEMVER, 'type=sha'], [], context('refs/tags/v1.2.3'), { allowLatest: true });
    expect(plan.tags).toEqual(['sha-860c190', '1.2.3', '1.2', 'latest']);
    expect(plan.version).toBe('1.2.3');
    expect(plan.firstTagIdentifiesBuild).toBe(true);
  });

  it('leaves out an automatic latest unless allow-latest, with a note', () => {
    const plan = planTags([...SEMVER, 'type=sha'], [], context('refs/tags/v1.2.3'), allow);
    expect(plan.tags).toEqual(['sha-860c190', '1.2.3', '1.2']);
    expect(plan.notes.join()).toMatch(/allow-latest/);
  });

  it('refuses a latest asked for explicitly', () => {
    expect(() => planTags(['type=sha'], ['latest=true'], context('refs/heads/master'), allow)).toThrow(
      /latest=true/,
    );
    expect(() => planTags(['type=raw,value=latest'], [], context('refs/heads/master'), allow)).toThrow(
      /refused/,
    );
  });

  it('without a type=sha rule the first tag is mutable, so skip-if-exists is off', () => {
    const plan = planTags(['type=ref,event=branch'], [], context('refs/heads/master'), allow);
    expect(plan.tags).toEqual(['master']);
    expect(plan.firstTagIdentifiesBuild).toBe(false);
  });

  it('fails when no rule applies, and when flavor is given with Berth templates', () => {
    expect(() => planTags(['type=ref,event=pr'], [], context('refs/heads/master'), allow)).toThrow(
      /no rule gives a tag/,
    );
    expect(() =>
      planTags(['sha-{short_sha}'], ['latest=false'], context('refs/heads/master'), allow),
    ).toThrow(/Input `flavor`/);
  });
});
