import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { loadScenario, mergeScenario, type RunningEmulator, startEmulator } from '@berth/emulator';
import {
  BERTH_ROOT,
  ECR_HOST,
  SHOP_REGION,
  SHOP_SCENARIO,
  SHOP_SHA,
  SHOP_VARS,
  shopEnvironments,
  shopRepository,
  type WorkflowRun,
} from '@berth/testkit';
import {
  buildahSandbox,
  DOCKER_REGISTRY_BIN,
  httpCall,
  missingPrograms,
  type RunningRegistry,
  startRegistry,
} from '@berth/testkit/local-registry.js';
import {
  approveAll,
  caller,
  clients,
  digestOf,
  rollbackDispatch,
  running,
  runShop,
  stepResults,
  tagsOf,
} from './workflow-shop.js';

// Issue 17's ordinary paths through the reusable workflows, run end to end by the workflow
// harness against the emulator (run `npm run bundle` first: the jobs run each action's dist).
const TIME_SCALE = 50;
const buildToolsMissing = missingPrograms('buildah', DOCKER_REGISTRY_BIN).length > 0;

let emulator: RunningEmulator;
afterEach(async () => {
  await emulator?.stop();
});

/** Every file path in a directory tree, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** The file paths in an image's layers, read from the registry's blobs with tar. */
async function imageFiles(registry: RunningRegistry, repository: string, digest: string): Promise<string[]> {
  const manifest = await registry.json<{ layers: Array<{ digest: string }> }>(
    `/v2/${repository}/manifests/${digest}`,
  );
  const scratch = mkdtempSync(join(tmpdir(), 'berth-layers-'));
  try {
    const files: string[] = [];
    for (const [index, layer] of manifest.layers.entries()) {
      const blob = await httpCall(`${registry.url}/v2/${repository}/blobs/${layer.digest}`);
      const file = join(scratch, `layer-${index}`);
      writeFileSync(file, blob.body);
      // GNU tar recognises the layer's compression itself when it reads a file.
      files.push(...execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n'));
    }
    return files.filter((path) => path !== '' && !path.endsWith('/')).sort();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe('Berth outside the caller’s tree', () => {
  (buildToolsMissing ? it.skip : it)(
    'build.yml builds a Dockerfile doing `COPY . .` (buildah, a real registry): the image holds the caller’s files and none of Berth’s',
    async () => {
      const registry = await startRegistry();
      const sandbox = buildahSandbox();
      try {
        emulator = await startEmulator({
          scenario: loadScenario(SHOP_SCENARIO),
          timeScale: TIME_SCALE,
          seed: 7,
          registryUrl: registry.url,
        });
        const dir = shopRepository({
          Containerfile: { content: 'FROM scratch\nWORKDIR /app\nCOPY . .\n' },
          '.github/workflows/build-only.yml': caller(`  build:
    permissions:
      contents: read
      id-token: write
      security-events: write
    uses: OWNER/berth/.github/workflows/build.yml@v1
    with:
      repository: shop/web
      registry: ${registry.host}
      aws-region: eu-west-1
      role-to-assume: \${{ vars.AWS_BUILD_ROLE_ARN }}
      tags: copy-{short_sha}
      fail-on: critical
`),
        });
        const run = await runShop(emulator, '.github/workflows/build-only.yml', {
          dir,
          machineEnv: sandbox.env,
          event: { name: 'workflow_dispatch', sha: SHOP_SHA },
        });
        expect(run.conclusion).toBe('success');
        const { digest, tags } = run.job('build / build').outputs;
        expect(tags).toBe('copy-abc1234');
        expect(await registry.digestOf('shop/web', 'copy-abc1234')).toBe(digest);

        const inImage = await imageFiles(registry, 'shop/web', digest);
        // Exactly the caller's tree, as its fixture directory holds it …
        expect(inImage).toEqual(filesUnder(dir).map((file) => `app/${file}`));
        // … so nothing of Berth: no .berth checkout, no action, no package.
        expect(
          inImage.filter((file) => /^app\/(\.berth|actions|packages|node_modules)\//.test(file)),
        ).toEqual([]);
      } finally {
        await registry.stop();
        sandbox.cleanup();
      }
    },
    240_000,
  );
});

const pipelineCaller = (settings: string) =>
  caller(`  pipeline:
    permissions:
      contents: read
      id-token: write
      security-events: write
      deployments: write
    uses: OWNER/berth/.github/workflows/pipeline.yml@v1
    with:
      service: shop-web
      repository: shop/web
      aws-region: eu-west-1
      task-definition: deploy/task-definition.json
      container-name: web
${settings}`);

describe('deployment strategies from the workflows', () => {
  beforeEach(async () => {
    emulator = await startEmulator({ scenario: loadScenario(SHOP_SCENARIO), timeScale: TIME_SCALE, seed: 7 });
  });

  it('pipeline.yml deploys blue-green to services without a bake time; per-environment settings come from each environment', async () => {
    // None of the shop's services has a bake time (examples/demo/scenario.yaml): ECS needs one for
    // BLUE_GREEN, so the pipeline must pass it (deploy-ecs refuses blue-green without it).
    for (const cluster of ['dev', 'staging', 'production']) {
      expect((await running(emulator, cluster)).deploymentConfiguration?.bakeTimeInMinutes).toBeUndefined();
    }
    const environments = shopEnvironments();
    environments.production.vars = { ...environments.production.vars, BERTH_DESIRED_COUNT: '4' };
    const dir = shopRepository({
      '.github/workflows/blue-green.yml': pipelineCaller(
        '      strategy: blue-green\n      bake-time-minutes: "1"\n',
      ),
    });
    const { approve } = approveAll();
    const run = await runShop(emulator, '.github/workflows/blue-green.yml', {
      dir,
      approve,
      environments,
      event: { name: 'workflow_dispatch', sha: SHOP_SHA },
    });
    expect(run.conclusion).toBe('success');
    const image = run.job('pipeline / build / build').outputs['image-uri'];
    const desired: Record<string, number> = { dev: 2, staging: 2, production: 4 };
    for (const environment of ['dev', 'staging', 'production']) {
      expect(
        run.job(`pipeline / ${environment} / deploy`).steps.find((s) => s.id === 'deploy')?.inputs,
      ).toMatchObject({
        strategy: 'blue-green',
        'bake-time-minutes': '1',
        'circuit-breaker': 'rollback',
      });
      // The service as ECS reports it: blue-green with the bake time, the environment's task count.
      expect(await running(emulator, environment)).toMatchObject({
        image,
        appEnv: environment,
        desiredCount: desired[environment],
        deploymentConfiguration: expect.objectContaining({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 }),
      });
    }
  }, 240_000);

  it('blue-green with a failing verify command: stopped with ROLLBACK during the bake, the old revision never stopped serving, the step says so', async () => {
    const before = await running(emulator, 'dev');
    const dir = shopRepository({
      '.github/workflows/blue-green.yml': pipelineCaller(
        '      strategy: blue-green\n      bake-time-minutes: "2"\n      dev-test-command: echo "smoke test failed in $BERTH_ENVIRONMENT"; exit 4\n',
      ),
    });
    const run = await runShop(emulator, '.github/workflows/blue-green.yml', {
      dir,
      event: { name: 'workflow_dispatch', sha: SHOP_SHA },
    });
    expect(run.conclusion).toBe('failure');
    const deploy = run.job('pipeline / dev / deploy');
    expect(deploy.result).toBe('failure');
    // Verified during the bake by deploy-ecs, not by the after-deploy step (which would roll back afterwards).
    expect(deploy.steps.find((s) => s.id === 'verify')?.outcome).toBe('skipped');
    expect(deploy.steps.find((s) => s.id === 'deploy')?.outputs.status).toBe('rolled-back');
    expect(run.job('pipeline / staging').result).toBe('skipped');
    const text = run.log.join('\n');
    expect(text).toMatch(/\| smoke test failed in dev/);
    expect(text).toMatch(
      /`verify-command` failed \(exit 4\) during the bake: the deployment was stopped with ROLLBACK/,
    );
    expect(
      emulator.control.calls({ operation: 'StopServiceDeployment' }).filter((c) => c.status === 200),
    ).toHaveLength(1);
    // ECS's account: dev runs what it ran before, and none of that revision's tasks was stopped.
    expect(await running(emulator, 'dev')).toMatchObject({ revision: before.revision });
    const { ecs } = clients(emulator, SHOP_REGION);
    const stopped = (
      await ecs.send(
        new ListTasksCommand({ cluster: 'dev', serviceName: 'shop-web', desiredStatus: 'STOPPED' }),
      )
    ).taskArns;
    const tasks = stopped?.length
      ? ((await ecs.send(new DescribeTasksCommand({ cluster: 'dev', tasks: stopped }))).tasks ?? [])
      : [];
    expect(tasks.filter((t) => t.taskDefinitionArn?.endsWith(`/${before.revision}`))).toEqual([]);
  }, 240_000);

  it('the same pipeline without a bake time fails in dev before any change, naming the missing input (the issue’s failure)', async () => {
    const dir = shopRepository({
      '.github/workflows/blue-green.yml': pipelineCaller('      strategy: blue-green\n'),
    });
    const before = await running(emulator, 'dev');
    const run = await runShop(emulator, '.github/workflows/blue-green.yml', {
      dir,
      event: { name: 'workflow_dispatch', sha: SHOP_SHA },
    });
    expect(run.conclusion).toBe('failure');
    expect(run.job('pipeline / dev / deploy').result).toBe('failure');
    expect(run.job('pipeline / staging').result).toBe('skipped');
    expect(run.log.join('\n')).toMatch(/`strategy: blue-green` needs `bake-time-minutes`/);
    expect(await running(emulator, 'dev')).toMatchObject({ revision: before.revision });
  }, 180_000);
});

describe('per-environment placeholders through the pipeline (issue 17)', () => {
  beforeEach(async () => {
    emulator = await startEmulator({ scenario: loadScenario(SHOP_SCENARIO), timeScale: TIME_SCALE, seed: 7 });
  });

  /** The shop's environments with dev's BERTH_VARS left out: dev renders without `vars`. */
  const withoutDevVars = () => {
    const environments = shopEnvironments();
    const { BERTH_VARS: _dropped, ...rest } = environments.dev.vars!;
    environments.dev.vars = rest;
    return environments;
  };

  it('an environment without its values: `${APP_ENV}` in a tag value fails dev before any write, naming it', async () => {
    const before = await running(emulator, 'dev');
    const dir = shopRepository({ '.github/workflows/ship.yml': pipelineCaller('') });
    const run = await runShop(emulator, '.github/workflows/ship.yml', {
      dir,
      environments: withoutDevVars(),
      event: { name: 'workflow_dispatch', sha: SHOP_SHA },
    });
    expect(run.conclusion).toBe('failure');
    expect(run.job('pipeline / dev / deploy').result).toBe('failure');
    expect(run.job('pipeline / staging').result).toBe('skipped');
    const log = run.log.join('\n');
    // ECS's Tag value allows letters, digits, spaces and `_.:/=+-@` (API_Tag): `$`, `{` and `}` cannot register.
    expect(log).toMatch(
      /`vars` was not given: `\$\{APP_ENV\}` at containerDefinitions\[0\]\.environment\[0\]\.value, `\$\{APP_ENV\}` at tags\[1\]\.value/,
    );
    expect(log).toMatch(
      /ERROR: render-taskdef: .*`tags\[1\]\.value` "\$\{APP_ENV\}" holds characters ECS does not allow in tags.*still holds the placeholder `\$\{APP_ENV\}`: give it a value with `vars` \(`APP_ENV=…`\)/,
    );
    // Nothing was registered or changed: dev runs what it ran.
    expect(await running(emulator, 'dev')).toMatchObject({ revision: before.revision, image: before.image });
  }, 240_000);

  it('a placeholder only in an environment value warns, naming it, and registers it as written', async () => {
    // The same definition without the tag placeholder: `${APP_ENV}` is left only where ECS takes any text.
    const definition = readFileSync(join(BERTH_ROOT, 'examples/task-definition.json'), 'utf8').replace(
      /\{ "key": "environment", "value": "\$\{APP_ENV\}" \}/,
      '{ "key": "environment", "value": "shop" }',
    );
    expect(definition).not.toMatch(/"value": "\$\{APP_ENV\}" \}\]/);
    const dir = shopRepository({
      '.github/workflows/ship.yml': pipelineCaller(''),
      'deploy/task-definition.json': { content: definition },
    });
    const { approve } = approveAll();
    const run = await runShop(emulator, '.github/workflows/ship.yml', {
      dir,
      approve,
      environments: withoutDevVars(),
      event: { name: 'workflow_dispatch', sha: SHOP_SHA },
    });
    expect(run.job('pipeline / dev / deploy').result).toBe('success');
    expect(run.log.join('\n')).toMatch(
      /still holds a placeholder and `vars` was not given: `\$\{APP_ENV\}` at .*give it a value with `vars` \(`APP_ENV=…`\)/,
    );
    // dev registered it as written; staging, with its own BERTH_VARS, rendered its value.
    expect((await running(emulator, 'dev')).appEnv).toBe('${APP_ENV}');
    expect((await running(emulator, 'staging')).appEnv).toBe('staging');
  }, 300_000);
});

describe('production by hand where required reviewers are not available', () => {
  beforeEach(async () => {
    emulator = await startEmulator({ scenario: loadScenario(SHOP_SCENARIO), timeScale: TIME_SCALE, seed: 7 });
  });

  it('pipeline.yml with deploy-production: false stops after staging; examples/promote.yml releases the staging digest by dispatch', async () => {
    const environments = shopEnvironments([]); // a private repository on Team: no reviewers
    const dir = shopRepository({
      '.github/workflows/pipeline.yml': pipelineCaller(
        '      deploy-production: false\n      staging-test-command: ./scripts/smoke-test.sh https://staging.shop.example.com\n',
      ),
      '.github/workflows/promote.yml': { from: 'examples/promote.yml' },
    });
    const pushed = await runShop(emulator, '.github/workflows/pipeline.yml', {
      dir,
      environments,
      event: { name: 'workflow_dispatch', sha: SHOP_SHA },
    });
    expect(pushed.conclusion).toBe('success');
    expect(pushed.jobs.map((job) => [job.path, job.result])).toEqual([
      ['pipeline / build / build', 'success'],
      ['pipeline / dev / deploy', 'success'],
      ['pipeline / staging / deploy', 'success'],
      ['pipeline / production', 'skipped'],
    ]);
    const digest = pushed.job('pipeline / build / build').outputs.digest;
    expect(await digestOf(emulator, 'staging')).toBe(digest);
    expect(await running(emulator, 'production')).toMatchObject({ revision: 'shop-web:1' });

    const released = await runShop(emulator, '.github/workflows/promote.yml', {
      dir,
      environments,
      actor: 'carol',
      event: { name: 'workflow_dispatch', sha: SHOP_SHA, inputs: { reason: 'weekly release' } },
    });
    expect(released.conclusion).toBe('success');
    expect(await running(emulator, 'production')).toMatchObject({
      image: `${ECR_HOST}/shop/web@${digest}`,
      appEnv: 'production',
    });
    expect(stepResults(released, 'production / deploy')).toContainEqual(['Verify', 'success']);
    expect(await digestOf(emulator, 'prod')).toBe(digest);
    const record = JSON.parse(Object.values(released.artifacts['berth-record-production-shop-web-1'])[0]);
    expect(record).toMatchObject({
      status: 'succeeded',
      requestedReason: 'Released by hand: weekly release',
    });
  }, 240_000);
});

const deployCaller = (tag: string) =>
  caller(`  deploy:
    permissions:
      contents: read
      id-token: write
      deployments: write
    uses: OWNER/berth/.github/workflows/deploy.yml@v1
    with:
      environment: production
      service: shop-web
      image: ${ECR_HOST}/shop/web:${tag}
      task-definition: deploy/task-definition.json
      container-name: web
      promotion-tag: prod
`);

/** Production deployed twice through deploy.yml with its `prod` promotion tag: v1 (shop-web:2), then sha-abc1234 (shop-web:3). */
async function deployV1ThenNext(dir: string, approve: ReturnType<typeof approveAll>['approve']) {
  for (const tag of ['v1', 'sha-abc1234']) {
    const workflow = `.github/workflows/deploy-${tag}.yml`;
    writeFileSync(join(dir, workflow), deployCaller(tag).content);
    const run = await runShop(emulator, workflow, {
      dir,
      approve,
      event: { name: 'workflow_dispatch', sha: SHOP_SHA },
    });
    expect([tag, run.conclusion]).toEqual([tag, 'success']);
  }
}

describe('rollback.yml finishes the job', () => {
  beforeEach(async () => {
    emulator = await startEmulator({ scenario: loadScenario(SHOP_SCENARIO), timeScale: TIME_SCALE, seed: 7 });
  });

  it('examples/rollback.yml moves the prod tag back to the restored digest and verifies the restored revision', async () => {
    const dir = shopRepository();
    const { approve } = approveAll();
    await deployV1ThenNext(dir, approve);
    const v1 = await digestOf(emulator, 'v1');
    const next = await digestOf(emulator, 'sha-abc1234');
    expect(await digestOf(emulator, 'prod')).toBe(next);
    expect(await running(emulator, 'production')).toMatchObject({
      revision: 'shop-web:3',
      image: `${ECR_HOST}/shop/web@${next}`,
    });

    const run = await runShop(emulator, '.github/workflows/rollback.yml', {
      dir,
      approve,
      event: rollbackDispatch('production', 'checkout errors since sha-abc1234'),
    });
    expect(run.conclusion).toBe('success');
    expect(run.outputs.rollback).toMatchObject({
      status: 'succeeded',
      'to-task-definition': 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:2',
    });
    expect(await running(emulator, 'production')).toMatchObject({
      revision: 'shop-web:2',
      image: `${ECR_HOST}/shop/web@${v1}`,
    });
    // The environment's promotion tag names what runs again; the newer digest lost it.
    expect(await digestOf(emulator, 'prod')).toBe(v1);
    expect(await tagsOf(emulator, next)).toEqual(['sha-abc1234']);
    expect(stepResults(run, 'rollback / rollback')).toEqual(
      expect.arrayContaining([
        ['Move the promotion tag back to the restored digest', 'success'],
        ['Verify the restored revision', 'success'],
      ]),
    );
    // The smoke test ran against the restored revision: every running task serves the v1 digest.
    expect(run.log.join('\n')).toMatch(
      new RegExp(`smoke test of https://shop\\.example\\.com: 3 task\\(s\\) serving ${v1}`),
    );
    const summary = run.job('rollback / rollback').steps.at(-1)?.summary ?? '';
    expect(summary).toContain('- promotion tag `prod`: moved to the restored digest');
    expect(summary).toContain('- verification of the restored revision: success');
  }, 240_000);

  it('a restored revision that fails its verify command fails the job, after the rollback and the tag', async () => {
    const dir = shopRepository({
      'scripts/smoke-test.sh': {
        content: '#!/usr/bin/env bash\necho "login page answers 502"\nexit 1\n',
        executable: true,
      },
    });
    const { approve } = approveAll();
    await deployV1ThenNext(dir, approve);
    const run = await runShop(emulator, '.github/workflows/rollback.yml', {
      dir,
      approve,
      event: rollbackDispatch('production', 'errors'),
    });
    expect(run.conclusion).toBe('failure');
    expect(run.outputs.rollback.status).toBe('succeeded');
    expect(stepResults(run, 'rollback / rollback')).toEqual(
      expect.arrayContaining([['Verify the restored revision', 'failure']]),
    );
    expect(run.log.join('\n')).toContain('login page answers 502');
    expect(run.job('rollback / rollback').steps.at(-1)?.summary).toContain(
      '- verification of the restored revision: failure',
    );
  }, 240_000);
});

describe('configure.yml: a configuration change without a build', () => {
  beforeEach(async () => {
    emulator = await startEmulator({ scenario: loadScenario(SHOP_SCENARIO), timeScale: TIME_SCALE, seed: 7 });
  });

  it('examples/configure.yml sets an environment variable on the running digest, approved and verified; a rollback restores the previous revision', async () => {
    const dir = shopRepository({
      '.github/workflows/configure.yml': { from: 'examples/configure.yml' },
    });
    const before = await running(emulator, 'production');
    expect(before).toMatchObject({ revision: 'shop-web:1', image: `${ECR_HOST}/shop/web:v1` });
    const v1 = await digestOf(emulator, 'v1');
    const { asked, approve } = approveAll();
    const dispatch = { name: 'workflow_dispatch', sha: SHOP_SHA };
    const run = await runShop(emulator, '.github/workflows/configure.yml', {
      dir,
      approve,
      event: {
        ...dispatch,
        inputs: {
          environment: 'production',
          'environment-variables': 'LOG_LEVEL=debug',
          'desired-count': '4',
          reason: 'INC-2291: debug logs',
        },
      },
    });
    expect(run.conclusion).toBe('success');
    expect(run.outputs.configure).toEqual({
      status: 'succeeded',
      'task-definition-arn': 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:2',
    });
    // Production's reviewer approved it, like a deploy.
    expect(asked.map((request) => request.environment)).toEqual(['production']);
    const after = await running(emulator, 'production');
    // The same image — the digest v1 named when the service ran it — with the new variable and count.
    expect(after).toMatchObject({
      revision: 'shop-web:2',
      image: `${ECR_HOST}/shop/web@${v1}`,
      desiredCount: 4,
    });
    expect(after.environment).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }]);
    expect(stepResults(run, 'configure / deploy')).toContainEqual(['Verify', 'success']);
    const record = JSON.parse(Object.values(run.artifacts['berth-record-production-shop-web-1'])[0]);
    expect(record).toMatchObject({
      kind: 'deploy',
      status: 'succeeded',
      requestedReason: 'Configuration change: INC-2291: debug logs',
    });

    const rolledBack = await runShop(emulator, '.github/workflows/rollback.yml', {
      dir,
      approve,
      event: rollbackDispatch('production', 'undo INC-2291'),
    });
    expect(rolledBack.conclusion).toBe('success');
    expect(rolledBack.outputs.rollback).toMatchObject({
      status: 'succeeded',
      'to-task-definition': 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:1',
    });
    const restored = await running(emulator, 'production');
    expect(restored).toMatchObject({ revision: 'shop-web:1', image: `${ECR_HOST}/shop/web:v1` });
    expect(restored.environment).toEqual([]);
  }, 240_000);
});

