import { ConfigurationError } from '@berth/shared/errors';
import { splitImage } from '../images.js';
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

/** True when a parsed JSON document looks like Trivy's JSON report. */
export function isTrivyReport(doc: unknown): boolean {
  const r = record(doc);
  return r !== undefined && ('SchemaVersion' in r || ('ArtifactName' in r && 'Results' in r));
}

/**
 * The scanned image as Trivy names it. A tarball scan (`--input x.tar`) is
 * named after the file, so the image's own tag is preferred then; the digest
 * from RepoDigests is appended when the name has none.
 */
export function trivyImage(doc: Record<string, unknown>): string | undefined {
  if (doc.ArtifactType !== undefined && doc.ArtifactType !== 'container_image') return undefined;
  const metadata = record(doc.Metadata) ?? {};
  const tags = list(metadata.RepoTags)
    .map(text)
    .filter((t): t is string => t !== undefined);
  const digests = list(metadata.RepoDigests)
    .map(text)
    .filter((t): t is string => t !== undefined);
  let name = text(doc.ArtifactName);
  if (!name || /\.(tar|tar\.gz|tgz)$/i.test(name)) name = tags[0] ?? name;
  if (!name) return undefined;
  const parsed = splitImage(name);
  if (!parsed.digest) {
    const match = digests.find((d) => splitImage(d).repository === parsed.repository) ?? digests[0];
    const digest = match && splitImage(match).digest;
    if (digest) return `${name}@${digest}`;
  }
  return name;
}

function fixState(vuln: Record<string, unknown>): { fixState: FixState; fixedVersion?: string } {
  const fixed = text(vuln.FixedVersion);
  if (fixed) return { fixState: 'fixed', fixedVersion: fixed };
  // Trivy reports a fix only through FixedVersion; an empty one means none is known.
  return { fixState: 'not-fixed' };
}

/**
 * What `.trivyignore.yaml` entries match on besides the id: the package's
 * purl and the paths Trivy itself compares `paths` with (the result's Target
 * and the package's PkgPath, as Trivy's MatchVulnerability does).
 */
function trivyPackage(
  result: Record<string, unknown>,
  vuln: Record<string, unknown>,
): Pick<Finding, 'purl' | 'locations'> {
  const locations = [text(result.Target), text(vuln.PkgPath)].filter((l): l is string => l !== undefined);
  return {
    purl: text(record(vuln.PkgIdentifier)?.PURL),
    locations: locations.length > 0 ? locations : undefined,
  };
}

/**
 * Trivy JSON (`trivy image --format json`, SchemaVersion 2): every
 * `Results[].Vulnerabilities[]`. Secrets, misconfigurations and licenses are
 * not vulnerabilities; they are counted in the notes, not gated.
 */
export function parseTrivyReport(doc: unknown, origin: string): SourceResult {
  const report = record(doc);
  if (!report || !isTrivyReport(report)) {
    throw new ConfigurationError(
      `Report \`${origin}\` is not a Trivy JSON report (no \`SchemaVersion\`). Produce it with \`trivy image --format json --output ${origin} <image>\`.`,
    );
  }
  if (report.SchemaVersion !== 2) {
    throw new ConfigurationError(
      `Report \`${origin}\` has Trivy SchemaVersion ${JSON.stringify(report.SchemaVersion)}; scan-gate reads SchemaVersion 2 (Trivy 0.20 and later). Upgrade Trivy or re-run the scan with \`--format json\`.`,
    );
  }
  const image = trivyImage(report);
  const findings: Finding[] = [];
  let secrets = 0;
  let misconfigurations = 0;
  for (const result of list(report.Results)) {
    const r = record(result);
    if (!r) continue;
    secrets += list(r.Secrets).length;
    misconfigurations += list(r.Misconfigurations).filter((m) => record(m)?.Status !== 'PASS').length;
    for (const entry of list(r.Vulnerabilities)) {
      const vuln = record(entry);
      const id = text(vuln?.VulnerabilityID);
      if (!vuln || !id) continue;
      findings.push({
        id,
        severity: normaliseSeverity(vuln.Severity),
        package: text(vuln.PkgName) ?? text(vuln.PkgPath) ?? '(unknown package)',
        installedVersion: text(vuln.InstalledVersion) ?? '',
        ...fixState(vuln),
        title: text(vuln.Title) ?? titleFrom(text(vuln.Description), id),
        url: text(vuln.PrimaryURL) ?? defaultAdvisoryUrl(id),
        source: 'trivy',
        image,
        origins: [origin],
        ...trivyPackage(r, vuln),
      });
    }
  }
  const notes: string[] = [];
  if (secrets > 0 || misconfigurations > 0) {
    const parts = [
      secrets > 0 ? `${secrets} secret finding${secrets === 1 ? '' : 's'}` : '',
      misconfigurations > 0
        ? `${misconfigurations} misconfiguration${misconfigurations === 1 ? '' : 's'}`
        : '',
    ].filter(Boolean);
    notes.push(
      `\`${origin}\` also reports ${parts.join(' and ')}; scan-gate gates vulnerabilities only, review those in the Trivy output.`,
    );
  }
  return { findings, notes };
}

export const trivyParser: ReportParser = {
  source: 'trivy',
  label: 'Trivy',
  description: 'a Trivy JSON report',
  matches: isTrivyReport,
  parse: parseTrivyReport,
};
