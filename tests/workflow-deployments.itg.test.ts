import { loadScenario, type RunningEmulator, startEmulator } from '@berth/emulator';
import {
  type GitHubStandIn,
  openApi,
  runWorkflow,
  SHOP_REPOSITORY,
  SHOP_SCENARIO,
  SHOP_SHA,
  SHOP_VARS,
  shopEnvironments,
  shopRepository,
  startGitHubStandIn,
  startWebhookReceiver,
  type WebhookReceiver,
} from '@berth/testkit';

// examples/deploy.yml → pipeline.yml → deploy.yml, run end to end by the workflow harness with
// a GitHub API stand-in (requests and answers checked against GitHub's OpenAPI description) and
// a webhook receiver: the reusable workflows record each stage as a GitHub deployment with the
// job's own token, and pass the caller's `notify-webhook` secret through to every deploy.
// Run `npm run bundle` first: the jobs run each action's dist.
const TIME_SCALE = 50;

let emulator: RunningEmulator;
let github: GitHubStandIn;
let receiver: WebhookReceiver;
beforeAll(() => {
  openApi();
});
beforeEach(async () => {
  emulator = await startEmulator({ scenario: loadScenario(SHOP_SCENARIO), timeScale: TIME_SCALE, seed: 7 });
  github = await startGitHubStandIn({});
  receiver = await startWebhookReceiver();
});
afterEach(async () => {
  await emulator.stop();
  await github.stop();
  await receiver.stop();
});

describe('the reusable workflows and GitHub deployments', () => {
  it('pipeline.yml records dev, staging and production as GitHub deployments and tells the webhook at each stage', async () => {
    const run = await runWorkflow('.github/workflows/deploy.yml', {
      emulator,
      repository: { name: SHOP_REPOSITORY, dir: shopRepository() },
      event: { name: 'push', ref: 'refs/heads/main', sha: SHOP_SHA },
      vars: SHOP_VARS,
      secrets: { DEPLOY_WEBHOOK: receiver.url },
      environments: shopEnvironments(),
      approve: async () => ({ decision: 'approve', reviewer: 'alice' }),
      githubApiUrl: github.url,
    });
    expect(run.conclusion).toBe('success');
    expect(github.problems).toEqual([]);

    const environments = ['dev', 'staging', 'production'];
    expect(github.deployments().map((d) => [d.environment, d.sha, d.task])).toEqual(
      environments.map((environment) => [environment, SHOP_SHA, 'deploy']),
    );
    for (const deployment of github.deployments()) {
      expect(github.states(deployment.id)).toEqual(['in_progress', 'success']);
      expect(deployment.payload).toMatchObject({
        schema: 'berth.github-deployment/v1',
        kind: 'deploy',
        service: 'shop-web',
      });
      expect(deployment.statuses[0].log_url).toBe(
        'https://github.com/acme/shop/actions/runs/4242/attempts/1',
      );
    }
    // GitHub's own default for an environment named `production`.
    expect(github.deployments('production')[0].production_environment).toBe(true);
    // The job's token authenticated every call (the harness masks it in the log).
    expect(new Set(github.requests.map((r) => r.authorization)).size).toBe(1);

    // One message per event, in the order of the stages; each stage registers its own revision.
    expect(receiver.messages.map((m) => m.body.text)).toEqual(
      environments.flatMap((environment, index) => [
        `🚀 Deploy started: shop-web shop-web:1 → shop-web:${index + 2} in ${environment}`,
        `✅ Deploy succeeded: shop-web shop-web:1 → shop-web:${index + 2} in ${environment}`,
      ]),
    );
    const log = run.log.join('\n');
    expect(log).not.toContain(receiver.url);
    expect(log).not.toMatch(/GitHub deployments: could not/);
  }, 180_000);
});
