/**
 * Task sets of services whose deployment controller is CODE_DEPLOY. ECS keeps
 * each task set at `computedDesiredCount` tasks ("the service's desiredCount
 * multiplied by the task set's scale percentage … always rounded up",
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskSet.html);
 * CodeDeploy creates the replacement task set, scales it, makes it PRIMARY and
 * deletes the original (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-bluegreen.html).
 * The CreateTaskSet/UpdateTaskSet/DeleteTaskSet semantics live here for the
 * emulator's CodeDeploy; the ECS API does not expose them (EXTERNAL controller
 * is not modelled).
 *
 * Tasks of a task set carry the task set id as their `deploymentId`/`startedBy`
 * (the same `ecs-svc/…` form), so the engine's task timeline, behaviours and
 * failure texts apply unchanged. Event texts follow the corpus recording
 * `ecs-api/c7n-describe-services-codedeploy-taskset.json`:
 * "(service S, taskSet T) has started 1 tasks: (task …)." and
 * "(service S, taskSet T) updated state to STEADY_STATE."
 */
import type { EcsEngine } from './engine.js';
import { FAILED_HEALTH_CHECKS } from './failure-texts.js';
import type { ServiceState, TaskSetState, TaskState } from './types.js';
import { clone, compact, nineteenDigits, wireTime } from './util.js';

export function computedDesiredCount(svc: ServiceState, taskSet: TaskSetState): number {
  return Math.ceil((svc.desiredCount * taskSet.scale) / 100);
}

export function taskSetTasks(engine: EcsEngine, svc: ServiceState, taskSet: TaskSetState): TaskState[] {
  return engine.serviceTasks(svc).filter((t) => t.deploymentId === taskSet.id);
}

function live(task: TaskState): boolean {
  return task.desiredStatus === 'RUNNING';
}

function healthy(task: TaskState): boolean {
  return live(task) && task.lastStatus === 'RUNNING' && task.countedHealthyAt !== undefined;
}

export interface TaskSetCounts {
  computedDesiredCount: number;
  running: number;
  pending: number;
  healthy: number;
}

export function taskSetCounts(engine: EcsEngine, svc: ServiceState, taskSet: TaskSetState): TaskSetCounts {
  let running = 0;
  let pending = 0;
  let healthyCount = 0;
  for (const task of taskSetTasks(engine, svc, taskSet)) {
    if (!live(task)) continue;
    if (task.lastStatus === 'RUNNING') running++;
    else if (task.lastStatus !== 'STOPPED') pending++;
    if (healthy(task)) healthyCount++;
  }
  return {
    computedDesiredCount: taskSet.status === 'DRAINING' ? 0 : computedDesiredCount(svc, taskSet),
    running,
    pending,
    healthy: healthyCount,
  };
}

/** CreateTaskSet: a new ACTIVE task set (PRIMARY when it is the service's first) whose tasks start at the next pass. */
export function createTaskSet(
  engine: EcsEngine,
  svc: ServiceState,
  options: {
    taskDefinitionArn: string;
    at: number;
    scale?: number;
    externalId?: string;
    launchType?: string;
    platformVersion?: string;
    networkConfiguration?: Record<string, unknown>;
    loadBalancers?: Array<Record<string, unknown>>;
    /** Seed the tasks already RUNNING and healthy (scenario `steady: true`). */
    alreadyRunning?: boolean;
  },
): TaskSetState {
  const id = `ecs-svc/${nineteenDigits(engine.world.random)}`;
  svc.taskSets ??= [];
  const sets = svc.taskSets;
  const taskSet: TaskSetState = {
    id,
    arn: `${engine.prefix}:task-set/${svc.clusterName}/${svc.name}/${id}`,
    status: sets.some((s) => s.status === 'PRIMARY') ? 'ACTIVE' : 'PRIMARY',
    taskDefinitionArn: options.taskDefinitionArn,
    externalId: options.externalId,
    scale: options.scale ?? 100,
    launchType: options.launchType ?? svc.launchType,
    platformVersion: options.platformVersion ?? svc.platformVersion,
    networkConfiguration: clone(options.networkConfiguration ?? svc.networkConfiguration),
    loadBalancers: clone(options.loadBalancers ?? svc.loadBalancers),
    createdAt: options.at,
    updatedAt: options.at,
    stabilityStatus: 'STABILIZING',
    stabilityStatusAt: options.at,
  };
  sets.push(taskSet);
  if (options.alreadyRunning) {
    launch(engine, svc, taskSet, computedDesiredCount(svc, taskSet), options.at, true);
    taskSet.stabilityStatus = 'STEADY_STATE';
  }
  engine.requestReconcile(svc, options.at);
  return taskSet;
}

