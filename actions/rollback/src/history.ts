import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeTaskDefinitionCommand,
  type ECSClient,
  ListTaskDefinitionsCommand,
  type Service,
  type ServiceDeploymentStatus,
  type ServiceRevision,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { revisionOf, sameRevision } from '@berth/shared/deployment/arn';
import { listServiceDeployments } from '@berth/shared/deployment/identify';
import type { ImageMap } from '@berth/shared/deployment/record';
import { imagesOf } from '@berth/shared/deployment/report';
import { readService } from '@berth/shared/deployment/service';
import { checkServiceManagedByEcs } from '@berth/shared/deployment/transaction';
import {
  type EcrRegistry,
  type EcrSender,
  parseEcrRegistry,
  parseImageReference,
} from '@berth/shared/ecr-image';
import {
  awsErrorName,
  ConfigurationError,
  errorMessage,
  isAccessDenied,
  isUnsupported,
  wrapError,
} from '@berth/shared/errors';
import { type GitHubDeploymentsApi, githubWarning, readGitHubHistory } from '@berth/shared/github-deployment';
import type { Logger } from '@berth/shared/logger';
import type { TargetSpec } from './inputs.js';
import {
  type CurrentState,
  type FamilyRevision,
  type GitHubHistory,
  type History,
  type ImageMatch,
  type InProgressDeployment,
  type ListedDeployment,
  matchImage,
  type PastDeployment,
  repositoryKey,
} from './plan.js';

/**
 * The reads that build planRollback()'s inputs. Each part is read only when
 * the `to` input needs it; nothing here writes.
 */

export interface ReadContext {
  ecs: ECSClient;
  ecrFor(registry: EcrRegistry): EcrSender;
  logger: Logger;
  cluster: string;
  service: string;
  /** The environment's GitHub deployments, read only when `last-successful` has no ECS history. */
  github?: () => Promise<GitHubHistory>;
}

export interface ServiceState {
  service: Service;
  current: CurrentState;
  history: History;
}

/** Pages of ListServiceDeployments read at most (100 each). */
export const MAX_DEPLOYMENT_PAGES = 10;
/** SUCCESSFUL deployments whose revisions are described (newest first). */
export const MAX_DEPLOYMENTS_DESCRIBED = 100;
/** Pages of ListTaskDefinitions read at most (100 each). */
export const MAX_FAMILY_PAGES = 5;
/** Revisions described at most when looking for an image. */
export const MAX_IMAGE_SCAN = 50;

const IN_PROGRESS_STATUSES: ServiceDeploymentStatus[] = ['PENDING', 'IN_PROGRESS'];

/**
 * The deployments DescribeServices lists, and the one in progress: the PRIMARY
 * deployment while its rollout is IN_PROGRESS (a deploy, or ECS's own rollback).
 */
export function deploymentsOf(service: Service): {
  listed: ListedDeployment[];
  inProgress?: InProgressDeployment;
} {
  const listed: ListedDeployment[] = (service.deployments ?? []).map((deployment) => ({
    id: deployment.id ?? '',
    status: deployment.status ?? '',
    taskDefinitionArn: deployment.taskDefinition ?? '',
    rolloutState: deployment.rolloutState,
    createdAt: deployment.createdAt ? new Date(deployment.createdAt) : undefined,
  }));
  const primary = (service.deployments ?? []).find((deployment) => deployment.status === 'PRIMARY');
  const inProgress =
    primary?.rolloutState === 'IN_PROGRESS'
      ? {
          deploymentId: primary.id,
          taskDefinitionArn: primary.taskDefinition ?? service.taskDefinition ?? '',
        }
      : undefined;
  return { listed, inProgress };
}

/** DescribeTaskDefinition, with a ConfigurationError naming the revision when it does not exist. */
export async function describeTaskDefinition(
  ecs: ECSClient,
  taskDefinition: string,
  input = 'to',
): Promise<TaskDefinition> {
  try {
    const out = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }));
    if (!out.taskDefinition) throw new Error('the answer has no task definition');
    return out.taskDefinition;
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'ClientException' || name === 'InvalidParameterException') {
      throw new ConfigurationError(
        `Task definition \`${taskDefinition}\` was not found (${errorMessage(error)}). Check the \`${input}\` input and the region; \`aws ecs list-task-definitions --family-prefix ${revisionOf(taskDefinition)?.family ?? '<family>'}\` lists the revisions.`,
      );
    }
    throw wrapError(`describe task definition \`${taskDefinition}\``, error);
  }
}

