/**
 * The GitHub runner's side of a step: inputs from `INPUT_*`, outputs and
 * environment through the GITHUB_OUTPUT/GITHUB_ENV files, workflow commands
 * (`::error file=…::`) on stdout, and the job summary file. The same protocol
 * @actions/core speaks, byte for byte (runner.test.ts checks it against
 * @actions/core), without the HTTP client, undici, @actions/exec and
 * @actions/io that importing @actions/core brings: about 450 KB of every
 * bundle, parsed on every start, for an OIDC request Berth makes with fetch
 * (oidc.ts) and platform details Berth never asks for.
 * Protocol: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { access, appendFile, constants, writeFile } from 'node:fs/promises';
import { EOL } from 'node:os';

/** Where an annotation points (the names @actions/core uses). */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
}

type CommandProperties = Record<string, string | number | undefined>;

function commandValue(input: unknown): string {
  if (input === null || input === undefined) return '';
  if (typeof input === 'string' || input instanceof String) return String(input);
  return JSON.stringify(input);
}

const escapeData = (text: unknown) =>
  commandValue(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

const escapeProperty = (text: unknown) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** `::name key=value,…::message` on stdout; properties without a value are left out. */
export function issueCommand(name: string, properties: CommandProperties, message: unknown): void {
  const pairs = Object.entries(properties)
    .filter(([, value]) => value)
    .map(([key, value]) => `${key}=${escapeProperty(value)}`);
  process.stdout.write(`::${name}${pairs.length ? ` ${pairs.join(',')}` : ''}::${escapeData(message)}${EOL}`);
}

/** `name<<delimiter` … `delimiter` appended to the file GITHUB_<command> names. */
function issueFileCommand(command: 'OUTPUT' | 'ENV', name: string, value: unknown): void {
  const path = process.env[`GITHUB_${command}`];
  if (!path) throw new Error(`Unable to find environment variable for file command ${command}`);
  if (!existsSync(path)) throw new Error(`Missing file at path: ${path}`);
  const delimiter = `ghadelimiter_${randomUUID()}`;
  const converted = commandValue(value);
  if (name.includes(delimiter)) {
    throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
  }
  if (converted.includes(delimiter)) {
    throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
  }
  appendFileSync(path, `${name}<<${delimiter}${EOL}${converted}${EOL}${delimiter}${EOL}`, {
    encoding: 'utf8',
  });
}

/** The raw input `name` as the runner passes it (`INPUT_<NAME>`), trimmed; '' when unset. */
export function getInput(name: string): string {
  return (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '').trim();
}

export function setOutput(name: string, value: unknown): void {
  if (process.env.GITHUB_OUTPUT) {
    issueFileCommand('OUTPUT', name, value);
    return;
  }
  process.stdout.write(EOL);
  issueCommand('set-output', { name }, commandValue(value));
}

export function exportVariable(name: string, value: unknown): void {
  process.env[name] = commandValue(value);
  if (process.env.GITHUB_ENV) {
    issueFileCommand('ENV', name, value);
    return;
  }
  issueCommand('set-env', { name }, commandValue(value));
}

export function setSecret(secret: string): void {
  issueCommand('add-mask', {}, secret);
}

function annotation(
  level: 'error' | 'warning' | 'notice',
  message: string,
  properties: AnnotationProperties,
) {
  issueCommand(
    level,
    Object.keys(properties).length === 0
      ? {}
      : {
          title: properties.title,
          file: properties.file,
          line: properties.startLine,
          endLine: properties.endLine,
          col: properties.startColumn,
          endColumn: properties.endColumn,
        },
    message,
  );
}

export const error = (message: string, properties: AnnotationProperties = {}) =>
  annotation('error', message, properties);
export const warning = (message: string, properties: AnnotationProperties = {}) =>
  annotation('warning', message, properties);
export const notice = (message: string, properties: AnnotationProperties = {}) =>
  annotation('notice', message, properties);
export const debug = (message: string) => issueCommand('debug', {}, message);
export const info = (message: string) => void process.stdout.write(message + EOL);
export const startGroup = (name: string) => issueCommand('group', {}, name);
export const endGroup = () => issueCommand('endgroup', {}, '');

/**
 * Fails the step: exit code 1 and an error annotation, or, with
 * `annotate: false` (the failure's annotation was raised already), a plain line.
 */
export function setFailed(message: string, options: { annotate?: boolean } = {}): void {
  process.exitCode = 1;
  if (options.annotate === false) info(`Error: ${message}`);
  else error(message);
}

/** One table cell: text, or a header / spanning cell. */
export type SummaryTableCell =
  | string
  | { data: string; header?: boolean; colspan?: string; rowspan?: string };

/**
 * The job summary builder (the HTML that GITHUB_STEP_SUMMARY receives), with
 * @actions/core's method names and output, so code typed against either
 * works with both. Content is HTML: callers escape text they did not write
 * (`escapeHtml` in summary.ts).
 */
export interface JobSummary {
  stringify(): string;
  isEmptyBuffer(): boolean;
  emptyBuffer(): this;
  addRaw(text: string, addEOL?: boolean): this;
  addEOL(): this;
  addCodeBlock(code: string, lang?: string): this;
  addList(items: string[], ordered?: boolean): this;
  addTable(rows: SummaryTableCell[][]): this;
  addDetails(label: string, content: string): this;
  addHeading(text: string, level?: number | string): this;
  addSeparator(): this;
  addBreak(): this;
  addQuote(text: string, cite?: string): this;
  addLink(text: string, href: string): this;
  write(options?: { overwrite?: boolean }): Promise<this>;
}

class Summary implements JobSummary {
  private buffer = '';

  private wrap(tag: string, content: string | null, attrs: Record<string, string> = {}): string {
    const html = Object.entries(attrs)
      .map(([key, value]) => ` ${key}="${value}"`)
      .join('');
    return content ? `<${tag}${html}>${content}</${tag}>` : `<${tag}${html}>`;
  }

  private addElement(element: string): this {
    return this.addRaw(element).addEOL();
  }

  stringify(): string {
    return this.buffer;
  }

  isEmptyBuffer(): boolean {
    return this.buffer.length === 0;
  }

  emptyBuffer(): this {
    this.buffer = '';
    return this;
  }

  addRaw(text: string, addEOL = false): this {
    this.buffer += text;
    return addEOL ? this.addEOL() : this;
  }

  addEOL(): this {
    return this.addRaw(EOL);
  }

  addCodeBlock(code: string, lang?: string): this {
    return this.addElement(this.wrap('pre', this.wrap('code', code), lang ? { lang } : {}));
  }

  addList(items: string[], ordered = false): this {
    const tag = ordered ? 'ol' : 'ul';
    return this.addElement(this.wrap(tag, items.map((item) => this.wrap('li', item)).join('')));
  }

  addTable(rows: SummaryTableCell[][]): this {
    const body = rows
      .map((row) => {
        const cells = row
          .map((cell) => {
            if (typeof cell === 'string') return this.wrap('td', cell);
            const { header, data, colspan, rowspan } = cell;
            return this.wrap(header ? 'th' : 'td', data, {
              ...(colspan && { colspan }),
              ...(rowspan && { rowspan }),
            });
          })
          .join('');
        return this.wrap('tr', cells);
      })
      .join('');
    return this.addElement(this.wrap('table', body));
  }

  addDetails(label: string, content: string): this {
    return this.addElement(this.wrap('details', this.wrap('summary', label) + content));
  }

  addHeading(text: string, level: number | string = 1): this {
    const tag = `h${level}`;
    return this.addElement(this.wrap(/^h[1-6]$/.test(tag) ? tag : 'h1', text));
  }

  addSeparator(): this {
    return this.addElement(this.wrap('hr', null));
  }

  addBreak(): this {
    return this.addElement(this.wrap('br', null));
  }

  addQuote(text: string, cite?: string): this {
    return this.addElement(this.wrap('blockquote', text, cite ? { cite } : {}));
  }

  addLink(text: string, href: string): this {
    return this.addElement(this.wrap('a', text, { href }));
  }

  /** Appends the buffer to GITHUB_STEP_SUMMARY (replaces it with `overwrite`) and empties it. */
  async write(options: { overwrite?: boolean } = {}): Promise<this> {
    const path = process.env.GITHUB_STEP_SUMMARY;
    if (!path) {
      throw new Error(
        'Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.',
      );
    }
    try {
      await access(path, constants.R_OK | constants.W_OK);
    } catch {
      throw new Error(
        `Unable to access summary file: '${path}'. Check if the file has correct read/write permissions.`,
      );
    }
    await (options.overwrite ? writeFile : appendFile)(path, this.buffer, { encoding: 'utf8' });
    return this.emptyBuffer();
  }
}

/** The step's one summary builder. */
export const summary: JobSummary = new Summary();
