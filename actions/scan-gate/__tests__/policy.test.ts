import { describe, expect, it } from '@jest/globals';
import type { Severity } from '../src/normalise.js';
import { entryMatches, evaluateGate, type FailOn, isExpired, type Policy } from '../src/policy.js';
import { entry, finding, NOW, policy } from './helpers.js';

/** One finding of each severity. */
const ONE_OF_EACH = (['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNKNOWN'] as Severity[]).map(
  (severity, i) => finding({ id: `CVE-2024-000${i + 1}`, severity }),
);

describe('evaluateGate: fail-on', () => {
  it.each<[FailOn, Severity[]]>([
    ['critical', ['CRITICAL']],
    ['high', ['CRITICAL', 'HIGH']],
    ['medium', ['CRITICAL', 'HIGH', 'MEDIUM']],
    ['low', ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']],
    ['none', []],
  ])(
    'fail-on %s blocks exactly %j (informational and unknown never reach a fail-on level)',
    (failOn, blocking) => {
      const verdict = evaluateGate(ONE_OF_EACH, policy({ failOn }), NOW);
      expect(verdict.passed).toBe(blocking.length === 0);
      expect(verdict.blocking.map((b) => b.finding.severity)).toEqual(blocking);
      expect(verdict.breaches.map((b) => [b.severity, b.from, b.limit])).toEqual(
        blocking.map((s) => [s, 'fail-on', 0]),
      );
    },
  );

  it.each<[FailOn, Severity, boolean]>([
    ['critical', 'HIGH', true],
    ['critical', 'CRITICAL', false],
    ['high', 'MEDIUM', true],
    ['medium', 'MEDIUM', false],
    ['low', 'INFORMATIONAL', true],
    ['low', 'UNKNOWN', true],
  ])('fail-on %s with one %s finding: passed=%p', (failOn, severity, passed) => {
    expect(evaluateGate([finding({ severity })], policy({ failOn }), NOW).passed).toBe(passed);
  });

  it('no findings pass under every fail-on', () => {
    for (const failOn of ['critical', 'high', 'medium', 'low', 'none'] as FailOn[]) {
      expect(evaluateGate([], policy({ failOn }), NOW)).toMatchObject({
        passed: true,
        blocking: [],
        reasons: [],
      });
    }
  });

  it('the reason names the count and the setting', () => {
    const verdict = evaluateGate([finding(), finding({ id: 'CVE-2024-0002' })], policy(), NOW);
    expect(verdict.reasons).toEqual(['2 HIGH findings (`fail-on: high` allows none)']);
  });
});

describe('evaluateGate: max-findings budgets', () => {
  const highs = (n: number) => Array.from({ length: n }, (_, i) => finding({ id: `CVE-2024-${1000 + i}` }));

  // Each row: policy, number of HIGH findings (plus one MEDIUM), breached severities, verdict.
  it.each<[string, Partial<Policy>, number, Severity[], boolean]>([
    [
      'high=5, 5 HIGH: within budget (the budget replaces fail-on for HIGH)',
      { maxFindings: { HIGH: 5 } },
      5,
      [],
      true,
    ],
    ['high=5, 6 HIGH: over', { maxFindings: { HIGH: 5 } }, 6, ['HIGH'], false],
    [
      'high=0 with fail-on none: a budget alone gates',
      { failOn: 'none', maxFindings: { HIGH: 0 } },
      1,
      ['HIGH'],
      false,
    ],
    [
      'medium=0 below fail-on high: tighter than fail-on',
      { maxFindings: { MEDIUM: 0 } },
      1,
      ['HIGH', 'MEDIUM'],
      false,
    ],
    [
      'medium=1 with fail-on medium: one MEDIUM tolerated',
      { failOn: 'medium', maxFindings: { MEDIUM: 1, HIGH: 9 } },
      2,
      [],
      true,
    ],
    [
      'critical=0,high=10 with fail-on high: HIGH tolerated',
      { maxFindings: { CRITICAL: 0, HIGH: 10 } },
      5,
      [],
      true,
    ],
    ['fail-on none, no budgets: report only', { failOn: 'none' }, 50, [], true],
  ])('%s', (_name, overrides, high, breached, passed) => {
    const findings = [...highs(high), finding({ id: 'CVE-2024-9', severity: 'MEDIUM' })];
    const verdict = evaluateGate(findings, policy(overrides), NOW);
    expect(verdict.passed).toBe(passed);
    expect(verdict.breaches.map((b) => b.severity)).toEqual(breached);
  });

  it('over budget: every counted finding of that severity blocks, and the reason names the budget', () => {
    const verdict = evaluateGate(highs(7), policy({ maxFindings: { HIGH: 5 } }), NOW);
    expect(verdict.blocking).toHaveLength(7);
    expect(verdict.reasons).toEqual(['7 HIGH findings, over the budget of 5 (`max-findings`)']);
  });

  it('unknown=0 catches findings whose severity the scanner did not give', () => {
    const verdict = evaluateGate(
      [finding({ severity: 'UNKNOWN' })],
      policy({ maxFindings: { UNKNOWN: 0 } }),
      NOW,
    );
    expect(verdict.passed).toBe(false);
  });
});

describe('evaluateGate: ignore-unfixed', () => {
  const findings = [
    finding({ id: 'CVE-1', fixState: 'fixed', fixedVersion: '2' }),
    finding({ id: 'CVE-2', fixState: 'not-fixed', fixedVersion: undefined }),
    finding({ id: 'CVE-3', fixState: 'unknown', fixedVersion: undefined }),
  ];

  it.each<[boolean, string[], number]>([
    [false, ['CVE-1', 'CVE-2', 'CVE-3'], 0],
    [true, ['CVE-1', 'CVE-3'], 1],
  ])(
    'ignore-unfixed %p: counted %j; unknown fix state is always counted',
    (ignoreUnfixed, counted, unknown) => {
      const verdict = evaluateGate(findings, policy({ ignoreUnfixed }), NOW);
      expect(verdict.evaluated.filter((e) => e.disposition === 'counted').map((e) => e.finding.id)).toEqual(
        counted,
      );
      expect(verdict.blocking.map((e) => e.finding.id)).toEqual(counted);
      expect(verdict.counts.HIGH).toEqual({ found: 3, counted: counted.length, excepted: 0, unfixed: 1 });
      expect(verdict.unknownFixState).toBe(ignoreUnfixed ? unknown : 1);
    },
  );

  it('ignored unfixed findings stay listed', () => {
    const verdict = evaluateGate(findings, policy({ ignoreUnfixed: true }), NOW);
    expect(verdict.evaluated.find((e) => e.finding.id === 'CVE-2')).toMatchObject({
      disposition: 'unfixed',
      blocking: false,
    });
  });
});

describe('evaluateGate: allowlist', () => {
  const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/shop:v1@sha256:${'a'.repeat(64)}`;

  it.each<[string, Partial<Parameters<typeof entry>[0]>, boolean]>([
    ['by id', {}, true],
    ['id case-insensitive', { id: 'cve-2024-0001' }, true],
    ['other id', { id: 'CVE-2024-9999' }, false],
    ['id and package', { package: 'openssl' }, true],
    ['id and other package', { package: 'libssl3' }, false],
    ['image glob without registry', { images: ['team/shop:*'] }, true],
    ['image glob by digest', { images: ['team/shop@sha256:*'] }, true],
    ['image glob with registry wildcard', { images: ['*.dkr.ecr.*.amazonaws.com/team/shop:v1'] }, true],
    ['one of several globs', { images: ['web:*', 'team/shop:v*'] }, true],
    ['glob for another image', { images: ['team/web:*'] }, false],
    ['`*` does not cross `/`', { images: ['*:v1'] }, false],
    ['`**` does', { images: ['**/shop:v1'] }, true],
    ['package and image both required', { package: 'openssl', images: ['team/web:*'] }, false],
  ])('%s', (_name, overrides, matches) => {
    const f = finding({ image });
    expect(entryMatches(entry(overrides), f)).toBe(matches);
    const verdict = evaluateGate([f], policy({ allowlist: [entry(overrides)] }), NOW);
    expect(verdict.passed).toBe(matches);
    expect(verdict.counts.HIGH.excepted).toBe(matches ? 1 : 0);
    expect(verdict.stale).toHaveLength(matches ? 0 : 1);
  });

  it('an alias matches (Grype GHSA with its CVE)', () => {
    const f = finding({ id: 'GHSA-v6rh-hp5x-86rv', aliases: ['CVE-2021-44420'] });
    expect(entryMatches(entry({ id: 'CVE-2021-44420' }), f)).toBe(true);
  });

  it('an image-scoped entry never matches a finding without an image', () => {
    expect(entryMatches(entry({ images: ['**'] }), finding({ image: undefined }))).toBe(false);
  });

  it('Docker Hub short names match their long form', () => {
    expect(
      entryMatches(entry({ images: ['docker.io/library/nginx:*'] }), finding({ image: 'nginx:1.27' })),
    ).toBe(true);
    expect(
      entryMatches(entry({ images: ['nginx:*'] }), finding({ image: 'docker.io/library/nginx:1.27' })),
    ).toBe(true);
  });

  it('excepted findings are listed with their exception and do not block', () => {
    const e = entry();
    const verdict = evaluateGate([finding()], policy({ allowlist: [e] }), NOW);
    expect(verdict.evaluated[0]).toMatchObject({ disposition: 'excepted', blocking: false, exception: e });
    expect(verdict.counts.HIGH).toEqual({ found: 1, counted: 0, excepted: 1, unfixed: 0 });
  });

  it.each<[string, string, boolean]>([
    ['expires today (UTC): still in force', '2026-01-15', false],
    ['expired yesterday', '2026-01-14', true],
    ['expires tomorrow', '2026-01-16', false],
  ])('%s', (_name, expires, expired) => {
    expect(isExpired({ expires }, NOW)).toBe(expired);
    const verdict = evaluateGate([finding()], policy({ allowlist: [entry({ expires })] }), NOW);
    expect(verdict.passed).toBe(!expired);
    expect(verdict.expired.map((x) => x.matched)).toEqual(expired ? [1] : []);
  });

  it('expired entries are reported with what they would cover, and are not stale', () => {
    const expired = entry({ id: 'CVE-2024-7777', expires: '2025-06-30' });
    const verdict = evaluateGate([finding()], policy({ allowlist: [expired] }), NOW);
    expect(verdict.expired).toEqual([{ entry: expired, matched: 0 }]);
    expect(verdict.stale).toEqual([]);
  });

  it('stale: in force, matched nothing; an entry shadowed by an earlier one is not stale', () => {
    const first = entry({ line: 2 });
    const second = entry({ line: 6, package: 'openssl' });
    const unused = entry({ id: 'CVE-2020-0001', line: 10 });
    const verdict = evaluateGate([finding()], policy({ allowlist: [first, second, unused] }), NOW);
    expect(verdict.evaluated[0].exception).toBe(first);
    expect(verdict.stale).toEqual([unused]);
  });

  it('an exception takes precedence over ignore-unfixed (the finding is excepted, not unfixed)', () => {
    const verdict = evaluateGate(
      [finding({ fixState: 'not-fixed', fixedVersion: undefined })],
      policy({ ignoreUnfixed: true, allowlist: [entry()] }),
      NOW,
    );
    expect(verdict.evaluated[0].disposition).toBe('excepted');
    expect(verdict.counts.HIGH).toEqual({ found: 1, counted: 0, excepted: 1, unfixed: 1 });
  });

  it('the hotfix policy is inputs: the same allowlist with fail-on critical', () => {
    const findings = [finding({ severity: 'HIGH' }), finding({ id: 'CVE-2024-0002', severity: 'CRITICAL' })];
    const allowlist = [entry({ id: 'CVE-2024-0002' })];
    expect(evaluateGate(findings, policy({ allowlist }), NOW).passed).toBe(false);
    expect(evaluateGate(findings, policy({ failOn: 'critical', allowlist }), NOW).passed).toBe(true);
  });
});

describe('evaluateGate: ordering', () => {
  it('lists findings most severe first, then by id', () => {
    const verdict = evaluateGate(
      [
        finding({ id: 'B', severity: 'LOW' }),
        finding({ id: 'C', severity: 'CRITICAL' }),
        finding({ id: 'A', severity: 'LOW' }),
      ],
      policy(),
      NOW,
    );
    expect(verdict.evaluated.map((e) => e.finding.id)).toEqual(['C', 'A', 'B']);
  });
});
