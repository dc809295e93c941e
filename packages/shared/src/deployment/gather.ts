import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  type ContainerDefinition,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type ECSClient,
  ListTasksCommand,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { awsErrorName, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { awslogsStream, type FailedTask, toFailedTask } from './diagnose.js';

export interface StoppedTaskQuery {
  ecs: ECSClient;
  cluster: string;
  service?: string;
  /** Keep only tasks started by this deployment (`ecs-svc/…`) … */
  startedBy?: string;
  /** … or, without a deployment id, running this task definition. */
  taskDefinitionArn?: string;
  limit?: number;
}

/** Stopped tasks of one deployment, newest first (two read calls). */
export async function findStoppedTasks(query: StoppedTaskQuery): Promise<Task[]> {
  const listed = await query.ecs.send(
    new ListTasksCommand({
      cluster: query.cluster,
      serviceName: query.service,
      desiredStatus: 'STOPPED',
      maxResults: 100,
    }),
  );
  const arns = listed.taskArns ?? [];
  if (arns.length === 0) return [];
  const described = await query.ecs.send(
    new DescribeTasksCommand({ cluster: query.cluster, tasks: arns.slice(0, 100) }),
  );
  return (described.tasks ?? [])
    .filter((task) =>
      query.startedBy
        ? task.startedBy === query.startedBy
        : !query.taskDefinitionArn || task.taskDefinitionArn === query.taskDefinitionArn,
    )
    .filter((task) => !stoppedByScaling(task))
    .sort((a, b) => stoppedMs(b) - stoppedMs(a))
    .slice(0, query.limit ?? 10);
}

/**
 * Tasks the scheduler stopped to make room or to roll back ("Scaling activity
 * initiated by (deployment …)") did not fail: a failed deployment's tasks that
 * were still starting when the breaker tripped are stopped this way.
 */
function stoppedByScaling(task: Task): boolean {
  return (
    task.stopCode === 'ServiceSchedulerInitiated' &&
    /^Scaling activity initiated by/.test(task.stoppedReason ?? '')
  );
}

function stoppedMs(task: Task): number {
  const at = task.stoppedAt ?? task.stoppingAt ?? task.createdAt;
  return at ? new Date(at).getTime() : 0;
}

/** Where the described failed tasks stand: what each said, and the log reads that would explain them. */
export interface DescribedFailures {
  failed: FailedTask[];
  /** One entry per distinct failure of an essential container that ran and logs to CloudWatch Logs (at most 3). */
  logsToRead: Array<{ task: FailedTask; container: ContainerDefinition }>;
}

interface FailureQuery {
  ecs: ECSClient;
  logger: Logger;
  cluster: string;
  service?: string;
  startedBy?: string;
  taskDefinitionArn?: string;
  tasks?: Task[];
  maxTasks?: number;
  /** Called for each read call made, so the caller can count them against its budget. */
  onRead?: () => void;
  /** Task definitions the caller already holds (the one it registered): not read again. */
  knownDefinitions?: TaskDefinition[];
}

/**
 * The failed tasks with their containers' exit codes and reasons — all a
 * likely cause is drawn from — and which log reads would add the containers'
 * last words: ListTasks and DescribeTasks (unless `tasks` are given), plus any
 * task definition the caller does not hold.
 */
export async function describeFailedTasks(options: FailureQuery): Promise<DescribedFailures> {
  const counted = options.onRead ?? (() => {});
  if (!options.tasks) {
    // ListTasks and DescribeTasks.
    counted();
    counted();
  }
  const tasks =
    options.tasks ??
    (await findStoppedTasks({
      ecs: options.ecs,
      cluster: options.cluster,
      service: options.service,
      startedBy: options.startedBy,
      taskDefinitionArn: options.taskDefinitionArn,
      limit: options.maxTasks ?? 5,
    }));
  const definitions = new Map<string, TaskDefinition | undefined>();
  for (const known of options.knownDefinitions ?? []) {
    if (known.taskDefinitionArn) definitions.set(known.taskDefinitionArn, known);
  }
  for (const arn of new Set(tasks.map((t) => t.taskDefinitionArn).filter((a): a is string => !!a))) {
    if (definitions.has(arn)) continue;
    try {
      counted();
      const out = await options.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
      definitions.set(arn, out.taskDefinition);
    } catch (error) {
      options.logger.debug(`Could not describe ${arn}: ${errorMessage(error)}`);
    }
  }
  const failed: FailedTask[] = [];
  const logsToRead: DescribedFailures['logsToRead'] = [];
  // One log read per distinct failure: tasks that failed the same way tell the same story,
  // and each read counts against the wait's read budget.
  const explained = new Set<string>();
  for (const task of tasks) {
    const definition = definitions.get(task.taskDefinitionArn ?? '');
    const report = toFailedTask(task, definition);
    for (const container of report.containers) {
      const spec = definition?.containerDefinitions?.find((c) => c.name === container.name);
      const signature = failureSignature(report, container);
      if (!spec || !ranAndFailed(container) || explained.has(signature) || explained.size >= 3) continue;
      // Not an awslogs container with a stream prefix: there is no stream to read, and no read to count.
      if (!awslogsStream(spec, report.taskId)) continue;
      explained.add(signature);
      logsToRead.push({ task: report, container: spec });
    }
    failed.push(report);
  }
  return { failed, logsToRead };
}

/**
 * An essential container that ran and then failed: it exited with a code other
 * than 0, or its health check failed. A container with no exit code never ran
 * (the image could not be pulled, a secret could not be read: the corpus's
 * CannotPullContainerError task has none) and wrote no log to read.
 */
function ranAndFailed(container: FailedTask['containers'][number]): boolean {
  if (!container.essential) return false;
  return (
    (container.exitCode !== undefined && container.exitCode !== 0) || container.healthStatus === 'UNHEALTHY'
  );
}

/** Reads the last `logLines` lines of each failure `describeFailedTasks` picked into its task's report. */
export async function readFailureLogs(
  described: DescribedFailures,
  logs: CloudWatchLogsClient,
  options: { logLines?: number; onRead?: () => void } = {},
): Promise<void> {
  for (const { task, container } of described.logsToRead) {
    options.onRead?.();
    const lines = await readContainerLogs(logs, container, task.taskId, options.logLines ?? 50);
    if (lines) task.logs[container.name ?? '?'] = lines;
  }
}

/**
 * The evidence for a failure report: failed tasks with their containers' exit
 * codes and reasons, plus the last log lines of each failed essential
 * container that logs to CloudWatch Logs. Best effort: a missing permission
 * for logs is reported in the log, never hides the failure itself.
 */
export async function gatherFailedTasks(
  options: FailureQuery & { logs?: CloudWatchLogsClient; logLines?: number },
): Promise<FailedTask[]> {
  const described = await describeFailedTasks(options);
  if (options.logs) await readFailureLogs(described, options.logs, options);
  return described.failed;
}

/** Tasks whose container failed with the same code and reason, for the same task-level reason, are one failure. */
function failureSignature(task: FailedTask, container: FailedTask['containers'][number]): string {
  return [
    task.stopCode,
    task.stoppedReason,
    container.name,
    container.exitCode,
    container.reason,
    container.healthStatus,
  ].join('|');
}

/**
 * The last `limit` lines one container of one task wrote to CloudWatch Logs
 * (awslogs driver with a stream prefix); undefined when it does not log
 * there. A failed read becomes one explanatory line, never an error: logs
 * support an explanation, they must not replace it.
 */
export async function readContainerLogs(
  logs: CloudWatchLogsClient,
  container: ContainerDefinition,
  taskId: string,
  limit = 50,
): Promise<string[] | undefined> {
  const where = awslogsStream(container, taskId);
  if (!where) return undefined;
  try {
    // Loaded here, with the client (aws-clients/logs.ts), only when a failure needs its logs.
    const { GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
    const out = await logs.send(
      new GetLogEventsCommand({
        logGroupName: where.group,
        logStreamName: where.stream,
        limit,
        startFromHead: false,
      }),
    );
    return (out.events ?? []).map((e) => (e.message ?? '').replace(/\n$/, ''));
  } catch (error) {
    // No group or stream: the container never got to write (a pull failure, a task that never started).
    if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
    return [`(could not read ${where.group}/${where.stream}: ${errorMessage(error)})`];
  }
}
