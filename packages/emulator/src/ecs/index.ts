/**
 * The ECS engine as a ServiceModule of the emulator: the AWS JSON 1.1
 * operations (target prefix AmazonEC2ContainerServiceV20141113), the
 * deterministic state machine behind them, and a control API for tests and
 * the control endpoints.
 *
 * Modelling choices (each documented where implemented):
 * - No `default` cluster exists until it is created (CreateCluster without a
 *   name, a scenario `clusters: [default]`, or a scenario service without
 *   `cluster`); calls that omit `cluster` then fail with ClusterNotFoundException
 *   like on a fresh AWS account.
 * - Tasks need no container instances: EC2 and Fargate tasks are always placed.
 * - CODE_DEPLOY services run task sets (task-sets.ts) that the emulator's
 *   CodeDeploy drives; load balancers, Service Connect, lifecycle hook Lambdas and
 *   the EXTERNAL controller are not modelled (EXTERNAL services run no tasks).
 */
import type { RequestContext, Scenario, ScenarioService, ServiceModule, World } from '../world.js';
import { AwsError } from '../world.js';
import { EcsEngine } from './engine.js';
import { createOperations } from './operations.js';
import { createService } from './services.js';
import { serviceDeploymentShape, serviceRevisionShape, serviceShape, taskShape } from './shapes.js';
import { taskDefinitionShape } from './task-definitions.js';

export const ECS_TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113';

/** What tests and the emulator's control endpoints can do to ECS beyond its API. */
export interface EcsControl {
  /** Registers a task definition exactly as RegisterTaskDefinition would (the input may carry `tags`); returns the `taskDefinition` member. */
  seedTaskDefinition(input: Record<string, unknown>, callerArn?: string): Record<string, unknown>;
  /**
   * Creates a service from a scenario entry. `steady` (default true) starts it
   * with its tasks RUNNING and its first deployment COMPLETED; `steady: false`
   * makes it deploy like CreateService. `desiredCount` defaults to 1.
   */
  seedService(spec: ScenarioService, callerArn?: string): Record<string, unknown>;
  /** DescribeTasks shapes of every task still retained (stopped tasks stay an hour), oldest first. */
  listAllTasks(filter?: {
    cluster?: string;
    serviceName?: string;
    desiredStatus?: 'RUNNING' | 'STOPPED';
  }): Array<Record<string, any>>;
  /**
   * Fails the service's PRIMARY deployment now as the circuit breaker would
   * (rolloutState FAILED, the AWS events, and a rollback when the service's
   * circuit breaker has `rollback: true`). Throws when nothing is in progress.
   */
  forceDeploymentFailure(cluster: string, service: string): void;
  /**
   * Records that a CloudWatch alarm changed state at the current emulated time.
   * The control endpoint that sets alarms should call it; without it the change
   * is noticed at the next tick.
   */
  alarmChanged(name: string): void;
  /** Emulated time (ms) of the next thing ECS will do on its own, if anything is scheduled. */
  nextEventAt(): number | undefined;
  /** Advances `world.clock` by `ms` and processes everything due (the same as polling at every instant). */
  advance(ms: number): void;
  /**
   * Advances `world.clock` from one scheduled event to the next until `predicate()`
   * holds, and returns the emulated milliseconds advanced. Throws when it does
   * not hold within `maxMs` (default 2 hours).
   */
  advanceUntil(predicate: () => boolean, options?: { maxMs?: number }): number;
  /** The service as DescribeServices returns it (with tags), or undefined. */
  describeService(cluster: string, service: string): Record<string, any> | undefined;
  /** The service's deployments as DescribeServiceDeployments returns them, newest first (no access gating). */
  serviceDeployments(cluster: string, service: string): Array<Record<string, any>>;
  /** Clears all ECS state (the next `load` seeds it again). */
  reset(): void;
}

export type EcsModule = ServiceModule & { control: EcsControl; engine: EcsEngine };

