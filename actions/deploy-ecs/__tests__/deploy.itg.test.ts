/**
 * The bundled action (dist/index.js) run as the runner runs it, against the
 * emulator over real HTTP: service deployments that succeed, fail, roll back,
 * time out, and every strategy. BERTH_TIME_SCALE equals the emulator's time
 * scale, so rollouts and the action's polling shrink together.
 */
import { readFileSync } from 'node:fs';
import type { DeploymentRecord } from '@berth/shared/deployment/record';
import {
  digest,
  GOOD,
  type Harness,
  harness,
  log,
  NEXT,
  REGISTRY,
  scenario,
  taskDefinition,
} from './helpers/emulator.js';

const BROKEN = `${REGISTRY}/shop@${digest(3)}`;
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function record(outputs: Record<string, string>): DeploymentRecord {
  return JSON.parse(readFileSync(outputs.record, 'utf8')) as DeploymentRecord;
}

describe('deploy-ecs against the emulator: outcomes', () => {
  it('succeeds: registers, updates, follows its own deployment, prints each event once, records it', async () => {
    h = await harness(scenario());
    const file = h.file('deploy/task-definition.json', taskDefinition(NEXT));
    const result = await h.run({ cluster: 'shop', service: 'web', 'task-definition': file });
    const text = log(result);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      status: 'succeeded',
      'task-definition-arn': 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2',
      'previous-task-definition-arn': 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1',
    });
    expect(result.outputs['deployment-id']).toMatch(/^ecs-svc\/\d+$/);
    expect(result.outputs['service-deployment-arn']).toMatch(/:service-deployment\/shop\/web\//);
    // Events since our update, each printed once; a progress line on change.
    const started = text.split('\n').filter((line) => /has started 2 tasks/.test(line));
    expect(started).toHaveLength(1);
    expect(text).toMatch(/deploying: \d\/2 running/);
    expect(text).toMatch(/succeeded: 2\/2 running/);
    expect(text).not.toMatch(STACK);
    // One registration and one update; the service now runs the new revision.
    expect(h.writes()).toEqual(['RegisterTaskDefinition', 'UpdateService']);
    const service = h.emulator.control.ecs!.describeService('shop', 'web')!;
    expect(service.taskDefinition).toBe(result.outputs['task-definition-arn']);
    // The record says from → to, who and how it ended; the summary shows the same.
    const written = record(result.outputs);
    expect(written).toMatchObject({
      schema: 'berth.deployment-record/v1',
      kind: 'deploy',
      cluster: 'shop',
      service: 'web',
      status: 'succeeded',
      from: { taskDefinitionArn: result.outputs['previous-task-definition-arn'], images: { app: GOOD } },
      to: { taskDefinitionArn: result.outputs['task-definition-arn'], images: { app: NEXT } },
      deploymentId: result.outputs['deployment-id'],
      run: { actor: 'octocat', runUrl: 'https://github.com/acme/shop/actions/runs/4242/attempts/1' },
    });
    expect(written.strategy).toMatch(/^ROLLING, .*circuit breaker with rollback/);
    expect(written.events.map((e) => e.message)).toContainEqual(expect.stringMatching(/has started 2 tasks/));
    expect(result.summary).toContain('<h3>Deployment of web succeeded</h3>');
    expect(result.summary).toContain(digest(2));
  });

  it('circuit breaker with rollback: rolled-back, exit 1, stopped reason, exit code and log lines printed', async () => {
    h = await harness(
      scenario({
        behaviours: {
          [BROKEN]: {
            exitCode: 1,
            exitAfterSeconds: 2,
            logLines: ['booting shop', 'FATAL: DATABASE_URL is not set'],
          },
        },
      }),
    );
    const file = h.file('taskdef.json', taskDefinition(BROKEN));
    const result = await h.run({ cluster: 'shop', service: 'web', 'task-definition': file });
    const text = log(result);
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('rolled-back');
    expect(text).toMatch(/Deployment failed and ECS rolled it back: ECS deployment circuit breaker/);
    expect(text).toMatch(/Essential container `app` exited with code 1/);
    expect(text).toMatch(/container app: exit code 1/);
    expect(text).toMatch(/Last \d+ log lines of app in (task|\d+ tasks)/);
    expect(text).toContain('FATAL: DATABASE_URL is not set');
    expect(text).toMatch(/attempted: .*web:2/);
    expect(text).toMatch(/running: {3}.*web:1/);
    expect(text).not.toMatch(STACK);
    // One annotation for the failure, raised when ECS began rolling back, with its likely cause;
    // the verdict at the rollback's end fails the step with a plain line, the rest are log lines.
    const errors = result.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors).toEqual([
      expect.stringMatching(
        /^The deployment failed and ECS is rolling it back: ECS deployment circuit breaker.*Likely cause: Essential container `app` exited with code 1/,
      ),
    ]);
    expect(text).toMatch(
      /^Error: deploy-ecs: Deployment failed and ECS rolled it back \(rolled-back\): .*Likely cause: /m,
    );
    const written = record(result.outputs);
    expect(written.status).toBe('rolled-back');
    expect(written.failedTasks?.[0]?.containers[0]).toMatchObject({ name: 'app', exitCode: 1 });
    expect(result.summary).toMatch(/^<h3>Deployment of web failed and ECS rolled it back<\/h3>/);
    expect(result.summary).toContain('FATAL: DATABASE_URL is not set');
    expect(h.emulator.control.ecs!.describeService('shop', 'web')!.taskDefinition).toMatch(/web:1$/);
  });

  it('circuit breaker without rollback (detect): failed, and the service keeps the failed deployment', async () => {
    h = await harness(scenario({ behaviours: { [BROKEN]: { exitCode: 2, exitAfterSeconds: 2 } } }));
    const file = h.file('taskdef.json', taskDefinition(BROKEN));
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': file,
      'circuit-breaker': 'detect',
    });
    const text = log(result);
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('failed');
    expect(text).toMatch(/Deployment failed: ECS deployment circuit breaker: tasks failed to start/);
    expect(text).not.toMatch(/rolling it back/);
    expect(text).toMatch(/exited with code 2/);
    const service = h.emulator.control.ecs!.describeService('shop', 'web')!;
    expect(service.deploymentConfiguration.deploymentCircuitBreaker).toMatchObject({
      enable: true,
      rollback: false,
    });
  });

  it('alarm rollback: an alarm going off during the deployment rolls it back', async () => {
    h = await harness(scenario({ alarms: ['shop-5xx'], behaviours: { [NEXT]: { startSeconds: 240 } } }));
    const file = h.file('taskdef.json', taskDefinition(NEXT));
    const pending = h.run({ cluster: 'shop', service: 'web', 'task-definition': file, alarms: 'shop-5xx' });
    await until(() => h.count('UpdateService') === 1);
    await until(() => h.count('DescribeServices') >= 3);
    h.emulator.control.alarm('shop-5xx', 'ALARM');
    const result = await pending;
    const text = log(result);
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('rolled-back');
    expect(text).toMatch(/alarm/i);
    expect(record(result.outputs).reason).toMatch(/shop-5xx/);
  });

  it('a task that never becomes healthy: health check named as the likely cause', async () => {
    h = await harness(
      scenario({ behaviours: { [NEXT]: { failHealthCheck: true, logLines: ['listening on :9090'] } } }),
    );
    const definition = taskDefinition(NEXT);
    definition.containerDefinitions[0].healthCheck = {
      command: ['CMD-SHELL', 'curl -fsS http://localhost:8080/health || exit 1'],
      interval: 5,
      retries: 2,
      timeout: 2,
      startPeriod: 0,
    };
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', definition),
    });
    const text = log(result);
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('rolled-back');
    expect(text).toMatch(/Likely cause: Container health check failing/);
  });

  it('an image that cannot be pulled: pull failure named as the likely cause', async () => {
    h = await harness(
      scenario({ behaviours: { [NEXT]: { pullError: 'pull access denied, repository does not exist' } } }),
    );
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', taskDefinition(NEXT)),
    });
    const text = log(result);
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('rolled-back');
    expect(text).toMatch(/Likely cause: Image pull failure \(CannotPullContainerError/);
    expect(text).toMatch(/ecr:BatchGetImage/);
  });

  it('timeout: fails, and says what the deployment was doing', async () => {
    h = await harness(scenario({ behaviours: { [NEXT]: { startSeconds: 3000 } } }));
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', taskDefinition(NEXT)),
      'timeout-minutes': '1',
    });
    const text = log(result);
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('timed-out');
    expect(text).toMatch(/Timed out after 1 min waiting for deployment ecs-svc\/\d+; it was deploying: /);
    expect(record(result.outputs).status).toBe('timed-out');
  });

  it('wait: false outputs the ids and succeeds right after the update', async () => {
    h = await harness(scenario());
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', taskDefinition(NEXT)),
      wait: 'false',
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs['deployment-id']).toMatch(/^ecs-svc\//);
    expect(result.outputs.status).toBeUndefined();
    expect(record(result.outputs).status).toBe('started');
    expect(h.count('DescribeServiceDeployments')).toBe(0);
  });
});

