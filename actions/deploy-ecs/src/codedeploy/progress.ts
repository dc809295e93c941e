/**
 * What a CodeDeploy deployment of an ECS service is doing, read from
 * GetDeployment and GetDeploymentTarget, as Berth's progress lines and, when
 * it ends badly, one explanation: CodeDeploy's errorInformation, the lifecycle
 * event that failed with its diagnostics, and the rollback it triggered.
 * Pure; CodeDeploy's words are made inert (text Berth did not write).
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ECSTarget.html
 */
import type { DeploymentInfo, ECSTarget, ECSTaskSet, LifecycleEvent } from '@aws-sdk/client-codedeploy';
import { inert } from '@berth/shared/untrusted';

const shown = (text: unknown) => inert(text, { oneLine: true });

/** DeploymentStatus values after which nothing changes (API_DeploymentInfo `status`). */
export const FINAL_STATUSES = ['Succeeded', 'Failed', 'Stopped'] as const;

export function isFinal(status: string | undefined): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status ?? '');
}

/** The replacement (green) task set: its tasks are the new revision's. */
export function replacementTaskSet(target: ECSTarget | undefined): ECSTaskSet | undefined {
  return target?.taskSetsInfo?.find((set) => set.taskSetLabel === 'Green');
}

function taskSetLine(set: ECSTaskSet): string {
  const label = set.taskSetLabel === 'Green' ? 'replacement' : 'original';
  return `${label} ${set.trafficWeight ?? 0}% of traffic, ${set.runningCount ?? 0}/${set.desiredCount ?? 0} running${set.status && set.status !== 'PRIMARY' && set.status !== 'ACTIVE' ? ` (${shown(set.status)})` : ''}`;
}

/** The event running now, else the last one that ended. */
function currentEvent(events: LifecycleEvent[]): LifecycleEvent | undefined {
  return (
    events.find((e) => e.status === 'InProgress') ??
    [...events].reverse().find((e) => e.status && e.status !== 'Pending' && e.status !== 'Skipped')
  );
}

/**
 * One progress line: the deployment's status, the lifecycle event under way,
 * and each task set's traffic weight and tasks. Printed when it changes.
 */
export function progressLine(info: DeploymentInfo | undefined, target: ECSTarget | undefined): string {
  const parts = [`${info?.deploymentId ?? 'deployment'}: ${shown(info?.status ?? 'Created')}`];
  const event = currentEvent(target?.lifecycleEvents ?? []);
  if (event) parts.push(`${shown(event.lifecycleEventName)} ${shown(event.status)}`);
  const order = (set: ECSTaskSet) => (set.taskSetLabel === 'Blue' ? 0 : 1);
  const sets = [...(target?.taskSetsInfo ?? [])].sort((a, b) => order(a) - order(b));
  if (sets.length) parts.push(sets.map(taskSetLine).join('; '));
  return parts.join(' · ');
}

/** The lifecycle event that failed, with CodeDeploy's diagnostics. */
export function failedEvent(target: ECSTarget | undefined): string | undefined {
  const event = target?.lifecycleEvents?.find((e) => e.status === 'Failed');
  if (!event) return undefined;
  const d = event.diagnostics;
  const detail = [
    d?.errorCode ? shown(d.errorCode) : undefined,
    d?.scriptName ? `hook ${shown(d.scriptName)}` : undefined,
    d?.message ? shown(d.message) : undefined,
  ].filter(Boolean);
  return `lifecycle event ${shown(event.lifecycleEventName)} failed${detail.length ? ` (${detail.join(': ')})` : ''}`;
}

/** CodeDeploy's own account of a deployment that did not succeed: error code and message, the failed event. */
export function codedeployFailure(info: DeploymentInfo | undefined, target: ECSTarget | undefined): string {
  const error = info?.errorInformation;
  const parts = [
    `CodeDeploy deployment ${info?.deploymentId ?? ''} ${shown(info?.status ?? 'ended')}`,
    error?.code || error?.message
      ? `${error.code ? `${shown(error.code)}: ` : ''}${error.message ? shown(error.message) : ''}`
      : undefined,
    failedEvent(target),
  ].filter(Boolean);
  return parts.join('; ');
}

/**
 * The ECS deployment circuit breaker's failure threshold, the rule Berth
 * applies to the replacement task set's stopped tasks (CodeDeploy itself does
 * not look at them and times out after an hour): half the desired count,
 * at least 3 and at most 200.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
 */
export function failedTaskThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount * 0.5)));
}
