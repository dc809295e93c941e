import { ecr } from '@berth/shared/aws-clients/ecr';
import { ecs } from '@berth/shared/aws-clients/ecs';
import { run } from '@berth/shared/run';
import { ACTION_NAME, main } from './main.js';

// The AWS clients render-taskdef makes (effects.aws): ECS for a live family or service, ECR to pin digests.
await run(ACTION_NAME, main, { clients: { ecs, ecr } });
