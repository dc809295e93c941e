import { codedeploy } from '@berth/shared/aws-clients/codedeploy';
import { ecr } from '@berth/shared/aws-clients/ecr';
import { ecs } from '@berth/shared/aws-clients/ecs';
import { logs } from '@berth/shared/aws-clients/logs';
import { run as runStep } from '@berth/shared/run';
import { main } from './main.js';

/**
 * The step, as an exported function: index.ts calls it, and so does GitHub's local
 * action runner (`npx @github/local-action run actions/deploy-ecs src/entrypoint.ts .env`),
 * which imports this file and calls `run()` (README, "Run an action locally").
 */
export function run(): Promise<void> {
  // The AWS clients deploy-ecs makes (effects.aws): ECS, ECR for image digests, Logs for the diagnosis,
  // CodeDeploy for services with the CODE_DEPLOY controller.
  return runStep('deploy-ecs', main, { clients: { ecs, ecr, logs, codedeploy } });
}
