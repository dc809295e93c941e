import type { ContainerDefinition, TaskDefinition } from '@aws-sdk/client-ecs';
import type { Logger } from '../logger.js';
import {
  addFullReferences,
  addVerdict,
  escapeHtml,
  htmlText,
  type SummaryWriter,
  shortImage,
} from '../summary.js';
import { inert } from '../untrusted.js';
import { shortName } from './arn.js';
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
 * The failure's one line: what happened, ECS's reason, and the likely cause.
 * It is the step's one error annotation (run() fails the step with it); the
 * log report prints everything else as plain lines, so a failed deployment
 * raises one annotation, not one per fact.
 */
export function failureLine(
  what: string,
  reason: string | undefined,
  likelyCause: string | undefined,
): string {
  const said = reason ? `: ${reason.trim()}` : '';
  const cause = likelyCause ? `${/[.!?]$/.test(said || what) ? '' : '.'} Likely cause: ${likelyCause}` : '';
  return `${what}${said}${cause}`;
}

/** The log groups of the failed tasks' last log lines, each distinct excerpt once. */
function printLogExcerpts(failedTasks: FollowResult['failedTasks'], logger: Logger): void {
  for (const excerpt of groupLogExcerpts(failedTasks)) {
    logger.startGroup(
      `Last ${excerpt.lines.length} log lines of ${shown(excerpt.container)} in ${shown(tasksLabel(excerpt.taskIds))}${excerpt.taskIds.length > 1 ? ` (${shown(excerpt.taskIds.join(', '))})` : ''}`,
    );
    for (const line of excerpt.lines) logger.info(logLine(line));
    logger.endGroup();
  }
}

/**
 * Prints the explanation of a failed deployment: the verdict and the likely
 * cause as plain lines (the step's one annotation is the error it throws), then
 * one log group per kind of evidence: the failed tasks, their last log lines
 * (identical excerpts once), the last events, and what was attempted versus
 * what runs now.
 */
