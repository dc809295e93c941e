import { ecr } from '@berth/shared/aws-clients/ecr';
import { run as runStep } from '@berth/shared/run';
import { main } from './main.js';

/**
 * The step, as an exported function: index.ts calls it, and so does GitHub's local
 * action runner (`npx @github/local-action run actions/scan-gate src/entrypoint.ts .env`),
 * which imports this file and calls `run()` (README, "Run an action locally").
 */
export function run(): Promise<void> {
  // The one AWS client scan-gate makes (effects.aws): ECR, for the registry's scan findings.
  return runStep('scan-gate', main, { clients: { ecr } });
}
