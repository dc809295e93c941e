/**
 * Benchmarks of deploy-ecs, measured by running the bundled action against
 * the emulator as the runner would:
 * - failure-detection latency: from the emulator marking our deployment
 *   failed (the circuit breaker, `circuit-breaker: detect`) to the action's
 *   exit, in emulated seconds, at the default poll interval;
 * - read calls per minute of waiting, from the emulator's call log over
 *   emulated minutes of a long rollout;
 * - cold start: process start to the first AWS request (real time);
 * - the size of actions/deploy-ecs/dist/index.js.
 *
 * `node --import tsx scripts/bench-deploy.ts` prints the table;
 * `npm run bench` calls benchDeploy().
 */
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  type ActionResult,
  emulatorEnv,
  manifestDigest,
  numberedManifest,
  runAction,
  type Scenario,
  startEmulator,
} from '@berth/emulator';

export interface BenchRow {
  metric: string;
  value: string;
  target: string;
  ok: boolean;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'actions', 'deploy-ecs', 'dist', 'index.js');
const REGION = 'us-east-1';
const REGISTRY = `123456789012.dkr.ecr.${REGION}.amazonaws.com`;

const DETECTION_TARGET_S = 10;
const READS_TARGET = 15;
const BUNDLE_TARGET_BYTES = 1.5 * 1024 * 1024;

const image = (n: number) => `${REGISTRY}/shop@${manifestDigest(numberedManifest(n))}`;

function taskDefinition(imageRef: string): Record<string, unknown> {
  return {
    family: 'web',
    executionRoleArn: 'arn:aws:iam::123456789012:role/shop-task-execution',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      {
        name: 'app',
        image: imageRef,
        essential: true,
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/web', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'web' },
        },
      },
    ],
  };
}

function scenario(behaviours: Scenario['behaviours']): Scenario {
  return {
    clusters: ['shop'],
    taskDefinitions: [taskDefinition(image(1))],
    services: [
      {
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: 'web:1',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
      },
    ],
    repositories: [
      { name: 'shop', images: [1, 2, 3].map((n) => ({ manifest: numberedManifest(n), tags: [`v${n}`] })) },
    ],
    behaviours,
  };
}

interface Run {
  result: ActionResult;
  /** Emulated epoch ms when the action process had exited. */
  exitedAt: number;
  /** Real ms from spawning the action to its first AWS request. */
  coldStartMs: number;
  calls: Array<{ operation: string; time: string; realMs: number }>;
  deployment?: Record<string, any>;
}

async function deploy(
  behaviours: Scenario['behaviours'],
  inputs: Record<string, string>,
  timeScale: number,
  seed: number,
): Promise<Run> {
  const emulator = await startEmulator({ scenario: scenario(behaviours), timeScale, seed });
  try {
    const workspace = mkdtempSync(join(tmpdir(), 'berth-bench-deploy-'));
    mkdirSync(workspace, { recursive: true });
    writeFileSync(
      join(workspace, 'td.json'),
      JSON.stringify(taskDefinition(image(2 + (inputs.broken ? 1 : 0)))),
    );
    const { broken: _broken, ...actionInputs } = inputs;
    const spawnedAt = Date.now();
    const result = await runAction({
      action: 'deploy-ecs',
      workspace,
      inputs: { cluster: 'shop', service: 'web', 'task-definition': 'td.json', ...actionInputs },
      env: emulatorEnv(emulator),
      timeoutMs: 120_000,
    });
    const exitedAt = emulator.control.now().getTime();
    const calls = emulator.control.calls();
    const records = emulator.control.ecs?.serviceDeployments('shop', 'web') ?? [];
    const deployment = records.find(
      (r) => r.serviceDeploymentArn === result.outputs['service-deployment-arn'],
    );
    return { result, exitedAt, coldStartMs: (calls[0]?.realMs ?? Number.NaN) - spawnedAt, calls, deployment };
  } finally {
    await emulator.stop();
  }
}

const ms = (value: unknown): number =>
  value instanceof Date
    ? value.getTime()
    : typeof value === 'number'
      ? value < 1e11
        ? value * 1000
        : value
      : Date.parse(String(value));

