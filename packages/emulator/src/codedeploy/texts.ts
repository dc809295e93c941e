/**
 * What CodeDeploy writes into a deployment (errorInformation, rollbackInfo,
 * lifecycle event diagnostics), in one place with where each text comes from.
 * "Recorded": a recording of real ECS blue/green deployments with raw CLI output,
 * josefloressv/aws-devops-engineer scenarios/domain-1-sdlc/ecs-bluegreen-codedeploy/README.md
 * (run of 2026-08-08). "Reported": users' reports of the live service. "Modelled":
 * no public text found; the emulator's own wording, free to change when one turns up.
 */

/** TIMEOUT while Install waits for the replacement task set (reported, many times, word for word). */
export const INSTALL_TIMEOUT =
  'The deployment timed out while waiting for the replacement task set to become healthy. This time out period is 60 minutes.';

/** ALARM_ACTIVE (recorded; each alarm name in angle brackets, space-separated). */
export function alarmActive(alarms: string[]): string {
  return `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: ${alarms.map((a) => `<${a}>`).join(' ')}`;
}

/** rollbackInfo.rollbackMessage of the deployment that failed or stopped (recorded). */
export function rolledBack(deploymentId: string, rollbackId: string): string {
  return `Deployment ${deploymentId} terminated. Automatic rollback is triggered with a DeploymentId ${rollbackId}.`;
}

/** rollbackInfo.rollbackMessage of the rollback deployment (recorded). */
export function rollingBack(rollbackId: string, deploymentId: string): string {
  return `Deployment ${rollbackId} is triggered to roll back deployment ${deploymentId}.`;
}

/** ECS_UPDATE_ERROR around ECS's own answer to the task set (modelled prefix). */
export function ecsUpdateError(ecsAnswer: string): string {
  return `The ECS service cannot be updated due to an unexpected error: ${ecsAnswer}`;
}

/** HOOK_EXECUTION_FAILURE (modelled). */
export function hookFailed(event: string, detail: string): string {
  return `The deployment failed because a validation Lambda function failed during the ${event} lifecycle event: ${detail}`;
}

/** Lifecycle event diagnostics of a hook (modelled). */
export const hookDiagnostics = {
  failed: (fn: string | undefined, event: string) =>
    `The Lambda function ${fn} reported Failed for ${event}.`,
  timedOut: (fn: string) => `The Lambda function ${fn} did not report a status within one hour.`,
};

/** MANUAL_STOP (modelled). */
export const MANUAL_STOP = 'The deployment was stopped by a StopDeployment request.';

/** TIMEOUT when deploymentReadyOption STOP_DEPLOYMENT's wait runs out (modelled). */
export const READY_WAIT_TIMEOUT =
  'Traffic rerouting was not started before the end of the deployment group wait time (deploymentReadyOption STOP_DEPLOYMENT).';
