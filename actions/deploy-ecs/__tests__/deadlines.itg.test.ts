/**
 * The step's deadline holds when AWS goes quiet: a call that never answers
 * (the emulator's stall fault) is abandoned when `timeout-minutes` passes, and
 * the step ends then with status `timed-out`, its record and its summary, and
 * says what it was doing. Lost answers do not repeat writes. Times are the
 * emulator's (it runs 10× faster than real time, as does the action's clock).
 */
import { readFileSync } from 'node:fs';
import type { ActionResult } from '@berth/testkit/action-runner.js';
import { type Harness, harness, log, NEXT, scenario, taskDefinition } from './helpers/emulator.js';

const SCALE = 10;
const DEADLINE_MS = 60_000;
/** Emulated time the step may take past its deadline: the abandoned call, the record, the summary, exit. */
const GRACE_MS = 30_000;

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error('condition not reached');
}

/** Emulated milliseconds from the action's first AWS call to its exit. */
function emulatedSpan(h: Harness, endedAt: number): number {
  const first = h.emulator.control.calls()[0];
  return endedAt - Date.parse(first.time);
}

function recordOf(result: ActionResult): Record<string, any> {
  return JSON.parse(readFileSync(result.outputs.record, 'utf8'));
}

function expectTimedOutOnTime(result: ActionResult, endedAt: number): void {
  expect(result.exitCode).toBe(1);
  expect(result.outputs.status).toBe('timed-out');
  const span = emulatedSpan(h, endedAt);
  // It waited for its deadline (the first call comes a moment after the deadline was set) …
  expect(span).toBeGreaterThan(DEADLINE_MS - GRACE_MS);
  // … and did not outlive it by more than the grace: the stalled call was abandoned, not waited out.
  expect(span).toBeLessThan(DEADLINE_MS + GRACE_MS);
  const abandoned = h.emulator.control.calls().filter((c) => c.errorCode === 'ClientClosedRequest');
  expect(abandoned).toHaveLength(1);
  expect(result.summary).toMatch(/timed-out/);
}

it('ends at its deadline while DescribeServices never answers before any write, and writes nothing', async () => {
  h = await harness(scenario(), SCALE);
  h.emulator.control.fault({ service: 'ecs', operation: 'DescribeServices', kind: 'stall' });
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
    'timeout-minutes': '1',
  });
  const endedAt = h.emulator.control.now().getTime();
  expectTimedOutOnTime(result, endedAt);
  expect(h.writes()).toEqual([]);
  const record = recordOf(result);
  expect(record.status).toBe('timed-out');
  expect(record.reason).toMatch(/^Timed out after 1 min \(`timeout-minutes`\) while reading service web/);
  expect(log(result)).toMatch(/^::error::deploy-ecs: Timed out after 1 min/m);
  expect(log(result).match(/::error::/g)).toHaveLength(1);
});

it('ends at its deadline while following, when DescribeServices stalls mid-deployment, and says what the deployment was doing', async () => {
  h = await harness(scenario({ behaviours: { [NEXT]: { startSeconds: 3600 } } }), SCALE);
  const pending = h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
    'timeout-minutes': '1',
  });
  await until(() => h.count('UpdateService') === 1 && h.count('DescribeServices') >= 2);
  h.emulator.control.fault({ service: 'ecs', operation: 'DescribeServices', kind: 'stall' });
  const result = await pending;
  const endedAt = h.emulator.control.now().getTime();
  expectTimedOutOnTime(result, endedAt);
  const record = recordOf(result);
  expect(record.status).toBe('timed-out');
  expect(record.deploymentId).toBe(result.outputs['deployment-id']);
  expect(record.to.taskDefinitionArn).toMatch(/task-definition\/web:2$/);
  // The follower's words: the last progress line it saw before the stall.
  expect(record.reason).toMatch(/^Timed out after 1 min waiting for deployment ecs-svc\/\S+; it was /);
  expect(h.writes()).toEqual(['RegisterTaskDefinition', 'UpdateService']);
});

it('ends at its deadline when RegisterTaskDefinition never answers, and says the write may have happened', async () => {
  h = await harness(scenario(), SCALE);
  h.emulator.control.fault({ service: 'ecs', operation: 'RegisterTaskDefinition', kind: 'stall' });
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
    'timeout-minutes': '1',
  });
  const endedAt = h.emulator.control.now().getTime();
  expectTimedOutOnTime(result, endedAt);
  const record = recordOf(result);
  expect(record.reason).toMatch(
    /while registering web; the call was abandoned\. RegisterTaskDefinition was sent/,
  );
  expect(record.from.taskDefinitionArn).toMatch(/task-definition\/web:1$/);
  expect(h.count('UpdateService', false)).toBe(0);
});

