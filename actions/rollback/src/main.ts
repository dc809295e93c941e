import * as core from '@actions/core';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { ECSClient } from '@aws-sdk/client-ecs';
import {
  type AnnouncerOptions,
  type AwsInputs,
  type Clock,
  ConfigurationError,
  coreLogger,
  createAnnouncer,
  createAwsContext,
  type DeploymentAnnouncer,
  type DeploymentRecord,
  type EcrRegistry,
  type EcrSender,
  type FollowResult,
  followDeployment,
  type ImageMap,
  inGroup,
  isDeadlineError,
  type Logger,
  printFailureReport,
  type RollbackRecordDetails,
  runContext,
  type StepDeadline,
  shortName,
  stepDeadline,
  systemClock,
  timedOutReason,
  writeDeploymentRecord,
  writeJobSummary,
} from '@berth/shared';
import { type StartedRollback, startRollback, stopPathReason } from './execute.js';
import { readGitHubDeployments, readServiceState } from './history.js';
import { getInputs, type Inputs, NO_REASON } from './inputs.js';
import { githubLineage, planRollback, type RollbackPath, type RollbackPlan } from './plan.js';
import {
  addRefusalSummary,
  addRollbackSummary,
  buildRecord,
  outcomeLine,
  pathName,
  planLines,
  type RecordParts,
  type SummaryBuilder,
} from './report.js';
import { movedTags, verifyTarget } from './verify.js';

export const ACTION_NAME = 'rollback';

/** The AWS clients this action uses, sharing region, credentials and retries. */
export interface AwsClients {
  region: string;
  ecs(): ECSClient;
  /** ECS for the rollback's one write: no SDK retry (writeOnce looks before sending again); `ecs()` when absent. */
  ecsWrites?(): ECSClient;
  logs(): CloudWatchLogsClient;
  ecrFor(registry: EcrRegistry): EcrSender;
}

/** Every effect main() has, so tests replace them without module mocks. */
export interface Dependencies {
  getInputs(): Inputs;
  logger: Logger;
  clock: Clock;
  /** `signal`: the step deadline's; every call through the clients is abandoned when it fires. */
  createAws(inputs: AwsInputs, signal?: AbortSignal): AwsClients;
  setOutput(name: string, value: string): void;
  writeSummary(build: (summary: SummaryBuilder) => void): Promise<void>;
  writeRecord(record: DeploymentRecord): string;
  env: NodeJS.ProcessEnv;
  /** The GitHub Deployment and webhook messages (GitHub API and fetch seams inside). */
  announcer?: (options: AnnouncerOptions) => DeploymentAnnouncer;
}

export function defaultCreateAws(
  inputs: AwsInputs,
  env: NodeJS.ProcessEnv = process.env,
  signal?: AbortSignal,
): AwsClients {
  const context = createAwsContext({ actionName: ACTION_NAME, inputs, env, signal });
  return {
    region: context.region,
    ecs: () => context.ecs(),
    ecsWrites: () => context.ecsWrites(),
    logs: () => context.logs(),
    // Images may live in another region than the cluster (a central registry).
    ecrFor: (registry) => context.ecrIn(registry.region, registry.fips),
  };
}

export function defaultDependencies(): Dependencies {
  return {
    getInputs: () => getInputs(),
    logger: coreLogger,
    clock: systemClock(),
    createAws: (inputs, signal) => defaultCreateAws(inputs, process.env, signal),
    setOutput: (name, value) => core.setOutput(name, value),
    writeSummary: (build) => writeJobSummary((summary) => build(summary)),
    // The shared format plus a `rollback` section: why this target, how it was found, which path.
    writeRecord: (record) => writeDeploymentRecord(record),
    env: process.env,
  };
}

function detailsOf(plan: RollbackPlan, requested: string): RollbackRecordDetails {
  return {
    requested,
    why: plan.why,
    foundBy: plan.foundBy,
    path: plan.path?.kind,
    pathReason: plan.path?.reason,
    skipped: plan.skipped,
    notices: plan.notices,
  };
}

