import { STSClient } from '@aws-sdk/client-sts';
import type { AwsClientFactories } from '../aws.js';

/** The STS client factory; the only importer of @aws-sdk/client-sts. */
export const sts: NonNullable<AwsClientFactories['sts']> = (config) => new STSClient(config);
