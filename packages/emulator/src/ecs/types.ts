/**
 * Internal state of the ECS engine. Times are emulated epoch milliseconds;
 * the wire shapes (epoch seconds) are produced in shapes.ts.
 */

export type LastStatus =
  | 'PROVISIONING'
  | 'PENDING'
  | 'ACTIVATING'
  | 'RUNNING'
  | 'DEACTIVATING'
  | 'STOPPING'
  | 'DEPROVISIONING'
  | 'STOPPED';

export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

/** A container's health changing, milliseconds after it started (health.ts). */
export interface HealthTransition {
  afterMs: number;
  status: 'HEALTHY' | 'UNHEALTHY';
}

export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export type Strategy = 'ROLLING' | 'BLUE_GREEN' | 'CANARY' | 'LINEAR';

export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'STOP_REQUESTED'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED';

export type LifecycleStage =
  | 'RECONCILE_SERVICE'
  | 'PRE_SCALE_UP'
  | 'SCALE_UP'
  | 'POST_SCALE_UP'
  | 'TEST_TRAFFIC_SHIFT'
  | 'POST_TEST_TRAFFIC_SHIFT'
  | 'PRODUCTION_TRAFFIC_SHIFT'
  | 'POST_PRODUCTION_TRAFFIC_SHIFT'
  | 'BAKE_TIME'
  | 'CLEAN_UP';

export type MonitorStatus = 'DISABLED' | 'MONITORING' | 'MONITORING_COMPLETE' | 'TRIGGERED';

export interface ClusterState {
  name: string;
  arn: string;
  status: 'ACTIVE' | 'INACTIVE';
  createdAt: number;
  tags: Array<{ key: string; value: string }>;
  settings: Array<{ name: string; value: string }>;
  capacityProviders: string[];
  defaultCapacityProviderStrategy: Array<Record<string, unknown>>;
}

/** A registered task definition: the request members as normalised by ECS plus its read-only fields. */
export interface TaskDefinitionState {
  arn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  /** Everything the describe response carries except the read-only fields below. */
  body: Record<string, any>;
  registeredAt: number;
  registeredBy: string;
  deregisteredAt?: number;
  compatibilities: string[];
  requiresAttributes: Array<{ name: string }>;
  tags: Array<{ key: string; value: string }>;
}

export interface ContainerState {
  name: string;
  arn: string;
  image: string;
  imageDigest?: string;
  essential: boolean;
  hasHealthCheck: boolean;
  /** The definition's restartPolicy when enabled: restart in place instead of stopping the task. */
  restartPolicy?: { ignoredExitCodes: number[]; restartAttemptPeriodMs: number };
  restartCount: number;
  /** When this container (re)started. */
  startedAt?: number;
  runtimeId?: string;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPED';
  exitCode?: number;
  reason?: string;
  healthStatus: HealthStatus;
  cpu: string;
  memory?: string;
  memoryReservation?: string;
  logGroup?: string;
  logStreamPrefix?: string;
  /** Private IP of the task's ENI (awsvpc), shown in the container's networkInterfaces. */
  privateIp?: string;
}

/** What one container will do once it runs, fixed when its task is placed. */
export interface ContainerPlan {
  /** Milliseconds after the container starts: it exits with this code (and reason). */
  exitAfterMs?: number;
  exitCode?: number;
  exitReason?: string;
  /** Health transitions, milliseconds after the container starts (health.ts). */
  health: HealthTransition[];
}

/** What a task will do, fixed when it is placed (image behaviours, launch timings, health checks). */
export interface TaskPlan {
  /** Milliseconds after creation. */
  pendingAfter: number;
  pulledAfter: number;
  runningAfter: number;
  /** Secret or registry-auth initialisation failure: the task stops at `pendingAfter` with this reason. */
  initError?: string;
  /** Pull failure: the task stops at `pullFailedAfter` with this text after `CannotPullContainerError: `. */
  pullError?: string;
  pullErrorContainer?: string;
  pullFailedAfter: number;
  /** Stop sequence durations of this task. */
  deprovisionMs: number;
  containers: Record<string, ContainerPlan>;
  /** Lines each container writes to its awslogs stream when it starts. */
  logLines: Record<string, string[]>;
}