export function createEcs(world: World): EcsModule {
  const engine = new EcsEngine(world);
  const operations = createOperations(engine);
  const rootCaller = () => `arn:aws:iam::${world.accountId}:root`;

  function findService(cluster: string, service: string) {
    return engine.services.get(`${cluster}/${service}`);
  }

  function seedService(spec: ScenarioService, callerArn = rootCaller()): Record<string, unknown> {
    const cluster = spec.cluster ?? 'default';
    if (!engine.clusters.has(cluster)) engine.createCluster(cluster, engine.now());
    const svc = createService(
      engine,
      {
        cluster,
        serviceName: spec.serviceName,
        taskDefinition: spec.taskDefinition,
        desiredCount: spec.desiredCount ?? 1,
        launchType: spec.launchType,
        deploymentConfiguration: spec.deploymentConfiguration,
        deploymentController: spec.deploymentController,
        networkConfiguration: spec.networkConfiguration,
        loadBalancers: spec.loadBalancers,
        propagateTags: spec.propagateTags,
        enableExecuteCommand: spec.enableExecuteCommand,
      },
      callerArn,
      { steady: spec.steady !== false },
    );
    return serviceShape(engine, svc, ['TAGS']);
  }

  const control: EcsControl = {
    seedTaskDefinition(input, callerArn = rootCaller()) {
      const at = engine.now();
      const td = engine.taskDefinitions.register(input as Record<string, any>, {
        region: world.region,
        accountId: world.accountId,
        now: at,
        callerArn,
        isEcrImage: (image) => world.images.isEcrImage(image),
      });
      return taskDefinitionShape(td);
    },
    seedService,
    listAllTasks(filter = {}) {
      engine.now();
      return [...engine.tasks.values()]
        .filter(
          (t) =>
            (!filter.cluster || t.clusterName === filter.cluster) &&
            (!filter.serviceName || t.serviceName === filter.serviceName) &&
            (!filter.desiredStatus || t.desiredStatus === filter.desiredStatus),
        )
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
        .map((t) => taskShape(engine, t, ['TAGS']));
    },
    forceDeploymentFailure(cluster, service) {
      const at = engine.now();
      const svc = findService(cluster, service);
      const primary = svc?.deployments[0];
      if (!svc || !primary || primary.rolloutState !== 'IN_PROGRESS') {
        throw new AwsError(
          'InvalidParameterException',
          `No deployment of ${cluster}/${service} is in progress.`,
        );
      }
      engine.failDeployment(svc, primary, 'circuit-breaker', at);
    },
    alarmChanged(name) {
      const now = world.clock.now();
      engine.alarmStateAt(name, now);
      engine.observeAlarms(now);
      engine.tick(now);
    },
    nextEventAt() {
      return engine.agenda.nextAt();
    },
    advance(ms) {
      if (ms > 0) world.clock.advance(ms);
      engine.tick(world.clock.now());
    },
    advanceUntil(predicate, options = {}) {
      const start = world.clock.now();
      const limit = start + (options.maxMs ?? 2 * 60 * 60_000);
      engine.tick(start);
      while (!predicate()) {
        const next = engine.agenda.nextAt();
        if (next === undefined || next > limit) {
          throw new Error(
            `advanceUntil: condition not reached within ${(limit - start) / 1000} s of emulated time`,
          );
        }
        const now = world.clock.now();
        if (next > now) world.clock.advance(next - now);
        engine.tick(world.clock.now());
      }
      return world.clock.now() - start;
    },
    describeService(cluster, service) {
      engine.now();
      const svc = findService(cluster, service);
      return svc ? serviceShape(engine, svc, ['TAGS']) : undefined;
    },
    serviceDeployments(cluster, service) {
      engine.now();
      const svc = findService(cluster, service);
      return svc ? svc.records.map((r) => serviceDeploymentShape(engine, r)) : [];
    },
    reset() {
      engine.reset();
    },
  };

  return {
    targetPrefix: ECS_TARGET_PREFIX,
    operations,
    engine,
    control,
    tick(now: number) {
      engine.tick(now);
    },
    load(scenario: Scenario) {
      engine.reset();
      const at = world.clock.now();
      engine.tick(at);
      for (const name of scenario.clusters ?? []) engine.createCluster(name, at);
      for (const svc of scenario.services ?? []) {
        const cluster = svc.cluster ?? 'default';
        if (!engine.clusters.has(cluster)) engine.createCluster(cluster, at);
      }
      for (const input of scenario.taskDefinitions ?? []) control.seedTaskDefinition(input);
      for (const spec of scenario.services ?? []) seedService(spec);
    },
    snapshot() {
      engine.now();
      return {
        clusters: [...engine.clusters.values()].map((c) => ({ name: c.name, arn: c.arn, status: c.status })),
        taskDefinitions: engine.taskDefinitions.all().map((td) => ({ arn: td.arn, status: td.status })),
        services: [...engine.services.values()].map((s) => serviceShape(engine, s, ['TAGS'])),
        tasks: [...engine.tasks.values()].map((t) => taskShape(engine, t, ['TAGS'])),
        serviceDeployments: [...engine.records.values()].map((r) => serviceDeploymentShape(engine, r)),
        serviceRevisions: [...engine.revisions.values()].map((r) => serviceRevisionShape(r)),
        nextEventAt: engine.agenda.nextAt(),
      };
    },
  };
}

export { EcsEngine } from './engine.js';
export type { RequestContext };
