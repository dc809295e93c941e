import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, mergeScenario, type RunningEmulator, startEmulator } from '@berth/emulator';
import {
  BERTH_ROOT,
  ECR_HOST,
  runWorkflow,
  SHOP_REPOSITORY,
  SHOP_SCENARIO,
  SHOP_SHA,
  SHOP_VARS,
  shopEnvironments,
  shopRepository,
} from '@berth/testkit';
import {
  buildahSandbox,
  DOCKER_REGISTRY_BIN,
  missingPrograms,
  startRegistry,
} from '@berth/testkit/local-registry.js';
import {
  approveAll,
  caller,
  rollbackDispatch,
  running as runningIn,
  runShop,
  stepResults,
  tagsOf as tagsIn,
} from './workflow-shop.js';

/** A bare repository `<server>/<name>.git` with one commit on `branch`, as `git ls-remote` reaches it. */
function gitRemote(name: string, branch: string): { server: string; sha: string } {
  const root = mkdtempSync(join(tmpdir(), 'berth-remote-'));
  const work = join(root, 'work');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: work,
      encoding: 'utf8',
    }).trim();
  mkdirSync(work);
  git('init', '-q', '-b', branch);
  git('commit', '-q', '--allow-empty', '-m', 'hotfix');
  execFileSync('git', ['clone', '-q', '--bare', work, join(root, `${name}.git`)]);
  return { server: `file://${root}`, sha: git('rev-parse', 'HEAD') };
}

// Berth's reusable workflows and examples, run end to end by the workflow harness
// (packages/testkit: GitHub's parser and expression engine, the bundled actions, the
// emulator). The shop's repository holds examples/*.yml verbatim as its workflows. Run
// `npm run bundle` first: the jobs run each action's dist.
const TIME_SCALE = 50;
const buildToolsMissing = missingPrograms('buildah', DOCKER_REGISTRY_BIN).length > 0;

let emulator: RunningEmulator;
beforeEach(async () => {
  emulator = await startEmulator({ scenario: loadScenario(SHOP_SCENARIO), timeScale: TIME_SCALE, seed: 7 });
});
afterEach(async () => {
  await emulator.stop();
});

const running = (cluster: string) => runningIn(emulator, cluster);
const tagsOf = (digest: string) => tagsIn(emulator, digest);
const shop = (workflow: string, options: Parameters<typeof runShop>[2] = {}) =>
  runShop(emulator, workflow, options);
const steps = stepResults;

