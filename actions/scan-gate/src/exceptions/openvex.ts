/**
 * OpenVEX documents (https://github.com/openvex/spec, OPENVEX-SPEC.md) as
 * scan-gate exceptions: each `not_affected` statement excepts its
 * vulnerability (and the aliases it lists) for the products it names.
 *
 * - The product is the scanned image when it is an OCI purl
 *   (`pkg:oci/shop@sha256:…`): the statement then applies to findings of the
 *   image with that digest, narrowed to its `subcomponents` when it lists
 *   any. Any other product purl (`pkg:deb/debian/openssl@…`) names the
 *   package itself.
 * - Statements in the 0.0.x form (a vulnerability string, product strings,
 *   statement-level `subcomponents`) read the same.
 * - The spec requires a `not_affected` statement to give a `justification`
 *   (one of five labels) or an `impact_statement`: a statement with neither is
 *   an error, as is an unknown label. `affected`, `fixed` and
 *   `under_investigation` statements except nothing.
 * - VEX has no end date; a statement applies for `default-expiry-days` from
 *   its `last_updated` or `timestamp` (inherited from the document when the
 *   statement has none), so a VEX that nobody re-issues lapses.
 */
import { parseDocument } from 'yaml';
import { isIsoDate } from '../allowlist.js';
import { list, record, text } from '../normalise.js';
import { parsePurl } from '../purl.js';
import { defaultExpiry, type ImportContext, type ImportedExceptions, importError } from './common.js';

/** The status justification labels (VEX Working Group, July 2022), as the spec lists them. */
export const JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
];
const STATUSES = ['not_affected', 'affected', 'fixed', 'under_investigation'];

/** True when a parsed JSON document is an OpenVEX document. */
export function isOpenVex(doc: unknown): boolean {
  const context = text(record(doc)?.['@context']);
  return context !== undefined && /^https:\/\/openvex\.dev\/ns/.test(context);
}

/** The line of each statement, from the same text read as YAML (JSON is YAML); 1 when unknown. */
function statementLines(source: string): (index: number) => number {
  const doc = parseDocument(source, { keepSourceTokens: false });
  const statements = doc.errors.length === 0 ? doc.get('statements', true) : undefined;
  const items =
    (statements as { items?: Array<{ range?: [number, number, number] }> } | undefined)?.items ?? [];
  const starts = items.map((item) => item.range?.[0]);
  return (index) => {
    const offset = starts[index];
    return offset === undefined ? 1 : source.slice(0, offset).split('\n').length;
  };
}

/** A component's purl: `identifiers.purl`, else an `@id` that is a purl, else a bare string (0.0.x). */
function componentPurl(component: unknown): string | undefined {
  const asText = text(component);
  if (asText) return parsePurl(asText) ? asText : undefined;
  const c = record(component);
  const purl = text(record(c?.identifiers)?.purl) ?? text(c?.['@id']);
  return purl && parsePurl(purl) ? purl : undefined;
}

/** The UTC day of an RFC 3339 timestamp, if it is one. */
function dayOf(timestamp: unknown): string | undefined {
  const value = text(timestamp);
  if (!value) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return undefined;
  const day = new Date(time).toISOString().slice(0, 10);
  return isIsoDate(day) ? day : undefined;
}

