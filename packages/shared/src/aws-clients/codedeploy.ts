import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { type AwsClientFactories, clientOnDemand } from '../aws.js';

/**
 * The CodeDeploy client factory (`codedeployWrites()` makes its client with it too, SDK
 * retries off); the only place @aws-sdk/client-codedeploy's client is loaded from. Only a
 * CODE_DEPLOY service needs it, so the package loads on the first call.
 */
export const codedeploy: NonNullable<AwsClientFactories['codedeploy']> = (config) =>
  clientOnDemand<CodeDeployClient>(async () => {
    const { CodeDeployClient } = await import('@aws-sdk/client-codedeploy');
    return new CodeDeployClient(config);
  });
