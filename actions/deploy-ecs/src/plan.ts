/**
 * The decisions of a deploy, as pure functions of the inputs and what AWS
 * showed: whether the service can be deployed by us, the exact UpdateService
 * and RunTask requests (only what the inputs set), and what the step reports.
 */
import type {
  AwsVpcConfiguration,
  DeploymentConfiguration,
  DeploymentStrategy,
  LaunchType,
  RunTaskCommandInput,
  Service,
  TaskDefinition,
  UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@berth/shared/errors';
import { mergeContainerOverrides } from './container-overrides.js';
import type { RunTaskInputs, ServiceInputs, StrategyInput } from './inputs.js';
import { checkVolumeInTaskDefinition, describeVolume } from './managed-ebs.js';

const STRATEGY: Record<Exclude<StrategyInput, 'unchanged'>, DeploymentStrategy> = {
  rolling: 'ROLLING',
  'blue-green': 'BLUE_GREEN',
  canary: 'CANARY',
  linear: 'LINEAR',
};

/** A description of the strategy in force after the update, for the record and the summary. */
export function strategyLabel(configuration: DeploymentConfiguration | undefined): string {
  const c = configuration ?? {};
  const strategy = c.strategy ?? 'ROLLING';
  const parts: string[] = [strategy];
  if (strategy === 'CANARY' && c.canaryConfiguration) {
    parts.push(
      `${c.canaryConfiguration.canaryPercent ?? 5}% for ${c.canaryConfiguration.canaryBakeTimeInMinutes ?? 10} min`,
    );
  }
  if (strategy === 'LINEAR' && c.linearConfiguration) {
    parts.push(
      `${c.linearConfiguration.stepPercent ?? 10}% steps every ${c.linearConfiguration.stepBakeTimeInMinutes ?? 6} min`,
    );
  }
  if (strategy !== 'ROLLING' && c.bakeTimeInMinutes !== undefined)
    parts.push(`bake ${c.bakeTimeInMinutes} min`);
  if (strategy === 'ROLLING') {
    parts.push(`${c.minimumHealthyPercent ?? 100}%–${c.maximumPercent ?? 200}%`);
  }
  const breaker = c.deploymentCircuitBreaker;
  if (breaker?.enable) parts.push(`circuit breaker${breaker.rollback ? ' with rollback' : ''}`);
  if (c.alarms?.enable && c.alarms.alarmNames?.length) parts.push(`alarms ${c.alarms.alarmNames.join(', ')}`);
  return parts.join(', ');
}

export interface ConfigurationPlan {
  /** The merged configuration to send; undefined when nothing changes. */
  configuration?: DeploymentConfiguration;
  /** The configuration in force after the update (sent or kept). */
  effective: DeploymentConfiguration;
  /** One phrase per change, for the log. */
  changes: string[];
}

function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      return Object.fromEntries(
        Object.keys(value as object)
          .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
          .sort()
          .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  };
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/**
 * The service's deployment configuration with the inputs applied. It starts
 * from the service's current configuration because UpdateService replaces the
 * whole structure: sending only the changed member would reset the others
 * (an omitted circuit breaker is a disabled one).
 */
export function planDeploymentConfiguration(
  current: DeploymentConfiguration | undefined,
  inputs: Pick<
    ServiceInputs,
    | 'circuitBreaker'
    | 'alarms'
    | 'strategy'
    | 'bakeTimeMinutes'
    | 'canaryPercent'
    | 'canaryBakeMinutes'
    | 'linearStepPercent'
    | 'linearStepBakeMinutes'
    | 'minimumHealthyPercent'
    | 'maximumPercent'
  >,
  serviceName = 'the service',
): ConfigurationPlan {
  const before: DeploymentConfiguration = structuredClone(current ?? {});
  const next: DeploymentConfiguration = structuredClone(current ?? {});
  const changes: string[] = [];

  if (inputs.circuitBreaker !== 'unchanged') {
    const rollback = inputs.circuitBreaker === 'rollback';
    next.deploymentCircuitBreaker = { ...next.deploymentCircuitBreaker, enable: true, rollback };
  }
  if (inputs.alarms.length > 0) {
    const rollback =
      inputs.circuitBreaker === 'unchanged'
        ? (before.alarms?.rollback ?? before.deploymentCircuitBreaker?.rollback ?? true)
        : inputs.circuitBreaker === 'rollback';
    next.alarms = { alarmNames: [...inputs.alarms], enable: true, rollback };
  }
  if (inputs.minimumHealthyPercent !== undefined) next.minimumHealthyPercent = inputs.minimumHealthyPercent;
  if (inputs.maximumPercent !== undefined) next.maximumPercent = inputs.maximumPercent;

  if (inputs.strategy !== 'unchanged') {
    const strategy = STRATEGY[inputs.strategy];
    next.strategy = strategy;
    if (strategy === 'ROLLING') delete next.bakeTimeInMinutes;
    if (strategy !== 'CANARY') delete next.canaryConfiguration;
    if (strategy !== 'LINEAR') delete next.linearConfiguration;
  }
  if (inputs.bakeTimeMinutes !== undefined) next.bakeTimeInMinutes = inputs.bakeTimeMinutes;
  if (inputs.canaryPercent !== undefined || inputs.canaryBakeMinutes !== undefined) {
    next.canaryConfiguration = {
      ...next.canaryConfiguration,
      ...(inputs.canaryPercent !== undefined ? { canaryPercent: inputs.canaryPercent } : {}),
      ...(inputs.canaryBakeMinutes !== undefined
        ? { canaryBakeTimeInMinutes: inputs.canaryBakeMinutes }
        : {}),
    };
  }
  if (inputs.linearStepPercent !== undefined || inputs.linearStepBakeMinutes !== undefined) {
    next.linearConfiguration = {
      ...next.linearConfiguration,
      ...(inputs.linearStepPercent !== undefined ? { stepPercent: inputs.linearStepPercent } : {}),
      ...(inputs.linearStepBakeMinutes !== undefined
        ? { stepBakeTimeInMinutes: inputs.linearStepBakeMinutes }
        : {}),
    };
  }
  if (next.strategy === 'BLUE_GREEN' && next.bakeTimeInMinutes === undefined) {
    throw new ConfigurationError(
      `\`strategy: blue-green\` needs \`bake-time-minutes\` (how long both revisions keep running after production traffic moved, 0–1440), and ${serviceName} has none yet. Add e.g. \`bake-time-minutes: 10\`.`,
    );
  }

  const describe = (key: keyof DeploymentConfiguration, phrase: string) => {
    if (!sameJson(before[key], next[key])) changes.push(phrase);
  };
  describe(
    'deploymentCircuitBreaker',
    `circuit breaker ${next.deploymentCircuitBreaker?.rollback ? 'with rollback' : 'without rollback (detect)'}`,
  );
  describe(
    'alarms',
    `alarms ${next.alarms?.alarmNames?.join(', ')}${next.alarms?.rollback ? ' with rollback' : ''}`,
  );
  describe('minimumHealthyPercent', `minimum healthy ${next.minimumHealthyPercent}%`);
  describe('maximumPercent', `maximum ${next.maximumPercent}%`);
  describe('strategy', `strategy ${next.strategy}`);
  describe('bakeTimeInMinutes', `bake time ${next.bakeTimeInMinutes ?? '(none)'} min`);
  describe(
    'canaryConfiguration',
    `canary ${next.canaryConfiguration?.canaryPercent ?? 'default'}% for ${next.canaryConfiguration?.canaryBakeTimeInMinutes ?? 'default'} min`,
  );
  describe(
    'linearConfiguration',
    `linear steps of ${next.linearConfiguration?.stepPercent ?? 'default'}% every ${next.linearConfiguration?.stepBakeTimeInMinutes ?? 'default'} min`,
  );
  return { configuration: changes.length > 0 ? next : undefined, effective: next, changes };
}

export interface ServiceUpdatePlan {
  /** The UpdateService request without its task definition (known once registered). */
  request: Omit<UpdateServiceCommandInput, 'taskDefinition'> & { cluster: string; service: string };
  effectiveConfiguration: DeploymentConfiguration;
  /** One phrase per change besides the task definition, for the log. */
  changes: string[];
}

/**
 * What the update changes besides the task definition: only what the inputs
 * set. Made once, before the first write, so every refusal (blue/green
 * without a bake time, …) comes before anything is registered.
 */
export function planServiceUpdate(inputs: ServiceInputs, service: Service): ServiceUpdatePlan {
  const name = service.serviceName ?? inputs.service;
  const plan = planDeploymentConfiguration(service.deploymentConfiguration, inputs, `service \`${name}\``);
  const request: ServiceUpdatePlan['request'] = { cluster: inputs.cluster, service: inputs.service };
  const changes = [...plan.changes];
  if (plan.configuration) request.deploymentConfiguration = plan.configuration;
  if (inputs.desiredCount !== undefined && inputs.desiredCount !== service.desiredCount) {
    request.desiredCount = inputs.desiredCount;
    changes.push(`desired count ${service.desiredCount ?? '?'} → ${inputs.desiredCount}`);
  }
  if (inputs.forceNewDeployment) {
    request.forceNewDeployment = true;
    changes.push('forced new deployment');
  }
  if (
    inputs.enableExecuteCommand !== undefined &&
    inputs.enableExecuteCommand !== service.enableExecuteCommand
  ) {
    request.enableExecuteCommand = inputs.enableExecuteCommand;
    changes.push(`execute command ${inputs.enableExecuteCommand ? 'enabled' : 'disabled'}`);
  }
  if (inputs.propagateTags !== undefined && inputs.propagateTags !== service.propagateTags) {
    request.propagateTags = inputs.propagateTags;
    changes.push(`propagate tags from ${inputs.propagateTags}`);
  }
  if (
    inputs.enableEcsManagedTags !== undefined &&
    inputs.enableEcsManagedTags !== (service.enableECSManagedTags ?? false)
  ) {
    request.enableECSManagedTags = inputs.enableEcsManagedTags;
    changes.push(`ECS managed tags ${inputs.enableEcsManagedTags ? 'on' : 'off'}`);
  }
  if (inputs.serviceManagedEbsVolume) {
    // Sent whenever given: UpdateService replaces the service's volume configurations with the list sent.
    request.volumeConfigurations = [structuredClone(inputs.serviceManagedEbsVolume)];
    changes.push(describeVolume(inputs.serviceManagedEbsVolume));
  }
  if (inputs.capacityProviderStrategy.length > 0) {
    request.capacityProviderStrategy = inputs.capacityProviderStrategy.map((item) => ({ ...item }));
    changes.push(
      `capacity providers ${inputs.capacityProviderStrategy.map((i) => `${i.capacityProvider}:${i.weight}`).join(', ')}`,
    );
  }
  return { request, effectiveConfiguration: plan.effective, changes };
}

/**
 * `service-managed-ebs-volume-name` must be a volume of the revision deployed
 * with `configuredAtLaunch: true`; checked on the file before it is registered
 * and on a named revision once described, before UpdateService.
 */
export function checkServiceVolume(
  inputs: Pick<ServiceInputs, 'serviceManagedEbsVolume'>,
  definition: Pick<TaskDefinition, 'volumes' | 'family'>,
): void {
  if (inputs.serviceManagedEbsVolume)
    checkVolumeInTaskDefinition('service', inputs.serviceManagedEbsVolume, definition);
}

/** The UpdateService request of a plan, for the revision that was registered or named. */
export function serviceUpdateRequest(
  plan: ServiceUpdatePlan,
  taskDefinitionArn: string,
): ServiceUpdatePlan['request'] & { taskDefinition: string } {
  return { ...plan.request, taskDefinition: taskDefinitionArn };
}

/**
 * The container a `run-task-command` overrides: the first essential container
 * (the application, by convention; sidecars come after it or are not essential).
 */
export function commandContainer(definition: Pick<TaskDefinition, 'containerDefinitions'>): string {
  const containers = definition.containerDefinitions ?? [];
  const chosen = containers.find((c) => c.essential !== false) ?? containers[0];
  if (!chosen?.name) {
    throw new ConfigurationError(
      '`run-task-command`: the task definition has no named container to run it in.',
    );
  }
  return chosen.name;
}

/**
 * The RunTask request: launch type or capacity providers, awsvpc networking
 * (from the inputs, else borrowed from `service` when one is named), and the
 * command override.
 */
export function planRunTask(
  inputs: RunTaskInputs,
  definition: TaskDefinition,
  taskDefinitionArn: string,
  service?: Service,
): RunTaskCommandInput {
  const request: RunTaskCommandInput = {
    cluster: inputs.cluster,
    taskDefinition: taskDefinitionArn,
    count: 1,
    startedBy: inputs.runTaskStartedBy,
  };
  if (inputs.runTaskLaunchType) request.launchType = inputs.runTaskLaunchType as LaunchType;
  else if (inputs.capacityProviderStrategy.length > 0) {
    request.capacityProviderStrategy = inputs.capacityProviderStrategy.map((item) => ({ ...item }));
  } else if (service?.capacityProviderStrategy?.length) {
    request.capacityProviderStrategy = service.capacityProviderStrategy;
  } else if (service?.launchType) {
    request.launchType = service.launchType;
  } else if (definition.requiresCompatibilities?.includes('FARGATE')) {
    request.launchType = 'FARGATE';
  }

  const borrowed = service?.networkConfiguration?.awsvpcConfiguration;
  const subnets = inputs.runTaskSubnets.length > 0 ? inputs.runTaskSubnets : (borrowed?.subnets ?? []);
  const securityGroups =
    inputs.runTaskSecurityGroups.length > 0 ? inputs.runTaskSecurityGroups : (borrowed?.securityGroups ?? []);
  if (definition.networkMode === 'awsvpc') {
    if (subnets.length === 0) {
      throw new ConfigurationError(
        `Task definition ${definition.family ?? ''} uses the awsvpc network mode, so the one-off task needs subnets: set \`run-task-subnets\` (and \`run-task-security-groups\`), or name the \`service\` whose network configuration it should borrow.`,
      );
    }
    const awsvpc: AwsVpcConfiguration = { subnets: [...subnets] };
    if (securityGroups.length > 0) awsvpc.securityGroups = [...securityGroups];
    const publicIp =
      inputs.runTaskAssignPublicIp === undefined
        ? borrowed?.assignPublicIp
        : inputs.runTaskAssignPublicIp
          ? 'ENABLED'
          : 'DISABLED';
    if (publicIp) awsvpc.assignPublicIp = publicIp;
    request.networkConfiguration = { awsvpcConfiguration: awsvpc };
  } else if (inputs.runTaskSubnets.length > 0 || inputs.runTaskSecurityGroups.length > 0) {
    throw new ConfigurationError(
      `\`run-task-subnets\`/\`run-task-security-groups\` need a task definition with \`networkMode: awsvpc\`, but ${definition.family ?? 'it'} uses ${definition.networkMode ?? 'the default (bridge)'} mode. Remove them, or switch the task definition to awsvpc.`,
    );
  }
  const containerOverrides = mergeContainerOverrides(
    definition,
    inputs.runTaskContainerOverrides,
    inputs.runTaskCommand
      ? { container: commandContainer(definition), command: inputs.runTaskCommand }
      : undefined,
  );
  if (containerOverrides) request.overrides = { containerOverrides };
  if (inputs.enableExecuteCommand !== undefined) request.enableExecuteCommand = inputs.enableExecuteCommand;
  if (inputs.propagateTags !== undefined)
    request.propagateTags = inputs.propagateTags as 'TASK_DEFINITION' | 'NONE';
  if (inputs.enableEcsManagedTags !== undefined) request.enableECSManagedTags = inputs.enableEcsManagedTags;
  if (inputs.runTaskTags) request.tags = inputs.runTaskTags.map((tag) => ({ ...tag }));
  if (inputs.runTaskManagedEbsVolume) {
    checkVolumeInTaskDefinition('run-task', inputs.runTaskManagedEbsVolume, definition);
    request.volumeConfigurations = [structuredClone(inputs.runTaskManagedEbsVolume)];
  }
  return request;
}
