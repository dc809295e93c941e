import type { ECSClient } from '@aws-sdk/client-ecs';
import { type AwsClientFactories, clientOnDemand } from '../aws.js';

/**
 * The ECS client factory (`ecsWrites()` makes its client with it too, SDK retries off);
 * the only place @aws-sdk/client-ecs's client is made. The package loads on the first
 * call, so a step refused for its inputs exits without parsing it (issue 15, start-up).
 */
export const ecs: NonNullable<AwsClientFactories['ecs']> = (config) =>
  clientOnDemand<ECSClient>(async () => {
    const { ECSClient } = await import('@aws-sdk/client-ecs');
    return new ECSClient(config);
  });
