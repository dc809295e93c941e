import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as core from '@actions/core';
import type { RunTaskCommandOutput, TaskDefinition } from '@aws-sdk/client-ecs';
import {
  type AnnouncerOptions,
  type AwsInputs,
  addFailureDetailsToSummary,
  addRecordToSummary,
  type Clock,
  coreLogger,
  createAnnouncer,
  type DeploymentAnnouncer,
  type DeploymentRecord,
  type FollowResult,
  type FollowTaskResult,
  followDeployment,
  followTask,
  formatDuration,
  headline,
  type ImageMap,
  InputReader,
  identifyDeployment,
  imagesOf,
  inGroup,
  isDeadlineError,
  type Logger,
  printFailureReport,
  printTaskReport,
  recordEvents,
  recordFailedTasks,
  runContext,
  type StepDeadline,
  stepDeadline,
  systemClock,
  timedOutReason,
  writeDeploymentRecord,
  writeJobSummary,
} from '@berth/shared';
import type { AdviceContext } from './advice.js';
import { type AwsClients, createAwsClients } from './aws.js';
import { getInputs, type Inputs } from './inputs.js';
import { planRunTask, planServiceUpdate, strategyLabel } from './plan.js';
import { checkCluster, describeServiceChecked, imagesOfRevision } from './service.js';
import { tagDeployedImages } from './tag-images.js';
import {
  describeExisting,
  type PreparedTaskDefinition,
  prepareTaskDefinitionFile,
  type ResolvedTaskDefinition,
  registerOrReuse,
} from './taskdef.js';
import { runTaskOnce, updateServiceOnce, type WriteClients } from './writes.js';

type SummaryWriter = (build: (summary: typeof core.summary) => unknown) => Promise<void>;

/** Every effect main() has, so tests replace them without module mocking. */
export interface Dependencies {
  reader: InputReader;
  logger: Logger;
  clock: Clock;
  env: NodeJS.ProcessEnv;
  /** Relative task definition paths resolve here (the runner's working directory is the workspace). */
  workspace: string;
  /** `signal`: the step deadline's; every call made through the clients is abandoned when it fires. */
  aws: (inputs: AwsInputs, clock: Clock, signal?: AbortSignal) => AwsClients;
  setOutput: (name: string, value: string) => void;
  writeSummary: SummaryWriter;
  /** Where the deployment record goes (RUNNER_TEMP by default). */
  recordDirectory?: string;
  /** The GitHub Deployment and webhook messages (GitHub API and fetch seams inside). */
  announcer?: (options: AnnouncerOptions) => DeploymentAnnouncer;
}

export function defaultDependencies(): Dependencies {
  return {
    reader: new InputReader(),
    logger: coreLogger,
    clock: systemClock(),
    env: process.env,
    workspace: process.cwd(),
    aws: (inputs, clock, signal) => createAwsClients(inputs, clock, process.env, signal),
    setOutput: (name, value) => core.setOutput(name, value),
    writeSummary: writeJobSummary,
  };
}

/** Thrown when the deployment or task ended badly; run() turns it into the failed step. */
export class DeploymentFailedError extends Error {
  override name = 'DeploymentFailedError';
}

const iso = (ms: number) => new Date(ms).toISOString();

/** inputs → task definition → update service or run task → follow → tag → record, outputs, summary. */
export async function main(overrides: Partial<Dependencies> = {}): Promise<void> {
  const deps: Dependencies = { ...defaultDependencies(), ...overrides };
  const { logger, workspace } = deps;
  const inputs = getInputs(deps.reader, (path) => existsSync(resolve(workspace, path)));
  for (const warning of inputs.commandWarnings) logger.warning(warning);
  // The file is read and checked before any AWS call: a bad file changes nothing.
  const prepared =
    inputs.taskDefinition.kind === 'file'
      ? prepareTaskDefinitionFile(inputs.taskDefinition.path, workspace)
      : undefined;
  // Created (and its secrets masked) before the first AWS call can print anything.
  const announcer = createAnnouncer(inputs, deps);
  // One deadline for the whole step: every wait and every call ends by it.
  const deadline = stepDeadline(deps.clock, inputs.timeoutMinutes * 60_000);
  const aws = deps.aws(inputs.aws, deps.clock, deadline.signal);
  const step: StepProgress = { startedAt: deps.clock.now(), doing: 'starting' };
  try {
    if (inputs.runTask) await runOneOffTask(inputs, prepared, aws, deps, deadline, step);
    else await deployService(inputs, prepared, aws, deps, deadline, step, announcer);
  } catch (error) {
    if (!isDeadlineError(error, deadline)) throw error;
    await finishTimedOut(inputs, aws, deps, deadline, step, announcer);
  }
}

