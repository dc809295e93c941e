/**
 * deploy-ecs side by side with the AWS deploy action
 * (aws-actions/amazon-ecs-deploy-task-definition, its committed bundle in
 * ../shared/opponents/), each run as the runner runs it against a fresh
 * emulator with the emulator's realistic ECS timings:
 *
 * - verdict latency per scenario (circuit breaker trips early, tasks slow to
 *   start, good image, alarm rollback), each repeated with the event moved
 *   across the poll cycle: first error annotation − deployment FAILED, exit −
 *   rollback completed (or − COMPLETED), in emulated seconds;
 * - read calls per minute of waiting, diagnosis included;
 * - cold start on a missing input: first output and exit (real ms), peak memory;
 * - bundle sizes.
 *
 * Time: the emulator runs TIME_SCALE times faster than real time. Berth's action
 * follows it through BERTH_TIME_SCALE; the AWS action, which knows nothing of it,
 * through a preload that runs its whole clock (Date, timers) at the same speed,
 * so its SDK waiter's 15–600 s delays shrink exactly as the rollouts do.
 * Both see the same service (circuit breaker with rollback, alarms where the
 * scenario has them): Berth is told `circuit-breaker: unchanged`.
 *
 * Without ../shared the opponent is missing: Berth is benched alone and the
 * table says so. `npm run bench` runs this, then the promotion bench.
 * BENCH_RUNS (default 5) sets the repetitions; BENCH_ONLY=start measures the
 * cold start and the bundle sizes alone. For a look at one scenario:
 * BENCH_CASE=<part of a scenario's name> runs only the scenarios it names,
 * BENCH_CONTENDER=berth (or aws) only that contender, and BENCH_TRACE=<s> prints
 * each run's last <s> emulated seconds: every AWS call and output line, with the
 * moments ECS marked the deployment FAILED and ended it.
 */
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  manifestDigest,
  numberedManifest,
  type RunningEmulator,
  type Scenario,
  startEmulator,
} from '@berth/emulator';
import { type ActionResult, emulatorEnv, runAction } from '@berth/testkit/action-runner.js';
import { printTable, ratio, spread } from './bench/stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// BENCH_BERTH_DIST: another build of deploy-ecs (a copy of its dist folder) to bench in its place, for before/after.
const BERTH_DIST = process.env.BENCH_BERTH_DIST
  ? resolve(process.env.BENCH_BERTH_DIST)
  : join(ROOT, 'actions', 'deploy-ecs', 'dist', 'index.js');
const OPPONENT_DIR = join(ROOT, '..', 'shared', 'opponents', 'amazon-ecs-deploy-task-definition');
const OPPONENT_DIST = join(OPPONENT_DIR, 'dist', 'index.js');
const SCALED_TIME = pathToFileURL(join(ROOT, 'scripts', 'bench', 'scaled-time.mjs')).href;
const PEAK_MEMORY = pathToFileURL(join(ROOT, 'scripts', 'bench', 'peak-memory.mjs')).href;
const TIME_SCALE = 20;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const REGION = 'us-east-1';
const REGISTRY = `123456789012.dkr.ecr.${REGION}.amazonaws.com`;
const ALARM = 'shop-5xx';

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
        healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost:8080/ || exit 1'], interval: 10 },
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/web', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'web' },
        },
      },
    ],
  };
}

/** What a scenario does to the deployment and which end it is measured against. */
interface Case {
  name: string;
  /** Behaviours for run `k` (0-based): moves the event across the poll cycle. */
  behaviours(k: number): Scenario['behaviours'];
  alarms?: boolean;
  /** Emulated seconds after the deployment starts at which the alarm fires (run `k`). */
  alarmAfterS?(k: number): number;
  end: 'rolled-back' | 'completed';
}

