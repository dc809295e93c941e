/**
 * The inputs deploy-ecs shares with the AWS deploy action (issue 19): run-task
 * tags, startedBy, container overrides, ECS managed tags and managed EBS
 * volumes. Expected values come from the ECS API reference (cited per table),
 * not from the code's own constants.
 */
import type { Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { loadActionManifest } from '@berth/testkit/action-manifest.js';
import { mergeContainerOverrides, parseContainerOverrides } from '../src/container-overrides.js';
import { checkStartedBy, parseRunTaskTags } from '../src/ecs-tags.js';
import { getInputs, type RunTaskInputs, type ServiceInputs } from '../src/inputs.js';
import { checkVolumeInTaskDefinition, parseManagedEbsVolume } from '../src/managed-ebs.js';
import { planRunTask, planServiceUpdate } from '../src/plan.js';

const ROLE = 'arn:aws:iam::123456789012:role/ecsInfrastructureRole';
const TD = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/jobs:3';

/** getInputs over action.yml's defaults (as the runner supplies them) plus `values`. */
function read(values: Record<string, string>) {
  const raw: Record<string, string> = {};
  for (const [name, spec] of Object.entries(loadActionManifest('deploy-ecs').inputs))
    if (spec.default !== undefined) raw[name] = String(spec.default);
  Object.assign(raw, { 'task-definition': 'jobs:3' }, values);
  return getInputs(new InputReader((name) => raw[name] ?? ''), () => false);
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

const json = (value: unknown) => JSON.stringify(value);
const tags = (list: unknown) => parseRunTaskTags(json(list));

describe('run-task-tags: the Tag rules of the RunTask API reference', () => {
  // API_RunTask.html `tags`: at most 50 per resource; key at most 128 and value at most 256 Unicode
  // characters; letters, numbers, spaces and + - = . _ : / @; no `aws:` prefix in any case.
  it('accepts keys and values at the documented limits, counting Unicode characters', () => {
    const key = 'k'.repeat(128);
    const value = 'é'.repeat(256); // 256 characters, 512 bytes of UTF-8
    expect(tags([{ key, value }])).toEqual([{ key, value }]);
    expect(tags([{ key: 'team name', value: 'a+b-c=d.e_f:g/h@i' }])).toEqual([
      { key: 'team name', value: 'a+b-c=d.e_f:g/h@i' },
    ]);
    expect(tags([{ key: 'no-value' }])).toEqual([{ key: 'no-value' }]);
    expect(tags(Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: '' })))).toHaveLength(50);
    expect(tags([])).toBeUndefined();
    expect(parseRunTaskTags(undefined)).toBeUndefined();
  });

  it.each<[string, unknown, RegExp]>([
    [
      '51 tags',
      Array.from({ length: 51 }, (_, i) => ({ key: `k${i}` })),
      /51 tags given; a resource has at most 50/,
    ],
    [
      'a 129-character key',
      [{ key: 'k'.repeat(129), value: 'v' }],
      /run-task-tags` at `\[0\]\.key`: a tag key has 1 to 128 characters, got 129/,
    ],
    ['an empty key', [{ key: '', value: 'v' }], /1 to 128 characters, got 0/],
    ['a 257-character value', [{ key: 'k', value: 'v'.repeat(257) }], /at most 256 characters, got 257/],
    ['an aws: key', [{ key: 'aws:owner', value: 'me' }], /starts with `aws:`/],
    ['an AWS: key in another case', [{ key: 'AwS:owner', value: 'me' }], /starts with `aws:`/],
    ['an aws: value', [{ key: 'owner', value: 'aws:me' }], /\[0\]\.value.*starts with `aws:`/],
    [
      'a character outside the set',
      [{ key: 'team#1', value: 'x' }],
      /"team#1" has a character ECS does not allow/,
    ],
    [
      'a repeated key',
      [
        { key: 'a', value: '1' },
        { key: 'a', value: '2' },
      ],
      /the key "a" is given twice/,
    ],
    ['Key/Value spelling', [{ Key: 'a', Value: '1' }], /uses `Key`\/`Value`; ECS tags are written/],
    ['an object, not an array', { key: 'a', value: '1' }, /expected a JSON array of tags/],
    ['a number as value', [{ key: 'a', value: 1 }], /\[0\]\.value`: expected a string, got 1/],
  ])('refuses %s', (_label, value, message) => {
    expect(refusal(() => tags(value))).toMatch(message);
  });

  it('refuses text that is not JSON, naming the input and an example', () => {
    expect(refusal(() => parseRunTaskTags('team=payments'))).toMatch(
      /Input `run-task-tags` must be an array of tags in JSON, but it is not valid JSON.*Example: `\[\{"key"/,
    );
  });
});

describe('run-task-started-by: RunTask startedBy', () => {
  // API_RunTask.html: "Up to 128 letters (uppercase and lowercase), numbers, hyphens (-), forward slash (/),
  // and underscores (_) are allowed."
  it.each(['GitHub-Actions', 'ci/migrate_2', 'a'.repeat(128), 'berth/deploy-ecs'])('accepts %s', (value) => {
    expect(checkStartedBy(value)).toBe(value);
  });
  it.each(['a'.repeat(129), 'has space', 'v1.2', 'über', ''])('refuses %j', (value) => {
    expect(refusal(() => checkStartedBy(value))).toMatch(/`run-task-started-by` must be 1 to 128 letters/);
  });
  it("defaults to the AWS deploy action's GitHub-Actions, and refuses a value given to a service deployment", () => {
    // The AWS deploy action: `core.getInput('run-task-started-by') || 'GitHub-Actions'` (its dist, v2.6.3).
    const inputs = read({ 'run-task': 'true' }) as RunTaskInputs;
    expect(inputs.runTaskStartedBy).toBe('GitHub-Actions');
    expect(refusal(() => read({ service: 'web', 'run-task-started-by': 'ci/migrate' }))).toMatch(
      /`run-task-started-by` applies only to a one-off task/,
    );
  });
});

describe('run-task-container-overrides: ContainerOverride', () => {
  // API_ContainerOverride.html: name, command, environment (KeyValuePair), environmentFiles (value, type s3),
  // cpu, memory, memoryReservation, resourceRequirements (type GPU | InferenceAccelerator).
  it('takes every documented field', () => {
    const given = [
      {
        name: 'app',
        command: ['npm', 'run', 'migrate'],
        environment: [{ name: 'DRY_RUN', value: 'false' }],
        environmentFiles: [{ value: 'arn:aws:s3:::bucket/app.env', type: 's3' }],
        cpu: 256,
        memory: 512,
        memoryReservation: 256,
        resourceRequirements: [{ type: 'GPU', value: '1' }],
      },
      { name: 'sidecar' },
    ];
    expect(parseContainerOverrides(json(given))).toEqual(given);
    expect(parseContainerOverrides('[]')).toBeUndefined();
  });

  it.each<[string, unknown, RegExp]>([
    // "If a non-empty container override is specified, the name parameter must be included."
    ['an override without name', [{ command: ['x'] }], /at `\[0\]`: a container override needs `name`/],
    [
      'a field in the wrong case',
      [{ Name: 'app' }],
      /`Name` is not a field of a container override.*case-sensitive/,
    ],
    [
      'a command that is a string',
      [{ name: 'app', command: 'npm run x' }],
      /\[0\]\.command`: expected a JSON array of strings/,
    ],
    [
      'a command with a number',
      [{ name: 'app', command: ['sleep', 5] }],
      /\[0\]\.command\[1\]`: expected a string, got 5/,
    ],
    [
      'environment as a map',
      [{ name: 'app', environment: { A: '1' } }],
      /\[0\]\.environment`: expected a JSON array/,
    ],
    [
      'an environment file not from S3',
      [{ name: 'app', environmentFiles: [{ value: 'x', type: 'http' }] }],
      /"http" is not one of `s3`/,
    ],
    ['a negative cpu', [{ name: 'app', cpu: -1 }], /\[0\]\.cpu`: -1 is out of range/],
    // The API's Integer is 32 bits: 2^31 does not fit.
    [
      'memory past a 32-bit Integer',
      [{ name: 'app', memory: 2 ** 31 }],
      /\[0\]\.memory`: 2147483648 is out of range/,
    ],
    [
      'memory as text',
      [{ name: 'app', memory: '512' }],
      /\[0\]\.memory`: expected a whole number, got "512"/,
    ],
    [
      'two overrides for one container',
      [{ name: 'app' }, { name: 'app' }],
      /container "app" has two overrides/,
    ],
    ['an object, not an array', { name: 'app' }, /expected a JSON array of container overrides/],
  ])('refuses %s', (_label, value, message) => {
    expect(refusal(() => parseContainerOverrides(json(value)))).toMatch(message);
  });

  const definition: Pick<TaskDefinition, 'containerDefinitions' | 'family'> = {
    family: 'jobs',
    containerDefinitions: [{ name: 'app' }, { name: 'log-router' }],
  };

  it('refuses a container the task definition does not define, naming the ones it does', () => {
    expect(refusal(() => mergeContainerOverrides(definition, [{ name: 'web' }], undefined))).toBe(
      'Input `run-task-container-overrides`: container "web" is not in task definition jobs, which defines `app`, `log-router`. Name one of them.',
    );
  });

  it('adds run-task-command to its container, and refuses two commands for one container', () => {
    expect(
      mergeContainerOverrides(definition, [{ name: 'app', environment: [{ name: 'A', value: '1' }] }], {
        container: 'app',
        command: ['migrate'],
      }),
    ).toEqual([{ name: 'app', environment: [{ name: 'A', value: '1' }], command: ['migrate'] }]);
    expect(
      mergeContainerOverrides(definition, [{ name: 'log-router', cpu: 64 }], {
        container: 'app',
        command: ['x'],
      }),
    ).toEqual([
      { name: 'app', command: ['x'] },
      { name: 'log-router', cpu: 64 },
    ]);
    expect(
      refusal(() =>
        mergeContainerOverrides(definition, [{ name: 'app', command: ['a'] }], {
          container: 'app',
          command: ['b'],
        }),
      ),
    ).toMatch(
      /`run-task-command` and `run-task-container-overrides` both set the command of container `app`/,
    );
  });

  it("refuses overrides over RunTask's 8192 characters of JSON", () => {
    // API_RunTask.html `overrides`: "A total of 8192 characters are allowed for overrides. This limit includes the
    // JSON formatting characters of the override structure."
    const frame = json({
      containerOverrides: [{ name: 'app', environment: [{ name: 'BIG', value: '' }] }],
    }).length;
    const fits = [{ name: 'app', environment: [{ name: 'BIG', value: 'x'.repeat(8192 - frame) }] }];
    expect(mergeContainerOverrides(definition, fits, undefined)).toEqual(fits);
    const over = [{ name: 'app', environment: [{ name: 'BIG', value: 'x'.repeat(8193 - frame) }] }];
    expect(refusal(() => mergeContainerOverrides(definition, over, undefined))).toMatch(
      /the overrides are 8193 characters of JSON; RunTask takes at most 8192/,
    );
  });
});

describe('managed EBS volumes: Service/TaskManagedEBSVolumeConfiguration', () => {
  const task = (config: unknown) => parseManagedEbsVolume('run-task', 'scratch', json(config));
  const svc = (config: unknown) => parseManagedEbsVolume('service', 'data', json(config));

  it('takes every documented field and passes it on unchanged', () => {
    const config = {
      roleArn: ROLE,
      encrypted: true,
      kmsKeyId: 'alias/ebs',
      volumeType: 'io2',
      sizeInGiB: 100,
      iops: 256000,
      filesystemType: 'ext4',
      tagSpecifications: [
        { resourceType: 'volume', tags: [{ key: 'team', value: 'data' }], propagateTags: 'TASK_DEFINITION' },
      ],
      terminationPolicy: { deleteOnTermination: false },
    };
    expect(task(config)).toEqual({ name: 'scratch', managedEBSVolume: config });
    expect(
      svc({ roleArn: ROLE, snapshotId: 'snap-0123456789abcdef0', volumeInitializationRate: 300 }),
    ).toEqual({
      name: 'data',
      managedEBSVolume: {
        roleArn: ROLE,
        snapshotId: 'snap-0123456789abcdef0',
        volumeInitializationRate: 300,
      },
    });
  });

  // sizeInGiB: "gp2 and gp3: 1-16,384; io1 and io2: 4-16,384; st1 and sc1: 125-16,384; standard: 1-1,024".
  it.each<[string, number, number, Record<string, unknown>]>([
    ['gp2', 1, 16384, {}],
    ['gp3', 1, 16384, {}],
    ['io1', 4, 16384, { iops: 100 }],
    ['io2', 4, 16384, { iops: 100 }],
    ['st1', 125, 16384, {}],
    ['sc1', 125, 16384, {}],
    ['standard', 1, 1024, {}],
  ])('sizeInGiB of %s is %i to %i', (volumeType, min, max, extra) => {
    const at = (sizeInGiB: number) => () => svc({ roleArn: ROLE, volumeType, sizeInGiB, ...extra });
    expect(at(min)()?.managedEBSVolume.sizeInGiB).toBe(min);
    expect(at(max)()?.managedEBSVolume.sizeInGiB).toBe(max);
    expect(refusal(at(min - 1))).toMatch(
      new RegExp(
        `sizeInGiB\`: ${min - 1} is out of range: it must be between ${min} and ${max} \\(volume type ${volumeType}\\)`,
      ),
    );
    expect(refusal(at(max + 1))).toMatch(/is out of range/);
  });

  // iops: "gp3: 3,000 - 16,000; io1: 100 - 64,000; io2: 100 - 256,000. This parameter is required for io1 and io2
  // volume types. ... not supported for st1, sc1, or standard" (and EC2 CreateVolume: not for gp2).
  it.each<[string, number, number]>([
    ['gp3', 3000, 16000],
    ['io1', 100, 64000],
    ['io2', 100, 256000],
  ])('iops of %s is %i to %i', (volumeType, min, max) => {
    const at = (iops: number) => () => task({ roleArn: ROLE, volumeType, sizeInGiB: 10, iops });
    expect(at(min)()?.managedEBSVolume.iops).toBe(min);
    expect(at(max)()?.managedEBSVolume.iops).toBe(max);
    expect(refusal(at(min - 1))).toMatch(/iops`: .* is out of range/);
    expect(refusal(at(max + 1))).toMatch(/iops`: .* is out of range/);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no roleArn', { sizeInGiB: 10 }, /`roleArn` is required: the ECS infrastructure role/],
    [
      'a roleArn that is no role ARN',
      { roleArn: 'ecsInfrastructureRole', sizeInGiB: 10 },
      /is not an IAM role ARN/,
    ],
    ['neither size nor snapshot', { roleArn: ROLE }, /give `sizeInGiB` or `snapshotId`/],
    [
      'io1 without iops',
      { roleArn: ROLE, volumeType: 'io1', sizeInGiB: 10 },
      /`iops` is required for volume type io1/,
    ],
    [
      'iops on st1',
      { roleArn: ROLE, volumeType: 'st1', sizeInGiB: 500, iops: 500 },
      /`iops` is not supported for volume type st1/,
    ],
    [
      'iops on gp2',
      { roleArn: ROLE, volumeType: 'gp2', sizeInGiB: 10, iops: 500 },
      /not supported for volume type gp2/,
    ],
    // throughput: "only supported for the gp3 volume type", "a maximum of 1,000 MiB/s".
    [
      'throughput on gp2',
      { roleArn: ROLE, volumeType: 'gp2', sizeInGiB: 10, throughput: 200 },
      /only supported for gp3/,
    ],
    [
      'throughput over 1000',
      { roleArn: ROLE, sizeInGiB: 10, throughput: 1001 },
      /1001 is out of range: it must be between 125 and 1000/,
    ],
    [
      'an unknown volume type',
      { roleArn: ROLE, volumeType: 'GP3', sizeInGiB: 10 },
      /"GP3" is not one of `gp2`, `gp3`/,
    ],
    [
      'a filesystem ECS does not offer',
      { roleArn: ROLE, sizeInGiB: 10, filesystemType: 'btrfs' },
      /"btrfs" is not one of `ext3`, `ext4`, `xfs`, `ntfs`/,
    ],
    // volumeInitializationRate: "can be specified only if you specify a snapshotId".
    [
      'an initialization rate without a snapshot',
      { roleArn: ROLE, sizeInGiB: 10, volumeInitializationRate: 200 },
      /applies only to a volume created from a snapshot/,
    ],
    // EBSTagSpecification: "AmazonECSCreated and AmazonECSManaged are reserved tags that can't be used."
    [
      'a reserved volume tag',
      {
        roleArn: ROLE,
        sizeInGiB: 10,
        tagSpecifications: [{ resourceType: 'volume', tags: [{ key: 'AmazonECSManaged', value: 'x' }] }],
      },
      /`AmazonECSManaged` is a tag ECS reserves/,
    ],
    // "Tags can only propagate to a SERVICE specified in ServiceVolumeConfiguration."
    [
      'SERVICE tag propagation on a one-off task',
      {
        roleArn: ROLE,
        sizeInGiB: 10,
        tagSpecifications: [{ resourceType: 'volume', propagateTags: 'SERVICE' }],
      },
      /"SERVICE" is not one of `TASK_DEFINITION`, `NONE`/,
    ],
    [
      'a termination policy without its boolean',
      { roleArn: ROLE, sizeInGiB: 10, terminationPolicy: {} },
      /deleteOnTermination`: expected `true` or `false`/,
    ],
  ])('refuses %s (run-task)', (_label, config, message) => {
    expect(refusal(() => task(config))).toMatch(message);
  });

  it('refuses a terminationPolicy on a service volume (TaskManagedEBSVolumeConfiguration only)', () => {
    expect(
      refusal(() => svc({ roleArn: ROLE, sizeInGiB: 10, terminationPolicy: { deleteOnTermination: true } })),
    ).toMatch(
      /Input `service-managed-ebs-volume`: `terminationPolicy` is not a field of a ServiceManagedEBSVolumeConfiguration/,
    );
  });

  it('needs both the name and the configuration', () => {
    expect(refusal(() => parseManagedEbsVolume('service', 'data', undefined))).toMatch(
      /`service-managed-ebs-volume-name` is set but `service-managed-ebs-volume` is not/,
    );
    expect(refusal(() => parseManagedEbsVolume('run-task', undefined, json({ roleArn: ROLE })))).toMatch(
      /`run-task-managed-ebs-volume` is set but `run-task-managed-ebs-volume-name` is not/,
    );
    expect(parseManagedEbsVolume('service', undefined, undefined)).toBeUndefined();
  });

  it('checks the volume against the task definition: present and configuredAtLaunch', () => {
    const definition = {
      family: 'jobs',
      volumes: [
        { name: 'scratch', configuredAtLaunch: true },
        { name: 'cache', host: {} },
      ],
    };
    expect(() => checkVolumeInTaskDefinition('run-task', { name: 'scratch' }, definition)).not.toThrow();
    expect(refusal(() => checkVolumeInTaskDefinition('run-task', { name: 'data' }, definition))).toBe(
      'Input `run-task-managed-ebs-volume-name`: task definition jobs has no volume "data". Volumes configured at launch: `scratch`.',
    );
    expect(refusal(() => checkVolumeInTaskDefinition('service', { name: 'cache' }, definition))).toMatch(
      /`service-managed-ebs-volume-name`: volume "cache" of task definition jobs is not `configuredAtLaunch: true`/,
    );
  });
});

describe('the requests', () => {
  const fargate: TaskDefinition = {
    family: 'jobs',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    containerDefinitions: [
      { name: 'app', essential: true },
      { name: 'log-router', essential: false },
    ],
    volumes: [{ name: 'scratch', configuredAtLaunch: true }],
  };

  it('RunTask carries startedBy, overrides with the command, tags, managed tags, propagation and the volume', () => {
    const inputs = read({
      'run-task': 'true',
      'run-task-subnets': 'subnet-0123456789abcdef0',
      'run-task-command': 'npm run migrate',
      'run-task-container-overrides': json([{ name: 'log-router', memory: 128 }]),
      'run-task-tags': json([{ key: 'team', value: 'payments' }]),
      'run-task-started-by': 'GitHub-Actions',
      'enable-ecs-managed-tags': 'true',
      'propagate-tags': 'TASK_DEFINITION',
      'run-task-managed-ebs-volume-name': 'scratch',
      'run-task-managed-ebs-volume': json({ roleArn: ROLE, sizeInGiB: 20 }),
    }) as RunTaskInputs;
    expect(inputs.mode).toBe('run-task');
    expect(planRunTask(inputs, fargate, TD)).toEqual({
      cluster: 'default',
      taskDefinition: TD,
      count: 1,
      startedBy: 'GitHub-Actions',
      launchType: 'FARGATE',
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      overrides: {
        containerOverrides: [
          { name: 'app', command: ['npm', 'run', 'migrate'] },
          { name: 'log-router', memory: 128 },
        ],
      },
      propagateTags: 'TASK_DEFINITION',
      enableECSManagedTags: true,
      tags: [{ key: 'team', value: 'payments' }],
      volumeConfigurations: [{ name: 'scratch', managedEBSVolume: { roleArn: ROLE, sizeInGiB: 20 } }],
    });
  });

  it('RunTask is refused when the volume is not one the task definition configures at launch', () => {
    const inputs = read({
      'run-task': 'true',
      'run-task-subnets': 'subnet-0123456789abcdef0',
      'run-task-managed-ebs-volume-name': 'data',
      'run-task-managed-ebs-volume': json({ roleArn: ROLE, sizeInGiB: 20 }),
    }) as RunTaskInputs;
    expect(refusal(() => planRunTask(inputs, fargate, TD))).toMatch(/has no volume "data"/);
  });

  const service: Service = {
    serviceName: 'web',
    desiredCount: 2,
    enableECSManagedTags: false,
    deploymentConfiguration: {},
  };

  it('UpdateService turns managed tags on only when they change, and sends the volume', () => {
    const on = read({
      service: 'web',
      'enable-ecs-managed-tags': 'true',
      'service-managed-ebs-volume-name': 'data',
      'service-managed-ebs-volume': json({
        roleArn: ROLE,
        sizeInGiB: 50,
        volumeType: 'gp3',
        throughput: 250,
      }),
    }) as ServiceInputs;
    const plan = planServiceUpdate(on, service);
    expect(plan.request.enableECSManagedTags).toBe(true);
    expect(plan.request.volumeConfigurations).toEqual([
      {
        name: 'data',
        managedEBSVolume: { roleArn: ROLE, sizeInGiB: 50, volumeType: 'gp3', throughput: 250 },
      },
    ]);
    expect(plan.changes).toEqual(
      expect.arrayContaining(['ECS managed tags on', 'EBS volume data: gp3, 50 GiB']),
    );
    const same = planServiceUpdate(
      read({ service: 'web', 'enable-ecs-managed-tags': 'false' }) as ServiceInputs,
      service,
    );
    expect(same.request).not.toHaveProperty('enableECSManagedTags');
  });

  it('a CODE_DEPLOY service refuses the service volume and managed tags (CodeDeploy decides the task set)', async () => {
    const { checkInputsFitController } = await import('../src/codedeploy/inputs.js');
    const inputs = read({
      service: 'web',
      'enable-ecs-managed-tags': 'true',
      'service-managed-ebs-volume-name': 'data',
      'service-managed-ebs-volume': json({ roleArn: ROLE, sizeInGiB: 50 }),
    }) as ServiceInputs;
    expect(refusal(() => checkInputsFitController(inputs, 'CODE_DEPLOY'))).toMatch(
      /`enable-ecs-managed-tags`, `service-managed-ebs-volume-name` have no effect/,
    );
  });
});
