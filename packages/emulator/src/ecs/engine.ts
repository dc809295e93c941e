/**
 * The ECS engine: clusters, services, deployments and tasks as a
 * deterministic discrete-event simulation.
 *
 * Every change that ECS makes on its own is an agenda entry with a time; the
 * agenda is processed in (time, insertion) order by `tick(now)`, and the
 * handlers use the entry's time, never the wall clock. API calls happen at
 * `world.clock.now()` after the agenda has been processed up to that time. So
 * the state at any emulated instant does not depend on how often the server
 * polls, and a seed gives the same ids.
 *
 * Behaviour is checked against the AWS documentation; the pages are cited
 * where each rule is implemented.
 */
import type { ImageBehaviour, World } from '../world.js';
import { AwsError } from '../world.js';
import {
  ESSENTIAL_CONTAINER_EXITED,
  FAILED_HEALTH_CHECKS,
  imageNotFound,
  OUT_OF_MEMORY_REASON,
  type PlacementFailureKind,
  placementEvent,
  secretInitialisationError,
  throttleEvent,
} from './failure-texts.js';
import { healthCheckSettings, healthTimeline, taskHealth } from './health.js';
import { launchTiming, startPhases, throttleDelayMs, throttleEventDue } from './pacing.js';
import { Agenda, type AgendaItem, type TaskStep } from './queue.js';
import { taskTags } from './tags.js';
import { TaskDefinitionStore } from './task-definitions.js';
import { reconcileTaskSets } from './task-sets.js';
import { TIMING } from './timing.js';
import type {
  ClusterState,
  ContainerPlan,
  ContainerState,
  DeploymentState,
  LifecycleStage,
  ServiceDeploymentRecord,
  ServiceRevisionState,
  ServiceState,
  TaskDefinitionState,
  TaskPlan,
  TaskState,
} from './types.js';
import {
  arnPrefix,
  clone,
  digits,
  globMatch,
  hexString,
  nameFromArnOrName,
  taskId as newTaskId,
  nineteenDigits,
  serviceDeploymentId,
  sha256Digest,
  uuid,
} from './util.js';

export type FailureCause = 'circuit-breaker' | 'alarm' | 'stop-request';

interface PlaceOptions {
  cluster: ClusterState;
  td: TaskDefinitionState;
  at: number;
  service?: ServiceState;
  deployment?: DeploymentState;
  /** A CODE_DEPLOY service's task set the task belongs to (task-sets.ts); stands where a deployment id would. */
  taskSetId?: string;
  revision?: ServiceRevisionState;
  startedBy?: string;
  group: string;
  launchType: string;
  capacityProviderName?: string;
  platformVersion: string;
  networkConfiguration?: Record<string, any>;
  overrides?: Record<string, any>;
  standalone: boolean;
  tags?: Array<{ key: string; value: string }>;
  /** RunTask's managed EBS volumes (volume-configurations.ts), kept with the task. */
  volumeConfigurations?: Array<Record<string, any>>;
  enableExecuteCommand?: boolean;
  /** Seed a task that is already RUNNING and counted healthy (scenario `steady: true`). */
  alreadyRunning?: boolean;
}

export class EcsEngine {
  readonly clusters = new Map<string, ClusterState>();
  readonly taskDefinitions = new TaskDefinitionStore();
  /** Keyed `${cluster}/${service}`. */
  readonly services = new Map<string, ServiceState>();
  readonly tasks = new Map<string, TaskState>();
  readonly revisions = new Map<string, ServiceRevisionState>();
  readonly records = new Map<string, ServiceDeploymentRecord>();
  readonly agenda = new Agenda();
  private alarmHistory = new Map<string, Array<{ since: number; state: string }>>();
  /** Time of the last processed agenda entry or tick. */
  current = Number.NEGATIVE_INFINITY;

  constructor(readonly world: World) {}

  get prefix(): string {
    return arnPrefix(this.world.region, this.world.accountId);
  }

  reset(): void {
    this.clusters.clear();
    this.taskDefinitions.clear();
    this.services.clear();
    this.tasks.clear();
    this.revisions.clear();
    this.records.clear();
    this.agenda.clear();
    this.alarmHistory.clear();
    this.current = Number.NEGATIVE_INFINITY;
  }

  // ---------------------------------------------------------------- time

  /** Processes everything due up to `now`, in time order. */
  tick(now: number): void {
    this.observeAlarms(now);
    for (;;) {
      const due = this.agenda.takeDue(now);
      if (!due) break;
      this.current = due.at;
      this.handle(due.item, due.at);
    }
    if (now > this.current) this.current = now;
  }

  /** The emulated time API handlers act at (after ticking up to it). */
  now(): number {
    const now = this.world.clock.now();
    this.tick(now);
    return now;
  }

  private handle(item: AgendaItem, at: number): void {
    switch (item.kind) {
      case 'task':
        this.taskStep(item, at);
        return;
      case 'reconcile': {
        const svc = this.services.get(item.serviceKey);
        if (svc) this.reconcile(svc, at);
        return;
      }
      case 'steady-reminder': {
        const svc = this.services.get(item.serviceKey);
        if (svc?.steady && svc.steadyEpoch === item.epoch && svc.status === 'ACTIVE') {
          this.emit(svc, at, `(service ${svc.name}) has reached a steady state.`);
          this.agenda.schedule(at + TIMING.steadyReminderMs, item);
        }
        return;
      }
      case 'alarm-poll': {
        const svc = this.services.get(item.serviceKey);
        const primary = svc?.deployments[0];
        if (svc && primary && primary.id === item.deploymentId && primary.rolloutState === 'IN_PROGRESS') {
          this.reconcile(svc, at);
          this.agenda.schedule(at + TIMING.alarmPollMs, item);
        }
        return;
      }
      case 'purge-task':
        this.tasks.delete(item.taskId);
        return;
      case 'callback':
        item.run(at);
        return;
      case 'purge-service': {
        const svc = this.services.get(item.serviceKey);
        if (svc && svc.status === 'INACTIVE' && svc.deletedAt === item.deletedAt)
          this.services.delete(item.serviceKey);
        return;
      }
    }
  }

  private scheduleReconcile(svc: ServiceState, at: number): void {
    this.agenda.schedule(at, { kind: 'reconcile', serviceKey: serviceKey(svc) });
  }

  /** A scheduler pass over the service at `at` (task-sets.ts asks for one after each change). */
  requestReconcile(svc: ServiceState, at: number): void {
    this.scheduleReconcile(svc, at);
  }

  // -------------------------------------------------------------- alarms

  /** Records alarm state changes at `now`, so agenda entries before `now` still see the old state. */
  observeAlarms(now: number): void {
    const names = new Set<string>(this.world.scenario.alarms ?? []);
    for (const name of this.alarmHistory.keys()) names.add(name);
    for (const svc of this.services.values()) {
      for (const name of svc.deploymentConfiguration.alarms?.alarmNames ?? []) names.add(name);
    }
    for (const name of names) {
      const state = this.world.alarmState(name);
      const history = this.alarmHistory.get(name);
      if (!history) this.alarmHistory.set(name, [{ since: Number.NEGATIVE_INFINITY, state }]);
      else if (history[history.length - 1].state !== state) history.push({ since: now, state });
    }
  }

  alarmStateAt(name: string, at: number): string {
    let history = this.alarmHistory.get(name);
    if (!history) {
      history = [{ since: Number.NEGATIVE_INFINITY, state: this.world.alarmState(name) }];
      this.alarmHistory.set(name, history);
    }
    let state = history[0].state;
    for (const entry of history) if (entry.since <= at) state = entry.state;
    return state;
  }

  // ------------------------------------------------------------- lookups

  clusterArn(name: string): string {
    return `${this.prefix}:cluster/${name}`;
  }

  serviceArn(cluster: string, name: string): string {
    return `${this.prefix}:service/${cluster}/${name}`;
  }

  /**
   * Resolves the `cluster` parameter (name or ARN). When omitted, ECS uses the
   * cluster named `default`; it exists only once created (CreateCluster with
   * no name, or a scenario that lists it or has a service without `cluster`).
   */
  cluster(reference: unknown): ClusterState {
    const name =
      reference === undefined || reference === null || reference === ''
        ? 'default'
        : nameFromArnOrName(String(reference));
    const cluster = this.clusters.get(name);
    if (cluster?.status !== 'ACTIVE') throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
    return cluster;
  }

  /**
   * The cluster of a call that names a service: the `cluster` parameter, or
   * the cluster in a service ARN of the long format (`service/CLUSTER/NAME`).
   */
  clusterOfService(clusterReference: unknown, serviceReference: unknown): ClusterState {
    if (
      (clusterReference === undefined || clusterReference === null) &&
      typeof serviceReference === 'string'
    ) {
      const match = /:service\/([^/]+)\/[^/]+$/.exec(serviceReference);
      if (match) return this.cluster(match[1]);
    }
    return this.cluster(clusterReference);
  }

  findService(cluster: ClusterState, reference: string): ServiceState | undefined {
    const name = nameFromArnOrName(reference);
    return this.services.get(`${cluster.name}/${name}`);
  }

  service(cluster: ClusterState, reference: unknown): ServiceState {
    if (typeof reference !== 'string' || reference.length === 0) {
      throw new AwsError('InvalidParameterException', "The 'service' parameter is required.");
    }
    const svc = this.findService(cluster, reference);
    if (!svc) throw new AwsError('ServiceNotFoundException', 'Service not found.');
    return svc;
  }

  serviceTasks(svc: ServiceState): TaskState[] {
    const out: TaskState[] = [];
    for (const task of this.tasks.values()) {
      if (task.clusterName === svc.clusterName && task.serviceName === svc.name) out.push(task);
    }
    return out;
  }

