import { ECSClient } from '@aws-sdk/client-ecs';
import type { AwsClientFactories } from '../aws.js';

/** The ECS client factory (`ecsWrites()` makes its client with it too, SDK retries off); the only importer of @aws-sdk/client-ecs. */
export const ecs: NonNullable<AwsClientFactories['ecs']> = (config) => new ECSClient(config);