export interface TaskState {
  id: string;
  arn: string;
  clusterName: string;
  taskDefinitionArn: string;
  family: string;
  serviceName?: string;
  deploymentId?: string;
  group: string;
  startedBy?: string;
  lastStatus: LastStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  healthStatus: HealthStatus;
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  connectivityAt?: number;
  stoppingAt?: number;
  executionStoppedAt?: number;
  stoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
  /** When the scheduler counts the task as healthy (container HEALTHY, or RUNNING + 40 s without a health check). */
  countedHealthyAt?: number;
  launchType: string;
  capacityProviderName?: string;
  platformVersion: string;
  cpu?: string;
  memory?: string;
  containers: ContainerState[];
  overrides: Record<string, unknown>;
  availabilityZone: string;
  attachments: Array<Record<string, any>>;
  attachmentId?: string;
  tags: Array<{ key: string; value: string }>;
  /** RunTask's or the deployment's managed EBS volume configurations. */
  volumeConfigurations: Array<Record<string, any>>;
  enableExecuteCommand: boolean;
  version: number;
  plan: TaskPlan;
  /** Bumped when the task leaves its plan (stop requested), so stale timeline events are ignored. */
  generation: number;
  /** A one-off task (RunTask) exits on its own after runSeconds. */
  standalone: boolean;
}

export interface ServiceRevisionState {
  arn: string;
  id: string;
  serviceArn: string;
  clusterArn: string;
  taskDefinition: string;
  launchType?: string;
  capacityProviderStrategy?: Array<Record<string, unknown>>;
  platformVersion?: string;
  platformFamily?: string;
  networkConfiguration?: Record<string, unknown>;
  /** Managed EBS volumes (ServiceRevision.volumeConfigurations). */
  volumeConfigurations?: Array<Record<string, unknown>>;
  loadBalancers: Array<Record<string, unknown>>;
  serviceRegistries: Array<Record<string, unknown>>;
  containerImages: Array<{ containerName: string; imageDigest?: string; image: string }>;
  createdAt: number;
}

export interface DeploymentState {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinitionArn: string;
  desiredCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  launchType?: string;
  capacityProviderStrategy?: Array<Record<string, unknown>>;
  platformVersion?: string;
  networkConfiguration?: Record<string, unknown>;
  /** Managed EBS volumes in force for this deployment (Deployment.volumeConfigurations). */
  volumeConfigurations?: Array<Record<string, any>>;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  revisionArn: string;
  /** The service deployment that created this deployment. */
  recordArn: string;
  /** Set while this deployment is the target of a rollback started by another service deployment. */
  rollbackFor?: string;
  /** Deployment configuration in force for this deployment (snapshot at creation). */
  configuration: NormalizedDeploymentConfiguration;
  stage?: LifecycleStage;
  stageStartedAt?: number;
  /** Index into the production traffic steps of CANARY / LINEAR / BLUE_GREEN. */
  trafficStep: number;
  bakeStartedAt?: number;
  /** Alarm states when the deployment started: an alarm already in ALARM does not fail it until it recovers. */
  alarmBaseline: Record<string, string>;
  /** The first scheduler pass has happened (the deployment left PENDING). */
  started: boolean;
  /** Deadlock message already emitted for this deployment. */
  warnedConfiguration?: boolean;
  /** StopServiceDeployment asked for this deployment to stop; taken up on the next scheduler pass. */
  stopRequested?: 'ROLLBACK' | 'ABORT';
}

export interface NormalizedDeploymentConfiguration {
  maximumPercent: number;
  minimumHealthyPercent: number;
  deploymentCircuitBreaker: {
    enable: boolean;
    rollback: boolean;
    resetOnHealthyTask?: boolean;
    thresholdConfiguration?: { type: string; value: number };
  };
  alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean };
  strategy: Strategy;
  bakeTimeInMinutes?: number;
  canaryConfiguration?: { canaryPercent?: number; canaryBakeTimeInMinutes?: number };
  linearConfiguration?: { stepPercent?: number; stepBakeTimeInMinutes?: number };
  lifecycleHooks?: Array<Record<string, unknown>>;
  earlySuccessCriteria?: Record<string, unknown>;
}