  /** The first behaviour whose pattern matches the image as written or any other name of it (tags of a pinned digest). */
  behaviourFor(image: string): ImageBehaviour {
    const behaviours = this.world.scenario.behaviours ?? {};
    const names = [image, ...this.world.images.aliases(image)];
    for (const [pattern, behaviour] of Object.entries(behaviours)) {
      if (names.some((name) => globMatch(pattern, name))) return behaviour ?? {};
    }
    return {};
  }

  // ------------------------------------------------------------ clusters

  createCluster(name: string, at: number, input: Record<string, any> = {}): ClusterState {
    const existing = this.clusters.get(name);
    if (existing && existing.status === 'ACTIVE') return existing;
    const cluster: ClusterState = {
      name,
      arn: this.clusterArn(name),
      status: 'ACTIVE',
      createdAt: at,
      tags: clone(input.tags ?? []),
      settings: clone(input.settings ?? [{ name: 'containerInsights', value: 'disabled' }]),
      capacityProviders: clone(input.capacityProviders ?? []),
      defaultCapacityProviderStrategy: clone(input.defaultCapacityProviderStrategy ?? []),
    };
    this.clusters.set(name, cluster);
    return cluster;
  }

  // --------------------------------------------------------------- tasks

  /** Places a task and starts its timeline. */
  placeTask(options: PlaceOptions): TaskState {
    const random = this.world.random;
    const id = newTaskId(random);
    const clusterName = options.cluster.name;
    const arn = `${this.prefix}:task/${clusterName}/${id}`;
    const td = options.td;
    const containerOverrides: Array<Record<string, any>> = options.overrides?.containerOverrides ?? [];
    const containers: ContainerState[] = (td.body.containerDefinitions as Array<Record<string, any>>).map(
      (def) => {
        const override = containerOverrides.find((o) => o.name === def.name) ?? {};
        const revisionImage = options.revision?.containerImages.find((c) => c.containerName === def.name);
        const log =
          def.logConfiguration?.logDriver === 'awslogs' ? (def.logConfiguration.options ?? {}) : undefined;
        return {
          name: def.name,
          arn: `${this.prefix}:container/${clusterName}/${id}/${uuid(random)}`,
          image: def.image,
          imageDigest: revisionImage?.imageDigest,
          essential: def.essential !== false,
          hasHealthCheck: Boolean(def.healthCheck),
          restartPolicy: def.restartPolicy?.enabled
            ? {
                ignoredExitCodes: def.restartPolicy.ignoredExitCodes ?? [],
                // restartAttemptPeriod: 60–1800 s, default 300 (API_ContainerRestartPolicy).
                restartAttemptPeriodMs: (def.restartPolicy.restartAttemptPeriod ?? 300) * 1000,
              }
            : undefined,
          restartCount: 0,
          lastStatus: 'PENDING',
          healthStatus: 'UNKNOWN',
          cpu: String(override.cpu ?? def.cpu ?? 0),
          memory: optionalString(override.memory ?? def.memory),
          memoryReservation: optionalString(override.memoryReservation ?? def.memoryReservation),
          logGroup: log?.['awslogs-group'],
          logStreamPrefix: log?.['awslogs-stream-prefix'],
        };
      },
    );
    const plan = this.planTask(td, containers, options.standalone, options.launchType);
    const awsvpc = td.body.networkMode === 'awsvpc';
    const subnet = options.networkConfiguration?.awsvpcConfiguration?.subnets?.[0];
    const ip = `10.0.${Math.floor(random() * 250) + 1}.${Math.floor(random() * 250) + 2}`;
    const attachmentId = uuid(random);
    const attachments = awsvpc
      ? [
          {
            id: attachmentId,
            type: 'ElasticNetworkInterface',
            status: 'PRECREATED',
            details: [
              { name: 'subnetId', value: subnet ?? 'subnet-00000000' },
              { name: 'networkInterfaceId', value: `eni-${hexString(random, 17)}` },
              { name: 'macAddress', value: macAddress(random) },
              {
                name: 'privateDnsName',
                value: `ip-${ip.replaceAll('.', '-')}.${this.world.region}.compute.internal`,
              },
              { name: 'privateIPv4Address', value: ip },
            ],
          },
        ]
      : [];
    const overrides = {
      containerOverrides: containers.map((c) => {
        const given = containerOverrides.find((o) => o.name === c.name);
        return given ? clone(given) : { name: c.name };
      }),
      inferenceAcceleratorOverrides: [],
      ...(options.overrides?.cpu ? { cpu: options.overrides.cpu } : {}),
      ...(options.overrides?.memory ? { memory: options.overrides.memory } : {}),
      ...(options.overrides?.taskRoleArn ? { taskRoleArn: options.overrides.taskRoleArn } : {}),
      ...(options.overrides?.executionRoleArn
        ? { executionRoleArn: options.overrides.executionRoleArn }
        : {}),
    };
    const task: TaskState = {
      id,
      arn,
      clusterName,
      taskDefinitionArn: td.arn,
      family: td.family,
      serviceName: options.service?.name,
      deploymentId: options.deployment?.id ?? options.taskSetId,
      group: options.group,
      startedBy: options.startedBy,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      healthStatus: 'UNKNOWN',
      createdAt: options.at,
      launchType: options.launchType,
      capacityProviderName: options.capacityProviderName,
      platformVersion: options.platformVersion,
      cpu: options.overrides?.cpu ?? td.body.cpu,
      memory: options.overrides?.memory ?? td.body.memory,
      containers,
      overrides,
      availabilityZone: `${this.world.region}${'abc'[Math.floor(random() * 3)]}`,
      attachments: attachments.map((a) => ({ ...a, details: a.details.map((d) => ({ ...d })) })),
      tags: clone(options.tags ?? []),
      volumeConfigurations: clone(options.volumeConfigurations ?? []),
      enableExecuteCommand: options.enableExecuteCommand ?? false,
      version: 1,
      plan,
      generation: 0,
      standalone: options.standalone,
    };
    if (awsvpc) {
      task.attachmentId = attachmentId;
      for (const container of task.containers) container.privateIp = ip;
    }
    this.tasks.set(id, task);

    if (options.alreadyRunning) {
      this.resolveDigests(task);
      task.pullStartedAt = options.at;
      task.pullStoppedAt = options.at;
      this.markRunning(task, options.at);
      task.countedHealthyAt = options.at;
      for (const c of task.containers) if (c.hasHealthCheck) c.healthStatus = 'HEALTHY';
      task.healthStatus = taskHealth(task.containers);
    } else {
      this.scheduleStep(task, options.at + plan.pendingAfter, 'pending');
    }
    return task;
  }

  /** Fixes what a task will do: launch timings, image behaviours, health checks and secrets. */
  private planTask(
    td: TaskDefinitionState,
    containers: ContainerState[],
    standalone: boolean,
    launchType: string,
  ): TaskPlan {
    const random = this.world.random;
    const defs = td.body.containerDefinitions as Array<Record<string, any>>;
    const timing = launchTiming(launchType, td.body.networkMode);
    const behaviours = containers.map((c) => this.behaviourFor(c.image));
    const startSeconds = behaviours.reduce<number | undefined>(
      (most, b) => (b.startSeconds === undefined ? most : Math.max(most ?? 0, b.startSeconds)),
      undefined,
    );
    const phases = startPhases(timing, random, startSeconds);
    const logLines: Record<string, string[]> = {};
    const plans: Record<string, ContainerPlan> = {};
    let pullError: string | undefined;
    let pullErrorContainer: string | undefined;
    containers.forEach((container, i) => {
      const behaviour = behaviours[i];
      const def = defs.find((d) => d.name === container.name) ?? {};
      if (behaviour.logLines?.length) logLines[container.name] = [...behaviour.logLines];
      if (!pullError) {
        if (behaviour.pullError) {
          pullError = behaviour.pullError;
          pullErrorContainer = container.name;
        } else if (
          this.world.images.isEcrImage(container.image) &&
          !this.world.images.resolveDigest(container.image)
        ) {
          // An ECR reference that names no image of this registry cannot be pulled, like on AWS.
          pullError = imageNotFound(container.image);
          pullErrorContainer = container.name;
        }
      }
      const plan: ContainerPlan = { health: [] };
      if (standalone && container.essential) {
        plan.exitAfterMs =
          (behaviour.runSeconds ?? behaviour.exitAfterSeconds ?? TIMING.defaultRunMs / 1000) * 1000;
        plan.exitCode = behaviour.exitCode ?? 0;
      } else if (behaviour.exitCode !== undefined || behaviour.outOfMemory) {
        plan.exitAfterMs = (behaviour.exitAfterSeconds ?? TIMING.defaultExitAfterMs / 1000) * 1000;
        plan.exitCode = behaviour.exitCode ?? 0;
      }
      if (behaviour.outOfMemory) {
        // The kernel's OOM killer sends SIGKILL: exit code 128 + 9 (corpus: kind oom).
        plan.exitCode = 137;
        plan.exitReason = OUT_OF_MEMORY_REASON;
      }
      if (def.healthCheck) {
        plan.health = healthTimeline(
          healthCheckSettings(def.healthCheck),
          {
            passesAfterMs: (behaviour.healthyAfterSeconds ?? 0) * 1000,
            never: behaviour.failHealthCheck,
            failsAfterMs:
              behaviour.healthCheckFailsAfterSeconds === undefined
                ? undefined
                : behaviour.healthCheckFailsAfterSeconds * 1000,
            hangs: behaviour.healthCheckHangs,
          },
          plan.exitAfterMs,
        );
      }
      plans[container.name] = plan;
    });
    return {
      pendingAfter: phases.pendingAfter,
      pulledAfter: phases.pulledAfter,
      runningAfter: phases.runningAfter,
      pullFailedAfter: phases.pullFailedAfter,
      initError: this.unreadableSecret(defs),
      pullError,
      pullErrorContainer,
      deprovisionMs: Math.round(timing.deprovisionMs * (0.8 + 0.4 * random())),
      containers: plans,
      logLines,
    };
  }

