import {
  DescribeServiceDeploymentsCommand,
  type ECSClient,
  type Service,
  StopServiceDeploymentCommand,
} from '@aws-sdk/client-ecs';
import type { Sleep } from '@berth/shared/backoff';
import { isDeadlineError } from '@berth/shared/deadline';
import { shortDeployment, shortName } from '@berth/shared/deployment/arn';
import type { DeploymentTarget } from '@berth/shared/deployment/assess';
import type { FollowResult } from '@berth/shared/deployment/follow';
import type { DeploymentRecord } from '@berth/shared/deployment/record';
import { startServiceDeployment } from '@berth/shared/deployment/transaction';
import { errorMessage, isAccessDenied, wrapError } from '@berth/shared/errors';
import type { Logger } from '@berth/shared/logger';
import { writeOnce } from '@berth/shared/write-once';
import type { CurrentState, History, RollbackPath } from './plan.js';

/** The rollback's `status` output and record status. */
export type RollbackStatus = DeploymentRecord['status'];

export interface StartedRollback {
  /** The path actually taken (a StopServiceDeployment refused falls back to UpdateService). */
  path: RollbackPath;
  /** The identity the follower follows. */
  target: DeploymentTarget;
  /** The service as the write left it (UpdateService's answer), when there was one. */
  service?: Service;
}

export interface StartContext {
  ecs: ECSClient;
  /** The client for the write: no SDK retry (see writeOnce); `ecs` when omitted. */
  writes?: ECSClient;
  /** Attempts for the write (the `max-attempts` input; default 1). */
  maxAttempts?: number;
  sleep?: Sleep;
  /** Told the write's name when it is sent, undefined when its answer came. */
  onWrite?: (operation: string | undefined) => void;
  logger: Logger;
  cluster: string;
  service: string;
  /** The service as read before the write, to tell the deployment UpdateService starts from the one before. */
  before?: Service;
}

/**
 * The only write: StopServiceDeployment (ROLLBACK) or UpdateService. Returns
 * the identity to follow. For the stop path that is the stopped service
 * deployment itself — its ROLLBACK_* status is ECS's own word on how the
 * requested rollback ended — with the in-progress deployment's id and task
 * definition; for UpdateService it is the new PRIMARY deployment.
 */
export async function startRollback(
  context: StartContext,
  path: RollbackPath,
  current: CurrentState,
  history: History,
  taskDefinitionArn: string,
): Promise<StartedRollback> {
  const { ecs, logger } = context;
  if (path.kind === 'stop-deployment') {
    try {
      context.onWrite?.('StopServiceDeployment');
      await writeOnce({
        operation: 'StopServiceDeployment',
        send: () =>
          (context.writes ?? ecs).send(
            new StopServiceDeploymentCommand({
              serviceDeploymentArn: path.serviceDeploymentArn,
              stopType: 'ROLLBACK',
            }),
          ),
        // Applied when ECS already records the stop: the deployment is no longer IN_PROGRESS/PENDING
        // but ROLLBACK_REQUESTED or later (DescribeServiceDeployments `status`).
        lookBefore: async () => {
          const out = await ecs.send(
            new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [path.serviceDeploymentArn] }),
          );
          const status = out.serviceDeployments?.[0]?.status ?? '';
          return /^(ROLLBACK_|STOP_REQUESTED|STOPPED)/.test(status) ? { $metadata: {} } : undefined;
        },
        maxAttempts: context.maxAttempts ?? 1,
        logger,
        sleep: context.sleep,
      });
      context.onWrite?.(undefined);
      logger.info(
        `StopServiceDeployment (ROLLBACK) accepted for ${path.serviceDeploymentArn}: ECS is rolling it back to ${shortName(taskDefinitionArn)}.`,
      );
      return {
        path,
        target: {
          serviceDeploymentArn: path.serviceDeploymentArn,
          deploymentId: path.deploymentId,
          taskDefinitionArn: current.inProgress?.taskDefinitionArn ?? current.taskDefinitionArn,
        },
      };
    } catch (error) {
      // Cut short by the deadline: whether ECS got the stop is not known, so no other write follows.
      if (isDeadlineError(error)) throw error;
      context.onWrite?.(undefined);
      // Nothing changed: the deployment may have finished meanwhile, or the
      // role may not allow the stop. UpdateService reaches the same target.
      logger.warning(
        `StopServiceDeployment (ROLLBACK) of ${shortDeployment(path.serviceDeploymentArn)} was refused (${errorMessage(error)}); updating the service to ${shortName(taskDefinitionArn)} instead.`,
      );
      const fallback: RollbackPath = {
        kind: 'update-service',
        reason: `${path.reason} StopServiceDeployment was refused (${errorMessage(error)}), so UpdateService was used instead.`,
      };
      return updateService(context, fallback, history, taskDefinitionArn);
    }
  }
  return updateService(context, path, history, taskDefinitionArn);
}

async function updateService(
  context: StartContext,
  path: RollbackPath,
  history: History,
  taskDefinitionArn: string,
): Promise<StartedRollback> {
  const { logger, cluster, service } = context;
  const started = await startServiceDeployment({
    ...context,
    request: { cluster, service, taskDefinition: taskDefinitionArn },
    explain: (error) =>
      wrapError(
        `update service \`${service}\` to ${taskDefinitionArn}`,
        error,
        isAccessDenied(error)
          ? 'Allow `ecs:UpdateService` on the service for the role this step uses.'
          : undefined,
      ),
    serviceDeploymentsApi: history.deploymentsApi !== 'unavailable',
  });
  const { target } = started;
  logger.info(
    `UpdateService started deployment ${target.deploymentId ?? '(id not returned)'}${target.serviceDeploymentArn ? ` (${target.serviceDeploymentArn})` : ''} of ${taskDefinitionArn}.`,
  );
  return { path, service: started.after, target };
}

/** Why a stop-path rollback that did not succeed ended that way, in the operator's terms. */
export function stopPathReason(result: Pick<FollowResult, 'phase' | 'reason'>): string | undefined {
  if (result.phase === 'succeeded') {
    return 'The deployment completed before ECS could roll it back; it, not the target, runs now.';
  }
  if (result.phase === 'rollback-failed')
    return `ECS could not complete the rollback: ${result.reason ?? 'no reason given'}`;
  return result.reason;
}

/** The stop path's outcome in the operator's terms: the requested rollback done, or why not. */
export function stopPathOutcome(
  result: Pick<FollowResult, 'outcome' | 'phase' | 'reason'>,
  undone: string,
  to: { taskDefinitionArn: string },
): string | undefined {
  if (result.outcome === 'succeeded')
    return `ECS rolled ${shortName(undone)} back to ${shortName(to.taskDefinitionArn)} as requested.`;
  return stopPathReason(result);
}
