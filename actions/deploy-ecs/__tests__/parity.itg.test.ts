/**
 * The bundled action against the emulator, for the inputs it shares with the
 * AWS deploy action (issue 19): register-only, run-task container overrides,
 * tags, started-by, ECS managed tags, managed EBS volumes on a service and on a
 * one-off task, `run-task-arns`, and bad values refused before any write. Each
 * run is under the documented IAM policy (docs/iam/templates), so a permission
 * the docs miss fails here.
 */
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecs';
import {
  digest,
  type Harness,
  harness,
  log,
  REGISTRY,
  scenario,
  taskDefinition,
} from './helpers/emulator.js';

const JOB = `${REGISTRY}/shop@${digest(5)}`;
const NEXT = `${REGISTRY}/shop@${digest(2)}`;
const ROLE = 'arn:aws:iam::123456789012:role/shop-ecs-infrastructure';
const SUBNET = 'subnet-0123456789abcdef0';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** A job with an app and a sidecar, and one volume ECS configures at launch. */
const job = (overrides: Record<string, unknown> = {}) => {
  const base = taskDefinition(JOB, { family: 'migrate' });
  return {
    ...base,
    containerDefinitions: [
      ...base.containerDefinitions,
      { name: 'log-router', image: JOB, essential: false, memory: 64 },
    ],
    volumes: [{ name: 'scratch', configuredAtLaunch: true }, { name: 'tmp' }],
    ...overrides,
  };
};

const behaviours = { [JOB]: { startSeconds: 5, runSeconds: 10, logLines: ['done'] } };
const json = (value: unknown) => JSON.stringify(value);
const byKey = (tags: Array<{ key?: string; value?: string }> = []) =>
  Object.fromEntries(tags.map((t) => [t.key, t.value]));

describe('register-only (neither service nor run-task)', () => {
  it('registers the task definition, outputs its ARN, says so, and makes no service or task call', async () => {
    h = await harness(scenario({ behaviours }));
    const result = await h.run({ cluster: 'shop', 'task-definition': h.file('migrate.json', job()) });
    const text = log(result);
    expect(result.exitCode).toBe(0);
    expect(result.outputs['task-definition-arn']).toBe(
      'arn:aws:ecs:us-east-1:123456789012:task-definition/migrate:1',
    );
    expect(h.writes()).toEqual(['RegisterTaskDefinition']);
    const ecsCalls = h.emulator.control.calls({ service: 'ecs' }).map((c) => c.operation);
    for (const operation of ['DescribeServices', 'UpdateService', 'RunTask', 'DescribeClusters', 'ListTasks'])
      expect(ecsCalls).not.toContain(operation);
    expect(text).toMatch(
      /Registered arn:aws:ecs:[^ ]+:task-definition\/migrate:1\. Neither `service` nor `run-task` is set/,
    );
    expect(result.summary).toContain('registered, nothing deployed');
    expect(result.summary).toContain('task-definition/migrate:1');
    expect(result.outputs).not.toHaveProperty('run-task-arn');
    expect(result.outputs).not.toHaveProperty('deployment-id');
  });

  it('reuses an identical revision instead of registering a second one', async () => {
    h = await harness(scenario({ behaviours }));
    const file = h.file('migrate.json', job());
    await h.run({ cluster: 'shop', 'task-definition': file });
    const again = await h.run({ cluster: 'shop', 'task-definition': file });
    expect(again.exitCode).toBe(0);
    expect(again.outputs['task-definition-arn']).toMatch(/task-definition\/migrate:1$/);
    expect(h.count('RegisterTaskDefinition')).toBe(1);
    expect(log(again)).toMatch(/Reused the identical latest revision/);
  });
});

describe("run-task with the AWS deploy action's inputs", () => {
  it('applies container overrides, tags, started-by, managed tags and an EBS volume; outputs run-task-arns', async () => {
    h = await harness(scenario({ behaviours }));
    const result = await h.run({
      cluster: 'shop',
      'run-task': 'true',
      'task-definition': h.file('migrate.json', job({ tags: [{ key: 'owner', value: 'data' }] })),
      'run-task-subnets': SUBNET,
      'run-task-command': 'bin/migrate --all',
      'run-task-container-overrides': json([
        { name: 'app', environment: [{ name: 'DRY_RUN', value: 'secret-ish-value' }] },
        { name: 'log-router', memory: 128 },
      ]),
      'run-task-tags': json([{ key: 'team', value: 'payments' }]),
      'run-task-started-by': 'ci/migrate',
      'enable-ecs-managed-tags': 'true',
      'propagate-tags': 'TASK_DEFINITION',
      'run-task-managed-ebs-volume-name': 'scratch',
      'run-task-managed-ebs-volume': json({
        roleArn: ROLE,
        sizeInGiB: 20,
        volumeType: 'gp3',
        terminationPolicy: { deleteOnTermination: true },
      }),
    });
    const text = log(result);
    expect(result.exitCode).toBe(0);
    const arn = result.outputs['run-task-arn'];
    expect(arn).toMatch(/:task\/shop\/[0-9a-f]{32}$/);
    // The AWS deploy action's `run-task-arn` is this JSON array; RunTask started one task (count 1).
    expect(JSON.parse(result.outputs['run-task-arns'])).toEqual([arn]);
    expect(h.writes()).toEqual(['RegisterTaskDefinition', 'RunTask']);

    const described = await h.ecs.send(
      new DescribeTasksCommand({ cluster: 'shop', tasks: [arn], include: ['TAGS'] }),
    );
    const task = described.tasks?.[0];
    expect(task?.startedBy).toBe('ci/migrate');
    expect(task?.overrides?.containerOverrides).toEqual([
      {
        name: 'app',
        command: ['bin/migrate', '--all'],
        environment: [{ name: 'DRY_RUN', value: 'secret-ish-value' }],
      },
      { name: 'log-router', memory: 128 },
    ]);
    const listed = await h.ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    // Request tags, the task definition's (propagated) and ECS's managed cluster tag (ecs-using-tags.html).
    expect(byKey(listed.tags)).toEqual({ team: 'payments', owner: 'data', 'aws:ecs:clusterName': 'shop' });
    // The log names what was overridden, never an environment value.
    expect(text).toMatch(/Container app: command \["bin\/migrate","--all"\]; environment DRY_RUN\./);
    expect(text).toMatch(/EBS volume scratch: gp3, 20 GiB\./);
    expect(text).not.toContain('secret-ish-value');
  });
});

