/**
 * The bundled actions under the committed per-environment policies of docs/iam:
 * examples/batch-job.yml's path (deploy-ecs with `run-task: true`, no `service`, cluster
 * `batch`, environment production) passes under docs/iam/production-batch/run-task.json,
 * and a role without the needed policy fails with advice naming the policy that grants it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestDigest, numberedManifest, type RunningEmulator, startEmulator } from '@berth/emulator';
import { emulatorEnv, runAction } from '@berth/testkit/action-runner.js';
import { REPO_ROOT } from '@berth/testkit/paths.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
const IMAGE = `${REGISTRY}/shop/report@${manifestDigest(numberedManifest(1))}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const docs = (role: string, policy: string) => ({
  file: join(REPO_ROOT, 'docs', 'iam', role, `${policy}.json`),
});

/** The nightly report job of examples/batch-job.yml, with the example names docs/iam is written for. */
const JOB = {
  family: 'shop-report',
  executionRoleArn: roleArn('shop-production-report-execution'),
  taskRoleArn: roleArn('shop-production-report-task'),
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [
    {
      name: 'report',
      image: IMAGE,
      essential: true,
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/ecs/shop-report',
          'awslogs-region': REGION,
          'awslogs-stream-prefix': 'report',
        },
      },
    },
  ],
  tags: [{ key: 'job', value: 'nightly-report' }],
};

let emulator: RunningEmulator;
let workspace: string;

beforeAll(async () => {
  emulator = await startEmulator({
    timeScale: 60,
    seed: 5,
    scenario: {
      region: REGION,
      accountId: ACCOUNT,
      clusters: ['batch', 'production'],
      repositories: [{ name: 'shop/report', images: [{ manifest: numberedManifest(1), tags: ['prod'] }] }],
      behaviours: { [IMAGE]: { runSeconds: 20, exitCode: 0, logLines: ['report written'] } },
      iam: {
        roles: [
          {
            roleArn: roleArn('shop-production-batch'),
            policies: ['render-taskdef', 'run-task'].map((p) => docs('production-batch', p)),
          },
          {
            roleArn: roleArn('shop-production-render-only'),
            policies: [docs('production', 'render-taskdef')],
          },
        ],
      },
    },
  });
  workspace = mkdtempSync(join(tmpdir(), 'berth-iam-actions-'));
  writeFileSync(join(workspace, 'task-definition.json'), JSON.stringify(JOB, null, 2));
});
afterAll(async () => {
  await emulator?.stop();
});

function runJob(role: string, cluster = 'batch') {
  const session = emulator.control.iam.session(roleArn(role), undefined, 'nightly-report');
  return runAction({
    action: 'deploy-ecs',
    workspace,
    timeoutMs: 60_000,
    inputs: {
      'run-task': 'true',
      cluster,
      'task-definition': 'task-definition.json',
      'run-task-launch-type': 'FARGATE',
      'run-task-subnets': 'subnet-0a1b2c3d4e5f60718,subnet-0f1e2d3c4b5a69788',
      'run-task-security-groups': 'sg-0123456789abcdef0',
      'run-task-command': '["python", "-m", "report", "--date", "yesterday"]',
      'timeout-minutes': '60',
    },
    env: emulatorEnv(emulator, {
      AWS_ACCESS_KEY_ID: session.accessKeyId,
      AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
      AWS_SESSION_TOKEN: session.sessionToken,
    }),
  });
}

it('examples/batch-job.yml: run-task without a service passes under docs/iam/production-batch/run-task.json', async () => {
  emulator.control.clearCalls();
  const result = await runJob('shop-production-batch');
  expect([result.exitCode, result.annotations.filter((a) => a.level === 'error')]).toEqual([0, []]);
  expect(result.outputs).toMatchObject({ status: 'succeeded', 'exit-code': '0' });
  const calls = emulator.control.calls().filter((c) => c.service !== 'sts');
  // Every call was authorised against the role's policies, and all were allowed.
  expect(calls.length).toBeGreaterThan(3);
  expect(calls.filter((c) => c.authorization !== 'allow')).toEqual([]);
  expect(calls.map((c) => c.operation)).toEqual(
    expect.arrayContaining(['DescribeClusters', 'RegisterTaskDefinition', 'RunTask', 'DescribeTasks']),
  );
});

it('the same job on another cluster is denied, before anything is registered', async () => {
  emulator.control.clearCalls();
  const result = await runJob('shop-production-batch', 'production');
  expect(result.exitCode).toBe(1);
  const error = result.annotations.find((a) => a.level === 'error')?.message ?? '';
  expect(error).toContain(
    `is not authorized to perform: ecs:DescribeClusters on resource: arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/production`,
  );
  expect(emulator.control.calls({ operation: 'RegisterTaskDefinition' })).toEqual([]);
});

it('a role without the policy fails with advice naming the permission, the resource and the Berth policy', async () => {
  const result = await runJob('shop-production-render-only');
  expect(result.exitCode).toBe(1);
  const error = result.annotations.find((a) => a.level === 'error')?.message ?? '';
  expect(error).toMatch(/^deploy-ecs: /);
  expect(error).toContain(
    `Missing permission: \`ecs:DescribeClusters\` on \`arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/batch\`. Berth's policy grants it in statement \`CheckTheCluster\` of docs/iam/templates/deploy-ecs.json`,
  );
  expect(error).toContain('docs/iam/templates/run-task.json');
});
