import { dirname } from 'node:path';
import { ConfigurationError } from '@berth/shared/errors';
import type { WorkspaceRoots } from '@berth/shared/workspace-file';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { readInputFile } from './input-file.js';

/**
 * The security team's exceptions: a YAML file kept in the repository.
 *
 * ```yaml
 * exceptions:
 *   - id: CVE-2023-44487
 *     reason: HTTP/2 is terminated at the ALB; the container never speaks HTTP/2 (SEC-142)
 *     expires: 2026-03-31
 *     package: golang.org/x/net      # optional: only this package
 *     images: ["shop:*", "shop-worker:*"]   # optional: only these images (globs)
 * ```
 *
 * Every entry needs `id`, `reason` and `expires`; unknown keys are errors, so
 * a typo (`expiry:`) cannot silently make an exception permanent.
 */
export interface AllowlistEntry {
  id: string;
  reason: string;
  /** Last day (UTC) the exception applies, YYYY-MM-DD. */
  expires: string;
  package?: string;
  images?: string[];
  /** Where the entry is, for messages and annotations. */
  file: string;
  line: number;
  /**
   * The fields below come only from imported exception files (exceptions/):
   * each narrows what the entry covers, as the scanner or VEX document that
   * wrote it would.
   */
  /** The format the entry was imported from; absent for the allowlist. */
  importedFrom?: ImportFormat;
  /** The source gave no end date: `expires` is scan-gate's default, and a warning says so. */
  defaultExpiry?: boolean;
  /** Other names of the vulnerability that the entry covers too (OpenVEX `aliases`). */
  aliases?: string[];
  /** Match the id only, not the finding's aliases (Grype rules without `include-aliases`). */
  exactId?: boolean;
  /** Only this installed version (Grype `package.version`). */
  version?: string;
  /** Only packages one of these purls names (Trivy `purls`, OpenVEX products and subcomponents). */
  purls?: string[];
  /** Only packages found at a path one of these globs matches (Trivy `paths`, Grype `package.location`). */
  locations?: string[];
  /** Only packages of this type, in Grype's words (`package.type`). */
  packageType?: string;
  /** Only findings in this fix state (Grype `fix-state`). */
  fixState?: string;
  /** Only the image with this digest (an OpenVEX product `pkg:oci/…@sha256:…`). */
  imageDigest?: string;
}

/** The exception files scan-gate imports besides its own allowlist. */
export type ImportFormat = 'trivyignore' | 'trivyignore-yaml' | 'grype' | 'openvex';

const KEYS = ['id', 'reason', 'expires', 'package', 'images'] as const;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Parses allowlist text; `file` names it in errors. Throws ConfigurationError with the line. */
export function parseAllowlist(source: string, file: string): AllowlistEntry[] {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? lines.linePos(node.range[0]).line : 1;
  const fail = (line: number, message: string): never => {
    throw new ConfigurationError(`Input \`allowlist\`: ${file} line ${line}: ${message}`);
  };

  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const line = error.linePos?.[0]?.line ?? 1;
    fail(line, `not valid YAML: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}.`);
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return [];

  let entries: Node | null | undefined;
  if (isSeq(root)) {
    entries = root;
  } else if (isMap(root)) {
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key !== 'exceptions') {
        fail(
          lineOf(pair.key as Node),
          `unexpected top-level key \`${key}\`; the file has one key, \`exceptions\`, holding a list of entries.`,
        );
      }
    }
    entries = root.get('exceptions', true) as Node | null | undefined;
    if (entries === undefined || entries === null || (isScalar(entries) && entries.value === null)) return [];
  } else {
    fail(
      lineOf(root),
      'expected `exceptions:` followed by a list of entries with `id`, `reason` and `expires`.',
    );
  }
  if (!isSeq(entries)) {
    return fail(lineOf(entries), '`exceptions` must be a list (each entry starts with `- id: …`).');
  }

  return entries.items.map((item) => parseEntry(item as Node, file, lineOf, fail));
}

