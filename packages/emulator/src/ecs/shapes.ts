/**
 * Wire shapes of the ECS responses (AWS JSON 1.1: timestamps as epoch
 * seconds). Member sets follow the real responses in the corpus
 * (../shared/corpus/ecs-api) and the API reference.
 */
import type { EcsEngine } from './engine.js';
import { taskSetShape } from './task-sets.js';
import type {
  ClusterState,
  DeploymentState,
  ServiceDeploymentRecord,
  ServiceRevisionState,
  ServiceState,
  TaskState,
} from './types.js';
import { clone, compact, wireTime } from './util.js';

export function clusterShape(
  engine: EcsEngine,
  cluster: ClusterState,
  include: string[] = [],
): Record<string, any> {
  // DescribeClusters returns tags only with include TAGS.
  let running = 0;
  let pending = 0;
  for (const task of engine.tasks.values()) {
    if (task.clusterName !== cluster.name || task.desiredStatus !== 'RUNNING') continue;
    if (task.lastStatus === 'RUNNING') running++;
    else if (task.lastStatus !== 'STOPPED') pending++;
  }
  let activeServices = 0;
  for (const svc of engine.services.values())
    if (svc.clusterName === cluster.name && svc.status === 'ACTIVE') activeServices++;
  return compact({
    clusterArn: cluster.arn,
    clusterName: cluster.name,
    status: cluster.status,
    registeredContainerInstancesCount: 0,
    runningTasksCount: running,
    pendingTasksCount: pending,
    activeServicesCount: activeServices,
    statistics: [],
    tags: include.includes('TAGS') ? clone(cluster.tags) : [],
    settings: clone(cluster.settings),
    capacityProviders: clone(cluster.capacityProviders),
    defaultCapacityProviderStrategy: clone(cluster.defaultCapacityProviderStrategy),
  });
}

function counts(
  engine: EcsEngine,
  svc: ServiceState,
  deploymentId: string,
): { running: number; pending: number } {
  let running = 0;
  let pending = 0;
  for (const task of engine.serviceTasks(svc)) {
    if (task.deploymentId !== deploymentId || task.desiredStatus !== 'RUNNING') continue;
    if (task.lastStatus === 'RUNNING') running++;
    else if (task.lastStatus !== 'STOPPED') pending++;
  }
  return { running, pending };
}

export function deploymentShape(
  engine: EcsEngine,
  svc: ServiceState,
  d: DeploymentState,
): Record<string, any> {
  const { running, pending } = counts(engine, svc, d.id);
  return compact({
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinitionArn,
    desiredCount: d.desiredCount,
    pendingCount: pending,
    runningCount: running,
    failedTasks: d.failedTasks,
    createdAt: wireTime(d.createdAt),
    updatedAt: wireTime(d.updatedAt),
    capacityProviderStrategy: clone(d.capacityProviderStrategy),
    launchType: d.capacityProviderStrategy ? undefined : d.launchType,
    platformVersion: d.platformVersion,
    platformFamily: d.platformVersion ? 'Linux' : undefined,
    networkConfiguration: clone(d.networkConfiguration),
    volumeConfigurations: d.volumeConfigurations?.length ? clone(d.volumeConfigurations) : undefined,
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason,
  });
}

export function deploymentConfigurationShape(
  config: ServiceState['deploymentConfiguration'],
): Record<string, any> {
  return compact({
    deploymentCircuitBreaker: clone(config.deploymentCircuitBreaker),
    maximumPercent: config.maximumPercent,
    minimumHealthyPercent: config.minimumHealthyPercent,
    alarms: clone(config.alarms),
    strategy: config.strategy,
    bakeTimeInMinutes: config.bakeTimeInMinutes,
    lifecycleHooks: clone(config.lifecycleHooks),
    canaryConfiguration: clone(config.canaryConfiguration),
    linearConfiguration: clone(config.linearConfiguration),
    earlySuccessCriteria: clone(config.earlySuccessCriteria),
  });
}

