/**
 * The AppSpec a CodeDeploy deployment of an ECS service carries: the user's
 * file with `TaskDefinition` replaced by the revision just registered (keys in
 * any case, as the AWS deploy action finds them), or one generated from the
 * container and port that receive traffic. Pure: text in, content and SHA-256
 * out; every problem is a ConfigurationError naming the input.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html
 */
import { createHash } from 'node:crypto';
import { ConfigurationError } from '@berth/shared/errors';
import { parse } from 'yaml';

type JsonObject = Record<string, unknown>;

export interface AppSpecTraffic {
  containerName: string;
  containerPort: number;
}

/** What CreateDeployment's `revision.appSpecContent` takes. */
export interface AppSpecContent {
  content: string;
  /** Hex SHA-256 of `content`, which CodeDeploy checks. */
  sha256: string;
  traffic: AppSpecTraffic;
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The key of `object` that is `name` in any case (AppSpec keys are case-insensitive). */
function keyOf(object: JsonObject, name: string): string | undefined {
  return Object.keys(object).find((key) => key.toLowerCase() === name.toLowerCase());
}

function memberOf(object: JsonObject, name: string): unknown {
  const key = keyOf(object, name);
  return key === undefined ? undefined : object[key];
}

/** The AppSpec for `traffic`, as the User Guide's ECS example writes it (without hooks). */
export function generateAppSpec(taskDefinitionArn: string, traffic: AppSpecTraffic): JsonObject {
  return {
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: taskDefinitionArn,
            LoadBalancerInfo: { ContainerName: traffic.containerName, ContainerPort: traffic.containerPort },
          },
        },
      },
    ],
  };
}

/**
 * The user's AppSpec (YAML or JSON) with every resource's TaskDefinition set to
 * `taskDefinitionArn`; refuses one CodeDeploy would refuse for an ECS service.
 */
export function appSpecFromFile(text: string, file: string, taskDefinitionArn: string): JsonObject {
  const fail = (problem: string) =>
    new ConfigurationError(
      `Input \`codedeploy-appspec\`: ${JSON.stringify(file)} ${problem}. An ECS AppSpec has \`version: 0.0\` and one \`AWS::ECS::Service\` resource with \`TaskDefinition\` and \`LoadBalancerInfo\` (\`ContainerName\`, \`ContainerPort\`); see https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-example.html#appspec-file-example-ecs, or remove the input to let deploy-ecs write one.`,
    );
  let spec: unknown;
  try {
    spec = parse(text);
  } catch (error) {
    throw fail(`is not YAML or JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (!isObject(spec)) throw fail('is not a mapping');
  const resources = memberOf(spec, 'resources');
  if (!Array.isArray(resources) || resources.length !== 1 || !isObject(resources[0])) {
    throw fail('does not have exactly one entry under `Resources`');
  }
  for (const resource of Object.values(resources[0])) {
    const properties = isObject(resource) ? memberOf(resource, 'properties') : undefined;
    if (!isObject(properties)) throw fail('has a resource without `Properties`');
    properties[keyOf(properties, 'taskDefinition') ?? 'TaskDefinition'] = taskDefinitionArn;
  }
  trafficOf(spec, fail);
  return spec;
}

/** The container and port the AppSpec sends traffic to. */
function trafficOf(spec: JsonObject, fail: (problem: string) => Error): AppSpecTraffic {
  const resources = memberOf(spec, 'resources') as JsonObject[];
  const resource = Object.values(resources[0])[0];
  const properties = isObject(resource) ? memberOf(resource, 'properties') : undefined;
  const info = isObject(properties) ? memberOf(properties, 'loadBalancerInfo') : undefined;
  const containerName = isObject(info) ? memberOf(info, 'containerName') : undefined;
  const containerPort = isObject(info) ? Number(memberOf(info, 'containerPort')) : Number.NaN;
  if (typeof containerName !== 'string' || !Number.isInteger(containerPort)) {
    throw fail('has no `LoadBalancerInfo` with `ContainerName` and `ContainerPort`');
  }
  return { containerName, containerPort };
}

/** The AppSpec as CreateDeployment sends it: JSON text and its SHA-256 (as the AWS deploy action does). */
export function appSpecContent(spec: JsonObject): AppSpecContent {
  const content = JSON.stringify(spec);
  return {
    content,
    sha256: createHash('sha256').update(content).digest('hex'),
    traffic: trafficOf(spec, (problem) => new ConfigurationError(`The AppSpec ${problem}.`)),
  };
}

/**
 * CodeDeploy creates the replacement task set with the AppSpec's container and
 * port; a task definition without them fails Install with ECS_UPDATE_ERROR
 * minutes later. Checked here, before the deployment is created.
 */
export function checkTrafficTarget(
  traffic: AppSpecTraffic,
  containers: Array<{ name?: string; portMappings?: Array<{ containerPort?: number }> }>,
  source: string,
): void {
  const container = containers.find((c) => c.name === traffic.containerName);
  const names = containers.map((c) => `\`${c.name}\``).join(', ');
  if (!container) {
    throw new ConfigurationError(
      `${source}: container \`${traffic.containerName}\` receives the traffic, but the task definition defines ${names}. ` +
        "Set `codedeploy-container-name` (or the AppSpec's `ContainerName`) to one of them.",
    );
  }
  const ports = (container.portMappings ?? []).map((p) => p.containerPort);
  if (!ports.includes(traffic.containerPort)) {
    throw new ConfigurationError(
      `${source}: container \`${traffic.containerName}\` has no port mapping for ${traffic.containerPort} (it maps ${ports.length ? ports.join(', ') : 'none'}). ` +
        "Set `codedeploy-container-port` (or the AppSpec's `ContainerPort`) to a mapped port, or add the mapping.",
    );
  }
}