  /**
   * The first secret (container `secrets`, `repositoryCredentials`, log driver
   * `secretOptions`) that the scenario does not declare readable, as the
   * initialisation error ECS stops the task with; undefined when all are readable.
   */
  private unreadableSecret(defs: Array<Record<string, any>>): string | undefined {
    const readable = this.world.scenario.secrets ?? [];
    for (const def of defs) {
      const references: string[] = [
        ...(def.secrets ?? []).map((s: Record<string, any>) => s.valueFrom),
        ...(def.logConfiguration?.secretOptions ?? []).map((s: Record<string, any>) => s.valueFrom),
        def.repositoryCredentials?.credentialsParameter,
      ].filter((v): v is string => typeof v === 'string' && v !== '');
      for (const reference of references) {
        // "arn:…:secret:name:json-key:version-stage:version-id" names the secret by its first 7 fields.
        const secret =
          reference.split(':').length > 7 ? reference.split(':').slice(0, 7).join(':') : reference;
        if (!readable.some((pattern) => globMatch(pattern, secret) || globMatch(pattern, reference)))
          return secretInitialisationError(secret);
      }
    }
    return undefined;
  }

  private scheduleStep(
    task: TaskState,
    at: number,
    step: TaskStep,
    container?: { name: string; health?: 'HEALTHY' | 'UNHEALTHY'; run: number },
  ): void {
    this.agenda.schedule(at, {
      kind: 'task',
      taskId: task.id,
      generation: task.generation,
      step,
      ...(container ? { container: container.name, health: container.health, run: container.run } : {}),
    });
  }

  private resolveDigests(task: TaskState): void {
    for (const container of task.containers) {
      container.imageDigest =
        container.imageDigest ??
        this.world.images.resolveDigest(container.image) ??
        sha256Digest(container.image);
    }
  }

  private markRunning(task: TaskState, at: number): void {
    task.lastStatus = 'RUNNING';
    task.startedAt = at;
    task.connectivityAt = task.connectivityAt ?? at;
    task.version++;
    for (const attachment of task.attachments) attachment.status = 'ATTACHED';
    for (const container of task.containers) this.startContainer(task, container, at);
  }

  /** A container (re)starts: it writes its log lines and its health checks and exit are scheduled. */
  private startContainer(task: TaskState, container: ContainerState, at: number): void {
    container.lastStatus = 'RUNNING';
    container.startedAt = at;
    container.runtimeId = `${task.id}-${digits(this.world.random, 10)}`;
    const plan = task.plan.containers[container.name];
    const run = container.restartCount;
    for (const change of plan?.health ?? []) {
      this.scheduleStep(task, at + change.afterMs, 'container-health', {
        name: container.name,
        health: change.status,
        run,
      });
    }
    if (plan?.exitAfterMs !== undefined)
      this.scheduleStep(task, at + plan.exitAfterMs, 'container-exit', { name: container.name, run });
    const lines = task.plan.logLines[container.name];
    if (lines && container.logGroup) {
      const stream = container.logStreamPrefix
        ? `${container.logStreamPrefix}/${container.name}/${task.id}`
        : `${container.name}/${task.id}`;
      this.world.logs.put(
        container.logGroup,
        stream,
        lines.map((message, i) => ({ timestamp: at + i, message })),
      );
    }
  }

  private taskStep(item: Extract<AgendaItem, { kind: 'task' }>, at: number): void {
    const task = this.tasks.get(item.taskId);
    if (!task || task.generation !== item.generation) return;
    const plan = task.plan;
    let reconcileAt = at;
    switch (item.step) {
      case 'pending':
        task.lastStatus = 'PENDING';
        task.connectivityAt = at;
        task.version++;
        if (plan.initError) {
          // Secrets and registry credentials are fetched before any image is pulled.
          this.beginStop(task, at, {
            stopCode: 'TaskFailedToStart',
            stoppedReason: plan.initError,
            fromStatus: 'failed',
          });
          this.onTaskFailure(task, at);
          break;
        }
        task.pullStartedAt = at;
        this.scheduleStep(
          task,
          task.createdAt + (plan.pullError ? plan.pullFailedAfter : plan.pulledAfter),
          plan.pullError ? 'pull-failed' : 'pulled',
        );
        break;
      case 'pull-failed': {
        task.pullStoppedAt = at;
        const reason = `CannotPullContainerError: ${plan.pullError}`;
        // Stopped task error codes: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html
        this.beginStop(task, at, {
          stopCode: 'TaskFailedToStart',
          stoppedReason: reason,
          containerReason: { name: plan.pullErrorContainer ?? '', reason },
          fromStatus: 'failed',
        });
        this.onTaskFailure(task, at);
        break;
      }
      case 'pulled':
        task.pullStoppedAt = at;
        this.resolveDigests(task);
        task.version++;
        this.scheduleStep(task, task.createdAt + plan.runningAfter, 'running');
        break;
      case 'running':
        this.markRunning(task, at);
        this.onTaskRunning(task);
        if (!task.containers.some((c) => c.essential && c.hasHealthCheck))
          this.scheduleStep(task, at + TIMING.noHealthCheckGraceMs, 'no-health-check-grace');
        break;
      case 'no-health-check-grace':
        task.countedHealthyAt = at;
        this.onTaskHealthy(task);
        break;
      case 'container-health': {
        const container = task.containers.find((c) => c.name === item.container);
        if (!container || container.restartCount !== item.run || container.lastStatus !== 'RUNNING') return;
        container.healthStatus = item.health ?? 'UNKNOWN';
        this.updateTaskHealth(task, at);
        break;
      }
      case 'container-exit': {
        const container = task.containers.find((c) => c.name === item.container);
        if (!container || container.restartCount !== item.run || container.lastStatus !== 'RUNNING') return;
        const containerPlan = plan.containers[container.name];
        container.exitCode = containerPlan?.exitCode ?? 0;
        container.reason = containerPlan?.exitReason;
        container.lastStatus = 'STOPPED';
        if (container.hasHealthCheck) container.healthStatus = 'UNKNOWN';
        if (this.restartsInPlace(container, at)) {
          // The agent restarts the container within the task; the task keeps running.
          this.updateTaskHealth(task, at);
          this.scheduleStep(task, at + TIMING.containerRestartMs, 'container-restart', {
            name: container.name,
            run: container.restartCount,
          });
          return;
        }
        if (!container.essential) {
          this.updateTaskHealth(task, at);
          task.version++;
          return;
        }
        this.beginStop(task, at, {
          stopCode: 'EssentialContainerExited',
          stoppedReason: ESSENTIAL_CONTAINER_EXITED,
          fromStatus: 'failed',
        });
        if (!task.standalone) this.onTaskFailure(task, at);
        break;
      }
      case 'container-restart': {
        const container = task.containers.find((c) => c.name === item.container);
        if (!container || container.restartCount !== item.run || task.desiredStatus !== 'RUNNING') return;
        container.restartCount++;
        container.exitCode = undefined;
        container.reason = undefined;
        this.startContainer(task, container, at);
        task.version++;
        break;
      }
      case 'stopping':
        task.lastStatus = 'STOPPING';
        task.version++;
        this.scheduleStep(task, at + TIMING.stoppingMs, 'deprovisioning');
        break;
      case 'deprovisioning':
        task.lastStatus = 'DEPROVISIONING';
        task.executionStoppedAt = task.executionStoppedAt ?? at;
        this.stopContainers(task);
        task.version++;
        this.scheduleStep(task, at + plan.deprovisionMs, 'stopped');
        break;
      case 'stopped':
        task.lastStatus = 'STOPPED';
        task.stoppedAt = at;
        task.version++;
        for (const attachment of task.attachments) attachment.status = 'DELETED';
        this.agenda.schedule(at + TIMING.stoppedTaskRetentionMs, { kind: 'purge-task', taskId: task.id });
        // The scheduler notices a stopped task on its next pass, not at once.
        reconcileAt = at + TIMING.schedulerPassMs;
        break;
    }
    if (task.serviceName) {
      const svc = this.services.get(`${task.clusterName}/${task.serviceName}`);
      if (svc) this.scheduleReconcile(svc, reconcileAt);
    }
  }

  /**
   * Container restart policy: an exit restarts the container in place unless its
   * code is ignored or the container ran less than restartAttemptPeriod since it
   * last started ("A container can be restarted only once every
   * restartAttemptPeriod seconds. If a container isn't able to run for this time
   * period and exits early, it will not be restarted.")
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerRestartPolicy.html
   */
  private restartsInPlace(container: ContainerState, at: number): boolean {
    const policy = container.restartPolicy;
    if (!policy || container.exitCode === undefined) return false;
    if (policy.ignoredExitCodes.includes(container.exitCode)) return false;
    return at - (container.startedAt ?? at) >= policy.restartAttemptPeriodMs;
  }

  /** Task health follows its essential containers; the scheduler acts on the change. */
  private updateTaskHealth(task: TaskState, at: number): void {
    const before = task.healthStatus;
    task.healthStatus = taskHealth(task.containers);
    task.version++;
    if (task.healthStatus === before) return;
    if (task.healthStatus === 'HEALTHY') {
      task.countedHealthyAt = at;
      this.onTaskHealthy(task);
    } else if (
      task.countedHealthyAt !== undefined &&
      task.containers.some((c) => c.essential && c.hasHealthCheck)
    ) {
      // With a health check, only HEALTHY counts towards minimum healthy.
      task.countedHealthyAt = undefined;
    }
    // An UNHEALTHY service task is replaced in the scheduler's next pass, where the failure is counted.
  }

