import type { ContainerDefinition, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Logger } from '../logger.js';
import { escapeHtml } from '../summary.js';
import { inert } from '../untrusted.js';
import { describeFailedTask, taskId } from './diagnose.js';
import { formatEvent } from './events.js';
import type { FollowResult } from './follow.js';
import type { FollowTaskResult } from './follow-task.js';
import type { DeploymentRecord, ImageMap } from './record.js';

/** Container name → image of a task definition (or of a rendered file's containerDefinitions). */
export function imagesOf(definition: Pick<TaskDefinition, 'containerDefinitions'> | undefined): ImageMap {
  const images: ImageMap = {};
  for (const container of (definition?.containerDefinitions ?? []) as ContainerDefinition[]) {
    if (container.name && container.image) images[container.name] = container.image;
  }
  return images;
}

const LAST_EVENTS = 10;

/** A name or value from the task definition or ECS, on one line and inert. */
const shown = (text: string) => inert(text, { oneLine: true });

/**
 * One container log line as printed: on one line (a CR or LF in
 * the message is shown, not obeyed) and inert — application logs carry
 * attacker-chosen text such as a requested path.
 */
const logLine = (line: string) => inert(line, { oneLine: true });

/**
 * Prints the explanation of a failed deployment, one log group per kind of
 * evidence: the likely cause, the failed tasks, their last log lines, the last
 * events, and what was attempted versus what runs now.
 */
export function printFailureReport(
  result: FollowResult,
  attempted: { taskDefinitionArn: string; images: ImageMap },
  running: { taskDefinitionArn?: string; images: ImageMap } | undefined,
  logger: Logger,
): void {
  logger.error(`${headline(result)}${result.reason ? `: ${inert(result.reason)}` : ''}`, {
    title: 'Deployment failed',
  });
  if (result.likelyCause)
    logger.error(`Likely cause: ${inert(result.likelyCause)}`, { title: 'Likely cause' });

  if (result.failedTasks.length > 0) {
    logger.startGroup(`Failed tasks (${result.failedTasks.length})`);
    for (const task of result.failedTasks) for (const line of describeFailedTask(task)) logger.info(line);
    logger.endGroup();
    for (const task of result.failedTasks) {
      for (const [container, lines] of Object.entries(task.logs)) {
        logger.startGroup(
          `Last ${lines.length} log lines of ${shown(container)} in task ${shown(task.taskId)}`,
        );
        for (const line of lines) logger.info(logLine(line));
        logger.endGroup();
      }
    }
  }

  const events = result.events.slice(-LAST_EVENTS);
  if (events.length > 0) {
    logger.startGroup(`Last ${events.length} service events`);
    for (const event of events) logger.info(formatEvent(event));
    logger.endGroup();
  }

  logger.startGroup('Attempted versus running now');
  logger.info(`attempted: ${attempted.taskDefinitionArn}`);
  for (const [name, image] of Object.entries(attempted.images))
    logger.info(`  ${shown(name)}: ${shown(image)}`);
  logger.info(`running:   ${running?.taskDefinitionArn ?? 'unknown'}`);
  for (const [name, image] of Object.entries(running?.images ?? {}))
    logger.info(`  ${shown(name)}: ${shown(image)}`);
  logger.endGroup();
}

export function headline(result: Pick<FollowResult, 'outcome' | 'phase'>): string {
  switch (result.outcome) {
    case 'succeeded':
      return 'Deployment succeeded';
    case 'rolled-back':
      return 'Deployment failed and ECS rolled it back';
    case 'timed-out':
      return 'Deployment timed out';
    default:
      switch (result.phase) {
        case 'replaced':
          return 'Deployment was replaced by another deployment';
        case 'stopped':
          return 'Deployment was stopped';
        case 'rollback-failed':
          return 'Deployment failed and the rollback failed too';
        case 'rolling-back':
          return 'Deployment failed; ECS is rolling it back';
        default:
          return 'Deployment failed';
      }
  }
}

