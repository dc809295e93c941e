/**
 * The bundled action (dist/index.js) run as the runner runs it, against the
 * emulator over real HTTP with the real SDK: every case the rollback issue
 * lists. The service's history is built the way it happens in production —
 * UpdateService calls that ECS rolls out — before the action runs.
 */
import { readFileSync } from 'node:fs';
import { BatchDeleteImageCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { type RunningEmulator, type Scenario, startEmulator } from '@berth/emulator';
import { type ActionResult, emulatorEnv, runAction } from '@berth/testkit/action-runner.js';
import { afterEach, describe, expect, it } from '@jest/globals';

const TIME_SCALE = 120;
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const REPO = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop/web`;
const digest = (n: number) => `sha256:${String(n).repeat(64)}`;
const TD = (revision: number) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:${revision}`;
const WRITES = ['UpdateService', 'StopServiceDeployment', 'RegisterTaskDefinition', 'CreateService'];

/**
 * web:1…web:4 pinned by digest (v1…v4 in ECR); web:5 is a slow image that
 * keeps a deployment IN_PROGRESS for an hour. Service `web` in cluster `prod`
 * starts on web:1 with the circuit breaker (rollback) on.
 */
function scenario(settings?: Scenario['settings']): Scenario {
  const revisions = [1, 2, 3, 4, 5];
  return {
    region: REGION,
    accountId: ACCOUNT,
    settings,
    clusters: ['prod'],
    taskDefinitions: revisions.map((n) => ({
      family: 'web',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
      containerDefinitions: [
        {
          name: 'web',
          image: `${REPO}@${digest(n)}`,
          essential: true,
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/ecs/web',
              'awslogs-region': REGION,
              'awslogs-stream-prefix': 'web',
            },
          },
        },
      ],
    })),
    services: [
      {
        cluster: 'prod',
        serviceName: 'web',
        taskDefinition: 'web:1',
        desiredCount: 2,
        launchType: 'FARGATE',
        deploymentConfiguration: {
          minimumHealthyPercent: 100,
          maximumPercent: 200,
          deploymentCircuitBreaker: { enable: true, rollback: true },
        },
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] } },
      },
    ],
    repositories: [
      { name: 'shop/web', images: revisions.map((n) => ({ tags: [`v${n}`], digest: digest(n) })) },
    ],
    behaviours: {
      [`*@${digest(5)}`]: { startSeconds: 3600 },
      '*': { healthyAfterSeconds: 5, logLines: ['listening on :8080'] },
    },
  };
}

interface World {
  emulator: RunningEmulator;
  ecs: ECSClient;
  ecr: ECRClient;
}

let running: RunningEmulator | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function world(settings?: Scenario['settings']): Promise<World> {
  const emulator = await startEmulator({ scenario: scenario(settings), timeScale: TIME_SCALE, seed: 7 });
  running = emulator;
  const config = {
    endpoint: emulator.url,
    region: REGION,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
  };
  return { emulator, ecs: new ECSClient(config), ecr: new ECRClient(config) };
}

const records = (w: World) => w.emulator.control.ecs!.serviceDeployments('prod', 'web');

/** Deploys a revision as a deploy step would, and lets ECS finish it. */
async function deploy(w: World, revision: number, until: 'done' | 'started' = 'done'): Promise<void> {
  await w.ecs.send(
    new UpdateServiceCommand({ cluster: 'prod', service: 'web', taskDefinition: `web:${revision}` }),
  );
  if (until === 'started') return;
  w.emulator.control.ecs!.advanceUntil(() => records(w)[0]?.status === 'SUCCESSFUL', { maxMs: 30 * 60_000 });
}

async function runningRevision(w: World): Promise<string | undefined> {
  const out = await w.ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['web'] }));
  return out.services?.[0]?.taskDefinition;
}

