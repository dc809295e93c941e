/**
 * The one way to print text Berth did not write (container log lines, service
 * events, stopped reasons, names and values from task definitions, inputs and
 * files): `inert()` makes it unable to act as a workflow command.
 *
 * How the runner reads a step's output (actions/runner, src/Runner.Sdk/ProcessInvoker.cs,
 * src/Runner.Worker/Handlers/OutputManager.cs, src/Runner.Common/ActionCommand.cs):
 * - stdout is read with StreamReader.ReadLine, which ends a line at LF, at CR
 *   and at CR LF: a bare CR starts a new line for the runner although a
 *   terminal shows one line;
 * - `::name props::data` is a command when the line, after TrimStart() (every
 *   Unicode white space), starts with `::` (TryParseV2);
 * - `##[name props]data` is a command wherever `##[` occurs in the line (TryParse);
 * - both comparisons are .NET's culture-sensitive StartsWith/IndexOf, which on
 *   Linux use ICU and skip "ignorable" characters (controls, zero-width and
 *   other format characters): `\u200B::warning::x` may still start with `::`;
 * - `::stop-commands::TOKEN` makes the runner ignore every command of the step
 *   until `::TOKEN::`, Berth's own errors and masks included.
 *
 * So, for each line: ignorable characters (C0/C1 controls other than tab and
 * LF, format characters, default-ignorable code points, line/paragraph
 * separators) are shown as `\u{…}` escapes; CR is shown as `\r` and never
 * breaks a line; a line whose first non-blank characters are `::` gets a `\`
 * before them; every `##[` becomes `##\[`. LF is kept: every line it starts is
 * treated the same way. The result contains none of the patterns it removes,
 * so `inert(inert(x)) === inert(x)`.
 */

const FORMAT = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/** Characters the runner's ICU comparisons may skip, or that break or hide a line (tab and LF excepted). */
function isIgnorable(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  return (
    code <= 0x08 ||
    (code >= 0x0b && code <= 0x1f) ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    FORMAT.test(character)
  );
}

/** .NET Char.IsWhiteSpace once controls are escaped: tab and the Unicode space separators. */
const LEADING_COMMAND = /^([\t\p{Zs}]*)::/u;

function escapeCodePoint(character: string): string {
  if (character === '\r') return '\\r';
  const code = character.codePointAt(0) ?? 0;
  return `\\u{${code.toString(16).toUpperCase()}}`;
}

function inertLine(line: string): string {
  return Array.from(line, (character) => (isIgnorable(character) ? escapeCodePoint(character) : character))
    .join('')
    .replace(LEADING_COMMAND, '$1\\::')
    .replace(/##\[/g, '##\\[');
}

export interface InertOptions {
  /** Show a line feed as `\\n` too, for a value that must stay on one line (a name in a sentence). */
  oneLine?: boolean;
}

/**
 * Text from outside Berth, made safe to print to the runner: no line of the
 * result can be read as a workflow command (`::…::` or `##[…]`), and a CR in
 * it is visible instead of starting a line. Line feeds are kept unless `oneLine`.
 */
export function inert(text: unknown, options: InertOptions = {}): string {
  const normalised = String(text).replace(/\r\n/g, '\n');
  if (options.oneLine) return inertLine(normalised.replace(/\n/g, '\\n'));
  return normalised.split('\n').map(inertLine).join('\n');
}
