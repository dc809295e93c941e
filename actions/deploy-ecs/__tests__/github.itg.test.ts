/**
 * The bundled deploy-ecs against the emulator and a GitHub stand-in (every
 * request and response validated against GitHub's OpenAPI description):
 * each outcome leaves the GitHub deployment and status sequence it should, a
 * token without `deployments: write` or a broken webhook costs a warning and
 * never the deploy, and neither secret shows up anywhere the run leaves text.
 */

import {
  everythingWritten,
  type GitHubStandIn,
  maskedFirst,
  openApi,
  startGitHubStandIn,
  startWebhookReceiver,
  statusDescriptionLimit,
  type WebhookReceiver,
} from '@berth/testkit';
import type { ActionResult } from '@berth/testkit/action-runner.js';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  digest,
  type Harness,
  harness,
  log,
  NEXT,
  REGISTRY,
  scenario,
  taskDefinition,
} from './helpers/emulator.js';

const TOKEN = 'ghs_deployEcsStandInToken0123456789ABCDEF';
const BROKEN = `${REGISTRY}/shop@${digest(3)}`;
const SHA = 'abc1234def5678900000000000000000000000ff';
const RUN_URL = 'https://github.com/acme/shop/actions/runs/4242/attempts/1';
const TD = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${n}`;

let h: Harness | undefined;
let standIn: GitHubStandIn | undefined;
let receiver: WebhookReceiver | undefined;
beforeAll(() => {
  openApi();
});
afterEach(async () => {
  await h?.stop();
  await standIn?.stop();
  await receiver?.stop();
  h = standIn = receiver = undefined;
});

async function deploy(
  extraScenario: Parameters<typeof scenario>[0],
  image: string,
  inputs: Record<string, string> = {},
  permission: 'write' | 'read-only' = 'write',
): Promise<{ result: ActionResult; github: GitHubStandIn; h: Harness }> {
  h = await harness(scenario(extraScenario));
  standIn = await startGitHubStandIn({ token: TOKEN, permission });
  const result = await h.run(
    {
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', taskDefinition(image)),
      'github-token': TOKEN,
      ...inputs,
    },
    { GITHUB_API_URL: standIn.url },
  );
  return { result, github: standIn, h };
}

describe('deploy-ecs: GitHub deployments', () => {
  it('success: a deployment created before UpdateService, then in_progress with the run log, then success with the URL', async () => {
    const { result, github } = await deploy({}, NEXT, {
      environment: 'staging',
      'environment-url': 'https://staging.shop.example.com',
    });
    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(github.problems).toEqual([]);
    const [deployment, ...others] = github.deployments();
    expect(others).toEqual([]);
    expect(deployment).toMatchObject({
      environment: 'staging',
      sha: SHA,
      ref: SHA,
      task: 'deploy',
      description: 'Deploy web in shop: web:1 → web:2',
      production_environment: false,
      payload: {
        schema: 'berth.github-deployment/v1',
        kind: 'deploy',
        cluster: 'shop',
        service: 'web',
        from: { taskDefinitionArn: TD(1), digests: { app: digest(1) } },
        to: { taskDefinitionArn: TD(2), digests: { app: digest(2) } },
        run: { runUrl: RUN_URL, actor: 'octocat' },
      },
    });
    expect(deployment.payload.strategy).toMatch(/^ROLLING/);
    // Berth asked for no auto-merge and no required contexts (the request bodies as sent).
    const create = github.requests.find((r) => r.method === 'POST' && r.path.endsWith('/deployments'))!;
    expect(create.body).toMatchObject({ auto_merge: false, required_contexts: [] });
    // Created before the ECS deployment started.
    const update = h!.emulator.control.calls({ operation: 'UpdateService' })[0];
    expect(create.at).toBeLessThanOrEqual(update.realMs);
    expect(github.states(deployment.id)).toEqual(['in_progress', 'success']);
    expect(deployment.statuses[0]).toMatchObject({ log_url: RUN_URL });
    expect(deployment.statuses[0].description).toContain(result.outputs['service-deployment-arn']);
    expect(deployment.statuses[1]).toMatchObject({
      log_url: RUN_URL,
      environment_url: 'https://staging.shop.example.com',
      description: 'web:2 runs on web',
    });
    expect(result.stdout).toContain(`GitHub deployment ${deployment.id} created in environment \`staging\`.`);
    expect(maskedFirst(result, TOKEN)).toBe(true);
    expect(everythingWritten(result)).not.toContain(TOKEN);
    for (const request of github.requests) expect(request.authorization).toBe(`token ${TOKEN}`);
  });

  it('circuit-breaker rollback: in_progress, then failure with the reason cut to the limit', async () => {
    const { result, github } = await deploy(
      { behaviours: { [BROKEN]: { exitCode: 1, exitAfterSeconds: 2 } } },
      BROKEN,
    );
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('rolled-back');
    expect(github.problems).toEqual([]);
    // No `environment` input: the cluster's name.
    const [deployment] = github.deployments('shop');
    expect(github.states(deployment.id)).toEqual(['in_progress', 'failure']);
    const description: string = deployment.statuses[1].description;
    expect(description).toMatch(/^Rolled back: .*circuit breaker/);
    expect(Array.from(description).length).toBeLessThanOrEqual(statusDescriptionLimit());
  });

  it('timeout: in_progress, then error (Berth could not tell how it ended)', async () => {
    const { result, github } = await deploy({ behaviours: { [NEXT]: { startSeconds: 3000 } } }, NEXT, {
      'timeout-minutes': '1',
    });
    expect(result.outputs.status).toBe('timed-out');
    expect(github.problems).toEqual([]);
    const [deployment] = github.deployments('shop');
    expect(github.states(deployment.id)).toEqual(['in_progress', 'error']);
    expect(deployment.statuses[1].description).toMatch(/^Timed out, outcome unknown/);
  });

  it('UpdateService refused: the deployment ends in failure, "Not started", and the step fails for the ECS reason', async () => {
    h = await harness(scenario());
    standIn = await startGitHubStandIn({ token: TOKEN });
    h.emulator.control.fault({ service: 'ecs', operation: 'UpdateService', kind: 'server-error' });
    const result = await h.run(
      {
        cluster: 'shop',
        service: 'web',
        'task-definition': h.file('td.json', taskDefinition(NEXT)),
        'github-token': TOKEN,
        'max-attempts': '1',
      },
      { GITHUB_API_URL: standIn.url },
    );
    expect(result.exitCode).toBe(1);
    expect(standIn.problems).toEqual([]);
    const [deployment] = standIn.deployments('shop');
    expect(standIn.states(deployment.id)).toEqual(['failure']);
    expect(deployment.statuses[0].description).toBe(
      'Not started: Could not update the service: Service Unavailable. Please try again later.',
    );
    expect(result.annotations.find((a) => a.level === 'error')?.message).toBe(
      'deploy-ecs: Could not update the service: Service Unavailable. Please try again later.',
    );
  });

  it('a token without deployments: write: one warning naming the permission, and the deploy succeeds', async () => {
    const { result, github } = await deploy({}, NEXT, {}, 'read-only');
    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(result.outputs.status).toBe('succeeded');
    expect(github.problems).toEqual([]);
    const warnings = result.annotations.filter((a) => a.level === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/403 Resource not accessible by integration/);
    expect(warnings[0].message).toContain('`permissions: deployments: write`');
    expect(github.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 403']);
    expect(everythingWritten(result)).not.toContain(TOKEN);
  });

  it('github-deployment: false: no GitHub call at all', async () => {
    const { result, github } = await deploy({}, NEXT, { 'github-deployment': 'false' });
    expect(result.exitCode).toBe(0);
    expect(github.requests).toEqual([]);
  });
});

