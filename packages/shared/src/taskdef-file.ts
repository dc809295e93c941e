import { basename, extname } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigurationError, errorMessage } from './errors.js';
import { prototypeKeyPaths } from './taskdef-structure.js';
import { readWorkspaceFile, type WorkspaceRoots, workspaceRoots } from './workspace-file.js';

/**
 * Reading a task definition file as data. The file is parsed as JSON or YAML
 * and never loaded with require()/import: a render action that require()d its
 * `task-definition.json` ran whatever a symlink pointed it at.
 */

/** Files above this size are refused (ECS itself accepts 64 KiB; this is only a guard). */
export const TASK_DEFINITION_MAX_FILE_BYTES = 1024 * 1024;

export type TaskDefinitionFormat = 'json' | 'yaml';

export type JsonObject = Record<string, unknown>;

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

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const MAX_DEPTH = 512;

/** The most characters of a file an error quotes. */
const EXCERPT_CHARS = 32;
const clip = (text: string) => (text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text);

/**
 * Checks strict JSON (RFC 8259) and returns the first problem with its line
 * and column, or undefined when the text is valid. Also rejects duplicate
 * keys, which JSON.parse would silently collapse to the last one. The reasons
 * name what was found, so an unfilled placeholder of another tool (`{{x}}`,
 * `$$$X$$$`, a bare word) is recognisable in the message.
 */
export function findJsonSyntaxError(text: string): SyntaxErrorLocation | undefined {
  let i = 0;
  const fail = (reason: string, at = i): never => {
    throw new JsonSyntaxError(at, reason);
  };
  // What was found at an error, quoted in the message: short (the file may hold a secret) and one line.
  const token = (at: number): string => {
    const ahead = text.slice(at, at + EXCERPT_CHARS);
    const word = /^\{\{[^}\n]*\}\}/.exec(ahead)?.[0] ?? /^[^\s,:[\]{}"]+/.exec(ahead)?.[0];
    return word ?? text[at];
  };
  const skipSpace = () => {
    for (;;) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        i++;
      } else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
        fail('comments are not allowed in JSON (use a .yaml file if you need them)');
      } else {
        return;
      }
    }
  };
  const parseString = (): string => {
    const start = i;
    i++; // opening quote
    let value = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text[i];
      if (c === '"') {
        i++;
        return value;
      }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid `\\u` escape in string');
          value += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e === undefined || !(e in simple)) fail(`invalid escape \`\\${e ?? ''}\` in string`);
        value += simple[e];
        i += 2;
        continue;
      }
      if (c < ' ') {
        fail(
          c === '\n'
            ? 'line break inside a string (end the string with `"` or write `\\n`)'
            : 'control character inside a string (escape it, e.g. `\\t`)',
        );
      }
      value += c;
      i++;
    }
  };
  const parseValue = (depth: number): void => {
    if (depth > MAX_DEPTH) fail('nesting is too deep');
    skipSpace();
    const c = text[i];
    if (c === undefined) fail('unexpected end of file (a value is missing)');
    if (c === '{' && text[i + 1] === '{') fail(`unexpected \`${token(i)}\` (not a JSON value)`);
    if (c === '{') {
      parseObject(depth);
      return;
    }
    if (c === '[') {
      parseArray(depth);
      return;
    }
    if (c === '"') {
      parseString();
      return;
    }
    if (c === "'") fail('strings must use double quotes, not single quotes');
    const number = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400))?.[0];
    if (number && !/^[\w.]/.test(text[i + number.length] ?? '')) {
      i += number.length;
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i) && !/^\w/.test(text[i + literal.length] ?? '')) {
        i += literal.length;
        return;
      }
    }
    if (c === '}' || c === ']' || c === ',') fail(`unexpected \`${c}\` where a value was expected`);
    fail(`unexpected \`${token(i)}\` (not a JSON value; strings need double quotes)`);
  };
  const parseObject = (depth: number): void => {
    i++;
    const keys = new Set<string>();
    skipSpace();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[i] === undefined) fail('unexpected end of file (an object is not closed with `}`)');
      if (text[i] !== '"') {
        if (text[i] === '}') fail('trailing comma before `}`', i);
        fail(`expected a property name in double quotes, got \`${token(i)}\``);
      }
      const keyAt = i;
      const key = parseString();
      if (keys.has(key))
        fail(`duplicate key \`${clip(key)}\` (JSON keeps only the last one; remove one of them)`, keyAt);
      keys.add(key);
      skipSpace();
      if (text[i] !== ':') {
        fail(
          text[i] === undefined
            ? 'unexpected end of file (expected `:`)'
            : `expected \`:\` after \`"${clip(key)}"\`, got \`${token(i)}\``,
        );
      }
      i++;
      parseValue(depth + 1);
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      if (text[i] === undefined) fail('unexpected end of file (an object is not closed with `}`)');
      fail(`expected \`,\` or \`}\` after the value of \`"${clip(key)}"\`, got \`${token(i)}\``);
    }
  };
  const parseArray = (depth: number): void => {
    i++;
    skipSpace();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[i] === ']') fail('trailing comma before `]`');
      parseValue(depth + 1);
      skipSpace();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      if (text[i] === undefined) fail('unexpected end of file (an array is not closed with `]`)');
      fail(`expected \`,\` or \`]\` after an array element, got \`${token(i)}\``);
    }
  };

  try {
    skipSpace();
    if (i >= text.length) fail('the file is empty');
    parseValue(0);
    skipSpace();
    if (i < text.length) fail(`unexpected \`${token(i)}\` after the end of the JSON value`);
    return undefined;
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return { ...lineColumn(text, error.offset), reason: error.reason };
  }
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