export type SummaryBuilder = {
  addHeading(text: string, level?: number | string): SummaryBuilder;
  addRaw(text: string, addEOL?: boolean): SummaryBuilder;
  addTable(rows: Array<Array<string | { data: string; header?: boolean }>>): SummaryBuilder;
  addList(items: string[], ordered?: boolean): SummaryBuilder;
  addDetails(label: string, content: string): SummaryBuilder;
  addCodeBlock(code: string, lang?: string): SummaryBuilder;
};

/**
 * The at-a-glance summary of a deployment record, shared by deploy-ecs and
 * rollback so both read the same way.
 */
export function addRecordToSummary(summary: SummaryBuilder, record: DeploymentRecord, title: string): void {
  const icon =
    record.status === 'succeeded' || record.status === 'nothing-to-do' || record.status === 'dry-run'
      ? '✅'
      : record.status === 'started'
        ? '⏳'
        : '❌';
  summary.addHeading(`${icon} ${escapeHtml(title)}`, 2);
  const rows: Array<Array<string | { data: string; header?: boolean }>> = [
    [
      { data: 'Field', header: true },
      { data: 'Value', header: true },
    ],
    ['Service', escapeHtml(`${record.cluster} / ${record.service ?? '(one-off task)'}`)],
    ['Status', `<b>${record.status}</b>`],
    [
      'Task definition',
      escapeHtml(`${record.from?.taskDefinitionArn ?? '—'} → ${record.to.taskDefinitionArn}`),
    ],
  ];
  if (record.strategy) rows.push(['Strategy', escapeHtml(record.strategy)]);
  if (record.deploymentId) rows.push(['Deployment', escapeHtml(record.deploymentId)]);
  if (record.task) {
    rows.push([
      'Task',
      escapeHtml(
        `${record.task.taskArn}${record.task.exitCode !== undefined ? ` (exit code ${record.task.exitCode})` : ''}`,
      ),
    ]);
  }
  if (record.requestedReason) rows.push(['Reason given', escapeHtml(record.requestedReason)]);
  if (record.reason) rows.push(['Outcome', escapeHtml(record.reason)]);
  if (record.likelyCause) rows.push(['Likely cause', escapeHtml(record.likelyCause)]);
  rows.push(['Started → ended', `${record.startedAt} → ${record.endedAt}`]);
  if (record.run.runUrl)
    rows.push([
      'Run',
      `<a href="${escapeHtml(record.run.runUrl)}">${escapeHtml(record.run.runUrl)}</a> by ${escapeHtml(record.run.actor ?? 'unknown')}`,
    ]);
  summary.addTable(rows);

  const containers = [
    ...new Set([...Object.keys(record.from?.images ?? {}), ...Object.keys(record.to.images)]),
  ];
  if (containers.length > 0) {
    summary.addTable([
      [
        { data: 'Container', header: true },
        { data: 'Before', header: true },
        { data: 'After', header: true },
      ],
      ...containers.map((name) => [
        escapeHtml(name),
        `<code>${escapeHtml(record.from?.images[name] ?? '—')}</code>`,
        `<code>${escapeHtml(record.to.images[name] ?? '—')}</code>`,
      ]),
    ]);
  }
  if (record.failedTasks && record.failedTasks.length > 0) {
    const lines = record.failedTasks.flatMap((task) =>
      describeFailedTask({ ...task, taskArn: '', logs: {} }),
    );
    summary.addDetails(
      `Failed tasks (${record.failedTasks.length})`,
      `<pre>${escapeHtml(lines.join('\n'))}</pre>`,
    );
  }
  if (record.events.length > 0) {
    const events = record.events.slice(-LAST_EVENTS).map((e) => `${e.at?.slice(11, 19) ?? ''}  ${e.message}`);
    summary.addDetails(`Last ${events.length} service events`, `<pre>${escapeHtml(events.join('\n'))}</pre>`);
  }
}

