/**
 * The rollback's deadline holds when AWS goes quiet, and its one write
 * happens once when an answer is lost. The bundled action against the
 * emulator (10× real time, for the emulator and the action's clock alike);
 * a stalled call is the emulator's `stall` fault, a lost answer its
 * `lost-answer` fault (the write is carried out, the connection dropped).
 */
import { readFileSync } from 'node:fs';
import { ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { type RunningEmulator, type Scenario, startEmulator } from '@berth/emulator';
import { type ActionResult, emulatorEnv, runAction } from '@berth/testkit/action-runner.js';
import { afterEach, expect, it } from '@jest/globals';

const SCALE = 10;
const DEADLINE_MS = 60_000;
/** Emulated time the step may take past its deadline: the abandoned call, the record, the summary, exit. */
const GRACE_MS = 30_000;
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const REPO = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop/web`;
const digest = (n: number) => `sha256:${String(n).repeat(64)}`;
const TD = (revision: number) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:${revision}`;

/** web:1…web:3 pinned by digest; web:2 takes an hour to start. Service `web` runs web:1. */
function scenario(): Scenario {
  return {
    region: REGION,
    accountId: ACCOUNT,
    clusters: ['prod'],
    taskDefinitions: [1, 2, 3].map((n) => ({
      family: 'web',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
      containerDefinitions: [{ name: 'web', image: `${REPO}@${digest(n)}`, essential: true }],
    })),
    services: [
      {
        cluster: 'prod',
        serviceName: 'web',
        taskDefinition: 'web:1',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } },
      },
    ],
    repositories: [
      { name: 'shop/web', images: [1, 2, 3].map((n) => ({ tags: [`v${n}`], digest: digest(n) })) },
    ],
    behaviours: {
      [`*@${digest(2)}`]: { startSeconds: 3600 },
      '*': { healthyAfterSeconds: 5 },
    },
  };
}

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function start(scale = SCALE): Promise<{ emulator: RunningEmulator; ecs: ECSClient }> {
  emulator = await startEmulator({ scenario: scenario(), timeScale: scale, seed: 7 });
  const ecs = new ECSClient({
    endpoint: emulator.url,
    region: REGION,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  });
  return { emulator, ecs };
}

/** Runs web:3 to SUCCESSFUL, so the rollback has somewhere to go back from. */
async function deployThree(w: { emulator: RunningEmulator; ecs: ECSClient }): Promise<void> {
  await w.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web', taskDefinition: 'web:3' }));
  w.emulator.control.ecs!.advanceUntil(
    () => w.emulator.control.ecs!.serviceDeployments('prod', 'web')[0]?.status === 'SUCCESSFUL',
    { maxMs: 30 * 60_000 },
  );
  w.emulator.control.clearCalls();
}

function rollback(w: { emulator: RunningEmulator }, inputs: Record<string, string>): Promise<ActionResult> {
  return runAction({
    action: 'rollback',
    inputs: { cluster: 'prod', service: 'web', reason: 'INC-1', ...inputs },
    env: emulatorEnv(w.emulator, { GITHUB_EVENT_NAME: 'workflow_dispatch' }),
    timeoutMs: 60_000,
  });
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition not reached');
}

const recordOf = (result: ActionResult) => JSON.parse(readFileSync(result.outputs.record, 'utf8'));
const log = (result: ActionResult) => `${result.stdout}\n${result.stderr}`;
const count = (w: { emulator: RunningEmulator }, operation: string) =>
  w.emulator.control.calls({ operation }).length;

/** Timed out with status, record and summary, within the grace of its deadline by the emulator's clock. */
function expectTimedOutOnTime(w: { emulator: RunningEmulator }, result: ActionResult, endedAt: number): void {
  expect([result.exitCode, result.outputs.status]).toEqual([1, 'timed-out']);
  const span = endedAt - Date.parse(w.emulator.control.calls()[0].time);
  expect(span).toBeGreaterThan(DEADLINE_MS - GRACE_MS);
  expect(span).toBeLessThan(DEADLINE_MS + GRACE_MS);
  expect(w.emulator.control.calls().filter((c) => c.errorCode === 'ClientClosedRequest')).toHaveLength(1);
  expect(recordOf(result).status).toBe('timed-out');
  expect(result.summary.length).toBeGreaterThan(0);
}

