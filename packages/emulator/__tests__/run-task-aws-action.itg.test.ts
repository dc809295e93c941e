/**
 * The AWS deploy action's own RunTask (its unmodified v2.6.3 bundle, aws-deploy-action.ts)
 * against the emulator, with the inputs Berth now shares with it: container overrides, tags,
 * its default startedBy (`GitHub-Actions`), ECS managed tags and a managed EBS volume. The
 * request is the AWS action's, not Berth's: the emulator must take its shape (empty lists, null
 * capacity provider strategy) and store what it sent where DescribeTasks and ListTagsForResource
 * show it (API_RunTask.html, ecs-using-tags.html). Skipped with a notice where ../shared is absent.
 */
import { DescribeTasksCommand, ECSClient, ListTagsForResourceCommand } from '@aws-sdk/client-ecs';
import { afterEach, expect, it } from '@jest/globals';
import { type RunningEmulator, startEmulator } from '../src/server.js';
import { type AwsActionRun, awsDeployActionPresent, runAwsDeployAction } from './aws-deploy-action.js';
import { ACCOUNT, ECR, fargateTaskDefinition, REGION } from './ecs-helpers.js';

const ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsInfrastructureRole`;

let emulator: RunningEmulator | undefined;
let run: AwsActionRun | undefined;
afterEach(async () => {
  await emulator?.stop();
  run?.cleanup();
});

const skip = !awsDeployActionPresent();

const definition = {
  ...fargateTaskDefinition('jobs', `${ECR}/jobs:1`, {
    extraContainers: [{ name: 'log-router', image: `${ECR}/jobs:1`, essential: false }],
  }),
  volumes: [{ name: 'scratch', configuredAtLaunch: true }, { name: 'tmp' }],
};

async function start(): Promise<RunningEmulator> {
  return startEmulator({
    scenario: {
      region: REGION,
      accountId: ACCOUNT,
      clusters: ['shop'],
      repositories: [{ name: 'jobs', images: [{ tags: ['1'] }] }],
      behaviours: { [`${ECR}/jobs:*`]: { exitCode: 0, runSeconds: 5 } },
    },
    seed: 5,
    timeScale: 300,
  });
}

const inputs = (volume: string) => ({
  'task-definition': 'task-definition.json',
  cluster: 'shop',
  'run-task': 'true',
  'run-task-subnets': 'subnet-0123456789abcdef0',
  'run-task-security-groups': 'sg-0123456789abcdef0',
  'run-task-container-overrides': JSON.stringify([
    { name: 'app', command: ['bin/migrate'], environment: [{ name: 'DRY_RUN', value: 'false' }] },
  ]),
  'run-task-tags': JSON.stringify([{ key: 'team', value: 'payments' }]),
  'enable-ecs-managed-tags': 'true',
  'run-task-managed-ebs-volume-name': volume,
  'run-task-managed-ebs-volume': JSON.stringify({ roleArn: ROLE, sizeInGiB: 20, volumeType: 'gp3' }),
});

(skip ? it.skip : it)(
  "the AWS deploy action's RunTask: overrides, tags, its startedBy, managed tags and an EBS volume, as sent",
  async () => {
    emulator = await start();
    run = await runAwsDeployAction(
      emulator.url,
      { 'task-definition.json': JSON.stringify(definition) },
      inputs('scratch'),
    );
    expect(run.stdout).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    const arns = JSON.parse(run.outputs['run-task-arn']) as string[];
    expect(arns).toHaveLength(1);
    const ecs = new ECSClient({
      endpoint: emulator.url,
      region: REGION,
      credentials: { accessKeyId: 'AKIDBERTHTEST', secretAccessKey: 'not-checked' },
    });
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'shop', tasks: arns }));
    // The AWS action's default: `core.getInput('run-task-started-by') || 'GitHub-Actions'`.
    expect(tasks?.[0].startedBy).toBe('GitHub-Actions');
    expect(tasks?.[0].overrides?.containerOverrides).toEqual([
      { name: 'app', command: ['bin/migrate'], environment: [{ name: 'DRY_RUN', value: 'false' }] },
      { name: 'log-router' },
    ]);
    const { tags } = await ecs.send(new ListTagsForResourceCommand({ resourceArn: arns[0] }));
    expect(tags).toEqual([
      { key: 'team', value: 'payments' },
      { key: 'aws:ecs:clusterName', value: 'shop' },
    ]);
    ecs.destroy();
  },
  60_000,
);

(skip ? it.skip : it)(
  'a volume the task definition does not configure at launch is refused to the AWS action too',
  async () => {
    emulator = await start();
    run = await runAwsDeployAction(
      emulator.url,
      { 'task-definition.json': JSON.stringify(definition) },
      inputs('tmp'),
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^::error::The volume tmp in the task definition is not configured at launch/m,
    );
    expect(emulator.control.calls({ operation: 'RunTask' }).map((c) => c.errorCode)).toEqual([
      'InvalidParameterException',
    ]);
  },
  60_000,
);
