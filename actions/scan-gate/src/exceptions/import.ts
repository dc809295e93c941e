/**
 * Imports the exception files named by `exception-files` into the gate's
 * allowlist model. The format is told by the file, as the tools themselves
 * tell it: JSON with an OpenVEX `@context` is OpenVEX; a `.yaml`/`.yml` file
 * is a Grype configuration when it has `ignore:`, a Trivy ignore file when it
 * has `vulnerabilities:` (or another Trivy section); anything else is a plain
 * `.trivyignore` (Trivy, too, reads YAML only by extension).
 */
import { extname } from 'node:path';
import type { WorkspaceRoots } from '@berth/shared/workspace-file';
import { isMap, isScalar, parseDocument } from 'yaml';
import type { AllowlistEntry, ImportFormat } from '../allowlist.js';
import { readInputFile } from '../input-file.js';
import { type ImportContext, type ImportedExceptions, INPUT, importError } from './common.js';
import { parseGrypeIgnore } from './grype-ignore.js';
import { parseOpenVex } from './openvex.js';
import { parseTrivyIgnore, parseTrivyIgnoreYaml } from './trivyignore.js';

/** Exception files are hand-written or generated lists; a VEX of a large image stays well under this. */
export const EXCEPTION_FILE_MAX_BYTES = 8 * 1024 * 1024;

const PARSERS: Record<ImportFormat, (source: string, context: ImportContext) => ImportedExceptions> = {
  trivyignore: parseTrivyIgnore,
  'trivyignore-yaml': parseTrivyIgnoreYaml,
  grype: parseGrypeIgnore,
  openvex: parseOpenVex,
};

export const FORMAT_NAMES: Record<ImportFormat, string> = {
  trivyignore: '.trivyignore',
  'trivyignore-yaml': '.trivyignore.yaml',
  grype: 'Grype ignore rules',
  openvex: 'OpenVEX',
};

/** Which format a file's name and text say it is. */
export function formatOf(path: string, source: string, context: Pick<ImportContext, 'file'>): ImportFormat {
  if (source.trimStart().startsWith('{') || extname(path).toLowerCase() === '.json') return 'openvex';
  if (!['.yaml', '.yml'].includes(extname(path).toLowerCase())) return 'trivyignore';
  const root = parseDocument(source).contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === '')))
    return 'trivyignore-yaml';
  if (isMap(root)) {
    const keys = root.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : ''));
    if (keys.includes('ignore')) return 'grype';
    if (keys.some((k) => ['vulnerabilities', 'misconfigurations', 'secrets', 'licenses'].includes(k)))
      return 'trivyignore-yaml';
  }
  return importError(
    context,
    1,
    'a YAML exception file is a Grype configuration (`ignore:` rules) or a .trivyignore.yaml (`vulnerabilities:`); this one has neither.',
  );
}

export interface ImportResult extends ImportedExceptions {
  /** One line per file: what was imported, for the log. */
  summary: string[];
  /** One warning per file whose entries had no end date, naming their lines and the date given them. */
  expiryWarnings: { file: string; line: number; message: string }[];
}

/**
 * Reads and imports every exception file (paths resolved against the
 * workspace; inside the workspace or RUNNER_TEMP). Every problem is a
 * ConfigurationError naming the file and line, raised before any AWS call.
 */
export function importExceptionFiles(
  files: readonly { path: string; shown: string }[],
  options: { roots: WorkspaceRoots; today: string; defaultExpiryDays: number },
): ImportResult {
  const result: ImportResult = { entries: [], skipped: [], notes: [], summary: [], expiryWarnings: [] };
  for (const { path, shown } of files) {
    const source = readInputFile(INPUT, path, {
      shown,
      roots: options.roots,
      maxBytes: EXCEPTION_FILE_MAX_BYTES,
      what: 'exception files',
    });
    const context: ImportContext = {
      file: shown,
      today: options.today,
      defaultExpiryDays: options.defaultExpiryDays,
    };
    const format = formatOf(path, source, context);
    const imported = PARSERS[format](source, context);
    result.entries.push(...imported.entries);
    result.skipped.push(
      ...imported.skipped.map((s) => ({
        ...s,
        file: shown,
        message: `${shown} line ${s.line}: ${s.message}`,
      })),
    );
    result.notes.push(...imported.notes);
    result.summary.push(
      `${shown} (${FORMAT_NAMES[format]}): ${imported.entries.length} exception${imported.entries.length === 1 ? '' : 's'}${imported.skipped.length > 0 ? `, ${imported.skipped.length} rule${imported.skipped.length === 1 ? '' : 's'} not applied` : ''}`,
    );
    const undated = imported.entries.filter((e) => e.defaultExpiry);
    if (undated.length > 0)
      result.expiryWarnings.push(expiryWarning(format, shown, undated, options.defaultExpiryDays));
  }
  return result;
}

function expiryWarning(
  format: ImportFormat,
  file: string,
  undated: AllowlistEntry[],
  days: number,
): { file: string; line: number; message: string } {
  const lines = [...new Set(undated.map((e) => e.line))];
  const shownLines = `${lines.slice(0, 10).join(', ')}${lines.length > 10 ? ` and ${lines.length - 10} more` : ''}`;
  const until = [...new Set(undated.map((e) => e.expires))].sort();
  const how: Record<ImportFormat, string> = {
    trivyignore: 'Add `exp:YYYY-MM-DD` after the id',
    'trivyignore-yaml': 'Add `expired_at: YYYY-MM-DD` to the entry',
    grype: 'Grype rules cannot carry a date: move exceptions that must end to the allowlist (`expires:`)',
    openvex: 'Re-issue the VEX statement (a new `timestamp`) while it still holds',
  };
  const from = format === 'openvex' ? 'its statement date' : 'today';
  return {
    file,
    line: lines[0],
    message: `${undated.length} exception${undated.length === 1 ? '' : 's'} in ${file} (line${lines.length === 1 ? '' : 's'} ${shownLines}) ha${undated.length === 1 ? 's' : 've'} no end date; each applies for \`default-expiry-days\` (${days}) from ${from}, until ${until.length === 1 ? until[0] : `${until[0]} … ${until.at(-1)}`}. ${how[format]}.`,
  };
}
