import { basename, extname } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigurationError, errorMessage } from '../errors.js';
import { readWorkspaceFile, type WorkspaceRoots, workspaceRoots } from '../workspace-file.js';
import { isJsonObject, type JsonObject } from './json.js';
import { prototypeKeyPaths } from './structure.js';

// Re-exported for the modules that read files anyway; the rest import json.ts, which loads no YAML parser.
export { isJsonObject, type JsonObject };

/**
 * Reading a task definition file as data. The file is parsed as JSON or YAML
 * and never loaded with require()/import: a render action that require()d its
 * `task-definition.json` ran whatever a symlink pointed it at.
 */

/** Files above this size are refused (ECS itself accepts 64 KiB; this is only a guard). */
export const TASK_DEFINITION_MAX_FILE_BYTES = 1024 * 1024;

export type TaskDefinitionFormat = 'json' | 'yaml';

export interface TaskDefinitionDocument {
  /** The task definition object (unwrapped when the file held describe-task-definition output). */
  definition: JsonObject;
  /** `tags` beside `taskDefinition` in describe-task-definition output (`--include TAGS`), when present. */
  wrapperTags?: unknown;
  /** True when the file was `{"taskDefinition": {...}, ...}`. */
  wrapped: boolean;
  format: TaskDefinitionFormat;
}

export interface LoadedTaskDefinitionFile extends TaskDefinitionDocument {
  /** Absolute path that was read. */
  path: string;
}

export interface SyntaxErrorLocation {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  reason: string;
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** The most characters of a file an error quotes. */
const EXCERPT_CHARS = 32;
const clip = (text: string) => (text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text);

/**
 * What was found at an error, quoted in the message: short (the file may hold
 * a secret) and one line, whole enough that another tool's placeholder
 * (`{{x}}`, `$$$X$$$`, `<X>`, a bare word) is recognisable.
 */
function tokenAt(text: string, at: number): string {
  const ahead = text.slice(at, at + EXCERPT_CHARS);
  const word = /^\{\{[^}\n]*\}\}/.exec(ahead)?.[0] ?? /^[^\s,:[\]{}"]+/.exec(ahead)?.[0];
  return word ?? text[at];
}

/** V8's JSON.parse messages end in `at position N (line L column C)` (Node 22+); some carry no position. */
const V8_POSITION = /(?: in JSON)? at position (\d+)(?: \(line \d+ column \d+\))?$/;

/** True when parsing `text` fails before its end (not merely because the text stops). */
function failsBefore(text: string): boolean {
  try {
    JSON.parse(text);
    return false;
  } catch (error) {
    const message = (error as Error).message;
    const at = V8_POSITION.exec(message);
    if (at) return Number(at[1]) < text.length;
    return message.startsWith('Unexpected token');
  }
}

/**
 * Where V8 failed. "Unexpected token" carries no position (only an excerpt of
 * the file, which is never shown): the first failing prefix is found by
 * bisection, since the parser reads left to right and fails at the same
 * character whatever follows it.
 */
function errorOffset(text: string, message: string): number {
  const at = V8_POSITION.exec(message);
  if (at) return Number(at[1]);
  if (!message.startsWith('Unexpected token')) return text.length;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (failsBefore(text.slice(0, middle + 1))) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The reason shown for a JSON.parse failure at `at`: the common mistakes by name, else V8's words. */
function jsonReason(text: string, message: string, at: number): string {
  const found = text[at];
  const before = text.slice(0, at).trimEnd().at(-1);
  if (message.startsWith('Unterminated string')) return 'unterminated string (a closing `"` is missing)';
  if (found === undefined) {
    if (message.includes("']'")) return 'unexpected end of file (an array is not closed with `]`)';
    if (message.includes("'}'")) return 'unexpected end of file (an object is not closed with `}`)';
    return 'unexpected end of file (a value is missing)';
  }
  if (found === '/' && (text[at + 1] === '/' || text[at + 1] === '*'))
    return 'comments are not allowed in JSON (use a .yaml file if you need them)';
  if (before === ',' && (found === '}' || found === ']')) return `trailing comma before \`${found}\``;
  if (found === "'") return 'strings must use double quotes, not single quotes';
  if (message.startsWith('Bad control character')) {
    return found === '\n'
      ? 'line break inside a string (end the string with `"` or write `\\n`)'
      : 'control character inside a string (escape it, e.g. `\\t`)';
  }
  if (message.startsWith('Bad escaped character'))
    return `invalid escape \`\\${text[at + 1] ?? ''}\` in string`;
  if (message.startsWith('Bad Unicode escape')) return 'invalid `\\u` escape in string (four hex digits)';
  if (message.startsWith('Unexpected non-whitespace character after JSON'))
    return `unexpected \`${tokenAt(text, at)}\` after the end of the JSON value`;
  if (/^Expected (double-quoted property name|property name or)/.test(message))
    return `expected a property name in double quotes, got \`${tokenAt(text, at)}\``;
  if (message.startsWith('Unexpected token') && /[,:}\]]/.test(found))
    return `unexpected \`${found}\` where a value was expected`;
  if (message.startsWith('Unexpected token'))
    return `unexpected \`${tokenAt(text, at)}\` (not a JSON value; strings need double quotes)`;
  // "Expected ',' or '}' after property value", "Unexpected number", …: V8's words, quotes as code.
  const what = message.replace(V8_POSITION, '').replace(/'([^']+)'/g, '`$1`');
  return `${what.charAt(0).toLowerCase()}${what.slice(1)}, got \`${tokenAt(text, at)}\``;
}

