/**
 * CreateService, UpdateService and DeleteService: validation and the
 * decisions that start a deployment. The rollout itself is the engine's.
 *
 * References:
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteService.html
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html
 *   (defaults: maximumPercent 200, minimumHealthyPercent 100 for REPLICA)
 */
import { AwsError } from '../world.js';
import type { EcsEngine } from './engine.js';
import { serviceKey } from './engine.js';
import { createTaskSet } from './task-sets.js';
import { TIMING } from './timing.js';
import type {
  NormalizedDeploymentConfiguration,
  ServiceState,
  Strategy,
  TaskDefinitionState,
} from './types.js';
import { clone } from './util.js';
import { checkVolumeConfigurations } from './volume-configurations.js';

const STRATEGIES: Strategy[] = ['ROLLING', 'BLUE_GREEN', 'CANARY', 'LINEAR'];

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

/** Merges a request's deploymentConfiguration over the current one and validates it. */
export function normalizeDeploymentConfiguration(
  input: Record<string, any> | undefined,
  current?: NormalizedDeploymentConfiguration,
): NormalizedDeploymentConfiguration {
  const base: NormalizedDeploymentConfiguration = current
    ? clone(current)
    : {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: false, rollback: false },
        strategy: 'ROLLING',
      };
  if (!input) return base;
  const out: NormalizedDeploymentConfiguration = { ...base };
  if (input.maximumPercent !== undefined) out.maximumPercent = input.maximumPercent;
  if (input.minimumHealthyPercent !== undefined) out.minimumHealthyPercent = input.minimumHealthyPercent;
  if (input.deploymentCircuitBreaker !== undefined) {
    const cb = input.deploymentCircuitBreaker;
    if (typeof cb.enable !== 'boolean' || typeof cb.rollback !== 'boolean') {
      throw invalid('deploymentCircuitBreaker requires both enable and rollback.');
    }
    out.deploymentCircuitBreaker = {
      enable: cb.enable,
      rollback: cb.rollback,
      ...(cb.resetOnHealthyTask !== undefined ? { resetOnHealthyTask: Boolean(cb.resetOnHealthyTask) } : {}),
      ...(cb.thresholdConfiguration !== undefined
        ? { thresholdConfiguration: clone(cb.thresholdConfiguration) }
        : {}),
    };
    const threshold = out.deploymentCircuitBreaker.thresholdConfiguration;
    if (threshold) {
      if (!['COUNT', 'BOUNDED_PERCENT', 'UNBOUNDED_PERCENT'].includes(threshold.type)) {
        throw invalid(
          `Invalid thresholdConfiguration type: ${String(threshold.type)}. Valid values are COUNT, BOUNDED_PERCENT and UNBOUNDED_PERCENT.`,
        );
      }
      if (!Number.isInteger(threshold.value) || threshold.value < 1) {
        throw invalid('thresholdConfiguration value must be a positive integer.');
      }
    }
  }
  if (input.alarms !== undefined) {
    const alarms = input.alarms;
    if (!Array.isArray(alarms.alarmNames)) throw invalid('alarms requires alarmNames.');
    out.alarms = {
      alarmNames: [...alarms.alarmNames],
      enable: Boolean(alarms.enable),
      rollback: Boolean(alarms.rollback),
    };
  }
  if (input.strategy !== undefined) {
    if (!STRATEGIES.includes(input.strategy)) {
      throw invalid(
        `Invalid strategy: ${String(input.strategy)}. Valid values are ROLLING, BLUE_GREEN, LINEAR and CANARY.`,
      );
    }
    out.strategy = input.strategy;
  }
  for (const key of [
    'bakeTimeInMinutes',
    'lifecycleHooks',
    'canaryConfiguration',
    'linearConfiguration',
    'earlySuccessCriteria',
  ] as const) {
    if (input[key] !== undefined) (out as any)[key] = clone(input[key]);
  }
  if (!Number.isInteger(out.maximumPercent) || out.maximumPercent < 0)
    throw invalid('maximumPercent must be a non-negative integer.');
  if (
    !Number.isInteger(out.minimumHealthyPercent) ||
    out.minimumHealthyPercent < 0 ||
    out.minimumHealthyPercent > 100
  ) {
    throw invalid('minimumHealthyPercent must be an integer between 0 and 100.');
  }
  if (out.bakeTimeInMinutes !== undefined && (out.bakeTimeInMinutes < 0 || out.bakeTimeInMinutes > 1440)) {
    throw invalid('bakeTimeInMinutes must be between 0 and 1440.');
  }
  const canary = out.canaryConfiguration;
  if (canary?.canaryPercent !== undefined && (canary.canaryPercent < 0.1 || canary.canaryPercent > 100)) {
    throw invalid('canaryPercent must be between 0.1 and 100.0.');
  }
  if (
    canary?.canaryBakeTimeInMinutes !== undefined &&
    (canary.canaryBakeTimeInMinutes < 0 || canary.canaryBakeTimeInMinutes > 1440)
  ) {
    throw invalid('canaryBakeTimeInMinutes must be between 0 and 1440.');
  }
  const linear = out.linearConfiguration;
  if (linear?.stepPercent !== undefined && (linear.stepPercent < 3 || linear.stepPercent > 100)) {
    throw invalid('stepPercent must be between 3.0 and 100.0.');
  }
  if (
    linear?.stepBakeTimeInMinutes !== undefined &&
    (linear.stepBakeTimeInMinutes < 0 || linear.stepBakeTimeInMinutes > 1440)
  ) {
    throw invalid('stepBakeTimeInMinutes must be between 0 and 1440.');
  }
  if (out.canaryConfiguration && out.strategy !== 'CANARY') {
    throw invalid('canaryConfiguration is only valid when the deployment strategy is CANARY.');
  }
  if (out.linearConfiguration && out.strategy !== 'LINEAR') {
    throw invalid('linearConfiguration is only valid when the deployment strategy is LINEAR.');
  }
  return out;
}

