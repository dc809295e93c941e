import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@berth/shared/errors';
import { describe, expect, it } from '@jest/globals';
import { imageNameCandidates, splitImage } from '../src/images.js';
import { mergeFindings, normaliseSeverity, type Severity, severityFromScore } from '../src/normalise.js';
import { parseGrypeReport } from '../src/sources/grype.js';
import { readReport, readReports, resolveReportFiles } from '../src/sources/reports.js';
import { parseSarifReport, sarifSeverity } from '../src/sources/sarif.js';
import { parseTrivyReport } from '../src/sources/trivy.js';
import { finding } from './helpers.js';

describe('severity', () => {
  it.each<[unknown, Severity]>([
    ['CRITICAL', 'CRITICAL'],
    ['Critical', 'CRITICAL'],
    ['high', 'HIGH'],
    ['IMPORTANT', 'HIGH'],
    ['Medium', 'MEDIUM'],
    ['moderate', 'MEDIUM'],
    ['LOW', 'LOW'],
    ['Negligible', 'INFORMATIONAL'],
    ['INFORMATIONAL', 'INFORMATIONAL'],
    ['unimportant', 'INFORMATIONAL'],
    ['UNDEFINED', 'UNKNOWN'],
    ['UNTRIAGED', 'UNKNOWN'],
    ['Unknown', 'UNKNOWN'],
    ['', 'UNKNOWN'],
    [undefined, 'UNKNOWN'],
    [7, 'UNKNOWN'],
  ])('%p → %s', (raw, severity) => {
    expect(normaliseSeverity(raw)).toBe(severity);
  });

  it.each<[number, Severity]>([
    [10, 'CRITICAL'],
    [9.0, 'CRITICAL'],
    [8.9, 'HIGH'],
    [7.0, 'HIGH'],
    [6.9, 'MEDIUM'],
    [4.0, 'MEDIUM'],
    [3.9, 'LOW'],
    [0.1, 'LOW'],
    [0, 'INFORMATIONAL'],
    [-1, 'UNKNOWN'],
    [Number.NaN, 'UNKNOWN'],
  ])('CVSS %p → %s', (score, severity) => {
    expect(severityFromScore(score)).toBe(severity);
  });
});

describe('mergeFindings', () => {
  it('merges by (id, package, installed version), keeping the worst severity, a known fix and every origin', () => {
    const merged = mergeFindings([
      finding({
        id: 'CVE-1',
        severity: 'MEDIUM',
        fixState: 'unknown',
        fixedVersion: undefined,
        origins: ['a.json'],
      }),
      finding({
        id: 'cve-1',
        severity: 'HIGH',
        fixState: 'fixed',
        fixedVersion: '2.0',
        origins: ['b.sarif'],
        aliases: ['GHSA-x'],
      }),
      finding({ id: 'CVE-1', installedVersion: '9.9', origins: ['a.json'] }),
      finding({ id: 'CVE-1', package: 'other', origins: ['a.json'] }),
    ]);
    expect(merged).toHaveLength(3);
    expect(merged[0]).toMatchObject({
      id: 'CVE-1',
      severity: 'HIGH',
      fixState: 'fixed',
      fixedVersion: '2.0',
      origins: ['a.json', 'b.sarif'],
      aliases: ['GHSA-x'],
    });
  });

  it('does not modify its input', () => {
    const input = [finding({ origins: ['a'] }), finding({ origins: ['b'] })];
    mergeFindings(input);
    expect(input[0].origins).toEqual(['a']);
  });
});

describe('images', () => {
  it.each([
    [
      '123.dkr.ecr.eu-west-1.amazonaws.com/team/shop:v1@sha256:abc',
      {
        registry: '123.dkr.ecr.eu-west-1.amazonaws.com',
        repository: 'team/shop',
        tag: 'v1',
        digest: 'sha256:abc',
      },
    ],
    [
      'localhost:5000/shop',
      { registry: 'localhost:5000', repository: 'shop', tag: undefined, digest: undefined },
    ],
    [
      'bkimminich/juice-shop',
      { registry: undefined, repository: 'bkimminich/juice-shop', tag: undefined, digest: undefined },
    ],
    ['nginx:1.27', { registry: undefined, repository: 'nginx', tag: '1.27', digest: undefined }],
  ])('splitImage(%s)', (reference, parts) => {
    expect(splitImage(reference)).toEqual(parts);
  });

  it('candidates cover the forms a glob may be written in', () => {
    expect(imageNameCandidates('123.dkr.ecr.eu-west-1.amazonaws.com/shop:v1@sha256:abc')).toEqual(
      expect.arrayContaining([
        '123.dkr.ecr.eu-west-1.amazonaws.com/shop:v1@sha256:abc',
        'shop',
        'shop:v1',
        'shop@sha256:abc',
        '123.dkr.ecr.eu-west-1.amazonaws.com/shop:v1',
        '123.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:abc',
      ]),
    );
  });
});

