import { escapeHtml, fullReferenceList, SECTION_HEADING_LEVEL, shortImage } from '@berth/shared/summary';
import type { Problem } from '@berth/shared/taskdef/problem';
import type { PinOutcome } from './pin.js';
import type { RenderResult } from './render.js';

export interface SummaryData {
  family: string;
  /** Where the definition came from: a file path or `family:revision`. */
  source: string;
  /** The rendered file. */
  output: string;
  render: RenderResult;
  /** Pinning outcomes by container (absent when pin-digest is false). */
  pins?: readonly PinOutcome[];
  warnings: readonly string[];
}

/** Markdown-safe text: HTML special characters escaped, table pipes and link brackets escaped. */
function text(value: string): string {
  return escapeHtml(value).replace(/([|[\]])/g, '\\$1');
}

function code(value: string | undefined): string {
  if (value === undefined || value === '') return '—';
  return `<code>${escapeHtml(value).replace(/\|/g, '&#124;')}</code>`;
}

const PIN_LABEL: Record<PinOutcome['status'], string> = {
  // Short: the note column shares a 1000 px row with two image columns.
  pinned: 'pinned',
  'already-pinned': 'digest given',
  'not-ecr': 'not ECR: as given',
  'not-pinned': 'not pinned (lookup denied)',
};

/** An image in a table cell: short (registry dropped, digest cut to 12 hex); the full one is in the block below. */
function imageCode(value: string | undefined): string {
  return value === undefined || value === '' ? '—' : code(shortImage(value));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `#### Title` in every Berth summary's section style. */
const section = (title: string) => `${'#'.repeat(SECTION_HEADING_LEVEL)} ${title}`;

/** The full image references the table shortens, as a collapsed block (raw HTML, blank lines around it). */
function fullImages(entries: Array<[string, string | undefined]>): string[] {
  const shown = entries.filter((entry): entry is [string, string] => !!entry[1]);
  if (shown.length === 0) return [];
  return [`<details><summary>Full image references</summary>${fullReferenceList(shown)}</details>`, ''];
}

/** The job summary as Markdown; pure so tests can read it. */
export function buildSummaryMarkdown(data: SummaryData): string {
  const lines: string[] = [];
  const warned = data.warnings.length > 0 ? ` with ${plural(data.warnings.length, 'warning')}` : '';
  lines.push(`### Task definition ${text(data.family)} rendered${warned}`, '');
  lines.push(`Rendered ${code(data.source)} → ${code(data.output)}`, '');
  const pins = new Map((data.pins ?? []).map((pin) => [pin.container, pin]));
  lines.push('| Container | Image before | Image after | |', '| --- | --- | --- | --- |');
  const full: Array<[string, string | undefined]> = [];
  for (const image of data.render.images) {
    const pin = pins.get(image.container);
    const after = pin?.pinned ?? image.after;
    const note = [image.fromInput ? 'set by input' : '', pin ? PIN_LABEL[pin.status] : '']
      .filter(Boolean)
      .join(', ');
    lines.push(
      `| ${text(image.container)} | ${imageCode(image.before)} | ${imageCode(after)} | ${text(note)} |`,
    );
    full.push([`${image.container} before`, image.before], [`${image.container} after`, after]);
  }
  lines.push('', ...fullImages(full));
  if (data.render.changes.length > 0) {
    lines.push(
      section('Changed by inputs'),
      '',
      ...data.render.changes.map((change) => `- ${text(change)}`),
      '',
    );
  }
  const stripped: string[] = [];
  if (data.render.removedReadOnly.length > 0) {
    stripped.push(`read-only fields ${data.render.removedReadOnly.map((field) => code(field)).join(', ')}`);
  }
  if (data.render.removedNulls.length > 0) {
    stripped.push(
      `${data.render.removedNulls.length} \`null\` value${data.render.removedNulls.length === 1 ? '' : 's'} (null means unset)`,
    );
  }
  if (data.render.removedTags.length > 0) {
    stripped.push(`reserved tags ${data.render.removedTags.map((tag) => code(tag)).join(', ')}`);
  }
  lines.push(`**Stripped:** ${stripped.length > 0 ? stripped.join('; ') : 'nothing'}`, '');
  if (data.warnings.length > 0) {
    lines.push(section('Warnings'), '', ...data.warnings.map((warning) => `- ${text(warning)}`), '');
  }
  return lines.join('\n');
}

/** The summary when validation fails: what to fix, so the run page says it without opening the log. */
export function buildFailureSummaryMarkdown(
  source: string,
  errors: readonly Problem[],
  warnings: readonly string[],
): string {
  const lines = [
    `### Task definition ${text(source)} is not valid: ${plural(errors.length, 'problem')} to fix`,
    '',
    `Fix ${errors.length === 1 ? 'it' : 'them'} before this task definition can be registered:`,
    '',
    ...errors.map((problem) => `- ${text(problem.message)}`),
    '',
  ];
  if (warnings.length > 0)
    lines.push(section('Warnings'), '', ...warnings.map((warning) => `- ${text(warning)}`), '');
  return lines.join('\n');
}
