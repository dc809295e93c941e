/**
 * `npm run demo`: the whole Berth story on the embedded emulator, run the way users run it —
 * the shop repository's own workflows (examples/deploy.yml calling Berth's pipeline.yml,
 * examples/rollback.yml) through the workflow harness (packages/testkit: GitHub's workflow
 * parser and expression engine, the bundled actions, bash for `run:` steps), printing the
 * Actions log:
 *
 *   push sha-abc1234 → build → scan gate → dev → staging → production (a reviewer approves)
 *   → push a broken build: ECS's circuit breaker rolls dev back, deploy-ecs says why, the
 *   pipeline stops before staging → an operator rolls production back to the last good
 *   release with a reason (the reviewer approves) → the deployment records.
 *
 * Where buildah and Debian's docker-registry are installed (and BERTH_DEMO_PREBUILT is not
 * set), the release is built for real: build.yml's build-push runs buildah on the shop's
 * Containerfile (examples/demo/Containerfile) and pushes to a docker-registry on 127.0.0.1
 * that backs the emulator's ECR. Elsewhere the release is the image pre-seeded in the
 * emulator's ECR, which build-push reuses (`skip-if-exists`). The broken build and v1 are
 * pre-seeded either way.
 *
 * The emulator and the actions run on the same accelerated clock (BERTH_TIME_SCALE), so
 * minutes of rollout take seconds. Exits 0 when every job behaved as expected — the broken
 * release is expected to fail in dev.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario, type RunningEmulator, type Scenario, startEmulator } from '@berth/emulator';
import {
  type ApprovalDecision,
  type ApprovalRequest,
  type JobRun,
  type Result,
  runWorkflow,
  SHOP_REPOSITORY,
  SHOP_SCENARIO,
  SHOP_SHA,
  SHOP_VARS,
  shopEnvironments,
  shopRepository,
  type WorkflowRun,
  type WorkflowRunOptions,
} from '@berth/testkit';
import freshDists from '@berth/testkit/fresh-dists-setup.js';
import {
  buildahSandbox,
  DOCKER_REGISTRY_BIN,
  missingPrograms,
  type RunningRegistry,
  startRegistry,
} from '@berth/testkit/local-registry.js';

/** The ECR repository examples/deploy.yml builds into. */
const REPOSITORY = 'shop/web';
/** build.yml tags the release `sha-{short_sha}` of the pushed commit. */
const RELEASE_TAG = `sha-${SHOP_SHA.slice(0, 7)}`;
/** A later commit whose pre-seeded build exits at start-up. */
const BROKEN_SHA = 'bad0000fedcba98765432100000000000000000ee';
const TIME_SCALE = 50;
const REVIEWER = 'alice';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type DemoMode = 'built' | 'pre-seeded';

/** One job of the story, with what the demo expects of it. */
export interface DemoStep {
  title: string;
  /** Job path, e.g. `pipeline / production / deploy`. */
  job: string;
  result: Result;
  outputs: Record<string, string>;
  expected: string;
  ok: boolean;
}

/** The release as built and pushed in `built` mode. */
export interface DemoBuild {
  /** build.yml's `image-uri` (`host/repository@sha256:…`): the image every environment was given. */
  imageUri: string;
  /** build.yml's `digest`. */
  digest: string;
  /** The loopback registry that stood in for ECR (`127.0.0.1:<port>`). */
  registry: string;
  /** `Docker-Content-Digest` the registry itself answered for the release tag and each promotion tag. */
  registryDigests: Record<string, string | undefined>;
}

export interface DemoResult {
  ok: boolean;
  /** Whether the release was built with buildah or is the pre-seeded image. */
  mode: DemoMode;
  /** Why that mode, as printed. */
  modeReason: string;
  /** The image pipeline.yml deployed to dev, staging and production. */
  release: string;
  build?: DemoBuild;
  steps: DemoStep[];
  /** Checks outside the jobs (the registry agrees with build-push); all must hold for `ok`. */
  checks: Array<{ title: string; ok: boolean }>;
  /** Deployment records the workflows kept as artifacts, in the order they were written. */
  records: Array<Record<string, any>>;
  /** The environments a reviewer was asked about, in order. */
  approvals: string[];
  /** The workflow runs' logs (the harness writes each to a file too). */
  logFiles: string[];
  seconds: number;
}

