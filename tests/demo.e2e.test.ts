import { DOCKER_REGISTRY_BIN, missingPrograms } from '@berth/testkit/local-registry.js';
import { chooseMode, type DemoResult, runDemo } from '../scripts/demo.js';

// The README's `npm run demo`, run as a test: the shop's own workflows (examples/deploy.yml
// calling pipeline.yml, examples/rollback.yml) through the workflow harness against the
// emulator, and the outcomes a user is promised. Where buildah and docker-registry are
// installed the release is built for real; a second run checks the pre-seeded fallback.
const toolsMissing = missingPrograms('buildah', DOCKER_REGISTRY_BIN);
const RELEASE_TAG = 'sha-abc1234';

/** Every job of the story: the release ships, the broken build stops in dev, production is rolled back. */
const JOBS = [
  ['pipeline / build / build', 'success', ''],
  ['pipeline / dev / deploy', 'success', 'succeeded'],
  ['pipeline / staging / deploy', 'success', 'succeeded'],
  ['pipeline / production / deploy', 'success', 'succeeded'],
  ['pipeline / build / build', 'success', ''],
  ['pipeline / dev / deploy', 'failure', 'rolled-back'],
  ['pipeline / staging', 'skipped', ''],
  ['pipeline / production', 'skipped', ''],
  ['rollback / rollback', 'success', 'succeeded'],
];

async function demo(env: Record<string, string | undefined>): Promise<{ result: DemoResult; log: string }> {
  const lines: string[] = [];
  const result = await runDemo({ print: (line) => lines.push(line), env });
  return { result, log: lines.join('\n') };
}

/** What holds in either mode: the same digest everywhere, a truthful failure, a recorded rollback. */
function expectTheStory(result: DemoResult, log: string): string[] {
  expect(result.ok).toBe(true);
  expect(result.checks.every((c) => c.ok)).toBe(true);
  expect(result.steps.map((s) => [s.job, s.result, s.outputs.status ?? ''])).toEqual(JOBS);

  const deployed: string[] = result.records
    .filter((r) => r.kind === 'deploy' && r.status === 'succeeded')
    .map((r) => r.to.images.web);
  expect(deployed).toHaveLength(3);
  expect(new Set(deployed).size).toBe(1);
  expect(deployed[0]).toMatch(/@sha256:[0-9a-f]{64}$/);
  expect(deployed[0]).toBe(result.release);
  // The pipeline deployed what build.yml output, and each environment rendered its own APP_ENV.
  expect(result.records.filter((r) => r.kind === 'deploy').map((r) => r.cluster)).toEqual([
    'dev',
    'staging',
    'production',
    'dev',
  ]);

  // Production waited for its reviewer, for the release and for the rollback.
  expect(result.approvals).toEqual(['production', 'production']);
  expect(log).toContain('waiting for approval to deploy to production (reviewers: alice)');

  // The failed dev deploy explains itself: ECS's reason, the exit code, the log line.
  expect(log).toContain('ECS deployment circuit breaker');
  expect(log).toContain('exit code 1');
  expect(log).toContain('FATAL: DATABASE_URL is set but PAYMENTS_API_KEY is missing');

  // The rollback went back to the last release that was good before the one running, and recorded why.
  const rollback = result.records.find((r) => r.kind === 'rollback');
  expect(rollback).toMatchObject({
    status: 'succeeded',
    cluster: 'production',
    requestedReason: expect.stringContaining('Checkout errors'),
  });
  expect(rollback?.to.taskDefinitionArn).toMatch(/task-definition\/shop-web:1$/);
  return deployed;
}

function expectPreSeeded(result: DemoResult, log: string, reason: RegExp) {
  expect(result.mode).toBe('pre-seeded');
  expect(result.build).toBeUndefined();
  expect(log).toMatch(reason);
  expectTheStory(result, log);
  // The pre-seeded release, pinned through the emulator's ECR; build-push reused it.
  expect(result.release).toMatch(/^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/shop\/web@sha256:/);
  expect(result.steps[0].outputs.tags).toBe(RELEASE_TAG);
}

describe('npm run demo', () => {
  it('chooses the mode from the tools present and BERTH_DEMO_PREBUILT', () => {
    expect(chooseMode({}, []).mode).toBe('built');
    expect(chooseMode({ BERTH_DEMO_PREBUILT: '1' }, []).mode).toBe('pre-seeded');
    expect(chooseMode({}, ['buildah']).reason).toContain(
      `buildah or docker-registry not found: using the pre-seeded image ${RELEASE_TAG}`,
    );
  });

  it(`runs examples/deploy.yml through pipeline.yml (${toolsMissing.length === 0 ? 'release built with buildah' : 'pre-seeded release'}), stops the broken build in dev and rolls production back`, async () => {
    const env = { ...process.env, BERTH_DEMO_PREBUILT: undefined };
    const { result, log } = await demo(env);

    if (toolsMissing.length > 0) {
      expectPreSeeded(
        result,
        log,
        /buildah or docker-registry not found: using the pre-seeded image sha-abc1234/,
      );
      return;
    }

    expect(result.mode).toBe('built');
    const built = result.steps[0].outputs;
    expect(built.tags).toBe(RELEASE_TAG);
    expect(built.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(built['image-uri']).toMatch(/^127\.0\.0\.1:\d+\/shop\/web@sha256:/);
    expect(built['image-uri']).toBe(`${result.build?.registry}/shop/web@${built.digest}`);
    expect(result.build).toMatchObject({ imageUri: built['image-uri'], digest: built.digest });
    expect(result.release).toBe(built['image-uri']);

    // Every environment ran exactly what build-push pushed, and the registry itself agrees:
    // its Docker-Content-Digest for the release tag and for each promotion tag.
    const deployed = expectTheStory(result, log);
    expect(deployed.map((image) => image.split('@')[1])).toEqual([built.digest, built.digest, built.digest]);
    expect(result.build?.registryDigests).toEqual({
      [RELEASE_TAG]: built.digest,
      dev: built.digest,
      staging: built.digest,
      prod: built.digest,
    });
    // buildah numbers the Containerfile's steps plus one LABEL step per label build-push adds.
    expect(log).toMatch(/STEP 2\/\d+: COPY release\.txt \/srv\/shop-web\/release\.txt/);
  }, 240_000);

  (toolsMissing.length === 0 ? it : it.skip)(
    'falls back to the pre-seeded image when BERTH_DEMO_PREBUILT is set',
    async () => {
      const { result, log } = await demo({ ...process.env, BERTH_DEMO_PREBUILT: '1' });
      expectPreSeeded(result, log, /BERTH_DEMO_PREBUILT is set: using the pre-seeded image sha-abc1234/);
    },
    240_000,
  );
});
