import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createAnnouncer } from '@berth/shared/announce';
import { isDeadlineError, stepDeadline, timedOutReason } from '@berth/shared/deadline';
import { buildDeploymentRecord } from '@berth/shared/deployment/build-record';
import { runContext } from '@berth/shared/deployment/record';
import { OutcomeError } from '@berth/shared/errors';
import { getInputs, type Inputs } from './inputs.js';
import type { Effects, Step } from './step.js';
import { writeRecordAndSummary } from './summary.js';
import { prepareTaskDefinitionFile } from './taskdef.js';

export type { Effects } from './step.js';

/** inputs → task definition file → the mode (deploy a service, or run a one-off task) → outputs. */
export async function main(effects: Effects): Promise<void> {
  const { logger, files } = effects;
  const inputs = getInputs(effects.inputs, (path) => existsSync(resolve(files.workspace, path)));
  if (inputs.mode === 'run-task') for (const warning of inputs.commandWarnings) logger.warning(warning);
  // The file is read and checked before any AWS call: a bad file changes nothing.
  const prepared =
    inputs.taskDefinition.kind === 'file'
      ? prepareTaskDefinitionFile(inputs.taskDefinition.path, files.workspace)
      : undefined;
  // Created (and its secrets masked) before the first AWS call can print anything.
  const announcer = createAnnouncer(inputs, effects);
  // One deadline for the whole step: every wait and every call ends by it.
  const deadline = stepDeadline(effects.clock, inputs.timeoutMinutes * 60_000);
  const step: Step = {
    effects,
    aws: effects.aws(inputs.aws, { signal: deadline.signal }),
    deadline,
    announcer,
    prepared,
    progress: { startedAt: effects.clock.now(), doing: 'starting' },
    outputs: {},
  };
  try {
    // Each mode loads with the AWS SDK only now, after the inputs and the file passed:
    // a step refused for its inputs exits without parsing either.
    if (inputs.mode === 'run-task') {
      const { runOneOffTask } = await import('./run-task.js');
      await runOneOffTask(inputs, step);
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
  const record = buildDeploymentRecord(inputs.mode === 'run-task' ? 'run-task' : inputs.recordKind, {
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
  step.outputs.status = 'timed-out';
  await writeRecordAndSummary(step, record);
  if (progress.announced) await step.announcer.finished(record);
  throw new OutcomeError(reason);
}