/** inputs → read → plan (pure) → verify → stop or update → follow → outputs, record, summary. */
export async function main(overrides: Partial<Dependencies> = {}): Promise<void> {
  const deps: Dependencies = { ...defaultDependencies(), ...overrides };
  const { clock } = deps;
  const inputs = deps.getInputs();
  // One deadline for the whole step: every wait and every call ends by it.
  const deadline = stepDeadline(clock, inputs.timeoutMinutes * 60_000);
  const aws = deps.createAws(inputs.aws, deadline.signal);
  const step: RollbackProgress = { startedAt: clock.now(), doing: `reading service ${inputs.service}` };
  try {
    await rollback(deps, inputs, aws, deadline, step);
  } catch (error) {
    if (!isDeadlineError(error, deadline)) throw error;
    await finishTimedOut(deps, inputs, aws, deadline, step);
  }
}

/** What the rollback knows so far, so a deadline that cuts a call short can say what it was doing. */
interface RollbackProgress {
  startedAt: number;
  doing: string;
  /** Once planned: writes the record and summary the normal way. */
  finish?: (parts: { status: 'timed-out'; outcomeReason: string }) => Promise<unknown>;
  /** The write was sent and its answer never came. */
  writeInFlight?: string;
  /** The verified target, once known. */
  to?: { taskDefinitionArn: string; images: ImageMap };
  /** How the rollback was started, once it was. */
  identity?: { path: RollbackPath; deploymentId?: string; serviceDeploymentArn?: string };
}

/**
 * The deadline cut a call short before the follower took over (it reports its
 * own timeout): status `timed-out`, a record and a summary of what is known,
 * and a failure that says what the step was doing.
 */
async function finishTimedOut(
  deps: Dependencies,
  inputs: Inputs,
  aws: AwsClients,
  deadline: StepDeadline,
  step: RollbackProgress,
): Promise<never> {
  const reason = timedOutReason(deadline, step.doing, step.writeInFlight, 'the rollback');
  if (step.finish) {
    await step.finish({ status: 'timed-out', outcomeReason: reason });
  } else {
    const record: DeploymentRecord = {
      schema: 'berth.deployment-record/v1',
      kind: 'rollback',
      cluster: inputs.cluster,
      service: inputs.service,
      region: aws.region,
      to: { taskDefinitionArn: '', images: {} },
      status: 'timed-out',
      reason,
      requestedReason: inputs.reason ?? NO_REASON,
      startedAt: new Date(step.startedAt).toISOString(),
      endedAt: new Date(deps.clock.now()).toISOString(),
      events: [],
      run: runContext(deps.env),
    };
    const path = deps.writeRecord(record);
    deps.setOutput('status', 'timed-out');
    deps.setOutput('record', path);
    await deps.writeSummary((summary) => addRollbackSummary(summary, record, undefined));
    deps.logger.info(`Deployment record: ${path}`);
  }
  throw new Error(reason);
}