const CASES: Case[] = [
  {
    name: 'circuit breaker trips early',
    // The container crashes a few seconds after it starts; runs move the crash by 1.3 s.
    behaviours: (k) => ({
      [image(3)]: { exitCode: 1, exitAfterSeconds: 2 + 1.3 * k, logLines: ['FATAL: bench'] },
    }),
    end: 'rolled-back',
  },
  {
    name: 'tasks slow to start',
    // The image cannot be pulled: tasks fail before RUNNING and the service throttle spaces them out.
    behaviours: (k) => ({
      [image(3)]: { pullError: `bench: pull refused (${k})`, startSeconds: 40 + 7 * k },
    }),
    end: 'rolled-back',
  },
  {
    name: 'good image',
    behaviours: (k) => ({ [image(3)]: { startSeconds: 20 + 3.1 * k, logLines: ['listening'] } }),
    end: 'completed',
  },
  {
    name: 'alarm rollback',
    behaviours: (k) => ({ [image(3)]: { startSeconds: 20 + 3.1 * k } }),
    alarms: true,
    alarmAfterS: (k) => 120 + 4.3 * k,
    end: 'rolled-back',
  },
];

function scenario(c: Case, k: number): Scenario {
  return {
    clusters: ['shop'],
    taskDefinitions: [taskDefinition(image(1))],
    services: [
      {
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: 'web:1',
        desiredCount: 3,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
        deploymentConfiguration: {
          minimumHealthyPercent: 100,
          maximumPercent: 200,
          deploymentCircuitBreaker: { enable: true, rollback: true },
          ...(c.alarms ? { alarms: { alarmNames: [ALARM], enable: true, rollback: true } } : {}),
        },
      },
    ],
    repositories: [
      { name: 'shop', images: [1, 2, 3].map((n) => ({ manifest: numberedManifest(n), tags: [`v${n}`] })) },
    ],
    behaviours: c.behaviours(k),
    alarms: c.alarms ? [ALARM] : undefined,
  };
}

interface Contender {
  name: string;
  entry: string;
  nodeArgs: string[];
  inputs: Record<string, string>;
  env(emulator: RunningEmulator): Record<string, string | undefined>;
}

const BERTH: Contender = {
  name: 'Berth deploy-ecs',
  entry: BERTH_DIST,
  nodeArgs: [],
  inputs: { cluster: 'shop', service: 'web', 'task-definition': 'td.json', 'circuit-breaker': 'unchanged' },
  env: (emulator) => emulatorEnv(emulator),
};

const OPPONENT: Contender = {
  name: 'AWS action v2.6.3',
  entry: OPPONENT_DIST,
  nodeArgs: ['--import', SCALED_TIME],
  inputs: {
    cluster: 'shop',
    service: 'web',
    'task-definition': 'td.json',
    'wait-for-service-stability': 'true',
  },
  env: (emulator) =>
    emulatorEnv(emulator, { BERTH_TIME_SCALE: undefined, BENCH_TIME_SCALE: String(TIME_SCALE) }),
};

/** One run's timeline for BENCH_TRACE, in emulated milliseconds. */
interface TraceEntry {
  at: number;
  what: string;
}

/** BENCH_TRACE=<s>: how many emulated seconds before the deployment's end the trace starts. */
const TRACE_BEFORE_END_MS = Number(process.env.BENCH_TRACE ?? 0) * 1000;
const TRACE = TRACE_BEFORE_END_MS > 0;

function printTrace(title: string, entries: TraceEntry[], endAt: number): void {
  console.log(`\n${title} (emulated s relative to the deployment's end)`);
  for (const entry of entries
    .filter((e) => e.at >= endAt - TRACE_BEFORE_END_MS)
    .sort((a, b) => a.at - b.at)) {
    const rel = (entry.at - endAt) / 1000;
    console.log(`  ${rel >= 0 ? '+' : ''}${rel.toFixed(2).padStart(7)}  ${entry.what}`);
  }
}

/**
 * A line that tells the user the deployment failed: an error annotation, or Berth's
 * plain announcement of ECS's rollback (since issue 19 the step's one error
 * annotation comes with the verdict, after the rollback).
 */
const FAILURE_TOLD = /^::error|^The deployment failed and ECS is rolling it back/m;

interface Measured {
  /** Emulated seconds: first `::error` − FAILED, exit − the end (rollback completed or COMPLETED). */
  firstError?: number;
  /** Emulated seconds: the first line saying the deployment failed (FAILURE_TOLD) − FAILED. */
  firstTold?: number;
  exit: number;
  readsPerMinute: number;
  exitCode: number | null;
}

const READ = /^(Describe|List|Get)/;
const ms = (value: unknown): number =>
  value instanceof Date
    ? value.getTime()
    : typeof value === 'number'
      ? value * (value < 1e11 ? 1000 : 1)
      : Date.parse(String(value));