describe('deploy-ecs against the emulator: strategies', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    [
      'rolling',
      { strategy: 'rolling', 'minimum-healthy-percent': '50', 'maximum-percent': '200' },
      /ROLLING/,
    ],
    ['blue-green', { strategy: 'blue-green', 'bake-time-minutes': '1' }, /BLUE_GREEN/],
    [
      'canary',
      { strategy: 'canary', 'canary-percent': '10', 'canary-bake-minutes': '1', 'bake-time-minutes': '0' },
      /CANARY/,
    ],
    [
      'linear',
      {
        strategy: 'linear',
        'linear-step-percent': '50',
        'linear-step-bake-minutes': '1',
        'bake-time-minutes': '0',
      },
      /LINEAR/,
    ],
  ])('%s', async (name, inputs, strategy) => {
    h = await harness(scenario(), 120);
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', taskDefinition(NEXT)),
      ...inputs,
    });
    const text = log(result);
    expect([name, result.exitCode, result.outputs.status]).toEqual([name, 0, 'succeeded']);
    const service = h.emulator.control.ecs!.describeService('shop', 'web')!;
    expect(service.deploymentConfiguration.strategy).toMatch(strategy);
    expect(record(result.outputs).strategy).toMatch(strategy);
    if (name === 'canary') {
      expect(service.deploymentConfiguration.canaryConfiguration).toEqual({
        canaryPercent: 10,
        canaryBakeTimeInMinutes: 1,
      });
      expect(text).toMatch(/10% production traffic/);
    }
    if (name === 'linear') expect(text).toMatch(/50% production traffic/);
    if (name !== 'rolling') expect(text).toMatch(/stage (PRODUCTION_TRAFFIC_SHIFT|BAKE_TIME)/);
  });
});

/** Polls `condition` every 20 ms (real time) for up to 20 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
