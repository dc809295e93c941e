import { ConfigurationError } from '@berth/shared/errors';
import { InputReader, parseKeyValues, parseList } from '@berth/shared/inputs';
import { describe, expect, it } from '@jest/globals';

const reader = (values: Record<string, string | undefined>) => new InputReader((name) => values[name] ?? '');

/** The ConfigurationError message `read` throws (fails the test when it does not throw one). */
function failure(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError, nothing was thrown');
}

describe('InputReader.required', () => {
  it.each([
    ['ecs-prod', 'ecs-prod'],
    ['  ecs-prod \n', 'ecs-prod'],
  ])('returns %j trimmed', (raw, expected) => {
    expect(reader({ cluster: raw }).required('cluster')).toBe(expected);
  });

  it.each([
    [undefined, undefined, 'Input `cluster` is required.'],
    ['', undefined, 'Input `cluster` is required.'],
    ['   \n', undefined, 'Input `cluster` is required.'],
    [
      '',
      'name the ECS cluster, e.g. `cluster: prod`.',
      'Input `cluster` is required: name the ECS cluster, e.g. `cluster: prod`.',
    ],
  ])('fails for %j (hint %j)', (raw, hint, message) => {
    expect(failure(() => reader({ cluster: raw }).required('cluster', hint))).toBe(message);
  });
});

describe('InputReader.optional and string', () => {
  it.each([
    ['', undefined],
    ['  ', undefined],
    [' web ', 'web'],
  ])('optional(%j) is %j', (raw, expected) => {
    expect(reader({ name: raw }).optional('name')).toBe(expected);
  });

  it.each([
    ['', 'sts.amazonaws.com'],
    ['  ', 'sts.amazonaws.com'],
    ['custom-audience', 'custom-audience'],
  ])('string(%j) is %j', (raw, expected) => {
    expect(reader({ audience: raw }).string('audience', 'sts.amazonaws.com')).toBe(expected);
  });
});

describe('InputReader.boolean', () => {
  it.each([
    ['true', false, true],
    ['True', false, true],
    ['TRUE', false, true],
    ['false', true, false],
    ['False', true, false],
    ['FALSE', true, false],
    [' true ', false, true],
    ['', true, true],
    ['', false, false],
  ])('%j (fallback %j) is %j', (raw, fallback, expected) => {
    expect(reader({ flag: raw }).boolean('flag', fallback)).toBe(expected);
  });

  it.each([
    ['yes', 'Input `flag` must be `true` or `false`, got "yes".'],
    ['1', 'Input `flag` must be `true` or `false`, got "1".'],
    ['tRuE', 'Input `flag` must be `true` or `false`, got "tRuE".'],
    ['on', 'Input `flag` must be `true` or `false`, got "on".'],
    [`${'x'.repeat(250)}`, `Input \`flag\` must be \`true\` or \`false\`, got "${'x'.repeat(200)}…".`],
  ])('rejects %j', (raw, message) => {
    expect(failure(() => reader({ flag: raw }).boolean('flag', true))).toBe(message);
  });
});

describe('InputReader.integer', () => {
  it.each([
    ['42', {}, 42],
    [' 42 ', {}, 42],
    ['+5', {}, 5],
    ['-3', { min: -10 }, -3],
    ['900', { min: 900, max: 43200 }, 900],
    ['43200', { min: 900, max: 43200 }, 43200],
    ['', { fallback: 3600 }, 3600],
    ['', {}, undefined],
    ['007', {}, 7],
  ])('%j with %j is %j', (raw, options, expected) => {
    expect(reader({ n: raw }).integer('n', options as { fallback: number })).toBe(expected);
  });

  it.each([
    ['abc', {}, 'Input `n` must be a whole number, got "abc".'],
    ['12.5', {}, 'Input `n` must be a whole number, got "12.5".'],
    ['1e3', {}, 'Input `n` must be a whole number, got "1e3".'],
    ['0x10', {}, 'Input `n` must be a whole number, got "0x10".'],
    ['3600s', {}, 'Input `n` must be a whole number, got "3600s".'],
    ['1 000', {}, 'Input `n` must be a whole number, got "1 000".'],
    ['899', { min: 900, max: 43200 }, 'Input `n` must be between 900 and 43200, got 899.'],
    ['43201', { min: 900, max: 43200 }, 'Input `n` must be between 900 and 43200, got 43201.'],
    ['0', { min: 1 }, 'Input `n` must be at least 1, got 0.'],
    ['21', { max: 20 }, 'Input `n` must be at most 20, got 21.'],
    ['99999999999999999999', { min: 1 }, 'Input `n` must be at least 1, got 99999999999999999999.'],
    ['99999999999999999999', {}, 'Input `n` is too large for a whole number, got 99999999999999999999.'],
  ])('rejects %j with %j', (raw, options, message) => {
    expect(failure(() => reader({ n: raw }).integer('n', options))).toBe(message);
  });
});

