/**
 * ECR's scan findings (DescribeImageScanFindings, basic and enhanced) in
 * scan-gate's finding model: pure, so the corpus of recorded answers runs
 * through exactly what the action uses. The calls live in sources/ecr.ts.
 */
import type { DescribeImageScanFindingsResponse } from '@aws-sdk/client-ecr';
import {
  defaultAdvisoryUrl,
  type Finding,
  type FixState,
  list,
  normaliseSeverity,
  record,
  text,
  titleFrom,
} from './normalise.js';

function attribute(finding: Record<string, unknown>, key: string): string | undefined {
  for (const a of list(finding.attributes)) {
    const pair = record(a);
    if (pair?.key === key) return text(pair.value);
  }
  return undefined;
}

/**
 * ECR basic scanning findings (`imageScanFindings.findings[]`). Basic
 * scanning reports no fixed versions, so every finding's fix state is unknown.
 */
export function normaliseBasicFindings(
  findings: unknown[],
  image: string | undefined,
  origin: string,
): Finding[] {
  const result: Finding[] = [];
  for (const entry of findings) {
    const f = record(entry);
    const id = text(f?.name);
    if (!f || !id) continue;
    result.push({
      id,
      severity: normaliseSeverity(f.severity),
      package: attribute(f, 'package_name') ?? '(unknown package)',
      installedVersion: attribute(f, 'package_version') ?? '',
      fixState: 'unknown',
      title: titleFrom(text(f.description), id),
      url: text(f.uri) ?? defaultAdvisoryUrl(id),
      source: 'ecr-basic',
      image,
      origins: [origin],
    });
  }
  return result;
}

function packageVersion(pkg: Record<string, unknown>): string {
  const version = text(pkg.version) ?? '';
  const release = text(pkg.release);
  const epoch = typeof pkg.epoch === 'number' && pkg.epoch > 0 ? `${pkg.epoch}:` : '';
  return `${epoch}${version}${release ? `-${release}` : ''}`;
}

/**
 * ECR enhanced scanning (Amazon Inspector) findings (`enhancedFindings[]`,
 * the same per-finding shape as Inspector's ListFindings): one finding per
 * vulnerable package. Findings Inspector closed or suppressed are not counted
 * (they are reported in `skipped`).
 */
export function normaliseEnhancedFindings(
  findings: unknown[],
  image: string | undefined,
  origin: string,
): { findings: Finding[]; skipped: Record<string, number> } {
  const result: Finding[] = [];
  const skipped: Record<string, number> = {};
  for (const entry of findings) {
    const f = record(entry);
    if (!f) continue;
    const status = text(f.status)?.toUpperCase();
    if (status && status !== 'ACTIVE') {
      skipped[status] = (skipped[status] ?? 0) + 1;
      continue;
    }
    const details = record(f.packageVulnerabilityDetails) ?? {};
    const id = text(details.vulnerabilityId) ?? text(f.title)?.split(/\s/)[0] ?? text(f.findingArn);
    if (!id) continue;
    const aliases = list(details.relatedVulnerabilities).filter(
      (a): a is string => typeof a === 'string' && a !== id,
    );
    const packages = list(details.vulnerablePackages).map(record);
    for (const pkg of packages.length > 0 ? packages : [undefined]) {
      const fixedIn = text(pkg?.fixedInVersion);
      const fixAvailable = text(f.fixAvailable)?.toUpperCase();
      let fix: { fixState: FixState; fixedVersion?: string };
      if (fixedIn && fixedIn !== 'NotAvailable') fix = { fixState: 'fixed', fixedVersion: fixedIn };
      else if (fixedIn === 'NotAvailable' || fixAvailable === 'NO') fix = { fixState: 'not-fixed' };
      else if (fixAvailable === 'YES') fix = { fixState: 'fixed' };
      else fix = { fixState: 'unknown' };
      result.push({
        id,
        severity: normaliseSeverity(f.severity),
        package: text(pkg?.name) ?? text(pkg?.filePath) ?? '(unknown package)',
        installedVersion: pkg ? packageVersion(pkg) : '',
        ...fix,
        title: text(f.title) ?? titleFrom(text(f.description), id),
        url: text(details.sourceUrl) ?? text(list(details.referenceUrls)[0]) ?? defaultAdvisoryUrl(id),
        source: 'ecr-enhanced',
        image,
        aliases: aliases.length > 0 ? aliases : undefined,
        origins: [origin],
      });
    }
  }
  return { findings: result, skipped };
}

/** Per-severity counts of raw severities, to check ECR's own `findingSeverityCounts`. */
function rawSeverityCounts(findings: unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) {
    const severity = text(record(f)?.severity);
    if (severity) counts[severity] = (counts[severity] ?? 0) + 1;
  }
  return counts;
}

/**
 * Normalises one complete DescribeImageScanFindings answer (all pages'
 * findings concatenated). Exported for the corpus tests, which feed it the
 * recorded responses a user's account returns.
 */
export function normaliseScanFindingsResponse(
  response: DescribeImageScanFindingsResponse | Record<string, unknown>,
  image: string | undefined,
  origin: string,
): { scanType: 'BASIC' | 'ENHANCED'; findings: Finding[]; notes: string[] } {
  const r = response as Record<string, unknown>;
  const scan = record(r.imageScanFindings) ?? {};
  const basic = list(scan.findings);
  const enhanced = list(scan.enhancedFindings);
  const status = text(record(r.imageScanStatus)?.status);
  const scanType = enhanced.length > 0 || status === 'ACTIVE' ? 'ENHANCED' : 'BASIC';
  const notes: string[] = [];
  const findings: Finding[] = normaliseBasicFindings(basic, image, origin);
  if (enhanced.length > 0) {
    const normalised = normaliseEnhancedFindings(enhanced, image, origin);
    findings.push(...normalised.findings);
    for (const [state, count] of Object.entries(normalised.skipped)) {
      notes.push(
        `${count} enhanced finding${count === 1 ? ' is' : 's are'} ${state} in Amazon Inspector and not counted.`,
      );
    }
  }
  const reported = record(scan.findingSeverityCounts);
  if (reported && scanType === 'BASIC') {
    const actual = rawSeverityCounts(basic);
    const keys = new Set([
      ...Object.keys(actual),
      ...Object.keys(reported).filter((k) => /^[A-Z]+$/.test(k)),
    ]);
    const differing = [...keys].filter((k) => (actual[k] ?? 0) !== (Number(reported[k]) || 0));
    if (differing.length > 0) {
      notes.push(
        `ECR's findingSeverityCounts (${differing.map((k) => `${k} ${Number(reported[k]) || 0}`).join(', ')}) differ from the findings returned (${differing.map((k) => `${k} ${actual[k] ?? 0}`).join(', ')}); the gate uses the findings themselves.`,
      );
    }
  }
  return { scanType, findings, notes };
}