export function printFailureReport(
  result: FollowResult,
  attempted: { taskDefinitionArn: string; images: ImageMap },
  running: { taskDefinitionArn?: string; images: ImageMap } | undefined,
  logger: Logger,
): void {
  logger.info(`${headline(result)}${result.reason ? `: ${inert(result.reason)}` : ''}`);
  if (result.likelyCause) logger.info(`Likely cause: ${inert(result.likelyCause)}`);

  if (result.failedTasks.length > 0) {
    logger.startGroup(`Failed tasks (${result.failedTasks.length})`);
    for (const task of result.failedTasks) for (const line of describeFailedTask(task)) logger.info(line);
    logger.endGroup();
    printLogExcerpts(result.failedTasks, logger);
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

type Cell = string | { data: string; header?: boolean };

/** How a record's status reads after "Deployment of web …". */
export function statusPhrase(status: DeploymentRecord['status']): string {
  switch (status) {
    case 'succeeded':
      return 'succeeded';
    case 'rolled-back':
      return 'failed and ECS rolled it back';
    case 'timed-out':
      return 'timed out';
    case 'started':
      return 'started (not followed to its end: wait is false)';
    case 'dry-run':
      return 'dry run: nothing was changed';
    case 'nothing-to-do':
      return 'had nothing to do';
    default:
      return 'failed';
  }
}

/** Identical log excerpts of failed tasks, once each with the tasks that wrote them. */
export interface LogExcerpt {
  container: string;
  lines: string[];
  taskIds: string[];
}

/**
 * The failed tasks' last log lines, grouped: ten tasks that crash the same
 * way wrote the same lines, and the reader needs them once.
 */
export function groupLogExcerpts(failedTasks: FollowResult['failedTasks']): LogExcerpt[] {
  const groups = new Map<string, LogExcerpt>();
  for (const task of failedTasks) {
    for (const [container, lines] of Object.entries(task.logs)) {
      if (lines.length === 0) continue;
      const key = JSON.stringify([container, lines]);
      const group = groups.get(key);
      if (group) group.taskIds.push(task.taskId);
      else groups.set(key, { container, lines, taskIds: [task.taskId] });
    }
  }
  return [...groups.values()];
}

/** Where an excerpt came from: `task t1`, or `3 tasks` (their ids are listed with the excerpt). */
function tasksLabel(taskIds: string[]): string {
  return taskIds.length === 1 ? `task ${taskIds[0]}` : `${taskIds.length} tasks`;
}

/** `run 12345678901 (attempt 2)` for a run URL (runContext's form), the URL itself otherwise. */
export function runLinkText(runUrl: string): string {
  const match = /\/runs\/(\d+)(?:\/attempts\/(\d+))?/.exec(runUrl);
  if (!match) return runUrl;
  return `run ${match[1]}${match[2] && match[2] !== '1' ? ` (attempt ${match[2]})` : ''}`;
}

/**
 * The one log line that shows the failure: the last line of the excerpt most
 * tasks share (the crash the reader came for), with where it came from.
 */
export function failingLogLine(
  failedTasks: FollowResult['failedTasks'],
): { from: string; line: string } | undefined {
  const byLastLine = new Map<string, { container: string; taskIds: Set<string> }>();
  for (const excerpt of groupLogExcerpts(failedTasks)) {
    const line = excerpt.lines.at(-1) ?? '';
    if (line.trim() === '') continue;
    const key = JSON.stringify([excerpt.container, line]);
    const entry = byLastLine.get(key) ?? { container: excerpt.container, taskIds: new Set<string>() };
    for (const id of excerpt.taskIds) entry.taskIds.add(id);
    byLastLine.set(key, entry);
  }
  let best: { from: string; line: string; count: number } | undefined;
  for (const [key, { container, taskIds }] of byLastLine) {
    if (best && best.count >= taskIds.size) continue;
    const line = (JSON.parse(key) as [string, string])[1];
    best = { from: `${container}, ${tasksLabel([...taskIds])}`, line: logLine(line), count: taskIds.size };
  }
  return best && { from: best.from, line: best.line };
}

const revisionText = (arn: string | undefined) => (arn ? shortName(arn) : '—');
const imageCell = (image: string | undefined) =>
  image ? `<code>${escapeHtml(shortImage(image))}</code>` : '—';

/**
 * The at-a-glance summary of a deployment record, shared by deploy-ecs and
 * rollback so both read the same way: the verdict and its cause first, then
 * short tables, then the evidence and full references folded away.
 */
export function addRecordToSummary(
  summary: SummaryWriter,
  record: DeploymentRecord,
  headline: string,
  failedTasks: FollowResult['failedTasks'] = [],
): void {
  addVerdict(summary, {
    headline,
    facts: [
      ['Outcome', record.reason],
      ['Likely cause', record.likelyCause],
    ],
    failingLine: failingLogLine(failedTasks),
  });
  const rows: Cell[][] = [
    [
      { data: 'Field', header: true },
      { data: 'Value', header: true },
    ],
    ['Service', escapeHtml(`${record.cluster} / ${record.service ?? '(one-off task)'}`)],
    ['Status', `<b>${escapeHtml(record.status)}</b>`],
    [
      'Task definition',
      escapeHtml(
        `${revisionText(record.from?.taskDefinitionArn)} → ${revisionText(record.to.taskDefinitionArn)}`,
      ),
    ],
  ];
  if (record.strategy) rows.push(['Strategy', htmlText(record.strategy)]);
  if (record.deploymentId) rows.push(['Deployment', escapeHtml(record.deploymentId)]);
  if (record.task) {
    rows.push([
      'Task',
      escapeHtml(
        `${taskId(record.task.taskArn)}${record.task.exitCode !== undefined ? ` (exit code ${record.task.exitCode})` : ''}`,
      ),
    ]);
  }
  if (record.requestedReason) rows.push(['Reason given', escapeHtml(record.requestedReason)]);
  rows.push(['Started → ended', `${escapeHtml(record.startedAt)} → ${escapeHtml(record.endedAt)}`]);
  if (record.run.runUrl) {
    rows.push([
      'Run',
      `<a href="${escapeHtml(record.run.runUrl)}">${escapeHtml(runLinkText(record.run.runUrl))}</a> by ${escapeHtml(record.run.actor ?? 'unknown')}`,
    ]);
  }
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
        imageCell(record.from?.images[name]),
        imageCell(record.to.images[name]),
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
  for (const excerpt of groupLogExcerpts(failedTasks)) {
    const several = excerpt.taskIds.length > 1;
    summary.addDetails(
      escapeHtml(
        `Last ${excerpt.lines.length} log lines of ${excerpt.container} (${several ? 'the same in ' : ''}${tasksLabel(excerpt.taskIds)})`,
      ),
      `${several ? `<p>Tasks ${escapeHtml(excerpt.taskIds.join(', '))}</p>` : ''}<pre>${escapeHtml(excerpt.lines.map(logLine).join('\n'))}</pre>`,
    );
  }
  if (record.events.length > 0) {
    // A list, not a <pre>: ECS's event lines run past the page's width, and a list item wraps.
    const events = record.events
      .slice(-LAST_EVENTS)
      .map(
        (e) =>
          `<li>${e.at ? `<code>${escapeHtml(e.at.slice(11, 19))}</code> ` : ''}${escapeHtml(e.message)}</li>`,
      );
    summary.addDetails(`Last ${events.length} service events`, `<ul>${events.join('')}</ul>`);
  }
}

/**
 * What was attempted versus what runs now, after a failure: short names in
 * the table, the full references in the block after it.
 */
export function addAttemptedVersusRunning(
  summary: SummaryWriter,
  attempted: { taskDefinitionArn: string; images: ImageMap },
  running: { taskDefinitionArn?: string; images: ImageMap },
): void {
  const names = [...new Set([...Object.keys(attempted.images), ...Object.keys(running.images)])];
  summary.addTable([
    [
      { data: '', header: true },
      { data: 'Attempted', header: true },
      { data: 'Running now', header: true },
    ],
    [
      'Task definition',
      `<code>${escapeHtml(revisionText(attempted.taskDefinitionArn))}</code>`,
      `<code>${escapeHtml(running.taskDefinitionArn ? shortName(running.taskDefinitionArn) : 'unknown')}</code>`,
    ],
    ...names.map((name) => [
      escapeHtml(name),
      imageCell(attempted.images[name]),
      imageCell(running.images[name]),
    ]),
  ]);
}

/** Every reference the tables shortened, in full. */
function fullReferences(
  record: DeploymentRecord,
  running: { taskDefinitionArn?: string; images: ImageMap } | undefined,
): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  const add = (label: string, revision: { taskDefinitionArn?: string; images: ImageMap } | undefined) => {
    if (!revision) return;
    if (revision.taskDefinitionArn) entries.push([`${label} task definition`, revision.taskDefinitionArn]);
    for (const [name, image] of Object.entries(revision.images)) entries.push([`${label} ${name}`, image]);
  };
  add('before', record.from);
  add('after', record.to);
  if (running && running.taskDefinitionArn !== record.from?.taskDefinitionArn) add('running now', running);
  if (record.task) entries.push(['task', record.task.taskArn]);
  if (record.serviceDeploymentArn) entries.push(['service deployment', record.serviceDeploymentArn]);
  return entries;
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
  // Plain lines: the step's one annotation is the error deploy-ecs throws (failureLine).
  logger.info(
    `${result.outcome === 'timed-out' ? 'Task timed out' : 'Task failed'}${result.reason ? `: ${inert(result.reason)}` : ''}`,
  );
  if (result.likelyCause) logger.info(`Likely cause: ${inert(result.likelyCause)}`);
  logger.startGroup(`Failed tasks (${result.failedTasks.length})`);
  for (const task of result.failedTasks) for (const line of describeFailedTask(task)) logger.info(line);
  logger.endGroup();
  printLogExcerpts(result.failedTasks, logger);
}

/**
 * The summary of a deploy or rollback record: the verdict and its cause, the
 * at-a-glance tables, then, when it failed, what was attempted versus what
 * runs now; the full references last.
 */
export function addDeploymentSummary(
  summary: SummaryWriter,
  record: DeploymentRecord,
  headline: string,
  failure?: {
    failedTasks: FollowResult['failedTasks'];
    running?: { taskDefinitionArn?: string; images: ImageMap };
  },
): void {
  addRecordToSummary(summary, record, headline, failure?.failedTasks);
  if (failure?.running) addAttemptedVersusRunning(summary, record.to, failure.running);
  addFullReferences(summary, fullReferences(record, failure?.running), 'Full references');
}