/**
 * Checks strict JSON (RFC 8259) with JSON.parse and returns the first problem
 * with its line and column, or undefined when the text is valid. Duplicate
 * keys, which JSON.parse silently collapses to the last one, are found by
 * `yaml`'s `uniqueKeys` check (JSON is YAML 1.2's flow style).
 */
export function findJsonSyntaxError(text: string): SyntaxErrorLocation | undefined {
  if (text.trim() === '') return { line: 1, column: 1, reason: 'the file is empty' };
  try {
    JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    let at = errorOffset(text, message);
    // V8 points at the character after a bad `\`; the user looks for the backslash.
    if (message.startsWith('Bad escaped character') && text[at - 1] === '\\') at--;
    // `{{x}}`: V8 reads the first `{` as an object and fails on the second; show the whole placeholder.
    if (text[at] === '{' && text[at - 1] === '{') at--;
    return { ...lineColumn(text, at), reason: jsonReason(text, message, at) };
  }
  return duplicateKey(text);
}

function duplicateKey(text: string): SyntaxErrorLocation | undefined {
  let document: ReturnType<typeof parseDocument>;
  try {
    document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  } catch {
    return undefined; // Nesting too deep for the YAML parser's recursion: JSON.parse accepted it.
  }
  const duplicate = document.errors.find((error) => error.code === 'DUPLICATE_KEY');
  if (!duplicate) return undefined;
  const at = duplicate.pos[0];
  const key = /^"((?:[^"\\]|\\.)*)"/.exec(text.slice(at))?.[1] ?? tokenAt(text, at);
  return {
    ...lineColumn(text, at),
    reason: `duplicate key \`${clip(key)}\` (JSON keeps only the last one; remove one of them)`,
  };
}

/** JSON for `.json`, YAML for `.yaml`/`.yml`, otherwise JSON when the text starts with `{` or `[`. */
export function detectFormat(fileName: string, text: string): TaskDefinitionFormat {
  const ext = extname(fileName).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return /^\s*[{[]/.test(text) ? 'json' : 'yaml';
}

export interface ParseOptions {
  /** Shown in messages, e.g. `deploy/task-definition.json`. */
  fileName: string;
  /** The input the file came from, e.g. `task-definition`. */
  inputName?: string;
  format?: TaskDefinitionFormat;
}

function prefix(options: ParseOptions): string {
  return options.inputName ? `\`${options.inputName}\`: ` : '';
}

/** What to add to a JSON syntax error: another tool's placeholder, or a YAML file with the wrong extension. */
function jsonErrorHint(reason: string, fileName: string): string {
  const found = /`([^`]*)`/.exec(reason)?.[1] ?? '';
  if (/\$|\{\{|<[^>]*>|^[A-Z][A-Z0-9_]{2,}$/.test(found)) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal `${NAME}` example for the user.
    return ' It looks like a placeholder of another templating tool: Berth reads the file as data before it fills placeholders, so a placeholder must sit inside a JSON string ("${NAME}", filled from `vars`), or render the file with that tool before this step.';
  }
  if (reason.startsWith('comments') || /\.ya?ml$/i.test(fileName)) return '';
  return ' If the file is YAML, give it a .yaml or .yml extension.';
}

/** Parses the text as data (JSON or YAML); syntax errors name the line and column. */
export function parseTaskDefinitionText(text: string, options: ParseOptions): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const format = options.format ?? detectFormat(options.fileName, body);
  const where = `${prefix(options)}${options.fileName}`;
  if (body.trim() === '') throw new ConfigurationError(`${where} is empty.`);
  if (format === 'json') {
    const problem = findJsonSyntaxError(body);
    if (problem) {
      throw new ConfigurationError(
        `${where} is not valid JSON: line ${problem.line}, column ${problem.column}: ${problem.reason}.${jsonErrorHint(problem.reason, options.fileName)}`,
      );
    }
    return refusePrototypeKeys(JSON.parse(body), where);
  }
  const document = parseDocument(body, { uniqueKeys: true, prettyErrors: true });
  const error = document.errors[0];
  if (error) {
    const position = error.linePos?.[0];
    const reason = error.message
      .split(/ at line \d+, column \d+/)[0]
      .split('\n')[0]
      .slice(0, 160);
    throw new ConfigurationError(
      `${where} is not valid YAML: ${position ? `line ${position.line}, column ${position.col}: ` : ''}${reason}.`,
    );
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    throw new ConfigurationError(`${where} could not be read as YAML: ${errorMessage(cause)}`);
  }
  // Aliases repeat what they point at: a small file can expand to far more than it holds.
  const expanded = Buffer.byteLength(JSON.stringify(data) ?? '');
  if (expanded > TASK_DEFINITION_MAX_FILE_BYTES) {
    throw new ConfigurationError(
      `${where} expands to ${Math.ceil(expanded / 1024)} KiB through YAML aliases (\`*name\`); task definitions are limited to 1 MiB here and 64 KiB by ECS. Write the repeated parts out, or use fewer aliases.`,
    );
  }
  return refusePrototypeKeys(data, where);
}