describe('deploy-ecs: webhook notifications', () => {
  it('one Slack message per event (started, succeeded) with the documented fields; the URL never shows', async () => {
    receiver = await startWebhookReceiver();
    const { result } = await deploy({}, NEXT, { 'notify-webhook': receiver.url, environment: 'staging' });
    expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
    expect(receiver.messages.map((m) => m.body.text)).toEqual([
      '🚀 Deploy started: web web:1 → web:2 in staging',
      '✅ Deploy succeeded: web web:1 → web:2 in staging',
    ]);
    for (const message of receiver.messages) {
      expect(message.contentType).toBe('application/json');
      const blocks = JSON.stringify(message.body.blocks);
      for (const field of [
        '*Environment*\\nstaging',
        '*Service*\\nweb (shop)',
        '*From*\\nweb:1',
        '*To*\\nweb:2',
      ]) {
        expect(blocks).toContain(field);
      }
      expect(blocks).toContain(`<${RUN_URL}|workflow run>`);
    }
    expect(maskedFirst(result, receiver.url)).toBe(true);
    expect(everythingWritten(result)).not.toContain(receiver.url);
    expect(everythingWritten(result)).not.toContain(TOKEN);
  });

  it('json format: started, then rolled-back with the reason', async () => {
    receiver = await startWebhookReceiver();
    const { result } = await deploy(
      { behaviours: { [BROKEN]: { exitCode: 1, exitAfterSeconds: 2 } } },
      BROKEN,
      {
        'notify-webhook': receiver.url,
        'notify-format': 'json',
      },
    );
    expect(result.exitCode).toBe(1);
    expect(receiver.messages.map((m) => m.body.event)).toEqual(['started', 'rolled-back']);
    expect(receiver.messages[1].body).toMatchObject({
      schema: 'berth.notification/v1',
      kind: 'deploy',
      environment: 'shop',
      cluster: 'shop',
      service: 'web',
      from: { taskDefinitionArn: TD(1) },
      to: { taskDefinitionArn: TD(2) },
      reason: expect.stringMatching(/circuit breaker/),
      runUrl: RUN_URL,
      sha: SHA,
    });
  });

  it.each([
    ['answers 500', 500 as const],
    ['never answers', 'hang' as const],
  ])(
    'a webhook that %s: a warning after three attempts, later events skipped, the deploy succeeds',
    async (_name, answer) => {
      receiver = await startWebhookReceiver(answer);
      const { result, github } = await deploy({}, NEXT, { 'notify-webhook': receiver.url });
      expect([result.exitCode, log(result)]).toEqual([0, expect.any(String)]);
      expect(result.outputs.status).toBe('succeeded');
      // Bounded: three attempts at the first message, none at the later one.
      expect(receiver.messages).toHaveLength(3);
      const warnings = result.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
      expect(warnings).toEqual([
        expect.stringMatching(
          /^Webhook: could not send the `started` message after 3 attempt\(s\) \((HTTP 500|no answer within 5 s)\)/,
        ),
      ]);
      expect(result.stdout).toContain(
        'Webhook: the `succeeded` message is not sent; the webhook failed earlier in this run.',
      );
      // The GitHub deployment is unaffected.
      expect(github.states(github.deployments()[0].id)).toEqual(['in_progress', 'success']);
      expect(everythingWritten(result)).not.toContain(receiver.url);
    },
  );
});
