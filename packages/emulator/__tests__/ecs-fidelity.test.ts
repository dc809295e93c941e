/**
 * The ECS engine's failure and health behaviour, driven through the real AWS
 * SDK against the emulator's HTTP server. Each expected value comes from the
 * AWS page (or corpus recording) cited beside it, not from the engine.
 */
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type Task,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { ImageBehaviour, Scenario } from '../src/index.js';
import { type RunningEmulator, startEmulator } from '../src/server.js';
import { ECR, fargateTaskDefinition, NETWORK, REGION, shopScenario } from './ecs-helpers.js';

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

interface Setup {
  images?: Record<string, ImageBehaviour>;
  desiredCount?: number;
  healthCheck?: boolean | Record<string, unknown>;
  deploymentConfiguration?: Record<string, unknown>;
  extra?: Partial<Scenario>;
}

/** A steady `web` service on web:1 (FARGATE) and web:1..web:3 in ECR; time moves only when a test says. */
async function start(setup: Setup = {}) {
  const scenario: Scenario = {
    ...shopScenario({
      desiredCount: setup.desiredCount ?? 2,
      deploymentConfiguration: setup.deploymentConfiguration ?? {
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    }),
    repositories: [{ name: 'web', images: [1, 2, 3].map((n) => ({ tags: [String(n)] })) }],
    behaviours: setup.images ?? {},
    ...setup.extra,
  };
  emulator = await startEmulator({ scenario, seed: 11, timeScale: 0.001, startTime: '2025-06-02T09:00:00Z' });
  const ecs = new ECSClient({
    endpoint: emulator.url,
    region: REGION,
    credentials: { accessKeyId: 'AKIDBERTHTEST', secretAccessKey: 'not-checked' },
    maxAttempts: 1,
  });
  const control = emulator.control.ecs!;
  return { ecs, control, emulator };
}

type Started = Awaited<ReturnType<typeof start>>;

const HEALTH_CHECK = {
  command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
  interval: 10,
  retries: 3,
};

async function deploy(s: Started, image: string, setup: Setup = {}): Promise<string> {
  const definition = fargateTaskDefinition('web', image, { awslogs: true }) as Record<string, any>;
  const healthCheck = setup.healthCheck === true ? HEALTH_CHECK : setup.healthCheck || undefined;
  if (healthCheck) definition.containerDefinitions[0].healthCheck = healthCheck;
  const registered = await s.ecs.send(new RegisterTaskDefinitionCommand(definition as any));
  const updated = await s.ecs.send(
    new UpdateServiceCommand({
      cluster: 'shop',
      service: 'web',
      taskDefinition: registered.taskDefinition!.taskDefinitionArn,
      ...(setup.deploymentConfiguration ? { deploymentConfiguration: setup.deploymentConfiguration } : {}),
    }),
  );
  return updated.service!.deployments![0].id!;
}

async function service(s: Started) {
  return (await s.ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['web'] }))).services![0];
}

async function tasksOf(s: Started, startedBy: string, desiredStatus: 'RUNNING' | 'STOPPED'): Promise<Task[]> {
  const listed = await s.ecs.send(
    new ListTasksCommand({ cluster: 'shop', serviceName: 'web', startedBy, desiredStatus }),
  );
  if (!listed.taskArns?.length) return [];
  return (
    (await s.ecs.send(new DescribeTasksCommand({ cluster: 'shop', tasks: listed.taskArns }))).tasks ?? []
  );
}

const primary = (s: Started) => s.control.describeService('shop', 'web')?.deployments[0];

