/**
 * Every piece of text an action run leaves behind, for assertions that a secret appears in none
 * of them: the log (less the runner's own `::add-mask::` commands, which the runner consumes and
 * never shows), the outputs, the job summary, exported variables and every file under RUNNER_TEMP
 * (deployment records included).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionResult } from './action-runner.js';

export function everythingWritten(result: ActionResult): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(readFileSync(path, 'utf8'));
    }
  };
  walk(result.runnerTemp);
  const log = `${result.stdout}\n${result.stderr}`
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  return [
    log,
    JSON.stringify(result.outputs),
    result.summary,
    JSON.stringify(result.exportedEnv),
    ...files,
  ].join('\n');
}

/** The secret was masked before the action printed anything else. */
export function maskedFirst(result: ActionResult, secret: string): boolean {
  const lines = result.stdout.split('\n');
  const mask = lines.indexOf(`::add-mask::${secret}`);
  return mask !== -1 && lines.slice(0, mask).every((line) => line.startsWith('::add-mask::'));
}
