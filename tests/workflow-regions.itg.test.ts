import { createHash } from 'node:crypto';
import { ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { loadScenario, type RunningEmulator, type Scenario, startEmulator } from '@berth/emulator';
import { ACCOUNT, ECR_HOST, SHOP_SCENARIO, SHOP_SHA, SHOP_VARS, shopRepository } from '@berth/testkit';
import { caller, digestOf, rollbackDispatch, running, runShop, stepResults } from './workflow-shop.js';

// Issue 17's multi-region path (UC17) through deploy.yml, run by the workflow harness against
// the emulator (run `npm run bundle` first). The shop builds in eu-west-1; us-west-2 is a
// further region whose registry receives the digest by ECR replication
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-settings-configure.html):
// a pushed image is copied after a delay, or, with replication broken, never arrives.
const TIME_SCALE = 50;
const WEST = 'us-west-2';
const WEST_HOST = `${ACCOUNT}.dkr.ecr.${WEST}.amazonaws.com`;

let emulator: RunningEmulator;
afterEach(async () => {
  await emulator?.stop();
});

/** The shop's staging in eu-west-1 and the same service in us-west-2, whose registry is a replica of eu-west-1's so far. */
function twoRegionShop(replication: { delaySeconds: number; failureCode?: string }): Scenario {
  const shop = loadScenario(SHOP_SCENARIO);
  const toWest = <T>(value: T): T =>
    JSON.parse(JSON.stringify(value).replaceAll(ECR_HOST, WEST_HOST).replaceAll('"eu-west-1"', `"${WEST}"`));
  // docs/setup.md: the environment's deploy role must be allowed in every region it deploys to.
  const iam = structuredClone(shop.iam);
  for (const role of iam?.roles ?? []) {
    if (role.roleArn.endsWith(':role/shop-staging-deploy'))
      role.placeholders = { ...role.placeholders, Region: ['eu-west-1', WEST] };
  }
  return {
    ...shop,
    iam,
    regions: {
      [WEST]: {
        clusters: ['staging'],
        taskDefinitions: toWest(shop.taskDefinitions),
        services: shop.services?.filter((service) => service.cluster === 'staging'),
        // The same seed generates the same manifests: the images (and digests) replication brought earlier.
        repositories: shop.repositories,
        behaviours: shop.behaviours,
        secrets: shop.secrets,
      },
    },
    replication: { rules: [{ destinations: [{ region: WEST, registryId: ACCOUNT }] }], ...replication },
  };
}

/** A release pushed to the build registry (eu-west-1) after replication was set up: it starts its copy. */
async function pushRelease(): Promise<string> {
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: `sha256:${'1'.repeat(64)}`,
      size: 2,
    },
    layers: [],
  });
  const ecr = new ECRClient({
    endpoint: emulator.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEMULATORTEST', secretAccessKey: 'not-checked' },
  });
  await ecr.send(
    new PutImageCommand({ repositoryName: 'shop/web', imageManifest: manifest, imageTag: 'sha-2222222' }),
  );
  return `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
}

const regionsCaller = (digest: string, waitMinutes: number) =>
  caller(`  deploy:
    permissions:
      contents: read
      id-token: write
      deployments: write
    uses: OWNER/berth/.github/workflows/deploy.yml@v1
    with:
      environment: staging
      service: shop-web
      image: ${ECR_HOST}/shop/web@${digest}
      task-definition: deploy/task-definition.json
      container-name: web
      promotion-tag: staging
      regions: '["eu-west-1", "${WEST}"]'
      replication-wait-minutes: "${waitMinutes}"