describe('Trivy', () => {
  it('rejects other schema versions and non-Trivy documents with the fix', () => {
    expect(() => parseTrivyReport({ SchemaVersion: 1, Results: [] }, 'old.json')).toThrow(
      /SchemaVersion 1; scan-gate reads SchemaVersion 2/,
    );
    expect(() => parseTrivyReport([{ Target: 'x' }], 'v1.json')).toThrow(/is not a Trivy JSON report/);
  });

  it('counts misconfigurations in a note, not as findings', () => {
    const result = parseTrivyReport(
      {
        SchemaVersion: 2,
        ArtifactName: 'shop:1',
        ArtifactType: 'container_image',
        Results: [{ Target: 'Dockerfile', Misconfigurations: [{ Status: 'FAIL' }, { Status: 'PASS' }] }],
      },
      't.json',
    );
    expect(result.findings).toEqual([]);
    expect(result.notes).toEqual([
      '`t.json` also reports 1 misconfiguration; scan-gate gates vulnerabilities only, review those in the Trivy output.',
    ]);
  });

  it('a filesystem scan has no image', () => {
    const result = parseTrivyReport(
      {
        SchemaVersion: 2,
        ArtifactName: '.',
        ArtifactType: 'filesystem',
        Results: [
          {
            Vulnerabilities: [
              { VulnerabilityID: 'CVE-2024-0001', PkgName: 'a', InstalledVersion: '1', Severity: 'LOW' },
            ],
          },
        ],
      },
      'fs.json',
    );
    expect(result.findings[0]).toMatchObject({
      image: undefined,
      fixState: 'not-fixed',
      title: 'CVE-2024-0001',
      url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-0001',
    });
  });
});

describe('Grype', () => {
  const match = (fix: unknown) => ({
    vulnerability: { id: 'CVE-2024-1', severity: 'High', fix },
    artifact: { name: 'zlib', version: '1.2' },
  });
  it.each([
    [{ state: 'fixed', versions: ['1.3', '1.2.13'] }, 'fixed', '1.3, 1.2.13'],
    [{ state: 'not-fixed', versions: [] }, 'not-fixed', undefined],
    [{ state: 'wont-fix', versions: ['x'] }, 'not-fixed', undefined],
    [{ state: 'unknown', versions: [] }, 'unknown', undefined],
    [{ state: '', versions: [] }, 'unknown', undefined],
    [{ versions: ['1.3'] }, 'fixed', '1.3'],
    [undefined, 'unknown', undefined],
  ])('fix %j → %s', (fix, fixState, fixedVersion) => {
    const [f] = parseGrypeReport(
      { matches: [match(fix)], source: { type: 'directory', target: '.' } },
      'g.json',
    ).findings;
    expect([f.fixState, f.fixedVersion, f.image]).toEqual([fixState, fixedVersion, undefined]);
  });

  it('rejects a document without matches', () => {
    expect(() => parseGrypeReport({ descriptor: {} }, 'g.json')).toThrow(/is not a Grype JSON report/);
  });
});

