import { describe, expect, it } from '@jest/globals';
import {
  awsError,
  corpusJson,
  ECR,
  fargateTaskDefinition,
  harness,
  keyPaths,
  NETWORK,
  START,
  shopHarness,
} from './ecs-helpers.js';

async function migrationHarness(behaviour: Record<string, unknown> = {}) {
  const h = shopHarness({ images: { [`${ECR}/migrate:*`]: behaviour } });
  h.world.digests.set(`${ECR}/migrate:7`, `sha256:${'7'.repeat(64)}`);
  await h.call(
    'RegisterTaskDefinition',
    fargateTaskDefinition('migrate', `${ECR}/migrate:7`, { awslogs: true }),
  );
  return h;
}

describe('one-off tasks (RunTask)', () => {
  it('runs PROVISIONING → PENDING → RUNNING → STOPPED with the image exit code and writes its logs', async () => {
    const h = await migrationHarness({
      exitCode: 3,
      runSeconds: 20,
      logLines: ['migrating', 'error: relation exists'],
    });
    const out = await h.call('RunTask', {
      cluster: 'shop',
      taskDefinition: 'migrate',
      launchType: 'FARGATE',
      networkConfiguration: NETWORK,
      startedBy: 'berth-migrate',
      overrides: { containerOverrides: [{ name: 'app', command: ['migrate', 'up'] }] },
    });
    expect(out.failures).toEqual([]);
    const [task] = out.tasks;
    expect(task).toMatchObject({
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      group: 'family:migrate',
      startedBy: 'berth-migrate',
      launchType: 'FARGATE',
      cpu: '256',
      memory: '512',
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/migrate:1',
      overrides: {
        containerOverrides: [{ name: 'app', command: ['migrate', 'up'] }],
        inferenceAcceleratorOverrides: [],
      },
    });
    expect(task.taskArn).toMatch(/^arn:aws:ecs:eu-west-1:123456789012:task\/shop\/[0-9a-f]{32}$/);
    const id = task.taskArn.split('/').pop();

    const statuses: string[] = [];
    h.ecs.control.advanceUntil(() => {
      const [t] = h.ecs.control.listAllTasks({ cluster: 'shop' }).filter((x) => x.taskArn === task.taskArn);
      if (statuses.at(-1) !== t.lastStatus) statuses.push(t.lastStatus);
      return t.lastStatus === 'STOPPED';
    });
    expect(statuses).toEqual(['PROVISIONING', 'PENDING', 'RUNNING', 'DEPROVISIONING', 'STOPPED']);

    const described = await h.call('DescribeTasks', { cluster: 'shop', tasks: [id] });
    expect(described.failures).toEqual([]);
    const stopped = described.tasks[0];
    expect(stopped).toMatchObject({
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
    expect(stopped.containers[0]).toMatchObject({
      name: 'app',
      image: `${ECR}/migrate:7`,
      imageDigest: `sha256:${'7'.repeat(64)}`,
      lastStatus: 'STOPPED',
      exitCode: 3,
    });
    expect(stopped.containers[0].runtimeId).toMatch(new RegExp(`^${id}-\\d{10}$`));
    expect(stopped.stoppingAt - stopped.startedAt).toBe(20);
    expect(stopped.stoppedAt).toBeGreaterThan(stopped.stoppingAt);
    expect(
      h.world.logStore
        .get('/ecs/migrate')
        ?.get(`ecs/app/${id}`)
        ?.map((e) => e.message),
    ).toEqual(['migrating', 'error: relation exists']);
  });

  it('exits 0 after 5 s by default; stopped tasks stay describable for an hour', async () => {
    const h = await migrationHarness();
    const { tasks } = await h.call('RunTask', {
      cluster: 'shop',
      taskDefinition: 'migrate:1',
      count: 2,
      launchType: 'FARGATE',
      networkConfiguration: NETWORK,
    });
    expect(tasks).toHaveLength(2);
    // Fargate: about 25 s to RUNNING and 25 s to deprovision, each within ±20 % (pacing.ts).
    h.advance(120_000);
    const listed = await h.call('ListTasks', {
      cluster: 'shop',
      family: 'migrate',
      desiredStatus: 'STOPPED',
    });
    expect(listed.taskArns.sort()).toEqual(tasks.map((t: any) => t.taskArn).sort());
    const { tasks: done } = await h.call('DescribeTasks', { cluster: 'shop', tasks: listed.taskArns });
    for (const t of done) {
      expect(t.containers[0].exitCode).toBe(0);
      expect(t.stoppingAt - t.startedAt).toBe(5);
    }
    h.advance(60 * 60_000);
    const gone = await h.call('DescribeTasks', { cluster: 'shop', tasks: listed.taskArns });
    expect(gone.tasks).toEqual([]);
    expect(gone.failures).toEqual(listed.taskArns.map((arn: string) => ({ arn, reason: 'MISSING' })));
  });

  it('fails to start with a pull error: TaskFailedToStart', async () => {
    const h = await migrationHarness({ pullError: 'failed to resolve ref: not found' });
    const { tasks } = await h.call('RunTask', {
      cluster: 'shop',
      taskDefinition: 'migrate',
      launchType: 'FARGATE',
      networkConfiguration: NETWORK,
    });
    // A failing pull retries for about 30 s after the ENI is up, then the task deprovisions.
    h.advance(120_000);
    const {
      tasks: [task],
    } = await h.call('DescribeTasks', { cluster: 'shop', tasks: [tasks[0].taskArn] });
    expect(task).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'TaskFailedToStart',
      stoppedReason: 'CannotPullContainerError: failed to resolve ref: not found',
      containers: [
        expect.objectContaining({ reason: 'CannotPullContainerError: failed to resolve ref: not found' }),
      ],
    });
    expect(task.startedAt).toBeUndefined();
  });

  it('StopTask stops a task with UserInitiated; a stopped service task is replaced', async () => {
    const h = shopHarness();
    const running = await h.call('ListTasks', { cluster: 'shop', serviceName: 'web' });
    expect(running.taskArns).toHaveLength(2);
    const out = await h.call('StopTask', {
      cluster: 'shop',
      task: running.taskArns[0],
      reason: 'rotating credentials',
    });
    expect(out.task).toMatchObject({
      desiredStatus: 'STOPPED',
      lastStatus: 'DEACTIVATING',
      stopCode: 'UserInitiated',
      stoppedReason: 'rotating credentials',
    });
    h.advance(60_000);
    const after = await h.call('ListTasks', { cluster: 'shop', serviceName: 'web' });
    expect(after.taskArns).toHaveLength(2);
    expect(after.taskArns).not.toContain(running.taskArns[0]);
    const missing = await awsError(
      h.call('StopTask', { cluster: 'shop', task: '0123456789abcdef0123456789abcdef' }),
    );
    expect(missing.code).toBe('InvalidParameterException');
  });

  it('validates RunTask input like ECS', async () => {
    const h = await migrationHarness();
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ taskDefinition: 'nope' }, 'ClientException', 'TaskDefinition not found.'],
      [
        { taskDefinition: 'migrate', launchType: 'FARGATE' },
        'InvalidParameterException',
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
      ],
      [
        { taskDefinition: 'migrate', count: 11, networkConfiguration: NETWORK },
        'InvalidParameterException',
        'count must be between 1 and 10.',
      ],
      [
        {
          taskDefinition: 'migrate',
          networkConfiguration: NETWORK,
          overrides: { containerOverrides: [{ name: 'db' }] },
        },
        'InvalidParameterException',
        'Override for container named db is not a container in the TaskDefinition.',
      ],
    ];
    for (const [input, code, message] of cases) {
      const error = await awsError(h.call('RunTask', { cluster: 'shop', ...input }));
      expect([error.code, error.message]).toEqual([code, message]);
    }
    const noCluster = await awsError(h.call('RunTask', { taskDefinition: 'migrate' }));
    expect([noCluster.code, noCluster.message]).toEqual(['ClusterNotFoundException', 'Cluster not found.']);
  });
});

