/**
 * What the exception importers share: the shape of an import, the error that
 * names the file and line, YAML read with line numbers, and the default
 * expiry for entries whose file gives none.
 */
import { ConfigurationError } from '@berth/shared/errors';
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import type { AllowlistEntry } from '../allowlist.js';

/** The input that names exception files; every error starts with it. */
export const INPUT = 'exception-files';

export interface ImportContext {
  /** The file as the user named it, for messages and annotations. */
  file: string;
  /** The run's UTC day, YYYY-MM-DD. */
  today: string;
  /** Days an entry without an end date applies (`default-expiry-days`), from its own date or today. */
  defaultExpiryDays: number;
}

export interface ImportedExceptions {
  entries: AllowlistEntry[];
  /** Entries left out, with why: the gate counts the findings they would have covered. */
  skipped: { line: number; message: string; file?: string }[];
  /** Remarks for the log (what the file holds that the gate does not use). */
  notes: string[];
}

/** A ConfigurationError naming the input, the file, the line, what is wrong and the fix. */
export function importError(context: Pick<ImportContext, 'file'>, line: number, message: string): never {
  throw new ConfigurationError(`Input \`${INPUT}\`: ${context.file} line ${line}: ${message}`);
}

/** `day` (YYYY-MM-DD) plus `days` calendar days, YYYY-MM-DD. */
export function addDays(day: string, days: number): string {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}

/**
 * The last day an entry applies when its format ends it *at the start of* a
 * date (Trivy prunes an entry once `expired_at` is before now, the date read
 * as midnight UTC): the day before. scan-gate's own `expires` is inclusive.
 */
export function lastDayBefore(day: string): string {
  return addDays(day, -1);
}

/** The end date scan-gate gives an entry whose file gives none: `from` plus `default-expiry-days`. */
export function defaultExpiry(context: ImportContext, from = context.today): string {
  return addDays(from, context.defaultExpiryDays);
}

/** A YAML (or JSON) document with line numbers; a syntax error names its line. */
export function readYaml(source: string, context: Pick<ImportContext, 'file'>, fix: string) {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (node: unknown): number => {
    const range = (node as Node | null | undefined)?.range;
    return range ? lines.linePos(range[0]).line : 1;
  };
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    importError(
      context,
      error.linePos?.[0]?.line ?? 1,
      `not valid ${fix}: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}.`,
    );
  }
  return { doc, root: doc.contents as Node | null, lineOf };
}

/** The keys of a YAML mapping node, each with its value node and line. */
export function entriesOf(
  node: Node,
  lineOf: (node: unknown) => number,
): Map<string, { value: Node | null; line: number }> {
  const result = new Map<string, { value: Node | null; line: number }>();
  if (!isMap(node)) return result;
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    result.set(key, { value: pair.value as Node | null, line: lineOf(pair.key) });
  }
  return result;
}

/** A scalar's text ('' for none), dates kept as written. */
export function scalarText(node: Node | null | undefined): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  const value = node.value;
  const textValue = value instanceof Date ? value.toISOString().slice(0, 10) : String(value).trim();
  return textValue === '' ? undefined : textValue;
}