describe('a service with a managed EBS volume and ECS managed tags', () => {
  it('sends volumeConfigurations and enableECSManagedTags with the update and follows the deployment', async () => {
    h = await harness(scenario());
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file(
        'web.json',
        taskDefinition(NEXT, { volumes: [{ name: 'data', configuredAtLaunch: true }] }),
      ),
      'service-managed-ebs-volume-name': 'data',
      'service-managed-ebs-volume': json({
        roleArn: ROLE,
        sizeInGiB: 50,
        volumeType: 'gp3',
        throughput: 250,
      }),
      'enable-ecs-managed-tags': 'true',
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs.status).toBe('succeeded');
    expect(h.writes()).toEqual(['RegisterTaskDefinition', 'UpdateService']);
    const { services } = await h.ecs.send(
      new DescribeServicesCommand({ cluster: 'shop', services: ['web'] }),
    );
    expect(services?.[0].enableECSManagedTags).toBe(true);
    const primary = services?.[0].deployments?.find((d) => d.status === 'PRIMARY');
    expect(primary?.taskDefinition).toMatch(/task-definition\/web:2$/);
    expect(primary?.volumeConfigurations).toEqual([
      {
        name: 'data',
        managedEBSVolume: { roleArn: ROLE, sizeInGiB: 50, volumeType: 'gp3', throughput: 250 },
      },
    ]);
    expect(log(result)).toMatch(/ECS managed tags on; EBS volume data: gp3, 50 GiB/);
  });
});

describe('bad values are refused before any write, naming the input', () => {
  const runTask = (extra: Record<string, string>) => ({
    cluster: 'shop',
    'run-task': 'true',
    'run-task-subnets': SUBNET,
    ...extra,
  });

  it.each<[string, (h: Harness) => Record<string, string>, RegExp]>([
    [
      'an override for a container the task definition lacks',
      (h) =>
        runTask({
          'task-definition': h.file('migrate.json', job()),
          'run-task-container-overrides': json([{ name: 'web', command: ['x'] }]),
        }),
      /`run-task-container-overrides`: container "web" is not in task definition migrate, which defines `app`, `log-router`/,
    ],
    [
      'a run-task EBS volume the task definition does not configure at launch',
      (h) =>
        runTask({
          'task-definition': h.file('migrate.json', job()),
          'run-task-managed-ebs-volume-name': 'tmp',
          'run-task-managed-ebs-volume': json({ roleArn: ROLE, sizeInGiB: 20 }),
        }),
      /`run-task-managed-ebs-volume-name`: volume "tmp" of task definition migrate is not `configuredAtLaunch: true`/,
    ],
    [
      'an EBS volume without roleArn',
      (h) =>
        runTask({
          'task-definition': h.file('migrate.json', job()),
          'run-task-managed-ebs-volume-name': 'scratch',
          'run-task-managed-ebs-volume': json({ sizeInGiB: 20 }),
        }),
      /Input `run-task-managed-ebs-volume`: `roleArn` is required/,
    ],
    [
      'a tag with the aws: prefix',
      (h) =>
        runTask({
          'task-definition': h.file('migrate.json', job()),
          'run-task-tags': json([{ key: 'aws:team', value: 'x' }]),
        }),
      /Input `run-task-tags` at `\[0\]\.key`: "aws:team" starts with `aws:`/,
    ],
    [
      'a started-by with a space',
      (h) =>
        runTask({
          'task-definition': h.file('migrate.json', job()),
          'run-task-started-by': 'GitHub Actions',
        }),
      /`run-task-started-by` must be 1 to 128 letters/,
    ],
    [
      'a service EBS volume the file does not declare',
      (h) => ({
        cluster: 'shop',
        service: 'web',
        'task-definition': h.file('web.json', taskDefinition(NEXT)),
        'service-managed-ebs-volume-name': 'data',
        'service-managed-ebs-volume': json({ roleArn: ROLE, sizeInGiB: 50 }),
      }),
      /`service-managed-ebs-volume-name`: task definition web has no volume "data"/,
    ],
    [
      'a service input without a service (register-only)',
      (h) => ({
        cluster: 'shop',
        'task-definition': h.file('web.json', taskDefinition(NEXT)),
        'desired-count': '3',
      }),
      /`desired-count` applies to a service deployment, but `service` is not set/,
    ],
  ])('%s', async (_label, inputs, message) => {
    h = await harness(scenario({ behaviours }));
    const result = await h.run(inputs(h));
    expect(result.exitCode).toBe(1);
    expect(log(result)).toMatch(message);
    expect(h.writes()).toEqual([]);
  });
});