export function serviceShape(
  engine: EcsEngine,
  svc: ServiceState,
  include: string[] = [],
): Record<string, any> {
  const ecsController = svc.deploymentController.type === 'ECS';
  let running = 0;
  let pending = 0;
  for (const d of svc.deployments) {
    const c = counts(engine, svc, d.id);
    running += c.running;
    pending += c.pending;
  }
  for (const t of svc.taskSets ?? []) {
    const c = counts(engine, svc, t.id);
    running += c.running;
    pending += c.pending;
  }
  const currentRevisions = svc.deployments
    .map((d) => ({ d, c: counts(engine, svc, d.id) }))
    .filter(({ d, c }) => d.status === 'PRIMARY' || c.running + c.pending > 0)
    .map(({ d, c }) => ({
      arn: d.revisionArn,
      requestedTaskCount: d.desiredCount,
      runningTaskCount: c.running,
      pendingTaskCount: c.pending,
    }));
  return compact({
    serviceArn: svc.arn,
    serviceName: svc.name,
    clusterArn: engine.clusterArn(svc.clusterName),
    loadBalancers: clone(svc.loadBalancers),
    serviceRegistries: clone(svc.serviceRegistries),
    status: svc.status,
    desiredCount: svc.desiredCount,
    runningCount: running,
    pendingCount: pending,
    launchType: svc.capacityProviderStrategy ? undefined : svc.launchType,
    capacityProviderStrategy: clone(svc.capacityProviderStrategy),
    platformVersion: svc.platformVersion,
    platformFamily: svc.platformVersion ? 'Linux' : undefined,
    taskDefinition: svc.taskDefinitionArn,
    deploymentConfiguration: deploymentConfigurationShape(svc.deploymentConfiguration),
    taskSets: ecsController ? undefined : (svc.taskSets ?? []).map((t) => taskSetShape(engine, svc, t)),
    deployments: ecsController ? svc.deployments.map((d) => deploymentShape(engine, svc, d)) : [],
    roleArn: `arn:aws:iam::${engine.world.accountId}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
    events: svc.events.map((e) => ({ id: e.id, createdAt: wireTime(e.createdAt), message: e.message })),
    createdAt: wireTime(svc.createdAt),
    currentServiceDeployment: ecsController ? svc.records[0]?.arn : undefined,
    currentServiceRevisions: ecsController ? currentRevisions : undefined,
    placementConstraints: clone(svc.placementConstraints),
    placementStrategy: clone(svc.placementStrategy),
    networkConfiguration: clone(svc.networkConfiguration),
    healthCheckGracePeriodSeconds: svc.healthCheckGracePeriodSeconds,
    schedulingStrategy: svc.schedulingStrategy,
    deploymentController: clone(svc.deploymentController),
    tags: include.includes('TAGS') ? clone(svc.tags) : undefined,
    createdBy: svc.createdBy,
    enableECSManagedTags: svc.enableECSManagedTags,
    propagateTags: svc.propagateTags,
    enableExecuteCommand: svc.enableExecuteCommand,
  });
}

export function taskShape(engine: EcsEngine, task: TaskState, include: string[] = []): Record<string, any> {
  return compact({
    attachments: task.attachments.map((a) => clone(a)),
    attributes: [{ name: 'ecs.cpu-architecture', value: 'x86_64' }],
    availabilityZone: task.availabilityZone,
    capacityProviderName: task.capacityProviderName,
    clusterArn: engine.clusterArn(task.clusterName),
    connectivity: task.connectivityAt !== undefined ? 'CONNECTED' : undefined,
    connectivityAt: wireTime(task.connectivityAt),
    containers: task.containers.map((c) =>
      compact({
        containerArn: c.arn,
        taskArn: task.arn,
        name: c.name,
        image: c.image,
        imageDigest: c.imageDigest,
        runtimeId: c.runtimeId,
        lastStatus: c.lastStatus,
        exitCode: c.exitCode,
        reason: c.reason,
        networkBindings: [],
        networkInterfaces:
          c.privateIp && task.attachmentId
            ? [{ attachmentId: task.attachmentId, privateIpv4Address: c.privateIp }]
            : [],
        healthStatus: c.healthStatus,
        cpu: c.cpu,
        memory: c.memory,
        memoryReservation: c.memoryReservation,
      }),
    ),
    cpu: task.cpu,
    createdAt: wireTime(task.createdAt),
    desiredStatus: task.desiredStatus,
    enableExecuteCommand: task.enableExecuteCommand,
    executionStoppedAt: wireTime(task.executionStoppedAt),
    group: task.group,
    healthStatus: task.healthStatus,
    lastStatus: task.lastStatus,
    launchType: task.launchType,
    memory: task.memory,
    overrides: clone(task.overrides),
    platformVersion: task.launchType === 'FARGATE' ? task.platformVersion : undefined,
    platformFamily: task.launchType === 'FARGATE' ? 'Linux' : undefined,
    pullStartedAt: wireTime(task.pullStartedAt),
    pullStoppedAt: wireTime(task.pullStoppedAt),
    startedAt: wireTime(task.startedAt),
    startedBy: task.startedBy,
    stopCode: task.stopCode,
    stoppedAt: wireTime(task.stoppedAt),
    stoppedReason: task.stoppedReason,
    stoppingAt: wireTime(task.stoppingAt),
    tags: include.includes('TAGS') ? clone(task.tags) : [],
    taskArn: task.arn,
    taskDefinitionArn: task.taskDefinitionArn,
    version: task.version,
    ephemeralStorage: task.launchType === 'FARGATE' ? { sizeInGiB: 20 } : undefined,
    fargateEphemeralStorage: task.launchType === 'FARGATE' ? { sizeInGiB: 20 } : undefined,
  });
}

function revisionSummary(
  engine: EcsEngine,
  record: ServiceDeploymentRecord,
  revisionArn: string,
  role: 'target' | 'source',
): Record<string, any> {
  const svc = engine.services.get(`${record.clusterName}/${record.serviceName}`);
  const frozen = record.frozenCounts?.[revisionArn];
  const deployment = svc?.deployments.find((d) => d.revisionArn === revisionArn);
  let requested = 0;
  let running = 0;
  let pending = 0;
  if (frozen) {
    requested = frozen.requested;
    running = frozen.running;
    pending = frozen.pending;
  } else if (svc && deployment) {
    const c = counts(engine, svc, deployment.id);
    requested = deployment.desiredCount;
    running = c.running;
    pending = c.pending;
  }
  const out: Record<string, any> = {
    arn: revisionArn,
    requestedTaskCount: requested,
    runningTaskCount: running,
    pendingTaskCount: pending,
  };
  if (record.productionWeight !== undefined) {
    out.requestedProductionTrafficWeight =
      role === 'target' ? record.productionWeight : 100 - record.productionWeight;
  }
  if (record.testWeight !== undefined) {
    out.requestedTestTrafficWeight = role === 'target' ? record.testWeight : 100 - record.testWeight;
  }
  return out;
}

export function serviceDeploymentShape(
  engine: EcsEngine,
  record: ServiceDeploymentRecord,
): Record<string, any> {
  return compact({
    serviceDeploymentArn: record.arn,
    serviceArn: record.serviceArn,
    clusterArn: record.clusterArn,
    createdAt: wireTime(record.createdAt),
    startedAt: wireTime(record.startedAt),
    finishedAt: wireTime(record.finishedAt),
    stoppedAt: wireTime(record.stoppedAt),
    updatedAt: wireTime(record.updatedAt),
    sourceServiceRevisions: record.sourceRevisionArns.map((arn) =>
      revisionSummary(engine, record, arn, 'source'),
    ),
    targetServiceRevision: revisionSummary(engine, record, record.targetRevisionArn, 'target'),
    status: record.status,
    statusReason: record.statusReason,
    lifecycleStage: record.lifecycleStage,
    deploymentConfiguration: deploymentConfigurationShape(record.deploymentConfiguration),
    rollback: record.rollback
      ? {
          reason: record.rollback.reason,
          startedAt: wireTime(record.rollback.startedAt),
          serviceRevisionArn: record.rollback.serviceRevisionArn,
        }
      : undefined,
    deploymentCircuitBreaker: clone(record.circuitBreaker),
    alarms: compact({
      status: record.alarms.status,
      alarmNames: record.alarms.alarmNames.length ? [...record.alarms.alarmNames] : undefined,
      triggeredAlarmNames: record.alarms.triggeredAlarmNames.length
        ? [...record.alarms.triggeredAlarmNames]
        : undefined,
    }),
  });
}

export function serviceDeploymentBriefShape(record: ServiceDeploymentRecord): Record<string, any> {
  return compact({
    serviceDeploymentArn: record.arn,
    serviceArn: record.serviceArn,
    clusterArn: record.clusterArn,
    startedAt: wireTime(record.startedAt),
    createdAt: wireTime(record.createdAt),
    finishedAt: wireTime(record.finishedAt),
    targetServiceRevisionArn: record.targetRevisionArn,
    status: record.status,
    statusReason: record.statusReason,
  });
}

export function serviceRevisionShape(revision: ServiceRevisionState): Record<string, any> {
  return compact({
    serviceRevisionArn: revision.arn,
    serviceArn: revision.serviceArn,
    clusterArn: revision.clusterArn,
    taskDefinition: revision.taskDefinition,
    capacityProviderStrategy: clone(revision.capacityProviderStrategy),
    launchType: revision.capacityProviderStrategy ? undefined : revision.launchType,
    platformVersion: revision.platformVersion,
    platformFamily: revision.platformFamily,
    loadBalancers: clone(revision.loadBalancers),
    serviceRegistries: clone(revision.serviceRegistries),
    networkConfiguration: clone(revision.networkConfiguration),
    volumeConfigurations: revision.volumeConfigurations?.length
      ? clone(revision.volumeConfigurations)
      : undefined,
    containerImages: revision.containerImages.map((c) => compact({ ...c })),
    guardDutyEnabled: false,
    createdAt: wireTime(revision.createdAt),
  });
}
