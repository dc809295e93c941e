/**
 * What RunTask and UpdateService do with tags, startedBy, container overrides,
 * ECS managed tags and managed EBS volumes. Expected values from:
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html (tags, startedBy,
 *   propagateTags, enableECSManagedTags, overrides, volumeConfigurations)
 * - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-using-tags.html (managed tags
 *   aws:ecs:clusterName, aws:ecs:serviceName)
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskManagedEBSVolumeConfiguration.html
 */
import { describe, expect, it } from '@jest/globals';
import { ACCOUNT, awsError, ECR, fargateTaskDefinition, NETWORK, shopHarness } from './ecs-helpers.js';

const ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsInfrastructureRole`;

async function jobsHarness() {
  const h = shopHarness({ images: { [`${ECR}/jobs:*`]: { exitCode: 0, runSeconds: 5 } } });
  h.world.digests.set(`${ECR}/jobs:1`, `sha256:${'1'.repeat(64)}`);
  await h.call('RegisterTaskDefinition', {
    ...fargateTaskDefinition('jobs', `${ECR}/jobs:1`, {
      extraContainers: [{ name: 'log-router', image: `${ECR}/jobs:1`, essential: false }],
    }),
    volumes: [{ name: 'scratch', configuredAtLaunch: true }, { name: 'tmp' }],
    tags: [{ key: 'owner', value: 'data-team' }],
  });
  return h;
}

const run = (extra: Record<string, unknown>) => ({
  cluster: 'shop',
  taskDefinition: 'jobs',
  launchType: 'FARGATE',
  networkConfiguration: NETWORK,
  ...extra,
});

const byKey = (tags: Array<{ key: string; value: string }>) =>
  Object.fromEntries(tags.map((t) => [t.key, t.value]));

describe('RunTask tags, startedBy and overrides', () => {
  it('stores the request tags, the task definition tags it propagates and the managed tags', async () => {
    const h = await jobsHarness();
    const out = await h.call('RunTask', {
      ...run({}),
      startedBy: 'GitHub-Actions',
      tags: [{ key: 'team', value: 'payments' }],
      propagateTags: 'TASK_DEFINITION',
      enableECSManagedTags: true,
      overrides: {
        containerOverrides: [
          { name: 'app', command: ['migrate'], environment: [{ name: 'DRY_RUN', value: 'false' }] },
        ],
      },
    });
    const taskArn = out.tasks[0].taskArn;
    const listed = await h.call('ListTagsForResource', { resourceArn: taskArn });
    // Standalone tasks carry the cluster's managed tag only; aws:ecs:serviceName is for a service's tasks.
    expect(byKey(listed.tags)).toEqual({
      owner: 'data-team',
      team: 'payments',
      'aws:ecs:clusterName': 'shop',
    });
    const described = await h.call('DescribeTasks', { cluster: 'shop', tasks: [taskArn], include: ['TAGS'] });
    expect(described.tasks[0]).toMatchObject({
      startedBy: 'GitHub-Actions',
      overrides: {
        containerOverrides: [
          { name: 'app', command: ['migrate'], environment: [{ name: 'DRY_RUN', value: 'false' }] },
          { name: 'log-router' },
        ],
      },
    });
    expect(byKey(described.tasks[0].tags)).toHaveProperty('team', 'payments');
    const listedByStarter = await h.call('ListTasks', { cluster: 'shop', startedBy: 'GitHub-Actions' });
    expect(listedByStarter.taskArns).toEqual([taskArn]);
  });

  it('propagates nothing and adds no managed tag unless asked', async () => {
    const h = await jobsHarness();
    const out = await h.call('RunTask', run({ tags: [{ key: 'team', value: 'payments' }] }));
    const listed = await h.call('ListTagsForResource', { resourceArn: out.tasks[0].taskArn });
    expect(listed.tags).toEqual([{ key: 'team', value: 'payments' }]);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a startedBy of 129 characters',
      { startedBy: 'a'.repeat(129) },
      /startedBy can contain up to 128 letters/,
    ],
    ['a startedBy with a dot', { startedBy: 'v1.2' }, /startedBy can contain/],
    [
      '51 tags',
      { tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: '' })) },
      /limit of 50 tags/,
    ],
    ['an aws: tag key', { tags: [{ key: 'aws:team', value: 'x' }] }, /reserved for AWS use/],
    [
      'a 257-character tag value',
      { tags: [{ key: 'k', value: 'v'.repeat(257) }] },
      /Tag value .* is invalid/,
    ],
    [
      'a repeated tag key',
      {
        tags: [
          { key: 'k', value: '1' },
          { key: 'k', value: '2' },
        ],
      },
      /more than once/,
    ],
    [
      'propagateTags SERVICE',
      { propagateTags: 'SERVICE' },
      /SERVICE option of propagateTags is not supported/,
    ],
    [
      'an override for a container the task definition lacks',
      { overrides: { containerOverrides: [{ name: 'web' }] } },
      /Override for container named web is not a container in the TaskDefinition/,
    ],
  ])('refuses %s with InvalidParameterException and starts no task', async (_label, extra, message) => {
    const h = await jobsHarness();
    const error = await awsError(h.call('RunTask', run(extra)));
    expect(error.code).toBe('InvalidParameterException');
    expect(error.message).toMatch(message);
    const tasks = await h.call('ListTasks', { cluster: 'shop', family: 'jobs' });
    expect(tasks.taskArns).toEqual([]);
  });
});

describe('RunTask volumeConfigurations (managed EBS)', () => {
  const volume = (managedEBSVolume: Record<string, unknown>, name = 'scratch') => ({
    volumeConfigurations: [{ name, managedEBSVolume }],
  });

  it('accepts a volume the task definition configures at launch', async () => {
    const h = await jobsHarness();
    const out = await h.call(
      'RunTask',
      run(volume({ roleArn: ROLE, sizeInGiB: 20, volumeType: 'gp3', throughput: 250 })),
    );
    expect(out.failures).toEqual([]);
    expect(
      h.ecs.control.listAllTasks({ cluster: 'shop' }).some((t) => t.taskArn === out.tasks[0].taskArn),
    ).toBe(true);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a volume the task definition lacks',
      volume({ roleArn: ROLE, sizeInGiB: 20 }, 'data'),
      /does not have a volume named data/,
    ],
    [
      'a volume not configured at launch',
      volume({ roleArn: ROLE, sizeInGiB: 20 }, 'tmp'),
      /tmp .* is not configured at launch/,
    ],
    ['no roleArn', volume({ sizeInGiB: 20 }), /must specify a roleArn/],
    ['neither size nor snapshot', volume({ roleArn: ROLE }), /must specify a sizeInGiB or a snapshotId/],
    // sizeInGiB "io1 and io2: 4-16,384"; "standard: 1-1,024".
    [
      'an io1 volume of 3 GiB',
      volume({ roleArn: ROLE, volumeType: 'io1', sizeInGiB: 3, iops: 100 }),
      /io1 volume must be between 4 and 16384/,
    ],
    [
      'a standard volume of 1025 GiB',
      volume({ roleArn: ROLE, volumeType: 'standard', sizeInGiB: 1025 }),
      /between 1 and 1024/,
    ],
    // iops "gp3: 3,000 - 16,000"; "required for io1 and io2"; "not supported for st1, sc1, or standard".
    [
      'gp3 iops of 2999',
      volume({ roleArn: ROLE, sizeInGiB: 20, iops: 2999 }),
      /gp3 volume must be between 3000 and 16000/,
    ],
    [
      'io2 without iops',
      volume({ roleArn: ROLE, volumeType: 'io2', sizeInGiB: 20 }),
      /iops is required for volume type io2/,
    ],
    [
      'iops on sc1',
      volume({ roleArn: ROLE, volumeType: 'sc1', sizeInGiB: 500, iops: 200 }),
      /iops is not supported for volume type sc1/,
    ],
    // throughput "only supported for the gp3 volume type", "maximum of 1,000 MiB/s".
    [
      'throughput on io1',
      volume({ roleArn: ROLE, volumeType: 'io1', sizeInGiB: 20, iops: 100, throughput: 200 }),
      /supported only for volume type gp3/,
    ],
    [
      'gp3 throughput of 1001',
      volume({ roleArn: ROLE, sizeInGiB: 20, throughput: 1001 }),
      /between 125 and 1000/,
    ],
    [
      'SERVICE tag propagation on a task volume',
      volume({
        roleArn: ROLE,
        sizeInGiB: 20,
        tagSpecifications: [{ resourceType: 'volume', propagateTags: 'SERVICE' }],
      }),
      /Tags can only propagate to a SERVICE/,
    ],
  ])('refuses %s', async (_label, extra, message) => {
    const h = await jobsHarness();
    const error = await awsError(h.call('RunTask', run(extra)));
    expect(error.code).toBe('InvalidParameterException');
    expect(error.message).toMatch(message);
  });
});

describe('service volumeConfigurations and managed tags', () => {
  async function webWithVolume() {
    const h = shopHarness();
    await h.call('RegisterTaskDefinition', {
      ...fargateTaskDefinition('web', `${ECR}/web:2`),
      volumes: [{ name: 'data', configuredAtLaunch: true }],
    });
    return h;
  }

  it('UpdateService keeps the volume on the new deployment and revision, and managed tags on its tasks', async () => {
    const h = await webWithVolume();
    const volumeConfigurations = [{ name: 'data', managedEBSVolume: { roleArn: ROLE, sizeInGiB: 50 } }];
    await h.call('UpdateService', {
      cluster: 'shop',
      service: 'web',
      taskDefinition: 'web:2',
      volumeConfigurations,
      enableECSManagedTags: true,
    });
    const { services } = await h.call('DescribeServices', { cluster: 'shop', services: ['web'] });
    expect(services[0].enableECSManagedTags).toBe(true);
    expect(services[0].deployments[0]).toMatchObject({
      taskDefinition: expect.stringMatching(/web:2$/),
      volumeConfigurations,
    });
    h.advance(60_000);
    const tasks = h.ecs.control
      .listAllTasks({ cluster: 'shop' })
      .filter((t) => t.taskDefinitionArn.endsWith('web:2'));
    expect(tasks.length).toBeGreaterThan(0);
    const listed = await h.call('ListTagsForResource', { resourceArn: tasks[0].taskArn });
    expect(byKey(listed.tags)).toEqual({ 'aws:ecs:clusterName': 'shop', 'aws:ecs:serviceName': 'web' });
  });

  it('UpdateService refuses a volume the new revision does not configure at launch, and changes nothing', async () => {
    const h = await webWithVolume();
    const before = await h.call('DescribeServices', { cluster: 'shop', services: ['web'] });
    const error = await awsError(
      h.call('UpdateService', {
        cluster: 'shop',
        service: 'web',
        taskDefinition: 'web:2',
        volumeConfigurations: [{ name: 'cache', managedEBSVolume: { roleArn: ROLE, sizeInGiB: 50 } }],
      }),
    );
    expect(error.code).toBe('InvalidParameterException');
    expect(error.message).toMatch(/does not have a volume named cache/);
    const after = await h.call('DescribeServices', { cluster: 'shop', services: ['web'] });
    expect(after.services[0].deployments.map((d: any) => d.id)).toEqual(
      before.services[0].deployments.map((d: any) => d.id),
    );
  });
});
