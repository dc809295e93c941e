import { ConfigurationError } from '@berth/shared/errors';
import {
  defaultAdvisoryUrl,
  type Finding,
  type FixState,
  list,
  normaliseSeverity,
  record,
  type Severity,
  type SourceResult,
  severityFromScore,
  text,
  titleFrom,
} from '../normalise.js';
import type { ReportParser } from './source.js';

/** True when a parsed JSON document is (or claims to be) SARIF: sniffed by content, never by file name. */
export function isSarif(doc: unknown): boolean {
  const r = record(doc);
  if (!r || !Array.isArray(r.runs)) return false;
  return typeof r.version === 'string' || /sarif/i.test(String(r.$schema ?? ''));
}

/** SARIF levels → severity, for results without a `security-severity` score. */
const LEVEL_SEVERITY: Record<string, Severity> = {
  error: 'HIGH',
  warning: 'MEDIUM',
  note: 'LOW',
  none: 'INFORMATIONAL',
};

/** A CVE or GHSA id by itself. */
const CVE_OR_GHSA = /^(?:CVE-\d{4}-\d{4,}|GHSA(?:-[0-9a-z]{4}){3})$/i;
/** A CVE or GHSA id followed by more (Grype's rule ids are `<id>-<package>`). */
const LEADING_ID = /^(CVE-\d{4}-\d{4,}|GHSA(?:-[0-9a-z]{4}){3})(?=-)/i;

function score(properties: unknown): number | undefined {
  const raw = record(properties)?.['security-severity'];
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number.parseFloat(raw) : Number.NaN;
  return Number.isFinite(value) ? value : undefined;
}

function messageText(message: unknown): string {
  const m = record(message);
  return (typeof message === 'string' ? message : (text(m?.text) ?? text(m?.markdown))) ?? '';
}

/** `Key: value` lines that Trivy (result message) and Grype (rule help) write. */
function field(texts: string[], pattern: RegExp): string | undefined {
  for (const t of texts) {
    const match = pattern.exec(t);
    if (match) return match[1].trim();
  }
  return undefined;
}

interface RuleIndex {
  byId: Map<string, Record<string, unknown>>;
  driverRules: unknown[];
}

function indexRules(run: Record<string, unknown>): RuleIndex {
  const tool = record(run.tool);
  const driver = record(tool?.driver);
  const driverRules = list(driver?.rules);
  const byId = new Map<string, Record<string, unknown>>();
  const components = [driver, ...list(tool?.extensions).map(record)];
  for (const component of components) {
    for (const rule of list(component?.rules)) {
      const r = record(rule);
      const id = text(r?.id);
      if (r && id && !byId.has(id)) byId.set(id, r);
    }
  }
  return { byId, driverRules };
}

function ruleFor(result: Record<string, unknown>, rules: RuleIndex): Record<string, unknown> | undefined {
  const ruleId = text(result.ruleId) ?? text(record(result.rule)?.id);
  if (ruleId && rules.byId.has(ruleId)) return rules.byId.get(ruleId);
  const index = typeof result.ruleIndex === 'number' ? result.ruleIndex : record(result.rule)?.index;
  return typeof index === 'number' ? record(rules.driverRules[index]) : undefined;
}

/**
 * Severity as GitHub code scanning reads it: the `security-severity` CVSS
 * score (result, then rule) in buckets when present, else the result's
 * `level`, else the rule's default level, else SARIF's default `warning`.
 */
export function sarifSeverity(
  result: Record<string, unknown>,
  rule: Record<string, unknown> | undefined,
): Severity {
  const s = score(result.properties) ?? score(rule?.properties);
  if (s !== undefined) return severityFromScore(s);
  const level =
    text(result.level) ??
    text(record(rule?.defaultConfiguration)?.level) ??
    ('warning' as string | undefined);
  return LEVEL_SEVERITY[level?.toLowerCase() ?? 'warning'] ?? normaliseSeverity(level);
}

function locationName(result: Record<string, unknown>): string | undefined {
  for (const location of list(result.locations)) {
    const l = record(location);
    const uri = text(record(record(l?.physicalLocation)?.artifactLocation)?.uri);
    if (uri) return uri;
    const logical = record(list(l?.logicalLocations)[0]);
    const name = text(logical?.fullyQualifiedName) ?? text(logical?.name);
    if (name) return name;
  }
  return undefined;
}

