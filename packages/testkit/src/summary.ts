/**
 * Job summaries as GitHub renders them: what a `build` adds, turned into the HTML @actions/core's
 * own builder writes to GITHUB_STEP_SUMMARY. Tests assert on that text, so a summary helper is
 * checked against GitHub's library rather than against a stand-in of it.
 */
import * as core from '@actions/core';
import type { JobSummary } from '@berth/shared/summary';

/** The HTML `build` produces with @actions/core's summary builder (nothing is written to disk). */
export function renderSummary(build: (summary: JobSummary) => unknown): string {
  core.summary.emptyBuffer();
  try {
    build(core.summary);
    return core.summary.stringify();
  } finally {
    core.summary.emptyBuffer();
  }
}

/** A `summary` effect that keeps every summary the code under test builds, rendered. */
export function summaryRecorder(): {
  summary: (build: (summary: JobSummary) => unknown) => Promise<void>;
  written: string[];
  /** Everything written, in order. */
  text(): string;
} {
  const written: string[] = [];
  return {
    summary: async (build) => {
      written.push(renderSummary(build));
    },
    written,
    text: () => written.join('\n'),
  };
}

/**
 * A job summary as GitHub shows it: the text GITHUB_STEP_SUMMARY receives,
 * rendered as GitHub-flavoured Markdown by `marked` (GFM tables; a raw HTML
 * block passes through untouched, its Markdown not rendered, as on GitHub).
 */
export async function renderGitHubMarkdown(markdown: string): Promise<string> {
  const { marked } = await import('marked');
  return marked.parse(markdown, { gfm: true, async: false }) as string;
}

/** One rendered table: rows of cells, each cell as its inner HTML. */
export type RenderedTable = Array<Array<{ header: boolean; html: string }>>;

/** The tables of rendered HTML, in order (Berth's summaries never nest tables). */
export function tablesOf(html: string): RenderedTable[] {
  return [...html.matchAll(/<table[^>]*>([\s\S]*?)<\/table>/g)].map(([, body]) =>
    [...body.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map(([, row]) =>
      [...row.matchAll(/<(th|td)[^>]*>([\s\S]*?)<\/\1>/g)].map(([, tag, inner]) => ({
        header: tag === 'th',
        html: inner,
      })),
    ),
  );
}

/** The text a reader sees in an HTML fragment: tags dropped, character references decoded. */
const NAMED: Record<string, string> = { quot: '"', lt: '<', gt: '>', amp: '&' };

export function visibleText(html: string): string {
  // One pass over the references: decoding them one kind after another would decode `&#38;lt;` twice.
  return html
    .replace(/<[^>]+>/g, '')
    .replace(
      /&(?:#(\d+)|#x([0-9a-f]+)|(quot|lt|gt|amp));/gi,
      (_, dec?: string, hex?: string, name?: string) => {
        if (dec) return String.fromCodePoint(Number(dec));
        if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
        return NAMED[(name ?? '').toLowerCase()] ?? '';
      },
    );
}

/**
 * Markdown syntax left visible in rendered text: a `code` span, **bold**,
 * __bold__, a [link](url), an _emphasis_ or a heading marker. In a cell it
 * means Markdown was written inside HTML, which GitHub does not render.
 */
export function markdownLeftIn(text: string): string | undefined {
  return /`[^`]+`|\*\*[^*]+\*\*|__[^_]+__|\[[^\]]+\]\([^)]*\)|(?:^|\s)_[^_\s][^_]*_(?=\s|$|[.,;:])|^#{1,6}\s/m.exec(
    text,
  )?.[0];
}

/**
 * The width model of a rendered table, from github-markdown-css (the
 * stylesheet GitHub publishes for its Markdown, `.markdown-body`):
 * body text 16px (GitHub shows job summaries at 14px; 16px over-estimates),
 * `code` at 85% (13.6px) in a monospace font with `padding: .2em .4em`,
 * cells `padding: 6px 13px` with a 1px border. Glyph advances: a monospace
 * glyph is 0.6em (SF Mono, Menlo, Consolas, Liberation Mono); for the
 * proportional UI font we take 0.55em per character, above the ~0.5em
 * average of lowercase Helvetica/Arial/Segoe UI text, and 0.6em for bold
 * headers, so the estimate errs wide.
 */
export const TABLE_WIDTH_MODEL = {
  textPxPerChar: 16 * 0.55,
  boldPxPerChar: 16 * 0.6,
  codePxPerChar: 16 * 0.85 * 0.6,
  codePaddingPx: 16 * 0.85 * 0.8,
  cellPaddingPx: 13 * 2 + 1,
} as const;

/** Segments of a cell: code spans and plain text, as the reader sees them. */
function segments(html: string): Array<{ code: boolean; text: string }> {
  const parts: Array<{ code: boolean; text: string }> = [];
  let rest = html;
  for (;;) {
    const match = /<code[^>]*>([\s\S]*?)<\/code>/.exec(rest);
    if (!match) break;
    parts.push({ code: false, text: visibleText(rest.slice(0, match.index)) });
    parts.push({ code: true, text: visibleText(match[1]) });
    rest = rest.slice(match.index + match[0].length);
  }
  parts.push({ code: false, text: visibleText(rest) });
  return parts.filter((part) => part.text !== '');
}

function segmentWidth(
  part: { code: boolean; text: string },
  header: boolean,
  longestWordOnly: boolean,
): number {
  const m = TABLE_WIDTH_MODEL;
  const perChar = part.code ? m.codePxPerChar : header ? m.boldPxPerChar : m.textPxPerChar;
  const length = longestWordOnly
    ? Math.max(0, ...part.text.split(/\s+/).map((word) => [...word].length))
    : [...part.text].length;
  return length * perChar + (part.code ? m.codePaddingPx : 0);
}

/**
 * Estimated rendered width of a table in px: per column the widest cell, plus
 * padding and border. `max-content`: every cell on one line (the width the
 * table asks for). `min-content`: each cell broken at every space, so only the
 * longest unbreakable run counts (the width below which the table scrolls
 * sideways: GitHub's CSS lets a table shrink to this, `max-width: 100%`).
 */
export function estimatedTableWidth(table: RenderedTable, mode: 'max-content' | 'min-content'): number {
  const columns: number[] = [];
  for (const row of table) {
    row.forEach((cell, index) => {
      const parts = segments(cell.html);
      const width =
        mode === 'max-content'
          ? parts.reduce((sum, part) => sum + segmentWidth(part, cell.header, false), 0)
          : Math.max(0, ...parts.map((part) => segmentWidth(part, cell.header, true)));
      columns[index] = Math.max(columns[index] ?? 0, width + TABLE_WIDTH_MODEL.cellPaddingPx);
    });
  }
  return Math.round(columns.reduce((sum, width) => sum + width, 0));
}