export function parseOpenVex(source: string, context: ImportContext): ImportedExceptions {
  let doc: unknown;
  try {
    doc = JSON.parse(source.charCodeAt(0) === 0xfeff ? source.slice(1) : source);
  } catch (error) {
    const line = /line (\d+)/.exec(String((error as Error).message))?.[1];
    return importError(
      context,
      Number(line ?? 1),
      `not JSON (${(error as Error).message}); an OpenVEX document is JSON.`,
    );
  }
  const document = record(doc);
  if (!document || !isOpenVex(document)) {
    return importError(
      context,
      1,
      'not an OpenVEX document (its `@context` is not `https://openvex.dev/ns/…`). Give an OpenVEX JSON file, e.g. one written by `vexctl create`.',
    );
  }
  const lineOf = statementLines(source);
  const result: ImportedExceptions = { entries: [], skipped: [], notes: [] };
  const documentDay = dayOf(document.timestamp) ?? dayOf(document.last_updated);
  const others: Record<string, number> = {};
  list(document.statements).forEach((raw, index) => {
    const line = lineOf(index);
    const statement = record(raw);
    if (!statement) importError(context, line, `statement ${index + 1} is not an object.`);
    const status = text(statement.status);
    if (!status || !STATUSES.includes(status)) {
      importError(
        context,
        line,
        `statement ${index + 1}: \`status\` must be one of ${STATUSES.map((s) => `\`${s}\``).join(', ')}, got \`${status ?? ''}\`.`,
      );
    }
    const vulnerability = record(statement.vulnerability);
    const id = text(statement.vulnerability) ?? text(vulnerability?.name);
    if (!id)
      importError(context, line, `statement ${index + 1} names no vulnerability (\`vulnerability.name\`).`);
    if (status !== 'not_affected') {
      others[status] = (others[status] ?? 0) + 1;
      return;
    }
    const justification = text(statement.justification);
    const impact = text(statement.impact_statement);
    if (!justification && !impact) {
      importError(
        context,
        line,
        `statement ${index + 1} (\`${id}\`, not_affected) gives neither \`justification\` nor \`impact_statement\`; the OpenVEX spec requires one. Add e.g. \`"justification": "vulnerable_code_not_in_execute_path"\`.`,
      );
    }
    if (justification && !JUSTIFICATIONS.includes(justification)) {
      importError(
        context,
        line,
        `statement ${index + 1} (\`${id}\`): \`justification\` \`${justification}\` is not an OpenVEX label; use one of ${JUSTIFICATIONS.map((j) => `\`${j}\``).join(', ')}.`,
      );
    }
    const aliases = list(vulnerability?.aliases)
      .map(text)
      .filter((a): a is string => a !== undefined && a.toUpperCase() !== id.toUpperCase());
    const day = dayOf(statement.last_updated) ?? dayOf(statement.timestamp) ?? documentDay;
    const reason = `VEX not_affected${justification ? ` (${justification})` : ''}${impact ? `: ${impact}` : ''}`;
    const base = {
      id,
      reason,
      expires: defaultExpiry(context, day),
      defaultExpiry: true,
      aliases: aliases.length > 0 ? aliases : undefined,
      importedFrom: 'openvex' as const,
      file: context.file,
      line,
    };
    const products = list(statement.products);
    if (products.length === 0) {
      result.skipped.push({
        line,
        message: `statement ${index + 1} (\`${id}\`) names no product, so it cannot be tied to the scanned image or a package; the gate does not apply it.`,
      });
      return;
    }
    const statementSubcomponents = list(statement.subcomponents);
    for (const product of products) {
      const purl = componentPurl(product);
      if (!purl) {
        result.skipped.push({
          line,
          message: `statement ${index + 1} (\`${id}\`): a product has no package URL (\`@id\` or \`identifiers.purl\`); the gate does not apply it to that product.`,
        });
        continue;
      }
      const parsed = parsePurl(purl)!;
      const subcomponents = [...list(record(product)?.subcomponents), ...statementSubcomponents];
      const subPurls = subcomponents.map(componentPurl).filter((p): p is string => p !== undefined);
      if (subcomponents.length > subPurls.length) {
        result.skipped.push({
          line,
          message: `statement ${index + 1} (\`${id}\`): a subcomponent has no package URL; it is left out.`,
        });
        if (subPurls.length === 0) continue;
      }
      if (parsed.type === 'oci') {
        // An OCI purl's version is the image's digest (purl-spec, PURL-TYPES: oci).
        const digest = parsed.version;
        if (!digest?.startsWith('sha256:')) {
          result.skipped.push({
            line,
            message: `statement ${index + 1} (\`${id}\`): product \`${purl}\` has no digest (\`pkg:oci/<name>@sha256:…\`), so it cannot be tied to one image; the gate does not apply it.`,
          });
          continue;
        }
        result.entries.push({
          ...base,
          imageDigest: digest,
          purls: subPurls.length > 0 ? subPurls : undefined,
        });
      } else {
        result.entries.push({ ...base, purls: subPurls.length > 0 ? subPurls : [purl] });
      }
    }
  });
  const counted = Object.entries(others);
  if (counted.length > 0) {
    result.notes.push(
      `${context.file}: ${counted.map(([s, n]) => `${n} ${s}`).join(', ')} statement(s) except nothing; only not_affected does.`,
    );
  }
  return result;
}
