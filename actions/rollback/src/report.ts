import { shortName } from '@berth/shared/deployment/arn';
import { buildDeploymentRecord } from '@berth/shared/deployment/build-record';
import type { FollowResult } from '@berth/shared/deployment/follow';
import {
  type DeploymentRecord,
  type ImageMap,
  type RollbackRecordDetails,
  type RunContext,
  recordEvents,
} from '@berth/shared/deployment/record';
import { addDeploymentSummary, statusPhrase } from '@berth/shared/deployment/report';
import { type Conclusion, publishRecord } from '@berth/shared/deployment/transaction';
import type { ActionEffects } from '@berth/shared/effects';
import type { SummaryWriter } from '@berth/shared/summary';
import { addVerdict, escapeHtml, htmlText, SECTION_HEADING_LEVEL } from '@berth/shared/summary';
import type { RollbackStatus } from './execute.js';
import type { RollbackPath, RollbackPlan } from './plan.js';

const PATH_NAMES: Record<RollbackPath['kind'], string> = {
  'stop-deployment': 'StopServiceDeployment (ROLLBACK) of the deployment in progress',
  'update-service': 'UpdateService to the target',
};

export function pathName(path: RollbackPath): string {
  return PATH_NAMES[path.kind];
}

/** The plan as the log prints it, one line each. */
export function planLines(plan: RollbackPlan, requested: string, reason: string): string[] {
  const lines = [`from: ${plan.from.taskDefinitionArn}`];
  for (const [name, image] of Object.entries(plan.from.images)) lines.push(`        ${name}: ${image}`);
  lines.push(`to:   ${plan.to.taskDefinition}`);
  for (const [name, digest] of Object.entries(plan.to.digests ?? {})) {
    lines.push(`        ${name}: ran ${digest}`);
  }
  lines.push(`requested: to: ${requested}`);
  lines.push(`why this target: ${plan.why}`);
  lines.push(`how it was found: ${plan.foundBy}`);
  for (const skipped of plan.skipped) lines.push(`passed over: ${skipped}`);
  if (plan.path) lines.push(`path: ${pathName(plan.path)}. ${plan.path.reason}`);
  lines.push(`reason given: ${reason}`);
  return lines;
}

export interface RecordParts {
  cluster: string;
  service: string;
  region?: string;
  plan: RollbackPlan;
  requested: string;
  reason: string;
  to: { taskDefinitionArn: string; images: ImageMap };
  status: RollbackStatus;
  /** Why it ended as it did. */
  outcomeReason?: string;
  path?: RollbackPath;
  deploymentId?: string;
  serviceDeploymentArn?: string;
  strategy?: string;
  follow?: FollowResult;
  startedAt: number;
  endedAt: number;
  run: RunContext;
}

/** Why this target, how it was found, and how it was carried out: the record's `rollback` section. */
export function rollbackDetails(
  plan: RollbackPlan,
  requested: string,
  path: RollbackPath | undefined = plan.path,
): RollbackRecordDetails {
  return {
    requested,
    why: plan.why,
    foundBy: plan.foundBy,
    path: path?.kind,
    pathReason: path?.reason,
    skipped: plan.skipped,
    notices: plan.notices,
  };
}

/** The rollback's record: the shared format, from the plan's `from`, plus the `rollback` section. */
export function buildRecord(parts: RecordParts): DeploymentRecord {
  const { plan, follow } = parts;
  return buildDeploymentRecord('rollback', {
    ...parts,
    from: { taskDefinitionArn: plan.from.taskDefinitionArn, images: plan.from.images },
    reason: parts.outcomeReason,
    requestedReason: parts.reason,
    ending: follow && {
      events: recordEvents(follow.events),
      failedTasks: follow.failedTasks,
      likelyCause: follow.likelyCause,
    },
    rollback: rollbackDetails(plan, parts.requested, parts.path),
  });
}

type Cell = string | { data: string; header?: boolean };

/**
 * The job summary: the shared at-a-glance record (as deploy-ecs writes it),
 * the failure evidence when it failed, then why this target and how it was found.
 */
