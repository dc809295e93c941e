import { describe, expect, it } from '@jest/globals';
import {
  describeWeb,
  ECR,
  fargateTaskDefinition,
  type Harness,
  messages,
  NETWORK,
  registerWeb,
  shopHarness,
} from './ecs-helpers.js';

const CB_ROLLBACK = { deploymentCircuitBreaker: { enable: true, rollback: true } };
const PULL_ERROR = `pull image manifest has been retried 5 time(s): failed to resolve ref ${ECR}/web:2: not found`;

async function deployWeb2(h: Harness, extra: Record<string, unknown> = {}) {
  await registerWeb(h, 2, { healthCheck: Boolean(extra.healthCheck) });
  const { healthCheck: _ignored, ...rest } = extra;
  const out = await h.call('UpdateService', {
    cluster: 'shop',
    service: 'web',
    taskDefinition: 'web:2',
    ...rest,
  });
  return out.service.deployments[0].id as string;
}

function primaryOf(h: Harness) {
  return h.ecs.control.describeService('shop', 'web')?.deployments[0];
}

describe('deployment circuit breaker', () => {
  it('trips on image pull failures and rolls back to the last COMPLETED deployment', async () => {
    const h = shopHarness({ images: { [`${ECR}/web:2`]: { pullError: PULL_ERROR } } });
    const before = await describeWeb(h);
    const goodId = before.deployments[0].id;
    const goodRecord = before.currentServiceDeployment;
    const badId = await deployWeb2(h, { deploymentConfiguration: CB_ROLLBACK });
    const eventsBefore = before.events.length;

    // Up to the failure: the rollback deployment is the old one, back to IN_PROGRESS under its own id.
    h.ecs.control.advanceUntil(() => primaryOf(h)?.id === goodId);
    let svc = await describeWeb(h);
    expect(svc.taskDefinition).toMatch(/task-definition\/web:1$/);
    expect(svc.deployments.map((d: any) => [d.id, d.status, d.rolloutState, d.rolloutStateReason])).toEqual([
      [
        goodId,
        'PRIMARY',
        'IN_PROGRESS',
        `ECS deployment circuit breaker: rolling back to deploymentId ${goodId}.`,
      ],
      [badId, 'ACTIVE', 'FAILED', 'ECS deployment circuit breaker: tasks failed to start.'],
    ]);
    expect(svc.deployments[1].failedTasks).toBe(3);

    let records = h.ecs.control.serviceDeployments('shop', 'web');
    expect(records[0]).toMatchObject({
      status: 'ROLLBACK_IN_PROGRESS',
      statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
      rollback: {
        reason: 'ECS deployment circuit breaker: tasks failed to start.',
        serviceRevisionArn: `arn:aws:ecs:eu-west-1:123456789012:service-revision/shop/web/${goodId.slice(8)}`,
      },
    });

    h.ecs.control.advanceUntil(() => primaryOf(h)?.rolloutState === 'COMPLETED');
    svc = await describeWeb(h);
    expect(svc.deployments).toHaveLength(1);
    expect(svc.deployments[0]).toMatchObject({ id: goodId, rolloutState: 'COMPLETED', runningCount: 2 });
    expect(svc.runningCount).toBe(2);

    const sequence = messages(svc).slice(eventsBefore);
    expect(sequence.map((m) => m.replace(/\(task [0-9a-f]{32}\)/g, '(task ID)'))).toEqual([
      '(service web) has started 2 tasks: (task ID) (task ID).',
      '(service web) has started 2 tasks: (task ID) (task ID).',
      `(service web) (deployment ${badId}) deployment failed: tasks failed to start.`,
      `(service web) rolling back to deployment ${goodId}.`,
      // The second attempt's last task was still pulling when the breaker tripped.
      '(service web) stopped 1 pending tasks.',
      `(service web) (deployment ${goodId}) deployment completed.`,
      '(service web) has reached a steady state.',
    ]);

    // The service deployment records tell the same story.
    records = h.ecs.control.serviceDeployments('shop', 'web');
    expect(records.map((r) => r.status)).toEqual(['ROLLBACK_SUCCESSFUL', 'SUCCESSFUL']);
    expect(records[1].serviceDeploymentArn).toBe(goodRecord);
    const failed = records[0];
    expect(failed.serviceDeploymentArn).toBe(svc.currentServiceDeployment);
    expect(failed.serviceDeploymentArn).toMatch(
      /^arn:aws:ecs:eu-west-1:123456789012:service-deployment\/shop\/web\/[A-Za-z0-9_-]{22}$/,
    );
    expect(failed.finishedAt).toBeGreaterThan(failed.rollback.startedAt);
    const listed = await h.call('ListServiceDeployments', { cluster: 'shop', service: 'web' });
    expect(listed.serviceDeployments.map((d: any) => d.status)).toEqual([
      'ROLLBACK_SUCCESSFUL',
      'SUCCESSFUL',
    ]);
    const described = await h.call('DescribeServiceDeployments', {
      serviceDeploymentArns: [failed.serviceDeploymentArn],
    });
    const deployment = described.serviceDeployments[0];
    const revisions = await h.call('DescribeServiceRevisions', {
      serviceRevisionArns: [deployment.targetServiceRevision.arn, deployment.sourceServiceRevisions[0].arn],
    });
    expect(
      revisions.serviceRevisions.map((r: any) => [r.taskDefinition.split('/')[1], r.containerImages]),
    ).toEqual([
      ['web:2', [{ containerName: 'app', image: `${ECR}/web:2`, imageDigest: `sha256:${'2'.repeat(64)}` }]],
      ['web:1', [{ containerName: 'app', image: `${ECR}/web:1`, imageDigest: `sha256:${'1'.repeat(64)}` }]],
    ]);

    // The failed tasks say why.
    const stopped = await h.call('ListTasks', {
      cluster: 'shop',
      serviceName: 'web',
      desiredStatus: 'STOPPED',
      startedBy: badId,
    });
    expect(stopped.taskArns.length).toBeGreaterThanOrEqual(3);
    const all = (await h.call('DescribeTasks', { cluster: 'shop', tasks: stopped.taskArns })).tasks;
    // The one still pulling when the breaker tripped was stopped by the rollback's scale-in.
    const tasks = all.filter((t: any) => t.stopCode !== 'ServiceSchedulerInitiated');
    expect(tasks).toHaveLength(3);
    for (const task of tasks) {
      expect(task).toMatchObject({
        lastStatus: 'STOPPED',
        stopCode: 'TaskFailedToStart',
        stoppedReason: `CannotPullContainerError: ${PULL_ERROR}`,
      });
      expect(task.containers[0]).toMatchObject({
        lastStatus: 'STOPPED',
        reason: `CannotPullContainerError: ${PULL_ERROR}`,
      });
      expect(task.containers[0].exitCode).toBeUndefined();
      expect(task.startedAt).toBeUndefined();
    }
  });

  it('without rollback leaves the failed deployment PRIMARY and launches nothing more', async () => {
    const h = shopHarness({
      images: {
        [`${ECR}/web:2`]: {
          exitCode: 1,
          exitAfterSeconds: 2,
          logLines: ['booting', 'FATAL: DATABASE_URL is not set'],
        },
      },
    });
    const goodId = (await describeWeb(h)).deployments[0].id;
    const badId = await deployWeb2(h, {
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: false } },
    });
    h.ecs.control.advanceUntil(() => primaryOf(h)?.rolloutState === 'FAILED');
    const launched = h.ecs.control
      .listAllTasks({ serviceName: 'web' })
      .filter((t) => t.startedBy === badId).length;
    h.advance(30 * 60_000);
    const svc = await describeWeb(h);
    expect(svc.deployments.map((d: any) => [d.id, d.status, d.rolloutState])).toEqual([
      [badId, 'PRIMARY', 'FAILED'],
      [goodId, 'ACTIVE', 'COMPLETED'],
    ]);
    expect(svc.deployments[0].rolloutStateReason).toBe(
      'ECS deployment circuit breaker: tasks failed to start.',
    );
    expect(svc.deployments[1].runningCount).toBe(2);
    expect(
      h.ecs.control.listAllTasks({ serviceName: 'web' }).filter((t) => t.startedBy === badId),
    ).toHaveLength(launched);
    expect(messages(svc).at(-1)).toBe(
      `(service web) (deployment ${badId}) deployment failed: tasks failed to start.`,
    );
    expect(messages(svc).some((m) => m.includes('rolling back'))).toBe(false);

    const [record] = h.ecs.control.serviceDeployments('shop', 'web');
    expect(record).toMatchObject({
      status: 'STOPPED',
      statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
    });
    expect(record.rollback).toBeUndefined();

    // Essential container exit: the stop code, the reason and the container's exit code.
    const stopped = await h.call('ListTasks', {
      cluster: 'shop',
      serviceName: 'web',
      desiredStatus: 'STOPPED',
    });
    const { tasks } = await h.call('DescribeTasks', { cluster: 'shop', tasks: stopped.taskArns });
    const task = tasks.find((t: any) => t.startedBy === badId);
    expect(task).toMatchObject({
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [expect.objectContaining({ name: 'app', exitCode: 1, lastStatus: 'STOPPED' })],
    });
    // The container wrote its lines to awslogs: <prefix>/<container>/<task id>.
    const taskId = task.taskArn.split('/').pop();
    expect(
      h.world.logStore
        .get('/ecs/web')
        ?.get(`ecs/app/${taskId}`)
        ?.map((e) => e.message),
    ).toEqual(['booting', 'FATAL: DATABASE_URL is not set']);
  });

  it('counts failed container health checks and replaces the unhealthy tasks', async () => {
    const h = shopHarness({ healthCheck: true, images: { [`${ECR}/web:2`]: { failHealthCheck: true } } });
    const goodId = (await describeWeb(h)).deployments[0].id;
    // maximumPercent 300 leaves room to start replacements before stopping unhealthy tasks.
    const badId = await deployWeb2(h, {
      healthCheck: true,
      deploymentConfiguration: { ...CB_ROLLBACK, maximumPercent: 300 },
    });
    h.ecs.control.advanceUntil(
      () => primaryOf(h)?.id === goodId && primaryOf(h)?.rolloutState === 'COMPLETED',
    );
    const svc = await describeWeb(h);
    const log = messages(svc).map((m) => m.replace(/[0-9a-f]{32}/g, 'ID'));
    const failedAt = log.indexOf(
      `(service web) (deployment ${badId}) deployment failed: tasks failed to start.`,
    );
    expect(failedAt).toBeGreaterThan(0);
    // Replacement first, then the health check message, then the stop (AWS's order).
    // Each task turns UNHEALTHY on its own clock (start times differ by task).
    expect(log.slice(failedAt - 3, failedAt)).toEqual([
      '(service web) has started 1 tasks: (task ID). Amazon ECS replaced 1 tasks due to an unhealthy status.',
      '(service web) (task ID) failed container health checks.',
      '(service web) has stopped 1 running tasks: (task ID).',
    ]);
    expect(log.slice(failedAt, failedAt + 2)).toEqual([
      `(service web) (deployment ${badId}) deployment failed: tasks failed to start.`,
      `(service web) rolling back to deployment ${goodId}.`,
    ]);
    const stopped = h.ecs.control
      .listAllTasks({ serviceName: 'web', desiredStatus: 'STOPPED' })
      .filter((t) => t.startedBy === badId);
    const unhealthy = stopped.filter((t) => t.stoppedReason === 'Task failed container health checks');
    expect(unhealthy.length).toBeGreaterThanOrEqual(2);
    expect(unhealthy[0]).toMatchObject({
      stopCode: 'ServiceSchedulerInitiated',
      healthStatus: 'UNHEALTHY',
      containers: [expect.objectContaining({ healthStatus: 'UNHEALTHY' })],
    });
    // Health check of interval 10 s × 3 retries: unhealthy 30 s after RUNNING.
    expect(unhealthy[0].stoppingAt - unhealthy[0].startedAt).toBe(30);
  });

  it.each([
    [{}, 10, 5],
    [{ thresholdConfiguration: { type: 'BOUNDED_PERCENT', value: 50 } }, 1, 3],
    [{ thresholdConfiguration: { type: 'BOUNDED_PERCENT', value: 50 } }, 25, 13],
    [{ thresholdConfiguration: { type: 'COUNT', value: 2 } }, 10, 2],
    [{ thresholdConfiguration: { type: 'UNBOUNDED_PERCENT', value: 10 } }, 10, 1],
  ])('threshold %j with desired count %i is %i', async (breaker, desiredCount, threshold) => {
    const h = shopHarness({ desiredCount, images: { [`${ECR}/web:2`]: { pullError: PULL_ERROR } } });
    await deployWeb2(h, {
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true, ...breaker } },
    });
    h.ecs.control.advanceUntil(
      () => h.ecs.control.serviceDeployments('shop', 'web')[0].status === 'ROLLBACK_IN_PROGRESS',
    );
    const [record] = h.ecs.control.serviceDeployments('shop', 'web');
    expect(record.deploymentCircuitBreaker).toEqual({
      status: 'TRIGGERED',
      failureCount: threshold,
      threshold,
    });
  });

  it('with the circuit breaker off, a crash loop stays IN_PROGRESS and keeps starting tasks', async () => {
    const h = shopHarness({ images: { [`${ECR}/web:2`]: { exitCode: 137 } } });
    const badId = await deployWeb2(h);
    h.advance(20 * 60_000);
    const svc = await describeWeb(h);
    expect(svc.deployments[0]).toMatchObject({ id: badId, rolloutState: 'IN_PROGRESS', runningCount: 0 });
    expect(svc.deployments[0].failedTasks).toBeGreaterThan(10);
    expect(svc.deployments[1]).toMatchObject({ rolloutState: 'COMPLETED', runningCount: 2 });
    expect(messages(svc).filter((m) => m.includes('has started')).length).toBeGreaterThan(10);
    expect(h.ecs.control.serviceDeployments('shop', 'web')[0]).toMatchObject({
      status: 'IN_PROGRESS',
      deploymentCircuitBreaker: { status: 'DISABLED' },
    });
  });

  it('a healthy task resets the failure count unless resetOnHealthyTask is false', async () => {
    // Each task passes its first health check (10 s after it starts, interval 10) and crashes
    // 2 s later: every failure follows a task that reached HEALTHY. A 30-minute bake keeps the
    // deployment IN_PROGRESS meanwhile, so only the circuit breaker can end it.
    // "When set to true, a task that reaches a healthy state resets the failure count to 0."
    // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html
    for (const [reset, expected] of [
      [true, 'IN_PROGRESS'],
      [false, 'FAILED'],
    ] as const) {
      const h = shopHarness({
        healthCheck: true,
        desiredCount: 1,
        images: { [`${ECR}/web:2`]: { exitCode: 1, exitAfterSeconds: 12 } },
      });
      await deployWeb2(h, {
        healthCheck: true,
        deploymentConfiguration: {
          bakeTimeInMinutes: 30,
          deploymentCircuitBreaker: { enable: true, rollback: false, resetOnHealthyTask: reset },
        },
      });
      h.advance(15 * 60_000);
      expect(primaryOf(h)?.rolloutState).toBe(expected);
      const crashed = h.ecs.control
        .listAllTasks({ serviceName: 'web', desiredStatus: 'STOPPED' })
        .filter((t) => t.stopCode === 'EssentialContainerExited');
      expect(crashed.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('cannot roll back the first deployment of a service: the deployment stalls', async () => {
    const h = shopHarness({ images: { [`${ECR}/api:1`]: { pullError: 'boom' } } });
    h.world.digests.set(`${ECR}/api:1`, `sha256:${'a'.repeat(64)}`);
    await h.call('RegisterTaskDefinition', fargateTaskDefinition('api', `${ECR}/api:1`));
    await h.call('CreateService', {
      cluster: 'shop',
      serviceName: 'api',
      taskDefinition: 'api',
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: NETWORK,
      deploymentConfiguration: CB_ROLLBACK,
    });
    h.ecs.control.advanceUntil(
      () => h.ecs.control.describeService('shop', 'api')?.deployments[0].rolloutState === 'FAILED',
    );
    h.advance(10 * 60_000);
    const svc = h.ecs.control.describeService('shop', 'api');
    expect(svc?.deployments).toHaveLength(1);
    expect(svc?.runningCount).toBe(0);
    const [record] = h.ecs.control.serviceDeployments('shop', 'api');
    expect(record.status).toBe('ROLLBACK_FAILED');
    expect(record.statusReason).toMatch(/No deployment in the COMPLETED state to roll back to/);
  });

  it('an ECR tag that does not exist cannot be pulled', async () => {
    const h = shopHarness();
    const arn = (await h.call('RegisterTaskDefinition', fargateTaskDefinition('web', `${ECR}/web:missing`)))
      .taskDefinition.taskDefinitionArn;
    await h.call('UpdateService', {
      cluster: 'shop',
      service: 'web',
      taskDefinition: arn,
      deploymentConfiguration: CB_ROLLBACK,
    });
    h.ecs.control.advanceUntil(
      () => h.ecs.control.serviceDeployments('shop', 'web')[0].status === 'ROLLBACK_SUCCESSFUL',
    );
    const failed = h.ecs.control.listAllTasks({ desiredStatus: 'STOPPED' })[0];
    expect(failed.stoppedReason).toBe(
      // Fargate 1.4 wording for a reference the registry does not hold (corpus: image-pull-not-found).
      `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${ECR}/web:missing: not found`,
    );
    // The revision could not resolve a digest either.
    const [record] = h.ecs.control.serviceDeployments('shop', 'web');
    const revisions = await h.call('DescribeServiceRevisions', {
      serviceRevisionArns: [record.targetServiceRevision.arn],
    });
    expect(revisions.serviceRevisions[0].containerImages).toEqual([
      { containerName: 'app', image: `${ECR}/web:missing` },
    ]);
  });
});
