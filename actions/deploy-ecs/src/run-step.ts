/**
 * The step once its inputs and task definition file have passed: the mode
 * (deploy a service, run a one-off task, or only register) under one deadline, then the
 * outputs. main() loads this module, and the AWS SDK with it, only then.
 */
import { createAnnouncer } from '@berth/shared/announce';
import type { AwsContext } from '@berth/shared/aws';
import { isDeadlineError, type StepDeadline, timedOutReason } from '@berth/shared/deadline';
import { buildDeploymentRecord } from '@berth/shared/deployment/build-record';
import { runContext } from '@berth/shared/deployment/record';
import { OutcomeError } from '@berth/shared/errors';
import type { Inputs } from './inputs.js';
import type { Effects, Step } from './step.js';
import { writeRecordAndSummary } from './summary.js';
import type { PreparedTaskDefinition } from './taskdef-file.js';

/** What main() made and checked before this module loaded. */
export interface Checked {
  /** The task definition file, read and checked (file mode). */
  prepared?: PreparedTaskDefinition;
  /** The step's one deadline: every wait and every call ends by it. */
  deadline: StepDeadline;
  /** The AWS clients (region and role checked; each client's package loads on its first call). */
  aws: AwsContext;
}

/** Runs the checked step. */
export async function runStep(inputs: Inputs, checked: Checked, effects: Effects): Promise<void> {
  const { prepared, deadline, aws } = checked;
  // Created (and its secrets masked) before the first AWS call can print anything.
  const announcer = createAnnouncer(inputs, effects);
  const step: Step = {
    effects,
    aws,
    deadline,
    announcer,
    prepared,
    progress: { startedAt: effects.clock.now(), doing: 'starting' },
    outputs: {},
  };
  try {
    // Each mode's module loads only when the step runs it.
    if (inputs.mode === 'run-task') {
      const { runOneOffTask } = await import('./run-task.js');
      await runOneOffTask(inputs, step);
    } else if (inputs.mode === 'register-only') {
      const { registerOnly } = await import('./register-only.js');
      await registerOnly(inputs, step);
    } else {
      const { deployService } = await import('./deploy-service.js');
      await deployService(inputs, step);
    }
  } catch (error) {
    if (!isDeadlineError(error, deadline)) throw error;
    await finishTimedOut(inputs, step);
  } finally {
    // The one place outputs are set: what the step learned, however it ended.
    for (const [name, value] of Object.entries(step.outputs)) effects.setOutput(name, value);
  }
}

/**
 * The deadline passed while a call was outstanding (before the follower took
 * over, which reports its own timeout): status `timed-out`, a record and a
 * summary of what is known, and a failure that says what the step was doing.
 */
async function finishTimedOut(inputs: Inputs, step: Step): Promise<never> {
  const { progress, effects } = step;
  const reason = timedOutReason(step.deadline, progress.doing, progress.writeInFlight, 'the step');
  step.outputs.status = 'timed-out';
  // Registering deploys nothing: no deployment record, as when it succeeds.
  if (inputs.mode === 'register-only') throw new OutcomeError(reason);
  const record = buildDeploymentRecord(inputs.mode === 'service' ? inputs.recordKind : 'run-task', {
    cluster: inputs.cluster,
    service: inputs.service,
    requestedReason: inputs.reason,
    region: step.aws.region,
    from: progress.from,
    to: progress.to ?? { taskDefinitionArn: '', images: {} },
    deploymentId: progress.deploymentId,
    serviceDeploymentArn: progress.serviceDeploymentArn,
    status: 'timed-out',
    reason,
    startedAt: progress.startedAt,
    endedAt: effects.clock.now(),
    run: runContext(effects.env),
    task: progress.taskArn ? { taskArn: progress.taskArn } : undefined,
  });
  await writeRecordAndSummary(step, record);
  if (progress.announced) await step.announcer.finished(record);
  throw new OutcomeError(reason);
}