function parseEntry(
  item: Node,
  file: string,
  lineOf: (node: Node | null | undefined) => number,
  fail: (line: number, message: string) => never,
): AllowlistEntry {
  const line = lineOf(item);
  if (!isMap(item)) {
    return fail(
      line,
      'each exception must be a mapping with `id`, `reason` and `expires` (and optionally `package`, `images`).',
    );
  }
  const map = item as YAMLMap;
  const values = new Map<string, { node: Node; line: number }>();
  for (const pair of map.items) {
    const keyNode = pair.key as Node;
    const key = isScalar(keyNode) ? String(keyNode.value) : '';
    if (!(KEYS as readonly string[]).includes(key)) {
      fail(
        lineOf(keyNode),
        `unknown key \`${key}\`; an exception has ${KEYS.map((k) => `\`${k}\``).join(', ')}.`,
      );
    }
    values.set(key, { node: pair.value as Node, line: lineOf(keyNode) });
  }

  const scalarText = (key: string): string | undefined => {
    const entry = values.get(key);
    if (!entry) return undefined;
    if (!isScalar(entry.node) || entry.node.value === null) {
      return fail(entry.line, `\`${key}\` must be a single value.`);
    }
    const value = entry.node.value;
    // A YAML 1.1 reader could turn a date into a Date; keep the written text either way.
    const textValue = value instanceof Date ? value.toISOString().slice(0, 10) : String(value).trim();
    return textValue === '' ? undefined : textValue;
  };

  const id = scalarText('id');
  const label = id ? `exception \`${id}\`` : 'this exception';
  if (!id) fail(line, 'an exception has no `id`; set it to the vulnerability id (e.g. `id: CVE-2024-3094`).');
  const reason = scalarText('reason');
  if (!reason) {
    fail(
      line,
      `${label} has no \`reason\`; say why it is accepted (and who accepted it), e.g. \`reason: not reachable, SEC-142\`.`,
    );
  }
  const expires = scalarText('expires');
  if (!expires) {
    fail(
      line,
      `${label} has no \`expires\`; every exception needs an end date, e.g. \`expires: 2026-03-31\`.`,
    );
  }
  if (!isIsoDate(expires!)) {
    fail(
      values.get('expires')!.line,
      `${label}: \`expires\` must be a date written YYYY-MM-DD, got \`${expires}\`.`,
    );
  }
  const pkg = scalarText('package');

  let images: string[] | undefined;
  const imagesEntry = values.get('images');
  if (imagesEntry) {
    const node = imagesEntry.node;
    const items = isSeq(node) ? node.items : [node];
    images = items.map((n) => {
      if (!isScalar(n) || typeof n.value !== 'string' || n.value.trim() === '') {
        return fail(
          lineOf(n as Node) || imagesEntry.line,
          `${label}: \`images\` must be a glob or a list of globs, e.g. \`images: ["shop:*"]\`.`,
        );
      }
      return n.value.trim();
    });
    if (images.length === 0) {
      fail(imagesEntry.line, `${label}: \`images\` is an empty list; remove it to apply to every image.`);
    }
  }
  return { id: id!, reason: reason!, expires: expires!, package: pkg, images, file, line };
}

/** An allowlist is a few hundred lines; anything near this is the wrong file. */
export const ALLOWLIST_MAX_BYTES = 1024 * 1024;

/** Reads and parses the allowlist file (inside the workspace or RUNNER_TEMP); errors name the file. */
export function loadAllowlist(
  path: string,
  shown: string,
  roots: WorkspaceRoots = { workspace: dirname(path) },
): AllowlistEntry[] {
  const source = readInputFile('allowlist', path, {
    shown,
    roots,
    maxBytes: ALLOWLIST_MAX_BYTES,
    what: 'allowlists',
    hint: 'Check the path (relative to the workspace).',
  });
  return parseAllowlist(source, shown);
}
