import { ecr } from '@berth/shared/aws-clients/ecr';
import { ecs } from '@berth/shared/aws-clients/ecs';
import { logs } from '@berth/shared/aws-clients/logs';
import { run as runStep } from '@berth/shared/run';
import { ACTION_NAME, main } from './main.js';

/**
 * The step, as an exported function: index.ts calls it, and so does GitHub's local
 * action runner (`npx @github/local-action run actions/rollback src/entrypoint.ts .env`),
 * which imports this file and calls `run()` (README, "Run an action locally").
 */
export function run(): Promise<void> {
  // The AWS clients rollback makes (effects.aws): ECS, ECR for image digests, Logs for the diagnosis.
  return runStep(ACTION_NAME, main, { clients: { ecs, ecr, logs } });
}