async function measure(contender: Contender, c: Case, k: number): Promise<Measured> {
  const emulator = await startEmulator({ scenario: scenario(c, k), timeScale: TIME_SCALE, seed: 100 + k });
  const now = () => emulator.world.clock.now();
  try {
    const workspace = mkdtempSync(join(tmpdir(), 'berth-bench-deploy-'));
    writeFileSync(join(workspace, 'td.json'), JSON.stringify(taskDefinition(image(3))));
    let firstErrorAt: number | undefined;
    let firstToldAt: number | undefined;
    const trace: TraceEntry[] = [];
    let alarmTimer: NodeJS.Timeout | undefined;
    if (c.alarmAfterS) {
      const after = c.alarmAfterS(k);
      alarmTimer = setInterval(() => {
        const record = emulator.control.ecs?.serviceDeployments('shop', 'web')[0];
        const started = record?.startedAt ? ms(record.startedAt) : undefined;
        if (record?.status === 'IN_PROGRESS' && started !== undefined && now() - started >= after * 1000) {
          emulator.control.alarm(ALARM, 'ALARM');
          clearInterval(alarmTimer);
        }
      }, 20);
    }
    const result: ActionResult = await runAction({
      action: 'deploy-ecs',
      entry: contender.entry,
      nodeArgs: contender.nodeArgs,
      workspace,
      inputs: contender.inputs,
      env: contender.env(emulator),
      timeoutMs: 15 * 60_000,
      onOutput: (text) => {
        if (firstErrorAt === undefined && /^::error/m.test(text)) firstErrorAt = now();
        if (firstToldAt === undefined && FAILURE_TOLD.test(text)) firstToldAt = now();
        if (TRACE) {
          const at = now();
          for (const line of text.split('\n').filter((l) => l.trim()))
            trace.push({ at, what: `out  ${line.slice(0, 150)}` });
        }
      },
    });
    const exitedAt = now();
    if (alarmTimer) clearInterval(alarmTimer);
    // Newest first: the contender's UpdateService made the first; the last is the seeded one.
    const records = emulator.control.ecs?.serviceDeployments('shop', 'web') ?? [];
    const record = records.length > 1 ? records[0] : undefined;
    const expected = c.end === 'completed' ? 'SUCCESSFUL' : 'ROLLBACK_SUCCESSFUL';
    if (record?.status !== expected || !record.finishedAt) {
      throw new Error(
        `${contender.name}, ${c.name} #${k}: the deployment ended ${record?.status ?? 'nowhere'}, not ${expected}; exit ${result.exitCode}\n${result.stdout.slice(-1500)}\n${result.stderr.slice(-500)}`,
      );
    }
    const failedAt = record.rollback?.startedAt ? ms(record.rollback.startedAt) : undefined;
    const calls = emulator.control.calls().filter((call) => call.service !== 'sts');
    if (TRACE) {
      for (const call of calls)
        trace.push({ at: ms(call.time), what: `call ${call.service}:${call.operation}` });
      if (failedAt !== undefined)
        trace.push({ at: failedAt, what: '---- ECS: deployment FAILED, rollback started' });
      trace.push({ at: ms(record.finishedAt), what: `---- ECS: ${record.status}` });
      trace.push({ at: exitedAt, what: `---- exit ${result.exitCode}` });
      printTrace(`${contender.name}, ${c.name} #${k}`, trace, ms(record.finishedAt));
    }
    const update = calls.find((call) => call.operation === 'UpdateService');
    const waitedMin = update ? (exitedAt - ms(update.time)) / 60_000 : Number.NaN;
    const reads = calls.filter((call) => READ.test(call.operation) && update && call.seq > update.seq).length;
    return {
      firstError:
        firstErrorAt !== undefined && failedAt !== undefined ? (firstErrorAt - failedAt) / 1000 : undefined,
      firstTold:
        firstToldAt !== undefined && failedAt !== undefined ? (firstToldAt - failedAt) / 1000 : undefined,
      exit: (exitedAt - ms(record.finishedAt)) / 1000,
      readsPerMinute: reads / waitedMin,
      exitCode: result.exitCode,
    };
  } finally {
    await emulator.stop();
  }
}

