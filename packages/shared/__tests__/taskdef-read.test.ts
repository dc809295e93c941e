// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders in plain strings are the data under test.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../src/errors.js';
import {
  detectFormat,
  findJsonSyntaxError,
  lineColumn,
  parseTaskDefinitionText,
  readTaskDefinitionFile,
  TASK_DEFINITION_MAX_FILE_BYTES,
  unwrapTaskDefinition,
} from '../src/taskdef/read.js';

describe('findJsonSyntaxError', () => {
  it.each([
    ['{"a": 1}', undefined],
    ['  [1, -2.5e3, "x\\u00e9\\n", true, false, null, {}]  ', undefined],
    ['{"a": {"b": [{"c": "d"}]}}\n', undefined],
    ['', { line: 1, column: 1, reason: 'the file is empty' }],
    ['{"a": 1,}', { line: 1, column: 9, reason: 'trailing comma before `}`' }],
    ['[1, 2,]', { line: 1, column: 7, reason: 'trailing comma before `]`' }],
    [
      '{\n  "a": 1\n  "b": 2\n}',
      { line: 3, column: 3, reason: 'expected `,` or `}` after property value, got `"`' },
    ],
    ['{"a" 1}', { line: 1, column: 6, reason: 'expected `:` after property name, got `1`' }],
    ["{'a': 1}", { line: 1, column: 2, reason: 'strings must use double quotes, not single quotes' }],
    ['{"a": \'x\'}', { line: 1, column: 7, reason: 'strings must use double quotes, not single quotes' }],
    ['{a: 1}', { line: 1, column: 2, reason: 'expected a property name in double quotes, got `a`' }],
    [
      '{"a": [\n  TEMPLATE_ENV\n]}',
      {
        line: 2,
        column: 3,
        reason: 'unexpected `TEMPLATE_ENV` (not a JSON value; strings need double quotes)',
      },
    ],
    [
      '{"command": [\n    {{command}}\n]}',
      { line: 2, column: 5, reason: 'expected a property name in double quotes, got `{{command}}`' },
    ],
    [
      '{"a": 1,\n  $$$$START$$$$\n  "b": 2}',
      { line: 2, column: 3, reason: 'expected a property name in double quotes, got `$$$$START$$$$`' },
    ],
    ['{"a": "x', { line: 1, column: 9, reason: 'unterminated string (a closing `"` is missing)' }],
    [
      '{"a": "x\ny"}',
      { line: 1, column: 9, reason: 'line break inside a string (end the string with `"` or write `\\n`)' },
    ],
    ['{"a": "\\q"}', { line: 1, column: 8, reason: 'invalid escape `\\q` in string' }],
    ['{"a": "\\u12"}', { line: 1, column: 12, reason: 'invalid `\\u` escape in string (four hex digits)' }],
    ['{"a": 01}', { line: 1, column: 8, reason: 'unexpected number, got `1`' }],
    [
      '{"a": 1}\n// note',
      { line: 2, column: 1, reason: 'comments are not allowed in JSON (use a .yaml file if you need them)' },
    ],
    ['{"a": 1} x', { line: 1, column: 10, reason: 'unexpected `x` after the end of the JSON value' }],
    [
      '{"a": [1, 2',
      { line: 1, column: 12, reason: 'unexpected end of file (an array is not closed with `]`)' },
    ],
    ['{"a": 1', { line: 1, column: 8, reason: 'unexpected end of file (an object is not closed with `}`)' }],
    ['{"a": ', { line: 1, column: 7, reason: 'unexpected end of file (a value is missing)' }],
    ['{"a": ,}', { line: 1, column: 7, reason: 'unexpected `,` where a value was expected' }],
    [
      '{\n  "environment": [],\n  "environment": [1]\n}',
      {
        line: 3,
        column: 3,
        reason: 'duplicate key `environment` (JSON keeps only the last one; remove one of them)',
      },
    ],
  ])('%j', (text, expected) => {
    expect(findJsonSyntaxError(text)).toEqual(expected);
  });

  it('agrees with JSON.parse on what is valid', () => {
    for (const text of ['{"a":[1,{"b":null}]}', '"x"', '1', '[]', '{"a":"\\"\\\\\\/\\b\\f\\n\\r\\t"}']) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(findJsonSyntaxError(text)).toBeUndefined();
    }
  });

  it('counts lines and columns from 1', () => {
    expect(lineColumn('ab\ncd\nef', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd\nef', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('ab\ncd\nef', 6)).toEqual({ line: 3, column: 1 });
  });
});

describe('detectFormat', () => {
  it.each([
    ['td.json', 'key: value', 'json'],
    ['td.yaml', '{"a": 1}', 'yaml'],
    ['td.YML', '{"a": 1}', 'yaml'],
    ['td.json.tpl', '  {"a": 1}', 'json'],
    ['task-definition', 'family: x', 'yaml'],
    ['td.txt', '\n[1]', 'json'],
  ])('%s', (name, text, format) => {
    expect(detectFormat(name, text)).toBe(format);
  });
});

describe('parseTaskDefinitionText', () => {
  const options = { fileName: 'deploy/td.json', inputName: 'task-definition' };
  it.each([
    [
      'a JSON syntax error with line and column',
      '{\n  "family": "x",\n}',
      options,
      '`task-definition`: deploy/td.json is not valid JSON: line 3, column 1: trailing comma before `}`. If the file is YAML, give it a .yaml or .yml extension.',
    ],
    [
      "another tool's placeholder",
      '{"image": <IMAGE>}',
      options,
      '`task-definition`: deploy/td.json is not valid JSON: line 1, column 11: unexpected `<IMAGE>` (not a JSON value; strings need double quotes). It looks like a placeholder of another templating tool: Berth reads the file as data before it fills placeholders, so a placeholder must sit inside a JSON string ("${NAME}", filled from `vars`), or render the file with that tool before this step.',
    ],
    [
      'a YAML syntax error with line and column',
      'family: x\ncontainerDefinitions:\n  - name: web\n   image: nginx\n',
      { fileName: 'td.yaml', inputName: 'task-definition' },
      '`task-definition`: td.yaml is not valid YAML: line 4, column 1: Sequence item without - indicator.',
    ],
    [
      'a duplicate YAML key',
      'family: a\nfamily: b\n',
      { fileName: 'td.yml', inputName: 'task-definition' },
      '`task-definition`: td.yml is not valid YAML: line 2, column 1: Map keys must be unique.',
    ],
    ['an empty file', '  \n', options, '`task-definition`: deploy/td.json is empty.'],
  ])('reports %s', (_what, text, parseOptions, message) => {
    expect(() => parseTaskDefinitionText(text, parseOptions)).toThrow(new ConfigurationError(message));
  });

  it('reads YAML, including flow style with trailing commas and CRLF line ends', () => {
    expect(parseTaskDefinitionText('{ "family": "x", "cpu": "256", }', { fileName: 'td.yml' })).toEqual({
      family: 'x',
      cpu: '256',
    });
    expect(parseTaskDefinitionText('family: x\r\nmemory: 512\r\n', { fileName: 'td.yaml' })).toEqual({
      family: 'x',
      memory: 512,
    });
  });

  it('keeps YAML 1.2 semantics: yes/no/on stay strings', () => {
    expect(parseTaskDefinitionText('a: yes\nb: on\nc: "true"\nd: true', { fileName: 'x.yaml' })).toEqual({
      a: 'yes',
      b: 'on',
      c: 'true',
      d: true,
    });
  });

  it('refuses alias bombs', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
    ].join('\n');
    expect(() => parseTaskDefinitionText(bomb, { fileName: 'b.yaml', inputName: 'task-definition' })).toThrow(
      /`task-definition`: b\.yaml could not be read as YAML: .*alias/i,
    );
  });

  it('strips a UTF-8 byte order mark', () => {
    expect(parseTaskDefinitionText('\ufeff{"family": "x"}', { fileName: 'td.json' })).toEqual({
      family: 'x',
    });
  });
});