/**
 * The evidence of a failure for the job summary, after addRecordToSummary:
 * the last log lines of each failed container and what was attempted versus
 * what runs now — the same as printFailureReport puts in the log.
 */
export function addFailureDetailsToSummary(
  summary: SummaryBuilder,
  failedTasks: FollowResult['failedTasks'],
  attempted: { taskDefinitionArn: string; images: ImageMap },
  running: { taskDefinitionArn?: string; images: ImageMap } | undefined,
): void {
  for (const task of failedTasks) {
    for (const [container, lines] of Object.entries(task.logs)) {
      if (lines.length === 0) continue;
      summary.addDetails(
        `Last ${lines.length} log lines of ${escapeHtml(container)} in task ${escapeHtml(task.taskId)}`,
        `<pre>${escapeHtml(lines.join('\n'))}</pre>`,
      );
    }
  }
  if (running) {
    const names = [...new Set([...Object.keys(attempted.images), ...Object.keys(running.images)])];
    summary.addTable([
      [
        { data: '', header: true },
        { data: 'Attempted', header: true },
        { data: 'Running now', header: true },
      ],
      [
        'Task definition',
        `<code>${escapeHtml(attempted.taskDefinitionArn)}</code>`,
        `<code>${escapeHtml(running.taskDefinitionArn ?? 'unknown')}</code>`,
      ],
      ...names.map((name) => [
        escapeHtml(name),
        `<code>${escapeHtml(attempted.images[name] ?? '—')}</code>`,
        `<code>${escapeHtml(running.images[name] ?? '—')}</code>`,
      ]),
    ]);
  }
}

/**
 * Prints how a one-off task ended: on failure the likely cause, the task's
 * containers with exit codes and reasons, and the last log lines of the
 * failed containers; on success the last log lines of its containers.
 */
export function printTaskReport(
  result: Pick<FollowTaskResult, 'outcome' | 'reason' | 'likelyCause' | 'failedTasks' | 'logs' | 'task'>,
  logger: Logger,
): void {
  const id = result.task?.taskArn ? taskId(result.task.taskArn) : 'task';
  if (result.outcome === 'succeeded') {
    logger.info(`Task ${shown(id)} succeeded: ${inert(result.reason ?? '')}`.trim());
    for (const [container, lines] of Object.entries(result.logs)) {
      logger.startGroup(`Last ${lines.length} log lines of ${shown(container)} in task ${shown(id)}`);
      for (const line of lines) logger.info(logLine(line));
      logger.endGroup();
    }
    return;
  }
  logger.error(
    `${result.outcome === 'timed-out' ? 'Task timed out' : 'Task failed'}${result.reason ? `: ${inert(result.reason)}` : ''}`,
    { title: result.outcome === 'timed-out' ? 'Task timed out' : 'Task failed' },
  );
  if (result.likelyCause)
    logger.error(`Likely cause: ${inert(result.likelyCause)}`, { title: 'Likely cause' });
  for (const task of result.failedTasks) {
    logger.startGroup(`Task ${task.taskId}`);
    for (const line of describeFailedTask(task)) logger.info(line);
    logger.endGroup();
    for (const [container, lines] of Object.entries(task.logs)) {
      logger.startGroup(
        `Last ${lines.length} log lines of ${shown(container)} in task ${shown(task.taskId)}`,
      );
      for (const line of lines) logger.info(logLine(line));
      logger.endGroup();
    }
  }
}

/**
 * The summary of a deploy or rollback record: the at-a-glance table, then,
 * when it failed, the evidence and what was attempted versus what runs now.
 */
export function addDeploymentSummary(
  summary: SummaryBuilder,
  record: DeploymentRecord,
  title: string,
  failure?: {
    failedTasks: FollowResult['failedTasks'];
    running?: { taskDefinitionArn?: string; images: ImageMap };
  },
): void {
  addRecordToSummary(summary, record, title);
  if (failure) addFailureDetailsToSummary(summary, failure.failedTasks, record.to, failure.running);
}
