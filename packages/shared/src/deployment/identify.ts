import {
  type Deployment,
  DescribeServicesCommand,
  type ECSClient,
  ListServiceDeploymentsCommand,
  type Service,
  type ServiceDeploymentBrief,
  type ServiceDeploymentStatus,
} from '@aws-sdk/client-ecs';
import { errorMessage, isAccessDenied, isUnsupported } from '../errors.js';
import type { Logger } from '../logger.js';
import type { DeploymentTarget } from './assess.js';

/** The service as UpdateService left it, and as DescribeServices showed it just before. */
export interface IdentifyOptions {
  ecs: ECSClient;
  cluster: string;
  service: string;
  /** DescribeServices before our UpdateService (undefined when not known). */
  before?: Service;
  /** `UpdateServiceResponse.service`. */
  after: Service;
  /** The task definition our UpdateService asked for. */
  taskDefinitionArn: string;
  logger: Logger;
  /**
   * False when the caller already found the service deployments API denied or
   * unavailable: the ARN then comes from UpdateService's answer alone, with no
   * ListServiceDeployments call and no second notice.
   */
  serviceDeploymentsApi?: boolean;
}

export interface IdentifiedDeployment {
  target: DeploymentTarget;
  /** Our PRIMARY deployment as UpdateService returned it. */
  primary?: Deployment;
  /** False when ECS started no new deployment (same task definition, nothing else changed). */
  started: boolean;
  /** Where the service deployment ARN came from. */
  arnSource: 'update-response' | 'list' | 'none';
  /** False when ListServiceDeployments was denied or is not available. */
  serviceDeploymentsApi: boolean;
}

/** The PRIMARY deployment of a service (the one UpdateService just created). */
export function primaryDeployment(service: Service | undefined): Deployment | undefined {
  return (service?.deployments ?? []).find((d) => d.status === 'PRIMARY');
}

const SKEW_MS = 2_000;

function ms(date: Date | string | number | undefined): number | undefined {
  if (date === undefined) return undefined;
  const value = new Date(date).getTime();
  return Number.isNaN(value) ? undefined : value;
}

/**
 * Among ListServiceDeployments results, the one our UpdateService created:
 * the service deployment created closest to our PRIMARY deployment (both are
 * stamped by ECS's clock, never ours), and not before it by more than a
 * little skew. A deployment someone else started a moment later is further
 * away and loses. Undefined when none fits.
 */
export function chooseServiceDeployment(
  briefs: ServiceDeploymentBrief[],
  primaryCreatedAt: Date | string | number | undefined,
): ServiceDeploymentBrief | undefined {
  const anchor = ms(primaryCreatedAt);
  const candidates = briefs.filter((b) => b.serviceDeploymentArn);
  if (anchor === undefined) {
    return [...candidates].sort((a, b) => (ms(b.createdAt) ?? 0) - (ms(a.createdAt) ?? 0))[0];
  }
  let best: ServiceDeploymentBrief | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const brief of candidates) {
    const created = ms(brief.createdAt ?? brief.startedAt);
    if (created === undefined || created < anchor - SKEW_MS) continue;
    const distance = Math.abs(created - anchor);
    if (distance < bestDistance) {
      best = brief;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Works out which deployment our UpdateService created: the PRIMARY
 * deployment id from its response, and the service deployment ARN from
 * `currentServiceDeployment` (when it changed) or else from
 * ListServiceDeployments. When that API is denied or unavailable the
 * deployment is followed without it (one notice says so).
 */
export async function identifyDeployment(options: IdentifyOptions): Promise<IdentifiedDeployment> {
  const { ecs, cluster, service, before, after, logger } = options;
  const primary = primaryDeployment(after);
  const previousPrimary = primaryDeployment(before);
  const started = !(primary?.id && previousPrimary?.id === primary.id);
  const target: DeploymentTarget = {
    deploymentId: primary?.id,
    taskDefinitionArn: primary?.taskDefinition ?? options.taskDefinitionArn,
  };

  const current = after.currentServiceDeployment;
  if (current && (current !== before?.currentServiceDeployment || !started)) {
    return {
      target: { ...target, serviceDeploymentArn: current },
      primary,
      started,
      arnSource: 'update-response',
      serviceDeploymentsApi: true,
    };
  }

  if (options.serviceDeploymentsApi === false) {
    return { target, primary, started, arnSource: 'none', serviceDeploymentsApi: false };
  }
  try {
    const created = ms(primary?.createdAt);
    const out = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster,
        service,
        createdAt: created === undefined ? undefined : { after: new Date(created - 60_000) },
        maxResults: 20,
      }),
    );
    const chosen = chooseServiceDeployment(out.serviceDeployments ?? [], primary?.createdAt);
    if (!chosen) logger.debug('ListServiceDeployments returned no service deployment matching ours.');
    return {
      target: chosen ? { ...target, serviceDeploymentArn: chosen.serviceDeploymentArn } : target,
      primary,
      started,
      arnSource: chosen ? 'list' : 'none',
      serviceDeploymentsApi: true,
    };
  } catch (error) {
    if (isAccessDenied(error) || isUnsupported(error)) {
      logger.notice(
        `The service deployments API is not available (${errorMessage(error)}); following the deployment through DescribeServices instead.`,
      );
      return { target, primary, started, arnSource: 'none', serviceDeploymentsApi: false };
    }
    // The deployment has started: a failed lookup must not fail it. DescribeServices still follows it by id.
    logger.warning(
      `Could not list the service deployments (${errorMessage(error)}); following deployment ${primary?.id ?? '(unknown)'} through DescribeServices.`,
    );
    return { target, primary, started, arnSource: 'none', serviceDeploymentsApi: true };
  }
}

/**
 * After an UpdateService whose answer was lost: the service as UpdateService
 * would have returned it when the update was applied, else undefined. Applied
 * means a PRIMARY deployment that was not there before and runs the task
 * definition we asked for. An update that starts no deployment (same
 * revision, nothing forced) is harmless to send again, so it counts as not
 * applied.
 */
export async function serviceUpdateApplied(
  ecs: ECSClient,
  cluster: string,
  service: string,
  before: Service | undefined,
  taskDefinitionArn: string,
): Promise<Service | undefined> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  const now = out.services?.[0];
  const primary = primaryDeployment(now);
  const known = new Set((before?.deployments ?? []).map((d) => d.id));
  if (!primary?.id || known.has(primary.id) || primary.taskDefinition !== taskDefinitionArn) return undefined;
  return now;
}

/** ListServiceDeployments, every page up to `maxPages`, newest first (the API does not promise an order). */
export async function listServiceDeployments(
  ecs: ECSClient,
  cluster: string,
  service: string,
  status: ServiceDeploymentStatus[],
  maxPages: number,
): Promise<{ items: ServiceDeploymentBrief[]; truncated: boolean }> {
  const items: ServiceDeploymentBrief[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const out = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster, service, status, maxResults: 100, nextToken }),
    );
    items.push(...(out.serviceDeployments ?? []));
    nextToken = out.nextToken;
    pages++;
  } while (nextToken && pages < maxPages);
  const time = (d: ServiceDeploymentBrief) =>
    new Date(d.createdAt ?? d.startedAt ?? d.finishedAt ?? 0).getTime();
  items.sort((a, b) => time(b) - time(a));
  return { items, truncated: Boolean(nextToken) };
}
