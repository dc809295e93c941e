/** The job summary and the annotations: what a person reads after the gate decides. */
import { describe, expect, it } from '@jest/globals';
import { buildAnnotations, MAX_FINDING_ANNOTATIONS } from '../src/annotations.js';
import { evaluateGate } from '../src/policy.js';
import { cell, renderSummary } from '../src/summary.js';
import { entry, finding, NOW, policy } from './helpers.js';

const findings = [
  finding({
    id: 'CVE-2024-0001',
    severity: 'CRITICAL',
    package: 'openssl',
    installedVersion: '3.0.1',
    fixedVersion: '3.0.2',
    title: 'Buffer | overflow',
  }),
  finding({
    id: 'CVE-2024-0002',
    severity: 'HIGH',
    package: 'zlib',
    installedVersion: '1.2',
    fixedVersion: undefined,
    fixState: 'not-fixed',
  }),
  finding({
    id: 'CVE-2024-0003',
    severity: 'HIGH',
    package: 'curl',
    installedVersion: '8.0',
    title: 'excepted one',
  }),
  finding({ id: 'CVE-2024-0004', severity: 'LOW', package: 'bash' }),
];
const allowlist = [
  entry({ id: 'CVE-2024-0003', reason: 'not reachable', line: 2 }),
  entry({ id: 'CVE-2023-9999', reason: 'old', expires: '2025-12-31', line: 6 }),
  entry({ id: 'CVE-2020-0001', reason: 'gone?', package: 'libfoo', images: ['shop:*'], line: 10 }),
];