/** UpdateTaskSet: a new scale (percent of the service's desired count). */
export function scaleTaskSet(
  engine: EcsEngine,
  svc: ServiceState,
  taskSet: TaskSetState,
  percent: number,
  at: number,
) {
  if (taskSet.scale === percent) return;
  taskSet.scale = percent;
  taskSet.updatedAt = at;
  engine.requestReconcile(svc, at);
}

/** UpdateServicePrimaryTaskSet: the task set becomes PRIMARY, the previous one ACTIVE; the service runs its task definition. */
export function promoteTaskSet(
  engine: EcsEngine,
  svc: ServiceState,
  taskSet: TaskSetState,
  at: number,
): void {
  for (const other of svc.taskSets ?? []) {
    if (other !== taskSet && other.status === 'PRIMARY') {
      other.status = 'ACTIVE';
      other.updatedAt = at;
    }
  }
  taskSet.status = 'PRIMARY';
  taskSet.updatedAt = at;
  svc.taskDefinitionArn = taskSet.taskDefinitionArn;
  engine.requestReconcile(svc, at);
}

/** DeleteTaskSet: DRAINING, its tasks stop; the task set disappears once they have. */
export function deleteTaskSet(engine: EcsEngine, svc: ServiceState, taskSet: TaskSetState, at: number): void {
  if (taskSet.status === 'DRAINING') return;
  // A deleted task set reads DRAINING at scale 0.0 until its tasks are gone (recorded in
  // josefloressv/aws-devops-engineer scenarios/domain-1-sdlc/ecs-bluegreen-codedeploy).
  taskSet.status = 'DRAINING';
  taskSet.scale = 0;
  taskSet.updatedAt = at;
  engine.requestReconcile(svc, at);
}

function launch(
  engine: EcsEngine,
  svc: ServiceState,
  taskSet: TaskSetState,
  count: number,
  at: number,
  alreadyRunning = false,
): TaskState[] {
  const cluster = engine.clusters.get(svc.clusterName);
  const td = engine.taskDefinitions.find(taskSet.taskDefinitionArn);
  if (!cluster || !td || count <= 0) return [];
  const started: TaskState[] = [];
  for (let i = 0; i < count; i++) {
    started.push(
      engine.placeTask({
        cluster,
        td,
        at,
        service: svc,
        taskSetId: taskSet.id,
        startedBy: taskSet.id,
        group: `service:${svc.name}`,
        launchType: taskSet.launchType ?? 'EC2',
        platformVersion: taskSet.platformVersion ?? '1.4.0',
        networkConfiguration: taskSet.networkConfiguration,
        standalone: false,
        alreadyRunning,
      }),
    );
  }
  engine.emit(
    svc,
    at,
    `(service ${svc.name}, taskSet ${taskSet.id}) has started ${started.length} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.`,
  );
  return started;
}

/**
 * One scheduler pass over a CODE_DEPLOY service's task sets: replace stopped
 * and unhealthy tasks, scale to computedDesiredCount, drain deleted task sets,
 * and track each task set's stability.
 */