it('ends at its deadline while DescribeServices never answers before the write, and writes nothing', async () => {
  const w = await start();
  await deployThree(w);
  w.emulator.control.fault({ service: 'ecs', operation: 'DescribeServices', kind: 'stall' });
  const result = await rollback(w, { to: 'web:2', 'timeout-minutes': '1' });
  const endedAt = w.emulator.control.now().getTime();
  expectTimedOutOnTime(w, result, endedAt);
  expect(recordOf(result).reason).toMatch(
    /^Timed out after 1 min \(`timeout-minutes`\) while reading service web/,
  );
  expect(count(w, 'UpdateService') + count(w, 'StopServiceDeployment')).toBe(0);
  expect(log(result)).toMatch(/^::error::rollback: Timed out after 1 min/m);
  expect(log(result).match(/::error::/g)).toHaveLength(1);
});

it('ends at its deadline when DescribeServices stalls while it follows the rollback, and says what it was doing', async () => {
  const w = await start();
  await deployThree(w);
  const pending = rollback(w, { to: 'web:2', 'timeout-minutes': '1' });
  await until(() => count(w, 'UpdateService') === 1);
  w.emulator.control.fault({ service: 'ecs', operation: 'DescribeServices', kind: 'stall' });
  const result = await pending;
  const endedAt = w.emulator.control.now().getTime();
  expectTimedOutOnTime(w, result, endedAt);
  const record = recordOf(result);
  expect(record).toMatchObject({
    kind: 'rollback',
    from: { taskDefinitionArn: TD(3) },
    to: { taskDefinitionArn: TD(2) },
    rollback: { path: 'update-service' },
  });
  expect(record.deploymentId).toMatch(/^ecs-svc\//);
  expect(record.reason).toMatch(/^Timed out after 1 min waiting for deployment ecs-svc\/\S+; it was /);
  expect(result.summary).toContain('Rollback of web to web:2');
});

it('starts one deployment when ECS applies the UpdateService but its answer is lost', async () => {
  const w = await start(120);
  await deployThree(w);
  const before = w.emulator.control.ecs!.serviceDeployments('prod', 'web').length;
  w.emulator.control.fault({ operation: 'UpdateService', kind: 'lost-answer', count: 1 });
  const result = await rollback(w, { to: 'web:1' });
  expect([result.exitCode, result.outputs.status]).toEqual([0, 'succeeded']);
  expect(w.emulator.control.ecs!.serviceDeployments('prod', 'web')).toHaveLength(before + 1);
  expect(count(w, 'UpdateService')).toBe(1);
  expect(log(result)).toMatch(/UpdateService had been applied; its answer was lost/);
});

it('asks ECS to stop a deployment once when the StopServiceDeployment answer is lost', async () => {
  const w = await start(120);
  await deployThree(w);
  // web:2 stays IN_PROGRESS for an hour: the rollback takes the stop path.
  await w.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web', taskDefinition: 'web:2' }));
  w.emulator.control.ecs!.advance(60_000);
  const inProgress = w.emulator.control.ecs!.serviceDeployments('prod', 'web')[0];
  expect(inProgress.status).toBe('IN_PROGRESS');
  w.emulator.control.clearCalls();
  w.emulator.control.fault({ operation: 'StopServiceDeployment', kind: 'lost-answer', count: 1 });
  const result = await rollback(w, { to: 'last-successful' });
  expect([result.exitCode, result.outputs.status]).toEqual([0, 'succeeded']);
  expect(log(result)).toMatch(/StopServiceDeployment had been applied; its answer was lost/);
  expect(count(w, 'StopServiceDeployment')).toBe(1);
  expect(count(w, 'UpdateService')).toBe(0);
  expect(w.emulator.control.ecs!.serviceDeployments('prod', 'web')[0]).toMatchObject({
    serviceDeploymentArn: inProgress.serviceDeploymentArn,
    status: 'ROLLBACK_SUCCESSFUL',
  });
});
