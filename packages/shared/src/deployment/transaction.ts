/**
 * The deployment transaction deploy-ecs and rollback share: read and check the
 * service, start the deployment (one UpdateService, then identify it), follow
 * it, and conclude what runs now. The actions are wiring over these steps; what
 * is theirs (a task definition to register, a rollback plan) stays with them.
 */
import {
  DescribeTaskDefinitionCommand,
  type ECSClient,
  type Service,
  UpdateServiceCommand,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import type { AnnouncerOptions, DeploymentAnnouncer } from '../announce.js';
import type { AwsContext } from '../aws.js';
import type { Sleep } from '../backoff.js';
import type { StepDeadline } from '../deadline.js';
import type { ActionEffects } from '../effects.js';
import { ConfigurationError, errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SummaryWriter } from '../summary.js';
import { writeOnce } from '../write-once.js';
import { type FollowOptions, type FollowPurpose, type FollowResult, followDeployment } from './follow.js';
import { type IdentifiedDeployment, identifyDeployment, serviceUpdateApplied } from './identify.js';
import { type DeploymentRecord, type ImageMap, writeDeploymentRecord } from './record.js';
import { imagesOf, printFailureReport } from './report.js';

/** The effects of a deploy or rollback step: the shared ones plus the GitHub Deployment and webhook seam. */
export type DeploymentEffects = ActionEffects & {
  announcer?: (options: AnnouncerOptions) => DeploymentAnnouncer;
};

/** A task definition and its container images, as the record and the summary show them. */
export interface Revision {
  taskDefinitionArn: string;
  images: ImageMap;
}

const CODE_DEPLOY_ADVICE: Record<FollowPurpose, string> = {
  deploy:
    'Deploy it with CodeDeploy, or move it to the ECS controller and use its native blue/green (`strategy: blue-green`); the controller can be changed with `aws ecs update-service --deployment-controller type=ECS`.',
  rollback: 'Roll it back with CodeDeploy (`aws deploy stop-deployment --auto-rollback-enabled`).',
};

/**
 * The one rule for a service Berth may deploy to or roll back: ACTIVE,
 * deployed by ECS itself (the CODE_DEPLOY and EXTERNAL controllers keep their
 * state in task sets that UpdateService does not drive), with a task
 * definition. CreateService requires one for the ECS controller ("A task
 * definition must be specified if the service uses either the ECS or
 * CODE_DEPLOY deployment controllers",
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html),
 * so a service without one is not in a state either action can reason about.
 * Returns the task definition the service runs.
 */
export function checkServiceManagedByEcs(service: Service, cluster: string, purpose: FollowPurpose): string {
  const name = service.serviceName ?? '?';
  const verb = purpose === 'deploy' ? 'deployed' : 'rolled back';
  if (service.status !== undefined && service.status !== 'ACTIVE') {
    throw new ConfigurationError(
      `Service \`${name}\` in cluster \`${cluster}\` is ${service.status}, not ACTIVE: it is being deleted or was deleted, and only an ACTIVE service can be ${verb}. Check the \`service\` input, or create the service again.`,
    );
  }
  const controller = service.deploymentController?.type ?? 'ECS';
  if (controller === 'CODE_DEPLOY') {
    throw new ConfigurationError(
      `Service \`${name}\` uses the CODE_DEPLOY deployment controller: its deployments run through CodeDeploy task sets, which Berth does not drive. ${CODE_DEPLOY_ADVICE[purpose]}`,
    );
  }
  if (controller !== 'ECS') {
    throw new ConfigurationError(
      `Service \`${name}\` uses the ${controller} deployment controller: a third-party controller manages its task sets, so it cannot be ${verb} here. Use that controller's tooling, or move the service to the ECS controller.`,
    );
  }
  if (!service.taskDefinition) {
    throw new ConfigurationError(
      `Service \`${name}\` in cluster \`${cluster}\` has no task definition, which an ECS-controlled service always has; describe it (\`aws ecs describe-services\`) and check the \`service\` input.`,
    );
  }
  return service.taskDefinition;
}

export interface StartDeploymentOptions {
  /** Reads, with the SDK's retries. */
  ecs: ECSClient;
  /** The write, without them (writeOnce looks before sending again); `ecs` when absent. */
  writes?: ECSClient;
  /** Attempts for the write (the `max-attempts` input). */
  maxAttempts?: number;
  sleep?: Sleep;
  logger: Logger;
  /** The UpdateService request; `taskDefinition` is the revision the deployment rolls out. */
  request: UpdateServiceCommandInput & { cluster: string; service: string; taskDefinition: string };
  /** The service as read before the write, to tell the deployment UpdateService starts from the one before. */
  before?: Service;
  /** Told the write's name when it is sent, undefined once its answer came. */
  onWrite?: (operation: string | undefined) => void;
  /** Maps a refused UpdateService to the action's advice. */
  explain: (error: unknown) => Error;
  /** False when the caller already found the service deployments API unavailable. */
  serviceDeploymentsApi?: boolean;
}

export interface StartedDeployment extends IdentifiedDeployment {
  /** The service as UpdateService left it (empty when its answer had none). */
  after: Service;
}

/**
 * UpdateService once, then the deployment it started. After a lost answer the
 * service is read: a new PRIMARY deployment of our revision means the update
 * was applied (a second forced update would start a second deployment), and
 * that service stands for the answer.
 */
export async function startServiceDeployment(options: StartDeploymentOptions): Promise<StartedDeployment> {
  const { ecs, request, logger } = options;
  let after: Service | undefined;
  try {
    options.onWrite?.('UpdateService');
    const out = await writeOnce({
      operation: 'UpdateService',
      send: () => (options.writes ?? ecs).send(new UpdateServiceCommand(request)),
      lookBefore: async () => {
        const applied = await serviceUpdateApplied(
          ecs,
          request.cluster,
          request.service,
          options.before,
          request.taskDefinition,
        );
        return applied ? { service: applied, $metadata: {} } : undefined;
      },
      maxAttempts: options.maxAttempts ?? 1,
      logger,
      sleep: options.sleep,
    });
    options.onWrite?.(undefined);
    after = out.service;
  } catch (error) {
    throw options.explain(error);
  }
  const identified = await identifyDeployment({
    ecs,
    cluster: request.cluster,
    service: request.service,
    before: options.before,
    after: after ?? {},
    taskDefinitionArn: request.taskDefinition,
    logger,
    serviceDeploymentsApi: options.serviceDeploymentsApi,
  });
  return { ...identified, after: after ?? {} };
}

/** The service a deployment runs in, the clients and clock that follow it, and how long the step may. */
export type DeploymentSession = Pick<
  FollowOptions,
  'ecs' | 'logs' | 'clock' | 'logger' | 'cluster' | 'service' | 'timeoutMs' | 'deadline'
>;

/** The session of one deploy or rollback step, from its effects, AWS context, inputs and deadline. */
export function deploymentSession(
  effects: Pick<ActionEffects, 'clock' | 'logger'>,
  aws: Pick<AwsContext, 'ecs' | 'logs'>,
  inputs: { cluster: string; service: string; timeoutMinutes: number },
  deadline: StepDeadline,
): DeploymentSession {
  const { clock, logger } = effects;
  const { cluster, service } = inputs;
  return {
    ecs: aws.ecs(),
    logs: aws.logs(),
    clock,
    logger,
    cluster,
    service,
    timeoutMs: inputs.timeoutMinutes * 60_000,
    deadline,
  };
}

/** followDeployment, telling the GitHub deployment and the webhook when the follower itself fails. */
export async function followStartedDeployment(
  session: DeploymentSession,
  follow: Pick<FollowOptions, 'target' | 'initialEvents' | 'taskDefinition' | 'purpose' | 'onBake'>,
  announcer: Pick<DeploymentAnnouncer, 'lost'>,
  record: DeploymentRecord,
): Promise<FollowResult> {
  try {
    return await followDeployment({ ...session, ...follow });
  } catch (error) {
    await announcer.lost(error, record);
    throw error;
  }
}

/** Container images of a registered revision; empty (with a debug line) when it cannot be described. */
export async function imagesOfRevision(
  ecs: ECSClient,
  arn: string | undefined,
  logger: Logger,
): Promise<ImageMap> {
  if (!arn) return {};
  try {
    const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
    return imagesOf(out.taskDefinition);
  } catch (error) {
    logger.debug(`Could not describe ${arn}: ${errorMessage(error)}`);
    return {};
  }
}

/** What the service runs now: a revision, its images when known. */
export interface RunningRevision {
  taskDefinitionArn?: string;
  images: ImageMap;
}

/**
 * What runs now, by one rule: the service's task definition as the follower
 * last read it, with the images of the revision we know (attempted or the one
 * before), else the images ECS describes for it (a revision someone else
 * deployed meanwhile is still named with its images).
 */
export async function whatRunsNow(
  ecs: ECSClient,
  service: Service | undefined,
  known: Array<{ taskDefinitionArn?: string; images: ImageMap }>,
  logger: Logger,
): Promise<RunningRevision> {
  const taskDefinitionArn = service?.taskDefinition;
  const match = taskDefinitionArn ? known.find((k) => k.taskDefinitionArn === taskDefinitionArn) : undefined;
  return {
    taskDefinitionArn,
    images: match ? match.images : await imagesOfRevision(ecs, taskDefinitionArn, logger),
  };
}

export interface ConcludeOptions {
  ecs: ECSClient;
  logger: Logger;
  result: FollowResult;
  /** What the deployment rolled out. */
  attempted: Revision;
  /** What ran before it. */
  from?: { taskDefinitionArn?: string; images: ImageMap };
  /** The reason the action words for the outcome (the rollback's stop path); the follower's otherwise. */
  reason?: string;
}

/** How a followed deployment ended: one value for the log report, the record, the summary and the error. */
export interface Conclusion {
  outcome: FollowResult['outcome'];
  reason?: string;
  /** Set when it did not succeed: what runs instead (a one-off task has nothing), and the evidence. */
  failure?: { running?: RunningRevision; failedTasks: FollowResult['failedTasks'] };
}

/** Concludes a followed deployment; a failure is reported in the log once, here. */
export async function concludeDeployment(options: ConcludeOptions): Promise<Conclusion> {
  const { result, attempted, logger } = options;
  const reason = 'reason' in options ? options.reason : result.reason;
  if (result.outcome === 'succeeded') return { outcome: result.outcome, reason };
  const running = await whatRunsNow(
    options.ecs,
    result.service,
    [attempted, ...(options.from ? [options.from] : [])],
    logger,
  );
  printFailureReport({ ...result, reason }, attempted, running, logger);
  return { outcome: result.outcome, reason, failure: { running, failedTasks: result.failedTasks } };
}

/**
 * Writes the record under the run's temp folder and the action's one job
 * summary; returns the record's path for the `record` output.
 */
export async function publishRecord(
  effects: Pick<ActionEffects, 'files' | 'logger' | 'summary'>,
  record: DeploymentRecord,
  summarise: (summary: SummaryWriter) => void,
): Promise<string> {
  const path = writeDeploymentRecord(record, effects.files.temp);
  effects.logger.info(`Deployment record: ${path}`);
  await effects.summary(summarise);
  return path;
}