/** The service, what runs now, and the history `to` needs. */
export async function readServiceState(context: ReadContext, spec: TargetSpec): Promise<ServiceState> {
  const { ecs, logger, cluster } = context;
  const service = await readService(ecs, { cluster, service: context.service });
  const currentArn = checkServiceManagedByEcs(service, cluster, 'rollback');
  const currentDefinition = await describeTaskDefinition(ecs, currentArn, 'service');
  const { listed, inProgress } = deploymentsOf(service);
  const primary = (service.deployments ?? []).find((deployment) => deployment.status === 'PRIMARY');
  logger.info(
    `${service.serviceName} runs ${currentArn} (${service.runningCount ?? 0}/${service.desiredCount ?? 0} tasks running${primary?.rolloutState ? `, rollout ${primary.rolloutState}` : ''}).`,
  );

  const history: History = { deploymentsApi: 'not-read', deployments: [], listed };
  const current: CurrentState = {
    taskDefinitionArn: currentArn,
    images: imagesOf(currentDefinition),
    inProgress,
  };
  const underway = inProgress !== undefined;
  const needsApi = underway || spec.kind === 'last-successful';
  if (needsApi) {
    try {
      if (current.inProgress) current.inProgress = await readInProgress(context, current.inProgress);
      if (spec.kind === 'last-successful') await readSuccessfulDeployments(context, history);
      history.deploymentsApi = 'available';
    } catch (error) {
      if (!isAccessDenied(error) && !isUnsupported(error)) {
        throw wrapError(`read the deployment history of service \`${context.service}\``, error);
      }
      history.deploymentsApi = 'unavailable';
      const message = errorMessage(error);
      history.unavailableBecause = [awsErrorName(error) ?? 'error', message].filter(Boolean).join(': ');
      history.deployments = [];
      if (current.inProgress) delete current.inProgress.serviceDeploymentArn;
      logger.info(`The service deployments API is not available (${history.unavailableBecause}).`);
    }
  }

  if (spec.kind === 'last-successful' && history.deploymentsApi === 'unavailable' && context.github) {
    history.github = await context.github();
  }

  const family = revisionOf(currentArn)?.family;
  const needsFamily =
    spec.kind === 'previous-revision' ||
    spec.kind === 'image' ||
    (spec.kind === 'last-successful' && history.deploymentsApi === 'unavailable');
  if (needsFamily && family) {
    history.family = await listFamily(ecs, family);
    logger.info(`Family \`${family}\` has ${history.family.length} ACTIVE revision(s) (newest first).`);
  }
  if (spec.kind === 'image') {
    history.imageSearch = await searchImage(context, history.family ?? [], spec);
  }
  return { service, current, history };
}

/** The in-progress service deployment and the revisions ECS would roll it back to. */
async function readInProgress(
  context: ReadContext,
  progress: InProgressDeployment,
): Promise<InProgressDeployment> {
  const { ecs, cluster, logger } = context;
  const listed = await listServiceDeployments(ecs, cluster, context.service, IN_PROGRESS_STATUSES, 1);
  const newest = listed.items[0];
  if (!newest?.serviceDeploymentArn) {
    logger.info('ListServiceDeployments shows no PENDING or IN_PROGRESS service deployment.');
    return progress;
  }
  const described = await ecs.send(
    new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [newest.serviceDeploymentArn] }),
  );
  const deployment = described.serviceDeployments?.[0];
  const sources = (deployment?.sourceServiceRevisions ?? [])
    .map((r) => r.arn)
    .filter((a): a is string => !!a);
  const targetArn = deployment?.targetServiceRevision?.arn ?? newest.targetServiceRevisionArn;
  const revisions = await describeRevisions(ecs, [...sources, ...(targetArn ? [targetArn] : [])]);
  const target = targetArn ? revisions.get(targetArn)?.taskDefinition : undefined;
  if (target && !sameRevision(target, progress.taskDefinitionArn)) {
    logger.info(
      `The in-progress service deployment ${newest.serviceDeploymentArn} targets ${target}, not the PRIMARY deployment's ${progress.taskDefinitionArn}; it is not stopped.`,
    );
    return progress;
  }
  const rollbackTo = sources
    .map((arn) => revisions.get(arn)?.taskDefinition)
    .filter((arn): arn is string => !!arn);
  logger.info(
    `Deployment ${newest.serviceDeploymentArn} is ${deployment?.status ?? newest.status}; ECS would roll it back to ${rollbackTo.length > 0 ? rollbackTo.join(', ') : 'nothing it names'}.`,
  );
  return { ...progress, serviceDeploymentArn: newest.serviceDeploymentArn, rollbackTo };
}