function writeClients(aws: AwsClients, inputs: Inputs, deps: Dependencies): WriteClients {
  return {
    ecs: aws.ecs,
    writes: aws.ecsWrites ?? aws.ecs,
    maxAttempts: inputs.aws.maxAttempts,
    sleep: (ms) => deps.clock.sleep(ms),
    logger: deps.logger,
  };
}

/** What the step knows so far, so a deadline that cuts a call short can still say what it was doing. */
interface StepProgress {
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

/**
 * The deadline passed while a call was outstanding (before the follower took
 * over, which reports its own timeout): status `timed-out`, a record and a
 * summary of what is known, and a failure that says what the step was doing.
 */
async function finishTimedOut(
  inputs: Inputs,
  aws: AwsClients,
  deps: Dependencies,
  deadline: StepDeadline,
  step: StepProgress,
  announcer: DeploymentAnnouncer,
): Promise<never> {
  const reason = timedOutReason(deadline, step.doing, step.writeInFlight, 'the step');
  const record: DeploymentRecord = {
    schema: 'berth.deployment-record/v1',
    kind: inputs.runTask ? 'run-task' : inputs.recordKind,
    cluster: inputs.cluster,
    service: inputs.service,
    requestedReason: inputs.reason,
    region: aws.region,
    from: step.from,
    to: step.to ?? { taskDefinitionArn: '', images: {} },
    deploymentId: step.deploymentId,
    serviceDeploymentArn: step.serviceDeploymentArn,
    status: 'timed-out',
    reason,
    startedAt: iso(step.startedAt),
    endedAt: iso(deps.clock.now()),
    events: [],
    ...(step.taskArn ? { task: { taskArn: step.taskArn } } : {}),
    run: runContext(deps.env),
  };
  deps.setOutput('status', 'timed-out');
  const what = inputs.runTask ? 'One-off task' : `Deployment of ${inputs.service ?? ''}`;
  await finishRecord(record, deps, `${what}: timed-out`);
  if (step.announced) await announcer.finished(record);
  throw new DeploymentFailedError(reason);
}

async function resolveTaskDefinition(
  inputs: Inputs,
  prepared: PreparedTaskDefinition | undefined,
  aws: AwsClients,
  deps: Dependencies,
  context: AdviceContext,
  step: StepProgress,
): Promise<ResolvedTaskDefinition> {
  const { logger } = deps;
  return inGroup(logger, 'Task definition', async () => {
    if (prepared) {
      return registerOrReuse({
        ecs: aws.ecs,
        prepared,
        reuse: inputs.reuseUnchangedRevision,
        logger,
        context,
        writes: aws.ecsWrites,
        maxAttempts: inputs.aws.maxAttempts,
        sleep: (ms) => deps.clock.sleep(ms),
        onWrite: (inFlight) => {
          step.writeInFlight = inFlight ? 'RegisterTaskDefinition' : undefined;
        },
      });
    }
    const reference = inputs.taskDefinition.kind === 'registered' ? inputs.taskDefinition.reference : '';
    return describeExisting(aws.ecs, reference, logger, context);
  });
}

async function deployService(
  inputs: Inputs,
  prepared: PreparedTaskDefinition | undefined,
  aws: AwsClients,
  deps: Dependencies,
  deadline: StepDeadline,
  step: StepProgress,
  announcer: DeploymentAnnouncer,
): Promise<void> {
  const { logger, clock, setOutput } = deps;
  const serviceName = inputs.service!;
  const context: AdviceContext = { cluster: inputs.cluster, service: serviceName, region: aws.region };
  const startedAt = step.startedAt;
  step.doing = `reading service ${serviceName}`;

  const before = await inGroup(logger, `Service ${serviceName}`, async () => {
    const service = await describeServiceChecked(aws.ecs, inputs.cluster, serviceName, context);
    // Everything the update needs is checked now, before the first write (registration).
    planServiceUpdate(inputs, service, service.taskDefinition ?? '');
    logger.info(
      `Service ${serviceName} in cluster ${inputs.cluster} (${aws.region}) runs ${service.taskDefinition ?? '?'}: ` +
        `${service.runningCount ?? 0}/${service.desiredCount ?? 0} tasks running; ${strategyLabel(service.deploymentConfiguration)}.`,
    );
    return service;
  });

  step.from = { taskDefinitionArn: before.taskDefinition, images: {} };
  step.doing = prepared ? `registering ${prepared.family}` : 'reading the task definition';
  const resolved = await resolveTaskDefinition(inputs, prepared, aws, deps, context, step);
  const previousArn = before.taskDefinition;
  setOutput('task-definition-arn', resolved.arn);
  setOutput('previous-task-definition-arn', previousArn ?? '');
  const attempted = { taskDefinitionArn: resolved.arn, images: imagesOf(resolved.definition) };
  step.to = attempted;
  step.doing = `reading the images of ${previousArn ?? 'the running revision'}`;
  const previousImages =
    previousArn === resolved.arn ? attempted.images : await imagesOfRevision(aws.ecs, previousArn, logger);
  step.from = { taskDefinitionArn: previousArn, images: previousImages };
  step.doing = `updating service ${serviceName} to ${resolved.arn}`;

  const { plan, identified } = await inGroup(logger, 'Update service', async () => {
    const plan = planServiceUpdate(inputs, before, resolved.arn);
    logger.info(
      `Updating ${serviceName}: ${previousArn ?? '?'} → ${resolved.arn}${plan.changes.length ? `; ${plan.changes.join('; ')}` : ''}.`,
    );
    // The GitHub deployment exists before the ECS deployment starts; its payload is the record so far.
    const draft = {
      kind: inputs.recordKind,
      cluster: inputs.cluster,
      service: serviceName,
      region: aws.region,
      from: { taskDefinitionArn: previousArn, images: previousImages },
      to: attempted,
      strategy: strategyLabel(plan.effectiveConfiguration),
      requestedReason: inputs.reason,
      run: runContext(deps.env),
    };
    await announcer.begin(draft);
    step.announced = true;
    step.writeInFlight = 'UpdateService';
    let after: Awaited<ReturnType<typeof updateServiceOnce>>;
    try {
      after = await updateServiceOnce(
        writeClients(aws, inputs, deps),
        plan.request,
        before,
        resolved.arn,
        context,
      );
    } catch (error) {
      // A deadline is reported with the timed-out record; anything else never started the deployment.
      if (!isDeadlineError(error, deadline)) await announcer.aborted(error, draft);
      throw error;
    }
    step.writeInFlight = undefined;
    step.doing = `identifying the deployment UpdateService started`;
    const identified = await identifyDeployment({
      ecs: aws.ecs,
      cluster: inputs.cluster,
      service: serviceName,
      before,
      after,
      taskDefinitionArn: resolved.arn,
      logger,
    });
    if (!identified.started) {
      logger.notice(
        `ECS started no new deployment: the service already runs ${resolved.arn} and nothing else changed. ` +
          'Following its current deployment; set `force-new-deployment: true` to replace the tasks anyway.',
      );
    } else {
      logger.info(
        `Started deployment ${identified.target.deploymentId ?? '(unknown id)'}${identified.target.serviceDeploymentArn ? ` (${identified.target.serviceDeploymentArn})` : ''}.`,
      );
    }
    return { plan, identified };
  });
  const target = identified.target;
  step.deploymentId = target.deploymentId;
  step.serviceDeploymentArn = target.serviceDeploymentArn;
  step.doing = `following deployment ${target.deploymentId ?? resolved.arn}`;
  setOutput('deployment-id', target.deploymentId ?? '');
  setOutput('service-deployment-arn', target.serviceDeploymentArn ?? '');

  const record: DeploymentRecord = {
    schema: 'berth.deployment-record/v1',
    kind: inputs.recordKind,
    cluster: inputs.cluster,
    service: serviceName,
    requestedReason: inputs.reason,
    region: aws.region,
    from: { taskDefinitionArn: previousArn, images: previousImages },
    to: attempted,
    strategy: strategyLabel(plan.effectiveConfiguration),
    deploymentId: target.deploymentId,
    serviceDeploymentArn: target.serviceDeploymentArn,
    status: 'started',
    startedAt: iso(startedAt),
    endedAt: iso(clock.now()),
    events: [],
    run: runContext(deps.env),
  };
  await announcer.started(record);

  if (!inputs.wait) {
    logger.info(`Not waiting for deployment ${target.deploymentId ?? ''} (wait: false).`);
    await finishRecord(record, deps, `Deployment of ${serviceName} started`);
    return;
  }

  const result = await inGroup(logger, `Deployment ${target.deploymentId ?? resolved.arn}`, () =>
    followDeployment({
      ecs: aws.ecs,
      logs: aws.logs,
      clock,
      logger,
      cluster: inputs.cluster,
      service: serviceName,
      target,
      timeoutMs: inputs.timeoutMinutes * 60_000,
      deadline,
      initialEvents: before.events,
      taskDefinition: resolved.definition,
    }).catch(async (error: unknown) => {
      await announcer.lost(error, record);
      throw error;
    }),
  );

  let running: { taskDefinitionArn?: string; images: ImageMap } | undefined;
  if (result.outcome === 'succeeded') {
    logger.info(
      `Deployment ${target.deploymentId ?? ''} succeeded in ${formatDuration(result.endedAt - startedAt)}.`,
    );
  } else {
    const runningArn = result.service?.taskDefinition;
    running = {
      taskDefinitionArn: runningArn,
      images:
        runningArn === resolved.arn
          ? attempted.images
          : runningArn === previousArn
            ? previousImages
            : await imagesOfRevision(aws.ecs, runningArn, logger),
    };
    printFailureReport(result, attempted, running, logger);
  }

  await tagAfterSuccess(result.outcome, inputs, attempted.images, aws, logger);
  Object.assign(record, recordEnding(result, recordEvents(result.events)));
  await announcer.finished(record);
  setOutput('status', result.outcome);
  await finishRecord(record, deps, `Deployment of ${serviceName}: ${result.outcome}`, (summary) => {
    if (result.outcome !== 'succeeded')
      addFailureDetailsToSummary(summary, result.failedTasks, attempted, running);
  });
  if (result.outcome !== 'succeeded') {
    throw new DeploymentFailedError(
      `${headline(result)} (${result.outcome})${result.reason ? `: ${result.reason}` : ''}`,
    );
  }
}

async function runOneOffTask(
  inputs: Inputs,
  prepared: PreparedTaskDefinition | undefined,
  aws: AwsClients,
  deps: Dependencies,
  deadline: StepDeadline,
  step: StepProgress,
): Promise<void> {
  const { logger, clock, setOutput } = deps;
  const context: AdviceContext = { cluster: inputs.cluster, service: inputs.service, region: aws.region };
  const startedAt = step.startedAt;
  step.doing = `reading cluster ${inputs.cluster}`;

  const service = await inGroup(logger, `Cluster ${inputs.cluster}`, async () => {
    if (inputs.service) {
      const found = await describeServiceChecked(aws.ecs, inputs.cluster, inputs.service, context);
      logger.info(`Borrowing launch settings and network configuration from service ${inputs.service}.`);
      return found;
    }
    await checkCluster(aws.ecs, inputs.cluster, context);
    return undefined;
  });
  // Check the request against the file before registering anything.
  if (prepared) planRunTask(inputs, prepared.definition as TaskDefinition, 'pending', service);

  step.doing = prepared ? `registering ${prepared.family}` : 'reading the task definition';
  const resolved = await resolveTaskDefinition(inputs, prepared, aws, deps, context, step);
  setOutput('task-definition-arn', resolved.arn);
  const attempted = { taskDefinitionArn: resolved.arn, images: imagesOf(resolved.definition) };
  step.to = attempted;
  step.doing = `starting a task of ${resolved.arn}`;

  const launched = await inGroup(logger, 'Run task', async () => {
    const request = planRunTask(inputs, resolved.definition, resolved.arn, service);
    const override = request.overrides?.containerOverrides?.[0];
    logger.info(
      `Running ${resolved.arn} in cluster ${inputs.cluster}${request.launchType ? ` (${request.launchType})` : ''}${override ? `; container ${override.name} runs ${JSON.stringify(override.command)}` : ''}.`,
    );
    step.writeInFlight = 'RunTask';
    const out: RunTaskCommandOutput = await runTaskOnce(writeClients(aws, inputs, deps), request, context);
    step.writeInFlight = undefined;
    const started = out?.tasks?.[0];
    const arn = started?.taskArn;
    if (!arn) {
      const failure = out?.failures?.[0];
      throw new DeploymentFailedError(
        `ECS did not start the task: ${failure?.reason ?? 'no task and no reason returned'}${failure?.detail ? ` (${failure.detail})` : ''}${failure?.arn ? ` [${failure.arn}]` : ''}.`,
      );
    }
    logger.info(`Started task ${arn}.`);
    return { arn, started };
  });
  const taskArn = launched.arn;
  step.taskArn = taskArn;
  step.doing = `following task ${taskArn}`;
  setOutput('run-task-arn', taskArn);

  const record: DeploymentRecord = {
    schema: 'berth.deployment-record/v1',
    kind: 'run-task',
    cluster: inputs.cluster,
    service: inputs.service,
    requestedReason: inputs.reason,
    region: aws.region,
    to: attempted,
    status: 'started',
    startedAt: iso(startedAt),
    endedAt: iso(clock.now()),
    events: [],
    task: { taskArn },
    run: runContext(deps.env),
  };
  if (!inputs.wait) {
    logger.info('Not waiting for the task to stop (wait: false).');
    await finishRecord(record, deps, `One-off task ${resolved.definition.family ?? ''} started`);
    return;
  }

  const result = await inGroup(logger, `Task ${taskArn.split('/').pop()}`, () =>
    followTask({
      ecs: aws.ecs,
      logs: aws.logs,
      clock,
      logger,
      cluster: inputs.cluster,
      taskArn,
      definition: resolved.definition,
      timeoutMs: inputs.timeoutMinutes * 60_000,
      deadline,
      initialTask: launched.started,
    }),
  );
  printTaskReport(result, logger);

  await tagAfterSuccess(result.outcome, inputs, attempted.images, aws, logger);
  Object.assign(record, {
    ...recordEnding(
      result,
      result.statuses.map((s) => ({ at: iso(s.at), message: s.message })),
    ),
    task: { taskArn, exitCode: result.exitCode },
  } satisfies Partial<DeploymentRecord>);
  setOutput('exit-code', result.exitCode === undefined ? '' : String(result.exitCode));
  setOutput('status', result.outcome);
  await finishRecord(
    record,
    deps,
    `One-off task ${resolved.definition.family ?? ''}: ${result.outcome}`,
    (summary) => {
      if (result.outcome !== 'succeeded')
        addFailureDetailsToSummary(summary, result.failedTasks, attempted, undefined);
    },
  );
  if (result.outcome !== 'succeeded') {
    throw new DeploymentFailedError(
      `${result.outcome === 'timed-out' ? 'Task timed out' : 'Task failed'}: ${result.reason ?? ''}`,
    );
  }
}

/** `tag-deployed-image`, after a success only; a tag that cannot be set is a warning, never a failure. */
async function tagAfterSuccess(
  outcome: FollowResult['outcome'] | FollowTaskResult['outcome'],
  inputs: Inputs,
  images: ImageMap,
  aws: AwsClients,
  logger: Logger,
): Promise<void> {
  const tag = inputs.tagDeployedImage;
  if (outcome !== 'succeeded' || !tag) return;
  await inGroup(logger, `Tag deployed images as ${tag}`, () =>
    tagDeployedImages({ images, tag, ecrFor: aws.ecrFor, logger }),
  );
}

/** How the deployment or the task ended, as the record states it; `events` as each path words them. */
function recordEnding(
  result: FollowResult | FollowTaskResult,
  events: DeploymentRecord['events'],
): Partial<DeploymentRecord> {
  return {
    status: result.outcome,
    reason: result.reason,
    likelyCause: result.likelyCause,
    endedAt: iso(result.endedAt),
    events,
    failedTasks: recordFailedTasks(result.failedTasks),
  };
}

/** Writes the record, sets the `record` output and the job summary. */
async function finishRecord(
  record: DeploymentRecord,
  deps: Dependencies,
  title: string,
  more?: (summary: typeof core.summary) => void,
): Promise<void> {
  const path = writeDeploymentRecord(record, deps.recordDirectory ?? deps.env.RUNNER_TEMP ?? undefined);
  deps.setOutput('record', path);
  deps.logger.info(`Deployment record: ${path}`);
  await deps.writeSummary((summary) => {
    addRecordToSummary(summary, record, title);
    more?.(summary);
  });
}
