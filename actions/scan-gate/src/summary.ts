import { fullReferenceList, SECTION_HEADING_LEVEL } from '@berth/shared/summary';
import type { AllowlistEntry } from './allowlist.js';
import { SEVERITIES } from './normalise.js';
import { type EvaluatedFinding, type GateVerdict, limitFor, type Policy } from './policy.js';

/** Sections under the verdict heading, as in every Berth summary. */
const SECTION = '#'.repeat(SECTION_HEADING_LEVEL);

/** `n thing` or `n things`. */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Everything the job summary shows; main.ts assembles it, renderSummary() only formats. */
export interface SummaryData {
  /** What was gated, e.g. "ECR enhanced scan of `web@sha256:0123456789ab`" or "Trivy report `trivy.json`" (images short). */
  subject: string;
  /** The full image reference the subject shows short, for the block under the verdict. */
  image?: string;
  verdict: GateVerdict;
  policy: Policy;
  /** Path of the allowlist as the user gave it. */
  allowlistPath?: string;
  /** Exception files imported (`exception-files`), as the user gave them. */
  exceptionFiles?: string[];
  /** Set when the image has no usable scan. */
  unscanned?: { status: string; reason: string; advice: string; allowed: boolean };
  notes: string[];
  /** Rows of the blocking table before "…and N more". */
  maxRows?: number;
}

/**
 * Makes text safe inside a Markdown table cell. Finding titles come from the
 * scanned image's metadata: `[`/`]` are escaped so a title cannot become a
 * link or an image (a tracking pixel) in the summary.
 */
export function cell(value: string | undefined): string {
  if (!value) return '';
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/([[\]])/g, '\\$1')
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function code(value: string): string {
  return `\`${value.replace(/`/g, "'")}\``;
}

function link(id: string, url: string): string {
  return url ? `[${cell(id)}](${url.replace(/[()\s]/g, encodeURIComponent)})` : cell(id);
}

function versions(item: EvaluatedFinding): string {
  const { finding } = item;
  const fixed =
    finding.fixedVersion ??
    (finding.fixState === 'not-fixed'
      ? 'no fix'
      : finding.fixState === 'fixed'
        ? 'fixed (version not given)'
        : '?');
  return `${cell(finding.installedVersion) || '?'} → ${cell(fixed)}`;
}

function allowed(policy: Policy, severity: (typeof SEVERITIES)[number]): string {
  const from = limitFor(severity, policy);
  if (from === 'max-findings') return `${policy.maxFindings[severity]} (max-findings)`;
  if (from === 'fail-on') return '0 (fail-on)';
  return 'any';
}

