/**
 * Test-only: reads a step's output the way the GitHub runner does and returns
 * the workflow commands it would obey. Written from the runner's source
 * (github.com/actions/runner):
 * - src/Runner.Sdk/ProcessInvoker.cs reads stdout with StreamReader.ReadLine,
 *   which ends a line at "\n", at "\r" and at "\r\n"
 *   (https://learn.microsoft.com/dotnet/api/system.io.streamreader.readline);
 * - src/Runner.Worker/Handlers/OutputManager.cs hands every line holding `##[`
 *   or `::` to ActionCommandManager.TryProcessCommand;
 * - src/Runner.Common/ActionCommand.cs: TryParseV2 trims leading white space
 *   (String.TrimStart: Char.IsWhiteSpace) and wants `::` at the start, the
 *   command name up to the first space, properties `k=v` split on `,`, data
 *   after the next `::`; TryParse finds `##[` anywhere in the line, the name up
 *   to a space or `]`, properties split on `;`, data after `]`;
 * - the name must be a registered command (case-insensitive);
 * - src/Runner.Worker/ActionCommandManager.cs: after `stop-commands` with data
 *   TOKEN, nothing is processed until a command named TOKEN.
 * Both comparisons are culture-sensitive (.NET `StartsWith(string)` /
 * `IndexOf(string)`), and on Linux .NET compares with ICU, which skips
 * ignorable characters (controls, format characters such as U+200B). This
 * parser drops those characters before matching, so it finds every command
 * the runner could find, and possibly more: a conservative judge.
 */

/** Commands the runner registers (ActionCommandManager.cs, the `Command =>` of each extension). */
export const RUNNER_COMMANDS = [
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup',
  'echo',
] as const;

export interface ParsedCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
  form: '::' | '##[';
  /** The output line (as the runner split it) that held the command. */
  line: string;
  /** 1-based, counted the runner's way. */
  lineNumber: number;
}

/** Lines as StreamReader.ReadLine yields them. */
export function runnerLines(output: string): string[] {
  const lines = output.split(/\r\n|\r|\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** .NET Char.IsWhiteSpace: U+0009–U+000D, U+0085, and the Zs, Zl, Zp categories. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: .NET white space includes controls.
const DOTNET_WHITESPACE = /^[\u0009-\u000D\u0085\p{Zs}\p{Zl}\p{Zp}]*/u;

/** What ICU may skip when comparing: controls, format characters, default-ignorable code points. */
const ICU_IGNORABLE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

function unescapeCommand(text: string, pairs: [string, string][]): string {
  let result = text;
  for (const [escaped, raw] of pairs) result = result.split(escaped).join(raw);
  return result;
}

const DATA_V2: [string, string][] = [
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%25', '%'],
];
const PROPERTY_V2: [string, string][] = [
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%3A', ':'],
  ['%2C', ','],
  ['%25', '%'],
];
const LEGACY: [string, string][] = [
  ['%3B', ';'],
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%5D', ']'],
  ['%25', '%'],
];

type Parsed = Omit<ParsedCommand, 'line' | 'lineNumber'>;

function parseV2(line: string, registered: Set<string>): Parsed | undefined {
  const view = line.replace(ICU_IGNORABLE, '').replace(DOTNET_WHITESPACE, '');
  if (!view.startsWith('::')) return undefined;
  const end = view.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = view.slice(2, end);
  const space = info.indexOf(' ');
  const command = space < 0 ? info : info.slice(0, space);
  if (!registered.has(command.toLowerCase())) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const pair of info
      .slice(space + 1)
      .trim()
      .split(',')
      .filter((p) => p !== '')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && eq < pair.length - 1)
        properties[pair.slice(0, eq)] = unescapeCommand(pair.slice(eq + 1), PROPERTY_V2);
    }
  }
  return { command, properties, data: unescapeCommand(view.slice(end + 2), DATA_V2), form: '::' };
}

function parseLegacy(line: string, registered: Set<string>): Parsed | undefined {
  const view = line.replace(ICU_IGNORABLE, '');
  const start = view.indexOf('##[');
  if (start < 0) return undefined;
  const close = view.indexOf(']', start);
  if (close < 0) return undefined;
  const info = view.slice(start + 3, close);
  const space = info.indexOf(' ');
  const command = space < 0 ? info : info.slice(0, space);
  if (!registered.has(command.toLowerCase())) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const pair of info
      .slice(space + 1)
      .split(';')
      .filter((p) => p !== '')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && eq < pair.length - 1)
        properties[pair.slice(0, eq)] = unescapeCommand(pair.slice(eq + 1), LEGACY);
    }
  }
  return { command, properties, data: unescapeCommand(view.slice(close + 1), LEGACY), form: '##[' };
}

/**
 * Every command the runner would process in `output`, in order, with
 * `stop-commands` honoured: while stopped, only the resume token is returned.
 */
export function parseWorkflowCommands(output: string, extraCommands: string[] = []): ParsedCommand[] {
  const registered = new Set<string>([...RUNNER_COMMANDS, ...extraCommands.map((c) => c.toLowerCase())]);
  const found: ParsedCommand[] = [];
  let stopToken: string | undefined;
  runnerLines(output).forEach((line, index) => {
    const parsed = parseV2(line, registered) ?? parseLegacy(line, registered);
    if (!parsed) return;
    const name = parsed.command.toLowerCase();
    const command: ParsedCommand = { ...parsed, line, lineNumber: index + 1 };
    if (stopToken !== undefined) {
      if (name === stopToken.toLowerCase()) {
        registered.delete(stopToken.toLowerCase());
        stopToken = undefined;
        found.push(command);
      }
      return;
    }
    if (name === 'stop-commands') {
      stopToken = parsed.data;
      registered.add(stopToken.toLowerCase());
    }
    found.push(command);
  });
  return found;
}

/** The commands @actions/core issues for Berth (annotations, groups, debug, masks). */
const BERTH_COMMANDS = new Set(['error', 'warning', 'notice', 'debug', 'group', 'endgroup', 'add-mask']);

/**
 * Commands that came from untrusted text rather than from Berth: any command
 * Berth never issues (`stop-commands`, `set-env`, `add-path`, …), and any
 * command whose data starts with `marker` or whose properties hold it (the
 * marker is what a hostile payload carries, e.g. `::warning::PWNED`; Berth's
 * own annotation quoting the payload has its own words first).
 */
export function injectedCommands(output: string, marker: string): ParsedCommand[] {
  return parseWorkflowCommands(output).filter(
    (c) =>
      !BERTH_COMMANDS.has(c.command.toLowerCase()) ||
      c.data.trimStart().startsWith(marker) ||
      Object.values(c.properties).some((value) => value.includes(marker)) ||
      c.command.includes(marker),
  );
}
