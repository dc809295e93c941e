import { errorMessage } from './errors.js';
import * as core from './runner.js';
import { inert } from './untrusted.js';

/** The summary builder written to GITHUB_STEP_SUMMARY (@actions/core's methods). */
export type JobSummary = core.JobSummary;

/**
 * Text made safe inside the HTML of a job summary (tables, lists, `<pre>`,
 * `<code>` and attribute values). Line breaks become character references: a
 * blank line ends an HTML block in GitHub Markdown, after which a log line
 * such as `![x](https://tracker/p.png)` would be rendered as Markdown.
 */
export function escapeHtml(text: string): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;');
}

/**
 * Writes the action's one job summary. A summary is a courtesy: failing to
 * write it (no GITHUB_STEP_SUMMARY, a full disk, a file over 1 MiB) warns and
 * never changes the step's result.
 */
export async function writeJobSummary(build: (summary: JobSummary) => unknown): Promise<void> {
  try {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    core.summary.emptyBuffer();
    build(core.summary);
    await core.summary.write();
  } catch (error) {
    core.warning(inert(`Could not write the job summary: ${errorMessage(error)}`));
  }
}

/**
 * Berth's own words inside an HTML table cell or paragraph: escaped, with
 * `code` spans turned into `<code>`. GitHub does not render Markdown inside an
 * HTML block, so a backtick left in a cell would show as a backtick.
 */
export function htmlText(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** Hex digits of a digest kept in a short image reference: enough to tell images apart at a glance. */
export const SHORT_DIGEST_HEX = 12;
/**
 * Longest tag kept whole in a short image reference: a `sha-` tag of 7 to 12
 * hex or a version (`v1.12.2.1-prod`) fits; a 40-hex commit is cut.
 */
const SHORT_TAG_LENGTH = 16;
/** Longest repository path kept whole; a longer one keeps its end (`…/checkout-service`). */
const SHORT_REPOSITORY_LENGTH = 24;

/** `sha256:` and the first 12 hex digits of a digest. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  const hex = digest.slice(colon + 1);
  return hex.length > SHORT_DIGEST_HEX
    ? `${digest.slice(0, colon + 1)}${hex.slice(0, SHORT_DIGEST_HEX)}`
    : digest;
}

/**
 * An image reference short enough for a table cell at 1000 px:
 * `repository@sha256:` + 12 hex (the registry host dropped; the tag dropped
 * when a digest pins the image), or `repository:tag` with a long tag cut.
 * The full reference belongs in a `<details>` block beside the table
 * (addFullReferences). Text that is not a reference is cut to 40 characters.
 */
export function shortImage(reference: string): string {
  const match = /^(?:([^/\s]+[.:][^/\s]*|localhost)\/)?([^:@\s]+)(?::([^@\s]+))?(?:@(\S+))?$/.exec(reference);
  if (!match) return reference.length > 40 ? `${reference.slice(0, 39)}…` : reference;
  const [, , path, tag, digest] = match;
  const last = path.slice(path.lastIndexOf('/') + 1);
  const repository =
    path.length <= SHORT_REPOSITORY_LENGTH
      ? path
      : last.length < SHORT_REPOSITORY_LENGTH
        ? `…/${last}`
        : `…${last.slice(-(SHORT_REPOSITORY_LENGTH - 1))}`;
  if (digest) return `${repository}@${shortDigest(digest)}`;
  if (tag)
    return `${repository}:${tag.length > SHORT_TAG_LENGTH ? `${tag.slice(0, SHORT_TAG_LENGTH - 1)}…` : tag}`;
  return repository;
}

/**
 * The summary builder methods Berth's summaries use: the runner's `JobSummary` has them, and a test's
 * recorder needs only these. One type for every action's summary code.
 */
export interface SummaryWriter {
  addHeading(text: string, level?: number | string): this;
  addRaw(text: string, addEOL?: boolean): this;
  addDetails(label: string, content: string): this;
  addTable(rows: Array<Array<string | { data: string; header?: boolean }>>): this;
  addList(items: string[], ordered?: boolean): this;
  addCodeBlock(code: string, lang?: string): this;
}

/**
 * What every Berth summary opens with, the same in every action: a level-3
 * heading with the verdict in words (no emoji: the verdict must read the same
 * in a screen reader and a notification), then the facts that explain it,
 * each a paragraph `<b>Label:</b> text`, before any table.
 */
export interface Verdict {
  /** What happened, e.g. "Deployment of web failed and ECS rolled it back". */
  headline: string;
  /** Label → Berth's own text (`code` spans allowed), in order; empty values are skipped. */
  facts?: Array<[label: string, text: string | undefined]>;
  /** The one log line that shows the failure, with where it came from ("web, 3 tasks"). */
  failingLine?: { from: string; line: string };
}

export function addVerdict(summary: SummaryWriter, verdict: Verdict): void {
  summary.addHeading(escapeHtml(verdict.headline), 3);
  for (const [label, text] of verdict.facts ?? []) {
    if (text) summary.addRaw(`<p><b>${escapeHtml(label)}:</b> ${htmlText(text)}</p>`, true);
  }
  if (verdict.failingLine) {
    summary.addRaw(
      `<p><b>Failing log line</b> (${escapeHtml(verdict.failingLine.from)}):</p><pre>${escapeHtml(verdict.failingLine.line)}</pre>`,
      true,
    );
  }
}

/** Headings below the verdict: one level under it, in every action. */
export const SECTION_HEADING_LEVEL = 4;

/**
 * The full references (images, ARNs) that tables show shortened, in one
 * collapsed block: a list of `label: reference`. A list, not a `<pre>`: a
 * 140-character ECR reference with its digest is wider than the page, and
 * GitHub wraps a long word in a list item (`overflow-wrap: break-word`)
 * where a `<pre>` would scroll sideways.
 */
export function addFullReferences(
  summary: SummaryWriter,
  entries: Array<[label: string, reference: string]>,
  title = 'Full image references',
): void {
  const shown = entries.filter(([, reference]) => reference);
  if (shown.length === 0) return;
  summary.addDetails(escapeHtml(title), fullReferenceList(shown));
}

/** `<ul>` of `label: <code>reference</code>`, the body of a full-references block. */
export function fullReferenceList(entries: Array<[label: string, reference: string]>): string {
  return `<ul>${entries.map(([label, reference]) => `<li>${escapeHtml(label)}: <code>${escapeHtml(reference)}</code></li>`).join('')}</ul>`;
}
