import { ECRClient } from '@aws-sdk/client-ecr';
import type { AwsClientFactories } from '../aws.js';

/** The ECR client factory; the only importer of @aws-sdk/client-ecr. */
export const ecr: NonNullable<AwsClientFactories['ecr']> = (config) => new ECRClient(config);
