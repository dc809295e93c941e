import {
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  type ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import { ConfigurationError } from '../errors.js';

/** One DescribeServices for one service, for every reader (deploy-ecs, rollback, the follower). */
export interface ReadServiceOptions {
  cluster: string;
  service: string;
  /** Named in the not-found message, so the user can see which region was asked. */
  region?: string;
  /** The action's own advice, added to the not-found message. */
  hint?: string;
  /** Maps a refused call to advice; the error itself when absent. */
  explain?: (error: unknown) => Error;
}

/** DescribeServices for one service; a service that is not there is the user's to fix and says so. */
export async function readService(ecs: ECSClient, options: ReadServiceOptions): Promise<Service> {
  const { cluster, service, region } = options;
  let out: DescribeServicesCommandOutput;
  try {
    out = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  } catch (error) {
    throw options.explain ? options.explain(error) : error;
  }
  const found = out.services?.[0];
  if (found) return found;
  const failure = out.failures?.[0];
  throw new ConfigurationError(
    `Service \`${service}\` was not found in cluster \`${cluster}\`${region ? ` (${region})` : ''}` +
      ` (${failure?.reason ?? 'MISSING'}${failure?.detail ? `: ${failure.detail}` : ''}). ` +
      `Check the \`service\` and \`cluster\` inputs and the region${options.hint ? `; ${options.hint}` : '.'}`,
  );
}