export interface DemoOptions {
  /** Where the demo prints; the test collects it instead. */
  print?: (line: string) => void;
  /** Environment that picks the mode (BERTH_DEMO_PREBUILT); default process.env. */
  env?: Record<string, string | undefined>;
}

/** Build for real when the tools are there and nobody asked for the pre-seeded image. */
export function chooseMode(
  env: Record<string, string | undefined>,
  missing: string[],
): { mode: DemoMode; reason: string } {
  if (env.BERTH_DEMO_PREBUILT) {
    return {
      mode: 'pre-seeded',
      reason: `BERTH_DEMO_PREBUILT is set: using the pre-seeded image ${RELEASE_TAG}`,
    };
  }
  if (missing.length > 0) {
    return {
      mode: 'pre-seeded',
      reason:
        `buildah or docker-registry not found: using the pre-seeded image ${RELEASE_TAG}` +
        ` (missing: ${missing.join(', ')}; \`apt-get install buildah docker-registry\` builds it for real)`,
    };
  }
  return {
    mode: 'built',
    reason: `buildah and docker-registry found: building ${REPOSITORY}:${RELEASE_TAG} for real`,
  };
}

/** The demo scenario; when the release is built, without its pre-seeded stand-in (the build creates that tag). */
function demoScenario(mode: DemoMode): Scenario {
  const scenario = loadScenario(join(ROOT, SHOP_SCENARIO));
  if (mode === 'pre-seeded') return scenario;
  for (const repository of scenario.repositories ?? []) {
    if (repository.name !== REPOSITORY) continue;
    repository.images = repository.images?.filter((image) => !image.tags?.includes(RELEASE_TAG));
  }
  return scenario;
}

interface DemoWorld {
  emulator: RunningEmulator;
  registry?: RunningRegistry;
  /** The runner machine's environment (buildah's sandboxed storage in built mode). */
  machineEnv: Record<string, string>;
}

/** Starts what the demo runs against; every stop is pushed onto `stops`. */
async function startDemoWorld(mode: DemoMode, stops: Array<() => Promise<void> | void>): Promise<DemoWorld> {
  let registry: RunningRegistry | undefined;
  let machineEnv: Record<string, string> = {};
  if (mode === 'built') {
    registry = await startRegistry();
    stops.push(() => registry?.stop());
    const sandbox = buildahSandbox();
    stops.push(() => sandbox.cleanup());
    machineEnv = sandbox.env;
  }
  const emulator = await startEmulator({
    scenario: demoScenario(mode),
    timeScale: TIME_SCALE,
    seed: 7,
    registryUrl: registry?.url,
  });
  stops.push(() => emulator.stop());
  return { emulator, registry, machineEnv };
}

