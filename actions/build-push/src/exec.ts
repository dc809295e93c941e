import { EOL } from 'node:os';
import * as actionsExec from '@actions/exec';
import { inert } from '@berth/shared/untrusted';

export interface ExecOptions {
  /** Written to the process's stdin (how passwords reach `login --password-stdin`). */
  input?: string;
  /** Variables added to the inherited environment (how build secrets reach buildx). */
  env?: Record<string, string>;
  /** Do not echo the command or its output to the log. */
  silent?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program and never throws for its exit code: callers decide what a
 * failure means. A program that is not installed answers exit code 127.
 */
export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/** One line of a program's output on the step's log, inert: a build prints what its dependencies print. */
function printLine(line: string): void {
  process.stdout.write(`${inert(line)}${EOL}`);
}

/**
 * The production Exec: @actions/exec, its output streamed to the log line by
 * line through `inert()` unless silent. A build's output is not Berth's text:
 * an install script of any dependency can print `::add-path::` or
 * `::stop-commands::`, and the runner would obey it if it reached the log raw.
 */
export const actionsExecutor: Exec = async (command, args, options = {}) => {
  const silent = options.silent ?? false;
  if (!silent) printLine(`[command]${[command, ...args].join(' ')}`);
  try {
    const result = await actionsExec.getExecOutput(command, [...args], {
      ignoreReturnCode: true,
      silent: true,
      listeners: silent ? undefined : { stdline: printLine, errline: printLine },
      input: options.input !== undefined ? Buffer.from(options.input) : undefined,
      env: options.env ? ({ ...process.env, ...options.env } as Record<string, string>) : undefined,
    });
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  } catch (error) {
    // @actions/exec throws when the executable cannot be found.
    return { exitCode: 127, stdout: '', stderr: error instanceof Error ? error.message : String(error) };
  }
};

/** The last non-empty lines of a failed command's output, for an error message. */
export function tail(result: ExecResult, lines = 5): string {
  const text = `${result.stderr}\n${result.stdout}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return text.slice(-lines).join(' | ');
}
