import type { GateVerdict } from './policy.js';

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  title?: string;
  file?: string;
  startLine?: number;
}

/**
 * GitHub keeps at most 10 error annotations per step and the step's failure
 * message is one of them, so findings get 9 (the last being "…and N more").
 */
export const MAX_FINDING_ANNOTATIONS = 9;

/**
 * One error per blocking finding (capped, then "…and N more"), a warning per
 * expired exception and a notice per stale allowlist entry, both on the entry's line.
 * `dockerfile` places the finding errors on that file when given.
 */
export function buildAnnotations(
  verdict: GateVerdict,
  options: { dockerfile?: string; max?: number } = {},
): Annotation[] {
  const max = options.max ?? MAX_FINDING_ANNOTATIONS;
  const place = options.dockerfile ? { file: options.dockerfile, startLine: 1 } : {};
  const annotations: Annotation[] = [];
  const shown = verdict.blocking.length > max ? max - 1 : verdict.blocking.length;
  for (const { finding } of verdict.blocking.slice(0, shown)) {
    const fixed = finding.fixedVersion
      ? `fixed in ${finding.fixedVersion}`
      : finding.fixState === 'not-fixed'
        ? 'no fix available'
        : 'fix status unknown';
    annotations.push({
      level: 'error',
      title: `${finding.severity} ${finding.id}`,
      message: `${finding.id} (${finding.severity}) in ${finding.package} ${finding.installedVersion}, ${fixed}: ${finding.title}${finding.url ? ` ${finding.url}` : ''}`,
      ...place,
    });
  }
  if (verdict.blocking.length > shown) {
    const rest = verdict.blocking.length - shown;
    annotations.push({
      level: 'error',
      title: 'More blocking findings',
      message: `…and ${rest} more blocking finding${rest === 1 ? '' : 's'}; see the job summary and the \`findings\` output file.`,
      ...place,
    });
  }
  for (const { entry, matched } of verdict.expired) {
    annotations.push({
      level: 'warning',
      title: `Expired exception ${entry.id}`,
      message: `${entry.importedFrom ? 'Imported exception' : 'Allowlist exception'} ${entry.id} expired on ${entry.expires} and no longer applies${matched > 0 ? ` (it would cover ${matched} finding${matched === 1 ? '' : 's'})` : ''}. Renew it with a new date and reason, or remove it.`,
      file: entry.file,
      startLine: entry.line,
    });
  }
  // An imported file (a VEX document, a shared .trivyignore) speaks of many images: an entry that
  // matches nothing here is normal for it, so only the allowlist's stale entries are annotated
  // (the summary lists them all).
  for (const entry of verdict.stale.filter((e) => !e.importedFrom)) {
    annotations.push({
      level: 'notice',
      title: `Stale exception ${entry.id}`,
      message: `Allowlist exception ${entry.id} matched no finding; remove it if the vulnerability is gone.`,
      file: entry.file,
      startLine: entry.line,
    });
  }
  return annotations;
}