describe('SARIF', () => {
  const log = (runs: unknown[]) => ({ version: '2.1.0', runs });

  it.each<[string, Record<string, unknown>, Record<string, unknown> | undefined, Severity]>([
    [
      'result security-severity wins',
      { level: 'note', properties: { 'security-severity': '9.1' } },
      { properties: { 'security-severity': '5' } },
      'CRITICAL',
    ],
    [
      'rule security-severity next',
      { level: 'note' },
      { properties: { 'security-severity': '7.5' } },
      'HIGH',
    ],
    ['numeric security-severity', { properties: { 'security-severity': 4 } }, undefined, 'MEDIUM'],
    [
      'unparseable score falls back to level',
      { level: 'error', properties: { 'security-severity': 'high' } },
      undefined,
      'HIGH',
    ],
    ['level error', { level: 'error' }, undefined, 'HIGH'],
    ['level warning', { level: 'warning' }, undefined, 'MEDIUM'],
    ['level note', { level: 'note' }, undefined, 'LOW'],
    ['level none', { level: 'none' }, undefined, 'INFORMATIONAL'],
    ['rule default level', {}, { defaultConfiguration: { level: 'error' } }, 'HIGH'],
    ['no level at all: SARIF default warning', {}, {}, 'MEDIUM'],
  ])('%s', (_name, result, rule, severity) => {
    expect(sarifSeverity(result, rule)).toBe(severity);
  });

  it("Grype's SARIF: id, package, version and fix from the rule help; the ruleId carries the package", () => {
    const doc = log([
      {
        tool: {
          driver: {
            name: 'grype',
            rules: [
              {
                id: 'CVE-1999-0001-package-1',
                shortDescription: { text: 'CVE-1999-0001 low vulnerability for package-1 package' },
                helpUri: 'https://github.com/anchore/grype',
                help: {
                  text: 'Vulnerability CVE-1999-0001\nSeverity: low\nPackage: package-1\nVersion: 1.1.1\nFix Version: the-next-version\nType: rpm\nLocation: somefile-1.txt\nData Namespace: source-1\nLink: CVE-1999-0001',
                },
                properties: { 'security-severity': '4.0' },
              },
              {
                id: 'CVE-1999-0002-package-2',
                help: {
                  text: 'Vulnerability CVE-1999-0002\nSeverity: critical\nPackage: package-2\nVersion: 2.2.2\nFix Version: \nType: deb\nLink: [CVE-1999-0002](https://nvd.nist.gov/vuln/detail/CVE-1999-0002)',
                },
                properties: { 'security-severity': '9.8' },
              },
            ],
          },
        },
        results: [
          {
            ruleId: 'CVE-1999-0001-package-1',
            message: {
              text: 'The path somefile-1.txt reports package-1 at version 1.1.1  which is a vulnerable (rpm) package installed in the container',
            },
            locations: [{ physicalLocation: { artifactLocation: { uri: 'image/somefile-1.txt' } } }],
          },
          {
            ruleId: 'CVE-1999-0002-package-2',
            message: { text: 'The path x reports package-2 at version 2.2.2 which…' },
          },
        ],
      },
    ]);
    const { findings } = parseSarifReport(doc, 'grype.sarif');
    expect(
      findings.map((f) => [
        f.id,
        f.package,
        f.installedVersion,
        f.fixState,
        f.fixedVersion,
        f.severity,
        f.url,
      ]),
    ).toEqual([
      [
        'CVE-1999-0001',
        'package-1',
        '1.1.1',
        'fixed',
        'the-next-version',
        'MEDIUM',
        'https://github.com/anchore/grype',
      ],
      [
        'CVE-1999-0002',
        'package-2',
        '2.2.2',
        'not-fixed',
        undefined,
        'CRITICAL',
        'https://nvd.nist.gov/vuln/detail/CVE-1999-0002',
      ],
    ]);
  });

  it('third-party SARIF (e.g. Rapid7 export): rule id is the vulnerability, location the package, fix unknown', () => {
    const doc = log([
      {
        tool: {
          driver: {
            name: 'InsightVM',
            rules: [
              {
                id: 'CVE-2023-38545',
                shortDescription: { text: 'curl SOCKS5 heap overflow' },
                helpUri: 'https://example.com/cve-2023-38545',
              },
            ],
          },
        },
        results: [
          {
            ruleId: 'CVE-2023-38545',
            level: 'error',
            message: { text: 'curl 7.88.1 is vulnerable' },
            locations: [
              { physicalLocation: { artifactLocation: { uri: 'usr/lib/x86_64-linux-gnu/libcurl.so.4' } } },
            ],
          },
          { ruleId: 'R7-CUSTOM-12', kind: 'pass', message: { text: 'ok' } },
          { ruleId: 'R7-CUSTOM-13', baselineState: 'absent', message: { text: 'gone' } },
        ],
      },
    ]);
    const result = parseSarifReport(doc, 'r7.sarif');
    expect(result.findings).toEqual([
      expect.objectContaining({
        id: 'CVE-2023-38545',
        severity: 'HIGH',
        package: 'usr/lib/x86_64-linux-gnu/libcurl.so.4',
        installedVersion: '',
        fixState: 'unknown',
        title: 'curl SOCKS5 heap overflow',
        url: 'https://example.com/cve-2023-38545',
        source: 'sarif',
      }),
    ]);
    expect(result.notes).toEqual([
      '`r7.sarif`: 2 results marked pass, not applicable or absent were skipped.',
    ]);
  });

  it('SARIF suppressions are not honoured (exceptions belong in the allowlist)', () => {
    const doc = log([
      {
        tool: { driver: { name: 'x' } },
        results: [
          {
            ruleId: 'CVE-2024-1',
            level: 'error',
            suppressions: [{ kind: 'external' }],
            message: { text: 'm' },
          },
        ],
      },
    ]);
    expect(parseSarifReport(doc, 's').findings).toHaveLength(1);
  });

  it('rules in tool extensions are found; ruleIndex is the fallback', () => {
    const doc = log([
      {
        tool: {
          driver: { name: 'x', rules: [{ id: 'A', properties: { 'security-severity': '2' } }] },
          extensions: [
            { name: 'pack', rules: [{ id: 'CVE-2024-2', properties: { 'security-severity': '9.9' } }] },
          ],
        },
        results: [
          { ruleId: 'CVE-2024-2', message: { text: '' } },
          { ruleIndex: 0, message: { text: '' } },
        ],
      },
    ]);
    expect(parseSarifReport(doc, 's').findings.map((f) => [f.id, f.severity])).toEqual([
      ['CVE-2024-2', 'CRITICAL'],
      ['A', 'LOW'],
    ]);
  });

  it('rejects other SARIF versions', () => {
    expect(() => parseSarifReport({ version: '2.0.0', runs: [] }, 'old.sarif')).toThrow(
      /is SARIF version "2.0.0"; scan-gate reads SARIF 2.1.0/,
    );
  });
});

