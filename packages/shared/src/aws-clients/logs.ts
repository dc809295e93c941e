import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { AwsClientFactories } from '../aws.js';

/** The CloudWatch Logs client factory; the only importer of @aws-sdk/client-cloudwatch-logs. */
export const logs: NonNullable<AwsClientFactories['logs']> = (config) => new CloudWatchLogsClient(config);