describe('rescan.yml: what runs, against today’s findings', () => {
  // dev and staging run sha-abc1234 (shop-web:2); production still runs v1 (shop-web:1), whose
  // findings now hold a critical vulnerability published after it was built.
  beforeEach(async () => {
    const scenario = loadScenario(SHOP_SCENARIO);
    const [first] = scenario.taskDefinitions ?? [];
    const next = structuredClone(first);
    (next.containerDefinitions as Array<{ image: string }>)[0].image = `${ECR_HOST}/shop/web:sha-abc1234`;
    scenario.taskDefinitions = [first, next];
    for (const service of scenario.services ?? []) {
      if (service.cluster !== 'production') service.taskDefinition = 'shop-web:2';
    }
    emulator = await startEmulator({
      scenario: mergeScenario(scenario, {
        repositories: [
          {
            name: 'shop/web',
            // An ImageScanFinding as DescribeImageScanFindings returns it
            // (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageScanFinding.html).
            scanResults: [
              {
                tags: ['v1'],
                findings: [
                  {
                    name: 'CVE-2024-3094',
                    description: 'Malicious code in the xz-utils upstream tarballs (liblzma).',
                    uri: 'https://nvd.nist.gov/vuln/detail/CVE-2024-3094',
                    severity: 'CRITICAL',
                    attributes: [
                      { key: 'package_name', value: 'xz-utils' },
                      { key: 'package_version', value: '5.6.0-0.2' },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
      timeScale: TIME_SCALE,
      seed: 7,
    });
  });

  const rescanRun = (settings = '') =>
    runShop(emulator, '.github/workflows/rescan.yml', {
      dir: shopRepository({
        '.github/workflows/rescan.yml': {
          content: readFileSync(join(BERTH_ROOT, 'examples/rescan.yml'), 'utf8').replace(
            '      fail-on: high\n',
            `      fail-on: high\n${settings}`,
          ),
        },
      }),
      vars: { ...SHOP_VARS, AWS_RESCAN_ROLE_ARN: 'arn:aws:iam::123456789012:role/shop-rescan' },
      event: { name: 'schedule' },
    });

  const byEnvironment = (run: WorkflowRun): Record<string, WorkflowRun['jobs'][number]> =>
    Object.fromEntries(
      run.jobs
        .filter((job) => job.path.startsWith('rescan / rescan ('))
        .map((job) => [/\(([\w-]+),/.exec(job.path)?.[1], job]),
    );

  it('examples/rescan.yml on its schedule: three environments, the one running a now-vulnerable image fails the run', async () => {
    const run = await rescanRun();
    const v1 = await digestOf(emulator, 'v1');
    const next = await digestOf(emulator, 'sha-abc1234');
    expect(run.conclusion).toBe('failure');
    const jobs = byEnvironment(run);
    expect(Object.keys(jobs).sort()).toEqual(['dev', 'production', 'staging']);
    // Each environment's running digest was found (DescribeServices → task definition → image) and gated.
    const scanned = (environment: string) => jobs[environment].steps.find((step) => step.id === 'scan');
    expect(
      Object.fromEntries(
        ['dev', 'staging', 'production'].map((e) => [
          e,
          [jobs[e].result, scanned(e)?.inputs?.['image-digest']],
        ]),
      ),
    ).toEqual({
      dev: ['success', next],
      staging: ['success', next],
      production: ['failure', v1],
    });
    expect(scanned('production')?.outputs).toMatchObject({ passed: 'false', critical: '1' });
    expect(jobs.production.steps.at(-1)?.summary).toContain(
      '### Rescan of `shop-web` in `production`: violates the policy',
    );
    expect(jobs.dev.steps.at(-1)?.summary).toContain('### Rescan of `shop-web` in `dev`: passes the policy');
    // Findings of every environment went to code scanning, one category each.
    expect(
      run.thirdParty
        .filter((call) => call.uses.startsWith('github/codeql-action/upload-sarif'))
        .map((call) => call.inputs.category)
        .sort(),
    ).toEqual(['berth-rescan-dev', 'berth-rescan-production', 'berth-rescan-staging']);
    // A rescan reads: no environment (no approval), nothing registered, updated or tagged.
    expect(run.approvals).toEqual([]);
    expect(
      emulator.control
        .calls()
        .filter((call) => /^(Register|Update|Put|BatchDelete|Create)/.test(call.operation)),
    ).toEqual([]);
  }, 240_000);

  it('refuses an environments line it cannot read before any job can assume a role', async () => {
    const run = await rescanRun('      environments: |\n        dev\n        production=shop prod\n');
    expect(run.conclusion).toBe('failure');
    expect(run.job('rescan / environments').result).toBe('failure');
    expect(run.log.join('\n')).toMatch(
      /production=shop\?prod is not `name`, `name=cluster` or `name=cluster@region`/,
    );
    expect(run.idTokens).toEqual([]);
    expect(emulator.control.calls()).toEqual([]);
  }, 120_000);

  it('with report-only, reports the same violation and the run succeeds', async () => {
    const run = await rescanRun('      report-only: true\n');
    expect(run.conclusion).toBe('success');
    const jobs = byEnvironment(run);
    expect(jobs.production.result).toBe('success');
    expect(jobs.production.steps.find((step) => step.id === 'scan')?.outcome).toBe('failure');
    expect(jobs.production.steps.at(-1)?.summary).toContain('in `production`: violates the policy');
  }, 240_000);
});