/** Failure-detection latency (emulated s), worst of `runs`; also returns each run's cold start. */
async function detection(runs: number): Promise<{ worst: number; all: number[]; coldStarts: number[] }> {
  const all: number[] = [];
  const coldStarts: number[] = [];
  for (let seed = 1; seed <= runs; seed++) {
    const run = await deploy(
      // Shift the failure against the poll cycle from run to run, so the worst case shows.
      { [image(3)]: { exitCode: 1, exitAfterSeconds: 1 + ((seed * 2.3) % 7), logLines: ['FATAL: bench'] } },
      { broken: 'yes', 'circuit-breaker': 'detect' },
      10,
      seed,
    );
    if (run.result.outputs.status !== 'failed' || !run.deployment?.finishedAt) {
      throw new Error(
        `The failing deployment did not end as expected (status ${run.result.outputs.status ?? 'none'}):\n${run.result.stdout.slice(-2000)}`,
      );
    }
    all.push((run.exitedAt - ms(run.deployment.finishedAt)) / 1000);
    coldStarts.push(run.coldStartMs);
  }
  return { worst: Math.max(...all), all, coldStarts };
}

/** Read calls per emulated minute while a 15-minute rollout is followed. */
async function readsPerMinute(): Promise<{ rate: number; minutes: number; reads: number }> {
  const run = await deploy({ [image(2)]: { startSeconds: 900 } }, {}, 200, 11);
  if (run.result.exitCode !== 0)
    throw new Error(`The long rollout failed:\n${run.result.stdout.slice(-2000)}`);
  const update = run.calls.findIndex((c) => c.operation === 'UpdateService');
  const waiting = run.calls.slice(update + 1);
  const minutes = (ms(waiting.at(-1)!.time) - ms(run.calls[update].time)) / 60_000;
  return { rate: waiting.length / minutes, minutes, reads: waiting.length };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchDeploy(): Promise<BenchRow[]> {
  if (!existsSync(DIST))
    throw new Error(`${DIST} does not exist; run \`node scripts/bundle.mjs deploy-ecs\` first.`);
  const rows: BenchRow[] = [];
  const found = await detection(5);
  rows.push({
    metric:
      'deploy-ecs failure-detection latency (emulated, default polling, circuit-breaker: detect; worst of 5)',
    value: `${found.worst.toFixed(1)} s (${found.all.map((s) => s.toFixed(1)).join(', ')})`,
    target: `≤ ${DETECTION_TARGET_S} s`,
    ok: found.worst <= DETECTION_TARGET_S,
  });
  const reads = await readsPerMinute();
  rows.push({
    metric: 'deploy-ecs read calls per minute of waiting',
    value: `${reads.rate.toFixed(1)} (${reads.reads} reads in ${reads.minutes.toFixed(1)} emulated min)`,
    target: `≤ ${READS_TARGET}`,
    ok: reads.rate <= READS_TARGET,
  });
  rows.push({
    metric: 'deploy-ecs cold start (process start → first AWS request, median of 5)',
    value: `${Math.round(median(found.coldStarts))} ms`,
    target: 'reported',
    ok: Number.isFinite(median(found.coldStarts)),
  });
  const bytes = statSync(DIST).size;
  rows.push({
    metric: 'deploy-ecs bundle size (dist/index.js)',
    value: `${(bytes / 1024).toFixed(0)} KiB (${(bytes / 1024 / 1024).toFixed(2)} MiB, ${(bytes / 1e6).toFixed(2)} MB)`,
    target: '≤ 1.5 MiB',
    ok: bytes <= BUNDLE_TARGET_BYTES,
  });
  return rows;
}

function printTable(rows: BenchRow[]): void {
  const header = ['metric', 'value', 'target', 'ok'];
  const cells = rows.map((r) => [r.metric, r.value, r.target, r.ok ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  benchDeploy()
    .then((rows) => {
      printTable(rows);
      if (rows.some((r) => !r.ok)) process.exitCode = 1;
    })
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
