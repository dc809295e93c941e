import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { type AwsInputs, type Clock, createAwsContext } from '@berth/shared';

/** The AWS clients one run of deploy-ecs uses. */
export interface AwsClients {
  region: string;
  ecs: ECSClient;
  /** ECS for non-idempotent writes: no SDK retry (writeOnce decides); `ecs` when absent. */
  ecsWrites?: ECSClient;
  logs: CloudWatchLogsClient;
  /** ECR in the region of an image's registry (images may live in another region). */
  ecrFor(region: string): ECRClient;
}

/** Clients from the shared AWS context, refreshing role sessions by the run's clock; `signal` (the step deadline's) cuts every call short. */
export function createAwsClients(
  inputs: AwsInputs,
  clock: Clock,
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
): AwsClients {
  const context = createAwsContext({ actionName: 'deploy-ecs', inputs, env, clock, signal });
  return {
    region: context.region,
    ecs: context.ecs(),
    ecsWrites: context.ecsWrites(),
    logs: context.logs(),
    ecrFor: (region) => context.ecrIn(region),
  };
}