it('ends register-only at its deadline when RegisterTaskDefinition never answers, with no deployment record', async () => {
  h = await harness(scenario(), SCALE);
  h.emulator.control.fault({ service: 'ecs', operation: 'RegisterTaskDefinition', kind: 'stall' });
  const result = await h.run({
    cluster: 'shop',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
    'timeout-minutes': '1',
  });
  expect(result.exitCode).toBe(1);
  expect(result.outputs.status).toBe('timed-out');
  expect(result.stdout).toMatch(/while registering .*RegisterTaskDefinition was sent/);
  // Nothing was deployed: no record, no deployment summary.
  expect(result.outputs.record).toBeUndefined();
  expect(result.summary).not.toMatch(/Deployment/);
});

it('ends a one-off task at its deadline when DescribeTasks never answers', async () => {
  h = await harness(scenario({ behaviours: { [NEXT]: { exitAfterSeconds: 3600, exitCode: 0 } } }), SCALE);
  h.emulator.control.fault({ service: 'ecs', operation: 'DescribeTasks', kind: 'stall' });
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
    'run-task': 'true',
    'timeout-minutes': '1',
  });
  const endedAt = h.emulator.control.now().getTime();
  expectTimedOutOnTime(result, endedAt);
  const record = recordOf(result);
  expect(record.kind).toBe('run-task');
  expect(record.task.taskArn).toBe(result.outputs['run-task-arn']);
  expect(record.reason).toMatch(/^Timed out after 1 min waiting for task /);
});

describe('lost answers', () => {
  it('registers one revision and starts one deployment when ECS applies both writes but their answers are lost', async () => {
    h = await harness(scenario());
    h.emulator.control.fault({ operation: 'RegisterTaskDefinition', kind: 'lost-answer', count: 1 });
    h.emulator.control.fault({ operation: 'UpdateService', kind: 'lost-answer', count: 1 });
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', taskDefinition(NEXT)),
      'force-new-deployment': 'true',
    });
    const text = log(result);
    expect([result.exitCode, result.outputs.status]).toEqual([0, 'succeeded']);
    // One revision: web:1 from the scenario and ours.
    expect(revisions(h)).toEqual(['web:1', 'web:2']);
    // One deployment: the scenario's and ours.
    expect(h.emulator.control.ecs!.serviceDeployments('shop', 'web')).toHaveLength(2);
    expect(result.outputs['task-definition-arn']).toMatch(/task-definition\/web:2$/);
    expect(text).toMatch(/RegisterTaskDefinition had been applied; its answer was lost/);
    expect(text).toMatch(/UpdateService had been applied; its answer was lost/);
    const lost = h.emulator.control.calls().filter((c) => c.errorCode === 'AnswerLost');
    expect(lost.map((c) => c.operation)).toEqual(['RegisterTaskDefinition', 'UpdateService']);
    expect(h.count('RegisterTaskDefinition', false)).toBe(1);
    expect(h.count('UpdateService', false)).toBe(1);
  });

  it('starts one task when ECS runs it but the RunTask answer is lost (one clientToken for every attempt)', async () => {
    h = await harness(scenario({ behaviours: { [NEXT]: { exitAfterSeconds: 30, exitCode: 0 } } }));
    h.emulator.control.fault({ operation: 'RunTask', kind: 'lost-answer', count: 1 });
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', taskDefinition(NEXT)),
      'run-task': 'true',
    });
    expect([result.exitCode, result.outputs.status]).toEqual([0, 'succeeded']);
    const runCalls = h.emulator.control.calls({ operation: 'RunTask' });
    expect(runCalls.map((c) => c.errorCode ?? c.status)).toEqual(['AnswerLost', 200]);
    // The second RunTask replayed the first (same token, same request): one task in the cluster.
    const tasks = h.emulator.control
      .ecs!.listAllTasks({ cluster: 'shop' })
      .filter((t: any) => t.startedBy === 'GitHub-Actions');
    expect(tasks).toHaveLength(1);
    expect(result.outputs['run-task-arn']).toBe(tasks[0].taskArn);
  });

  it('sends a write again when its connection dropped before ECS applied it', async () => {
    h = await harness(scenario());
    h.emulator.control.fault({ operation: 'UpdateService', kind: 'connection-reset', count: 1 });
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', taskDefinition(NEXT)),
    });
    expect([result.exitCode, result.outputs.status]).toEqual([0, 'succeeded']);
    expect(log(result)).toMatch(/UpdateService was not applied \(attempt 1/);
    expect(h.count('UpdateService', false)).toBe(2);
    expect(h.emulator.control.ecs!.serviceDeployments('shop', 'web')).toHaveLength(2);
  });
});

/** Every revision the emulator holds, as `family:revision`. */
function revisions(h: Harness): string[] {
  const state = h.emulator.control.state() as any;
  return (state.services?.ecs?.taskDefinitions ?? state.ecs?.taskDefinitions ?? [])
    .map((td: { arn: string }) => td.arn.split('/').pop())
    .sort();
}