/** SUCCESSFUL deployments, newest first, each with its target revision's task definition and images. */
async function readSuccessfulDeployments(context: ReadContext, history: History): Promise<void> {
  const { ecs, cluster, logger } = context;
  const listed = await listServiceDeployments(
    ecs,
    cluster,
    context.service,
    ['SUCCESSFUL'],
    MAX_DEPLOYMENT_PAGES,
  );
  const newest = listed.items.slice(0, MAX_DEPLOYMENTS_DESCRIBED);
  history.deploymentsTruncated = listed.truncated || listed.items.length > newest.length;
  const revisions = await describeRevisions(
    ecs,
    newest.map((d) => d.targetServiceRevisionArn).filter((a): a is string => !!a),
  );
  history.deployments = newest.flatMap((brief): PastDeployment[] => {
    const revision = brief.targetServiceRevisionArn
      ? revisions.get(brief.targetServiceRevisionArn)
      : undefined;
    if (!brief.serviceDeploymentArn || !revision?.taskDefinition) return [];
    const images: ImageMap = {};
    const digests: ImageMap = {};
    for (const image of revision.containerImages ?? []) {
      if (!image.containerName) continue;
      if (image.image) images[image.containerName] = image.image;
      if (image.imageDigest) digests[image.containerName] = image.imageDigest;
    }
    return [
      {
        serviceDeploymentArn: brief.serviceDeploymentArn,
        status: brief.status ?? 'SUCCESSFUL',
        taskDefinitionArn: revision.taskDefinition,
        createdAt: brief.createdAt ? new Date(brief.createdAt) : undefined,
        finishedAt: brief.finishedAt ? new Date(brief.finishedAt) : undefined,
        images,
        digests,
      },
    ];
  });
  logger.info(
    `ListServiceDeployments: ${listed.items.length}${history.deploymentsTruncated ? '+' : ''} SUCCESSFUL deployment(s); the newest ${history.deployments.length} described.`,
  );
}

/** DescribeServiceRevisions in batches of 20; ARN → revision. */
async function describeRevisions(ecs: ECSClient, arns: string[]): Promise<Map<string, ServiceRevision>> {
  const unique = [...new Set(arns)];
  const revisions = new Map<string, ServiceRevision>();
  for (let start = 0; start < unique.length; start += 20) {
    const out = await ecs.send(
      new DescribeServiceRevisionsCommand({ serviceRevisionArns: unique.slice(start, start + 20) }),
    );
    for (const revision of out.serviceRevisions ?? []) {
      if (revision.serviceRevisionArn) revisions.set(revision.serviceRevisionArn, revision);
    }
  }
  return revisions;
}