describe('unwrapTaskDefinition', () => {
  const options = { fileName: 'td.json', inputName: 'task-definition' };
  it('returns a plain definition as it is', () => {
    const data = { family: 'x', containerDefinitions: [] };
    expect(unwrapTaskDefinition(data, options)).toEqual({ definition: data, wrapped: false, format: 'json' });
  });

  it('unwraps describe-task-definition output and keeps its tags', () => {
    const tags = [{ key: 'team', value: 'shop' }];
    expect(unwrapTaskDefinition({ taskDefinition: { family: 'x' }, tags }, options)).toEqual({
      definition: { family: 'x' },
      wrapperTags: tags,
      wrapped: true,
      format: 'json',
    });
  });

  it.each([
    [[1, 2], 'a list'],
    [null, 'null'],
    ['text', 'a string'],
  ])('refuses %j', (data, kind) => {
    expect(() => unwrapTaskDefinition(data, options)).toThrow(
      `\`task-definition\`: td.json holds ${kind}, not a task definition object (expected \`{"family": …, "containerDefinitions": [ … ]}\`).`,
    );
  });
});

describe('readTaskDefinitionFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-taskdef-file-'));
    writeFileSync(join(dir, 'td.json'), '{"family": "shop", "containerDefinitions": []}');
    writeFileSync(join(dir, 'td.yaml'), 'family: shop\ncontainerDefinitions: []\n');
    writeFileSync(join(dir, 'big.json'), `{"family": "${'x'.repeat(TASK_DEFINITION_MAX_FILE_BYTES)}"}`);
    mkdirSync(join(dir, 'folder'));
    // A JavaScript payload behind a .json symlink: executed if anyone require()s the path.
    writeFileSync(
      join(dir, 'pwn.js'),
      `require('fs').writeFileSync(${JSON.stringify(join(dir, 'PWNED'))}, 'x'); module.exports = {};`,
    );
    symlinkSync(join(dir, 'pwn.js'), join(dir, 'task-definition.json'));
    symlinkSync(join(dir, 'td.yaml'), join(dir, 'link.yaml'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads JSON and YAML relative to the base folder', () => {
    expect(readTaskDefinitionFile('td.json', { baseDir: dir })).toMatchObject({
      definition: { family: 'shop' },
      format: 'json',
      wrapped: false,
      path: join(dir, 'td.json'),
    });
    expect(readTaskDefinitionFile(join(dir, 'td.yaml'), { baseDir: dir })).toMatchObject({
      definition: { family: 'shop' },
      format: 'yaml',
    });
    expect(readTaskDefinitionFile('link.yaml', { baseDir: dir }).definition).toEqual({
      family: 'shop',
      containerDefinitions: [],
    });
  });

  it('reads a symlinked .json that points at JavaScript as data: a syntax error, nothing executed', () => {
    expect(() => readTaskDefinitionFile('task-definition.json', { baseDir: dir })).toThrow(
      "`task-definition`: task-definition.json is not valid JSON: line 1, column 1: unexpected `require('fs').writeFileSync(` (not a JSON value; strings need double quotes). If the file is YAML, give it a .yaml or .yml extension.",
    );
    expect(existsSync(join(dir, 'PWNED'))).toBe(false);
  });

  it('refuses files over 1 MiB, counting the bytes read', () => {
    expect(() => readTaskDefinitionFile('big.json', { baseDir: dir })).toThrow(
      'Input `task-definition`: "big.json" is larger than 1.0 MiB, the limit for task definition files (ECS accepts at most 64 KiB). Check that the path names the right file.',
    );
  });

  it.each([
    [
      'missing.json',
      (d: string) =>
        `Input \`task-definition\`: "missing.json" does not exist (looked for ${join(d, 'missing.json')}). Paths are relative to the workspace; check the path and that the repository is checked out (actions/checkout) before this step.`,
    ],
    ['folder', () => 'Input `task-definition`: "folder" is a directory; give the path of a file inside it.'],
  ])('%s', (path, message) => {
    expect(() => readTaskDefinitionFile(path, { baseDir: dir })).toThrow(
      new ConfigurationError(message(dir)),
    );
  });

  it('names the input that gave the path', () => {
    expect(() => readTaskDefinitionFile('nope.json', { baseDir: dir, inputName: 'rollback-file' })).toThrow(
      /^Input `rollback-file`: "nope\.json" does not exist/,
    );
  });
});
