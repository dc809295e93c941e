/**
 * CodeDeploy's wire shapes (API reference: DeploymentInfo, DeploymentGroupInfo,
 * ApplicationInfo, DeploymentTarget/ECSTarget/ECSTaskSet, LifecycleEvent).
 * Timestamps are Dates; the server writes them as epoch seconds (JSON 1.1).
 */
import type { EcsEngine } from '../ecs/engine.js';
import { taskSetCounts } from '../ecs/task-sets.js';
import { isFinished } from './lifecycle.js';
import type { ApplicationState, DeploymentGroupState, DeploymentState } from './types.js';

const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

export function applicationShape(app: ApplicationState): Record<string, unknown> {
  return {
    applicationId: app.id,
    applicationName: app.name,
    createTime: date(app.createdAt),
    linkedToGitHub: false,
    computePlatform: app.computePlatform,
  };
}

function summary(entry: DeploymentGroupState['lastAttempted']) {
  return entry
    ? {
        deploymentId: entry.deploymentId,
        status: entry.status,
        endTime: date(entry.endTime),
        createTime: date(entry.createTime),
      }
    : undefined;
}

export function deploymentGroupShape(group: DeploymentGroupState): Record<string, unknown> {
  const input = group.input;
  return {
    applicationName: group.applicationName,
    deploymentGroupId: group.id,
    deploymentGroupName: group.name,
    deploymentConfigName: group.deploymentConfigName,
    ec2TagFilters: [],
    onPremisesInstanceTagFilters: [],
    autoScalingGroups: [],
    serviceRoleArn: group.serviceRoleArn,
    triggerConfigurations: input.triggerConfigurations ?? [],
    alarmConfiguration: input.alarmConfiguration ?? {
      enabled: false,
      ignorePollAlarmFailure: false,
      alarms: [],
    },
    autoRollbackConfiguration: { enabled: group.autoRollback.enabled, events: group.autoRollback.events },
    deploymentStyle: input.deploymentStyle,
    outdatedInstancesStrategy: 'UPDATE',
    blueGreenDeploymentConfiguration: {
      terminateBlueInstancesOnDeploymentSuccess: {
        action: 'TERMINATE',
        terminationWaitTimeInMinutes: group.terminationWaitMinutes,
      },
      deploymentReadyOption: {
        actionOnTimeout: group.readyAction,
        waitTimeInMinutes: group.readyWaitMinutes,
      },
    },
    loadBalancerInfo: input.loadBalancerInfo,
    lastSuccessfulDeployment: summary(group.lastSuccessful),
    lastAttemptedDeployment: summary(group.lastAttempted),
    computePlatform: 'ECS',
    ecsServices: [{ serviceName: group.serviceName, clusterName: group.clusterName }],
    terminationHookEnabled: false,
  };
}

function overview(deployment: DeploymentState): Record<string, number> {
  const counts = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
  counts[targetStatus(deployment)]++;
  return counts;
}

/** The ECS target's status follows the deployment's. */
export function targetStatus(
  deployment: DeploymentState,
): 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Ready' {
  switch (deployment.status) {
    case 'Created':
    case 'Queued':
      return 'Pending';
    case 'Succeeded':
      return 'Succeeded';
    case 'Failed':
    case 'Stopped':
      return 'Failed';
    case 'Ready':
      return 'Ready';
    default:
      return 'InProgress';
  }
}

export function deploymentShape(
  deployment: DeploymentState,
  group: DeploymentGroupState | undefined,
): Record<string, unknown> {
  return {
    applicationName: deployment.applicationName,
    deploymentGroupName: deployment.groupName,
    deploymentConfigName: deployment.configName,
    deploymentId: deployment.id,
    revision: deployment.revision,
    status: deployment.status,
    errorInformation: deployment.errorInformation,
    createTime: date(deployment.createdAt),
    startTime: date(deployment.startedAt),
    completeTime: date(deployment.completedAt),
    // null while an ECS deployment runs; target counts once it has finished (recorded).
    deploymentOverview: isFinished(deployment) ? overview(deployment) : undefined,
    description: deployment.description,
    creator: deployment.creator,
    ignoreApplicationStopFailures: false,
    autoRollbackConfiguration: {
      enabled: deployment.autoRollback.enabled,
      events: deployment.autoRollback.events,
    },
    updateOutdatedInstancesOnly: false,
    rollbackInfo: deployment.rollbackInfo,
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    instanceTerminationWaitTimeStarted: deployment.terminationWaitSince !== undefined,
    blueGreenDeploymentConfiguration: group
      ? deploymentGroupShape(group).blueGreenDeploymentConfiguration
      : undefined,
    loadBalancerInfo: group?.input.loadBalancerInfo,
    fileExistsBehavior: 'DISALLOW',
    deploymentStatusMessages: [],
    computePlatform: 'ECS',
  };
}

export function targetId(deployment: DeploymentState): string {
  return `${deployment.clusterName}:${deployment.serviceName}`;
}

/** GetDeploymentTarget's `deploymentTarget` for the deployment's one ECS target. */
export function ecsTargetShape(
  engine: EcsEngine,
  deployment: DeploymentState,
  group: DeploymentGroupState | undefined,
): Record<string, unknown> {
  const svc = engine.services.get(`${deployment.clusterName}/${deployment.serviceName}`);
  const targetGroups: Array<{ name: string }> =
    group?.input.loadBalancerInfo?.targetGroupPairInfoList?.[0]?.targetGroups ?? [];
  const taskSetsInfo: Array<Record<string, unknown>> = [];
  const sets: Array<[string | undefined, 'Blue' | 'Green', number]> = [
    [deployment.originalTaskSetId, 'Blue', 100 - deployment.replacementWeight],
    [deployment.replacementTaskSetId, 'Green', deployment.replacementWeight],
  ];
  for (const [id, label, weight] of sets) {
    const taskSet = svc?.taskSets?.find((t) => t.id === id);
    if (!svc || !taskSet) continue;
    const counts = taskSetCounts(engine, svc, taskSet);
    taskSetsInfo.push({
      identifer: taskSet.id,
      desiredCount: counts.computedDesiredCount,
      pendingCount: counts.pending,
      runningCount: counts.running,
      status: taskSet.status,
      trafficWeight: weight,
      targetGroup: targetGroups[label === 'Blue' ? 0 : 1]
        ? { name: targetGroups[label === 'Blue' ? 0 : 1].name }
        : undefined,
      taskSetLabel: label,
    });
  }
  return {
    deploymentTargetType: 'ECSTarget',
    ecsTarget: {
      deploymentId: deployment.id,
      targetId: targetId(deployment),
      targetArn: svc?.arn ?? engine.serviceArn(deployment.clusterName, deployment.serviceName),
      lastUpdatedAt: date(deployment.targetUpdatedAt),
      lifecycleEvents: deployment.events.map((event) => ({
        lifecycleEventName: event.name,
        diagnostics: event.diagnostics,
        startTime: date(event.startedAt),
        endTime: date(event.endedAt),
        status: event.status,
      })),
      status: targetStatus(deployment),
      taskSetsInfo,
    },
  };
}