/** Process start → first byte of output and → exit, with no inputs at all (real ms), and peak memory. */
async function coldStart(
  contender: Contender,
): Promise<{ firstOutput: number[]; exit: number[]; rssKiB: number[] }> {
  const out = { firstOutput: [] as number[], exit: [] as number[], rssKiB: [] as number[] };
  for (let k = 0; k < RUNS; k++) {
    const started = performance.now();
    let first: number | undefined;
    const result = await runAction({
      action: basename(dirname(dirname(contender.entry))),
      entry: contender.entry,
      nodeArgs: ['--import', PEAK_MEMORY],
      inputs: {},
      env: { AWS_REGION: REGION },
      onOutput: () => {
        first ??= performance.now();
      },
    });
    out.exit.push(performance.now() - started);
    out.firstOutput.push((first ?? performance.now()) - started);
    const rss = /BENCH_MAX_RSS_KIB=(\d+)/.exec(result.stderr)?.[1];
    if (rss) out.rssKiB.push(Number(rss));
  }
  return out;
}

/** The actions that have a bundle, in name order. */
function berthActions(): string[] {
  return readdirSync(join(ROOT, 'actions'))
    .filter((name) => existsSync(join(ROOT, 'actions', name, 'dist', 'index.js')))
    .sort();
}

function bundleBytes(dir: string): { index: number; chunks: number } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  const size = (f: string) => statSync(join(dir, f)).size;
  return {
    index: size('index.js'),
    chunks: files.filter((f) => f !== 'index.js').reduce((a, f) => a + size(f), 0),
  };
}

export async function benchDeploy(): Promise<void> {
  if (!existsSync(BERTH_DIST)) throw new Error(`${BERTH_DIST} does not exist; run \`npm run bundle\` first.`);
  const only = process.env.BENCH_CONTENDER;
  const contenders = (existsSync(OPPONENT_DIST) ? [BERTH, OPPONENT] : [BERTH]).filter(
    (c) => !only || (only === 'berth' ? c === BERTH : c === OPPONENT),
  );
  if (contenders.length === 1) {
    console.log(`The opponent's bundle is not at ${OPPONENT_DIST} (../shared is missing): Berth alone.\n`);
  }
  console.log(
    `deploy-ecs benchmark: ${RUNS} runs per scenario, emulator at ${TIME_SCALE}× real time, times in emulated seconds.\n`,
  );
  const header = ['metric', ...contenders.map((c) => c.name), ...(contenders.length > 1 ? ['ratio'] : [])];
  const rows: string[][] = [];
  const readsFailure: number[][] = contenders.map(() => []);
  const readsGood: number[][] = contenders.map(() => []);
  // BENCH_ONLY=start: the cold-start and size rows alone (seconds, not minutes of emulated rollouts).
  const onlyCase = process.env.BENCH_CASE;
  const cases =
    process.env.BENCH_ONLY === 'start' ? [] : CASES.filter((c) => !onlyCase || c.name.includes(onlyCase));
  for (const c of cases) {
    const results = [] as Measured[][];
    for (const [i, contender] of contenders.entries()) {
      const runs: Measured[] = [];
      for (let k = 0; k < RUNS; k++) runs.push(await measure(contender, c, k));
      results.push(runs);
      (c.end === 'completed' ? readsGood : readsFailure)[i].push(...runs.map((r) => r.readsPerMinute));
    }
    const exits = results.map((runs) => runs.map((r) => r.exit));
    const endName = c.end === 'completed' ? 'COMPLETED' : 'rollback completed';
    rows.push([
      `${c.name}: exit − ${endName}`,
      ...exits.map((v) => spread(v, ' s')),
      ...(exits.length > 1 ? [ratio(exits[0], exits[1])] : []),
    ]);
    if (c.end === 'rolled-back') {
      const errors = results.map((runs) =>
        runs.map((r) => r.firstError).filter((v): v is number => v !== undefined),
      );
      rows.push([
        `${c.name}: first error line − FAILED`,
        ...errors.map((v) => spread(v, ' s')),
        ...(errors.length > 1 ? [ratio(errors[0], errors[1])] : []),
      ]);
      const told = results.map((runs) =>
        runs.map((r) => r.firstTold).filter((v): v is number => v !== undefined),
      );
      rows.push([
        `${c.name}: first failure line (error or rollback notice) − FAILED`,
        ...told.map((v) => spread(v, ' s')),
        ...(told.length > 1 ? [ratio(told[0], told[1])] : []),
      ]);
    }
    const codes = results.map((runs) => runs.map((r) => r.exitCode).join(','));
    rows.push([`${c.name}: exit codes`, ...codes, ...(codes.length > 1 ? [''] : [])]);
  }
  if (cases.length > 0)
    rows.push([
      'reads per minute of waiting, failures',
      ...readsFailure.map((v) => spread(v, '')),
      ...(contenders.length > 1 ? [''] : []),
    ]);
  if (cases.length > 0)
    rows.push([
      'reads per minute of waiting, good image',
      ...readsGood.map((v) => spread(v, '')),
      ...(contenders.length > 1 ? [''] : []),
    ]);
  // A look at one scenario (BENCH_CASE) leaves out the cold starts and sizes.
  if (!onlyCase) await startRows(contenders, rows);
  printTable(header, rows);
  console.log(`\nValues: median (min–max) of ${RUNS} runs. Ratio: the AWS action's median over Berth's.`);
}

