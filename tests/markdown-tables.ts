/**
 * The tables, headings and fenced code blocks of a Markdown document, read as GitHub Flavored
 * Markdown reads them (https://github.github.com/gfm/), as far as Berth's docs use them. No
 * Markdown library is a dependency of the repository, so this is a careful reader of the parts
 * the doc tests need, not a renderer: what it does not understand it leaves out, and the tests
 * built on it assert on what they expect to find, so an omission fails them rather than passes.
 */

export interface MarkdownTable {
  /** The nearest heading above the table (its text, without the `#`s), or '' at the top. */
  heading: string;
  /** 1-based line of the header row. */
  line: number;
  header: string[];
  rows: string[][];
}

export interface FencedBlock {
  heading: string;
  line: number;
  /** The info string's first word (`yaml`, `json`, …), '' when absent. */
  language: string;
  text: string;
}

export interface MarkdownOutline {
  headings: Array<{ level: number; text: string; line: number }>;
  tables: MarkdownTable[];
  blocks: FencedBlock[];
}

/**
 * Splits one table row into cells: GFM §4.10 — leading and trailing pipes are optional, cells
 * are separated by pipes that are not escaped, and `\|` is a pipe inside a cell, "including
 * inside other inline spans" such as code spans.
 */
export function splitRow(line: string): string[] {
  let text = line.trim();
  if (text.startsWith('|')) text = text.slice(1);
  if (text.endsWith('|') && !text.endsWith('\\|')) text = text.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '\\' && text[i + 1] === '|') {
      cell += '|';
      i += 1;
    } else if (char === '|') {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += char;
    }
  }
  cells.push(cell.trim());
  return cells;
}

/** GFM's delimiter row: cells of `-` with optional `:` at either end, at least one pipe. */
function isDelimiterRow(line: string): boolean {
  if (!line.includes('|') && !/^\s*:?-+:?\s*$/.test(line)) return false;
  const cells = splitRow(line);
  return cells.length > 0 && cells.every((cell) => /^:?-+:?$/.test(cell));
}

/** A fence opens with three or more backticks or tildes, indented at most three spaces (GFM §4.5). */
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

export function outline(markdown: string): MarkdownOutline {
  const lines = markdown.split(/\r?\n/);
  const result: MarkdownOutline = { headings: [], tables: [], blocks: [] };
  let heading = '';
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1];
      const start = i;
      const body: string[] = [];
      i += 1;
      // The closing fence is the same character, at least as long, with nothing after it.
      const closes = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
      while (i < lines.length && !closes.test(lines[i])) {
        body.push(lines[i]);
        i += 1;
      }
      result.blocks.push({
        heading,
        line: start + 1,
        language: fence[2].trim().split(/\s+/)[0] ?? '',
        text: body.length > 0 ? `${body.join('\n')}\n` : '',
      });
      continue;
    }
    const atx = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (atx) {
      heading = atx[2];
      result.headings.push({ level: atx[1].length, text: heading, line: i + 1 });
      continue;
    }
    // A table: a header row, then a delimiter row with the same number of cells (GFM §4.10).
    if (line.includes('|') && i + 1 < lines.length && isDelimiterRow(lines[i + 1])) {
      const header = splitRow(line);
      if (splitRow(lines[i + 1]).length !== header.length) continue;
      const table: MarkdownTable = { heading, line: i + 1, header, rows: [] };
      i += 2;
      // The table ends at a blank line or the start of another block.
      while (
        i < lines.length &&
        lines[i].trim() !== '' &&
        !FENCE.test(lines[i]) &&
        !/^ {0,3}#/.test(lines[i])
      ) {
        const cells = splitRow(lines[i]);
        // Extra cells are ignored and missing ones are empty, as GFM says.
        table.rows.push(header.map((_, index) => cells[index] ?? ''));
        i += 1;
      }
      i -= 1;
      result.tables.push(table);
    }
  }
  return result;
}

export interface CodeSpan {
  /** The span's content (GFM §6.1: one leading and trailing space stripped when both are there). */
  code: string;
  /** The text between the previous span (or the cell's start) and this one. */
  before: string;
}

/** The code spans of one cell, in order, with the text that precedes each. */
export function codeSpans(cell: string): CodeSpan[] {
  const spans: CodeSpan[] = [];
  let rest = cell;
  let before = '';
  for (;;) {
    // An opening run of backticks is closed by the next run of the same length (GFM §6.1).
    const open = /`+/.exec(rest);
    if (!open) return spans;
    const ticks = open[0];
    const after = rest.slice(open.index + ticks.length);
    const close = new RegExp(`(?<!\`)${ticks}(?!\`)`).exec(after);
    if (!close) {
      // No closer: the run is literal text, and the search goes on after it.
      before += rest.slice(0, open.index + ticks.length);
      rest = after;
      continue;
    }
    let code = after.slice(0, close.index).replace(/\n/g, ' ');
    if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '')
      code = code.slice(1, -1);
    spans.push({ code, before: before + rest.slice(0, open.index) });
    before = '';
    rest = after.slice(close.index + ticks.length);
  }
}