describe('renderSummary', () => {
  const verdict = evaluateGate(findings, policy({ allowlist }), NOW);
  const markdown = renderSummary({
    subject: 'Trivy report `trivy.json`',
    verdict,
    policy: policy({ allowlist }),
    allowlistPath: '.github/allowlist.yml',
    notes: ['`trivy.json` also reports 4 secret findings'],
  });

  it('starts with the verdict and the reasons', () => {
    expect(markdown.split('\n').slice(0, 5)).toEqual([
      '### Scan gate failed: 2 blocking findings in Trivy report `trivy.json`',
      '',
      '- 1 CRITICAL finding (`fail-on: high` allows none)',
      '- 1 HIGH finding (`fail-on: high` allows none)',
      '',
    ]);
    expect(markdown).toContain(
      'Policy: `fail-on: high`, `ignore-unfixed: false`, allowlist `.github/allowlist.yml` (3 exceptions).',
    );
  });

  it('has the count table by severity: found, counted, excepted, unfixed, allowed', () => {
    expect(markdown).toContain('| Severity | Found | Counted | Excepted | No fix available | Allowed |');
    expect(markdown).toContain('| CRITICAL | 1 | 1 | 0 | 0 | 0 (fail-on) |');
    expect(markdown).toContain('| HIGH | 2 | 1 | 1 | 1 | 0 (fail-on) |');
    expect(markdown).toContain('| LOW | 1 | 1 | 0 | 0 | any |');
  });

  it('lists the blocking findings with installed → fixed, a link and an escaped title', () => {
    expect(markdown).toContain('#### Blocking findings (2)');
    expect(markdown).toContain(
      '| CRITICAL | [CVE-2024-0001](https://nvd.nist.gov/vuln/detail/CVE-2024-0001) | openssl | 3.0.1 → 3.0.2 | Buffer \\| overflow |',
    );
    expect(markdown).toContain(
      '| HIGH | [CVE-2024-0002](https://nvd.nist.gov/vuln/detail/CVE-2024-0001) | zlib | 1.2 → no fix |',
    );
    expect(markdown).not.toContain('excepted one |');
  });

  it('lists expired and stale exceptions with where they are', () => {
    expect(markdown).toContain('#### Expired exceptions (1)');
    expect(markdown).toContain('| CVE-2023-9999 | all | 2025-12-31 | old | allowlist.yml line 6 | 0 |');
    expect(markdown).toContain('#### Stale exceptions (1)');
    expect(markdown).toContain(
      '| CVE-2020-0001 | package `libfoo`; images `shop:*` | 2099-12-31 | allowlist.yml line 10 |',
    );
    expect(markdown).toContain('- `trivy.json` also reports 4 secret findings');
  });

  it('caps the blocking table', () => {
    const many = Array.from({ length: 60 }, (_, i) => finding({ id: `CVE-2024-${1000 + i}` }));
    const text = renderSummary({
      subject: 's',
      verdict: evaluateGate(many, policy(), NOW),
      policy: policy(),
      notes: [],
      maxRows: 50,
    });
    expect(text.match(/^\| HIGH \| \[CVE/gm)).toHaveLength(50);
    expect(text).toContain('…and 10 more in the `findings` output file.');
  });

  it('a pass, with budgets in the policy line and a note when ignore-unfixed cannot apply', () => {
    const p = policy({ failOn: 'critical', maxFindings: { HIGH: 5 }, ignoreUnfixed: true });
    const text = renderSummary({
      subject: 'ECR basic scan of `shop`',
      verdict: evaluateGate([finding({ fixState: 'unknown', fixedVersion: undefined })], p, NOW),
      policy: p,
      notes: [],
    });
    expect(text).toMatch(/^### Scan gate passed: ECR basic scan of `shop`/);
    expect(text).toContain(
      'Policy: `fail-on: critical`, `max-findings: high=5`, `ignore-unfixed: true`, no allowlist.',
    );
    expect(text).toContain('| HIGH | 1 | 1 | 0 | 0 | 5 (max-findings) |');
    expect(text).toContain('`ignore-unfixed` cannot apply to them');
  });

  it.each([
    [true, '### Scan gate passed without a scan: FAILED'],
    [false, '### Scan gate failed: the image was not scanned (FAILED)'],
  ])('unscanned, allowed=%p', (allowed, heading) => {
    const text = renderSummary({
      subject: 's',
      verdict: evaluateGate([], policy(), NOW),
      policy: policy(),
      notes: [],
      unscanned: { status: 'FAILED', reason: 'The scan failed.', advice: 'Re-run it.', allowed },
    });
    expect(text.split('\n')[0]).toBe(heading);
    expect(text).toContain('The scan failed. Re-run it.');
    expect(text).not.toContain('| Severity |');
  });

  it('cell() keeps table cells intact', () => {
    expect(cell('a|b\nc <script>')).toBe('a\\|b c &lt;script&gt;');
    // A bare CR ends a Markdown line too (CommonMark line endings); brackets would make a link or image.
    expect(cell('a\rb')).toBe('a b');
    expect(cell('![x](https://tracker.example/p.png)')).toBe('!\\[x\\](https://tracker.example/p.png)');
  });
});

describe('buildAnnotations', () => {
  it('imported exceptions: expired ones warn on their line; stale ones are listed in the summary, not annotated', () => {
    const imported = [
      entry({
        id: 'CVE-2021-0001',
        expires: '2025-06-30',
        importedFrom: 'trivyignore',
        file: '.trivyignore',
        line: 4,
      }),
      entry({
        id: 'CVE-2022-0002',
        importedFrom: 'openvex',
        file: 'vex.json',
        line: 9,
        purls: ['pkg:deb/debian/xz-utils@5.6.0-0.2'],
        imageDigest: `sha256:${'ab'.repeat(32)}`,
      }),
    ];
    const verdict = evaluateGate([finding({ id: 'CVE-2021-0001' })], policy({ allowlist: imported }), NOW);
    expect(buildAnnotations(verdict).filter((a) => a.level !== 'error')).toEqual([
      {
        level: 'warning',
        title: 'Expired exception CVE-2021-0001',
        message:
          'Imported exception CVE-2021-0001 expired on 2025-06-30 and no longer applies (it would cover 1 finding). Renew it with a new date and reason, or remove it.',
        file: '.trivyignore',
        startLine: 4,
      },
    ]);
    expect(verdict.stale.map((e) => e.id)).toEqual(['CVE-2022-0002']);
    const summary = renderSummary({
      subject: 'Trivy report `t.json`',
      verdict,
      policy: policy({ allowlist: imported }),
      notes: [],
    });
    expect(summary).toContain(
      `| CVE-2022-0002 | purl \`pkg:deb/debian/xz-utils@5.6.0-0.2\`; image \`sha256:abababababab…\` | 2099-12-31 | vex.json line 9 |`,
    );
  });

  it('one error per blocking finding, a warning per expired and a notice per stale exception on its line', () => {
    const verdict = evaluateGate(findings, policy({ allowlist }), NOW);
    expect(buildAnnotations(verdict)).toEqual([
      {
        level: 'error',
        title: 'CRITICAL CVE-2024-0001',
        message:
          'CVE-2024-0001 (CRITICAL) in openssl 3.0.1, fixed in 3.0.2: Buffer | overflow https://nvd.nist.gov/vuln/detail/CVE-2024-0001',
      },
      {
        level: 'error',
        title: 'HIGH CVE-2024-0002',
        message:
          'CVE-2024-0002 (HIGH) in zlib 1.2, no fix available: A vulnerability https://nvd.nist.gov/vuln/detail/CVE-2024-0001',
      },
      {
        level: 'warning',
        title: 'Expired exception CVE-2023-9999',
        message:
          'Allowlist exception CVE-2023-9999 expired on 2025-12-31 and no longer applies. Renew it with a new date and reason, or remove it.',
        file: 'allowlist.yml',
        startLine: 6,
      },
      {
        level: 'notice',
        title: 'Stale exception CVE-2020-0001',
        message:
          'Allowlist exception CVE-2020-0001 matched no finding; remove it if the vulnerability is gone.',
        file: 'allowlist.yml',
        startLine: 10,
      },
    ]);
  });

  it.each([
    [MAX_FINDING_ANNOTATIONS, MAX_FINDING_ANNOTATIONS, undefined],
    [
      MAX_FINDING_ANNOTATIONS + 1,
      MAX_FINDING_ANNOTATIONS,
      '…and 2 more blocking findings; see the job summary and the `findings` output file.',
    ],
    [
      40,
      MAX_FINDING_ANNOTATIONS,
      '…and 32 more blocking findings; see the job summary and the `findings` output file.',
    ],
  ])('%i blocking findings → %i error annotations', (n, errors, more) => {
    const many = Array.from({ length: n }, (_, i) => finding({ id: `CVE-2024-${1000 + i}` }));
    const annotations = buildAnnotations(evaluateGate(many, policy(), NOW), { dockerfile: 'Dockerfile' });
    expect(annotations.filter((a) => a.level === 'error')).toHaveLength(errors);
    expect(annotations.every((a) => a.file === 'Dockerfile' && a.startLine === 1)).toBe(true);
    if (more) expect(annotations.at(-1)?.message).toBe(more);
    else expect(annotations.at(-1)?.message).toMatch(/^CVE-/);
  });

  it('a passing verdict has no error annotations', () => {
    expect(buildAnnotations(evaluateGate([finding({ severity: 'LOW' })], policy(), NOW))).toEqual([]);
  });
});
