import { injectedCommands, parseWorkflowCommands, runnerLines } from '@berth/testkit';
import { describe, expect, it } from '@jest/globals';
import { inert } from '../src/untrusted.js';

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
