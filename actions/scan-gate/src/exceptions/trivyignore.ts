/**
 * Trivy's ignore files as scan-gate exceptions, read as Trivy reads them
 * (https://trivy.dev/latest/docs/configuration/filtering/#by-finding-ids,
 * and Trivy's pkg/result/ignore.go):
 *
 * - `.trivyignore`: one finding id per line; blank lines and lines starting
 *   with `#` are skipped; `exp:YYYY-MM-DD` among the fields ends the entry.
 *   scan-gate also takes the comment lines right above an id (or `# …` after
 *   it) as its reason.
 * - `.trivyignore.yaml`: `vulnerabilities:` entries with `id`, optional
 *   `paths` (globs), `purls`, `expired_at` and `statement`. Misconfiguration,
 *   secret and license entries are Trivy's business: scan-gate gates
 *   vulnerabilities only.
 *
 * Trivy drops an entry once its date, read as midnight UTC, is before now, so
 * `exp:2026-03-31` applies through 2026-03-30: that is the `expires` day
 * scan-gate gives it.
 */
import { isScalar, isSeq, type Node } from 'yaml';
import type { AllowlistEntry } from '../allowlist.js';
import { isIsoDate } from '../allowlist.js';
import { parsePurl } from '../purl.js';
import {
  defaultExpiry,
  entriesOf,
  type ImportContext,
  type ImportedExceptions,
  importError,
  lastDayBefore,
  readYaml,
  scalarText,
} from './common.js';

/** Finding ids as Trivy and the databases it reads write them: CVE-…, GHSA-…, DLA-…, AVD-DS-0002, aws-access-key-id. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

/** The plain `.trivyignore` format. */
export function parseTrivyIgnore(source: string, context: ImportContext): ImportedExceptions {
  const entries: AllowlistEntry[] = [];
  let comments: string[] = [];
  source.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const text = raw.trim();
    if (text === '') {
      comments = [];
      return;
    }
    if (text.startsWith('#')) {
      const comment = text.replace(/^#+\s*/, '');
      if (comment) comments.push(comment);
      return;
    }
    const fields = text.split(/\s+/);
    const id = fields[0];
    if (!ID.test(id) || id.endsWith(':')) {
      importError(
        context,
        line,
        `\`${id}\` is not a finding id. A .trivyignore line is an id (e.g. \`CVE-2024-3094\`), optionally followed by \`exp:YYYY-MM-DD\`; for the YAML format name the file \`.trivyignore.yaml\`.`,
      );
    }
    let exp: string | undefined;
    let inlineComment: string | undefined;
    for (const [i, field] of fields.slice(1).entries()) {
      if (field.startsWith('#')) {
        inlineComment =
          fields
            .slice(i + 1)
            .join(' ')
            .replace(/^#+\s*/, '') || undefined;
        break;
      }
      if (field.startsWith('exp:')) {
        exp = field.slice('exp:'.length);
        if (!isIsoDate(exp)) {
          importError(
            context,
            line,
            `\`${field}\` is not an expiry date; write \`exp:YYYY-MM-DD\`, e.g. \`${id} exp:2026-03-31\`. (Trivy itself would skip this line with a warning.)`,
          );
        }
      }
    }
    const reason = inlineComment ?? (comments.length > 0 ? comments.join(' ') : `listed in ${context.file}`);
    comments = [];
    entries.push({
      id,
      reason,
      expires: exp ? lastDayBefore(exp) : defaultExpiry(context),
      defaultExpiry: exp ? undefined : true,
      importedFrom: 'trivyignore',
      file: context.file,
      line,
    });
  });
  return { entries, skipped: [], notes: [] };
}

const YAML_SECTIONS = ['vulnerabilities', 'misconfigurations', 'secrets', 'licenses'];
const YAML_KEYS = ['id', 'paths', 'purls', 'expired_at', 'statement'];

function stringList(
  value: Node | null,
  line: number,
  key: string,
  label: string,
  context: ImportContext,
  lineOf: (node: unknown) => number,
): string[] {
  const items = isSeq(value) ? value.items : [];
  if (!isSeq(value) || items.length === 0) {
    importError(context, line, `${label}: \`${key}\` must be a list of strings, e.g. \`${key}: ["…"]\`.`);
  }
  return items.map((item) => {
    const text = scalarText(item as Node);
    if (text === undefined)
      importError(context, lineOf(item), `${label}: every \`${key}\` item must be a string.`);
    return text;
  });
}

