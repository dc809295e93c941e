import type { DeploymentAnnouncer } from '@berth/shared/announce';
import type { AwsContext } from '@berth/shared/aws';
import type { StepDeadline } from '@berth/shared/deadline';
import type { DeploymentRecord } from '@berth/shared/deployment/record';
import type { DeploymentEffects } from '@berth/shared/deployment/transaction';
import { inGroup } from '@berth/shared/logger';
import type { AdviceContext } from './advice.js';
import type { Inputs } from './inputs.js';
import { describeExisting, type ResolvedTaskDefinition, registerOrReuse } from './taskdef.js';
import type { PreparedTaskDefinition } from './taskdef-file.js';

export type Effects = DeploymentEffects;

/** What the step knows so far, so a deadline that cuts a call short can still say what it was doing. */
export interface StepProgress {
  startedAt: number;
  /** "registering the task definition", …: completes "Timed out while …". */
  doing: string;
  from?: DeploymentRecord['from'];
  to?: DeploymentRecord['to'];
  deploymentId?: string;
  serviceDeploymentArn?: string;
  taskArn?: string;
  /** A write was sent and its answer never came: it may or may not have been applied. */
  writeInFlight?: string;
  /** The GitHub deployment and the webhook were told the deployment begins. */
  announced?: boolean;
}

/** One run of the step: its effects, clients, deadline, progress, and the outputs main() sets at the end. */
export interface Step {
  effects: Effects;
  aws: AwsContext;
  deadline: StepDeadline;
  announcer: DeploymentAnnouncer;
  /** The task definition file, read and checked before any AWS call (undefined for a registered revision). */
  prepared?: PreparedTaskDefinition;
  progress: StepProgress;
  /** Step outputs so far; main() sets them all, once, however the step ends. */
  outputs: Record<string, string>;
}

/** Registers the prepared file (or reuses an identical revision), or describes the registered revision named. */
export async function resolveTaskDefinition(
  inputs: Inputs,
  step: Step,
  context: AdviceContext,
): Promise<ResolvedTaskDefinition> {
  const { effects, aws, prepared, progress } = step;
  const { logger } = effects;
  progress.doing = prepared ? `registering ${prepared.family}` : 'reading the task definition';
  return inGroup(logger, 'Task definition', async () => {
    if (prepared) {
      return registerOrReuse({
        ecs: aws.ecs(),
        prepared,
        reuse: inputs.reuseUnchangedRevision,
        logger,
        context,
        writes: aws.ecsWrites(),
        maxAttempts: inputs.aws.maxAttempts,
        sleep: (ms) => effects.clock.sleep(ms),
        onWrite: (inFlight) => {
          progress.writeInFlight = inFlight ? 'RegisterTaskDefinition' : undefined;
        },
      });
    }
    const reference = inputs.taskDefinition.kind === 'registered' ? inputs.taskDefinition.reference : '';
    return describeExisting(aws.ecs(), reference, logger, context);
  });
}
