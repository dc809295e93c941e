/**
 * Follows one CodeDeploy deployment of an ECS service to its end, as Berth
 * follows an ECS deployment: a progress line whenever something changes
 * (status, lifecycle event, traffic weights, task counts), the replacement
 * task set's stopped tasks explained once per distinct failure, and a stop
 * with automatic rollback (StopDeployment `autoRollbackEnabled`) when they
 * reach the circuit breaker's threshold or the step's deadline comes near,
 * so production traffic goes back to the original task set instead of
 * waiting out CodeDeploy's hour.
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  type CodeDeployClient,
  type DeploymentInfo,
  type ECSTarget,
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import type { ECSClient, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Clock } from '@berth/shared/clock';
import type { StepDeadline } from '@berth/shared/deadline';
import {
  describeFailedTask,
  type FailedTask,
  likelyCause,
  toFailedTask,
} from '@berth/shared/deployment/diagnose';
import type { Outcome } from '@berth/shared/deployment/follow';
import { findStoppedTasks, gatherFailedTasks } from '@berth/shared/deployment/gather';
import { formatDuration } from '@berth/shared/duration';
import { errorMessage } from '@berth/shared/errors';
import type { Logger } from '@berth/shared/logger';
import { inert } from '@berth/shared/untrusted';
import {
  codedeployFailure,
  failedTaskThreshold,
  isFinal,
  progressLine,
  replacementTaskSet,
} from './progress.js';

/** CodeDeploy looks at the replacement task set every 15 s (the emulator's model); Berth reads as often. */
export const POLL_MS = 15_000;
/** Left before the step's deadline for StopDeployment and the record: the stop must be sent while calls still run. */
export const STOP_RESERVE_MS = 30_000;

export interface CodeDeployFollowOptions {
  codedeploy: CodeDeployClient;
  /** For StopDeployment (no SDK retry). */
  codedeployWrites: CodeDeployClient;
  ecs: ECSClient;
  logs?: CloudWatchLogsClient;
  logger: Logger;
  clock: Pick<Clock, 'now' | 'sleep'>;
  deadline: StepDeadline;
  cluster: string;
  service: string;
  deploymentId: string;
  desiredCount: number;
  taskDefinition?: TaskDefinition;
}

export interface CodeDeployResult {
  outcome: Outcome;
  reason?: string;
  failedTasks: FailedTask[];
  likelyCause?: string;
  /** The progress lines as printed, for the record's events. */
  events: Array<{ at: string; message: string }>;
  endedAt: number;
  rollbackDeploymentId?: string;
}

interface Seen {
  info?: DeploymentInfo;
  target?: ECSTarget;
  targetId?: string;
}

/** The deployment and its one ECS target, as CodeDeploy reports them now. */
async function read(options: CodeDeployFollowOptions, seen: Seen): Promise<Seen> {
  const { codedeploy, deploymentId } = options;
  const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo;
  let targetId = seen.targetId;
  if (!targetId) {
    // The target exists once the deployment has started; its id is `<cluster>:<service>`.
    const listed = await codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId }));
    targetId = listed.targetIds?.[0];
  }
  const target = targetId
    ? (await codedeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId }))).deploymentTarget
        ?.ecsTarget
    : undefined;
  return { info, target, targetId };
}

export async function followCodeDeployDeployment(
  options: CodeDeployFollowOptions,
): Promise<CodeDeployResult> {
  const { logger, clock, deadline, deploymentId } = options;
  const events: CodeDeployResult['events'] = [];
  const say = (message: string) => {
    logger.info(message);
    events.push({ at: new Date(clock.now()).toISOString(), message });
  };
  const failedTasks: FailedTask[] = [];
  const explained = new Set<string>();
  const threshold = failedTaskThreshold(options.desiredCount);
  let seen: Seen = {};
  let lastLine = '';
  let stop: { reason: string; outcome: Outcome } | undefined;

  for (;;) {
    seen = await read(options, seen);
    const line = progressLine(seen.info, seen.target);
    if (line !== lastLine) say(line);
    lastLine = line;
    if (isFinal(seen.info?.status)) break;

    if (!stop) {
      const replacement = replacementTaskSet(seen.target);
      if (replacement?.identifer) {
        const failed = await newFailures(options, replacement.identifer, failedTasks, explained);
        for (const task of failed) printFailedTask(task, logger);
        if (failedTasks.length >= threshold) {
          const first = failedTasks[0];
          stop = {
            outcome: 'failed',
            reason: `${failedTasks.length} tasks of the replacement task set stopped (the circuit breaker's threshold for ${options.desiredCount} tasks is ${threshold}): ${inert(first?.stoppedReason ?? 'stopped', { oneLine: true })}`,
          };
        }
      }
      if (!stop && deadline.remainingMs() <= STOP_RESERVE_MS) {
        stop = {
          outcome: 'timed-out',
          reason: `Timed out after ${formatDuration(deadline.timeoutMs)} (\`timeout-minutes\`) while CodeDeploy deployment ${deploymentId} was ${lastLine.split(' · ').slice(1, 2).join('') || seen.info?.status || 'running'}`,
        };
      }
      if (stop) await stopWithRollback(options, stop.reason);
    }
    if (stop && deadline.remainingMs() <= STOP_RESERVE_MS / 3) break;
    await clock.sleep(Math.max(1000, Math.min(POLL_MS, deadline.remainingMs() - STOP_RESERVE_MS / 3)));
  }
  return conclude(options, seen, stop, failedTasks, events);
}

