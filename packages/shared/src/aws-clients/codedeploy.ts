import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { AwsClientFactories } from '../aws.js';

/** The CodeDeploy client factory (`codedeployWrites()` makes its client with it too, SDK retries off); the only importer of @aws-sdk/client-codedeploy's client. */
export const codedeploy: NonNullable<AwsClientFactories['codedeploy']> = (config) =>
  new CodeDeployClient(config);
