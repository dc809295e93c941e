import { describe, expect, it } from '@jest/globals';
import { CALLER, describeWeb, ECR, messages, registerWeb, START, shopHarness } from './ecs-helpers.js';

describe('ECS rolling deployment', () => {
  it('seeds a steady service: one COMPLETED PRIMARY deployment, tasks RUNNING, steady-state event', async () => {
    const h = shopHarness();
    const svc = await describeWeb(h);
    expect(svc).toMatchObject({
      serviceName: 'web',
      status: 'ACTIVE',
      desiredCount: 2,
      runningCount: 2,
      pendingCount: 0,
      launchType: 'FARGATE',
      taskDefinition: `arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1`,
      deploymentController: { type: 'ECS' },
      deploymentConfiguration: {
        maximumPercent: 200,
        minimumHealthyPercent: 100,
        deploymentCircuitBreaker: { enable: false, rollback: false },
      },
    });
    expect(svc.deployments).toHaveLength(1);
    expect(svc.deployments[0]).toMatchObject({
      status: 'PRIMARY',
      rolloutState: 'COMPLETED',
      runningCount: 2,
    });
    expect(svc.deployments[0].id).toMatch(/^ecs-svc\/\d{19}$/);
    expect(svc.deployments[0].rolloutStateReason).toBe(`ECS deployment ${svc.deployments[0].id} completed.`);
    expect(messages(svc).at(-1)).toBe('(service web) has reached a steady state.');
  });

  it('rolls a new task definition out to steady state, honouring min 100 % / max 200 %', async () => {
    const h = shopHarness();
    const before = await describeWeb(h);
    const oldId = before.deployments[0].id;
    const td2 = await registerWeb(h, 2);

    const updated = await h.call('UpdateService', {
      cluster: 'shop',
      service: 'web',
      taskDefinition: 'web:2',
    });
    const [primary, active] = updated.service.deployments;
    expect(primary).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: td2,
      rolloutState: 'IN_PROGRESS',
      desiredCount: 0,
      runningCount: 0,
    });
    expect(primary.rolloutStateReason).toBe(`ECS deployment ${primary.id} in progress.`);
    expect(active).toMatchObject({ id: oldId, status: 'ACTIVE', rolloutState: 'COMPLETED', runningCount: 2 });
    // A deploy without desiredCount keeps the current one.
    expect(updated.service.desiredCount).toBe(2);

    // The scheduler's first pass starts both new tasks at once (max 200 %).
    h.advance(1_000);
    let svc = await describeWeb(h);
    expect(svc.deployments[0]).toMatchObject({ desiredCount: 2, pendingCount: 2, runningCount: 0 });
    expect(svc.pendingCount).toBe(2);
    expect(messages(svc).at(-1)).toMatch(
      /^\(service web\) has started 2 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/,
    );

    // RUNNING after the Fargate start (about 25 s), but without a health check counted
    // healthy only 40 s later (API_DeploymentConfiguration): the old tasks stay until then.
    const toRunning = h.ecs.control.advanceUntil(
      () =>
        h.ecs.control.listAllTasks({ serviceName: 'web' }).filter((t) => t.lastStatus === 'RUNNING')
          .length === 4,
    );
    expect(toRunning).toBeGreaterThan(15_000);
    svc = await describeWeb(h);
    expect(svc.deployments[1].runningCount).toBe(2);
    const oldLive = () =>
      h.ecs.control
        .listAllTasks({ serviceName: 'web', desiredStatus: 'RUNNING' })
        .filter((t) => t.startedBy === oldId).length;
    // Each old task stops once a new one has run 40 s; the later of the two new tasks started
    // at most ±20 % of the start time after the earlier one.
    const toFirstStop = h.ecs.control.advanceUntil(() => oldLive() < 2);
    expect(toFirstStop).toBeGreaterThan(30_000);
    h.ecs.control.advanceUntil(() => oldLive() === 0);
    svc = await describeWeb(h);
    expect(messages(svc).filter((m) => /has stopped \d running tasks/.test(m)).length).toBeGreaterThanOrEqual(
      1,
    );
    expect(svc.deployments).toHaveLength(2);

    h.ecs.control.advanceUntil(() => h.ecs.control.describeService('shop', 'web')?.deployments.length === 1);
    svc = await describeWeb(h);
    expect(svc.deployments).toHaveLength(1);
    expect(svc.deployments[0]).toMatchObject({
      id: primary.id,
      status: 'PRIMARY',
      rolloutState: 'COMPLETED',
      runningCount: 2,
    });
    expect(svc.deployments[0].rolloutStateReason).toBe(`ECS deployment ${primary.id} completed.`);
    expect(svc.taskDefinition).toBe(td2);
    const tail = messages(svc).slice(-2);
    expect(tail).toEqual([
      `(service web) (deployment ${primary.id}) deployment completed.`,
      '(service web) has reached a steady state.',
    ]);

    // Stopped old tasks: stop code and reason of a scale-in by the new deployment.
    const stopped = await h.call('ListTasks', {
      cluster: 'shop',
      serviceName: 'web',
      desiredStatus: 'STOPPED',
    });
    const described = await h.call('DescribeTasks', { cluster: 'shop', tasks: stopped.taskArns });
    expect(described.tasks).toHaveLength(2);
    for (const task of described.tasks) {
      expect(task).toMatchObject({
        lastStatus: 'STOPPED',
        desiredStatus: 'STOPPED',
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: `Scaling activity initiated by (deployment ${primary.id})`,
        startedBy: oldId,
        group: 'service:web',
      });
    }
  });

  it('with minimumHealthyPercent 50 and maximumPercent 100 replaces tasks in batches', async () => {
    const h = shopHarness({
      desiredCount: 4,
      deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 100 },
    });
    await registerWeb(h, 2);
    await h.call('UpdateService', { cluster: 'shop', service: 'web', taskDefinition: 'web:2' });
    h.advance(1_000);
    let svc = await describeWeb(h);
    // No room above 100 %: two old tasks stop first (keeping 2 of 4 healthy).
    expect(messages(svc).at(-1)).toMatch(/has stopped 2 running tasks/);
    expect(svc.deployments[0].pendingCount + svc.deployments[0].runningCount).toBe(0);
    // The new tasks start once the stopped ones have left (deprovisioned) and the scheduler passes.
    const elapsed = h.ecs.control.advanceUntil(
      () => h.ecs.control.describeService('shop', 'web')?.deployments.length === 1,
    );
    svc = await describeWeb(h);
    expect(svc.deployments[0].rolloutState).toBe('COMPLETED');
    expect(svc.runningCount).toBe(4);
    // Four new tasks in all, started as room appeared (each stopped task leaves on its own clock).
    const started = messages(svc)
      .map((m) => /has started (\d+) tasks/.exec(m)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    expect(started[0]).toBe(4); // the seeded service's own start
    expect(started.slice(1).reduce((a, b) => a + b, 0)).toBe(4);
    expect(elapsed).toBeGreaterThan(40_000);
  });

  it('tells when minimumHealthyPercent 100 and maximumPercent 100 leave no room', async () => {
    const h = shopHarness({ deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 100 } });
    await registerWeb(h, 2);
    await h.call('UpdateService', { cluster: 'shop', service: 'web', taskDefinition: 'web:2' });
    h.advance(60_000);
    const svc = await describeWeb(h);
    expect(svc.deployments[0].rolloutState).toBe('IN_PROGRESS');
    expect(messages(svc).at(-1)).toBe(
      '(service web) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.',
    );
  });

  it('forceNewDeployment and a desiredCount change', async () => {
    const h = shopHarness();
    const forced = await h.call('UpdateService', {
      cluster: 'shop',
      service: 'web',
      forceNewDeployment: true,
      desiredCount: 3,
    });
    expect(forced.service.deployments).toHaveLength(2);
    expect(forced.service.deployments[0].taskDefinition).toBe(forced.service.deployments[1].taskDefinition);
    h.ecs.control.advanceUntil(() => h.ecs.control.describeService('shop', 'web')?.deployments.length === 1);
    let svc = await describeWeb(h);
    expect(svc).toMatchObject({ desiredCount: 3, runningCount: 3 });

    // A desiredCount-only update scales in without a new deployment.
    const scaled = await h.call('UpdateService', { cluster: 'shop', service: 'web', desiredCount: 1 });
    expect(scaled.service.deployments).toHaveLength(1);
    h.advance(60_000);
    svc = await describeWeb(h);
    expect(svc).toMatchObject({ desiredCount: 1, runningCount: 1 });
    expect(messages(svc).slice(-2)).toEqual([
      expect.stringMatching(/^\(service web\) has stopped 2 running tasks: /),
      '(service web) has reached a steady state.',
    ]);
  });

  it('repeats the steady-state event every 6 hours while steady', async () => {
    const h = shopHarness();
    h.advance(13 * 60 * 60 * 1000);
    const svc = await describeWeb(h);
    const steady = svc.events.filter((e: any) => e.message === '(service web) has reached a steady state.');
    expect(steady.map((e: any) => (e.createdAt * 1000 - START) / 3_600_000)).toEqual([12, 6, 0]);
  });

  it('gives the same state however often it is polled', async () => {
    async function run(step: number) {
      const h = shopHarness({ images: { [`${ECR}/web:3`]: { exitCode: 1, exitAfterSeconds: 2 } } });
      await registerWeb(h, 2);
      await registerWeb(h, 3);
      await h.call('UpdateService', {
        cluster: 'shop',
        service: 'web',
        taskDefinition: 'web:2',
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      });
      const advanceBy = (total: number) => {
        for (let left = total; left > 0; left -= step) h.advance(Math.min(step, left));
      };
      advanceBy(120_000);
      await h.call('UpdateService', { cluster: 'shop', service: 'web', taskDefinition: 'web:3' });
      advanceBy(600_000);
      return JSON.stringify(h.ecs.snapshot?.());
    }
    const everySecond = await run(1_000);
    expect(await run(7_000)).toBe(everySecond);
    expect(await run(120_000)).toBe(everySecond);
  });

  it('records who created the service and the task definition', async () => {
    const h = shopHarness();
    await registerWeb(h, 2);
    const td = await h.call('DescribeTaskDefinition', { taskDefinition: 'web:2' });
    expect(td.taskDefinition.registeredBy).toBe(CALLER);
  });
});
