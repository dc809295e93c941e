import { ConfigurationError } from './errors.js';

/**
 * Naming rules of the AWS resources Berth's inputs and task definitions name,
 * checked before any call so that a bad name is a clear error (and never text
 * that reaches the log or the API unchecked).
 *
 * ECS: cluster, service, task definition family and container names are
 * "Up to 255 letters (uppercase and lowercase), numbers, underscores, and
 * hyphens" (CreateCluster `clusterName`, CreateService `serviceName`,
 * RegisterTaskDefinition `family`, ContainerDefinition `name`:
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCluster.html,
 * API_CreateService.html, API_RegisterTaskDefinition.html, API_ContainerDefinition.html).
 * Where an API takes "the short name or full ARN" (UpdateService `cluster` and
 * `service`), the ARN form is accepted too.
 *
 * CloudWatch: an alarm name is 1–255 characters, "must contain only UTF-8
 * characters, and can't contain ASCII control characters"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 */

export const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;
const SERVICE_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/(?:[A-Za-z0-9_-]{1,255}\/)?[A-Za-z0-9_-]{1,255}$/;

export type EcsNameKind = 'cluster' | 'service' | 'family' | 'container';

const EXAMPLES: Record<EcsNameKind, string> = {
  cluster: 'shop-prod',
  service: 'web',
  family: 'web',
  container: 'app',
};

/** A value quoted in an error: JSON-escaped (a CR or LF shows as `\r`/`\n`) and cut at 120 characters. */
export function quoteValue(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);
}

/** True when `value` is a valid ECS name of that kind (or, with `allowArn`, its ARN). */
export function isEcsName(kind: EcsNameKind, value: string, allowArn = false): boolean {
  if (ECS_NAME.test(value)) return true;
  if (!allowArn) return false;
  if (kind === 'cluster') return CLUSTER_ARN.test(value);
  if (kind === 'service') return SERVICE_ARN.test(value);
  return false;
}

/** Throws a ConfigurationError naming the input, the value and the rule unless `value` is a valid name. */
export function checkEcsName(
  inputName: string,
  kind: EcsNameKind,
  value: string,
  options: { allowArn?: boolean } = {},
): void {
  if (isEcsName(kind, value, options.allowArn)) return;
  const arn = options.allowArn && (kind === 'cluster' || kind === 'service') ? ` or its ARN` : '';
  throw new ConfigurationError(
    `Input \`${inputName}\` must be an ECS ${kind} name${arn}: 1 to 255 letters, digits, \`-\` and \`_\`, got ${quoteValue(value)}. For example \`${inputName}: ${EXAMPLES[kind]}\`.`,
  );
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is "no ASCII control characters".
const ASCII_CONTROL = /[\u0000-\u001F\u007F]/;

/** Why `name` is not a valid CloudWatch alarm name, or undefined when it is. */
export function alarmNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > 255) return `it has ${name.length} characters (at most 255)`;
  if (ASCII_CONTROL.test(name)) return 'it contains an ASCII control character (a line break, CR or tab)';
  if (name.trim() !== name) return 'it starts or ends with white space';
  return undefined;
}
