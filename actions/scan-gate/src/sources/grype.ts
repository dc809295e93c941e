import { ConfigurationError } from '@berth/shared/errors';
import {
  defaultAdvisoryUrl,
  type Finding,
  type FixState,
  list,
  normaliseSeverity,
  record,
  type SourceResult,
  text,
  titleFrom,
} from '../normalise.js';
import type { ReportParser } from './source.js';

/** True when a parsed JSON document looks like Grype's JSON report. */
export function isGrypeReport(doc: unknown): boolean {
  const r = record(doc);
  return r !== undefined && Array.isArray(r.matches) && ('source' in r || 'descriptor' in r);
}

/** The scanned image (`source.target.userInput`), undefined for directory and SBOM scans. */
export function grypeImage(doc: Record<string, unknown>): string | undefined {
  const source = record(doc.source);
  if (source?.type !== 'image') return undefined;
  const target = record(source.target);
  const name = text(target?.userInput) ?? text(list(target?.tags)[0]);
  if (!name) return undefined;
  const digest = text(target?.manifestDigest);
  return digest && !name.includes('@') ? `${name}@${digest}` : name;
}

/**
 * Grype's fix states: `fixed` with versions is a fix; `not-fixed` and
 * `wont-fix` are none (grype's own `--only-fixed` drops them); `unknown`,
 * an empty state or no `fix` object at all (Grype before 0.8) say nothing.
 */
function fixState(vulnerability: Record<string, unknown>): { fixState: FixState; fixedVersion?: string } {
  const fix = record(vulnerability.fix);
  const versions = list(fix?.versions)
    .map(text)
    .filter((v): v is string => v !== undefined);
  const state = text(fix?.state)?.toLowerCase();
  if (state === 'fixed' && versions.length > 0)
    return { fixState: 'fixed', fixedVersion: versions.join(', ') };
  if (state === 'not-fixed' || state === 'wont-fix') return { fixState: 'not-fixed' };
  if (!state && versions.length > 0) return { fixState: 'fixed', fixedVersion: versions.join(', ') };
  return { fixState: 'unknown' };
}

/** What Grype's ignore rules match on besides the id: purl, locations, type and its own fix state. */
function grypePackage(
  artifact: Record<string, unknown> | undefined,
  vulnerability: Record<string, unknown>,
): Pick<Finding, 'purl' | 'locations' | 'packageType' | 'scannerFixState'> {
  const locations = list(artifact?.locations)
    .map((l) => text(record(l)?.path))
    .filter((l): l is string => l !== undefined);
  return {
    purl: text(artifact?.purl),
    locations: locations.length > 0 ? locations : undefined,
    packageType: text(artifact?.type),
    scannerFixState: text(record(vulnerability.fix)?.state)?.toLowerCase(),
  };
}

/** Grype JSON (`grype <image> -o json`): every `matches[]`. */
export function parseGrypeReport(doc: unknown, origin: string): SourceResult {
  const report = record(doc);
  if (!report || !Array.isArray(report.matches)) {
    throw new ConfigurationError(
      `Report \`${origin}\` is not a Grype JSON report (no \`matches\` list). Produce it with \`grype <image> -o json --file ${origin}\`.`,
    );
  }
  const image = grypeImage(report);
  const findings: Finding[] = [];
  for (const entry of report.matches) {
    const match = record(entry);
    const vulnerability = record(match?.vulnerability);
    const artifact = record(match?.artifact);
    const id = text(vulnerability?.id);
    if (!match || !vulnerability || !id) continue;
    const related = list(match.relatedVulnerabilities).map(record);
    const aliases = related
      .map((r) => text(r?.id))
      .filter((a): a is string => a !== undefined && a.toUpperCase() !== id.toUpperCase());
    const description =
      text(vulnerability.description) ?? related.map((r) => text(r?.description)).find(Boolean);
    const url =
      text(vulnerability.dataSource) ??
      text(list(vulnerability.urls)[0]) ??
      text(list(vulnerability.links)[0]) ??
      defaultAdvisoryUrl(id);
    findings.push({
      id,
      severity: normaliseSeverity(vulnerability.severity),
      package: text(artifact?.name) ?? '(unknown package)',
      installedVersion: text(artifact?.version) ?? '',
      ...fixState(vulnerability),
      title: titleFrom(description, id),
      url,
      source: 'grype',
      image,
      aliases: aliases.length > 0 ? [...new Set(aliases)] : undefined,
      origins: [origin],
      ...grypePackage(artifact, vulnerability),
    });
  }
  return { findings, notes: [] };
}

export const grypeParser: ReportParser = {
  source: 'grype',
  label: 'Grype',
  description: 'a Grype JSON report',
  matches: isGrypeReport,
  parse: parseGrypeReport,
};
