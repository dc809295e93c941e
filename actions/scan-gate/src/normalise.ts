/**
 * The one finding model every source is normalised into, severity handling
 * shared by the sources and the policy, and the merge that de-duplicates
 * findings reported by several files or scanners.
 */

/** Most severe first. UNKNOWN is a scanner that did not say, not "low". */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNKNOWN'] as const;
export type Severity = (typeof SEVERITIES)[number];

const RANK: Record<Severity, number> = {
  CRITICAL: 5,
  HIGH: 4,
  MEDIUM: 3,
  LOW: 2,
  INFORMATIONAL: 1,
  UNKNOWN: 0,
};

/** Orders severities; UNKNOWN ranks below INFORMATIONAL, so no `fail-on` level reaches it. */
export function severityRank(severity: Severity): number {
  return RANK[severity];
}

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return RANK[severity] >= RANK[threshold];
}

/**
 * Maps the words scanners use onto the model: Grype's Negligible and
 * Debian's "unimportant" are informational; ECR's UNDEFINED and Inspector's
 * UNTRIAGED are unknown; GitHub's "moderate" is medium.
 */
export function normaliseSeverity(raw: unknown): Severity {
  if (typeof raw !== 'string') return 'UNKNOWN';
  switch (raw.trim().toUpperCase()) {
    case 'CRITICAL':
      return 'CRITICAL';
    case 'HIGH':
    case 'IMPORTANT':
      return 'HIGH';
    case 'MEDIUM':
    case 'MODERATE':
      return 'MEDIUM';
    case 'LOW':
      return 'LOW';
    case 'INFORMATIONAL':
    case 'INFO':
    case 'NEGLIGIBLE':
    case 'UNIMPORTANT':
    case 'NONE':
      return 'INFORMATIONAL';
    default:
      return 'UNKNOWN';
  }
}

/**
 * CVSS base score → severity with the buckets GitHub code scanning uses for
 * `security-severity` (and CVSS v3 qualitative ratings): 9.0+ critical,
 * 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low, 0 none.
 */
export function severityFromScore(score: number): Severity {
  if (!Number.isFinite(score) || score < 0) return 'UNKNOWN';
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  if (score > 0) return 'LOW';
  return 'INFORMATIONAL';
}

/** Where a finding came from. */
export type SourceName = 'ecr-basic' | 'ecr-enhanced' | 'trivy' | 'grype' | 'sarif';

/**
 * `fixed`: the scanner names a fixed version. `not-fixed`: the scanner says
 * there is none (yet, or ever). `unknown`: the scanner does not report fixes
 * at all (ECR basic scanning, old Grype, most third-party SARIF) —
 * `ignore-unfixed` never drops these.
 */
export type FixState = 'fixed' | 'not-fixed' | 'unknown';

export interface Finding {
  /** Vulnerability id as the scanner gives it: CVE-…, GHSA-…, ALAS-…. */
  id: string;
  severity: Severity;
  package: string;
  installedVersion: string;
  fixedVersion?: string;
  fixState: FixState;
  title: string;
  /** Advisory link; '' when the scanner gave none and the id has no well-known page. */
  url: string;
  source: SourceName;
  /** The image reference the finding was reported for, when the source names one. */
  image?: string;
  /** Other ids of the same vulnerability (Grype related vulnerabilities, Inspector related ids). */
  aliases?: string[];
  /** Report files (or the ECR image) that reported it; more than one after a merge. */
  origins: string[];
  /** The package's Package URL, when the scanner reports one (Trivy's PkgIdentifier.PURL, Grype's artifact.purl). */
  purl?: string;
  /** Where the package was found in the image (Trivy's Target and PkgPath, Grype's artifact locations). */
  locations?: string[];
  /** The package type in the scanner's own words (Grype's artifact.type: `deb`, `npm`, `go-module`, …). */
  packageType?: string;
  /** The fix state in the scanner's own words when it has more than three (Grype: `wont-fix`). */
  scannerFixState?: string;
}

/** What a source returns besides findings: things worth telling the user. */
export interface SourceResult {
  findings: Finding[];
  /** One-line remarks for the log and the summary (ignored secrets, suppressed findings, …). */
  notes: string[];
}

/** A stable key for the de-duplication: (id, package, installed version), id case-insensitive. */
export function findingKey(finding: Pick<Finding, 'id' | 'package' | 'installedVersion'>): string {
  return `${finding.id.toUpperCase()}\u0000${finding.package}\u0000${finding.installedVersion}`;
}

/** A link for ids with a well-known advisory page, else ''. */
export function defaultAdvisoryUrl(id: string): string {
  if (/^CVE-\d{4}-\d{4,}$/i.test(id)) return `https://nvd.nist.gov/vuln/detail/${id.toUpperCase()}`;
  if (/^GHSA(-[0-9a-z]{4}){3}$/i.test(id)) return `https://github.com/advisories/${id}`;
  return '';
}

/** First line of a description, shortened, for use as a title. */
export function titleFrom(text: string | undefined, fallback: string): string {
  const line = (text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l !== '');
  if (!line) return fallback;
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}

const FIX_ORDER: Record<FixState, number> = { fixed: 2, 'not-fixed': 1, unknown: 0 };

/**
 * Merges findings reported more than once (the same report listing a package
 * twice, several report files, two scanners) by (id, package, installed
 * version). The merged finding keeps the highest severity, a fixed version
 * when any report knows one, the first non-empty title/URL/image and every
 * origin. Order is stable: first occurrence wins the position.
 */
export function mergeFindings(findings: readonly Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const finding of findings) {
    const key = findingKey(finding);
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, {
        ...finding,
        origins: [...finding.origins],
        aliases: finding.aliases && [...finding.aliases],
        locations: finding.locations && [...finding.locations],
      });
      continue;
    }
    if (severityRank(finding.severity) > severityRank(seen.severity)) seen.severity = finding.severity;
    if (FIX_ORDER[finding.fixState] > FIX_ORDER[seen.fixState]) {
      seen.fixState = finding.fixState;
      seen.fixedVersion = finding.fixedVersion;
    }
    if (!seen.title || seen.title === seen.id) seen.title = finding.title || seen.title;
    if (!seen.url) seen.url = finding.url;
    seen.image ??= finding.image;
    seen.purl ??= finding.purl;
    seen.packageType ??= finding.packageType;
    seen.scannerFixState ??= finding.scannerFixState;
    for (const location of finding.locations ?? []) {
      seen.locations ??= [];
      if (!seen.locations.includes(location)) seen.locations.push(location);
    }
    for (const origin of finding.origins) if (!seen.origins.includes(origin)) seen.origins.push(origin);
    for (const alias of finding.aliases ?? []) {
      seen.aliases ??= [];
      if (!seen.aliases.includes(alias)) seen.aliases.push(alias);
    }
  }
  return [...byKey.values()];
}

/** Most severe first, then id, package, version: the order of every list a user reads. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    a.id.localeCompare(b.id) ||
    a.package.localeCompare(b.package) ||
    a.installedVersion.localeCompare(b.installedVersion)
  );
}

/** An object's own value when `value` is a plain object, else undefined. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * The message of a file-system or parse error (`ENOENT: no such file or
 * directory, open '…'`), also for errors from another realm, which
 * `instanceof Error` does not recognise.
 */
export function fileError(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