/** The cold-start, memory and size rows: every contender's, then every Berth action's. */
async function startRows(contenders: Contender[], rows: string[][]): Promise<void> {
  const starts = [] as Awaited<ReturnType<typeof coldStart>>[];
  for (const contender of contenders) starts.push(await coldStart(contender));
  const first = starts.map((s) => s.firstOutput);
  const exit = starts.map((s) => s.exit);
  const rss = starts.map((s) => s.rssKiB.map((k) => k / 1024));
  rows.push([
    'cold start, no inputs: first output (real)',
    ...first.map((v) => spread(v, ' ms', 0)),
    ...(first.length > 1 ? [ratio(first[0], first[1])] : []),
  ]);
  rows.push([
    'cold start, no inputs: exit (real)',
    ...exit.map((v) => spread(v, ' ms', 0)),
    ...(exit.length > 1 ? [ratio(exit[0], exit[1])] : []),
  ]);
  rows.push([
    'peak memory (RSS)',
    ...rss.map((v) => spread(v, ' MiB', 1)),
    ...(rss.length > 1 ? [ratio(rss[0], rss[1])] : []),
  ]);
  const sizes = contenders.map((c) => bundleBytes(dirname(c.entry)));
  const mb = (s: { index: number; chunks: number }) =>
    `${(s.index / 1e6).toFixed(2)} MB${s.chunks ? ` + ${(s.chunks / 1e6).toFixed(2)} MB` : ''}`;
  rows.push([
    'dist/index.js (+ lazily loaded chunks)',
    ...sizes.map(mb),
    ...(sizes.length > 1
      ? [ratio([sizes[0].index + sizes[0].chunks], [sizes[1].index + sizes[1].chunks])]
      : []),
  ]);
  // Every Berth action: its cold start on a missing input, its peak memory and its bundle, beside
  // the AWS action's, against the targets (start ≤ 0.6× the AWS action's, peak memory not above
  // it, bundles ≤ 1.0 MB each, aws-auth ≤ 0.5 MB with its chunks).
  const opponentStart = starts.length > 1 ? starts[1] : undefined;
  const mib = (start: Awaited<ReturnType<typeof coldStart>>) => start.rssKiB.map((k) => k / 1024);
  for (const action of berthActions()) {
    const entry = join(ROOT, 'actions', action, 'dist', 'index.js');
    const start = action === 'deploy-ecs' ? starts[0] : await coldStart({ ...BERTH, name: action, entry });
    rows.push([
      `  Berth ${action}: first output / exit; dist/index.js`,
      `${spread(start.firstOutput, '', 0)} / ${spread(start.exit, ' ms', 0)}; ${mb(bundleBytes(dirname(entry)))}`,
      ...(opponentStart
        ? [
            `${spread(opponentStart.firstOutput, '', 0)} / ${spread(opponentStart.exit, ' ms', 0)}`,
            ratio(start.exit, opponentStart.exit),
          ]
        : []),
    ]);
    rows.push([
      `  Berth ${action}: peak memory (RSS)`,
      spread(mib(start), ' MiB', 1),
      ...(opponentStart
        ? [spread(mib(opponentStart), ' MiB', 1), ratio(mib(start), mib(opponentStart))]
        : []),
    ]);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  benchDeploy().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