`);

async function deployToBothRegions(digest: string, waitMinutes: number) {
  const dir = shopRepository({ '.github/workflows/regions.yml': regionsCaller(digest, waitMinutes) });
  return runShop(emulator, '.github/workflows/regions.yml', {
    dir,
    event: { name: 'workflow_dispatch', sha: SHOP_SHA },
  });
}

describe('multi-region deploys (UC17)', () => {
  it('two regions with a replication delay: the second waits for the copy, then deploys it from its own registry', async () => {
    // The copy takes 25 emulated minutes, longer than eu-west-1's deploy: us-west-2 must wait.
    emulator = await startEmulator({
      scenario: twoRegionShop({ delaySeconds: 25 * 60 }),
      timeScale: TIME_SCALE,
      seed: 7,
    });
    const eastBefore = await running(emulator, 'staging', 'eu-west-1');
    const westBefore = await running(emulator, 'staging', WEST);
    const digest = await pushRelease();

    const run = await deployToBothRegions(digest, 40);
    expect(run.conclusion).toBe('success');
    expect(run.jobs.map((job) => [job.path, job.result])).toEqual([
      ['deploy / deploy (eu-west-1)', 'success'],
      [`deploy / deploy (${WEST})`, 'success'],
    ]);
    // Each region runs the digest from its own registry and carries its promotion tag there.
    expect(await running(emulator, 'staging', 'eu-west-1')).toMatchObject({
      image: `${ECR_HOST}/shop/web@${digest}`,
      appEnv: 'staging',
    });
    expect(await running(emulator, 'staging', WEST)).toMatchObject({
      image: `${WEST_HOST}/shop/web@${digest}`,
      appEnv: 'staging',
    });
    expect(westBefore.image).not.toContain(digest);
    expect(await digestOf(emulator, 'staging', 'eu-west-1')).toBe(digest);
    expect(await digestOf(emulator, 'staging', WEST)).toBe(digest);

    // eu-west-1 had nothing to wait for; us-west-2 waited, saying so, until the copy arrived.
    expect(stepResults(run, 'deploy (eu-west-1)')).toContainEqual([
      'Wait for the image to arrive in this region',
      'skipped',
    ]);
    expect(stepResults(run, `deploy (${WEST})`)).toContainEqual([
      'Wait for the image to arrive in this region',
      'success',
    ]);
    const log = run.log.join('\n');
    expect(log).toContain(`Waiting for ${digest} in ${WEST_HOST}/shop/web (${WEST}): not there after`);
    expect(log).toMatch(
      new RegExp(`${digest} arrived in ${WEST_HOST}/shop/web \\(${WEST}\\) after \\d+ min`),
    );

    // One record per region, and one concurrency group per region.
    expect(Object.keys(run.artifacts).sort()).toEqual([
      'berth-record-staging-shop-web-eu-west-1-1',
      `berth-record-staging-shop-web-${WEST}-1`,
    ]);
    expect(run.concurrency.map((record) => record.group)).toEqual(
      expect.arrayContaining(['berth-staging-shop-web-eu-west-1', `berth-staging-shop-web-${WEST}`]),
    );

    // The operator rolls staging back in all its regions (examples/rollback.yml, region `all`):
    // each region returns to the revision it ran before, and its staging tag follows.
    const rolledBack = await runShop(emulator, '.github/workflows/rollback.yml', {
      vars: { ...SHOP_VARS, BERTH_REGIONS_STAGING: `["eu-west-1","${WEST}"]` },
      event: {
        ...rollbackDispatch('staging', 'errors after sha-2222222'),
        inputs: { ...rollbackDispatch('staging', 'errors after sha-2222222').inputs, region: 'all' },
      },
    });
    expect(rolledBack.conclusion).toBe('success');
    expect(rolledBack.jobs.map((job) => [job.path, job.result])).toEqual([
      ['rollback / rollback (eu-west-1)', 'success'],
      [`rollback / rollback (${WEST})`, 'success'],
    ]);
    expect(await running(emulator, 'staging', 'eu-west-1')).toMatchObject({
      revision: eastBefore.revision,
      image: eastBefore.image,
    });
    expect(await running(emulator, 'staging', WEST)).toMatchObject({
      revision: westBefore.revision,
      image: westBefore.image,
    });
    expect(await digestOf(emulator, 'staging', WEST)).not.toBe(digest);
  }, 300_000);

  it('replication broken: the second region fails after its wait naming region and digest, before any change there; the first region keeps its deploy', async () => {
    emulator = await startEmulator({
      scenario: twoRegionShop({ delaySeconds: 60, failureCode: 'REPLICATION_ACCESS_DENIED' }),
      timeScale: TIME_SCALE,
      seed: 7,
    });
    const westBefore = await running(emulator, 'staging', WEST);
    const digest = await pushRelease();

    const run = await deployToBothRegions(digest, 3);
    expect(run.conclusion).toBe('failure');
    expect(run.jobs.map((job) => [job.path, job.result])).toEqual([
      ['deploy / deploy (eu-west-1)', 'success'],
      [`deploy / deploy (${WEST})`, 'failure'],
    ]);
    expect(run.log.join('\n')).toContain(
      `${digest} did not arrive in ${WEST_HOST}/shop/web (region ${WEST}) within 3 min.`,
    );
    const steps = stepResults(run, `deploy (${WEST})`);
    expect(steps).toContainEqual(['Wait for the image to arrive in this region', 'failure']);
    expect(steps).toContainEqual(['Run ./.berth/actions/render-taskdef', 'skipped']);
    expect(steps).toContainEqual(['Run ./.berth/actions/deploy-ecs', 'skipped']);
    // us-west-2 untouched; eu-west-1 runs the release and carries its tag.
    expect(await running(emulator, 'staging', WEST)).toMatchObject({
      revision: westBefore.revision,
      image: westBefore.image,
    });
    expect(await running(emulator, 'staging', 'eu-west-1')).toMatchObject({
      image: `${ECR_HOST}/shop/web@${digest}`,
    });
    expect(await digestOf(emulator, 'staging', 'eu-west-1')).toBe(digest);
  }, 300_000);
});
