import type { ECRClient } from '@aws-sdk/client-ecr';
import { type AwsClientFactories, clientOnDemand } from '../aws.js';

/**
 * The ECR client factory; the only place @aws-sdk/client-ecr's client is made. The
 * package loads on the first call, so a step refused for its inputs exits without
 * parsing it (issue 15, start-up).
 */
export const ecr: NonNullable<AwsClientFactories['ecr']> = (config) =>
  clientOnDemand<ECRClient>(async () => {
    const { ECRClient } = await import('@aws-sdk/client-ecr');
    return new ECRClient(config);
  });