/** What runDemo has started and not yet stopped, so an interrupted `npm run demo` can stop it too. */
const running = new Set<() => Promise<void>>();

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const started = Date.now();
  const steps: DemoStep[] = [];
  const checks: DemoResult['checks'] = [];
  const records: Array<Record<string, any>> = [];
  const approvals: string[] = [];
  const logFiles: string[] = [];
  const { mode, reason: modeReason } = chooseMode(
    options.env ?? process.env,
    missingPrograms('buildah', DOCKER_REGISTRY_BIN),
  );
  let release = '';
  let build: DemoBuild | undefined;

  // Everything started below is stopped in `finally`, newest first, whatever happens.
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        print(`(could not clean up: ${error instanceof Error ? error.message : String(error)})`);
      }
    }
  };
  running.add(stopAll);

  const banner = (title: string) => print(`\n━━ ${title} ${'━'.repeat(Math.max(0, 74 - title.length))}`);
  const check = (title: string, ok: boolean) => {
    checks.push({ title, ok });
    print(`  ${ok ? '✔' : '✘'} ${title}`);
  };

  print(`Berth demo: shipping ${REPOSITORY} through dev → staging → production on the embedded emulator`);
  print(modeReason);
  try {
    const world = await startDemoWorld(mode, stops);
    // This machine cannot resolve ECR's registry host, so when the release is built for real
    // the shop's deploy.yml also names the local registry that stands in for it.
    const repository = shopRepository(
      world.registry
        ? {
            '.github/workflows/deploy.yml': {
              content: readFileSync(join(ROOT, 'examples', 'deploy.yml'), 'utf8').replace(
                '      repository: shop/web\n',
                `      repository: shop/web\n      registry: ${world.registry.host}\n`,
              ),
            },
          }
        : {},
    );

    /** The reviewer of production: shown waiting, then approving. */
    const approve = async (request: ApprovalRequest): Promise<ApprovalDecision> => {
      approvals.push(request.environment);
      return { decision: 'approve', reviewer: REVIEWER, comment: 'looks good (the demo approves for you)' };
    };

    async function workflow(
      title: string,
      file: string,
      event: WorkflowRunOptions['event'],
      expected: Array<[job: string, result: Result, status?: string]>,
    ): Promise<WorkflowRun> {
      banner(title);
      const run = await runWorkflow(file, {
        emulator: world.emulator,
        repository: { name: SHOP_REPOSITORY, dir: repository },
        event,
        vars: SHOP_VARS,
        environments: shopEnvironments([REVIEWER]),
        approve,
        machineEnv: world.machineEnv,
        onLog: (line) => print(line),
      });
      logFiles.push(run.logFile);
      for (const files of Object.values(run.artifacts)) {
        for (const content of Object.values(files)) records.push(JSON.parse(content));
      }
      print('');
      for (const [path, result, status] of expected) {
        const job: JobRun | undefined = run.jobs.find((candidate) => candidate.path === path);
        const actualStatus = job?.outputs.status;
        const ok = job?.result === result && (status === undefined || actualStatus === status);
        const expectation = `${result}${status ? `, status ${status}` : ''}`;
        const actual = `${job?.result ?? 'not run'}${actualStatus ? `, status ${actualStatus}` : ''}`;
        print(
          `  ${ok ? '✔' : '✘'} ${path}: ${actual}${ok ? ' (as expected)' : ` — expected ${expectation}`}`,
        );
        steps.push({
          title,
          job: path,
          result: job?.result ?? 'skipped',
          outputs: job?.outputs ?? {},
          expected: expectation,
          ok,
        });
      }
      return run;
    }

    print(`(emulator at ${world.emulator.url}, running ${TIME_SCALE}× faster than real time)`);
    if (world.registry) {
      print(
        `(docker-registry at ${world.registry.url} backs the emulator's ECR: what build-push pushes there, ECS can run;` +
          ` v1 and the broken build ${REPOSITORY}:sha-bad0000 stay pre-seeded in the emulator)`,
      );
    }

    const shipped = await workflow(
      `Push ${SHOP_SHA.slice(0, 7)} to main: examples/deploy.yml calls Berth's pipeline.yml`,
      '.github/workflows/deploy.yml',
      { name: 'push', ref: 'refs/heads/main', sha: SHOP_SHA },
      [
        ['pipeline / build / build', 'success'],
        ['pipeline / dev / deploy', 'success', 'succeeded'],
        ['pipeline / staging / deploy', 'success', 'succeeded'],
        ['pipeline / production / deploy', 'success', 'succeeded'],
      ],
    );
    const built = shipped.jobs.find((job) => job.path === 'pipeline / build / build')?.outputs ?? {};
    release = built['image-uri'] ?? '';
    if (world.registry && built.digest) {
      build = { imageUri: release, digest: built.digest, registry: world.registry.host, registryDigests: {} };
    }
    if (shipped.conclusion !== 'success') {
      print('  The release did not ship; the rest of the story depends on it.');
      return finish();
    }

    await workflow(
      `Push a broken build (${BROKEN_SHA.slice(0, 7)}): the pipeline stops it in dev`,
      '.github/workflows/deploy.yml',
      { name: 'push', ref: 'refs/heads/main', sha: BROKEN_SHA },
      [
        ['pipeline / build / build', 'success'],
        ['pipeline / dev / deploy', 'failure', 'rolled-back'],
        ['pipeline / staging', 'skipped'],
        ['pipeline / production', 'skipped'],
      ],
    );

    await workflow(
      'An operator rolls production back (examples/rollback.yml, Run workflow)',
      '.github/workflows/rollback.yml',
      {
        name: 'workflow_dispatch',
        ref: 'refs/heads/main',
        sha: BROKEN_SHA,
        inputs: {
          environment: 'production',
          service: 'shop-web',
          to: 'last-successful',
          reason: `Checkout errors reported since ${RELEASE_TAG}; back to v1 while we investigate`,
        },
      },
      [['rollback / rollback', 'success', 'succeeded']],
    );

    banner('Deployment records (kept as artifacts of the runs)');
    for (const record of records) {
      const images = Object.values<string>(record.to?.images ?? {}).map((image) => image.split('/').pop());
      print(
        `  ${String(record.kind).padEnd(8)} ${String(record.cluster).padEnd(10)} ${String(record.status).padEnd(12)} ` +
          `${short(record.from?.taskDefinitionArn)} → ${short(record.to?.taskDefinitionArn)}  ${images.join(', ')}` +
          `${record.requestedReason ? `  (“${record.requestedReason}”)` : ''}`,
      );
    }

    if (world.registry && build) {
      banner(`What the registry at ${world.registry.host} says`);
      for (const tag of [RELEASE_TAG, 'dev', 'staging', 'prod']) {
        build.registryDigests[tag] = await world.registry.digestOf(REPOSITORY, tag);
      }
      for (const [tag, answered] of Object.entries(build.registryDigests)) {
        check(`${REPOSITORY}:${tag.padEnd(12)} → ${answered ?? '(no such tag)'}`, answered === build.digest);
      }
      print(`  Built once, promoted without a rebuild: every tag names ${build.digest}.`);
    }
    return finish();
  } finally {
    await stopAll();
    running.delete(stopAll);
  }

  function finish(): DemoResult {
    const ok = steps.length > 0 && steps.every((s) => s.ok) && checks.every((c) => c.ok);
    const seconds = (Date.now() - started) / 1000;
    banner(
      ok
        ? `Demo finished in ${seconds.toFixed(1)} s: every job behaved as expected`
        : 'Demo FAILED: a job did not behave as expected',
    );
    print(
      mode === 'built'
        ? `  (the release was built with buildah and pushed to a local docker-registry: ${release || 'no image'})`
        : `  (the release was the pre-seeded image ${REPOSITORY}:${RELEASE_TAG})`,
    );
    print(`  Full logs: ${logFiles.join(', ')}`);
    return { ok, mode, modeReason, release, build, steps, checks, records, approvals, logFiles, seconds };
  }
}

function short(arn: string | undefined): string {
  return arn ? (arn.split('/').pop() ?? arn) : '—';
}

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly || process.argv[1]?.endsWith(join('scripts', 'demo.ts'))) {
  // Ctrl-C skips runDemo's `finally`: stop the registry and remove the temporary folders here.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.all([...running].map((stop) => stop())).finally(() =>
        process.exit(signal === 'SIGINT' ? 130 : 143),
      );
    });
  }
  // The demo runs the bundled actions: rebuild any dist older than its sources first, as the test tiers do.
  freshDists();
  runDemo()
    .then((result) => process.exit(result.ok ? 0 : 1))
    .catch((error) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    });
}