function activeTaskDefinition(engine: EcsEngine, reference: unknown): TaskDefinitionState {
  if (typeof reference !== 'string' || reference.length === 0)
    throw invalid("The 'taskDefinition' parameter is required.");
  const td = engine.taskDefinitions.find(reference);
  if (!td) throw new AwsError('ClientException', 'TaskDefinition not found.');
  if (td.status !== 'ACTIVE') throw new AwsError('ClientException', 'TaskDefinition is inactive');
  return td;
}

/** Checks the launch type against the task definition and the network configuration (awsvpc needs one). */
function checkPlacement(
  td: TaskDefinitionState,
  launchType: string | undefined,
  capacityProviderStrategy: Array<Record<string, any>> | undefined,
  networkConfiguration: Record<string, any> | undefined,
): void {
  const fargate =
    launchType === 'FARGATE' ||
    (capacityProviderStrategy ?? []).some((s) => String(s.capacityProvider).startsWith('FARGATE'));
  if (launchType && capacityProviderStrategy?.length) {
    throw invalid(
      'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    );
  }
  if (fargate && !td.compatibilities.includes('FARGATE')) {
    throw invalid('Task definition does not support launch_type FARGATE.');
  }
  if (td.body.networkMode === 'awsvpc') {
    const awsvpc = networkConfiguration?.awsvpcConfiguration;
    if (!awsvpc)
      throw invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    if (!Array.isArray(awsvpc.subnets) || awsvpc.subnets.length === 0)
      throw invalid('subnets can not be empty.');
  } else if (networkConfiguration?.awsvpcConfiguration) {
    throw invalid('Network Configuration is not valid for the given networkMode of this task definition.');
  }
}

export function createService(
  engine: EcsEngine,
  input: Record<string, any>,
  callerArn: string,
  options: { steady?: boolean } = {},
): ServiceState {
  const at = engine.now();
  const cluster = engine.cluster(input.cluster);
  const name = input.serviceName;
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
    throw invalid(
      'Service name can contain only up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
    );
  }
  const existing = engine.findService(cluster, name);
  if (existing?.status === 'ACTIVE') throw invalid('Creation of service was not idempotent.');
  if (existing?.status === 'DRAINING') throw invalid('Unable to Start a service that is still Draining.');
  const controller = input.deploymentController?.type ?? 'ECS';
  if (!['ECS', 'CODE_DEPLOY', 'EXTERNAL'].includes(controller))
    throw invalid(`Invalid deploymentController type: ${controller}`);
  const scheduling = input.schedulingStrategy ?? 'REPLICA';
  if (scheduling === 'DAEMON') {
    throw new AwsError(
      'UnsupportedFeatureException',
      'The emulator models REPLICA services only (no container instances for DAEMON).',
    );
  }
  const td = activeTaskDefinition(engine, input.taskDefinition);
  const launchType = input.launchType ?? (input.capacityProviderStrategy?.length ? undefined : 'EC2');
  checkPlacement(td, input.launchType, input.capacityProviderStrategy, input.networkConfiguration);
  const desiredCount = input.desiredCount;
  if (desiredCount === undefined || desiredCount === null) {
    throw invalid('desiredCount is required when schedulingStrategy is REPLICA.');
  }
  if (!Number.isInteger(desiredCount) || desiredCount < 0)
    throw invalid('desiredCount must be a non-negative integer.');
  const configuration = normalizeDeploymentConfiguration(input.deploymentConfiguration);
  if (controller !== 'ECS' && input.deploymentConfiguration?.deploymentCircuitBreaker?.enable) {
    throw invalid(
      'The deployment circuit breaker is only supported for services using the rolling update (ECS) deployment type.',
    );
  }
  const fargate =
    launchType === 'FARGATE' ||
    (input.capacityProviderStrategy ?? []).some((s: any) => String(s.capacityProvider).startsWith('FARGATE'));

  const volumeConfigurations = checkVolumeConfigurations(input.volumeConfigurations, td.body, 'service');
  const svc: ServiceState = {
    name,
    arn: engine.serviceArn(cluster.name, name),
    clusterName: cluster.name,
    status: 'ACTIVE',
    taskDefinitionArn: td.arn,
    desiredCount,
    launchType,
    capacityProviderStrategy: clone(input.capacityProviderStrategy),
    platformVersion: fargate ? (input.platformVersion ?? 'LATEST') : undefined,
    deploymentConfiguration: configuration,
    deploymentController: { type: controller },
    networkConfiguration: clone(input.networkConfiguration),
    volumeConfigurations,
    loadBalancers: clone(input.loadBalancers ?? []),
    serviceRegistries: clone(input.serviceRegistries ?? []),
    placementConstraints: clone(input.placementConstraints ?? []),
    placementStrategy: clone(input.placementStrategy ?? []),
    healthCheckGracePeriodSeconds:
      input.healthCheckGracePeriodSeconds ?? (input.loadBalancers?.length ? 0 : undefined),
    schedulingStrategy: scheduling,
    propagateTags: input.propagateTags ?? 'NONE',
    enableECSManagedTags: Boolean(input.enableECSManagedTags),
    enableExecuteCommand: Boolean(input.enableExecuteCommand),
    createdAt: at,
    createdBy: callerArn,
    tags: clone(input.tags ?? []),
    deployments: [],
    events: [],
    records: [],
    steady: false,
    steadyEpoch: 0,
    startFailures: 0,
  };
  engine.services.set(serviceKey(svc), svc);
  if (controller === 'CODE_DEPLOY') {
    // The first task set runs the service's task definition at 100 % (task-sets.ts).
    createTaskSet(engine, svc, { taskDefinitionArn: td.arn, at, alreadyRunning: options.steady });
    return svc;
  }
  if (controller !== 'ECS') return svc;
  const deployment = engine.newDeployment(svc, td, at, { initialDesired: desiredCount });
  if (options.steady) engine.makeSteady(svc, deployment, at);
  else
    engine.agenda.schedule(at + TIMING.schedulerLatencyMs, {
      kind: 'reconcile',
      serviceKey: serviceKey(svc),
    });
  return svc;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export function updateService(engine: EcsEngine, input: Record<string, any>): ServiceState {
  const at = engine.now();
  const cluster = engine.clusterOfService(input.cluster, input.service);
  const svc = engine.service(cluster, input.service);
  if (svc.status !== 'ACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
  // CodeDeploy owns what a CODE_DEPLOY service runs; ECS's answers as users quote them
  // (terraform-provider-aws reports; AWS CLI output in public write-ups).
  if (svc.deploymentController.type === 'CODE_DEPLOY' && input.taskDefinition !== undefined) {
    throw invalid(
      'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    );
  }
  if (svc.deploymentController.type === 'CODE_DEPLOY' && input.forceNewDeployment) {
    throw invalid(
      'Cannot force a new deployment on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    );
  }
  if (svc.deploymentController.type === 'CODE_DEPLOY' && input.networkConfiguration !== undefined) {
    throw invalid(
      'Unable to update network parameters on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    );
  }
  if (input.deploymentController && input.deploymentController.type !== svc.deploymentController.type) {
    throw invalid('Updating the deployment controller of a service is not supported by the emulator.');
  }
  const td =
    input.taskDefinition !== undefined ? activeTaskDefinition(engine, input.taskDefinition) : undefined;
  if (input.desiredCount !== undefined && (!Number.isInteger(input.desiredCount) || input.desiredCount < 0)) {
    throw invalid('desiredCount must be a non-negative integer.');
  }
  const configuration = normalizeDeploymentConfiguration(
    input.deploymentConfiguration,
    svc.deploymentConfiguration,
  );
  const launchType = input.capacityProviderStrategy?.length ? undefined : svc.launchType;
  const capacityProviderStrategy = input.capacityProviderStrategy ?? svc.capacityProviderStrategy;
  const networkConfiguration = input.networkConfiguration ?? svc.networkConfiguration;
  const targetTd = td ?? engine.taskDefinitions.find(svc.taskDefinitionArn);
  if (!targetTd) throw new AwsError('ClientException', 'TaskDefinition not found.');
  if (td || input.networkConfiguration || input.capacityProviderStrategy) {
    checkPlacement(targetTd, launchType, capacityProviderStrategy, networkConfiguration);
  }
  // Sent: replaces the service's volume configurations. Kept: checked against the revision they now go with.
  const volumeConfigurations = checkVolumeConfigurations(
    input.volumeConfigurations ?? svc.volumeConfigurations,
    targetTd.body,
    'service',
  );

  const needsDeployment =
    svc.deploymentController.type === 'ECS' &&
    (Boolean(input.forceNewDeployment) ||
      (td !== undefined && td.arn !== svc.taskDefinitionArn) ||
      (input.networkConfiguration !== undefined &&
        !sameJson(input.networkConfiguration, svc.networkConfiguration)) ||
      (input.platformVersion !== undefined && input.platformVersion !== svc.platformVersion) ||
      (input.capacityProviderStrategy !== undefined &&
        !sameJson(input.capacityProviderStrategy, svc.capacityProviderStrategy)) ||
      (input.volumeConfigurations !== undefined &&
        !sameJson(input.volumeConfigurations, svc.volumeConfigurations ?? [])));

  // A deploy without desiredCount keeps the current desired count.
  if (input.desiredCount !== undefined) svc.desiredCount = input.desiredCount;
  svc.deploymentConfiguration = configuration;
  svc.launchType = launchType;
  svc.capacityProviderStrategy = clone(capacityProviderStrategy);
  svc.networkConfiguration = clone(networkConfiguration);
  svc.volumeConfigurations = volumeConfigurations;
  if (input.platformVersion !== undefined) svc.platformVersion = input.platformVersion;
  if (input.enableExecuteCommand !== undefined)
    svc.enableExecuteCommand = Boolean(input.enableExecuteCommand);
  if (input.enableECSManagedTags !== undefined)
    svc.enableECSManagedTags = Boolean(input.enableECSManagedTags);
  if (input.propagateTags !== undefined) svc.propagateTags = input.propagateTags;
  if (input.healthCheckGracePeriodSeconds !== undefined)
    svc.healthCheckGracePeriodSeconds = input.healthCheckGracePeriodSeconds;
  if (input.loadBalancers !== undefined) svc.loadBalancers = clone(input.loadBalancers);
  if (input.serviceRegistries !== undefined) svc.serviceRegistries = clone(input.serviceRegistries);
  if (input.placementConstraints !== undefined) svc.placementConstraints = clone(input.placementConstraints);
  if (input.placementStrategy !== undefined) svc.placementStrategy = clone(input.placementStrategy);

  if (needsDeployment) {
    engine.supersede(svc, at);
    if (targetTd.arn !== svc.taskDefinitionArn) {
      // "Updating the service to use a new task definition returns the service to a
      // normal, non-throttled state immediately." (service-throttle-logic.html)
      svc.startFailures = 0;
      svc.throttledUntil = undefined;
    }
    svc.taskDefinitionArn = targetTd.arn;
    // The scheduler fills the new deployment's desired count on its first pass
    // (right after UpdateService it reads 0, as in the corpus mid-rollout dump).
    engine.newDeployment(svc, targetTd, at, { initialDesired: 0 });
  }
  engine.agenda.schedule(at + TIMING.schedulerLatencyMs, { kind: 'reconcile', serviceKey: serviceKey(svc) });
  return svc;
}

export function deleteService(engine: EcsEngine, input: Record<string, any>): ServiceState {
  const at = engine.now();
  const cluster = engine.clusterOfService(input.cluster, input.service);
  const svc = engine.service(cluster, input.service);
  if (svc.status === 'INACTIVE') throw new AwsError('ServiceNotActiveException', 'Service was not ACTIVE.');
  if (svc.status === 'ACTIVE') {
    if (svc.desiredCount > 0 && !input.force) {
      throw invalid('The service cannot be stopped while it is scaled above 0.');
    }
    svc.status = 'DRAINING';
    svc.desiredCount = 0;
    svc.steady = false;
    svc.steadyEpoch++;
    engine.reconcile(svc, at);
  }
  return svc;
}
