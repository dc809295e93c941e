import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { type AwsClientFactories, clientOnDemand } from '../aws.js';

/**
 * The CloudWatch Logs client factory; the only place @aws-sdk/client-cloudwatch-logs
 * is loaded from (with the command in gather.ts). Logs are read only to explain a
 * failure, so the package loads on the first call: a good run never parses it.
 */
export const logs: NonNullable<AwsClientFactories['logs']> = (config) =>
  clientOnDemand<CloudWatchLogsClient>(async () => {
    const { CloudWatchLogsClient } = await import('@aws-sdk/client-cloudwatch-logs');
    return new CloudWatchLogsClient(config);
  });
