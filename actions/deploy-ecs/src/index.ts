import { codedeploy } from '@berth/shared/aws-clients/codedeploy';
import { ecr } from '@berth/shared/aws-clients/ecr';
import { ecs } from '@berth/shared/aws-clients/ecs';
import { logs } from '@berth/shared/aws-clients/logs';
import { run } from '@berth/shared/run';
import { main } from './main.js';

// The AWS clients deploy-ecs makes (effects.aws): ECS, ECR for image digests, Logs for the diagnosis,
// CodeDeploy for services with the CODE_DEPLOY controller.
await run('deploy-ecs', main, { clients: { ecs, ecr, logs, codedeploy } });