function runImage(run: Record<string, unknown>): string | undefined {
  const properties = record(run.properties);
  const name = text(properties?.imageName) ?? text(list(properties?.repoTags)[0]);
  if (!name) return undefined;
  const digest = text(list(properties?.repoDigests)[0])?.split('@')[1];
  return digest && !name.includes('@') ? `${name}@${digest}` : name;
}

/**
 * Any SARIF 2.1.0 log: Trivy's and Grype's (package, versions and fix are read
 * from the `Package:` / `Installed Version:` / `Fixed Version:` lines they
 * write in result messages and rule help) and third-party scanners' (the rule
 * id is the vulnerability, the location the package when nothing better is
 * given). SARIF suppressions are not honoured: exceptions belong in the
 * allowlist, where they have a reason and an expiry.
 */
export function parseSarifReport(doc: unknown, origin: string): SourceResult {
  const log = record(doc);
  if (!log || !isSarif(log)) {
    throw new ConfigurationError(
      `Report \`${origin}\` is not a SARIF log (no \`version\` and \`runs\`). Point \`report\` at the scanner's SARIF 2.1.0 output, or set \`source\` to the scanner's own format.`,
    );
  }
  if (log.version !== '2.1.0') {
    throw new ConfigurationError(
      `Report \`${origin}\` is SARIF version ${JSON.stringify(log.version)}; scan-gate reads SARIF 2.1.0. Export the report as SARIF 2.1.0.`,
    );
  }
  const findings: Finding[] = [];
  let skipped = 0;
  for (const runValue of log.runs as unknown[]) {
    const run = record(runValue);
    if (!run) continue;
    const rules = indexRules(run);
    const image = runImage(run);
    for (const resultValue of list(run.results)) {
      const result = record(resultValue);
      if (!result) continue;
      const kind = text(result.kind) ?? 'fail';
      if (kind === 'pass' || kind === 'notApplicable' || result.baselineState === 'absent') {
        skipped++;
        continue;
      }
      const rule = ruleFor(result, rules);
      const message = messageText(result.message);
      const help = messageText(rule?.help);
      const texts = [message, help];
      const ruleId = text(result.ruleId) ?? text(record(result.rule)?.id) ?? text(rule?.id) ?? '(no rule id)';
      // The rule id when it is the vulnerability (Trivy, most scanners), else the id the
      // `Vulnerability <id>` line names (Grype), else the id a rule id starts with.
      const id = CVE_OR_GHSA.test(ruleId)
        ? ruleId
        : (field(texts, /^Vulnerability (\S+)\s*$/m) ?? LEADING_ID.exec(ruleId)?.[1] ?? ruleId);
      const resultProperties = record(result.properties);
      const pkg =
        field(texts, /^Package: (.+)$/m) ??
        field([message], /reports (\S+) at version \S+/) ??
        text(resultProperties?.packageName) ??
        text(resultProperties?.package) ??
        locationName(result) ??
        '(unknown package)';
      const installed =
        field(texts, /^Installed Version: (.+)$/m) ??
        field(texts, /^Version: (.+)$/m) ??
        field([message], /reports \S+ at version (\S+)/) ??
        text(resultProperties?.installedVersion) ??
        '';
      const fixedLine = field(texts, /^(?:Fixed|Fix) Version:(.*)$/m);
      const fix: { fixState: FixState; fixedVersion?: string } =
        fixedLine === undefined
          ? { fixState: 'unknown' }
          : fixedLine === ''
            ? { fixState: 'not-fixed' }
            : { fixState: 'fixed', fixedVersion: fixedLine };
      const link = field(texts, /^Link: \[[^\]]*\]\((https?:[^)\s]+)\)/m);
      findings.push({
        id,
        severity: sarifSeverity(result, rule),
        package: pkg,
        installedVersion: installed,
        ...fix,
        title: text(messageText(rule?.shortDescription)) ?? titleFrom(message, text(rule?.name) ?? id) ?? id,
        url: link ?? text(rule?.helpUri) ?? defaultAdvisoryUrl(id),
        source: 'sarif',
        image: text(resultProperties?.image) ?? image,
        origins: [origin],
      });
    }
  }
  const notes =
    skipped > 0
      ? [
          `\`${origin}\`: ${skipped} result${skipped === 1 ? '' : 's'} marked pass, not applicable or absent were skipped.`,
        ]
      : [];
  return { findings, notes };
}

export const sarifParser: ReportParser = {
  source: 'sarif',
  label: 'SARIF',
  description: 'a SARIF log',
  matches: isSarif,
  parse: parseSarifReport,
};
