/**
 * Every scanner report in the shared real-world corpus goes through the code
 * that reads it in production, and its per-severity counts are checked
 * against counts derived here, independently, from the report itself (and
 * against the numbers the corpus's SOURCES.md gives for each file).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { DescribeImageScanFindingsCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { afterAll, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { normaliseEnhancedFindings, normaliseScanFindingsResponse } from '../src/ecr-findings.js';
import { mergeFindings, SEVERITIES, type Severity } from '../src/normalise.js';
import { evaluateGate } from '../src/policy.js';
import { fetchEcrFindings } from '../src/sources/ecr.js';
import { readReport, sniffFormat } from '../src/sources/reports.js';
import { CORPUS_SCANS, corpusPresent, listFiles } from './helpers.js';
import { manualClock, silentLogger } from './seams.js';

type Counts = Partial<Record<Severity, number>>;

/** Written out independently of normaliseSeverity() on purpose. */
const SCANNER_WORDS: Record<string, Severity> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  negligible: 'INFORMATIONAL',
  informational: 'INFORMATIONAL',
  unknown: 'UNKNOWN',
  undefined: 'UNKNOWN',
  untriaged: 'UNKNOWN',
};

function tally(entries: Array<{ key: string; severity: string }>): Counts {
  // De-duplicate by key keeping the most severe, as the product promises.
  const order = ['UNKNOWN', 'INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
  const best = new Map<string, Severity>();
  for (const { key, severity } of entries) {
    const s = SCANNER_WORDS[severity.toLowerCase()] ?? 'UNKNOWN';
    const seen = best.get(key);
    if (!seen || order.indexOf(s) > order.indexOf(seen)) best.set(key, s);
  }
  const counts: Counts = {};
  for (const s of best.values()) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

function trivyCounts(doc: any): Counts {
  return tally(
    (doc.Results ?? []).flatMap((r: any) =>
      (r.Vulnerabilities ?? []).map((v: any) => ({
        key: `${v.VulnerabilityID.toUpperCase()}|${v.PkgName}|${v.InstalledVersion}`,
        severity: v.Severity,
      })),
    ),
  );
}

function grypeCounts(doc: any): Counts {
  return tally(
    doc.matches.map((m: any) => ({
      key: `${m.vulnerability.id.toUpperCase()}|${m.artifact.name}|${m.artifact.version}`,
      severity: m.vulnerability.severity,
    })),
  );
}

/** Results by security-severity bucket (result, then rule), else by level (result, rule default, `warning`). */
function sarifCounts(doc: any): Counts {
  const counts: Counts = {};
  for (const run of doc.runs) {
    const rules: any[] = run.tool.driver.rules ?? [];
    for (const result of run.results ?? []) {
      const rule = rules.find((r) => r.id === result.ruleId) ?? rules[result.ruleIndex];
      const raw = result.properties?.['security-severity'] ?? rule?.properties?.['security-severity'];
      let severity: Severity;
      if (raw !== undefined) {
        const score = Number(raw);
        severity =
          score >= 9
            ? 'CRITICAL'
            : score >= 7
              ? 'HIGH'
              : score >= 4
                ? 'MEDIUM'
                : score > 0
                  ? 'LOW'
                  : 'INFORMATIONAL';
      } else {
        const level = result.level ?? rule?.defaultConfiguration?.level ?? 'warning';
        severity = ({ error: 'HIGH', warning: 'MEDIUM', note: 'LOW', none: 'INFORMATIONAL' } as const)[
          level as 'error'
        ];
      }
      counts[severity] = (counts[severity] ?? 0) + 1;
    }
  }
  return counts;
}

function ecrCounts(findings: any[]): Counts {
  return tally(
    findings.map((f) => ({
      key: `${f.name}|${f.attributes.find((a: any) => a.key === 'package_name')?.value}|${f.attributes.find((a: any) => a.key === 'package_version')?.value}`,
      severity: f.severity,
    })),
  );
}

function countsOf(findings: Array<{ severity: Severity }>): Counts {
  const counts: Counts = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

/** What SOURCES.md (and the files) say, pinned so a parser change that drops findings is caught. */
const PINNED: Record<string, Counts> = {
  'trivy/cns-website-zero-vulns.json': {},
  'trivy/defectdojo-all-statuses.json': { LOW: 8 },
  'trivy/defectdojo-scheme2-no-vuln.json': {},
  'trivy/ecr-image-node-alpine-29-vulns.json': { HIGH: 2, MEDIUM: 23, LOW: 4 },
  'trivy/java-alpine-eosl-67-vulns.json': { CRITICAL: 5, HIGH: 29, MEDIUM: 26, LOW: 5, UNKNOWN: 2 },
  'trivy/juice-shop-many-vulns-secrets-arm64.json': { CRITICAL: 8, HIGH: 23, MEDIUM: 24, LOW: 16 },
  'trivy/steadybit-k6-zero-vulns-full-pkglist.json': {},
  'trivy/trivy-golden-alpine-310.json': { MEDIUM: 4 },
  'trivy-sarif/cns-website-empty.sarif': {},
  'trivy-sarif/moj-sarif-content-named-json.json': { HIGH: 2 },
  'trivy-sarif/moj-service-catalogue-46-results.sarif': { CRITICAL: 4, HIGH: 42 },
  'trivy-sarif/trivy-golden-alpine-310.sarif': { MEDIUM: 4 },
  'grype/defectdojo-busybox-epss.json': { CRITICAL: 1, HIGH: 10, MEDIUM: 2, LOW: 2 },
  'grype/defectdojo-busybox-no-vuln.json': {},
  // 6 matches; GHSA-v6rh-hp5x-86rv in Django 3.2.9 is listed twice.
  'grype/defectdojo-check-all-fields.json': { CRITICAL: 2, HIGH: 2, INFORMATIONAL: 1 },
  'grype/defectdojo-many-vulns-327.json': {
    CRITICAL: 5,
    HIGH: 24,
    MEDIUM: 155,
    LOW: 27,
    INFORMATIONAL: 106,
    UNKNOWN: 10,
  },
  'grype/mojaloop-dir-zero-modern.json': {},
  'ecr/basic-257-findings-with-registry.json': {
    CRITICAL: 1,
    HIGH: 5,
    MEDIUM: 32,
    LOW: 25,
    INFORMATIONAL: 183,
    UNKNOWN: 11,
  },
  'ecr/basic-hand-edited-inconsistent-counts.json': { MEDIUM: 1, INFORMATIONAL: 1, UNKNOWN: 1 },
  'ecr/inspector2-listfindings-ecr-image-one.json': { MEDIUM: 1 },
};

const files = corpusPresent ? listFiles(CORPUS_SCANS) : [];
const seen: string[] = [];

if (!corpusPresent) {
  console.log(`scan-gate corpus tests skipped: ${CORPUS_SCANS} is absent (it lives beside the repository).`);
}

const describeCorpus = corpusPresent ? describe : describe.skip;

afterAll(() => {
  // Every file the table pins was actually run (a renamed corpus file must not silently drop out).
  if (files.length > 0) expect(Object.keys(PINNED).filter((k) => !seen.includes(k))).toEqual([]);
});

describeCorpus('every report in the corpus', () => {
  const reports = files.filter((f) => basename(dirname(f)) !== 'ecr' && !f.endsWith('.md'));
  it.each(reports.map((f) => [relative(CORPUS_SCANS, f), f]))(
    '%s parses, normalises and counts like the report',
    (name, path) => {
      seen.push(name);
      const doc = JSON.parse(readFileSync(path, 'utf8'));
      const format = sniffFormat(doc);
      expect(['trivy', 'grype', 'sarif']).toContain(format);
      const independent =
        format === 'trivy' ? trivyCounts(doc) : format === 'grype' ? grypeCounts(doc) : sarifCounts(doc);

      const result = readReport(path, format as 'trivy' | 'grype' | 'sarif', name);
      const findings = mergeFindings(result.findings);
      expect(countsOf(findings)).toEqual(independent);
      if (PINNED[name]) expect(countsOf(findings)).toEqual(PINNED[name]);

      for (const f of findings) {
        expect(f.id).not.toBe('');
        expect(SEVERITIES).toContain(f.severity);
        expect(f.package).not.toBe('');
        expect(f.origins).toEqual([name]);
        if (f.fixState === 'fixed' && f.fixedVersion !== undefined) expect(f.fixedVersion).not.toBe('');
      }
      // The gate's counts are the normalised ones (nothing lost between model and policy).
      const verdict = evaluateGate(
        findings,
        { failOn: 'none', maxFindings: {}, ignoreUnfixed: false, allowlist: [] },
        0,
      );
      for (const s of SEVERITIES) expect(verdict.counts[s].found).toBe(independent[s] ?? 0);
    },
  );

  it('trivy/java-alpine-eosl-67-vulns.json: versions, fix and image as Trivy wrote them', () => {
    const { findings } = readReport(
      `${CORPUS_SCANS}/trivy/java-alpine-eosl-67-vulns.json`,
      'trivy',
      'java.json',
    );
    const logback = findings.find((f) => f.id === 'CVE-2023-6378')!;
    expect(logback).toMatchObject({
      package: 'ch.qos.logback:logback-classic',
      installedVersion: '1.2.3',
      fixedVersion: '1.3.12, 1.4.12, 1.2.13',
      fixState: 'fixed',
      severity: 'HIGH',
      title: 'logback: serialization vulnerability in logback receiver',
      url: 'https://avd.aquasec.com/nvd/cve-2023-6378',
      source: 'trivy',
      image: expect.stringMatching(/^awaisakram11199\/devopsimages:1\.1\.22-40@sha256:5f8947cb/),
    });
  });

  it('trivy/juice-shop…: the 4 Secrets results are reported in a note, not gated', () => {
    const result = readReport(
      `${CORPUS_SCANS}/trivy/juice-shop-many-vulns-secrets-arm64.json`,
      'trivy',
      'juice.json',
    );
    expect(result.notes.join('\n')).toMatch(/4 secret findings/);
    expect(result.findings.some((f) => f.fixState === 'not-fixed')).toBe(true);
  });

  it('trivy/defectdojo-all-statuses.json: only FixedVersion makes a finding fixed', () => {
    const { findings } = readReport(
      `${CORPUS_SCANS}/trivy/defectdojo-all-statuses.json`,
      'trivy',
      'statuses.json',
    );
    const doc = JSON.parse(readFileSync(`${CORPUS_SCANS}/trivy/defectdojo-all-statuses.json`, 'utf8'));
    const withFix = doc.Results[0].Vulnerabilities.filter((v: any) => v.FixedVersion).length;
    expect(findings.filter((f) => f.fixState === 'fixed')).toHaveLength(withFix);
    expect(findings.filter((f) => f.fixState === 'not-fixed')).toHaveLength(8 - withFix);
  });

  it('trivy/trivy-golden-alpine-310.json: a tarball scan is named after the image it contains', () => {
    const { findings } = readReport(
      `${CORPUS_SCANS}/trivy/trivy-golden-alpine-310.json`,
      'trivy',
      'golden.json',
    );
    expect(findings[0].image).toBe('ghcr.io/aquasecurity/trivy-test-images:alpine-310');
  });

  it('grype/defectdojo-check-all-fields.json: fix states, related CVE as alias, Negligible as informational', () => {
    const { findings } = readReport(
      `${CORPUS_SCANS}/grype/defectdojo-check-all-fields.json`,
      'grype',
      'g.json',
    );
    const django = findings.find((f) => f.id === 'GHSA-v6rh-hp5x-86rv')!;
    expect(django).toMatchObject({ fixState: 'fixed', fixedVersion: '3.2.10', aliases: ['CVE-2021-44420'] });
    expect(findings.find((f) => f.id === 'CVE-2021-32626')).toMatchObject({ fixState: 'not-fixed' }); // wont-fix
    expect(findings.find((f) => f.id === 'CVE-2004-0971')).toMatchObject({
      severity: 'INFORMATIONAL',
      fixState: 'not-fixed',
      image: expect.stringMatching(/^vulnerable-image:latest@sha256:9d8825ab/),
    });
    expect(findings.find((f) => f.package === 'libc6')?.fixState).toBe('not-fixed');
  });

  it('grype/defectdojo-many-vulns-327.json: Grype 0.7 without `fix` says nothing about fixes', () => {
    const { findings } = readReport(
      `${CORPUS_SCANS}/grype/defectdojo-many-vulns-327.json`,
      'grype',
      'g.json',
    );
    expect(new Set(findings.map((f) => f.fixState))).toEqual(new Set(['unknown']));
    expect(findings[0].url).toBe('https://security-tracker.debian.org/tracker/CVE-2019-18276');
  });

  it('trivy-sarif/moj-sarif-content-named-json.json: SARIF under a .json name is sniffed and read as SARIF', () => {
    const path = `${CORPUS_SCANS}/trivy-sarif/moj-sarif-content-named-json.json`;
    expect(() => readReport(path, 'trivy', 'trivy-results.json')).toThrow(
      /`trivy-results.json` is a SARIF log, but `source` is `trivy`\. Set `source: sarif`/,
    );
    const { findings } = readReport(path, 'sarif', 'trivy-results.json');
    expect(findings[0]).toMatchObject({
      id: 'CVE-2025-15284',
      package: 'qs',
      installedVersion: '6.14.0',
      fixedVersion: '6.14.1',
      fixState: 'fixed',
      severity: 'HIGH',
      url: 'https://avd.aquasec.com/nvd/cve-2025-15284',
    });
  });

  it('trivy-sarif/trivy-golden-alpine-310.sarif agrees with its Trivy JSON twin', () => {
    const sarif = readReport(`${CORPUS_SCANS}/trivy-sarif/trivy-golden-alpine-310.sarif`, 'sarif', 's');
    const json = readReport(`${CORPUS_SCANS}/trivy/trivy-golden-alpine-310.json`, 'trivy', 'j');
    const key = (f: any) => `${f.id}|${f.package}|${f.installedVersion}|${f.fixedVersion}|${f.severity}`;
    expect(sarif.findings.map(key).sort()).toEqual(json.findings.map(key).sort());
  });

  it('trivy-sarif/moj-service-catalogue-46-results.sarif: the image comes from run.properties', () => {
    const { findings } = readReport(
      `${CORPUS_SCANS}/trivy-sarif/moj-service-catalogue-46-results.sarif`,
      'sarif',
      's',
    );
    expect(findings[0].image).toMatch(
      /^ghcr\.io\/ministryofjustice\/hmpps-service-catalogue:latest@sha256:e2adb599/,
    );
  });
});

describeCorpus('ECR responses in the corpus', () => {
  const path = (name: string) => `${CORPUS_SCANS}/ecr/${name}`;

  it('ecr/basic-257-findings-with-registry.json: counts equal ECR findingSeverityCounts', () => {
    seen.push('ecr/basic-257-findings-with-registry.json');
    const doc = JSON.parse(readFileSync(path('basic-257-findings-with-registry.json'), 'utf8'));
    const { scanType, findings, notes } = normaliseScanFindingsResponse(doc, 'shop', 'ecr');
    expect(scanType).toBe('BASIC');
    const reported = doc.imageScanFindings.findingSeverityCounts;
    const expected: Counts = {};
    for (const [k, v] of Object.entries(reported)) expected[SCANNER_WORDS[k.toLowerCase()]] = v as number;
    const merged = mergeFindings(findings);
    expect(countsOf(merged)).toEqual(expected);
    expect(countsOf(merged)).toEqual(ecrCounts(doc.imageScanFindings.findings));
    expect(countsOf(merged)).toEqual(PINNED['ecr/basic-257-findings-with-registry.json']);
    expect(notes).toEqual([]);
    expect(new Set(findings.map((f) => f.fixState))).toEqual(new Set(['unknown']));
    expect(findings[0]).toMatchObject({
      id: 'CVE-2019-19814',
      package: 'linux',
      installedVersion: '4.19.181-1',
      severity: 'CRITICAL',
      url: 'https://security-tracker.debian.org/tracker/CVE-2019-19814',
    });
  });

  it('ecr/basic-hand-edited-inconsistent-counts.json: the findings win over findingSeverityCounts, with a note', () => {
    seen.push('ecr/basic-hand-edited-inconsistent-counts.json');
    const doc = JSON.parse(readFileSync(path('basic-hand-edited-inconsistent-counts.json'), 'utf8'));
    const { findings, notes } = normaliseScanFindingsResponse(doc, 'shop', 'ecr');
    expect(countsOf(findings)).toEqual(ecrCounts(doc.imageScanFindings.findings));
    expect(countsOf(findings)).toEqual(PINNED['ecr/basic-hand-edited-inconsistent-counts.json']);
    expect(notes.join('\n')).toMatch(/findingSeverityCounts .* differ from the findings returned/);
    // The finding without a description is titled by its id.
    expect(findings.find((f) => f.id === 'CVE-2021-22876')?.title).toBe('CVE-2021-22876');
  });

  it('ecr/inspector2-listfindings-ecr-image-one.json: an Inspector finding as an enhancedFinding', () => {
    seen.push('ecr/inspector2-listfindings-ecr-image-one.json');
    const doc = JSON.parse(readFileSync(path('inspector2-listfindings-ecr-image-one.json'), 'utf8'));
    const { findings } = normaliseEnhancedFindings(doc.findings, 'img', 'ecr');
    expect(countsOf(findings)).toEqual(
      tally(doc.findings.map((f: any) => ({ key: f.findingArn, severity: f.severity }))),
    );
    expect(findings).toEqual([
      expect.objectContaining({
        id: 'CVE-2021-3744',
        severity: 'MEDIUM',
        package: 'linux',
        installedVersion: '4.19.118-2',
        fixedVersion: '0:4.19.232-1',
        fixState: 'fixed',
        title: 'CVE-2021-3744 - linux',
        url: 'https://security-tracker.debian.org/tracker/CVE-2021-3744',
        source: 'ecr-enhanced',
      }),
    ]);
  });

  it('the 257-finding response served by a mocked ECR in pages of 100 reads back whole', async () => {
    const doc = JSON.parse(readFileSync(path('basic-257-findings-with-registry.json'), 'utf8'));
    const all = doc.imageScanFindings.findings as unknown[];
    const ecr = new ECRClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const mock = mockClient(ecr);
    mock.on(DescribeImagesCommand).resolves({
      imageDetails: [{ registryId: doc.registryId, imageDigest: doc.imageId.imageDigest, imageTags: ['v1'] }],
    });
    mock.on(DescribeImageScanFindingsCommand).callsFake((input: any) => {
      const offset = Number(input.nextToken ?? 0);
      return {
        imageScanStatus: doc.imageScanStatus,
        imageScanFindings: { ...doc.imageScanFindings, findings: all.slice(offset, offset + 100) },
        nextToken: offset + 100 < all.length ? String(offset + 100) : undefined,
      };
    });
    const result = await fetchEcrFindings({
      client: ecr,
      region: 'eu-west-1',
      repository: doc.repositoryName,
      imageDigest: doc.imageId.imageDigest,
      startScan: true,
      waitTimeoutMs: 0,
      clock: manualClock(),
      logger: silentLogger(),
    });
    expect(result.kind).toBe('scanned');
    if (result.kind !== 'scanned') return;
    expect(result.findings).toHaveLength(257);
    expect(result.notes).toEqual([]);
    expect(mock.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(3);
    mock.restore();
  });
});
