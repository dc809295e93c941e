import { matchesGlob } from 'node:path';
import type { AllowlistEntry } from './allowlist.js';
import { imageNameCandidates, splitImage } from './images.js';
import { atLeast, compareFindings, type Finding, SEVERITIES, type Severity } from './normalise.js';
import { parsePurl, purlNamesFinding } from './purl.js';

/** `fail-on` values: the lowest severity that blocks, or `none` (report only). */
export const FAIL_ON = ['critical', 'high', 'medium', 'low', 'none'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface Policy {
  failOn: FailOn;
  /** Explicit per-severity budgets (`max-findings`); they take precedence over `fail-on` for their severity. */
  maxFindings: Partial<Record<Severity, number>>;
  ignoreUnfixed: boolean;
  allowlist: AllowlistEntry[];
}

/**
 * How the gate treated a finding. `excepted`: an allowlist entry covers it.
 * `unfixed`: no fix exists and `ignore-unfixed` is on. Both are listed, not counted.
 */
export type Disposition = 'counted' | 'excepted' | 'unfixed';

export interface EvaluatedFinding {
  finding: Finding;
  disposition: Disposition;
  /** Counted and over its severity's limit: this finding fails the gate. */
  blocking: boolean;
  exception?: AllowlistEntry;
}

export interface SeverityCounts {
  /** Every finding of this severity. */
  found: number;
  /** Those the gate counts (found − excepted − unfixed ones ignored). */
  counted: number;
  /** Covered by an allowlist entry. */
  excepted: number;
  /** With no fix available (whether or not `ignore-unfixed` ignores them). */
  unfixed: number;
}

export interface Breach {
  severity: Severity;
  counted: number;
  /** The allowed number: 0 from `fail-on`, or the `max-findings` budget. */
  limit: number;
  from: 'fail-on' | 'max-findings';
}

export interface GateVerdict {
  passed: boolean;
  /** One sentence per breach, most severe first. */
  reasons: string[];
  breaches: Breach[];
  counts: Record<Severity, SeverityCounts>;
  /** Every finding, most severe first, with how the gate treated it. */
  evaluated: EvaluatedFinding[];
  blocking: EvaluatedFinding[];
  /** Entries past their date: they no longer apply. `matched` counts findings they would have covered. */
  expired: { entry: AllowlistEntry; matched: number }[];
  /** Entries in force that matched no finding: candidates for removal. */
  stale: AllowlistEntry[];
  /** Counted findings whose scanner does not report fixes: `ignore-unfixed` could not apply to them. */
  unknownFixState: number;
}

/** The allowed count for a severity: the budget when one is set, 0 at or above `fail-on`, else unlimited. */
export function limitFor(
  severity: Severity,
  policy: Pick<Policy, 'failOn' | 'maxFindings'>,
): Breach['from'] | undefined {
  if (policy.maxFindings[severity] !== undefined) return 'max-findings';
  if (policy.failOn !== 'none' && atLeast(severity, policy.failOn.toUpperCase() as Severity))
    return 'fail-on';
  return undefined;
}

/** UTC calendar day of an epoch-milliseconds instant, YYYY-MM-DD. */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** An entry has expired once its `expires` day (UTC) is over. */
export function isExpired(entry: Pick<AllowlistEntry, 'expires'>, now: number): boolean {
  return entry.expires < utcDay(now);
}

/** Whether the entry's id (or one of its aliases) names the finding (or, unless `exactId`, one of its aliases). */
function idMatches(entry: AllowlistEntry, finding: Finding): boolean {
  const ids = new Set([entry.id, ...(entry.aliases ?? [])].map((id) => id.toUpperCase()));
  if (ids.has(finding.id.toUpperCase())) return true;
  return !entry.exactId && (finding.aliases ?? []).some((a) => ids.has(a.toUpperCase()));
}

/**
 * Whether an allowlist entry covers a finding: id (or an alias), then every
 * narrowing the entry has (package, version, purls, locations, type, fix
 * state, image digest, image globs). A narrowing the finding cannot answer
 * (no purl, no location) does not match: an exception never widens.
 */
export function entryMatches(entry: AllowlistEntry, finding: Finding): boolean {
  if (!idMatches(entry, finding)) return false;
  if (entry.package !== undefined && entry.package !== finding.package) return false;
  if (entry.version !== undefined && entry.version !== finding.installedVersion) return false;
  if (entry.purls !== undefined) {
    const named = entry.purls.some((text) => {
      const purl = parsePurl(text);
      return purl !== undefined && purlNamesFinding(purl, finding);
    });
    if (!named) return false;
  }
  if (entry.locations !== undefined) {
    const found = finding.locations ?? [];
    if (!entry.locations.some((glob) => found.some((path) => matchesGlob(path, glob)))) return false;
  }
  if (entry.packageType !== undefined && entry.packageType !== finding.packageType) return false;
  if (entry.fixState !== undefined && entry.fixState !== (finding.scannerFixState ?? finding.fixState))
    return false;
  if (entry.imageDigest !== undefined) {
    if (!finding.image || splitImage(finding.image).digest !== entry.imageDigest) return false;
  }
  if (entry.images !== undefined) {
    if (!finding.image) return false;
    const names = imageNameCandidates(finding.image);
    return entry.images.some((glob) => names.some((name) => matchesGlob(name, glob)));
  }
  return true;
}

function emptyCounts(): Record<Severity, SeverityCounts> {
  return Object.fromEntries(
    SEVERITIES.map((s) => [s, { found: 0, counted: 0, excepted: 0, unfixed: 0 }]),
  ) as Record<Severity, SeverityCounts>;
}

/**
 * The gate's decision, a pure function of the findings, the policy and the
 * time. Each finding is excepted (an allowlist entry in force covers it),
 * unfixed (no fix and `ignore-unfixed`), or counted. A severity fails the gate
 * when more findings are counted than it allows: its `max-findings` budget
 * when one is given, none at or above `fail-on`, any number below it.
 */
export function evaluateGate(findings: readonly Finding[], policy: Policy, now: number): GateVerdict {
  const active = policy.allowlist.filter((entry) => !isExpired(entry, now));
  const expiredEntries = policy.allowlist.filter((entry) => isExpired(entry, now));
  const used = new Set<AllowlistEntry>();
  const counts = emptyCounts();
  let unknownFixState = 0;

  const evaluated: EvaluatedFinding[] = [...findings].sort(compareFindings).map((finding) => {
    const c = counts[finding.severity];
    c.found++;
    if (finding.fixState === 'not-fixed') c.unfixed++;
    const exception = active.find((entry) => entryMatches(entry, finding));
    if (exception) {
      used.add(exception);
      c.excepted++;
      return { finding, disposition: 'excepted', blocking: false, exception };
    }
    if (policy.ignoreUnfixed && finding.fixState === 'not-fixed') {
      return { finding, disposition: 'unfixed', blocking: false };
    }
    c.counted++;
    if (finding.fixState === 'unknown') unknownFixState++;
    return { finding, disposition: 'counted', blocking: false };
  });
  // Entries in force that some finding matched but an earlier entry already covered are not stale.
  for (const entry of active) {
    if (!used.has(entry) && findings.some((f) => entryMatches(entry, f))) used.add(entry);
  }

  const breaches: Breach[] = [];
  for (const severity of SEVERITIES) {
    const from = limitFor(severity, policy);
    if (!from) continue;
    const limit = from === 'max-findings' ? policy.maxFindings[severity]! : 0;
    if (counts[severity].counted > limit)
      breaches.push({ severity, counted: counts[severity].counted, limit, from });
  }
  const breached = new Set(breaches.map((b) => b.severity));
  for (const item of evaluated) {
    if (item.disposition === 'counted' && breached.has(item.finding.severity)) item.blocking = true;
  }

  return {
    passed: breaches.length === 0,
    reasons: breaches.map((b) => describeBreach(b, policy.failOn)),
    breaches,
    counts,
    evaluated,
    blocking: evaluated.filter((e) => e.blocking),
    expired: expiredEntries.map((entry) => ({
      entry,
      matched: findings.filter((f) => entryMatches(entry, f)).length,
    })),
    stale: active.filter((entry) => !used.has(entry)),
    unknownFixState,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function describeBreach(breach: Breach, failOn: FailOn): string {
  const what = `${plural(breach.counted, `${breach.severity} finding`)}`;
  return breach.from === 'fail-on'
    ? `${what} (\`fail-on: ${failOn}\` allows none)`
    : `${what}, over the budget of ${breach.limit} (\`max-findings\`)`;
}