/** Stopped tasks of the replacement task set not seen before; each distinct failure is read (logs) once. */
async function newFailures(
  options: CodeDeployFollowOptions,
  taskSetId: string,
  failedTasks: FailedTask[],
  explained: Set<string>,
): Promise<FailedTask[]> {
  const known = new Set(failedTasks.map((t) => t.taskArn));
  const stopped = (
    await findStoppedTasks({
      ecs: options.ecs,
      cluster: options.cluster,
      service: options.service,
      startedBy: taskSetId,
      limit: 100,
    })
  ).filter((task) => task.taskArn && !known.has(task.taskArn));
  if (stopped.length === 0) return [];
  const fresh = stopped.filter((task) => {
    const key = `${task.stopCode ?? ''} ${task.stoppedReason ?? ''}`;
    if (explained.has(key)) return false;
    explained.add(key);
    return true;
  });
  const gathered = fresh.length
    ? await gatherFailedTasks({
        ecs: options.ecs,
        logs: options.logs,
        logger: options.logger,
        cluster: options.cluster,
        tasks: fresh,
        knownDefinitions: options.taskDefinition ? [options.taskDefinition] : [],
      })
    : [];
  // Tasks that failed the way one already explained count towards the threshold without a second report.
  const repeated = stopped
    .filter((task) => !fresh.includes(task))
    .map((task) => toFailedTask(task, options.taskDefinition));
  failedTasks.push(...gathered, ...repeated);
  return gathered;
}

/** A newly seen failure: ECS's reason, the containers' exit codes, their last log lines (all made inert). */
function printFailedTask(task: FailedTask, logger: Logger): void {
  for (const text of describeFailedTask(task)) logger.info(text);
  for (const [container, lines] of Object.entries(task.logs)) {
    logger.info(`  last ${lines.length} log lines of ${inert(container, { oneLine: true })}:`);
    for (const line of lines) logger.info(`    ${inert(line, { oneLine: true })}`);
  }
}

/** StopDeployment with automatic rollback: CodeDeploy moves production traffic back to the original task set. */
async function stopWithRollback(options: CodeDeployFollowOptions, reason: string): Promise<void> {
  const { logger, deploymentId } = options;
  logger.warning(`${reason}. Stopping deployment ${deploymentId} with automatic rollback.`);
  try {
    const out = await options.codedeployWrites.send(
      new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }),
    );
    logger.info(`StopDeployment: ${out.status ?? '?'}${out.statusMessage ? ` (${out.statusMessage})` : ''}.`);
  } catch (error) {
    // Already ended (it succeeded or failed meanwhile): what CodeDeploy reports next decides.
    logger.warning(`StopDeployment of ${deploymentId} was refused: ${errorMessage(error)}`);
  }
}

async function conclude(
  options: CodeDeployFollowOptions,
  seen: Seen,
  stop: { reason: string; outcome: Outcome } | undefined,
  failedTasks: FailedTask[],
  events: CodeDeployResult['events'],
): Promise<CodeDeployResult> {
  const { info, target } = seen;
  const endedAt = options.clock.now();
  const rollbackDeploymentId = info?.rollbackInfo?.rollbackDeploymentId;
  const base = {
    failedTasks,
    events,
    endedAt,
    rollbackDeploymentId,
    likelyCause: likelyCause(failedTasks, []),
  };
  if (info?.status === 'Succeeded' && !stop) return { ...base, outcome: 'succeeded', failedTasks: [] };
  const rolledBack = rollbackDeploymentId
    ? ` CodeDeploy rolled back with deployment ${rollbackDeploymentId}: production traffic is on the original task set.`
    : '';
  const account = codedeployFailure(info, target);
  if (stop) {
    return {
      ...base,
      outcome: stop.outcome === 'timed-out' ? 'timed-out' : rollbackDeploymentId ? 'rolled-back' : 'failed',
      reason: `${stop.reason}; Berth stopped it with automatic rollback (${account}).${rolledBack}`,
    };
  }
  return {
    ...base,
    outcome: rollbackDeploymentId ? 'rolled-back' : 'failed',
    reason: `${account}.${rolledBack}`,
  };
}
