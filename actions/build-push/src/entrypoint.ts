import { run as runStep } from '@berth/shared/run';
import { ACTION_NAME, main } from './main.js';

/**
 * The step, as an exported function: index.ts calls it, and so does GitHub's local
 * action runner (`npx @github/local-action run actions/build-push src/entrypoint.ts .env`),
 * which imports this file and calls `run()` (README, "Run an action locally").
 */
export function run(): Promise<void> {
  return runStep(ACTION_NAME, main);
}
