import type { FailedTask } from './diagnose.js';
import {
  type DeploymentRecord,
  type RollbackRecordDetails,
  type RunContext,
  recordFailedTasks,
} from './record.js';

/** How a followed deployment or task ended, as far as the record keeps it. */
export interface RecordEnding {
  events: DeploymentRecord['events'];
  failedTasks: FailedTask[];
  likelyCause?: string;
}

/** Everything a record says besides its kind; times in epoch milliseconds. */
export interface DeploymentRecordParts {
  cluster: string;
  service?: string;
  region?: string;
  from?: DeploymentRecord['from'];
  to: DeploymentRecord['to'];
  strategy?: string;
  deploymentId?: string;
  serviceDeploymentArn?: string;
  status: DeploymentRecord['status'];
  /** Why it ended as it did. */
  reason?: string;
  /** Why it was done (the operator's reason). */
  requestedReason?: string;
  startedAt: number;
  endedAt: number;
  run: RunContext;
  /** What the follower saw; absent when nothing was followed (wait: false, dry run, refused). */
  ending?: RecordEnding;
  task?: DeploymentRecord['task'];
  rollback?: RollbackRecordDetails;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The deployment record of every Berth action, built in one place. The
 * evidence of a failure (failed tasks, likely cause) is kept only when the
 * outcome is not a success: a succeeded deployment has nothing to explain.
 */
export function buildDeploymentRecord(
  kind: DeploymentRecord['kind'],
  parts: DeploymentRecordParts,
): DeploymentRecord {
  const { ending } = parts;
  const failed = ending !== undefined && parts.status !== 'succeeded';
  const record: DeploymentRecord = {
    schema: 'berth.deployment-record/v1',
    kind,
    cluster: parts.cluster,
    service: parts.service,
    region: parts.region,
    from: parts.from,
    to: parts.to,
    strategy: parts.strategy,
    deploymentId: parts.deploymentId,
    serviceDeploymentArn: parts.serviceDeploymentArn,
    status: parts.status,
    reason: parts.reason,
    likelyCause: failed ? ending.likelyCause : undefined,
    requestedReason: parts.requestedReason,
    startedAt: iso(parts.startedAt),
    endedAt: iso(parts.endedAt),
    events: ending?.events ?? [],
    failedTasks: failed ? recordFailedTasks(ending.failedTasks) : undefined,
    run: parts.run,
  };
  if (parts.task) record.task = parts.task;
  if (parts.rollback) record.rollback = parts.rollback;
  return record;
}
