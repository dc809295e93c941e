import { describe, expect, it } from '@jest/globals';
import { inert } from '../src/untrusted.js';
import { injectedCommands, parseWorkflowCommands, runnerLines } from './helpers/workflow-commands.js';

/**
 * The test parser first, against the runner's own unit tests
 * (actions/runner src/Test/L0/Worker/ActionCommandL0.cs, registered command
 * `do-something`), so that "no command parsed" below means something.
 */
describe('the test parser reads commands as the runner does', () => {
  const parse = (line: string) => parseWorkflowCommands(line, ['do-something']);
  it.each([
    ['##[do-something k1=v1;]msg', { k1: 'v1' }, 'msg'],
    ['##[do-something]', {}, ''],
    ['##[do-something k1=%3B=%0D=%0A=%5D;]%3B-%0D-%0A-%5D', { k1: ';=\r=\n=]' }, ';-\r-\n-]'],
    [
      '##[do-something k1=%253B=%250D=%250A=%255D;]%253B-%250D-%250A-%255D',
      { k1: '%3B=%0D=%0A=%5D' },
      '%3B-%0D-%0A-%5D',
    ],
    ['##[do-something k1=;k2=;]', {}, ''],
    ['>>>   ##[do-something k1=v1;]msg', { k1: 'v1' }, 'msg'],
    ['::do-something k1=v1,::msg', { k1: 'v1' }, 'msg'],
    ['::do-something::', {}, ''],
    ['::do-something k1=;=%2C=%0D=%0A=]=%3A,::;-%0D-%0A-]-:-,', { k1: ';=,=\r=\n=]=:' }, ';-\r-\n-]-:-,'],
    ['::do-something k1=,k2=,::', {}, ''],
    ['::do-something k1=v1::', { k1: 'v1' }, ''],
    ['   ::do-something k1=v1,::msg', { k1: 'v1' }, 'msg'],
  ])('%j', (line, properties, data) => {
    const commands = parse(line);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({ command: 'do-something', properties, data });
  });

  it('ignores `::` after other text and unregistered names (ActionCommandL0: "   >>>   ::do-something")', () => {
    expect(parse('   >>>   ::do-something k1=v1,::msg')).toEqual([]);
    expect(parseWorkflowCommands('::not-a-command::x')).toEqual([]);
  });

  it('splits lines at LF, CR and CRLF (StreamReader.ReadLine)', () => {
    expect(runnerLines('a\rb\r\nc\nd')).toEqual(['a', 'b', 'c', 'd']);
    expect(parseWorkflowCommands('ok\r::warning::x').map((c) => c.command)).toEqual(['warning']);
  });

  it('honours stop-commands until the token, case-insensitively', () => {
    const output = ['::stop-commands::t0k3n', '::error::hidden', '::T0K3N::', '::error::seen'].join('\n');
    expect(parseWorkflowCommands(output).map((c) => `${c.command}:${c.data}`)).toEqual([
      'stop-commands:t0k3n',
      'T0K3N:',
      'error:seen',
    ]);
  });

  it('treats ICU-ignorable characters as absent (culture-sensitive StartsWith/IndexOf)', () => {
    expect(parseWorkflowCommands('\u200B::warning::x')).toHaveLength(1);
    expect(parseWorkflowCommands('\u0007 \u00A0::warning::x')).toHaveLength(1);
    expect(parseWorkflowCommands('text #\u00AD#[add-mask]x')).toHaveLength(1);
  });
});

/** Payloads an attacker can put in a log line, an event, a name or a file. */
const HOSTILE = [
  '::warning::PWNED',
  '   ::stop-commands::t0k3n',
  '\t::error file=x.ts::PWNED',
  'GET /x ##[add-mask]PWNED',
  'GET /x\r::warning::PWNED',
  'name\r\n::set-output name=a::PWNED',
  '\u00A0\u3000::add-path::/tmp/PWNED',
  '\u200B::warning::PWNED',
  '\u0000::warning::PWNED',
  '\u001B[31m::warning::PWNED',
  '\uFEFF::warning::PWNED',
  '#\u200B#[add-mask]PWNED',
  '##[##[warning]PWNED',
  '\u2028::warning::PWNED',
  '\u0085::warning::PWNED',
  '\v::warning::PWNED',
  '::WARNING::PWNED',
  '::endgroup::',
  '###[error]PWNED',
];

describe('inert()', () => {
  it.each(HOSTILE.map((text) => [text]))('%j yields no command', (text) => {
    expect(parseWorkflowCommands(inert(text))).toEqual([]);
    expect(parseWorkflowCommands(inert(text, { oneLine: true }))).toEqual([]);
    expect(parseWorkflowCommands(`  [web] ${inert(text, { oneLine: true })}`)).toEqual([]);
  });

  it('yields no command for any mix of the payloads, on one line or many', () => {
    // A deterministic shuffle (no randomness in tests): every ordered pair and triple.
    for (const a of HOSTILE) {
      for (const b of HOSTILE) {
        for (const glue of ['', '\n', '\r', ' ', '\u200B']) {
          const text = `${a}${glue}${b}`;
          expect(injectedCommands(inert(text), 'PWNED')).toEqual([]);
          expect(parseWorkflowCommands(inert(text))).toEqual([]);
        }
      }
    }
  });

  it('shows a CR instead of breaking the line, and keeps LF unless oneLine', () => {
    expect(inert('alarm\rname')).toBe('alarm\\rname');
    expect(runnerLines(inert('a\rb'))).toHaveLength(1);
    expect(inert('a\nb')).toBe('a\nb');
    expect(inert('a\nb', { oneLine: true })).toBe('a\\nb');
    expect(inert('a\r\nb', { oneLine: true })).toBe('a\\nb');
  });

  it('leaves ordinary text alone', () => {
    for (const text of [
      'GET /health 200 3ms',
      'Essential container in task exited',
      'arn:aws:ecs:eu-west-1:123456789012:service/shop/web',
      'IPv6 listen [::]:8080 and ::1',
      'tab\tseparated',
      'ünïcödé ✓ 日本語',
      'a # b [c] ## d',
    ]) {
      expect(inert(text)).toBe(text);
    }
  });

  it('is idempotent', () => {
    for (const text of HOSTILE) expect(inert(inert(text))).toBe(inert(text));
  });
});
