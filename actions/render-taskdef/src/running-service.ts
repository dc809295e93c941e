/**
 * `service`: the task definition an ECS service runs now, so a configuration change
 * (configure.yml) or a rescan (rescan.yml) starts from what runs — not from the family's
 * latest revision, which after a rollback is the one that was rolled back.
 */
import { DescribeServicesCommand, type DescribeServicesCommandOutput } from '@aws-sdk/client-ecs';
import {
  awsErrorName,
  ConfigurationError,
  errorMessage,
  isAccessDenied,
  wrapError,
} from '@berth/shared/errors';
import type { ServiceReference } from './service-reference.js';
import type { EcsSender } from './source.js';

/** The task definition ARN the service runs (DescribeServices' `taskDefinition`, the primary deployment's). */
export async function runningTaskDefinition(
  ecs: EcsSender,
  reference: ServiceReference,
  region: string,
): Promise<string> {
  const where = `\`${reference.service}\` in cluster \`${reference.cluster}\` (${region})`;
  let response: DescribeServicesCommandOutput;
  try {
    response = await ecs.send(
      new DescribeServicesCommand({ cluster: reference.cluster, services: [reference.service] }),
    );
  } catch (error) {
    if (isAccessDenied(error)) {
      throw new ConfigurationError(
        `Could not read service ${where}: ${errorMessage(error)} Allow \`ecs:DescribeServices\` for the role this step uses.`,
      );
    }
    if (awsErrorName(error) === 'ClusterNotFoundException') {
      throw new ConfigurationError(
        `Input \`service\`: cluster \`${reference.cluster}\` does not exist in ${region}. Check the cluster name and \`aws-region\`.`,
      );
    }
    throw wrapError(`read service ${where}`, error);
  }
  const service = response.services?.[0];
  // DescribeServices answers a missing service with failures[].reason MISSING, not an error.
  if (!service || service.status === 'INACTIVE' || !service.taskDefinition) {
    const reason = response.failures?.[0]?.reason ?? service?.status ?? 'no service';
    throw new ConfigurationError(
      `Input \`service\`: ECS has no active service ${where} (${reason}). Check the names and \`aws-region\`.`,
    );
  }
  return service.taskDefinition;
}