describe('container health from the task definition (API_HealthCheck)', () => {
  it('a crashing image with a health check is FAILED by the breaker while the old tasks keep serving', async () => {
    // Exits 8 s after start; the first check runs one interval (10 s) after start: never HEALTHY.
    const s = await start({ images: { [`${ECR}/web:2`]: { exitCode: 1, exitAfterSeconds: 8 } } });
    const before = await service(s);
    const goodId = before.deployments![0].id!;
    const oldTasks = (await tasksOf(s, goodId, 'RUNNING')).map((t) => t.taskArn);
    const badId = await deploy(s, `${ECR}/web:2`, { healthCheck: true });

    s.control.advanceUntil(() => primary(s)?.id === goodId && primary(s)?.rolloutState === 'COMPLETED');
    const svc = await service(s);
    expect(svc.deployments!.map((d) => [d.id, d.rolloutState])).toEqual([[goodId, 'COMPLETED']]);
    // minimumHealthyPercent 100: the old tasks were never stopped.
    expect((await tasksOf(s, goodId, 'RUNNING')).map((t) => t.taskArn).sort()).toEqual(oldTasks.sort());
    const failed = await tasksOf(s, badId, 'STOPPED');
    const crashed = failed.filter((t) => t.stopCode === 'EssentialContainerExited');
    expect(crashed.length).toBeGreaterThanOrEqual(3);
    for (const task of crashed) {
      expect(task.stoppedReason).toBe('Essential container in task exited');
      // UNKNOWN while the check is being evaluated; a stopped container never reports HEALTHY.
      expect(task.containers![0].healthStatus).not.toBe('HEALTHY');
      expect(task.healthStatus).not.toBe('HEALTHY');
    }
  });

  it('a container that exits before its first health check never reports HEALTHY', async () => {
    const s = await start({
      desiredCount: 1,
      images: { [`${ECR}/web:2`]: { exitCode: 1, exitAfterSeconds: 9 } },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false } },
    });
    const badId = await deploy(s, `${ECR}/web:2`, { healthCheck: true });
    const seen = new Set<string>();
    s.control.advanceUntil(() => {
      for (const t of s.control.listAllTasks({ serviceName: 'web' }).filter((x) => x.startedBy === badId))
        seen.add(String(t.healthStatus));
      return s.control.listAllTasks({ serviceName: 'web', desiredStatus: 'STOPPED' }).length >= 3;
    });
    expect([...seen]).toEqual(['UNKNOWN']);
  });

  it('HEALTHY at the first passing check, UNHEALTHY after retries, startPeriod shields early failures', async () => {
    // The app answers its check 35 s after start; checks every 10 s, retries 3, startPeriod 30 s.
    // Without the start period the checks at 10, 20 and 30 s would make it UNHEALTHY; with it
    // only the one at 30 s counts, and the one at 40 s passes: HEALTHY.
    const s = await start({
      desiredCount: 1,
      images: { [`${ECR}/web:2`]: { healthyAfterSeconds: 35 } },
    });
    const id = await deploy(s, `${ECR}/web:2`, {
      healthCheck: { ...HEALTH_CHECK, startPeriod: 30 },
    });
    s.control.advanceUntil(() => primary(s)?.rolloutState === 'COMPLETED');
    const [task] = await tasksOf(s, id, 'RUNNING');
    expect(task.healthStatus).toBe('HEALTHY');
    expect(task.containers![0].healthStatus).toBe('HEALTHY');
  });

  it('with checks that never pass, the task turns UNHEALTHY after interval × retries and is replaced', async () => {
    const s = await start({
      desiredCount: 1,
      images: { [`${ECR}/web:2`]: { failHealthCheck: true } },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    const badId = await deploy(s, `${ECR}/web:2`, { healthCheck: true });
    s.control.advanceUntil(
      () => s.control.listAllTasks({ serviceName: 'web', desiredStatus: 'STOPPED' }).length > 0,
    );
    const [task] = await tasksOf(s, badId, 'STOPPED');
    expect(task).toMatchObject({
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Task failed container health checks',
      healthStatus: 'UNHEALTHY',
    });
    // Checks at 10, 20, 30 s after the container started all fail: UNHEALTHY at 30 s.
    expect((task.stoppingAt!.getTime() - task.startedAt!.getTime()) / 1000).toBe(30);
    const svc = await service(s);
    expect(svc.events!.map((e) => e.message)).toContain(
      `(service web) (task ${task.taskArn!.split('/').pop()}) failed container health checks.`,
    );
  });

  it('a non-essential container does not decide the task health', async () => {
    const s = await start({ desiredCount: 1 });
    const definition = fargateTaskDefinition('web', `${ECR}/web:2`) as Record<string, any>;
    definition.containerDefinitions.push({
      name: 'sidecar',
      image: `${ECR}/web:3`,
      essential: false,
      healthCheck: HEALTH_CHECK,
    });
    await s.ecs.send(new RegisterTaskDefinitionCommand(definition as any));
    s.emulator.control.seed({ behaviours: { [`${ECR}/web:3`]: { failHealthCheck: true } } });
    const id = (
      await s.ecs.send(new UpdateServiceCommand({ cluster: 'shop', service: 'web', taskDefinition: 'web' }))
    ).service!.deployments![0].id!;
    s.control.advanceUntil(() => primary(s)?.rolloutState === 'COMPLETED');
    s.emulator.control.advance(120);
    const [task] = await tasksOf(s, id, 'RUNNING');
    // "UNKNOWN – … there are only nonessential containers with health checks defined" (API_Task).
    expect(task.healthStatus).toBe('UNKNOWN');
    expect(task.containers!.find((c) => c.name === 'sidecar')?.healthStatus).toBe('UNHEALTHY');
  });
});

