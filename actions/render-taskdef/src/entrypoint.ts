import { ecr } from '@berth/shared/aws-clients/ecr';
import { ecs } from '@berth/shared/aws-clients/ecs';
import { run as runStep } from '@berth/shared/run';
import { ACTION_NAME, main } from './main.js';

/**
 * The step, as an exported function: index.ts calls it, and so does GitHub's local
 * action runner (`npx @github/local-action run actions/render-taskdef src/entrypoint.ts .env`),
 * which imports this file and calls `run()` (README, "Run an action locally").
 */
export function run(): Promise<void> {
  // The AWS clients render-taskdef makes (effects.aws): ECS for a live family or service, ECR to pin digests.
  return runStep(ACTION_NAME, main, { clients: { ecs, ecr } });
}
