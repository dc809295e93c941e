import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceEvent } from '@aws-sdk/client-ecs';
import { checkWritableDirectory } from '../workspace-file.js';
import type { FailedTask } from './diagnose.js';
import type { Outcome } from './follow.js';

/** Container name → image (as registered, normally pinned by digest). */
export type ImageMap = Record<string, string>;

/**
 * What changed, who changed it and how it ended: one JSON file per deploy,
 * rollback or hotfix, in the same format for every Berth action, so a rollback
 * can be audited next to the deploy it undid.
 */
export interface DeploymentRecord {
  schema: 'berth.deployment-record/v1';
  kind: 'deploy' | 'rollback' | 'run-task' | 'hotfix';
  cluster: string;
  service?: string;
  region?: string;
  from?: { taskDefinitionArn?: string; images: ImageMap };
  to: { taskDefinitionArn: string; images: ImageMap };
  strategy?: string;
  deploymentId?: string;
  serviceDeploymentArn?: string;
  /** `started`: the step did not wait (deploy-ecs `wait: false`), so the outcome is not known. */
  status: Outcome | 'dry-run' | 'nothing-to-do' | 'started';
  /** Why it ended as it did (failure reason, ECS's words where it gave some). */
  reason?: string;
  likelyCause?: string;
  /** Why it was done: the operator's reason for a rollback or hotfix. */
  requestedReason?: string;
  startedAt: string;
  endedAt: string;
  events: Array<{ at?: string; message: string }>;
  failedTasks?: Array<Pick<FailedTask, 'taskId' | 'stoppedReason' | 'stopCode' | 'containers'>>;
  /** One-off tasks (`kind: run-task`): the task and the exit code that decided. */
  task?: { taskArn: string; exitCode?: number };
  /** Rollbacks (`kind: rollback`): the plan that led to it. */
  rollback?: RollbackRecordDetails;
  run: RunContext;
}

/** Why a rollback went to its target, how the target was found, and how it was carried out. */
export interface RollbackRecordDetails {
  /** The `to` input as written. */
  requested: string;
  why: string;
  foundBy: string;
  /** How it was carried out: StopServiceDeployment (ROLLBACK) or UpdateService. */
  path?: 'stop-deployment' | 'update-service';
  pathReason?: string;
  /** Candidates passed over, newest first, each with the reason. */
  skipped: string[];
  notices: string[];
}

export interface RunContext {
  repository?: string;
  workflow?: string;
  runId?: string;
  runAttempt?: string;
  runUrl?: string;
  actor?: string;
  sha?: string;
  ref?: string;
  eventName?: string;
}

/** Who and where, from the runner's environment. */
export function runContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const runUrl =
    env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''}`
      : undefined;
  return {
    repository: env.GITHUB_REPOSITORY,
    workflow: env.GITHUB_WORKFLOW,
    runId: env.GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT,
    runUrl,
    actor: env.GITHUB_TRIGGERING_ACTOR ?? env.GITHUB_ACTOR,
    sha: env.GITHUB_SHA,
    ref: env.GITHUB_REF,
    eventName: env.GITHUB_EVENT_NAME,
  };
}

export function recordEvents(events: ServiceEvent[]): DeploymentRecord['events'] {
  return events.map((event) => ({
    at: event.createdAt ? new Date(event.createdAt).toISOString() : undefined,
    message: event.message ?? '',
  }));
}

/** The failed tasks as the record keeps them: the evidence, without the log lines. */
export function recordFailedTasks(failedTasks: FailedTask[]): NonNullable<DeploymentRecord['failedTasks']> {
  return failedTasks.map(({ taskId, stoppedReason, stopCode, containers }) => ({
    taskId,
    stoppedReason,
    stopCode,
    containers,
  }));
}

/** Writes the record under RUNNER_TEMP (or the OS temp folder) and returns its path. */
export function writeDeploymentRecord(
  record: DeploymentRecord,
  directory = process.env.RUNNER_TEMP ?? '/tmp',
): string {
  const folder = join(directory, 'berth-records');
  // A link planted by an earlier step must not send the record elsewhere.
  checkWritableDirectory('The deployment record folder', folder, {
    workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
    runnerTemp: directory,
  });
  mkdirSync(folder, { recursive: true });
  const stamp = record.startedAt.replace(/[:.]/g, '-');
  const name = `${record.kind}-${(record.service ?? 'task').replace(/[^\w.-]/g, '_')}-${stamp}.json`;
  const path = join(folder, name);
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  return path;
}
