/**
 * Grype's ignore rules (`ignore:` in `.grype.yaml`) as scan-gate exceptions,
 * read as Grype's README describes them
 * (https://github.com/anchore/grype#specifying-matches-to-ignore): a rule
 * applies to a match only when every field it names applies — the
 * vulnerability id, `fix-state` (fixed, not-fixed, wont-fix, unknown),
 * `package` name, version, type and location (a glob) — and `reason` says
 * why (Grype 0.73 and later). Grype matches the id alone unless
 * `include-aliases: true`.
 *
 * Grype rules have no end date: each gets `default-expiry-days` and a warning.
 * A rule that names no vulnerability (every unfixed finding, every gem) is not
 * an exception but a policy; scan-gate leaves it out and says which input does
 * that instead. So are rules with criteria scan-gate cannot check (namespace,
 * language, upstream name, match type, VEX fields): applying them without
 * those criteria would except more than Grype does.
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { AllowlistEntry } from '../allowlist.js';
import {
  defaultExpiry,
  entriesOf,
  type ImportContext,
  type ImportedExceptions,
  importError,
  readYaml,
  scalarText,
} from './common.js';

const RULE_KEYS = [
  'vulnerability',
  'fix-state',
  'package',
  'reason',
  'include-aliases',
  'namespace',
  'vex-status',
  'vex-justification',
  'match-type',
];
const PACKAGE_KEYS = ['name', 'version', 'type', 'location', 'language', 'upstream-name'];
const FIX_STATES = ['fixed', 'not-fixed', 'wont-fix', 'unknown'];
/** Criteria Grype checks that scan-gate's findings cannot answer. */
const UNCHECKABLE = ['namespace', 'vex-status', 'vex-justification', 'match-type'];
const UNCHECKABLE_PACKAGE = ['language', 'upstream-name'];

export function parseGrypeIgnore(source: string, context: ImportContext): ImportedExceptions {
  const { root, lineOf } = readYaml(source, context, 'YAML');
  const result: ImportedExceptions = { entries: [], skipped: [], notes: [] };
  if (root === null || !isMap(root)) {
    return importError(
      context,
      lineOf(root),
      'a Grype configuration is a mapping with `ignore:` (a list of rules).',
    );
  }
  const ignore = entriesOf(root, lineOf).get('ignore');
  if (
    !ignore ||
    ignore.value === null ||
    (isScalar(ignore.value) && scalarText(ignore.value) === undefined)
  ) {
    result.notes.push(`${context.file} has no \`ignore:\` rules.`);
    return result;
  }
  if (!isSeq(ignore.value)) {
    importError(context, ignore.line, '`ignore` must be a list of rules (`- vulnerability: CVE-…`).');
  }
  for (const item of ignore.value.items) {
    const line = lineOf(item);
    const rule = entriesOf(item as Node, lineOf);
    if (!isMap(item)) importError(context, line, 'each ignore rule is a mapping (`- vulnerability: CVE-…`).');
    for (const [key, field] of rule) {
      if (!RULE_KEYS.includes(key)) {
        importError(
          context,
          field.line,
          `unknown rule field \`${key}\`; Grype's are ${RULE_KEYS.map((k) => `\`${k}\``).join(', ')}.`,
        );
      }
    }
    const pkgNode = rule.get('package');
    const pkg = pkgNode ? entriesOf(pkgNode.value as Node, lineOf) : new Map();
    if (pkgNode && !isMap(pkgNode.value)) {
      importError(
        context,
        pkgNode.line,
        '`package` must be a mapping with `name`, `version`, `type` and/or `location`.',
      );
    }
    for (const [key, field] of pkg) {
      if (!PACKAGE_KEYS.includes(key)) {
        importError(
          context,
          field.line,
          `unknown package field \`${key}\`; Grype's are ${PACKAGE_KEYS.map((k) => `\`${k}\``).join(', ')}.`,
        );
      }
    }
    const id = scalarText(rule.get('vulnerability')?.value);
    const fixState = scalarText(rule.get('fix-state')?.value);
    if (fixState !== undefined && !FIX_STATES.includes(fixState)) {
      importError(
        context,
        rule.get('fix-state')!.line,
        `\`fix-state: ${fixState}\` is not one of Grype's ${FIX_STATES.map((s) => `\`${s}\``).join(', ')}.`,
      );
    }
    if (!id) {
      const instead =
        fixState === 'not-fixed' || fixState === 'wont-fix'
          ? ' For unfixed findings use `ignore-unfixed: true`.'
          : ' Name the vulnerability, or use `fail-on` / `max-findings` for a policy.';
      result.skipped.push({
        line,
        message: `the rule names no \`vulnerability\`: it is a policy for every matching finding, not an exception, so the gate does not apply it.${instead}`,
      });
      continue;
    }
    const unchecked = [
      ...UNCHECKABLE.filter((k) => rule.has(k)),
      ...UNCHECKABLE_PACKAGE.filter((k) => pkg.has(k)).map((k) => `package.${k}`),
    ];
    if (unchecked.length > 0) {
      result.skipped.push({
        line,
        message: `rule \`${id}\` also needs ${unchecked.map((k) => `\`${k}\``).join(', ')}, which scan-gate cannot check; applied without it, it would except more than Grype does, so the gate does not apply it. Narrow it with \`package\` fields instead, or add the exception to the allowlist.`,
      });
      continue;
    }
    const includeAliases = scalarText(rule.get('include-aliases')?.value);
    const location = scalarText(pkg.get('location')?.value);
    const entry: AllowlistEntry = {
      id,
      reason: scalarText(rule.get('reason')?.value) ?? `Grype ignore rule in ${context.file}`,
      expires: defaultExpiry(context),
      defaultExpiry: true,
      exactId: includeAliases !== 'true',
      package: scalarText(pkg.get('name')?.value),
      version: scalarText(pkg.get('version')?.value),
      packageType: scalarText(pkg.get('type')?.value),
      locations: location ? [location] : undefined,
      fixState,
      importedFrom: 'grype',
      file: context.file,
      line,
    };
    result.entries.push(
      Object.fromEntries(
        Object.entries(entry).filter(([, v]) => v !== undefined),
      ) as unknown as AllowlistEntry,
    );
  }
  return result;
}