export function reconcileTaskSets(engine: EcsEngine, svc: ServiceState, at: number): void {
  const sets = svc.taskSets ?? [];
  for (const taskSet of [...sets]) {
    const tasks = taskSetTasks(engine, svc, taskSet);
    if (taskSet.status === 'DRAINING') {
      const running = tasks.filter(live);
      for (const task of running) {
        engine.beginStop(task, at, {
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: `Scaling activity initiated by (deployment ${taskSet.id})`,
          fromStatus: 'requested',
        });
      }
      if (tasks.every((t) => t.lastStatus === 'STOPPED')) sets.splice(sets.indexOf(taskSet), 1);
      continue;
    }
    const unhealthy = tasks.filter((t) => live(t) && t.healthStatus === 'UNHEALTHY');
    for (const task of unhealthy) {
      engine.emit(
        svc,
        at,
        `(service ${svc.name}, taskSet ${taskSet.id}) (task ${task.id}) failed container health checks.`,
      );
      engine.beginStop(task, at, {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: FAILED_HEALTH_CHECKS,
        fromStatus: 'requested',
      });
    }
    const wanted = computedDesiredCount(svc, taskSet);
    const alive = tasks.filter(live);
    if (alive.length < wanted) {
      if (!engine.launchBlocked(svc, at)) launch(engine, svc, taskSet, wanted - alive.length, at);
      else if (svc.throttledUntil !== undefined) engine.requestReconcile(svc, svc.throttledUntil);
    } else if (alive.length > wanted) {
      // Scale in the newest tasks first, pending ones before running ones.
      const extra = [...alive]
        .sort(
          (a, b) =>
            Number(a.lastStatus === 'RUNNING') - Number(b.lastStatus === 'RUNNING') ||
            b.createdAt - a.createdAt,
        )
        .slice(0, alive.length - wanted);
      for (const task of extra) {
        engine.beginStop(task, at, {
          stopCode: 'ServiceSchedulerInitiated',
          stoppedReason: `Scaling activity initiated by (deployment ${taskSet.id})`,
          fromStatus: 'requested',
        });
      }
    }
    const now = taskSetTasks(engine, svc, taskSet).filter(live);
    const steady = now.length === wanted && now.every(healthy);
    const status = steady ? 'STEADY_STATE' : 'STABILIZING';
    if (status !== taskSet.stabilityStatus) {
      taskSet.stabilityStatus = status;
      taskSet.stabilityStatusAt = at;
      taskSet.updatedAt = at;
      if (steady)
        engine.emit(svc, at, `(service ${svc.name}, taskSet ${taskSet.id}) updated state to STEADY_STATE.`);
    }
  }
  const steady =
    sets.length === 1 && sets[0].status === 'PRIMARY' && sets[0].stabilityStatus === 'STEADY_STATE';
  if (steady && !svc.steady) {
    svc.steady = true;
    svc.steadyEpoch++;
    engine.emit(svc, at, `(service ${svc.name}) has reached a steady state.`);
  } else if (!steady && svc.steady) {
    svc.steady = false;
    svc.steadyEpoch++;
  }
}

/** The TaskSet shape of DescribeServices (API_TaskSet), as in the corpus recording. */
export function taskSetShape(
  engine: EcsEngine,
  svc: ServiceState,
  taskSet: TaskSetState,
): Record<string, unknown> {
  const counts = taskSetCounts(engine, svc, taskSet);
  return compact({
    id: taskSet.id,
    taskSetArn: taskSet.arn,
    serviceArn: svc.arn,
    clusterArn: engine.clusterArn(svc.clusterName),
    // API_TaskSet: "If an CodeDeploy deployment created the task set, the startedBy parameter is CODE_DEPLOY";
    // externalId "contains the CodeDeploy deployment ID".
    startedBy: taskSet.externalId ? 'CODE_DEPLOY' : undefined,
    externalId: taskSet.externalId,
    status: taskSet.status,
    taskDefinition: taskSet.taskDefinitionArn,
    computedDesiredCount: counts.computedDesiredCount,
    pendingCount: counts.pending,
    runningCount: counts.running,
    createdAt: wireTime(taskSet.createdAt),
    updatedAt: wireTime(taskSet.updatedAt),
    launchType: taskSet.launchType,
    platformVersion: taskSet.platformVersion,
    platformFamily: taskSet.platformVersion ? 'Linux' : undefined,
    networkConfiguration: clone(taskSet.networkConfiguration),
    loadBalancers: clone(taskSet.loadBalancers),
    serviceRegistries: [],
    scale: { value: taskSet.scale, unit: 'PERCENT' },
    stabilityStatus: taskSet.stabilityStatus,
    stabilityStatusAt: wireTime(taskSet.stabilityStatusAt),
    tags: [],
  });
}