/** ACTIVE revisions of exactly this family (familyPrefix also matches `web-worker` for `web`), newest first. */
export async function listFamily(ecs: ECSClient, family: string): Promise<FamilyRevision[]> {
  const revisions: FamilyRevision[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  try {
    do {
      const out = await ecs.send(
        new ListTaskDefinitionsCommand({
          familyPrefix: family,
          status: 'ACTIVE',
          sort: 'DESC',
          maxResults: 100,
          nextToken,
        }),
      );
      for (const arn of out.taskDefinitionArns ?? []) {
        const id = revisionOf(arn);
        if (id && id.family === family) revisions.push({ arn, ...id });
      }
      nextToken = out.nextToken;
      pages++;
    } while (nextToken && pages < MAX_FAMILY_PAGES);
  } catch (error) {
    throw wrapError(`list the revisions of task definition family \`${family}\``, error);
  }
  return revisions.sort((a, b) => b.revision - a.revision);
}

/**
 * The newest revision whose images include the wanted tag or digest. A tag is
 * also resolved in each ECR repository the revisions use, so a revision pinned
 * by digest matches the tag that points at that digest.
 */
async function searchImage(
  context: ReadContext,
  family: FamilyRevision[],
  spec: Extract<TargetSpec, { kind: 'image' }>,
): Promise<NonNullable<History['imageSearch']>> {
  const tagDigests: Record<string, string | undefined> = {};
  const scan = family.slice(0, MAX_IMAGE_SCAN);
  let scanned = 0;
  for (const revision of scan) {
    scanned++;
    const definition = await describeTaskDefinition(context.ecs, revision.arn);
    const images = imagesOf(definition);
    if (spec.tag) await resolveTagInRepositories(context, images, spec.tag, tagDigests);
    const found = matchImage(spec, images, tagDigests);
    if (found) {
      const match: ImageMatch = { ...found, revision };
      return { match, scanned, truncated: false };
    }
  }
  return { scanned, truncated: family.length > scan.length };
}

async function resolveTagInRepositories(
  context: ReadContext,
  images: ImageMap,
  tag: string,
  tagDigests: Record<string, string | undefined>,
): Promise<void> {
  for (const image of Object.values(images)) {
    let reference: ReturnType<typeof parseImageReference>;
    try {
      reference = parseImageReference(image);
    } catch {
      continue;
    }
    const key = repositoryKey(reference);
    if (key in tagDigests) continue;
    tagDigests[key] = undefined;
    const registry = parseEcrRegistry(reference.registry);
    if (!registry) continue;
    try {
      const out = await context.ecrFor(registry).send(
        new DescribeImagesCommand({
          registryId: registry.accountId,
          repositoryName: reference.repository,
          imageIds: [{ imageTag: tag }],
        }),
      );
      tagDigests[key] = out.imageDetails?.find((detail) => detail.imageDigest)?.imageDigest;
      if (tagDigests[key]) context.logger.info(`ECR: ${key}:${tag} is ${tagDigests[key]}.`);
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'ImageNotFoundException' || name === 'RepositoryNotFoundException') continue;
      context.logger.warning(
        `Could not resolve \`${key}:${tag}\` in ECR (${errorMessage(error)}); revisions pinned by digest are matched by their tag only.`,
      );
    }
  }
}

/**
 * Berth's GitHub deployments of the service in `environment`, newest first.
 * GitHub being unreachable or the token lacking `deployments: read` is a
 * warning: the plan then falls back as it would without GitHub.
 */
export async function readGitHubDeployments(
  api: GitHubDeploymentsApi,
  environment: string,
  context: Pick<ReadContext, 'cluster' | 'service' | 'logger'>,
  withStatuses = true,
): Promise<GitHubHistory> {
  try {
    const deployments = await readGitHubHistory(
      api,
      environment,
      context.cluster,
      context.service,
      withStatuses,
    );
    context.logger.info(
      `GitHub deployments of environment \`${environment}\`: ${deployments.length} Berth deployment(s) of ${context.service}.`,
    );
    return {
      environment,
      deployments: deployments.map((deployment) => ({
        id: deployment.id,
        sha: deployment.sha,
        taskDefinitionArn: deployment.payload.to.taskDefinitionArn,
        digests: deployment.payload.to.digests ?? {},
        createdAt: deployment.createdAt,
        states: deployment.states,
      })),
    };
  } catch (error) {
    const warning = githubWarning('read the GitHub deployment history', error, 'deployments: read');
    context.logger.warning(warning);
    return { environment, deployments: [], unavailableBecause: errorMessage(error) };
  }
}