export function addRollbackSummary(
  summary: SummaryWriter,
  record: DeploymentRecord,
  failure?: Conclusion['failure'],
): void {
  addDeploymentSummary(
    summary,
    record,
    `Rollback of ${record.service}${record.to.taskDefinitionArn ? ` to ${shortName(record.to.taskDefinitionArn)}` : ''} ${statusPhrase(record.status)}`,
    failure,
  );
  // The shared table already shows the reason given.
  if (record.rollback) addWhySection(summary, record.rollback);
}

export function addWhySection(summary: SummaryWriter, details: RollbackRecordDetails, reason?: string): void {
  summary.addHeading('Why this target', SECTION_HEADING_LEVEL);
  const rows: Cell[][] = [
    [
      { data: 'Question', header: true },
      { data: 'Answer', header: true },
    ],
    ['Requested', `<code>to: ${escapeHtml(details.requested)}</code>`],
    ['Why this target', htmlText(details.why)],
    ['How it was found', htmlText(details.foundBy)],
  ];
  if (details.path) {
    rows.push([
      'How it was rolled back',
      htmlText(`${PATH_NAMES[details.path]}. ${details.pathReason ?? ''}`.trim()),
    ]);
  }
  if (reason) rows.push(['Reason given', escapeHtml(reason)]);
  summary.addTable(rows);
  if (details.notices.length > 0) summary.addList(details.notices.map(htmlText));
  if (details.skipped.length > 0) {
    summary.addDetails(
      `Passed over (${details.skipped.length})`,
      `<ul>${details.skipped.map((line) => `<li>${htmlText(line)}</li>`).join('')}</ul>`,
    );
  }
}

/** The summary of a rollback refused before anything changed. */
export function addRefusalSummary(
  summary: SummaryWriter,
  service: string,
  message: string,
  details?: RollbackRecordDetails,
  reason?: string,
): void {
  // The reason as a paragraph, not a code block: a long message wraps instead of scrolling sideways.
  addVerdict(summary, {
    headline: `Rollback of ${service} refused: nothing was changed`,
    facts: [['Why', message]],
  });
  if (details) addWhySection(summary, details, reason);
}

/** The outcome's one line for the log and the failure message. */
export function outcomeLine(
  status: RollbackStatus,
  service: string,
  target: string,
  reason?: string,
): string {
  const to = shortName(target);
  switch (status) {
    case 'succeeded':
      return `Rolled ${service} back to ${to}.`;
    case 'rolled-back':
      return `The rollback of ${service} to ${to} failed and ECS rolled it back${reason ? `: ${reason}` : '.'}`;
    case 'timed-out':
      return `The rollback of ${service} to ${to} did not finish in time${reason ? `: ${reason}` : '.'}`;
    case 'started':
      return `Started the rollback of ${service} to ${to}; not waiting for it (wait: false).`;
    case 'dry-run':
      return `Dry run: ${service} would be rolled back to ${to}; nothing was changed.`;
    case 'nothing-to-do':
      return `${to} already runs in ${service}: nothing to do.`;
    default:
      return `The rollback of ${service} to ${to} failed${reason ? `: ${reason}` : '.'}`;
  }
}

/** A rollback's end, published in one place: the record, the job summary and every output. */
export async function publishRollback(
  effects: Pick<ActionEffects, 'files' | 'logger' | 'summary' | 'setOutput'>,
  parts: RecordParts,
  failure?: Conclusion['failure'],
): Promise<DeploymentRecord> {
  const record = buildRecord(parts);
  const path = await publishRecord(effects, record, (summary) =>
    addRollbackSummary(summary, record, failure),
  );
  const { from } = parts.plan;
  effects.setOutput('from-task-definition', from.taskDefinitionArn);
  effects.setOutput('to-task-definition', record.to.taskDefinitionArn);
  effects.setOutput('from-images', JSON.stringify(from.images));
  effects.setOutput('to-images', JSON.stringify(record.to.images));
  effects.setOutput('status', record.status);
  effects.setOutput('record', path);
  return record;
}