/** The `.trivyignore.yaml` format (vulnerabilities only). */
export function parseTrivyIgnoreYaml(source: string, context: ImportContext): ImportedExceptions {
  const { root, lineOf } = readYaml(source, context, 'YAML');
  const notes: string[] = [];
  if (root === null) return { entries: [], skipped: [], notes };
  const sections = entriesOf(root, lineOf);
  if (sections.size === 0) {
    importError(
      context,
      lineOf(root),
      'a .trivyignore.yaml is a mapping with `vulnerabilities:` (a list of `- id: …`).',
    );
  }
  for (const [key, { line }] of sections) {
    if (!YAML_SECTIONS.includes(key)) {
      importError(
        context,
        line,
        `unknown section \`${key}\`; a .trivyignore.yaml has ${YAML_SECTIONS.map((k) => `\`${k}\``).join(', ')}.`,
      );
    }
  }
  const others = YAML_SECTIONS.slice(1).filter((k) => sections.has(k) && isSeq(sections.get(k)?.value));
  if (others.length > 0) {
    notes.push(
      `${context.file}: ${others.map((k) => `\`${k}\``).join(', ')} are not vulnerabilities; scan-gate leaves them to Trivy.`,
    );
  }
  const vulnerabilities = sections.get('vulnerabilities');
  const empty = isScalar(vulnerabilities?.value) && scalarText(vulnerabilities?.value) === undefined;
  if (!vulnerabilities || vulnerabilities.value === null || empty) return { entries: [], skipped: [], notes };
  if (!isSeq(vulnerabilities.value)) {
    importError(
      context,
      vulnerabilities.line,
      '`vulnerabilities` must be a list of entries (`- id: CVE-…`).',
    );
  }
  const entries = vulnerabilities.value.items.map((item): AllowlistEntry => {
    const line = lineOf(item);
    const fields = entriesOf(item as Node, lineOf);
    if (fields.size === 0)
      importError(
        context,
        line,
        'each vulnerability entry is a mapping with `id` (and optionally `paths`, `purls`, `expired_at`, `statement`).',
      );
    for (const [key, field] of fields) {
      if (!YAML_KEYS.includes(key)) {
        importError(
          context,
          field.line,
          `unknown key \`${key}\`; an entry has ${YAML_KEYS.map((k) => `\`${k}\``).join(', ')}. (A misspelt \`expired_at\` would make the exception permanent.)`,
        );
      }
    }
    const id = scalarText(fields.get('id')?.value);
    if (!id)
      importError(
        context,
        line,
        'an entry has no `id`; set it to the vulnerability id (e.g. `id: CVE-2023-3817`).',
      );
    const label = `entry \`${id}\``;
    const expiredAt = fields.get('expired_at');
    const expiry = scalarText(expiredAt?.value);
    if (expiredAt && (!expiry || !isIsoDate(expiry))) {
      importError(
        context,
        expiredAt.line,
        `${label}: \`expired_at\` must be a date written YYYY-MM-DD, got \`${expiry ?? ''}\`.`,
      );
    }
    const paths = fields.has('paths')
      ? stringList(fields.get('paths')!.value, fields.get('paths')!.line, 'paths', label, context, lineOf)
      : undefined;
    const purls = fields.has('purls')
      ? stringList(fields.get('purls')!.value, fields.get('purls')!.line, 'purls', label, context, lineOf)
      : undefined;
    for (const purl of purls ?? []) {
      if (!parsePurl(purl)) {
        importError(
          context,
          fields.get('purls')!.line,
          `${label}: \`${purl}\` is not a package URL; write \`pkg:<type>/<namespace>/<name>[@version]\`, e.g. \`pkg:deb/debian/libssl1.1\`.`,
        );
      }
    }
    return {
      id,
      reason: scalarText(fields.get('statement')?.value) ?? `listed in ${context.file}`,
      expires: expiry ? lastDayBefore(expiry) : defaultExpiry(context),
      defaultExpiry: expiry ? undefined : true,
      locations: paths,
      purls,
      importedFrom: 'trivyignore-yaml',
      file: context.file,
      line,
    };
  });
  return { entries, skipped: [], notes };
}
