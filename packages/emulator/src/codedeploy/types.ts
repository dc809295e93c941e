/** Internal state of the emulator's CodeDeploy. Times are emulated epoch milliseconds. */
import type { EcsAppSpec, EcsHookEvent } from './appspec.js';
import type { TrafficRouting } from './configs.js';

export type ComputePlatform = 'Server' | 'Lambda' | 'ECS';

export interface ApplicationState {
  id: string;
  name: string;
  computePlatform: ComputePlatform;
  createdAt: number;
  tags: Array<{ Key: string; Value: string }>;
}

export interface DeploymentGroupState {
  id: string;
  applicationName: string;
  name: string;
  serviceRoleArn: string;
  deploymentConfigName: string;
  clusterName: string;
  serviceName: string;
  /** Minutes the original task set keeps running after traffic has moved (BlueInstanceTerminationOption). */
  terminationWaitMinutes: number;
  /** STOP_DEPLOYMENT: traffic moves only after ContinueDeployment(READY_WAIT), within `readyWaitMinutes`. */
  readyAction: 'CONTINUE_DEPLOYMENT' | 'STOP_DEPLOYMENT';
  readyWaitMinutes: number;
  autoRollback: { enabled: boolean; events: string[] };
  /** CloudWatch alarms that stop a deployment when one is in ALARM (alarmConfiguration). */
  alarms: { enabled: boolean; names: string[] };
  /** The request members, echoed by GetDeploymentGroup. */
  input: Record<string, any>;
  lastAttempted?: { deploymentId: string; status: string; endTime?: number; createTime: number };
  lastSuccessful?: { deploymentId: string; status: string; endTime?: number; createTime: number };
}

/** The lifecycle events of an ECS deployment, in the order CodeDeploy runs them. */
export const ECS_LIFECYCLE_EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
] as const;
export type EcsLifecycleEventName = (typeof ECS_LIFECYCLE_EVENTS)[number];

export type LifecycleEventStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown';

export interface LifecycleEventState {
  name: EcsLifecycleEventName;
  status: LifecycleEventStatus;
  startedAt?: number;
  endedAt?: number;
  diagnostics?: { errorCode: string; scriptName: string; message: string; logTail: string };
  /** The hook running in this event: its function and execution id. */
  hook?: { functionName: string; executionId: string };
}

export type DeploymentStatus =
  | 'Created'
  | 'Queued'
  | 'InProgress'
  | 'Baking'
  | 'Succeeded'
  | 'Failed'
  | 'Stopped'
  | 'Ready';

export interface DeploymentState {
  id: string;
  applicationName: string;
  groupName: string;
  configName: string;
  routing: TrafficRouting;
  creator: 'user' | 'codeDeployRollback';
  description?: string;
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  status: DeploymentStatus;
  errorInformation?: { code: string; message: string };
  /** The `revision` member as sent. */
  revision: Record<string, unknown>;
  appSpec?: EcsAppSpec;
  events: LifecycleEventState[];
  /** Index into `events` of the event in progress. */
  step: number;
  clusterName: string;
  serviceName: string;
  originalTaskSetId?: string;
  replacementTaskSetId?: string;
  /** Production traffic on the replacement task set, percent. */
  replacementWeight: number;
  /** Test traffic goes to the replacement task set (after AllowTestTraffic). */
  testTrafficOnReplacement: boolean;
  autoRollback: { enabled: boolean; events: string[] };
  rollbackInfo?: {
    rollbackDeploymentId?: string;
    rollbackTriggeringDeploymentId?: string;
    rollbackMessage?: string;
  };
  /** Waiting for ContinueDeployment(READY_WAIT) since this time. */
  readyWaitSince?: number;
  /** The original task set's termination wait started at this time. */
  terminationWaitSince?: number;
  /** Bumped on every change of course (stop, continue, failure) so stale scheduled steps do nothing. */
  generation: number;
  /** For a rollback deployment: the deployment whose traffic it puts back. */
  rollbackOf?: string;
  targetUpdatedAt: number;
}

export type HookEventName = EcsHookEvent;