export interface ServiceEventState {
  id: string;
  createdAt: number;
  message: string;
}

export interface ServiceDeploymentRecord {
  id: string;
  arn: string;
  serviceArn: string;
  clusterArn: string;
  serviceName: string;
  clusterName: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  stoppedAt?: number;
  updatedAt: number;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  deploymentId: string;
  targetRevisionArn: string;
  /** Deployments (ecs-svc ids) whose tasks were serving when this one started. */
  sourceDeploymentIds: string[];
  sourceRevisionArns: string[];
  lifecycleStage?: LifecycleStage;
  deploymentConfiguration: NormalizedDeploymentConfiguration;
  rollback?: { reason: string; startedAt: number; serviceRevisionArn: string };
  circuitBreaker: { status: MonitorStatus; failureCount: number; threshold: number };
  alarms: { status: MonitorStatus; alarmNames: string[]; triggeredAlarmNames: string[] };
  /** Production / test traffic on the target revision (blue/green family only). */
  productionWeight?: number;
  testWeight?: number;
  /** Counts frozen when the deployment finished ("the number of running tasks when the deployment completed"). */
  frozenCounts?: Record<string, { requested: number; running: number; pending: number }>;
}

export interface ServiceState {
  name: string;
  arn: string;
  clusterName: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  taskDefinitionArn: string;
  desiredCount: number;
  launchType?: string;
  capacityProviderStrategy?: Array<Record<string, unknown>>;
  platformVersion?: string;
  deploymentConfiguration: NormalizedDeploymentConfiguration;
  deploymentController: { type: string };
  networkConfiguration?: Record<string, unknown>;
  /** Managed EBS volumes from CreateService/UpdateService `volumeConfigurations`. */
  volumeConfigurations?: Array<Record<string, any>>;
  loadBalancers: Array<Record<string, unknown>>;
  serviceRegistries: Array<Record<string, unknown>>;
  placementConstraints: Array<Record<string, unknown>>;
  placementStrategy: Array<Record<string, unknown>>;
  healthCheckGracePeriodSeconds?: number;
  schedulingStrategy: string;
  propagateTags: string;
  enableECSManagedTags: boolean;
  enableExecuteCommand: boolean;
  createdAt: number;
  createdBy: string;
  tags: Array<{ key: string; value: string }>;
  /** PRIMARY first, then ACTIVE newest first. */
  deployments: DeploymentState[];
  /** Newest first, at most 100. */
  events: ServiceEventState[];
  /** Newest first. */
  records: ServiceDeploymentRecord[];
  steady: boolean;
  /** Incremented whenever the steady period is broken, so queued 6-hourly reminders of an old period are dropped. */
  steadyEpoch: number;
  deletedAt?: number;
  /** Service throttle logic: tasks in a row that stopped before RUNNING, and when the next launch may happen. */
  startFailures: number;
  throttledUntil?: number;
  /** A placement failure event was written and capacity has not returned since. */
  placementFailing?: boolean;
  /** CODE_DEPLOY services: their task sets (task-sets.ts), PRIMARY first as created. */
  taskSets?: TaskSetState[];
}

/** A task set of a CODE_DEPLOY service (API_TaskSet). */
export interface TaskSetState {
  /** `ecs-svc/` + 19 digits. */
  id: string;
  arn: string;
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING';
  taskDefinitionArn: string;
  /** The CodeDeploy deployment that created it. */
  externalId?: string;
  /** Percent of the service's desired count. */
  scale: number;
  launchType?: string;
  platformVersion?: string;
  networkConfiguration?: Record<string, unknown>;
  loadBalancers: Array<Record<string, unknown>>;
  createdAt: number;
  updatedAt: number;
  stabilityStatus: 'STEADY_STATE' | 'STABILIZING';
  stabilityStatusAt: number;
}