async function rollback(
  deps: Dependencies,
  inputs: Inputs,
  aws: AwsClients,
  deadline: StepDeadline,
  step: RollbackProgress,
): Promise<void> {
  const { logger, clock } = deps;
  const reason = inputs.reason ?? NO_REASON;
  // Created (and its secrets masked) before anything is printed.
  const announcer = createAnnouncer(inputs, deps);
  const githubApi = announcer.api;
  const readGitHub = githubApi
    ? (withStatuses = true) =>
        readGitHubDeployments(
          githubApi,
          announcer.environment,
          { cluster: inputs.cluster, service: inputs.service, logger },
          withStatuses,
        )
    : undefined;
  const ecs = aws.ecs();
  const startedAt = step.startedAt;
  const { cluster, service } = inputs;

  const refuse = async (message: string, details?: RollbackRecordDetails): Promise<never> => {
    await deps.writeSummary((summary) => addRefusalSummary(summary, service, message, details, reason));
    throw new ConfigurationError(message);
  };

  logger.info(
    `Rollback of ${service} in cluster ${cluster} (${aws.region}) requested: to: ${inputs.to}. Reason: ${reason}`,
  );
  const state = await inGroup(logger, `Reading service ${service} and its history`, () =>
    readServiceState(
      { ecs, ecrFor: aws.ecrFor, logger, cluster, service, github: readGitHub },
      inputs.target,
    ),
  );

  const planned = planRollback(state.current, state.history, inputs.target);
  if (planned.kind === 'error') return refuse(planned.message);
  const plan = planned;
  await inGroup(
    logger,
    `Plan: ${shortName(plan.from.taskDefinitionArn)} → ${shortName(plan.to.taskDefinition)}`,
    async () => {
      for (const line of planLines(plan, inputs.to, reason)) logger.info(line);
    },
  );
  for (const notice of plan.notices) logger.notice(notice, { title: 'Rollback plan' });

  const base = {
    cluster,
    service,
    region: aws.region,
    plan,
    requested: inputs.to,
    reason,
    strategy: (state.service.deploymentConfiguration as { strategy?: string } | undefined)?.strategy,
    startedAt,
    run: runContext(deps.env),
  };
  const finish = async (
    parts: Omit<RecordParts, keyof typeof base | 'endedAt'>,
    failure?: Parameters<typeof addRollbackSummary>[2],
  ): Promise<DeploymentRecord> => {
    const record = buildRecord({ ...base, ...parts, endedAt: clock.now() });
    const path = deps.writeRecord(record);
    deps.setOutput('from-task-definition', plan.from.taskDefinitionArn);
    deps.setOutput('to-task-definition', record.to.taskDefinitionArn);
    deps.setOutput('from-images', JSON.stringify(plan.from.images));
    deps.setOutput('to-images', JSON.stringify(record.to.images));
    deps.setOutput('status', record.status);
    deps.setOutput('record', path);
    await deps.writeSummary((summary) => addRollbackSummary(summary, record, failure));
    logger.info(`Deployment record: ${path}`);
    return record;
  };
  step.finish = (parts) =>
    finish({
      to: step.to ?? { taskDefinitionArn: plan.to.taskDefinition, images: {} },
      ...step.identity,
      ...parts,
    });

  if (plan.kind === 'nothing-to-do') {
    logger.notice(plan.message ?? 'Nothing to do.', { title: 'Rollback' });
    await finish({
      to: { taskDefinitionArn: state.current.taskDefinitionArn, images: state.current.images },
      status: 'nothing-to-do',
      outcomeReason: plan.message,
    });
    return;
  }

  let verified: Awaited<ReturnType<typeof verifyTarget>>;
  step.doing = `verifying ${shortName(plan.to.taskDefinition)} can start`;
  try {
    verified = await inGroup(logger, `Verifying ${shortName(plan.to.taskDefinition)} can start`, () =>
      verifyTarget({ ecs, ecrFor: aws.ecrFor, logger }, plan.to.taskDefinition),
    );
  } catch (error) {
    if (error instanceof ConfigurationError) return refuse(error.message, detailsOf(plan, inputs.to));
    throw error;
  }
  for (const warning of movedTags(verified.checks, plan.to.digests))
    logger.warning(warning, { title: 'Inexact rollback' });
  const to: { taskDefinitionArn: string; images: ImageMap } = {
    taskDefinitionArn: verified.taskDefinitionArn,
    images: verified.images,
  };
  const path = plan.path!;
  step.to = to;

  if (inputs.dryRun) {
    const line = outcomeLine('dry-run', service, to.taskDefinitionArn);
    logger.notice(`${line} It would take this path: ${pathName(path)}.`, { title: 'Dry run' });
    await finish({ to, status: 'dry-run', path, outcomeReason: line });
    return;
  }

  // The GitHub deployment of the restored revision, created before ECS starts; it names what it undoes.
  const draft = {
    kind: 'rollback' as const,
    cluster,
    service,
    region: aws.region,
    from: plan.from,
    to,
    strategy: base.strategy,
    requestedReason: reason,
    run: base.run,
  };
  // Which GitHub deployment this undoes, and the commit of the revision it restores (no statuses needed).
  const github = state.history.github ?? (readGitHub ? await readGitHub(false) : undefined);
  const lineage = githubLineage(github, plan.from.taskDefinitionArn, to.taskDefinitionArn);
  await announcer.begin(
    draft,
    {
      taskDefinitionArn: plan.from.taskDefinitionArn,
      githubDeploymentId: lineage.undoes?.id,
      serviceDeploymentArn: state.current.inProgress?.serviceDeploymentArn,
    },
    lineage.restores?.sha,
  );
  const started: StartedRollback = await inGroup(
    logger,
    `Rolling back to ${shortName(to.taskDefinitionArn)}`,
    async () => {
      logger.info(`Path: ${pathName(path)}. ${path.reason}`);
      step.doing = `rolling back to ${shortName(to.taskDefinitionArn)} (${pathName(path)})`;
      return startRollback(
        {
          ecs,
          writes: aws.ecsWrites?.(),
          logger,
          cluster,
          service,
          before: state.service,
          maxAttempts: inputs.aws.maxAttempts,
          sleep: (ms) => clock.sleep(ms),
          onWrite: (operation) => {
            step.writeInFlight = operation;
          },
        },
        path,
        state.current,
        state.history,
        to.taskDefinitionArn,
      ).catch(async (error: unknown) => {
        await announcer.aborted(error, draft);
        throw error;
      });
    },
  );
  const identity = {
    path: started.path,
    deploymentId: started.target.deploymentId,
    serviceDeploymentArn: started.target.serviceDeploymentArn,
  };
  step.identity = identity;
  step.doing = `following the rollback to ${shortName(to.taskDefinitionArn)}`;
  await announcer.started(buildRecord({ ...base, to, status: 'started', ...identity, endedAt: clock.now() }));

  if (!inputs.wait) {
    const line = outcomeLine('started', service, to.taskDefinitionArn);
    logger.info(line);
    await finish({ to, status: 'started', ...identity, outcomeReason: line });
    return;
  }

  const stopPath = started.path.kind === 'stop-deployment';
  const result: FollowResult = await inGroup(
    logger,
    `Following the rollback to ${shortName(to.taskDefinitionArn)}`,
    () =>
      followDeployment({
        ecs,
        logs: aws.logs(),
        clock,
        logger,
        cluster,
        service,
        target: started.target,
        timeoutMs: inputs.timeoutMinutes * 60_000,
        deadline,
        initialEvents: state.service.events,
        // On the stop path the followed deployment is the one being undone: ECS rolling it back is the success.
        purpose: stopPath ? 'rollback' : 'deploy',
      }).catch(async (error: unknown) => {
        await announcer.lost(
          error,
          buildRecord({ ...base, to, status: 'started', ...identity, endedAt: clock.now() }),
        );
        throw error;
      }),
  );
  const status = result.outcome;
  const outcomeReason =
    status === 'succeeded'
      ? stopPath
        ? `ECS rolled ${shortName(started.target.taskDefinitionArn)} back to ${shortName(to.taskDefinitionArn)} as requested.`
        : undefined
      : stopPath
        ? stopPathReason(result)
        : result.reason;

  let failure: Parameters<typeof addRollbackSummary>[2];
  if (status !== 'succeeded') {
    const runningArn = result.service?.taskDefinition;
    const running = {
      taskDefinitionArn: runningArn,
      images:
        runningArn === to.taskDefinitionArn
          ? to.images
          : runningArn === plan.from.taskDefinitionArn
            ? plan.from.images
            : {},
    };
    printFailureReport({ ...result, outcome: status, reason: outcomeReason }, to, running, logger);
    failure = { failedTasks: result.failedTasks, running };
  }
  const ended = await finish(
    {
      to,
      status,
      ...identity,
      deploymentId: identity.deploymentId ?? result.assessment?.rollbackDeployment?.id,
      follow: result,
      outcomeReason,
    },
    failure,
  );
  await announcer.finished(ended);
  const line = outcomeLine(status, service, to.taskDefinitionArn, outcomeReason);
  if (status !== 'succeeded') throw new Error(line);
  logger.info(line);
}