  /** Containers stop with the task; none of them reports HEALTHY once stopped. */
  private stopContainers(task: TaskState): void {
    for (const c of task.containers) {
      if (c.lastStatus !== 'STOPPED') {
        // The scheduler stops containers with SIGTERM; the emulated apps exit cleanly.
        if (c.lastStatus === 'RUNNING') c.exitCode = c.exitCode ?? 0;
        c.lastStatus = 'STOPPED';
      }
      if (c.healthStatus === 'HEALTHY') c.healthStatus = 'UNKNOWN';
    }
    task.healthStatus = taskHealth(task.containers);
  }

  /**
   * Moves a task towards STOPPED. A running task goes DEACTIVATING → STOPPING →
   * DEPROVISIONING → STOPPED; a task that failed or never ran goes straight to
   * DEPROVISIONING.
   */
  beginStop(
    task: TaskState,
    at: number,
    how: {
      stopCode: string;
      stoppedReason: string;
      containerReason?: { name: string; reason: string };
      fromStatus: 'requested' | 'failed';
    },
  ): boolean {
    if (task.desiredStatus === 'STOPPED') return false;
    task.desiredStatus = 'STOPPED';
    task.stopCode = how.stopCode;
    task.stoppedReason = how.stoppedReason;
    task.stoppingAt = at;
    task.countedHealthyAt = undefined;
    task.generation++;
    task.version++;
    if (how.containerReason) {
      for (const c of task.containers) {
        if (c.name === how.containerReason.name) c.reason = how.containerReason.reason;
        c.lastStatus = 'STOPPED';
      }
    }
    const wasRunning = task.lastStatus === 'RUNNING' || task.lastStatus === 'ACTIVATING';
    if (how.fromStatus === 'requested' && wasRunning) {
      task.lastStatus = 'DEACTIVATING';
      this.scheduleStep(task, at + TIMING.deactivatingMs, 'stopping');
    } else {
      task.executionStoppedAt = at;
      task.lastStatus = 'DEPROVISIONING';
      this.stopContainers(task);
      this.scheduleStep(task, at + task.plan.deprovisionMs, 'stopped');
    }
    return true;
  }

  // --------------------------------------------------- circuit breaker

  /**
   * Failure threshold of the deployment circuit breaker. ThresholdConfiguration:
   * BOUNDED_PERCENT (default, value 50) = value% of the latest desired count,
   * rounded up and clamped to [3, 200]; UNBOUNDED_PERCENT = the same without the
   * bounds; COUNT = value.
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ThresholdConfiguration.html
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeploymentCircuitBreaker.html
   */
  threshold(svc: ServiceState): number {
    const config = svc.deploymentConfiguration.deploymentCircuitBreaker.thresholdConfiguration;
    const type = config?.type ?? 'BOUNDED_PERCENT';
    const value = config?.value ?? 50;
    if (type === 'COUNT') return value;
    const computed = Math.ceil((value * svc.desiredCount) / 100);
    if (type === 'UNBOUNDED_PERCENT') return Math.max(1, computed);
    return Math.min(200, Math.max(3, computed));
  }

  /** The service deployment whose progress `deployment` currently carries (its own, or the one it rolls back). */
  recordFor(deployment: DeploymentState): ServiceDeploymentRecord | undefined {
    return this.records.get(deployment.rollbackFor ?? deployment.recordArn);
  }

  private onTaskFailure(task: TaskState, at: number): void {
    if (!task.serviceName || !task.deploymentId) return;
    const svc = this.services.get(`${task.clusterName}/${task.serviceName}`);
    if (svc?.status !== 'ACTIVE') return;
    if (task.startedAt === undefined) {
      // Service throttle logic: starts that never reach RUNNING space out the next attempts.
      svc.startFailures++;
      svc.throttledUntil = at + throttleDelayMs(svc.startFailures);
    }
    const deployment = svc.deployments.find((d) => d.id === task.deploymentId);
    if (!deployment || deployment !== svc.deployments[0] || deployment.rolloutState !== 'IN_PROGRESS') return;
    deployment.failedTasks++;
    deployment.updatedAt = at;
    const record = deployment.rollbackFor ? undefined : this.records.get(deployment.recordArn);
    if (record) {
      record.circuitBreaker.failureCount = deployment.failedTasks;
      record.circuitBreaker.threshold = this.threshold(svc);
      record.updatedAt = at;
    }
    const breaker = svc.deploymentConfiguration.deploymentCircuitBreaker;
    if (breaker.enable && deployment.failedTasks >= this.threshold(svc)) {
      this.failDeployment(svc, deployment, 'circuit-breaker', at);
    }
  }

  /** A task that reaches RUNNING ends the service's throttle (service-throttle-logic.html). */
  private onTaskRunning(task: TaskState): void {
    if (!task.serviceName) return;
    const svc = this.services.get(`${task.clusterName}/${task.serviceName}`);
    if (!svc) return;
    svc.startFailures = 0;
    svc.throttledUntil = undefined;
  }

  private onTaskHealthy(task: TaskState): void {
    if (!task.serviceName || !task.deploymentId) return;
    const svc = this.services.get(`${task.clusterName}/${task.serviceName}`);
    const deployment = svc?.deployments.find((d) => d.id === task.deploymentId);
    if (!svc || !deployment || deployment.rolloutState !== 'IN_PROGRESS') return;
    // resetOnHealthyTask (default true): "a task that reaches a healthy state resets the failure count to 0".
    // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html
    if (
      svc.deploymentConfiguration.deploymentCircuitBreaker.resetOnHealthyTask !== false &&
      deployment.failedTasks > 0
    ) {
      deployment.failedTasks = 0;
      const record = deployment.rollbackFor ? undefined : this.records.get(deployment.recordArn);
      if (record) record.circuitBreaker.failureCount = 0;
    }
  }

  /**
   * Marks the primary deployment FAILED and, when configured, rolls back to
   * the most recent COMPLETED deployment, which goes from COMPLETED back to
   * IN_PROGRESS under its own id ("When the rollback starts, the deployment
   * changes from a COMPLETED to IN_PROGRESS"; without a COMPLETED deployment
   * "the circuit breaker does not launch new tasks and the deployment is stalled").
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html
   */
  failDeployment(
    svc: ServiceState,
    deployment: DeploymentState,
    cause: FailureCause,
    at: number,
    alarmNames: string[] = [],
  ): void {
    if (deployment.rolloutState !== 'IN_PROGRESS') return;
    const record = this.recordFor(deployment);
    deployment.rolloutState = 'FAILED';
    deployment.updatedAt = at;
    if (cause === 'circuit-breaker') {
      deployment.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
      this.emit(
        svc,
        at,
        `(service ${svc.name}) (deployment ${deployment.id}) deployment failed: tasks failed to start.`,
      );
      if (record) {
        record.circuitBreaker.status = 'TRIGGERED';
        record.circuitBreaker.failureCount = deployment.failedTasks;
      }
    } else if (cause === 'alarm') {
      deployment.rolloutStateReason = `ECS deployment ${deployment.id} failed: alarm(s) detected: ${alarmNames.join(', ')}.`;
      this.emit(
        svc,
        at,
        `(service ${svc.name}) (deployment ${deployment.id}) deployment failed: alarm detected.`,
      );
      if (record) {
        record.alarms.status = 'TRIGGERED';
        record.alarms.triggeredAlarmNames = [...alarmNames];
      }
    } else {
      deployment.rolloutStateReason = `ECS deployment ${deployment.id} stopped by a StopServiceDeployment request.`;
    }
    if (!record) return;
    record.updatedAt = at;

    if (deployment.rollbackFor) {
      // The rollback itself failed: no further rollback ("not eligible for another rollback until it reaches COMPLETED").
      record.status = 'ROLLBACK_FAILED';
      record.statusReason = deployment.rolloutStateReason;
      record.finishedAt = at;
      this.freezeCounts(svc, record);
      deployment.rollbackFor = undefined;
      return;
    }

    const config = svc.deploymentConfiguration;
    const rollback =
      cause === 'stop-request' ||
      (cause === 'circuit-breaker'
        ? config.deploymentCircuitBreaker.rollback
        : Boolean(config.alarms?.rollback));
    if (!rollback) {
      record.status = 'STOPPED';
      record.statusReason = deployment.rolloutStateReason;
      record.stoppedAt = at;
      record.finishedAt = at;
      if (record.circuitBreaker.status === 'MONITORING') record.circuitBreaker.status = 'MONITORING_COMPLETE';
      if (record.alarms.status === 'MONITORING') record.alarms.status = 'MONITORING_COMPLETE';
      this.freezeCounts(svc, record);
      return;
    }
    const reason =
      cause === 'circuit-breaker'
        ? 'ECS deployment circuit breaker: tasks failed to start.'
        : cause === 'alarm'
          ? `ECS deployment alarms: alarm(s) in ALARM state: ${alarmNames.join(', ')}.`
          : 'Service deployment stopped with stopType ROLLBACK.';
    const prefix =
      cause === 'circuit-breaker'
        ? 'ECS deployment circuit breaker'
        : cause === 'alarm'
          ? 'ECS deployment alarms'
          : 'ECS service deployment stop request';
    this.startRollback(svc, deployment, record, at, reason, prefix);
  }