describe('InputReader.enumeration', () => {
  const allowed = ['ROLLING', 'blue-green'] as const;

  it.each([
    ['ROLLING', 'ROLLING'],
    ['rolling', 'ROLLING'],
    ['Blue-Green', 'blue-green'],
    [' BLUE-GREEN ', 'blue-green'],
    ['', 'ROLLING'],
  ])('%j is %j (spelled as allowed)', (raw, expected) => {
    expect(reader({ strategy: raw }).enumeration('strategy', allowed, 'ROLLING')).toBe(expected);
  });

  it('is undefined when unset without a fallback', () => {
    expect(reader({}).enumeration('strategy', allowed)).toBeUndefined();
  });

  it.each([
    ['canary', 'Input `strategy` must be one of `ROLLING`, `blue-green`, got "canary".'],
    ['blue_green', 'Input `strategy` must be one of `ROLLING`, `blue-green`, got "blue_green".'],
  ])('rejects %j', (raw, message) => {
    expect(failure(() => reader({ strategy: raw }).enumeration('strategy', allowed, 'ROLLING'))).toBe(
      message,
    );
  });
});

describe('InputReader.list and parseList', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    ['a, b,c', ['a', 'b', 'c']],
    ['a\nb\r\nc', ['a', 'b', 'c']],
    ['a,,b,\n\n  \n', ['a', 'b']],
    ['# accounts\n111111111111\n  # staging\n222222222222', ['111111111111', '222222222222']],
    ['a # not a comment', ['a # not a comment']],
    ['  spaced item  , x', ['spaced item', 'x']],
  ])('%j is %j', (raw, expected) => {
    expect(reader({ items: raw }).list('items')).toEqual(expected);
    expect(parseList(raw)).toEqual(expected);
  });
});

describe('InputReader.keyValues and parseKeyValues', () => {
  it.each([
    ['', []],
    ['A=1', [['A', '1']]],
    ['URL=postgres://u:p@h/db?sslmode=require&x=1', [['URL', 'postgres://u:p@h/db?sslmode=require&x=1']]],
    ['B64=abc==', [['B64', 'abc==']]],
    ['EMPTY=', [['EMPTY', '']]],
    ['  SPACED  =  value with spaces  ', [['SPACED', 'value with spaces']]],
    [
      '\n# comment\nA=1\n\n   # indented comment\nB=2\r\nC=3\n',
      [
        ['A', '1'],
        ['B', '2'],
        ['C', '3'],
      ],
    ],
    [
      'Z=last\nA=first',
      [
        ['Z', 'last'],
        ['A', 'first'],
      ],
    ],
    ['HASH=a#b', [['HASH', 'a#b']]],
  ])('%j is %j, in order', (raw, expected) => {
    expect([...parseKeyValues('vars', raw)]).toEqual(expected);
    expect([...reader({ vars: raw }).keyValues('vars')]).toEqual(expected);
  });

  it.each([
    ['A=1\nA=2', 'Input `vars` line 2: `A` is given twice; keep one of them.'],
    ['\n# c\nA=1\n A =2', 'Input `vars` line 4: `A` is given twice; keep one of them.'],
    [
      'A=1\nJUSTKEY',
      'Input `vars` line 2: expected KEY=VALUE, got "JUSTKEY". Write it as `JUSTKEY=<value>`.',
    ],
    ['=value', 'Input `vars` line 1: the key before `=` is empty in "=value".'],
    ['  = value', 'Input `vars` line 1: the key before `=` is empty in "= value".'],
  ])('rejects %j', (raw, message) => {
    expect(failure(() => parseKeyValues('vars', raw))).toBe(message);
  });
});

describe('InputReader.names', () => {
  it('records every input read, set or not, and only those', () => {
    const inputs = reader({ a: 'x', c: 'true' });
    inputs.optional('a');
    inputs.optional('b');
    inputs.boolean('c', false);
    inputs.list('d');
    expect([...inputs.names].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('records a name even when reading it fails', () => {
    const inputs = reader({ n: 'x' });
    expect(() => inputs.integer('n', {})).toThrow(ConfigurationError);
    expect(inputs.names.has('n')).toBe(true);
  });
});