describe('failure modes', () => {
  it('an image missing from ECR stops the task with the pull error, before RUNNING', async () => {
    const s = await start({ desiredCount: 1 });
    const badId = await deploy(s, `${ECR}/web:404`);
    s.control.advanceUntil(
      () => s.control.listAllTasks({ serviceName: 'web', desiredStatus: 'STOPPED' }).length > 0,
    );
    s.emulator.control.advance(60);
    const [task] = await tasksOf(s, badId, 'STOPPED');
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.stoppedReason).toMatch(
      /^CannotPullContainerError: .*failed to resolve ref .*web:404: not found$/,
    );
    expect(task.startedAt).toBeUndefined();
  });

  it('a secret the task cannot read fails initialisation (ResourceInitializationError)', async () => {
    const secret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db-AbCdEf';
    const s = await start({
      desiredCount: 1,
      extra: { secrets: ['arn:aws:secretsmanager:*:secret:shop/api-*'] },
    });
    const definition = fargateTaskDefinition('web', `${ECR}/web:2`) as Record<string, any>;
    definition.executionRoleArn = 'arn:aws:iam::123456789012:role/exec';
    definition.containerDefinitions[0].secrets = [{ name: 'DB_PASSWORD', valueFrom: `${secret}:password::` }];
    await s.ecs.send(new RegisterTaskDefinitionCommand(definition as any));
    const id = (
      await s.ecs.send(new UpdateServiceCommand({ cluster: 'shop', service: 'web', taskDefinition: 'web' }))
    ).service!.deployments![0].id!;
    s.control.advanceUntil(
      () => s.control.listAllTasks({ serviceName: 'web', desiredStatus: 'STOPPED' }).length > 0,
    );
    s.emulator.control.advance(60);
    const [task] = await tasksOf(s, id, 'STOPPED');
    expect(task.stopCode).toBe('TaskFailedToStart');
    // https://repost.aws/knowledge-center/ecs-unable-to-pull-secrets
    expect(task.stoppedReason).toMatch(
      /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: .*shop\/db-AbCdEf/,
    );
    expect(task.pullStartedAt).toBeUndefined();
  });

  it('out of memory: exit code 137 and OutOfMemoryError on the container', async () => {
    const s = await start({
      desiredCount: 1,
      images: { [`${ECR}/web:2`]: { outOfMemory: true, exitAfterSeconds: 20 } },
    });
    const id = await deploy(s, `${ECR}/web:2`);
    s.control.advanceUntil(
      () => s.control.listAllTasks({ serviceName: 'web', desiredStatus: 'STOPPED' }).length > 0,
    );
    s.emulator.control.advance(60);
    const [task] = await tasksOf(s, id, 'STOPPED');
    // corpus ecs-failures: kind oom (task reason "Essential container in task exited", container 137).
    expect(task).toMatchObject({
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
    expect(task.containers![0]).toMatchObject({
      exitCode: 137,
      reason: 'OutOfMemoryError: Container killed due to memory usage',
    });
  });

  it('no Fargate capacity: no task is placed, the service says why, RunTask answers in failures', async () => {
    const s = await start({
      desiredCount: 1,
      extra: {
        placementFailures: [{ cluster: 'shop', launchType: 'FARGATE', reason: 'capacity-unavailable' }],
      },
    });
    const id = await deploy(s, `${ECR}/web:2`);
    s.emulator.control.advance(10 * 60);
    expect(s.control.listAllTasks({ serviceName: 'web' }).filter((t) => t.startedBy === id)).toEqual([]);
    const svc = await service(s);
    expect(svc.deployments![0]).toMatchObject({ id, rolloutState: 'IN_PROGRESS' });
    // Corpus (placement-fargate) and service-event-messages.html.
    expect(svc.events!.map((e) => e.message)).toContain(
      '(service web) was unable to place a task. Reason: Capacity is unavailable at this time. Please try again later or in a different availability zone. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.',
    );
    const run = await s.ecs.send(
      new RunTaskCommand({
        cluster: 'shop',
        taskDefinition: 'web',
        launchType: 'FARGATE',
        networkConfiguration: NETWORK as any,
      }),
    );
    expect(run.tasks).toEqual([]);
    expect(run.failures![0].reason).toMatch(/^Capacity is unavailable at this time/);
  });
});

describe('pacing', () => {
  it('a Fargate crash loop restarts about once a minute, as recorded (corpus crashloop)', async () => {
    // raw-cli-describe-services-crashloop.json: "has started 1 tasks" 58–62 s apart.
    const s = await start({
      desiredCount: 1,
      images: { [`${ECR}/web:2`]: { exitCode: 1 } },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false } },
    });
    await deploy(s, `${ECR}/web:2`);
    s.emulator.control.advance(15 * 60);
    const starts = (await service(s))
      .events!.filter((e) => /has started 1 tasks/.test(e.message!))
      .map((e) => e.createdAt!.getTime())
      .sort((a, b) => a - b);
    const gaps = starts.slice(2).map((t, i) => (t - starts[i + 1]) / 1000);
    expect(gaps.length).toBeGreaterThan(8);
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
    expect(median).toBeGreaterThanOrEqual(45);
    expect(median).toBeLessThanOrEqual(75);
    // Tasks that reached RUNNING do not engage the throttle (service-throttle-logic.html).
    expect((await service(s)).events!.some((e) => /unable to consistently start/.test(e.message!))).toBe(
      false,
    );
  });

  it('tasks that never reach RUNNING are retried with growing gaps and the throttle event', async () => {
    const s = await start({
      desiredCount: 1,
      images: { [`${ECR}/web:2`]: { pullError: 'failed to resolve ref' } },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false } },
    });
    await deploy(s, `${ECR}/web:2`);
    s.emulator.control.advance(3 * 60 * 60);
    const events = (await service(s)).events!;
    const starts = events
      .filter((e) => /has started 1 tasks/.test(e.message!))
      .map((e) => e.createdAt!.getTime())
      .sort((a, b) => a - b);
    const gaps = starts.slice(1).map((t, i) => (t - starts[i]) / 60_000);
    // Corpus ecs-failures/README.md: 2.9–3.4 min for the first 5, 7.0–8.2 for the next 13, then 12.6–13.1.
    expect(Math.max(...gaps.slice(0, 4))).toBeLessThan(4);
    expect(Math.min(...gaps.slice(6, 17))).toBeGreaterThan(6);
    expect(gaps.at(-1)).toBeGreaterThan(11);
    expect(events.some((e) => /is unable to consistently start tasks successfully\./.test(e.message!))).toBe(
      true,
    );
  });

  it('a new task definition ends the throttle at once', async () => {
    const s = await start({
      desiredCount: 1,
      images: { [`${ECR}/web:2`]: { pullError: 'failed to resolve ref' } },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false } },
    });
    await deploy(s, `${ECR}/web:2`);
    s.emulator.control.advance(20 * 60);
    const fixedId = await deploy(s, `${ECR}/web:3`);
    s.emulator.control.advance(5);
    // "Updating the service to use a new task definition returns the service to a normal,
    // non-throttled state immediately."
    expect(s.control.listAllTasks({ serviceName: 'web' }).some((t) => t.startedBy === fixedId)).toBe(true);
  });
});