/**
 * `__proto__`, `constructor` and `prototype` are kept as plain keys by both
 * parsers, and any later `copy[key] = value` would turn them into a prototype
 * change (the key then silently disappears): refused here, with where they are.
 */
function refusePrototypeKeys(data: unknown, where: string): unknown {
  const paths = prototypeKeyPaths(data);
  if (paths.length > 0) {
    throw new ConfigurationError(
      `${where}: ${paths
        .slice(0, 5)
        .map((path) => `\`${path}\``)
        .join(
          ', ',
        )} ${paths.length === 1 ? 'is' : 'are'} not allowed; \`__proto__\`, \`constructor\` and \`prototype\` are not task definition fields. Remove ${paths.length === 1 ? 'it' : 'them'}.`,
    );
  }
  return data;
}

/**
 * Accepts a task definition as written for RegisterTaskDefinition, or the
 * output of `aws ecs describe-task-definition` (`{"taskDefinition": {...},
 * "tags": [...]}`), and returns the definition with the wrapper's tags.
 */
export function unwrapTaskDefinition(data: unknown, options: ParseOptions): TaskDefinitionDocument {
  const where = `${prefix(options)}${options.fileName}`;
  if (!isJsonObject(data)) {
    const kind = Array.isArray(data) ? 'a list' : data === null ? 'null' : `a ${typeof data}`;
    throw new ConfigurationError(
      `${where} holds ${kind}, not a task definition object (expected \`{"family": …, "containerDefinitions": [ … ]}\`).`,
    );
  }
  const format = options.format ?? detectFormat(options.fileName, '{');
  if (isJsonObject(data.taskDefinition) && !('containerDefinitions' in data)) {
    return { definition: data.taskDefinition, wrapperTags: data.tags, wrapped: true, format };
  }
  return { definition: data, wrapped: false, format };
}

export interface ReadTaskDefinitionOptions {
  /** The input that named the file (for messages), default `task-definition`. */
  inputName?: string;
  /** The workspace: relative paths resolve against it; default GITHUB_WORKSPACE, else the working directory. */
  baseDir?: string;
  /** Where files may be read from; default the workspace (`baseDir`) and RUNNER_TEMP. */
  roots?: WorkspaceRoots;
}

/**
 * Reads a task definition file as data: the path must resolve (links
 * followed) to a regular file inside the workspace or RUNNER_TEMP, at most
 * 1 MiB is read, and the text is parsed as JSON or YAML and unwrapped from
 * describe-task-definition output.
 */
export function readTaskDefinitionFile(
  path: string,
  options: ReadTaskDefinitionOptions = {},
): LoadedTaskDefinitionFile {
  const inputName = options.inputName ?? 'task-definition';
  const defaults = workspaceRoots();
  const roots = options.roots ?? {
    workspace: options.baseDir ?? defaults.workspace,
    runnerTemp: defaults.runnerTemp,
  };
  const file = readWorkspaceFile(inputName, path, {
    roots,
    maxBytes: TASK_DEFINITION_MAX_FILE_BYTES,
    what: 'task definition files (ECS accepts at most 64 KiB)',
  });
  const text = file.text;
  const shown = path;
  const parseOptions: ParseOptions = { fileName: shown || basename(file.path), inputName };
  const format = detectFormat(shown, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const data = parseTaskDefinitionText(text, { ...parseOptions, format });
  return { ...unwrapTaskDefinition(data, { ...parseOptions, format }), path: file.path };
}
