/**
 * CreateDeploymentGroup for the ECS compute platform, checked in the order the
 * API reference lists the rules
 * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html,
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-groups-create-ecs.html):
 * an ECS deployment group names one ECS service whose deployment controller is
 * CODE_DEPLOY, uses BLUE_GREEN with WITH_TRAFFIC_CONTROL, has a
 * blueGreenDeploymentConfiguration and one target group pair (two target groups
 * and a production listener).
 */
import type { ServiceState } from '../ecs/types.js';
import { DEFAULT_ECS_CONFIG } from './configs.js';
import { errors } from './errors.js';
import type { DeploymentGroupState } from './types.js';

export const AUTO_ROLLBACK_EVENTS = [
  'DEPLOYMENT_FAILURE',
  'DEPLOYMENT_STOP_ON_ALARM',
  'DEPLOYMENT_STOP_ON_REQUEST',
];

export interface GroupLookups {
  configExists(name: string): boolean;
  ecsService(cluster: string, service: string): ServiceState | undefined;
  /** The deployment group (`app/group`) that already deploys this ECS service, if any. */
  groupOfService(cluster: string, service: string): string | undefined;
}

export function ecsDeploymentGroup(
  input: Record<string, any>,
  lookups: GroupLookups,
  id: string,
): DeploymentGroupState {
  const name = input.deploymentGroupName;
  if (typeof input.serviceRoleArn !== 'string' || input.serviceRoleArn === '') throw errors.roleRequired();
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(input.serviceRoleArn))
    throw errors.invalidRole(input.serviceRoleArn);
  const configName = input.deploymentConfigName ?? DEFAULT_ECS_CONFIG;
  if (!lookups.configExists(configName)) throw errors.configDoesNotExist(configName);

  const style = input.deploymentStyle ?? {};
  if (style.deploymentType !== 'BLUE_GREEN' || style.deploymentOption !== 'WITH_TRAFFIC_CONTROL') {
    throw errors.invalidDeploymentStyle(
      `An Amazon ECS deployment group needs deploymentType BLUE_GREEN and deploymentOption WITH_TRAFFIC_CONTROL; got ${JSON.stringify(style)}.`,
    );
  }

  const services = input.ecsServices;
  if (!Array.isArray(services) || services.length !== 1) {
    throw errors.invalidEcsService(
      'An Amazon ECS deployment group names exactly one service in ecsServices.',
    );
  }
  const { serviceName, clusterName } = services[0] ?? {};
  const svc =
    typeof serviceName === 'string' && typeof clusterName === 'string'
      ? lookups.ecsService(clusterName, serviceName)
      : undefined;
  if (svc?.status !== 'ACTIVE') {
    throw errors.invalidEcsService(`No ACTIVE service ${serviceName} in cluster ${clusterName}.`);
  }
  if (svc.deploymentController.type !== 'CODE_DEPLOY') {
    throw errors.invalidEcsService(
      `Service ${serviceName} uses the ${svc.deploymentController.type} deployment controller; CodeDeploy deploys services created with deploymentController CODE_DEPLOY.`,
    );
  }
  const taken = lookups.groupOfService(clusterName, serviceName);
  if (taken) throw errors.ecsServiceMapped(`${clusterName}:${serviceName}`, taken);

  const blueGreen = input.blueGreenDeploymentConfiguration;
  const terminate = blueGreen?.terminateBlueInstancesOnDeploymentSuccess;
  const ready = blueGreen?.deploymentReadyOption;
  if (!blueGreen || !terminate || !ready) {
    throw errors.invalidBlueGreen(
      'An Amazon ECS deployment group needs blueGreenDeploymentConfiguration with terminateBlueInstancesOnDeploymentSuccess and deploymentReadyOption.',
    );
  }
  // "For an Amazon ECS deployment, the maximum is 2880 minutes" (API_BlueInstanceTerminationOption).
  const terminationWaitMinutes = terminate.terminationWaitTimeInMinutes ?? 0;
  if (
    !Number.isInteger(terminationWaitMinutes) ||
    terminationWaitMinutes < 0 ||
    terminationWaitMinutes > 2880
  ) {
    throw errors.invalidBlueGreen(
      `terminationWaitTimeInMinutes must be 0 to 2880 for an Amazon ECS deployment; got ${JSON.stringify(terminate.terminationWaitTimeInMinutes)}.`,
    );
  }
  if (terminate.action !== undefined && terminate.action !== 'TERMINATE') {
    throw errors.invalidBlueGreen(
      `An Amazon ECS deployment terminates the original task set; action ${terminate.action} is not valid.`,
    );
  }
  const readyAction = ready.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT';
  if (readyAction !== 'CONTINUE_DEPLOYMENT' && readyAction !== 'STOP_DEPLOYMENT') {
    throw errors.invalidBlueGreen(`deploymentReadyOption.actionOnTimeout is ${JSON.stringify(readyAction)}.`);
  }
  const readyWaitMinutes = ready.waitTimeInMinutes ?? 0;
  if (!Number.isInteger(readyWaitMinutes) || readyWaitMinutes < 0) {
    throw errors.invalidBlueGreen(
      `deploymentReadyOption.waitTimeInMinutes is ${JSON.stringify(ready.waitTimeInMinutes)}.`,
    );
  }

  const pairs = input.loadBalancerInfo?.targetGroupPairInfoList;
  if (!Array.isArray(pairs) || pairs.length !== 1) {
    throw errors.invalidTargetGroupPair(
      'An Amazon ECS deployment group needs loadBalancerInfo.targetGroupPairInfoList with one pair.',
    );
  }
  const pair = pairs[0] ?? {};
  if (
    !Array.isArray(pair.targetGroups) ||
    pair.targetGroups.length !== 2 ||
    pair.targetGroups.some((g: any) => !g?.name)
  ) {
    throw errors.invalidTargetGroupPair('The pair needs two targetGroups, each with a name.');
  }
  if (
    !Array.isArray(pair.prodTrafficRoute?.listenerArns) ||
    pair.prodTrafficRoute.listenerArns.length !== 1
  ) {
    throw errors.invalidTargetGroupPair('The pair needs prodTrafficRoute.listenerArns with one listener.');
  }

  const rollback = input.autoRollbackConfiguration ?? { enabled: false, events: [] };
  const events: unknown[] = rollback.events ?? [];
  const unknownEvent = events.find((e) => typeof e !== 'string' || !AUTO_ROLLBACK_EVENTS.includes(e));
  if (unknownEvent !== undefined) {
    throw errors.invalidAutoRollback(
      `Event ${JSON.stringify(unknownEvent)} is not one of ${AUTO_ROLLBACK_EVENTS.join(', ')}.`,
    );
  }
  if (rollback.enabled && events.length === 0) {
    throw errors.invalidAutoRollback('Automatic rollback is enabled but names no events.');
  }

  const alarmConfiguration = input.alarmConfiguration ?? {};
  const alarmNames: string[] = (alarmConfiguration.alarms ?? []).map((a: { name?: unknown }) =>
    String(a?.name ?? ''),
  );

  return {
    id,
    applicationName: input.applicationName,
    name,
    serviceRoleArn: input.serviceRoleArn,
    deploymentConfigName: configName,
    clusterName,
    serviceName,
    terminationWaitMinutes,
    readyAction,
    readyWaitMinutes,
    autoRollback: { enabled: Boolean(rollback.enabled), events: events as string[] },
    alarms: { enabled: Boolean(alarmConfiguration.enabled), names: alarmNames.filter((n) => n !== '') },
    input: structuredClone(input),
  };
}