describe('rollback realism', () => {
  it('the circuit breaker trips after minutes, and the rollback takes the failed tasks time to drain', async () => {
    const s = await start({ images: { [`${ECR}/web:2`]: { exitCode: 1, exitAfterSeconds: 5 } } });
    const goodId = (await service(s)).deployments![0].id!;
    const started = s.emulator.world.clock.now();
    await deploy(s, `${ECR}/web:2`, { healthCheck: true });
    s.control.advanceUntil(() => primary(s)?.id === goodId);
    const tripped = s.emulator.world.clock.now();
    s.control.advanceUntil(() => primary(s)?.rolloutState === 'COMPLETED');
    const done = s.emulator.world.clock.now();
    // Three failures of Fargate tasks that each take ~25 s to start: well over half a minute.
    expect((tripped - started) / 1000).toBeGreaterThan(30);
    // The failed deployment's tasks must deprovision (about 25 s on Fargate) before it completes.
    expect((done - tripped) / 1000).toBeGreaterThan(10);
  });
});

describe('restart policy (API_ContainerRestartPolicy)', () => {
  it('restarts a container in place after restartAttemptPeriod; an earlier exit stops the task', async () => {
    for (const [runs, expectRestart] of [
      [90, true],
      [30, false],
    ] as const) {
      const s = await start({
        desiredCount: 1,
        images: { [`${ECR}/web:2`]: { exitCode: 2, exitAfterSeconds: runs } },
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: false, rollback: false } },
      });
      const definition = fargateTaskDefinition('web', `${ECR}/web:2`) as Record<string, any>;
      definition.containerDefinitions[0].restartPolicy = { enabled: true, restartAttemptPeriod: 60 };
      await s.ecs.send(new RegisterTaskDefinitionCommand(definition as any));
      const id = (
        await s.ecs.send(new UpdateServiceCommand({ cluster: 'shop', service: 'web', taskDefinition: 'web' }))
      ).service!.deployments![0].id!;
      s.emulator.control.advance(runs + 60);
      const stopped = await tasksOf(s, id, 'STOPPED');
      expect(stopped.length === 0).toBe(expectRestart);
      await emulator?.stop();
      emulator = undefined;
    }
  });
});
