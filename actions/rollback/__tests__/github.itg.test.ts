/**
 * The bundled rollback (and deploy-ecs, which builds the history first) against
 * the emulator and a GitHub stand-in that validates every request and response
 * against GitHub's OpenAPI description: a rollback leaves its own GitHub
 * deployment of the restored revision, naming the deployment it undid; with the
 * ECS service deployments API denied, `to: last-successful` finds its target in
 * the environment's GitHub deployments and says so.
 */
import { readFileSync } from 'node:fs';
import { type RunningEmulator, type Scenario, startEmulator } from '@berth/emulator';
import {
  everythingWritten,
  type GitHubStandIn,
  maskedFirst,
  openApi,
  startGitHubStandIn,
  startWebhookReceiver,
  type WebhookReceiver,
} from '@berth/testkit';
import { type ActionResult, emulatorEnv, runAction } from '@berth/testkit/action-runner.js';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';

const TIME_SCALE = 120;
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const REPO = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop/web`;
const TOKEN = 'ghs_rollbackStandInToken0123456789ABCDEF';
const digest = (n: number) => `sha256:${String(n).repeat(64)}`;
const TD = (revision: number) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:${revision}`;
const RUN_URL = 'https://github.com/acme/shop/actions/runs/4242/attempts/1';
const sha = (revision: number) => `${revision}`.repeat(40);

/** web:1…web:4 pinned by digest (all in ECR); service `web` in cluster `prod` runs web:1. */
function scenario(settings?: Scenario['settings']): Scenario {
  const revisions = [1, 2, 3, 4];
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
      containerDefinitions: [{ name: 'web', image: `${REPO}@${digest(n)}`, essential: true }],
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
    behaviours: { '*': { healthyAfterSeconds: 5 } },
  };
}

let emulator: RunningEmulator | undefined;
let github: GitHubStandIn | undefined;
let receiver: WebhookReceiver | undefined;
beforeAll(() => {
  openApi();
});
afterEach(async () => {
  await emulator?.stop();
  await github?.stop();
  await receiver?.stop();
  emulator = github = receiver = undefined;
});

async function world(
  settings?: Scenario['settings'],
): Promise<{ emulator: RunningEmulator; github: GitHubStandIn }> {
  emulator = await startEmulator({ scenario: scenario(settings), timeScale: TIME_SCALE, seed: 7 });
  github = await startGitHubStandIn({ token: TOKEN });
  return { emulator, github };
}

const env = (extra: Record<string, string> = {}) =>
  emulatorEnv(emulator!, { GITHUB_API_URL: github!.url, ...extra });

/** A deploy as the pipeline makes it: deploy-ecs with its GitHub deployment, followed to the end. */
async function deploy(revision: number): Promise<void> {
  const result = await runAction({
    action: 'deploy-ecs',
    inputs: { cluster: 'prod', service: 'web', 'task-definition': `web:${revision}`, 'github-token': TOKEN },
    // Each revision built from its own commit.
    env: env({ GITHUB_SHA: sha(revision) }),
    timeoutMs: 60_000,
  });
  expect([result.exitCode, result.stdout]).toEqual([0, expect.any(String)]);
}

function rollback(inputs: Record<string, string> = {}): Promise<ActionResult> {
  return runAction({
    action: 'rollback',
    inputs: {
      cluster: 'prod',
      service: 'web',
      'github-token': TOKEN,
      reason: 'checkout <500s> & INC-7',
      ...inputs,
    },
    env: env({ GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_WORKFLOW: 'rollback' }),
    timeoutMs: 60_000,
  });
}

const log = (result: ActionResult) => `${result.stdout}\n${result.stderr}`;