function entryScope(entry: AllowlistEntry): string {
  return [
    entry.package ? `package ${code(entry.package)}` : '',
    entry.version ? `version ${code(entry.version)}` : '',
    entry.packageType ? `type ${code(entry.packageType)}` : '',
    entry.purls ? `purl ${entry.purls.map(code).join(', ')}` : '',
    entry.locations ? `at ${entry.locations.map(code).join(', ')}` : '',
    entry.fixState ? `fix state ${code(entry.fixState)}` : '',
    entry.imageDigest ? `image ${code(`${entry.imageDigest.slice(0, 19)}…`)}` : '',
    entry.images ? `images ${entry.images.map(code).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** The job summary in Markdown. Pure; main.ts writes it through the shared summary writer. */
export function renderSummary(data: SummaryData): string {
  const { verdict, policy } = data;
  const maxRows = data.maxRows ?? 50;
  const out: string[] = [];

  if (data.unscanned) {
    const u = data.unscanned;
    out.push(
      u.allowed
        ? `### Scan gate passed without a scan: ${cell(u.status)}`
        : `### Scan gate failed: the image was not scanned (${cell(u.status)})`,
      '',
      `${cell(u.reason)} ${cell(u.advice)}`,
      '',
      u.allowed ? '`allow-unscanned: true` lets the step pass; nothing was checked.' : '',
    );
  } else if (verdict.passed) {
    const excepted = SEVERITIES.reduce((n, s) => n + verdict.counts[s].excepted, 0);
    out.push(
      `### Scan gate passed: ${data.subject}`,
      '',
      `No severity is over its limit${excepted > 0 ? ` (${excepted} finding${excepted === 1 ? '' : 's'} excepted by ${data.exceptionFiles?.length ? (data.allowlistPath ? 'the allowlist and the exception files' : 'the exception files') : 'the allowlist'})` : ''}.`,
    );
  } else {
    const n = verdict.blocking.length;
    out.push(
      `### Scan gate failed: ${n} blocking finding${n === 1 ? '' : 's'} in ${data.subject}`,
      '',
      ...verdict.reasons.map((r) => `- ${r}`),
    );
  }

  if (data.image) {
    out.push(
      '',
      `<details><summary>Full image reference</summary>${fullReferenceList([['image', data.image]])}</details>`,
    );
  }

  // Imported entries say where they came from; the allowlist's own do not.
  const own = policy.allowlist.filter((entry) => !entry.importedFrom).length;
  out.push(
    '',
    `Policy: \`fail-on: ${policy.failOn}\`` +
      (Object.keys(policy.maxFindings).length > 0
        ? `, \`max-findings: ${Object.entries(policy.maxFindings)
            .map(([s, v]) => `${s.toLowerCase()}=${v}`)
            .join(',')}\``
        : '') +
      `, \`ignore-unfixed: ${policy.ignoreUnfixed}\`` +
      (data.allowlistPath
        ? `, allowlist ${code(data.allowlistPath)} (${plural(own, 'exception')})`
        : ', no allowlist') +
      (data.exceptionFiles?.length
        ? `, ${plural(policy.allowlist.length - own, 'exception')} imported from ${data.exceptionFiles.map(code).join(', ')}`
        : '') +
      '.',
  );

  if (!data.unscanned) {
    out.push(
      '',
      '| Severity | Found | Counted | Excepted | No fix available | Allowed |',
      '| --- | ---: | ---: | ---: | ---: | --- |',
      ...SEVERITIES.map((s) => {
        const c = verdict.counts[s];
        return `| ${s} | ${c.found} | ${c.counted} | ${c.excepted} | ${c.unfixed} | ${allowed(policy, s)} |`;
      }),
      '',
      policy.ignoreUnfixed
        ? '_Counted_ excludes excepted findings and, with `ignore-unfixed: true`, those with no fix available.'
        : '_Counted_ excludes excepted findings; findings with no fix available are counted (`ignore-unfixed: false`).',
    );
  }

  if (verdict.blocking.length > 0) {
    out.push(
      '',
      `${SECTION} Blocking findings (${verdict.blocking.length})`,
      '',
      '| Severity | ID | Package | Installed → fixed | Title |',
      '| --- | --- | --- | --- | --- |',
      ...verdict.blocking
        .slice(0, maxRows)
        .map(
          (b) =>
            `| ${b.finding.severity} | ${link(b.finding.id, b.finding.url)} | ${cell(b.finding.package)} | ${versions(b)} | ${cell(b.finding.title)} |`,
        ),
    );
    if (verdict.blocking.length > maxRows) {
      out.push('', `…and ${verdict.blocking.length - maxRows} more in the \`findings\` output file.`);
    }
  }

  if (verdict.expired.length > 0) {
    out.push(
      '',
      `${SECTION} Expired exceptions (${verdict.expired.length})`,
      '',
      'These no longer apply. Renew them with a new date and reason, or fix the findings.',
      '',
      '| ID | Scope | Expired | Reason | Where | Findings it would cover |',
      '| --- | --- | --- | --- | --- | ---: |',
      ...verdict.expired.map(
        ({ entry, matched }) =>
          `| ${cell(entry.id)} | ${entryScope(entry) || 'all'} | ${entry.expires} | ${cell(entry.reason)} | ${cell(entry.file)} line ${entry.line} | ${matched} |`,
      ),
    );
  }

  if (verdict.stale.length > 0) {
    out.push(
      '',
      `${SECTION} Stale exceptions (${verdict.stale.length})`,
      '',
      'In force but matched no finding: the vulnerability is gone from this image (remove the entry) or the entry is misspelt.',
      '',
      '| ID | Scope | Expires | Where |',
      '| --- | --- | --- | --- |',
      ...verdict.stale.map(
        (entry) =>
          `| ${cell(entry.id)} | ${entryScope(entry) || 'all'} | ${entry.expires} | ${cell(entry.file)} line ${entry.line} |`,
      ),
    );
  }

  const notes = [...data.notes];
  if (verdict.unknownFixState > 0 && policy.ignoreUnfixed) {
    notes.push(
      `${verdict.unknownFixState} counted finding${verdict.unknownFixState === 1 ? '' : 's'} come from a scanner that does not report fixes (e.g. ECR basic scanning); \`ignore-unfixed\` cannot apply to them.`,
    );
  }
  if (notes.length > 0) out.push('', `${SECTION} Notes`, '', ...notes.map((n) => `- ${n}`));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}
