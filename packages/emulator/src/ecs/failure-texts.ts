/**
 * The exact texts ECS writes when tasks fail to start, fail or cannot be
 * placed. Each is taken from AWS's pages or from recorded responses in
 * ../shared/corpus/ecs-failures/failures.json (which names its sources).
 */

/**
 * An image the registry does not have (Fargate platform 1.4 / containerd wording):
 * "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to
 * resolve ref …: not found" (corpus, containers-roadmap#2687; CannotPullContainer task
 * errors: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_cannot_pull_image.html).
 */
export function imageNotFound(image: string): string {
  return `pull image manifest has been retried 5 time(s): failed to resolve ref ${image}: not found`;
}

/**
 * A secret the task execution role cannot read stops the task before any
 * container starts (stopCode TaskFailedToStart), with a ResourceInitializationError
 * (https://repost.aws/knowledge-center/ecs-unable-to-pull-secrets; corpus entries of
 * kind secrets-init).
 */
export function secretInitialisationError(valueFrom: string): string {
  const head =
    'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed:';
  if (valueFrom.startsWith('arn:') && valueFrom.split(':')[2] === 'secretsmanager') {
    return `${head} unable to retrieve secret from asm: service call has been retried 1 time(s): failed to fetch secret ${valueFrom} from secrets manager: ResourceNotFoundException: Secrets Manager can't find the specified secret.`;
  }
  return `${head} unable to retrieve secrets from ssm: service call has been retried 1 time(s): invalid ssm parameters: ${valueFrom}`;
}

/** Out of memory: exit code 137 and the container reason (corpus entries of kind oom). */
export const OUT_OF_MEMORY_REASON = 'OutOfMemoryError: Container killed due to memory usage';

/** Task-level reason of an essential container's exit, whatever its cause (corpus). */
export const ESSENTIAL_CONTAINER_EXITED = 'Essential container in task exited';

/** Task-level reason when the scheduler replaces an unhealthy task (https://repost.aws/knowledge-center/ecs-task-stopped). */
export const FAILED_HEALTH_CHECKS = 'Task failed container health checks';

/** Placement and throttle events end with this in real output (corpus README: emulator fidelity). */
const TROUBLESHOOTING =
  ' For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.';

export type PlacementFailureKind = 'capacity-unavailable' | 'no-container-instances' | 'vcpu-limit';

/**
 * Why a task cannot be placed, as RunTask's `failures[].reason` or the
 * service event's reason (service-event-messages.html; corpus placement-*).
 */
export function placementReason(kind: PlacementFailureKind): string {
  switch (kind) {
    case 'capacity-unavailable':
      return 'Capacity is unavailable at this time. Please try again later or in a different availability zone';
    case 'no-container-instances':
      return 'No Container Instances were found in your cluster.';
    case 'vcpu-limit':
      return "You've reached the limit on the number of vCPUs you can run concurrently";
  }
}

/** The service event for a placement failure (corpus: c7n fixtures and issue pastes). */
export function placementEvent(service: string, kind: PlacementFailureKind): string {
  if (kind === 'no-container-instances') {
    return `(service ${service}) was unable to place a task because no container instance met all of its requirements. Reason: ${placementReason(kind)}${TROUBLESHOOTING}`;
  }
  return `(service ${service}) was unable to place a task. Reason: ${placementReason(kind)}.${TROUBLESHOOTING}`;
}

/** Service throttle logic's event (corpus: recorded with the Troubleshooting suffix). */
export function throttleEvent(service: string): string {
  return `(service ${service}) is unable to consistently start tasks successfully.${TROUBLESHOOTING}`;
}