async function rollback(w: World, inputs: Record<string, string>): Promise<ActionResult> {
  w.emulator.control.clearCalls();
  return runAction({
    action: 'rollback',
    inputs: { cluster: 'prod', service: 'web', 'timeout-minutes': '30', ...inputs },
    env: emulatorEnv(w.emulator, { GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_WORKFLOW: 'rollback' }),
    timeoutMs: 60_000,
  });
}

const writes = (w: World) =>
  w.emulator.control
    .calls()
    .filter((call) => WRITES.includes(call.operation))
    .map((call) => call.operation);

const record = (result: ActionResult) => JSON.parse(readFileSync(result.outputs.record, 'utf8'));

/** What a failed run printed, for the assertion message. */
const log = (result: ActionResult) => `${result.stdout}\n${result.stderr}`;

describe('rollback against the emulator', () => {
  it('rolls back a bad deploy that ECS did not roll back to the last successful deployment, exactly', async () => {
    const w = await world();
    await deploy(w, 2);
    await deploy(w, 3); // healthy, so ECS calls it SUCCESSFUL: only the operator knows it is bad
    const result = await rollback(w, { reason: 'checkout 500s since 14:02 (INC-2291)' });

    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs).toMatchObject({
      status: 'succeeded',
      'from-task-definition': TD(3),
      'to-task-definition': TD(2),
    });
    expect(JSON.parse(result.outputs['from-images'])).toEqual({ web: `${REPO}@${digest(3)}` });
    expect(JSON.parse(result.outputs['to-images'])).toEqual({ web: `${REPO}@${digest(2)}` });
    expect(await runningRevision(w)).toBe(TD(2));
    expect(writes(w)).toEqual(['UpdateService']);
    expect(result.stdout).toMatch(/why this target: web:2 is the target of the newest SUCCESSFUL deployment/);
    expect(result.stdout).toMatch(/path: UpdateService to the target\. No deployment is in progress/);
    // The follower's events and progress lines, as deploy-ecs prints them.
    expect(result.stdout).toMatch(/\(service web\) has started 2 tasks/);
    expect(result.stdout).toMatch(/^succeeded: 2\/2 running/m);

    const saved = record(result);
    expect(saved).toMatchObject({
      schema: 'berth.deployment-record/v1',
      kind: 'rollback',
      cluster: 'prod',
      service: 'web',
      status: 'succeeded',
      requestedReason: 'checkout 500s since 14:02 (INC-2291)',
      from: { taskDefinitionArn: TD(3), images: { web: `${REPO}@${digest(3)}` } },
      to: { taskDefinitionArn: TD(2), images: { web: `${REPO}@${digest(2)}` } },
      run: {
        actor: 'octocat',
        eventName: 'workflow_dispatch',
        runUrl: 'https://github.com/acme/shop/actions/runs/4242/attempts/1',
      },
      rollback: { requested: 'last-successful', path: 'update-service' },
    });
    expect(saved.deploymentId).toMatch(/^ecs-svc\/\d+$/);
    expect(saved.events.length).toBeGreaterThan(0);
    expect(result.summary).toContain('Rollback of web to web:2');
    expect(result.summary).toContain('Why this target');
    expect(result.summary).toContain('checkout 500s since 14:02 (INC-2291)');
  });

  it('stops a deployment in progress with StopServiceDeployment (ROLLBACK) and follows the stopped deployment to ROLLBACK_SUCCESSFUL', async () => {
    const w = await world();
    await deploy(w, 2);
    await deploy(w, 5, 'started'); // slow: stays IN_PROGRESS
    w.emulator.control.ecs!.advance(60_000);
    expect(records(w)[0].status).toBe('IN_PROGRESS');
    const inProgress = records(w)[0].serviceDeploymentArn;

    const result = await rollback(w, { reason: 'the new build hangs on start' });

    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs).toMatchObject({
      status: 'succeeded',
      'from-task-definition': TD(5),
      'to-task-definition': TD(2),
    });
    expect(writes(w)).toEqual(['StopServiceDeployment']);
    expect(result.stdout).toMatch(/path: StopServiceDeployment \(ROLLBACK\) of the deployment in progress\./);
    expect(result.stdout).toMatch(/web:2 is the revision ECS rolls it back to/);
    // The rollback ECS carries out is what was asked for: no error annotation claims otherwise.
    expect(result.annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(result.stdout).toMatch(/rolling back to deployment ecs-svc\/\d+/);
    expect(records(w)[0]).toMatchObject({ serviceDeploymentArn: inProgress, status: 'ROLLBACK_SUCCESSFUL' });
    expect(await runningRevision(w)).toBe(TD(2));
    expect(record(result)).toMatchObject({
      status: 'succeeded',
      serviceDeploymentArn: inProgress,
      rollback: { path: 'stop-deployment' },
      reason: 'ECS rolled web:5 back to web:2 as requested.',
    });
  });

  it('to: previous-revision goes to the newest ACTIVE revision older than the running one', async () => {
    const w = await world();
    await deploy(w, 3);
    const result = await rollback(w, { to: 'previous-revision', reason: 'test' });
    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs).toMatchObject({ status: 'succeeded', 'to-task-definition': TD(2) });
    expect(await runningRevision(w)).toBe(TD(2));
    expect(result.stdout).toMatch(
      /web:2 is the newest ACTIVE revision of family `web` older than the running web:3/,
    );
  });

  it('to: an explicit revision', async () => {
    const w = await world();
    await deploy(w, 2);
    await deploy(w, 3);
    const result = await rollback(w, { to: 'web:1' });
    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs).toMatchObject({ status: 'succeeded', 'to-task-definition': TD(1) });
    expect(await runningRevision(w)).toBe(TD(1));
    expect(record(result).requestedReason).toBe('no reason given');
  });

  it.each([
    [
      'image:v1 (a tag that resolves in ECR to the digest web:1 pins)',
      'image:v1',
      1,
      /matched pinned by the digest that tag `v1` resolves to in ECR/,
    ],
    [`image:<digest of v2>`, `image:${digest(2)}`, 2, /matched by digest/],
  ])('to: %s', async (_name, to, expected, how) => {
    const w = await world();
    await deploy(w, 2);
    await deploy(w, 3);
    const result = await rollback(w, { to, reason: 'known good image' });
    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs).toMatchObject({ status: 'succeeded', 'to-task-definition': TD(expected) });
    expect(await runningRevision(w)).toBe(TD(expected));
    expect(result.stdout).toMatch(how);
  });

  it('refuses a target whose image ECR no longer has, naming container and image, and writes nothing', async () => {
    const w = await world();
    await deploy(w, 2);
    await deploy(w, 3);
    await w.ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'shop/web', imageIds: [{ imageDigest: digest(2) }] }),
    );
    const result = await rollback(w, { reason: 'test' });

    expect(result.exitCode).toBe(1);
    const error = result.annotations.find((a) => a.level === 'error')?.message ?? '';
    expect(error).toMatch(
      /^rollback: The target arn:aws:ecs:us-east-1:123456789012:task-definition\/web:2 cannot start/,
    );
    expect(error).toContain(`container \`web\`: ${REPO}@${digest(2)}`);
    expect(error).toMatch(/lifecycle policy/);
    expect(writes(w)).toEqual([]);
    expect(await runningRevision(w)).toBe(TD(3));
    expect(result.summary).toContain('refused: nothing was changed');
  });

  it('succeeds with nothing-to-do when the target already runs, and writes nothing', async () => {
    const w = await world();
    await deploy(w, 3);
    const result = await rollback(w, { to: 'web:3' });
    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs).toMatchObject({
      status: 'nothing-to-do',
      'from-task-definition': TD(3),
      'to-task-definition': TD(3),
    });
    expect(result.annotations).toContainEqual({
      level: 'notice',
      message: 'web:3 already runs: nothing to do.',
    });
    expect(writes(w)).toEqual([]);
    expect(record(result).status).toBe('nothing-to-do');
  });

  it('falls back to the family history when the service deployments API is denied, and says so', async () => {
    const w = await world({ serviceDeploymentsApi: 'access-denied' });
    await w.ecs.send(new UpdateServiceCommand({ cluster: 'prod', service: 'web', taskDefinition: 'web:3' }));
    w.emulator.control.ecs!.advanceUntil(
      () => w.emulator.control.ecs!.describeService('prod', 'web')?.deployments.length === 1,
      { maxMs: 30 * 60_000 },
    );
    const result = await rollback(w, { reason: 'test' });

    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs).toMatchObject({
      status: 'succeeded',
      'from-task-definition': TD(3),
      'to-task-definition': TD(2),
    });
    const notice = result.annotations.find((a) => a.level === 'notice' && /falls back/.test(a.message));
    expect(notice?.message).toMatch(
      /^The service deployments API is not available \(AccessDeniedException: .*\), so `last-successful` falls back to the task definition family history/,
    );
    expect(writes(w)).toEqual(['UpdateService']);
    expect(record(result).rollback.foundBy).toMatch(/fallback/);
    expect(await runningRevision(w)).toBe(TD(2));
  });

  it('reports a rollback that fails truthfully: ECS rolls it back, the step fails with the cause', async () => {
    const w = await world();
    await deploy(w, 2);
    await deploy(w, 3);
    // Since it last ran, web:2's image crashes on start (an expired secret, a dropped table…).
    w.emulator.control.seed({
      behaviours: {
        [`*@${digest(2)}`]: {
          exitCode: 1,
          exitAfterSeconds: 3,
          logLines: ['FATAL: password authentication failed'],
        },
      },
    });
    const result = await rollback(w, { reason: 'test' });

    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('rolled-back');
    // One annotation for the failure, raised when ECS began rolling the rollback back, with its
    // likely cause; the verdict at the end fails the step with a plain line.
    const errors = result.annotations.filter((a) => a.level === 'error').map((a) => a.message);
    expect(errors).toEqual([
      expect.stringMatching(/^The deployment failed and ECS is rolling it back: .*Likely cause: /),
    ]);
    expect(result.stdout).toMatch(
      /^Error: rollback: The rollback of web to web:2 failed and ECS rolled it back.*Likely cause: /m,
    );
    expect(result.stdout).toContain('FATAL: password authentication failed');
    expect(await runningRevision(w)).toBe(TD(3));
    const saved = record(result);
    expect(saved.status).toBe('rolled-back');
    expect(saved.failedTasks.length).toBeGreaterThan(0);
  });

  it('dry-run prints the plan and makes no write call', async () => {
    const w = await world();
    await deploy(w, 2);
    await deploy(w, 3);
    const result = await rollback(w, { 'dry-run': 'true', reason: 'practice' });
    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs).toMatchObject({
      status: 'dry-run',
      'from-task-definition': TD(3),
      'to-task-definition': TD(2),
    });
    expect(writes(w)).toEqual([]);
    expect(w.emulator.control.calls().length).toBeGreaterThan(0);
    expect(result.stdout).toMatch(/from: arn:aws:ecs:us-east-1:123456789012:task-definition\/web:3/);
    expect(result.stdout).toMatch(/to: {3}arn:aws:ecs:us-east-1:123456789012:task-definition\/web:2/);
    expect(result.stdout).toMatch(/how it was found: ListServiceDeployments/);
    expect(result.annotations).toContainEqual({
      level: 'notice',
      message: expect.stringMatching(/^Dry run: web would be rolled back to web:2; nothing was changed/),
    });
    expect(await runningRevision(w)).toBe(TD(3));
  });

  it('wait: false starts the rollback and ends with status started', async () => {
    const w = await world();
    await deploy(w, 2);
    await deploy(w, 3);
    const result = await rollback(w, { wait: 'false', reason: 'test' });
    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs.status).toBe('started');
    expect(writes(w)).toEqual(['UpdateService']);
    expect(result.summary).toContain(
      '<h3>Rollback of web to web:2 started (not followed to its end: wait is false)</h3>',
    );
  });
});