describe('pipeline.yml, called by examples/deploy.yml on a push', () => {
  it('builds once, scans, and ships the same digest through dev → staging → production with approval, tags and records', async () => {
    const { asked, approve } = approveAll();
    const run = await shop('.github/workflows/deploy.yml', { approve });

    expect(run.conclusion).toBe('success');
    expect(run.jobs.map((job) => [job.path, job.result])).toEqual([
      ['pipeline / build / build', 'success'],
      ['pipeline / dev / deploy', 'success'],
      ['pipeline / staging / deploy', 'success'],
      ['pipeline / production / deploy', 'success'],
    ]);
    const build = run.job('pipeline / build / build').outputs;
    const digest = build.digest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(build['image-uri']).toBe(`${ECR_HOST}/shop/web@${digest}`);
    expect(run.outputs.pipeline).toEqual({
      'image-uri': build['image-uri'],
      'production-status': 'succeeded',
    });
    // The pre-seeded sha-abc1234 is the commit's build: build-push reuses it (skip-if-exists).
    expect(run.job('pipeline / build / build').steps.find((s) => s.id === 'build')?.outputs.skipped).toBe(
      'true',
    );
    // The scan gate ran and its SARIF went to the code-scanning stand-in.
    expect(
      run.thirdParty.filter((call) => call.uses.startsWith('github/codeql-action/upload-sarif')),
    ).toEqual([
      expect.objectContaining({ inputs: expect.objectContaining({ category: 'berth-scan-gate' }) }),
    ]);

    for (const environment of ['dev', 'staging', 'production']) {
      const job = run.job(`pipeline / ${environment} / deploy`);
      expect(job.name).toBe(`deploy shop-web to ${environment}`);
      expect(job.outputs.status).toBe('succeeded');
      expect(steps(run, `pipeline / ${environment} / deploy`)).toContainEqual(['Verify', 'success']);
      expect(steps(run, `pipeline / ${environment} / deploy`)).toContainEqual([
        'Roll back after a failed verification',
        'skipped',
      ]);
      // The emulator's final state: the digest runs, with the environment's own APP_ENV.
      expect(await running(environment)).toMatchObject({ image: build['image-uri'], appEnv: environment });
    }
    // Only production waited for a reviewer.
    expect(asked.map((request) => request.environment)).toEqual(['production']);
    expect(run.approvals).toEqual([
      expect.objectContaining({ environment: 'production', decision: 'approve' }),
    ]);
    expect(run.concurrency.map((c) => [c.group, c.cancelInProgress])).toEqual([
      ['berth-dev-shop-web', false],
      ['berth-staging-shop-web', false],
      ['berth-production-shop-web', false],
    ]);
    // Promotion tags on the one digest, only after each stage verified.
    expect(await tagsOf(digest)).toEqual(['dev', 'prod', 'sha-abc1234', 'staging']);
    // One deployment record per environment, kept as an artifact, all naming the digest.
    const records = Object.entries(run.artifacts).map(([name, files]) => [
      name,
      JSON.parse(Object.values(files)[0]),
    ]);
    expect(records.map(([name]) => name)).toEqual([
      'berth-record-dev-shop-web-1',
      'berth-record-staging-shop-web-1',
      'berth-record-production-shop-web-1',
    ]);
    for (const [, record] of records) {
      expect(record).toMatchObject({
        kind: 'deploy',
        status: 'succeeded',
        to: { images: { web: build['image-uri'] } },
      });
    }
    // Every job located Berth through its ID token: the called file, at this checkout's commit.
    expect(new Set(run.idTokens.map((t) => t.claims.job_workflow_ref))).toEqual(
      new Set([
        'OWNER/berth/.github/workflows/build.yml@refs/tags/v1',
        'OWNER/berth/.github/workflows/deploy.yml@refs/tags/v1',
      ]),
    );
    expect(run.idTokens.find((t) => t.claims.environment === 'production')?.claims.sub).toBe(
      'repo:acme/shop:environment:production',
    );
    // No credential reached the log: neither STS session credentials nor an ID token.
    const log = readFileSync(run.logFile, 'utf8');
    expect(log).not.toMatch(/ASIA[A-Z0-9]{16}|IQoJb3JpZ2luX2VjE|eyJhbGciOiJub25l/);
  }, 180_000);

  it('rolls staging back when its verification fails, and never reaches production', async () => {
    const dir = shopRepository({
      'scripts/smoke-test.sh': {
        content:
          '#!/usr/bin/env bash\ncase "$1" in *staging*) echo "checkout answers 500 on $1"; exit 1;; esac\necho ok\n',
        executable: true,
      },
    });
    const { asked, approve } = approveAll();
    const before = await running('staging');
    const run = await shop('.github/workflows/deploy.yml', { dir, approve });

    expect(run.conclusion).toBe('failure');
    expect(run.jobs.map((job) => [job.path, job.result])).toEqual([
      ['pipeline / build / build', 'success'],
      ['pipeline / dev / deploy', 'success'],
      ['pipeline / staging / deploy', 'failure'],
      ['pipeline / production', 'skipped'],
    ]);
    const staging = run.job('pipeline / staging / deploy');
    expect(staging.outputs.status).toBe('verification-failed');
    expect(steps(run, 'pipeline / staging / deploy')).toEqual(
      expect.arrayContaining([
        ['Verify', 'failure'],
        ['Roll back after a failed verification', 'success'],
        ['Promote the verified digest', 'skipped'],
        ['Keep the deployment record', 'success'],
      ]),
    );
    // Staging runs what it ran before; production was never asked for or touched.
    expect((await running('staging')).image).toBe(before.image);
    expect(asked).toEqual([]);
    expect((await running('production')).revision).toBe('shop-web:1');
    const digest = run.job('pipeline / build / build').outputs.digest;
    expect(await tagsOf(digest)).toEqual(['dev', 'sha-abc1234']);
  }, 180_000);

  it('stops at production when its reviewer rejects, with production untouched', async () => {
    const run = await shop('.github/workflows/deploy.yml', {
      approve: async (request) =>
        request.environment === 'production'
          ? { decision: 'reject', reviewer: 'alice', comment: 'change freeze' }
          : { decision: 'approve', reviewer: 'alice' },
    });
    expect(run.conclusion).toBe('failure');
    const production = run.job('pipeline / production / deploy');
    expect(production).toMatchObject({ result: 'failure', steps: [], failureReason: 'rejected by alice' });
    expect(run.job('pipeline / staging / deploy').result).toBe('success');
    expect(await running('production')).toMatchObject({ revision: 'shop-web:1' });
    expect(run.outputs.pipeline['production-status']).toBe('');
    const digest = run.job('pipeline / build / build').outputs.digest;
    expect(await tagsOf(digest)).toEqual(['dev', 'sha-abc1234', 'staging']);
  }, 180_000);
});

