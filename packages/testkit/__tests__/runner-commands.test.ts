import { describe, expect, it } from '@jest/globals';
import { parseWorkflowCommands, runnerLines } from '../src/runner-commands.js';

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