describe('ListTasks and DescribeTasks', () => {
  it('filters by service, startedBy, family and desired status, and pages', async () => {
    const h = shopHarness({ desiredCount: 5 });
    const deploymentId = h.ecs.control.describeService('shop', 'web')?.deployments[0].id;
    const page1 = await h.call('ListTasks', { cluster: 'shop', serviceName: 'web', maxResults: 2 });
    expect(page1.taskArns).toHaveLength(2);
    const page2 = await h.call('ListTasks', {
      cluster: 'shop',
      serviceName: 'web',
      maxResults: 2,
      nextToken: page1.nextToken,
    });
    const page3 = await h.call('ListTasks', {
      cluster: 'shop',
      serviceName: 'web',
      maxResults: 2,
      nextToken: page2.nextToken,
    });
    expect(page3.nextToken).toBeUndefined();
    const all = [...page1.taskArns, ...page2.taskArns, ...page3.taskArns];
    expect(new Set(all).size).toBe(5);
    expect((await h.call('ListTasks', { cluster: 'shop', startedBy: deploymentId })).taskArns.sort()).toEqual(
      [...all].sort(),
    );
    expect((await h.call('ListTasks', { cluster: 'shop', family: 'web' })).taskArns).toHaveLength(5);
    expect((await h.call('ListTasks', { cluster: 'shop', desiredStatus: 'STOPPED' })).taskArns).toEqual([]);
    const badToken = await awsError(
      h.call('ListTasks', { cluster: 'shop', serviceName: 'web', nextToken: 'garbage' }),
    );
    expect(badToken.code).toBe('InvalidParameterException');
    const described = await h.call('DescribeTasks', {
      cluster: 'shop',
      tasks: [all[0], 'ffffffffffffffffffffffffffffffff'],
    });
    expect(described.tasks).toHaveLength(1);
    expect(described.tasks[0]).toMatchObject({
      lastStatus: 'RUNNING',
      group: 'service:web',
      startedBy: deploymentId,
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      attachments: [expect.objectContaining({ type: 'ElasticNetworkInterface', status: 'ATTACHED' })],
    });
    expect(described.failures).toEqual([
      {
        arn: 'arn:aws:ecs:eu-west-1:123456789012:task/shop/ffffffffffffffffffffffffffffffff',
        reason: 'MISSING',
      },
    ]);
  });

  it('returns the members of real DescribeTasks responses (corpus)', async () => {
    const pulled = corpusJson('ecs-api/c7n-describe-tasks-cannot-pull-stopped.json');
    const pending = corpusJson('ecs-api/c7n-describe-tasks-provisioning-pending.json');
    if (!pulled || !pending) {
      console.warn('corpus not found beside the repository; skipping the DescribeTasks shape comparison');
      return;
    }
    const h = await migrationHarness({
      pullError: 'API error (500): Get https://registry-1.docker.io/v2/: net/http: request canceled',
    });
    // As in the corpus sample: launched through a capacity provider (capacityProviderName).
    const { tasks } = await h.call('RunTask', {
      cluster: 'shop',
      taskDefinition: 'migrate',
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      networkConfiguration: NETWORK,
    });
    const provisioning = tasks[0];
    expect(provisioning).toMatchObject({ launchType: 'FARGATE', capacityProviderName: 'FARGATE_SPOT' });
    h.advance(120_000);
    const {
      tasks: [stopped],
    } = await h.call('DescribeTasks', { cluster: 'shop', tasks: [provisioning.taskArn] });
    // Members AWS returns that the emulator does not model (EC2 container instances, inference accelerators).
    const notModelled = new Set(['containerInstanceArn', 'overrides.inferenceAcceleratorOverrides']);
    const expected = (sample: any) =>
      keyPaths(sample).filter(
        (k) => !notModelled.has(k) && !k.startsWith('attachments[].details') && !k.startsWith('tags'),
      );
    for (const key of expected(pulled.data.tasks[0])) expect(keyPaths(stopped)).toContain(key);
    for (const key of expected(pending.data.tasks[1])) {
      if (key === 'containers[].image') continue;
      expect(keyPaths(provisioning)).toContain(key);
    }
    expect(stopped.stopCode).toBe(pulled.data.tasks[0].stopCode);
  });

  it('times are epoch seconds on the wire', async () => {
    const h = harness({ clusters: ['default'] });
    await h.call('RegisterTaskDefinition', {
      family: 'sleep',
      containerDefinitions: [{ name: 'sleep', image: 'busybox', command: ['sleep', '360'], memory: 10 }],
    });
    const { tasks } = await h.call('RunTask', { taskDefinition: 'sleep' });
    expect(tasks[0].createdAt).toBe(START / 1000);
    expect(tasks[0].launchType).toBe('EC2');
    expect(tasks[0].taskArn).toMatch(/task\/default\//);
  });
});