describe('build.yml, deploy.yml and rollback.yml on their own', () => {
  it("build.yml alone: the build reuses the commit's image, the scan gate passes, SARIF is uploaded", async () => {
    const dir = shopRepository({
      '.github/workflows/build-only.yml': caller(`  build:
    permissions:
      contents: read
      id-token: write
      security-events: write
    uses: OWNER/berth/.github/workflows/build.yml@v1
    with:
      repository: shop/web
      aws-region: eu-west-1
      role-to-assume: \${{ vars.AWS_BUILD_ROLE_ARN }}
      fail-on: critical
`),
    });
    const run = await shop('.github/workflows/build-only.yml', {
      dir,
      event: { name: 'workflow_dispatch', sha: SHOP_SHA },
    });
    expect(run.conclusion).toBe('success');
    const job = run.job('build / build');
    expect(job.outputs).toMatchObject({ tags: 'sha-abc1234', digest: expect.stringMatching(/^sha256:/) });
    expect(job.steps.map((step) => [step.id, step.conclusion])).toEqual([
      ['berth', 'success'],
      // Berth's tree into .berth, then the caller's into source/ beside it.
      ['__actions_checkout', 'success'],
      ['__actions_checkout_2', 'success'],
      ['build', 'success'],
      ['scan', 'success'],
      // The id GitHub's parser generates for an unnamed `uses:` step.
      ['__github_codeql-action', 'success'],
    ]);
    expect(job.steps.find((step) => step.id === 'scan')?.inputs).toMatchObject({
      source: 'ecr',
      'fail-on': 'critical',
      'image-digest': job.outputs.digest,
    });
  }, 120_000);

  it("deploy.yml alone, then rollback.yml to last-successful (examples/rollback.yml) and to an explicit revision (Berth's own dispatch)", async () => {
    const dir = shopRepository({
      '.github/workflows/deploy-only.yml': caller(`  deploy:
    permissions:
      contents: read
      id-token: write
      deployments: write
    uses: OWNER/berth/.github/workflows/deploy.yml@v1
    with:
      environment: production
      service: shop-web
      image: ${ECR_HOST}/shop/web:sha-abc1234
      task-definition: deploy/task-definition.json
      container-name: web
`),
    });
    const { approve } = approveAll();
    const deployed = await shop('.github/workflows/deploy-only.yml', {
      dir,
      approve,
      event: { name: 'workflow_dispatch', sha: SHOP_SHA },
    });
    expect(deployed.conclusion).toBe('success');
    expect(deployed.outputs.deploy).toEqual({
      status: 'succeeded',
      'task-definition-arn': 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:2',
    });
    expect(await running('production')).toMatchObject({
      revision: 'shop-web:2',
      image: expect.stringMatching(/shop\/web@sha256:/),
      appEnv: 'production',
    });

    // The operator's rollback in the shop repository: Actions tab → rollback → production.
    const rolledBack = await shop('.github/workflows/rollback.yml', {
      dir,
      approve,
      event: rollbackDispatch('production', 'checkout errors since sha-abc1234'),
    });
    expect(rolledBack.conclusion).toBe('success');
    expect(rolledBack.outputs.rollback).toEqual({
      status: 'succeeded',
      'from-task-definition': 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:2',
      'to-task-definition': 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:1',
    });
    expect(rolledBack.job('rollback / rollback').name).toBe('roll back shop-web in production');
    expect(rolledBack.job('rollback / rollback').steps.at(-1)?.summary).toContain(
      '### Rollback of `shop-web` in `production`: succeeded',
    );
    expect(await running('production')).toMatchObject({ revision: 'shop-web:1' });
    const record = JSON.parse(Object.values(rolledBack.artifacts['berth-rollback-production-shop-web-1'])[0]);
    expect(record).toMatchObject({
      kind: 'rollback',
      status: 'succeeded',
      requestedReason: 'checkout errors since sha-abc1234',
    });

    // Berth's rollback.yml dispatched in Berth's own repository, to a named revision.
    const forward = await runWorkflow('.github/workflows/rollback.yml', {
      emulator,
      repository: { name: 'OWNER/berth', dir: BERTH_ROOT },
      event: {
        name: 'workflow_dispatch',
        inputs: {
          environment: 'production',
          service: 'shop-web',
          to: 'shop-web:2',
          reason: 'the fix is out',
        },
      },
      environments: shopEnvironments(),
      approve,
    });
    expect(forward.conclusion).toBe('success');
    expect(forward.job('rollback').outputs).toMatchObject({
      status: 'succeeded',
      'to-task-definition': 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:2',
    });
    expect(await running('production')).toMatchObject({ revision: 'shop-web:2' });
    // Both rollbacks waited for production's reviewer, like a deploy.
    expect(forward.approvals).toHaveLength(1);
    expect(rolledBack.approvals).toHaveLength(1);
  }, 180_000);
});