  private startRollback(
    svc: ServiceState,
    failed: DeploymentState,
    record: ServiceDeploymentRecord,
    at: number,
    reason: string,
    prefix: string,
  ): void {
    const target = svc.deployments
      .filter((d) => d !== failed && d.rolloutState === 'COMPLETED')
      .sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt)[0];
    if (!target) {
      record.status = 'ROLLBACK_FAILED';
      record.statusReason = `${reason} No deployment in the COMPLETED state to roll back to; the deployment is stalled.`;
      record.finishedAt = at;
      this.freezeCounts(svc, record);
      return;
    }
    record.status = 'ROLLBACK_IN_PROGRESS';
    record.statusReason = reason;
    record.rollback = { reason, startedAt: at, serviceRevisionArn: target.revisionArn };
    record.productionWeight = record.productionWeight === undefined ? undefined : 0;
    record.testWeight = record.testWeight === undefined ? undefined : 0;
    record.updatedAt = at;
    target.status = 'PRIMARY';
    target.rolloutState = 'IN_PROGRESS';
    target.rolloutStateReason = `${prefix}: rolling back to deploymentId ${target.id}.`;
    target.updatedAt = at;
    target.rollbackFor = record.arn;
    target.bakeStartedAt = undefined;
    target.failedTasks = 0;
    target.desiredCount = svc.desiredCount;
    target.started = true;
    target.alarmBaseline = this.alarmBaseline(svc, at);
    failed.status = 'ACTIVE';
    svc.deployments = [target, ...svc.deployments.filter((d) => d !== target)];
    svc.taskDefinitionArn = target.taskDefinitionArn;
    this.emit(svc, at, `(service ${svc.name}) rolling back to deployment ${target.id}.`);
    this.scheduleReconcile(svc, at + TIMING.schedulerLatencyMs);
  }

  private takeStopRequest(svc: ServiceState, deployment: DeploymentState, at: number): void {
    const request = deployment.stopRequested;
    if (!request) return;
    deployment.stopRequested = undefined;
    if (deployment.rolloutState !== 'IN_PROGRESS') return;
    if (request === 'ROLLBACK') {
      this.failDeployment(svc, deployment, 'stop-request', at);
      return;
    }
    const record = this.records.get(deployment.recordArn);
    deployment.rolloutState = 'FAILED';
    deployment.rolloutStateReason = `ECS deployment ${deployment.id} stopped by a StopServiceDeployment request.`;
    deployment.updatedAt = at;
    if (record) {
      record.status = 'STOPPED';
      record.statusReason = 'Service deployment stopped with stopType ABORT.';
      record.stoppedAt = at;
      record.finishedAt = at;
      record.updatedAt = at;
      if (record.circuitBreaker.status === 'MONITORING') record.circuitBreaker.status = 'MONITORING_COMPLETE';
      if (record.alarms.status === 'MONITORING') record.alarms.status = 'MONITORING_COMPLETE';
      this.freezeCounts(svc, record);
    }
  }

  private alarmBaseline(svc: ServiceState, at: number): Record<string, string> {
    const baseline: Record<string, string> = {};
    for (const name of svc.deploymentConfiguration.alarms?.alarmNames ?? [])
      baseline[name] = this.alarmStateAt(name, at);
    return baseline;
  }

  /**
   * Alarm-based failure detection: an alarm that goes into ALARM while the
   * deployment is in progress or baking fails it. An alarm already in ALARM
   * when the deployment starts is ignored until it leaves ALARM (Copilot's
   * documentation of the ECS behaviour: aws/copilot-cli#4512).
   */
  private checkAlarms(svc: ServiceState, deployment: DeploymentState, at: number): void {
    const alarms = svc.deploymentConfiguration.alarms;
    if (!alarms?.enable || alarms.alarmNames.length === 0) return;
    if (deployment.rolloutState !== 'IN_PROGRESS' || deployment.rollbackFor) return;
    const triggered: string[] = [];
    for (const name of alarms.alarmNames) {
      const state = this.alarmStateAt(name, at);
      const base = deployment.alarmBaseline[name];
      if (state === 'ALARM' && base !== 'ALARM') triggered.push(name);
      else if (state !== 'ALARM' && base === 'ALARM') deployment.alarmBaseline[name] = state;
    }
    if (triggered.length > 0) this.failDeployment(svc, deployment, 'alarm', at, triggered);
  }

  // ----------------------------------------------------------- scheduler

  /**
   * Service events, in AWS's wording (DescribeServices dumps in the corpus and
   * public deployment transcripts):
   *   (service S) has started N tasks: (task A) (task B).
   *   (service S) has stopped N running tasks: (task A).
   *   (service S) (task A) failed container health checks.
   *   (service S) (deployment ecs-svc/N) deployment completed.
   *   (service S) (deployment ecs-svc/N) deployment failed: tasks failed to start.
   *   (service S) (deployment ecs-svc/N) deployment failed: alarm detected.
   *   (service S) rolling back to deployment ecs-svc/N.
   *   (service S) has reached a steady state.
   */
  emit(svc: ServiceState, at: number, message: string): void {
    // Events are newest first and the API returns at most 100.
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-event-messages.html
    svc.events.unshift({ id: uuid(this.world.random), createdAt: at, message });
    if (svc.events.length > 100) svc.events.length = 100;
  }

  private live(task: TaskState): boolean {
    return task.desiredStatus === 'RUNNING';
  }

  private healthy(task: TaskState): boolean {
    return (
      task.desiredStatus === 'RUNNING' && task.lastStatus === 'RUNNING' && task.countedHealthyAt !== undefined
    );
  }

  private firstPass(svc: ServiceState, deployment: DeploymentState, at: number): void {
    deployment.started = true;
    deployment.desiredCount = svc.desiredCount;
    deployment.updatedAt = at;
    deployment.alarmBaseline = this.alarmBaseline(svc, at);
    const record = this.records.get(deployment.recordArn);
    if (record && record.status === 'PENDING') {
      record.status = 'IN_PROGRESS';
      record.startedAt = at;
      record.updatedAt = at;
      record.circuitBreaker.threshold = this.threshold(svc);
    }
    if (svc.deploymentConfiguration.alarms?.enable) {
      this.agenda.schedule(at + TIMING.alarmPollMs, {
        kind: 'alarm-poll',
        serviceKey: serviceKey(svc),
        deploymentId: deployment.id,
      });
    }
  }

  /** One pass of the service scheduler at time `at`. */
  reconcile(svc: ServiceState, at: number): void {
    if (svc.status === 'INACTIVE') return;
    if (svc.status === 'DRAINING') {
      this.drain(svc, at);
      return;
    }
    if (svc.deploymentController.type === 'CODE_DEPLOY') {
      reconcileTaskSets(this, svc, at);
      return;
    }
    if (svc.deploymentController.type !== 'ECS') return;
    let primary = svc.deployments[0];
    if (!primary) return;
    if (!primary.started) this.firstPass(svc, primary, at);
    if (primary.rolloutState !== 'FAILED') primary.desiredCount = svc.desiredCount;
    this.takeStopRequest(svc, primary, at);
    primary = svc.deployments[0];
    this.checkAlarms(svc, primary, at);
    primary = svc.deployments[0];

    this.replaceUnhealthy(svc, primary, at);
    primary = svc.deployments[0];
    if (
      primary.configuration.strategy === 'ROLLING' ||
      primary.rollbackFor ||
      primary.rolloutState !== 'IN_PROGRESS'
    ) {
      this.reconcileRolling(svc, primary, at);
    } else {
      this.reconcileStaged(svc, primary, at);
    }
    this.updateSteady(svc, at);
  }

  /**
   * Unhealthy tasks are replaced: the scheduler starts the replacement first
   * (maximumPercent permitting), then stops the unhealthy task. Event order as
   * AWS writes it: "has started 1 tasks: (task B). Amazon ECS replaced 1 tasks
   * due to an unhealthy status.", "(task A) failed container health checks.",
   * "has stopped 1 running tasks: (task A)."
   */
  private replaceUnhealthy(svc: ServiceState, primary: DeploymentState, at: number): void {
    const unhealthy = this.serviceTasks(svc).filter((t) => this.live(t) && t.healthStatus === 'UNHEALTHY');
    if (unhealthy.length === 0) return;
    const max = Math.floor((svc.desiredCount * svc.deploymentConfiguration.maximumPercent) / 100);
    const occupying = this.serviceTasks(svc).filter((t) => t.lastStatus !== 'STOPPED').length;
    const canLaunch = primary.rolloutState !== 'FAILED';
    const replaceable = unhealthy.filter((t) => t.deploymentId === primary.id);
    const room = Math.max(0, max - occupying);
    const replacements = canLaunch ? Math.min(room, replaceable.length) : 0;
    if (replacements > 0) {
      this.launchAndAnnounce(
        svc,
        primary,
        replacements,
        at,
        (n) => ` Amazon ECS replaced ${n} tasks due to an unhealthy status.`,
      );
    }
    for (const task of unhealthy) {
      this.emit(svc, at, `(service ${svc.name}) (task ${task.id}) failed container health checks.`);
    }
    for (const task of unhealthy) {
      this.beginStop(task, at, {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: FAILED_HEALTH_CHECKS,
        fromStatus: 'requested',
      });
    }
    this.emit(
      svc,
      at,
      `(service ${svc.name}) has stopped ${unhealthy.length} running tasks: ${unhealthy.map((t) => `(task ${t.id})`).join(' ')}.`,
    );
    // Tasks replaced because of health check failures count towards the circuit
    // breaker (stage 2: "The tasks that are replaced because of health check
    // failures have reached the failure threshold").
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
    for (const task of unhealthy) this.onTaskFailure(task, at);
  }

  /**
   * Why no task of this launch type can be placed in the cluster now, when the
   * scenario takes its capacity away (placementFailures); undefined when tasks place.
   */
  placementFailure(cluster: string, launchType: string, at: number): PlacementFailureKind | undefined {
    const started = this.world.clock.startMs;
    const failure = (this.world.scenario.placementFailures ?? []).find(
      (f) =>
        globMatch(f.cluster ?? '*', cluster) &&
        (f.launchType === undefined || f.launchType === (launchType === 'FARGATE' ? 'FARGATE' : 'EC2')) &&
        (f.untilSeconds === undefined || at < started + f.untilSeconds * 1000),
    );
    return failure?.reason;
  }

  /** Launches and writes the "has started N tasks" event (with `suffix(N)`) when any task started. */
  private launchAndAnnounce(
    svc: ServiceState,
    deployment: DeploymentState,
    count: number,
    at: number,
    suffix: (started: number) => string = () => '',
  ): TaskState[] {
    const started = this.launch(svc, deployment, count, at);
    if (started.length > 0) {
      this.emit(
        svc,
        at,
        `(service ${svc.name}) has started ${started.length} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.${suffix(started.length)}`,
      );
    }
    return started;
  }

  /** The throttle or missing capacity, not the deployment configuration, keeps tasks from starting. */
  launchBlocked(svc: ServiceState, at: number): boolean {
    return (svc.throttledUntil !== undefined && at < svc.throttledUntil) || svc.placementFailing === true;
  }

  private launch(svc: ServiceState, deployment: DeploymentState, count: number, at: number): TaskState[] {
    const cluster = this.clusters.get(svc.clusterName);
    const td = this.taskDefinitions.find(deployment.taskDefinitionArn);
    const revision = this.revisions.get(deployment.revisionArn);
    if (!cluster || !td || count <= 0) return [];
    if (svc.throttledUntil !== undefined && at < svc.throttledUntil) {
      this.scheduleReconcile(svc, svc.throttledUntil);
      return [];
    }
    if (svc.throttledUntil !== undefined && throttleEventDue(svc.startFailures)) {
      this.emit(svc, at, throttleEvent(svc.name));
    }
    svc.throttledUntil = undefined;
    const launchType = deployment.launchType ?? (deployment.capacityProviderStrategy ? 'FARGATE' : 'EC2');
    const noPlace = this.placementFailure(cluster.name, launchType, at);
    if (noPlace) {
      if (!svc.placementFailing) this.emit(svc, at, placementEvent(svc.name, noPlace));
      svc.placementFailing = true;
      // The scheduler tries to place the tasks again on later passes.
      this.scheduleReconcile(svc, at + TIMING.placementRetryMs);
      return [];
    }
    svc.placementFailing = false;
    const started: TaskState[] = [];
    for (let i = 0; i < count; i++) {
      started.push(
        this.placeTask({
          cluster,
          td,
          at,
          service: svc,
          deployment,
          revision,
          startedBy: deployment.id,
          group: `service:${svc.name}`,
          launchType,
          capacityProviderName: deployment.capacityProviderStrategy?.[0]?.capacityProvider as
            | string
            | undefined,
          platformVersion: deployment.platformVersion ?? '1.4.0',
          networkConfiguration: deployment.networkConfiguration,
          standalone: false,
          tags: taskTags({
            propagated:
              svc.propagateTags === 'SERVICE'
                ? svc.tags
                : svc.propagateTags === 'TASK_DEFINITION'
                  ? td.tags
                  : [],
            requested: [],
            managed: svc.enableECSManagedTags,
            clusterName: svc.clusterName,
            serviceName: svc.name,
          }),
          volumeConfigurations: deployment.volumeConfigurations,
          enableExecuteCommand: svc.enableExecuteCommand,
        }),
      );
    }
    return started;
  }

  private stopTasks(svc: ServiceState, tasks: TaskState[], initiator: DeploymentState, at: number): void {
    if (tasks.length === 0) return;
    const running = tasks.filter((t) => t.lastStatus === 'RUNNING');
    const pending = tasks.filter((t) => t.lastStatus !== 'RUNNING');
    for (const task of tasks) {
      this.beginStop(task, at, {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: `Scaling activity initiated by (deployment ${initiator.id})`,
        fromStatus: 'requested',
      });
    }
    if (running.length > 0) {
      this.emit(
        svc,
        at,
        `(service ${svc.name}) has stopped ${running.length} running tasks: ${running.map((t) => `(task ${t.id})`).join(' ')}.`,
      );
    }
    if (pending.length > 0)
      this.emit(svc, at, `(service ${svc.name}) stopped ${pending.length} pending tasks.`);
  }

  /**
   * Rolling update: start new tasks up to maximumPercent of the desired count
   * (rounded down), stop old ones while at least minimumHealthyPercent
   * (rounded up) stay healthy.
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html
   */
  private reconcileRolling(svc: ServiceState, primary: DeploymentState, at: number): void {
    const n = svc.desiredCount;
    const config = svc.deploymentConfiguration;
    const maxTasks = Math.floor((n * config.maximumPercent) / 100);
    const minHealthy = Math.ceil((n * config.minimumHealthyPercent) / 100);
    const all = this.serviceTasks(svc);
    const ofPrimary = all.filter((t) => t.deploymentId === primary.id && this.live(t));
    let launched = 0;
    let stoppedNow = 0;

    if (primary.rolloutState !== 'FAILED') {
      if (ofPrimary.length > n) {
        const extras = [...ofPrimary]
          .sort((a, b) => Number(this.healthy(a)) - Number(this.healthy(b)) || b.createdAt - a.createdAt)
          .slice(0, ofPrimary.length - n);
        this.stopTasks(svc, extras, primary, at);
        stoppedNow += extras.length;
      }
      // Tasks still stopping keep their place until STOPPED.
      const occupying = all.filter((t) => t.lastStatus !== 'STOPPED').length;
      const want = n - Math.min(n, ofPrimary.length);
      const toLaunch = Math.max(0, Math.min(want, maxTasks - occupying));
      if (toLaunch > 0) {
        launched = this.launchAndAnnounce(svc, primary, toLaunch, at).length;
      }

      // Old deployments drain, oldest first, never below minimumHealthyPercent.
      let healthyCount = all.filter((t) => this.healthy(t)).length;
      const toStop: TaskState[] = [];
      for (const old of [...svc.deployments.slice(1)].reverse()) {
        const tasks = all
          .filter((t) => t.deploymentId === old.id && this.live(t))
          .sort((a, b) => Number(this.healthy(a)) - Number(this.healthy(b)) || a.createdAt - b.createdAt);
        for (const task of tasks) {
          if (!this.healthy(task)) toStop.push(task);
          else if (healthyCount - 1 >= minHealthy) {
            toStop.push(task);
            healthyCount--;
          }
        }
      }
      this.stopTasks(svc, toStop, primary, at);
      stoppedNow += toStop.length;

      // "(service x) was unable to stop or start tasks during a deployment because of the
      // service deployment configuration. Update the minimumHealthyPercent or maximumPercent
      // value and try again." (service-event-messages.html)
      const transitioning = all.some(
        (t) =>
          t.lastStatus !== 'STOPPED' &&
          (t.desiredStatus === 'STOPPED' || (t.deploymentId === primary.id && !this.healthy(t))),
      );
      const oldLive = all.some((t) => t.deploymentId !== primary.id && this.live(t));
      if (
        want > 0 &&
        launched === 0 &&
        !this.launchBlocked(svc, at) &&
        stoppedNow === 0 &&
        !transitioning &&
        oldLive &&
        !primary.warnedConfiguration
      ) {
        primary.warnedConfiguration = true;
        this.emit(
          svc,
          at,
          `(service ${svc.name}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.`,
        );
      }
    }

    for (const old of svc.deployments.slice(1)) {
      old.desiredCount = this.serviceTasks(svc).filter(
        (t) => t.deploymentId === old.id && this.live(t),
      ).length;
    }

    if (primary.rolloutState !== 'IN_PROGRESS') return;
    const current = this.serviceTasks(svc);
    const primaryLive = current.filter((t) => t.deploymentId === primary.id && this.live(t));
    const othersOccupying = current.some((t) => t.deploymentId !== primary.id && t.lastStatus !== 'STOPPED');
    const done = primaryLive.length === n && primaryLive.every((t) => this.healthy(t)) && !othersOccupying;
    if (!done) return;
    const bakeMs = primary.rollbackFor ? 0 : this.rollingBakeMs(svc, primary);
    if (bakeMs > 0) {
      const record = this.recordFor(primary);
      if (primary.bakeStartedAt === undefined) {
        primary.bakeStartedAt = at;
        if (record) record.lifecycleStage = 'BAKE_TIME';
        this.scheduleReconcile(svc, at + bakeMs);
        return;
      }
      if (at < primary.bakeStartedAt + bakeMs) return;
    }
    this.completeDeployment(svc, primary, at);
  }

  private rollingBakeMs(svc: ServiceState, deployment: DeploymentState): number {
    const minutes = deployment.configuration.bakeTimeInMinutes;
    if (minutes !== undefined) return minutes * 60_000;
    return svc.deploymentConfiguration.alarms?.enable ? TIMING.defaultRollingAlarmBakeMs : 0;
  }

  /**
   * Blue/green, canary and linear deployments, at the level of lifecycle
   * stages and traffic weights (no load balancer is modelled):
   * [RECONCILE_SERVICE] → PRE_SCALE_UP → SCALE_UP (green to 100 % beside blue) →
   * POST_SCALE_UP → TEST_TRAFFIC_SHIFT → POST_TEST_TRAFFIC_SHIFT →
   * PRODUCTION_TRAFFIC_SHIFT (BLUE_GREEN: 100; CANARY: canaryPercent, wait
   * canaryBakeTimeInMinutes, 100; LINEAR: stepPercent steps with
   * stepBakeTimeInMinutes between, none after 100) → POST_PRODUCTION_TRAFFIC_SHIFT →
   * BAKE_TIME (bakeTimeInMinutes) → CLEAN_UP (blue scaled in).
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceDeployment.html (lifecycleStage)
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CanaryConfiguration.html
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LinearConfiguration.html
   */
  private reconcileStaged(svc: ServiceState, green: DeploymentState, at: number): void {
    const record = this.records.get(green.recordArn);
    const n = svc.desiredCount;
    const all = this.serviceTasks(svc);
    const greenLive = all.filter((t) => t.deploymentId === green.id && this.live(t));
    if (!green.stage) {
      const blueRevisions = svc.deployments
        .slice(1)
        .filter((d) => all.some((t) => t.deploymentId === d.id && this.live(t)));
      this.enterStage(svc, green, blueRevisions.length > 1 ? 'RECONCILE_SERVICE' : 'PRE_SCALE_UP', at);
      if (record) {
        record.productionWeight = 0;
        record.testWeight = 0;
      }
    }
    const stage = green.stage as LifecycleStage;
    const scaledUp = stage !== 'RECONCILE_SERVICE' && stage !== 'PRE_SCALE_UP';
    if (scaledUp && greenLive.length < n) {
      this.launchAndAnnounce(svc, green, n - greenLive.length, at);
    }
    const elapsed = at - (green.stageStartedAt ?? at);
    const instantDone = elapsed >= TIMING.stageMs;
    const waitInstant = () => this.scheduleReconcile(svc, (green.stageStartedAt ?? at) + TIMING.stageMs);
    switch (stage) {
      case 'RECONCILE_SERVICE':
        if (instantDone) this.enterStage(svc, green, 'PRE_SCALE_UP', at);
        else waitInstant();
        return;
      case 'PRE_SCALE_UP':
        if (instantDone) this.enterStage(svc, green, 'SCALE_UP', at);
        else waitInstant();
        return;
      case 'SCALE_UP': {
        const ready = all.filter((t) => t.deploymentId === green.id && this.healthy(t)).length;
        if (ready >= n) this.enterStage(svc, green, 'POST_SCALE_UP', at);
        return;
      }
      case 'POST_SCALE_UP':
        if (instantDone) this.enterStage(svc, green, 'TEST_TRAFFIC_SHIFT', at);
        else waitInstant();
        return;
      case 'TEST_TRAFFIC_SHIFT':
        if (instantDone) {
          if (record) record.testWeight = 100;
          this.enterStage(svc, green, 'POST_TEST_TRAFFIC_SHIFT', at);
        } else waitInstant();
        return;
      case 'POST_TEST_TRAFFIC_SHIFT':
        if (instantDone) {
          green.trafficStep = 0;
          this.enterStage(svc, green, 'PRODUCTION_TRAFFIC_SHIFT', at);
          if (record) record.productionWeight = this.trafficSteps(green)[0].weight;
          this.scheduleReconcile(svc, at + this.trafficSteps(green)[0].waitMs);
        } else waitInstant();
        return;
      case 'PRODUCTION_TRAFFIC_SHIFT': {
        const steps = this.trafficSteps(green);
        const step = steps[green.trafficStep];
        if (elapsed < step.waitMs) {
          this.scheduleReconcile(svc, (green.stageStartedAt ?? at) + step.waitMs);
          return;
        }
        if (green.trafficStep + 1 < steps.length) {
          green.trafficStep++;
          green.stageStartedAt = at;
          const next = steps[green.trafficStep];
          if (record) {
            record.productionWeight = next.weight;
            record.updatedAt = at;
          }
          this.scheduleReconcile(svc, at + next.waitMs);
          return;
        }
        this.enterStage(svc, green, 'POST_PRODUCTION_TRAFFIC_SHIFT', at);
        return;
      }
      case 'POST_PRODUCTION_TRAFFIC_SHIFT':
        if (instantDone) this.enterStage(svc, green, 'BAKE_TIME', at);
        else waitInstant();
        return;
      case 'BAKE_TIME': {
        const bakeMs = (green.configuration.bakeTimeInMinutes ?? 0) * 60_000;
        if (elapsed >= bakeMs) this.enterStage(svc, green, 'CLEAN_UP', at);
        else this.scheduleReconcile(svc, (green.stageStartedAt ?? at) + bakeMs);
        return;
      }
      case 'CLEAN_UP': {
        const blue = all.filter((t) => t.deploymentId !== green.id && this.live(t));
        this.stopTasks(svc, blue, green, at);
        for (const old of svc.deployments.slice(1)) old.desiredCount = 0;
        const current = this.serviceTasks(svc);
        const othersOccupying = current.some(
          (t) => t.deploymentId !== green.id && t.lastStatus !== 'STOPPED',
        );
        const greenReady =
          current.filter((t) => t.deploymentId === green.id && this.healthy(t)).length >= n &&
          current.filter((t) => t.deploymentId === green.id && this.live(t)).length === n;
        if (!othersOccupying && greenReady) this.completeDeployment(svc, green, at);
        return;
      }
      default:
        return;
    }
  }

  private trafficSteps(deployment: DeploymentState): Array<{ weight: number; waitMs: number }> {
    const config = deployment.configuration;
    if (config.strategy === 'CANARY') {
      const percent = config.canaryConfiguration?.canaryPercent ?? 5;
      const bake = (config.canaryConfiguration?.canaryBakeTimeInMinutes ?? 10) * 60_000;
      return [
        { weight: percent, waitMs: Math.max(bake, TIMING.stageMs) },
        { weight: 100, waitMs: TIMING.stageMs },
      ];
    }
    if (config.strategy === 'LINEAR') {
      const step = config.linearConfiguration?.stepPercent ?? 10;
      const bake = (config.linearConfiguration?.stepBakeTimeInMinutes ?? 6) * 60_000;
      const steps: Array<{ weight: number; waitMs: number }> = [];
      for (let weight = step; weight < 100 - 1e-9; weight = Math.round((weight + step) * 10) / 10) {
        steps.push({ weight, waitMs: Math.max(bake, TIMING.stageMs) });
      }
      steps.push({ weight: 100, waitMs: TIMING.stageMs });
      return steps;
    }
    // Each shift is observable for at least one stage duration.
    return [{ weight: 100, waitMs: TIMING.stageMs }];
  }

  private enterStage(
    svc: ServiceState,
    deployment: DeploymentState,
    stage: LifecycleStage,
    at: number,
  ): void {
    deployment.stage = stage;
    deployment.stageStartedAt = at;
    deployment.updatedAt = at;
    const record = this.records.get(deployment.recordArn);
    if (record) {
      record.lifecycleStage = stage;
      record.updatedAt = at;
    }
    this.scheduleReconcile(svc, at);
  }

  private completeDeployment(svc: ServiceState, deployment: DeploymentState, at: number): void {
    deployment.rolloutState = 'COMPLETED';
    deployment.rolloutStateReason = `ECS deployment ${deployment.id} completed.`;
    deployment.updatedAt = at;
    const record = this.recordFor(deployment);
    if (record) {
      if (deployment.rollbackFor) {
        record.status = 'ROLLBACK_SUCCESSFUL';
      } else {
        record.status = 'SUCCESSFUL';
        if (
          record.lifecycleStage === undefined ||
          record.lifecycleStage === 'SCALE_UP' ||
          record.lifecycleStage === 'BAKE_TIME'
        ) {
          record.lifecycleStage = 'CLEAN_UP';
        }
        if (record.productionWeight !== undefined) record.productionWeight = 100;
        if (record.testWeight !== undefined) record.testWeight = 100;
      }
      if (record.circuitBreaker.status === 'MONITORING') record.circuitBreaker.status = 'MONITORING_COMPLETE';
      if (record.alarms.status === 'MONITORING') record.alarms.status = 'MONITORING_COMPLETE';
      record.finishedAt = at;
      record.updatedAt = at;
      this.freezeCounts(svc, record, deployment);
    }
    deployment.rollbackFor = undefined;
    // Drained deployments leave the list once the primary completes.
    svc.deployments = [deployment];
    this.emit(svc, at, `(service ${svc.name}) (deployment ${deployment.id}) deployment completed.`);
  }

  private freezeCounts(
    svc: ServiceState,
    record: ServiceDeploymentRecord,
    finalPrimary?: DeploymentState,
  ): void {
    const counts: Record<string, { requested: number; running: number; pending: number }> = {};
    const tasks = this.serviceTasks(svc);
    for (const deployment of svc.deployments) {
      const revisionTasks = tasks.filter((t) => t.deploymentId === deployment.id && this.live(t));
      counts[deployment.revisionArn] = {
        requested: finalPrimary && deployment !== finalPrimary ? 0 : deployment.desiredCount,
        running: revisionTasks.filter((t) => t.lastStatus === 'RUNNING').length,
        pending: revisionTasks.filter((t) => t.lastStatus !== 'RUNNING').length,
      };
    }
    record.frozenCounts = counts;
  }

  /**
   * "(service x) has reached a steady state." when the service becomes steady,
   * then every 6 hours while it stays so (duplicate messages are suppressed
   * for six hours; see the corpus describe-services dumps).
   */
  private updateSteady(svc: ServiceState, at: number): void {
    const primary = svc.deployments[0];
    const tasks = this.serviceTasks(svc);
    const primaryLive = tasks.filter((t) => t.deploymentId === primary?.id && this.live(t));
    const steady =
      svc.status === 'ACTIVE' &&
      svc.deployments.length === 1 &&
      primary?.rolloutState === 'COMPLETED' &&
      primaryLive.length === svc.desiredCount &&
      primaryLive.every((t) => this.healthy(t)) &&
      !tasks.some((t) => t.lastStatus !== 'STOPPED' && (t.deploymentId !== primary.id || !this.live(t)));
    if (steady && !svc.steady) {
      svc.steady = true;
      svc.steadyEpoch++;
      this.emit(svc, at, `(service ${svc.name}) has reached a steady state.`);
      this.agenda.schedule(at + TIMING.steadyReminderMs, {
        kind: 'steady-reminder',
        serviceKey: serviceKey(svc),
        epoch: svc.steadyEpoch,
      });
    } else if (!steady && svc.steady) {
      svc.steady = false;
      svc.steadyEpoch++;
    }
  }

  private drain(svc: ServiceState, at: number): void {
    const primary = svc.deployments[0];
    const tasks = this.serviceTasks(svc);
    const live = tasks.filter((t) => this.live(t));
    if (live.length > 0 && primary) this.stopTasks(svc, live, primary, at);
    // A CODE_DEPLOY service has task sets instead of deployments.
    for (const task of primary ? [] : live) {
      this.beginStop(task, at, {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: `Scaling activity initiated by (deployment ${task.deploymentId})`,
        fromStatus: 'requested',
      });
    }
    for (const d of svc.deployments) d.desiredCount = 0;
    if (this.serviceTasks(svc).every((t) => t.lastStatus === 'STOPPED')) {
      svc.status = 'INACTIVE';
      svc.deletedAt = at;
      svc.steady = false;
      // "When you delete a service, Amazon ECS deletes the corresponding service deployments."
      for (const record of svc.records) this.records.delete(record.arn);
      svc.records = [];
      this.agenda.schedule(at + TIMING.inactiveServiceRetentionMs, {
        kind: 'purge-service',
        serviceKey: serviceKey(svc),
        deletedAt: at,
      });
    }
  }

  // ---------------------------------------------------- services: create

  newRevision(
    svc: ServiceState,
    deploymentNumber: string,
    td: TaskDefinitionState,
    at: number,
    fields: Partial<ServiceRevisionState>,
  ): ServiceRevisionState {
    // Images are resolved to digests when the revision is created, so every
    // task of the deployment runs the same image even if a tag moves.
    const containerImages = (td.body.containerDefinitions as Array<Record<string, any>>).map((c) => ({
      containerName: c.name as string,
      image: c.image as string,
      imageDigest:
        this.world.images.resolveDigest(c.image) ??
        (this.world.images.isEcrImage(c.image) ? undefined : sha256Digest(c.image)),
    }));
    const revision: ServiceRevisionState = {
      arn: `${this.prefix}:service-revision/${svc.clusterName}/${svc.name}/${deploymentNumber}`,
      id: deploymentNumber,
      serviceArn: svc.arn,
      clusterArn: this.clusterArn(svc.clusterName),
      taskDefinition: td.arn,
      launchType: fields.launchType,
      capacityProviderStrategy: fields.capacityProviderStrategy,
      platformVersion: fields.platformVersion,
      platformFamily: fields.platformFamily,
      networkConfiguration: fields.networkConfiguration,
      volumeConfigurations: fields.volumeConfigurations,
      loadBalancers: clone(svc.loadBalancers),
      serviceRegistries: clone(svc.serviceRegistries),
      containerImages,
      createdAt: at,
    };
    this.revisions.set(revision.arn, revision);
    return revision;
  }

  /**
   * Creates a PRIMARY deployment and its service deployment record.
   *
   * Identifiers as AWS shows them (API reference examples): deployment
   * `ecs-svc/<19 digits>`; service deployment
   * `arn:aws:ecs:REGION:ACCOUNT:service-deployment/CLUSTER/SERVICE/<22 chars>`;
   * service revision `arn:aws:ecs:REGION:ACCOUNT:service-revision/CLUSTER/SERVICE/<19 digits>`
   * (the emulator reuses the deployment's number, so the two are easy to match).
   * A service deployment starts PENDING, is IN_PROGRESS once the scheduler acts,
   * and ends SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED.
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment.html
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServiceDeployments.html
   */
  newDeployment(
    svc: ServiceState,
    td: TaskDefinitionState,
    at: number,
    options: { initialDesired: number },
  ): DeploymentState {
    const number = nineteenDigits(this.world.random);
    const id = `ecs-svc/${number}`;
    const fargate =
      svc.launchType === 'FARGATE' ||
      (svc.capacityProviderStrategy ?? []).some((s) => String(s.capacityProvider).startsWith('FARGATE'));
    const platformVersion = fargate
      ? svc.platformVersion && svc.platformVersion !== 'LATEST'
        ? svc.platformVersion
        : '1.4.0'
      : undefined;
    const revision = this.newRevision(svc, number, td, at, {
      launchType: svc.launchType,
      capacityProviderStrategy: clone(svc.capacityProviderStrategy),
      platformVersion,
      platformFamily: fargate ? 'Linux' : undefined,
      networkConfiguration: clone(svc.networkConfiguration),
      volumeConfigurations: clone(svc.volumeConfigurations),
    });
    const recordId = serviceDeploymentId(this.world.random);
    const tasks = this.serviceTasks(svc);
    const sources = svc.deployments.filter((d) => tasks.some((t) => t.deploymentId === d.id && this.live(t)));
    const config = clone(svc.deploymentConfiguration);
    const record: ServiceDeploymentRecord = {
      id: recordId,
      arn: `${this.prefix}:service-deployment/${svc.clusterName}/${svc.name}/${recordId}`,
      serviceArn: svc.arn,
      clusterArn: this.clusterArn(svc.clusterName),
      serviceName: svc.name,
      clusterName: svc.clusterName,
      createdAt: at,
      updatedAt: at,
      status: 'PENDING',
      deploymentId: id,
      targetRevisionArn: revision.arn,
      sourceDeploymentIds: sources.map((d) => d.id),
      sourceRevisionArns: sources.map((d) => d.revisionArn),
      lifecycleStage: config.strategy === 'ROLLING' ? 'SCALE_UP' : undefined,
      deploymentConfiguration: config,
      circuitBreaker: {
        status: config.deploymentCircuitBreaker.enable ? 'MONITORING' : 'DISABLED',
        failureCount: 0,
        threshold: this.threshold(svc),
      },
      alarms: {
        status: config.alarms?.enable ? 'MONITORING' : 'DISABLED',
        alarmNames: [...(config.alarms?.alarmNames ?? [])],
        triggeredAlarmNames: [],
      },
    };
    this.records.set(record.arn, record);
    svc.records.unshift(record);
    const deployment: DeploymentState = {
      id,
      status: 'PRIMARY',
      taskDefinitionArn: td.arn,
      desiredCount: options.initialDesired,
      failedTasks: 0,
      createdAt: at,
      updatedAt: at,
      launchType: svc.launchType,
      capacityProviderStrategy: clone(svc.capacityProviderStrategy),
      platformVersion,
      networkConfiguration: clone(svc.networkConfiguration),
      volumeConfigurations: clone(svc.volumeConfigurations),
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment ${id} in progress.`,
      revisionArn: revision.arn,
      recordArn: record.arn,
      configuration: config,
      trafficStep: 0,
      alarmBaseline: {},
      started: false,
    };
    for (const d of svc.deployments) d.status = 'ACTIVE';
    svc.deployments.unshift(deployment);
    svc.steady = false;
    svc.steadyEpoch++;
    return deployment;
  }

  /** Ends the service deployments that a new deployment supersedes. */
  supersede(svc: ServiceState, at: number): void {
    for (const record of svc.records) {
      if (
        ['PENDING', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'STOP_REQUESTED'].includes(
          record.status,
        )
      ) {
        record.status = 'STOPPED';
        record.statusReason =
          'The service deployment was stopped because a newer service deployment started.';
        record.stoppedAt = at;
        record.finishedAt = at;
        record.updatedAt = at;
        if (record.circuitBreaker.status === 'MONITORING')
          record.circuitBreaker.status = 'MONITORING_COMPLETE';
        if (record.alarms.status === 'MONITORING') record.alarms.status = 'MONITORING_COMPLETE';
        this.freezeCounts(svc, record);
      }
    }
    for (const d of svc.deployments) d.rollbackFor = undefined;
  }

  /** Seeds a service whose first deployment is already COMPLETED with its tasks RUNNING (scenario `steady`). */
  makeSteady(svc: ServiceState, deployment: DeploymentState, at: number): void {
    const record = this.records.get(deployment.recordArn);
    const cluster = this.clusters.get(svc.clusterName);
    const td = this.taskDefinitions.find(deployment.taskDefinitionArn);
    if (!cluster || !td) return;
    deployment.started = true;
    deployment.desiredCount = svc.desiredCount;
    const started: TaskState[] = [];
    for (let i = 0; i < svc.desiredCount; i++) {
      started.push(
        this.placeTask({
          cluster,
          td,
          at,
          service: svc,
          deployment,
          revision: this.revisions.get(deployment.revisionArn),
          startedBy: deployment.id,
          group: `service:${svc.name}`,
          launchType: deployment.launchType ?? 'EC2',
          platformVersion: deployment.platformVersion ?? '1.4.0',
          networkConfiguration: deployment.networkConfiguration,
          standalone: false,
          alreadyRunning: true,
        }),
      );
    }
    if (started.length > 0) {
      this.emit(
        svc,
        at,
        `(service ${svc.name}) has started ${started.length} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.`,
      );
    }
    if (record) {
      record.status = 'IN_PROGRESS';
      record.startedAt = at;
    }
    this.completeDeployment(svc, deployment, at);
    this.updateSteady(svc, at);
  }
}

export function serviceKey(svc: ServiceState): string {
  return `${svc.clusterName}/${svc.name}`;
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

function macAddress(random: () => number): string {
  const bytes: string[] = [];
  for (let i = 0; i < 6; i++) bytes.push(hexString(random, 2));
  return bytes.join(':');
}