describe('report files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scan-gate-reports-'));
  mkdirSync(join(dir, 'reports'));
  mkdirSync(join(dir, 'empty-dir'));
  const trivy = { SchemaVersion: 2, ArtifactName: 'shop:1', Results: [] };
  writeFileSync(join(dir, 'reports', 'a.json'), JSON.stringify(trivy));
  writeFileSync(join(dir, 'reports', 'b.json'), JSON.stringify(trivy));
  writeFileSync(join(dir, 'not-json.json'), 'Trivy failed: no space left on device\n');
  writeFileSync(join(dir, 'empty.json'), '');
  writeFileSync(join(dir, 'grype.json'), JSON.stringify({ matches: [], source: { type: 'image' } }));
  writeFileSync(join(dir, 'ecr.json'), JSON.stringify({ imageScanFindings: { findings: [] } }));
  writeFileSync(join(dir, 'other.json'), JSON.stringify({ hello: 'world' }));

  it('globs and paths, relative to the workspace, de-duplicated and sorted', () => {
    expect(resolveReportFiles(['reports/*.json', 'reports/a.json'], dir)).toEqual([
      join(dir, 'reports', 'a.json'),
      join(dir, 'reports', 'b.json'),
    ]);
  });

  it.each([
    [['reports/*.sarif'], /Input `report`: `reports\/\*\.sarif` matches no file \(looked in .*\)/],
    [['missing.json'], /Input `report`: `missing.json` matches no file/],
    [
      ['empty-dir'],
      /`empty-dir` is a directory. Name the report file, or a glob such as `empty-dir\/\*\.json`/,
    ],
    [['reports/a.json', 'reports/c.json'], /`reports\/c.json` matches no file/],
  ])('%j: an error naming the pattern', (patterns, message) => {
    expect(() => resolveReportFiles(patterns, dir)).toThrow(message);
  });

  it.each([
    [
      'not-json.json',
      'trivy',
      /Input `report`: `not-json.json` is not JSON \(.*\)\. Trivy and Grype must write `--format json`/,
    ],
    ['empty.json', 'trivy', /`empty.json` is empty\. The scan step probably failed/],
    [
      'grype.json',
      'trivy',
      /`grype.json` is a Grype JSON report, but `source` is `trivy`\. Set `source: grype`/,
    ],
    ['ecr.json', 'grype', /is an ECR describe-image-scan-findings export.*Use `source: ecr`/],
    [
      'other.json',
      'sarif',
      /`other.json` is not a report scan-gate knows, but `source` is `sarif`\. Point `report` at a sarif report/,
    ],
    ['missing.json', 'trivy', /Input `report`: "missing.json" does not exist/],
  ])('%s as %s: a ConfigurationError that says what is wrong', (name, source, message) => {
    const error = (() => {
      try {
        readReport(join(dir, name), source as 'trivy', name);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
  });

  it('readReports names files relative to the workspace', () => {
    const result = readReports([join(dir, 'reports', 'a.json')], 'trivy', dir);
    expect(result).toEqual({ findings: [], notes: [] });
  });
});