describe('every example in examples/ runs', () => {
  it('batch-job.yml: on its schedule, renders the report job and runs it once with run-task', async () => {
    await emulator.stop();
    emulator = await startEmulator({
      scenario: mergeScenario(loadScenario(SHOP_SCENARIO), {
        clusters: ['batch'],
        repositories: [{ name: 'shop/report', images: [{ tags: ['prod'] }] }],
        behaviours: {
          '*/shop/report:*': { runSeconds: 30, exitCode: 0, logLines: ['report for yesterday: 42 orders'] },
        },
      }),
      timeScale: TIME_SCALE,
      seed: 7,
    });
    const dir = shopRepository({
      'jobs/report/task-definition.json': {
        content: JSON.stringify({
          family: 'shop-report',
          requiresCompatibilities: ['FARGATE'],
          networkMode: 'awsvpc',
          cpu: '256',
          memory: '512',
          executionRoleArn: 'arn:aws:iam::123456789012:role/shop-web-execution',
          containerDefinitions: [
            {
              name: 'report',
              image: 'placeholder',
              essential: true,
              logConfiguration: {
                logDriver: 'awslogs',
                options: {
                  'awslogs-group': '/ecs/shop-report',
                  'awslogs-region': 'eu-west-1',
                  'awslogs-stream-prefix': 'report',
                },
              },
            },
          ],
        }),
      },
    });
    const { approve } = approveAll();
    const run = await shop('.github/workflows/nightly-report.yml', {
      dir,
      approve,
      event: { name: 'schedule' },
    });
    expect(run.conclusion).toBe('success');
    const job = run.job('run');
    expect(job.environment).toBe('production');
    expect(job.steps.find((step) => step.id === 'job')?.outputs).toMatchObject({ 'exit-code': '0' });
    expect(job.steps.at(-1)?.name).toBe('Report the exit code');
    expect(run.log.join('\n')).toMatch(
      /task arn:aws:ecs:eu-west-1:123456789012:task\/batch\/\w+ exited with 0/,
    );
  }, 120_000);

  it('monorepo.yml: only the service whose files changed goes through the pipeline', async () => {
    await emulator.stop();
    const web = loadScenario(SHOP_SCENARIO);
    const apiServices = (web.services ?? []).map((service) => ({
      ...service,
      serviceName: 'shop-api',
      taskDefinition: 'shop-api:1',
    }));
    emulator = await startEmulator({
      scenario: mergeScenario(web, {
        taskDefinitions: (web.taskDefinitions ?? []).map((definition) => ({
          ...definition,
          family: 'shop-api',
        })),
        services: apiServices,
        repositories: [{ name: 'shop/api', images: [{ tags: ['sha-abc1234'] }], scanOnPush: true }],
        behaviours: { '*/shop/api:*': { healthyAfterSeconds: 10 } },
      }),
      timeScale: TIME_SCALE,
      seed: 7,
    });
    const definition = JSON.parse(readFileSync(join(BERTH_ROOT, 'examples/task-definition.json'), 'utf8'));
    definition.family = 'shop-api';
    definition.containerDefinitions[0].name = 'api';
    const dir = shopRepository({
      'services/api/task-definition.json': { content: JSON.stringify(definition, null, 2) },
      'services/api/Containerfile': { content: 'FROM scratch\n' },
      'services/api/Makefile': { content: 'smoke:\n\t@echo "smoke test of $(URL): ok"\n' },
      'services/worker/task-definition.yaml': { content: 'family: shop-worker\n' },
    });
    // Two commits: the push changed only services/api.
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: dir,
        encoding: 'utf8',
      }).trim();
    git('init', '-q', '-b', 'main');
    git('add', '-A', ':!services/api/Makefile');
    git('commit', '-qm', 'base');
    const before = git('rev-parse', 'HEAD');
    git('add', '-A');
    git('commit', '-qm', 'api: smoke target');
    const { approve } = approveAll();
    const run = await shop('.github/workflows/deploy-services.yml', {
      dir,
      approve,
      event: { name: 'push', ref: 'refs/heads/main', sha: SHOP_SHA, payload: { before } },
    });
    expect(run.conclusion).toBe('success');
    expect(run.job('changes').outputs).toEqual({ api: 'true', worker: '' });
    expect(run.job('worker').result).toBe('skipped');
    expect(
      run.jobs.filter((job) => job.path.startsWith('api / ')).map((job) => [job.path, job.result]),
    ).toEqual([
      ['api / build / build', 'success'],
      ['api / dev / deploy', 'success'],
      ['api / staging / deploy', 'success'],
      ['api / production / deploy', 'success'],
    ]);
    expect(run.log.join('\n')).toContain('smoke test of https://api.dev.shop.example.com: ok');
    expect(run.concurrency.map((c) => c.group)).toEqual([
      'berth-dev-shop-api',
      'berth-staging-shop-api',
      'berth-production-shop-api',
    ]);
  }, 180_000);

  it.each(['refs/pull/1/head', 'feature/unreviewed'])(
    'hotfix.yml: dispatched for %s, refuses it before any job can assume a role, and calls no AWS API',
    async (ref) => {
      const dir = shopRepository({
        '.github/workflows/hotfix.yml': {
          content: readFileSync(join(BERTH_ROOT, 'examples/hotfix.yml'), 'utf8'),
        },
      });
      const run = await shop('.github/workflows/hotfix.yml', {
        dir,
        vars: { ...SHOP_VARS, AWS_REGION: 'eu-west-1' },
        event: {
          name: 'workflow_dispatch',
          sha: SHOP_SHA,
          inputs: { environment: 'staging', ref, reason: 'try it' },
        },
      });
      expect(run.conclusion).toBe('failure');
      expect(run.job('hotfix / ref-policy').result).toBe('failure');
      // Neither the build nor the deploy ran: nothing that holds id-token: write.
      expect(run.jobs.map((job) => [job.path, job.result])).toEqual([
        ['hotfix / ref-policy', 'failure'],
        ['hotfix / build', 'skipped'],
        ['hotfix / deploy', 'skipped'],
      ]);
      expect(run.idTokens).toEqual([]);
      expect(emulator.control.calls()).toEqual([]);
      // The runner renders the error annotation; the ref is named in it.
      expect(run.log.join('\n')).toMatch(new RegExp(`ERROR: Input ref: .*${ref.replace(/\//g, '\\/')}`));
    },
  );

  (buildToolsMissing ? it.skip : it)(
    'hotfix.yml: dispatched for a ref, builds it for real, gates on critical findings and deploys to the chosen environment as a hotfix',
    async () => {
      await emulator.stop();
      const registry = await startRegistry();
      const sandbox = buildahSandbox();
      try {
        emulator = await startEmulator({
          scenario: loadScenario(SHOP_SCENARIO),
          timeScale: TIME_SCALE,
          seed: 7,
          registryUrl: registry.url,
        });
        const hotfixTree = shopRepository({
          'release.txt': { content: 'shop-web hotfix: login works again\n' },
        });
        // This machine cannot resolve ECR's host, so the caller names the local registry standing in for it.
        const example = readFileSync(join(BERTH_ROOT, 'examples/hotfix.yml'), 'utf8').replace(
          '      repository: shop/web\n',
          `      repository: shop/web\n      registry: ${registry.host}\n`,
        );
        const dir = shopRepository({ '.github/workflows/hotfix.yml': { content: example } });
        // The shop's repository as git serves it: hotfix.yml's ref policy resolves the branch with
        // `git ls-remote https://github.com/acme/shop.git`, which git's url.insteadOf sends here.
        const { server, sha } = gitRemote(SHOP_REPOSITORY, 'hotfix/login');
        const run = await shop('.github/workflows/hotfix.yml', {
          dir,
          // What the policy resolved is what is checked out: the branch's commit.
          repository: { name: SHOP_REPOSITORY, dir, refs: { [sha]: hotfixTree } },
          // examples/hotfix.yml relies on a repository-level AWS_REGION (issue 17).
          vars: { ...SHOP_VARS, AWS_REGION: 'eu-west-1' },
          machineEnv: {
            ...sandbox.env,
            GIT_CONFIG_COUNT: '1',
            GIT_CONFIG_KEY_0: `url.${server}/.insteadOf`,
            GIT_CONFIG_VALUE_0: 'https://github.com/',
          },
          event: {
            name: 'workflow_dispatch',
            sha: SHOP_SHA,
            inputs: { environment: 'staging', ref: 'hotfix/login', reason: 'login broken since 10:02' },
          },
        });
        expect(run.conclusion).toBe('success');
        const build = run.job('hotfix / build / build');
        // build-push documents `{datetime}` as UTC `YYYYMMDD-HHMM`.
        expect(build.outputs.tags).toMatch(/^hotfix-\d{8}-\d{4}$/);
        expect(build.steps.find((step) => step.id === 'scan')?.inputs?.['fail-on']).toBe('critical');
        expect(run.outputs.hotfix).toEqual({
          'image-uri': build.outputs['image-uri'],
          status: 'succeeded',
          ref: 'refs/heads/hotfix/login',
          sha,
        });
        expect(await registry.digestOf('shop/web', build.outputs.tags)).toBe(build.outputs.digest);
        expect(await running('staging')).toMatchObject({
          image: build.outputs['image-uri'],
          appEnv: 'staging',
        });
        const record = JSON.parse(Object.values(run.artifacts['berth-record-staging-shop-web-1'])[0]);
        expect(record).toMatchObject({
          kind: 'hotfix',
          status: 'succeeded',
          requestedReason: `login broken since 10:02 (built from refs/heads/hotfix/login@${sha})`,
        });
      } finally {
        await registry.stop();
        sandbox.cleanup();
      }
    },
    240_000,
  );
});
