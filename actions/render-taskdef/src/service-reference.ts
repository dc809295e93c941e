/**
 * The `service` input, parsed with no AWS module on the import path: inputs.ts
 * reads it before the AWS SDK may load. running-service.ts reads the service.
 */
import { ConfigurationError } from '@berth/shared/errors';

export interface ServiceReference {
  cluster: string;
  service: string;
}

const CLUSTER_SERVICE = /^([A-Za-z0-9_-]{1,255})\/([A-Za-z0-9_-]{1,255})$/;
// arn:aws:ecs:region:account:service/cluster/service (the long ARN format, the only one since 2021).
const SERVICE_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([A-Za-z0-9_-]{1,255})\/([A-Za-z0-9_-]{1,255})$/;

/** `cluster/service` or a service ARN; anything else is the input's error. */
export function parseServiceReference(value: string): ServiceReference {
  const match = CLUSTER_SERVICE.exec(value) ?? SERVICE_ARN.exec(value);
  if (!match) {
    throw new ConfigurationError(
      `Input \`service\` must be \`cluster/service\` (e.g. \`production/shop-web\`) or a service ARN, got ${JSON.stringify(value)}.`,
    );
  }
  return { cluster: match[1], service: match[2] };
}