describe('rollback: GitHub deployments', () => {
  it('creates a deployment of the restored revision that names the deployment it undid; in_progress, then success', async () => {
    await world();
    await deploy(2);
    await deploy(3);
    receiver = await startWebhookReceiver();
    const result = await rollback({
      'notify-webhook': receiver.url,
      'environment-url': 'https://shop.example.com',
    });
    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs).toMatchObject({ status: 'succeeded', 'to-task-definition': TD(2) });
    expect(github!.problems).toEqual([]);

    const [first, second, undo] = github!.deployments('prod');
    expect([first.payload.to.taskDefinitionArn, second.payload.to.taskDefinitionArn]).toEqual([TD(2), TD(3)]);
    expect(undo).toMatchObject({
      // The commit that runs again: the one web:2 was deployed from, not the dispatching run's.
      sha: sha(2),
      task: 'deploy:rollback',
      description: 'Roll back web in prod: web:3 → web:2',
      payload: {
        kind: 'rollback',
        from: { taskDefinitionArn: TD(3), digests: { web: digest(3) } },
        to: { taskDefinitionArn: TD(2), digests: { web: digest(2) } },
        requestedReason: 'checkout <500s> & INC-7',
        undid: { taskDefinitionArn: TD(3), githubDeploymentId: second.id },
        run: { runUrl: RUN_URL, eventName: 'workflow_dispatch' },
      },
    });
    expect(github!.states(undo.id)).toEqual(['in_progress', 'success']);
    expect(undo.statuses[1]).toMatchObject({ environment_url: 'https://shop.example.com', log_url: RUN_URL });
    // GitHub's auto_inactive: the deployment that was undone is no longer the active one.
    expect(github!.states(second.id)).toEqual(['in_progress', 'success', 'inactive']);

    // One message per event, the operator's words escaped for Slack.
    expect(receiver.messages.map((m) => m.body.text)).toEqual([
      '🚀 Rollback started: web web:3 → web:2 in prod',
      '✅ Rollback succeeded: web web:3 → web:2 in prod',
    ]);
    expect(JSON.stringify(receiver.messages[0].body.blocks)).toContain('checkout &lt;500s&gt; &amp; INC-7');
    expect(maskedFirst(result, TOKEN)).toBe(true);
    expect(maskedFirst(result, receiver.url)).toBe(true);
    expect(everythingWritten(result)).not.toContain(TOKEN);
    expect(everythingWritten(result)).not.toContain(receiver.url);
  });

  it('to: last-successful with the ECS service deployments API denied: the target comes from GitHub deployments', async () => {
    await world({ serviceDeploymentsApi: 'access-denied' });
    await deploy(2);
    await deploy(4); // web:3 was never deployed: the family fallback would pick it, GitHub knows better
    const result = await rollback();
    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs).toMatchObject({
      status: 'succeeded',
      'from-task-definition': TD(4),
      'to-task-definition': TD(2),
    });
    expect(github!.problems).toEqual([]);
    const notice = result.annotations.find(
      (a) => a.level === 'notice' && /GitHub deployments/.test(a.message),
    );
    expect(notice?.message).toMatch(
      /^The service deployments API is not available \(AccessDeniedException: .*\), so `last-successful` was taken from the GitHub deployments of environment `prod`\.$/,
    );
    const record = JSON.parse(readFileSync(result.outputs.record, 'utf8'));
    expect(record.rollback.foundBy).toMatch(/^GitHub deployments of environment `prod`/);
    expect(record.rollback.why).toMatch(/^web:2 is the task definition of GitHub deployment \d+/);
    expect(emulator!.control.ecs!.describeService('prod', 'web')!.taskDefinition).toBe(TD(2));
    const undo = github!.deployments('prod').at(-1)!;
    expect(undo.payload).toMatchObject({ kind: 'rollback', to: { taskDefinitionArn: TD(2) } });
    expect(github!.states(undo.id)).toEqual(['in_progress', 'success']);
  });

  it('a token without deployments: write: one warning naming the permission, and the rollback succeeds', async () => {
    await world();
    await deploy(2);
    await github!.stop();
    // The same jobs, now with a token that may read deployments but not write them.
    github = await startGitHubStandIn({ token: TOKEN, permission: 'read-only' });
    const result = await rollback({ to: 'web:1' });
    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs).toMatchObject({ status: 'succeeded', 'to-task-definition': TD(1) });
    const warnings = result.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings).toEqual([expect.stringContaining('`permissions: deployments: write`')]);
    expect(github.problems).toEqual([]);
    expect(everythingWritten(result)).not.toContain(TOKEN);
  });

  it('dry-run creates no GitHub deployment', async () => {
    await world();
    await deploy(2);
    const before = github!.deployments().length;
    const result = await rollback({ 'dry-run': 'true' });
    expect(result.exitCode).toBe(0);
    expect(github!.deployments()).toHaveLength(before);
    // Only the deploy's three writes: its deployment, in_progress and success.
    expect(github!.requests.filter((r) => r.method === 'POST')).toHaveLength(3);
  });
});
