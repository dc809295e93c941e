import { run as runStep } from '@berth/shared/run';
import { main } from './main.js';

/**
 * The step, as an exported function: index.ts calls it, and so does GitHub's local
 * action runner (`npx @github/local-action run actions/aws-auth src/entrypoint.ts .env`),
 * which imports this file and calls `run()` (README, "Run an action locally").
 */
export function run(): Promise<void> {
  return runStep('aws-auth', main);
}
