import { type AwsContext, awsContextWith, type CreateAwsContextOptions } from './aws.js';
import { ecr } from './aws-clients/ecr.js';
import { ecs } from './aws-clients/ecs.js';
import { logs } from './aws-clients/logs.js';
import { sts } from './aws-clients/sts.js';

/** Every client factory: for an action that uses ECS, ECR, Logs and STS alike. */
export const ALL_AWS_CLIENTS = { ecs, ecr, logs, sts } as const;

/**
 * A context with every client. It bundles all four client packages; an action
 * that needs fewer passes its own factories to run() (or `awsContextWith`).
 */
export function createAwsContext(options: CreateAwsContextOptions): AwsContext {
  return awsContextWith(options, ALL_AWS_CLIENTS);
}
