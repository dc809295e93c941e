import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, type ECSClient, type Task, type TaskDefinition } from '@aws-sdk/client-ecs';
import type { Clock } from '../clock.js';
import type { StepDeadline } from '../deadline.js';
import { formatDuration } from '../duration.js';
import { ConfigurationError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { pollAws } from '../poll.js';
import { inert } from '../untrusted.js';
import { type FailedTask, likelyCause, taskId } from './diagnose.js';
import { gatherFailedTasks, readContainerLogs } from './gather.js';

/** How a one-off task ended: `failed` covers a non-zero essential exit and a task that never started. */
export type TaskOutcome = 'succeeded' | 'failed' | 'timed-out';

export interface TaskVerdict {
  outcome: 'succeeded' | 'failed';
  /** The exit code that decides: the first failing essential container's, else the essential containers' 0. */
  exitCode?: number;
  /** The container the verdict is about. */
  container?: string;
  reason: string;
}

/** Whether each container is essential, from the task definition (ECS's default is essential). */
function essentialMap(
  definition: Pick<TaskDefinition, 'containerDefinitions'> | undefined,
): Map<string, boolean> {
  return new Map((definition?.containerDefinitions ?? []).map((c) => [c.name ?? '', c.essential !== false]));
}

/**
 * The verdict on a STOPPED one-off task: success only when every essential
 * container exited with 0. A non-zero exit of an essential container fails
 * it with that code; an essential container without an exit code never ran
 * (pull failure, missing secret, no capacity), which fails it too.
 */
export function judgeStoppedTask(
  task: Pick<Task, 'containers' | 'stopCode' | 'stoppedReason'>,
  definition?: Pick<TaskDefinition, 'containerDefinitions'>,
): TaskVerdict {
  const essential = essentialMap(definition);
  const containers = (task.containers ?? []).map((c) => ({
    name: c.name ?? '?',
    exitCode: c.exitCode,
    reason: c.reason,
    essential: essential.get(c.name ?? '') ?? true,
  }));
  const essentials = containers.filter((c) => c.essential);
  const failing = essentials.find((c) => c.exitCode !== undefined && c.exitCode !== 0);
  if (failing) {
    return {
      outcome: 'failed',
      exitCode: failing.exitCode,
      container: failing.name,
      reason: `Essential container \`${failing.name}\` exited with code ${failing.exitCode}${failing.reason ? ` (${failing.reason})` : ''}.`,
    };
  }
  const neverRan = essentials.find((c) => c.exitCode === undefined);
  if (neverRan || task.stopCode === 'TaskFailedToStart' || essentials.length === 0) {
    const why = neverRan?.reason ?? task.stoppedReason ?? 'no reason given';
    return {
      outcome: 'failed',
      container: neverRan?.name,
      reason: `The task stopped before ${neverRan ? `essential container \`${neverRan.name}\`` : 'its containers'} ran to completion: ${why}${task.stopCode ? ` [${task.stopCode}]` : ''}.`,
    };
  }
  return {
    outcome: 'succeeded',
    exitCode: 0,
    container: essentials[0]?.name,
    reason: `Every essential container exited with code 0${task.stoppedReason ? ` (${task.stoppedReason})` : ''}.`,
  };
}

export interface FollowTaskOptions {
  ecs: ECSClient;
  logs?: CloudWatchLogsClient;
  clock: Clock;
  logger: Logger;
  cluster: string;
  taskArn: string;
  /** The task definition the task runs: which containers are essential, where they log. */
  definition?: TaskDefinition;
  timeoutMs: number;
  /** Log lines to show per container (default 50). */
  logLines?: number;
  /** The task as RunTask returned it: its status (PROVISIONING) is shown before the first poll. */
  initialTask?: Task;
  /** The step's deadline (its signal aborts the calls): the wait ends at the earlier of it and `timeoutMs`. */
  deadline?: StepDeadline;
}

export interface TaskStatusChange {
  at: number;
  status: string;
  message: string;
}

export interface FollowTaskResult {
  outcome: TaskOutcome;
  task?: Task;
  exitCode?: number;
  reason?: string;
  /** Each lastStatus the task went through, in order, once. */
  statuses: TaskStatusChange[];
  /** For a failure: the task with its containers and the logs of failed essential containers. */
  failedTasks: FailedTask[];
  likelyCause?: string;
  /** For a success: the last log lines of each essential container (by name) that logs to CloudWatch. */
  logs: Record<string, string[]>;
  readCalls: number;
  startedAt: number;
  endedAt: number;
}

/** A status change shows within seconds at 10 reads a minute. */
const TASK_POLL_INTERVAL_MS = 6_000;
const MAX_BACKOFF_MS = 60_000;
/** How long a task RunTask returned may stay invisible to DescribeTasks before that is an error. */
const NEW_TASK_GRACE_MS = 60_000;

/**
 * Follows a one-off task (RunTask) until it stops: prints each status it
 * goes through once (PROVISIONING → PENDING → RUNNING → … → STOPPED), then
 * judges it by its essential containers' exit codes. A failure gathers the
 * evidence (stop reason, exit codes, last log lines); transient AWS errors
 * and throttling only slow the polling down.
 */
export async function followTask(options: FollowTaskOptions): Promise<FollowTaskResult> {
  const { ecs, clock, logger, cluster, taskArn } = options;
  const startedAt = clock.now();
  const statuses: TaskStatusChange[] = [];
  const id = taskId(taskArn);
  let readCalls = 0;
  let task: Task | undefined;
  let taskSeen = false;
  const observe = (seen: Task) => {
    const status = seen.lastStatus ?? 'UNKNOWN';
    if (statuses.at(-1)?.status === status) return;
    const detail =
      status === 'STOPPED'
        ? `: ${inert(seen.stoppedReason ?? 'stopped', { oneLine: true })}${seen.stopCode ? ` [${inert(seen.stopCode, { oneLine: true })}]` : ''}`
        : '';
    const message = `task ${id}: ${status}${detail}`;
    statuses.push({ at: clock.now(), status, message });
    logger.info(message);
  };
  if (options.initialTask?.lastStatus && options.initialTask.lastStatus !== 'STOPPED')
    observe(options.initialTask);

  /** One poll: the task, once, and whether it has stopped. */
  const step = async (): Promise<Task | undefined> => {
    readCalls++;
    const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
    task = out.tasks?.[0];
    if (!task && !taskSeen && clock.now() - startedAt < NEW_TASK_GRACE_MS) {
      // DescribeTasks is eventually consistent: a task RunTask just started may not be visible yet.
      logger.debug(`Task ${id} is not visible yet; asking again.`);
      return undefined;
    }
    if (!task) {
      const reason = out.failures?.[0]?.reason ?? 'MISSING';
      throw new ConfigurationError(
        `Task ${taskArn} was not found in cluster \`${cluster}\` (${reason}); ECS forgets stopped tasks after about an hour.`,
      );
    }
    taskSeen = true;
    observe(task);
    return task.lastStatus === 'STOPPED' ? task : undefined;
  };

  const polled = await pollAws({
    clock,
    logger,
    doing: `follow task ${id}`,
    timeoutMs: options.timeoutMs,
    deadline: options.deadline,
    intervalMs: TASK_POLL_INTERVAL_MS,
    firstBackoffMs: 2 * TASK_POLL_INTERVAL_MS,
    maxBackoffMs: MAX_BACKOFF_MS,
    step,
  });
  if (polled.done) return finish(polled.value);
  const last = statuses.at(-1)?.status ?? 'not yet visible';
  return result({
    outcome: 'timed-out',
    task,
    reason: `Timed out after ${formatDuration(options.timeoutMs)} waiting for task ${id} to stop; it was ${last}. It keeps running: stop it with \`aws ecs stop-task --cluster ${cluster} --task ${id}\` if it should not.`,
  });

  /** The result so far: what was seen, with no evidence or logs yet. */
  function result(
    verdict: Pick<FollowTaskResult, 'outcome' | 'task' | 'exitCode' | 'reason'>,
  ): FollowTaskResult {
    return { ...verdict, statuses, failedTasks: [], logs: {}, readCalls, startedAt, endedAt: clock.now() };
  }

  async function finish(stopped: Task): Promise<FollowTaskResult> {
    const verdict = judgeStoppedTask(stopped, options.definition);
    const judged = result({
      outcome: verdict.outcome,
      task: stopped,
      exitCode: verdict.exitCode,
      reason: verdict.reason,
    });
    if (verdict.outcome === 'failed') {
      try {
        judged.failedTasks = await gatherFailedTasks({
          ecs,
          logs: options.logs,
          logger,
          cluster,
          tasks: [stopped],
          logLines: options.logLines,
        });
      } catch (error) {
        logger.warning(`Could not collect the evidence of the failed task: ${errorMessage(error)}`);
      }
      judged.likelyCause = likelyCause(judged.failedTasks, []);
    } else if (options.logs) {
      const essential = essentialMap(options.definition);
      for (const container of options.definition?.containerDefinitions ?? []) {
        if (!container.name || essential.get(container.name) === false) continue;
        const lines = await readContainerLogs(options.logs, container, id, options.logLines ?? 50);
        if (lines) judged.logs[container.name] = lines;
      }
    }
    judged.endedAt = clock.now();
    return judged;
  }
}
