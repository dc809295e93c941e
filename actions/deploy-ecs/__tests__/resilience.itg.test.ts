/**
 * The bundled action against the emulator when the world is not kind:
 * somebody else deploys while we wait, the service deployments API is denied,
 * AWS throttles and fails, and the role session ends before the wait does.
 */
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { startIdTokenIssuer } from '@berth/testkit/id-tokens.js';
import { type Harness, harness, log, NEXT, scenario, taskDefinition } from './helpers/emulator.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it("reports someone else's deployment during ours instead of mistaking it for ours", async () => {
  h = await harness(scenario({ behaviours: { [NEXT]: { startSeconds: 600 } } }));
  const pending = h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
  });
  await until(() => h.count('UpdateService') === 1);
  await until(() => h.count('DescribeServices') >= 3);
  const theirs = await h.ecs.send(
    new UpdateServiceCommand({
      cluster: 'shop',
      service: 'web',
      taskDefinition: 'web:1',
      forceNewDeployment: true,
    }),
  );
  const theirId = theirs.service?.deployments?.find((d) => d.status === 'PRIMARY')?.id;
  const result = await pending;
  const text = log(result);
  expect(result.exitCode).toBe(1);
  expect(result.outputs.status).toBe('failed');
  expect(result.outputs['deployment-id']).not.toBe(theirId);
  expect(text).toMatch(/Deployment was replaced by another deployment/);
  expect(text).toContain(
    `Another deployment (${theirId}, arn:aws:ecs:us-east-1:123456789012:task-definition/web:1) replaced ours`,
  );
});

it.each(['access-denied', 'unavailable'] as const)(
  'falls back to DescribeServices when the service deployments API is %s, with a notice',
  async (mode) => {
    h = await harness(scenario({ settings: { serviceDeploymentsApi: mode } }));
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', taskDefinition(NEXT)),
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs.status).toBe('succeeded');
    const notices = result.annotations.filter(
      (a) => a.level === 'notice' && /service deployments API is not available/.test(a.message),
    );
    expect(notices).toHaveLength(1);
    expect(notices[0].message).toMatch(/following the deployment through DescribeServices instead/);
    // After the first refusal nothing asks that API again.
    expect(h.count('DescribeServiceDeployments', false)).toBeLessThanOrEqual(1);
  },
);

it('rides out 20% throttling and 5% server errors without failing or duplicating the deployment', async () => {
  h = await harness(scenario());
  h.emulator.control.fault({ kind: 'throttling', rate: 0.2 });
  h.emulator.control.fault({ kind: 'server-error', rate: 0.05 });
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
  });
  const text = log(result);
  expect([result.exitCode, result.outputs.status]).toEqual([0, 'succeeded']);
  const failed = h.emulator.control.calls().filter((c) => c.status >= 400);
  expect(failed.length).toBeGreaterThan(0);
  expect(h.count('UpdateService')).toBe(1);
  expect(h.count('RegisterTaskDefinition')).toBe(1);
  // One service deployment before ours, ours, and nothing else.
  expect(h.emulator.control.ecs!.serviceDeployments('shop', 'web')).toHaveLength(2);
  expect(text).not.toMatch(/::error::/);
});

it('re-assumes the role when the wait outlives the role session', async () => {
  const role = 'arn:aws:iam::123456789012:role/shop-deploy';
  h = await harness(
    scenario({
      trust: [{ roleArn: role, subjects: ['repo:acme/shop:*'], maxSessionDurationSeconds: 3600 }],
      // About 20 emulated minutes of rollout against 15-minute sessions.
      behaviours: { [NEXT]: { startSeconds: 1100 } },
    }),
    // The action's clock starts when its process does, a little behind the emulator's; at this
    // scale that head start stays well inside the 5 minutes the role is re-assumed early.
    150,
  );
  // Tokens issued at the emulator's time and valid for five minutes of it, as GitHub's are.
  const idTokens = await startIdTokenIssuer(() => h.emulator.control.now().getTime());
  const job = idTokens.forJob({
    sub: 'repo:acme/shop:ref:refs/heads/main',
    repository: 'acme/shop',
    repository_owner: 'acme',
    ref: 'refs/heads/main',
    run_id: '4242',
  });
  try {
    const result = await h.run(
      {
        cluster: 'shop',
        service: 'web',
        'task-definition': h.file('td.json', taskDefinition(NEXT)),
        'role-to-assume': role,
        'role-duration-seconds': '900',
      },
      {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        ACTIONS_ID_TOKEN_REQUEST_URL: job.url,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: job.requestToken,
      },
    );
    const text = log(result);
    expect([result.exitCode, result.outputs.status]).toEqual([0, 'succeeded']);
    expect(h.count('AssumeRoleWithWebIdentity')).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/expire at .*; assuming the role again/);
    const ecsCalls = h.emulator.control.calls({ service: 'ecs' });
    expect(ecsCalls.filter((c) => c.errorCode === 'ExpiredTokenException')).toEqual([]);
    expect(new Set(ecsCalls.map((c) => c.callerArn))).toEqual(
      new Set(['arn:aws:sts::123456789012:assumed-role/shop-deploy/berth-acme-shop-4242']),
    );
    // Every token was masked before anything else could print it, and nothing else printed it.
    const printed = text
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    expect(idTokens.issued.length).toBeGreaterThanOrEqual(2);
    for (const { token } of idTokens.issued) {
      expect(text).toContain(`::add-mask::${token}`);
      expect(printed).not.toContain(token);
    }
  } finally {
    await idTokens.stop();
  }
});
