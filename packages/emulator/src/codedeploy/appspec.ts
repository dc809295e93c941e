/**
 * The AppSpec of an Amazon ECS deployment, parsed and checked as CodeDeploy
 * reads it (YAML or JSON; YAML is a superset of JSON, so one parser serves both).
 *
 * Structure (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html#reference-appspec-file-structure-resources-ecs,
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-ecs):
 *
 *   version: 0.0
 *   Resources:
 *     - TargetService:
 *         Type: AWS::ECS::Service
 *         Properties:
 *           TaskDefinition: <ARN>            # required
 *           LoadBalancerInfo:
 *             ContainerName: <name>          # required
 *             ContainerPort: <port>          # required
 *           PlatformVersion: LATEST          # optional
 *           NetworkConfiguration: {AwsvpcConfiguration: {Subnets, SecurityGroups, AssignPublicIp}}   # optional
 *           CapacityProviderStrategy: [...]  # optional
 *   Hooks:
 *     - BeforeInstall: "FunctionName"       # optional, one Lambda function per event
 *
 * Keys are matched without regard to case, as the AWS deploy action
 * (aws-actions/amazon-ecs-deploy-task-definition `findAppSpecValue`) relies on.
 * The texts of the problems are the emulator's own (CodeDeploy's are not
 * published); each names the key and what was found.
 */
import { parse } from 'yaml';

/** The lifecycle events of an ECS deployment a hook can run in, in the order they run. */
export const ECS_HOOK_EVENTS = [
  'BeforeInstall',
  'AfterInstall',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;
export type EcsHookEvent = (typeof ECS_HOOK_EVENTS)[number];

export interface EcsAppSpec {
  taskDefinition: string;
  containerName: string;
  containerPort: number;
  platformVersion?: string;
  /** AppSpec's PascalCase network configuration turned into the ECS API's camelCase. */
  networkConfiguration?: Record<string, unknown>;
  capacityProviderStrategy?: Array<Record<string, unknown>>;
  hooks: Partial<Record<EcsHookEvent, string>>;
}

export type AppSpecResult = { ok: true; spec: EcsAppSpec } | { ok: false; problem: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value under `key`, whatever the case of the key as written. */
function member(record: Record<string, unknown>, key: string): unknown {
  const found = Object.keys(record).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : record[found];
}

/** `{Subnets, SecurityGroups, AssignPublicIp}` → `{awsvpcConfiguration: {subnets, securityGroups, assignPublicIp}}`. */
function networkConfiguration(value: unknown): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const awsvpc = member(value, 'AwsvpcConfiguration');
  if (!isRecord(awsvpc)) return undefined;
  return {
    awsvpcConfiguration: {
      subnets: member(awsvpc, 'Subnets'),
      securityGroups: member(awsvpc, 'SecurityGroups'),
      assignPublicIp: member(awsvpc, 'AssignPublicIp'),
    },
  };
}

export function parseEcsAppSpec(content: string): AppSpecResult {
  let document: unknown;
  try {
    document = parse(content);
  } catch (error) {
    return {
      ok: false,
      problem: `The AppSpec content is neither YAML nor JSON: ${(error as Error).message.split('\n')[0]}`,
    };
  }
  if (!isRecord(document)) return { ok: false, problem: 'The AppSpec content is not a mapping.' };
  const version = member(document, 'version');
  if (version === undefined)
    return { ok: false, problem: "The AppSpec content has no 'version' (use version: 0.0)." };
  if (String(version) !== '0' && String(version) !== '0.0')
    return {
      ok: false,
      problem: `The AppSpec 'version' is ${JSON.stringify(version)}; the only version is 0.0.`,
    };
  const resources = member(document, 'Resources');
  if (!Array.isArray(resources) || resources.length !== 1) {
    return {
      ok: false,
      problem: "The AppSpec 'Resources' must list exactly one resource of Type AWS::ECS::Service.",
    };
  }
  const entry = resources[0];
  const named = isRecord(entry) ? Object.values(entry) : [];
  const resource = named.length === 1 ? named[0] : undefined;
  if (!isRecord(resource))
    return { ok: false, problem: "The AppSpec resource must be '<name>: {Type, Properties}'." };
  const type = member(resource, 'Type');
  if (type !== 'AWS::ECS::Service')
    return {
      ok: false,
      problem: `The AppSpec resource Type is ${JSON.stringify(type)}; an ECS deployment needs AWS::ECS::Service.`,
    };
  const properties = member(resource, 'Properties');
  if (!isRecord(properties)) return { ok: false, problem: "The AppSpec resource has no 'Properties'." };
  const taskDefinition = member(properties, 'TaskDefinition');
  if (typeof taskDefinition !== 'string' || taskDefinition === '')
    return {
      ok: false,
      problem: "The AppSpec resource Properties have no 'TaskDefinition' (the task definition ARN).",
    };
  const loadBalancerInfo = member(properties, 'LoadBalancerInfo');
  if (!isRecord(loadBalancerInfo))
    return { ok: false, problem: "The AppSpec resource Properties have no 'LoadBalancerInfo'." };
  const containerName = member(loadBalancerInfo, 'ContainerName');
  if (typeof containerName !== 'string' || containerName === '')
    return { ok: false, problem: "The AppSpec LoadBalancerInfo has no 'ContainerName'." };
  const port = member(loadBalancerInfo, 'ContainerPort');
  const containerPort = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (
    typeof containerPort !== 'number' ||
    !Number.isInteger(containerPort) ||
    containerPort < 1 ||
    containerPort > 65535
  )
    return {
      ok: false,
      problem: `The AppSpec LoadBalancerInfo 'ContainerPort' is ${JSON.stringify(port)}; it must be a port number.`,
    };

  const hooks: Partial<Record<EcsHookEvent, string>> = {};
  const listed = member(document, 'Hooks');
  if (listed !== undefined && listed !== null) {
    if (!Array.isArray(listed))
      return { ok: false, problem: "The AppSpec 'Hooks' must be a list of '<event>: <function>'." };
    for (const hook of listed) {
      const pairs = isRecord(hook) ? Object.entries(hook) : [];
      if (pairs.length !== 1)
        return { ok: false, problem: "Each AppSpec hook must be one '<event>: <function>'." };
      const [name, fn] = pairs[0];
      const event = ECS_HOOK_EVENTS.find((e) => e.toLowerCase() === name.toLowerCase());
      if (!event)
        return {
          ok: false,
          problem: `The AppSpec hook ${JSON.stringify(name)} is not a lifecycle event of an ECS deployment (${ECS_HOOK_EVENTS.join(', ')}).`,
        };
      if (typeof fn !== 'string' || fn === '')
        return { ok: false, problem: `The AppSpec hook ${event} names no Lambda function.` };
      if (hooks[event])
        return {
          ok: false,
          problem: `The AppSpec names two hooks for ${event}; each event runs one function.`,
        };
      hooks[event] = fn;
    }
  }
  const platformVersion = member(properties, 'PlatformVersion');
  const strategy = member(properties, 'CapacityProviderStrategy');
  return {
    ok: true,
    spec: {
      taskDefinition,
      containerName,
      containerPort,
      platformVersion: typeof platformVersion === 'string' ? platformVersion : undefined,
      networkConfiguration: networkConfiguration(member(properties, 'NetworkConfiguration')),
      capacityProviderStrategy: Array.isArray(strategy)
        ? strategy.filter(isRecord).map((s) => ({
            capacityProvider: member(s, 'CapacityProvider'),
            base: member(s, 'Base'),
            weight: member(s, 'Weight'),
          }))
        : undefined,
      hooks,
    },
  };
}
