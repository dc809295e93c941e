import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type BerthEnvironment,
  type BerthPolicy,
  type BerthSessionAnswer,
  type RunningEmulator,
  runningEmulatorUrls,
} from '@berth/emulator';
import { REPO_ROOT } from './paths.js';

/** The access key emulatorEnv() sets: a run with it gets the action's documented policy (see runAction). */
export const EMULATOR_ACCESS_KEY_ID = 'AKIDEMULATOR';

export { REPO_ROOT };

export interface RunActionOptions {
  /** Action folder name under actions/, e.g. `deploy-ecs`. */
  action: string;
  /** Inputs by their action.yml names; undefined values are left unset. */
  inputs?: Record<string, string | number | boolean | undefined>;
  /** Extra environment (AWS_ENDPOINT_URL, credentials, ACTIONS_ID_TOKEN_REQUEST_URL, …). */
  env?: Record<string, string | undefined>;
  /** Working directory and GITHUB_WORKSPACE; a fresh temporary folder when omitted. */
  workspace?: string;
  /** Called with each chunk the action prints (the demo streams the log). */
  onOutput?: (text: string) => void;
  /** Kill the action after this many milliseconds (default 120 s). */
  timeoutMs?: number;
  /** Run this JavaScript file instead of `actions/<action>/dist/index.js` (the bench runs other actions' bundles). */
  entry?: string;
  /** Arguments for node before the entry (`--import` a preload, for the bench). */
  nodeArgs?: string[];
  /**
   * IAM under the emulator (default on, when AWS_ENDPOINT_URL is set): with emulatorEnv()'s credentials the run gets a
   * session of a role carrying the action's documented policy (docs/iam/templates),
   * instantiated for the emulator's resources plus `environment`; with `role-to-assume`
   * that role gets the policy. `false` keeps the unauthorised default identity.
   */
  iam?: false | { environment?: Partial<BerthEnvironment>; policies?: BerthPolicy[] };
}

export interface ActionResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** Variables the action exported with core.exportVariable. */
  exportedEnv: Record<string, string>;
  summary: string;
  runnerTemp: string;
  workspace: string;
  /** The `::error::`/`::warning::`/`::notice::` commands it printed. */
  annotations: { level: string; message: string }[];
  durationMs: number;
  /** The role and policies the run was authorised against, when IAM applied. */
  iam?: BerthSessionAnswer;
}

/**
 * Parses the GITHUB_OUTPUT / GITHUB_ENV file format (`k=v` and `k<<DELIMITER`
 * heredocs) strictly, as the runner does: a heredoc without its delimiter or a
 * line without `=` fails the step.
 */
export function parseCommandFile(text: string, file = 'command file'): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i]);
      if (i >= lines.length) throw new Error(`${file}: matching delimiter not found '${delimiter}'`);
      result[name] = body.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${file}: invalid format '${line}'`);
    result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

function parseAnnotations(stdout: string): { level: string; message: string }[] {
  const found: { level: string; message: string }[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^::(error|warning|notice)(?: [^:]*)?::(.*)$/.exec(line);
    if (match) {
      found.push({
        level: match[1],
        message: match[2].replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%'),
      });
    }
  }
  return found;
}

/**
 * The environment that points an action at a running emulator: its endpoint
 * and region, a placeholder access key (signatures are not checked) that
 * runAction() replaces with a session of a role carrying the action's
 * documented IAM policy, and BERTH_TIME_SCALE equal to the emulator's, so the
 * action's polls and timeouts run on the emulator's clock. `extra` comes last;
 * an undefined value unsets the variable for runAction().
 */
export function emulatorEnv(
  emulator: Pick<RunningEmulator, 'url' | 'world'>,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_REGION: emulator.world.region,
    AWS_ACCESS_KEY_ID: EMULATOR_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: 'not-checked',
    BERTH_TIME_SCALE: String(emulator.world.clock.timeScale),
    ...extra,
  };
}

/**
 * Runs `actions/<action>/dist/index.js` the way the GitHub runner does: inputs
 * as `INPUT_<NAME>` (upper-cased, spaces to underscores, hyphens kept), the
 * command files (`GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_STEP_SUMMARY`, …) in a
 * fresh RUNNER_TEMP, and none of the caller's AWS configuration leaking in.
 */
export async function runAction(options: RunActionOptions): Promise<ActionResult> {
  const entry = options.entry ?? join(REPO_ROOT, 'actions', options.action, 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist; run \`npm run bundle\` first.`);
  const base = mkdtempSync(join(tmpdir(), `berth-${options.action}-`));
  const runnerTemp = join(base, 'runner-temp');
  const workspace = options.workspace ?? join(base, 'workspace');
  mkdirSync(runnerTemp, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const files = {
    GITHUB_OUTPUT: join(base, 'output'),
    GITHUB_ENV: join(base, 'env'),
    GITHUB_PATH: join(base, 'path'),
    GITHUB_STATE: join(base, 'state'),
    GITHUB_STEP_SUMMARY: join(base, 'summary.md'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? base,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_NUMBER: '17',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SHA: 'abc1234def5678900000000000000000000000ff',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_JOB: 'deploy',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ENVIRONMENT: 'github-hosted',
    ...files,
  };
  for (const [name, value] of Object.entries(options.inputs ?? {})) {
    if (value !== undefined) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = String(value);
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }

  const iam = await attachDocumentedPolicy(options, env);

  const started = Date.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), entry], {
    cwd: workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onOutput?.(chunk.toString());
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    options.onOutput?.(chunk.toString());
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const exitCode = await new Promise<number | null>((resolvePromise) =>
    child.on('close', (code) => resolvePromise(code)),
  );
  clearTimeout(timer);

  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8'), 'GITHUB_OUTPUT'),
    exportedEnv: parseCommandFile(readFileSync(files.GITHUB_ENV, 'utf8'), 'GITHUB_ENV'),
    summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    runnerTemp,
    workspace,
    annotations: parseAnnotations(stdout),
    durationMs: Date.now() - started,
    iam,
  };
}

/** The cluster and service a run targets: its environment, so the policy names only them. */
function targetOf(options: RunActionOptions): Partial<BerthEnvironment> {
  const name = (value: unknown) =>
    typeof value === 'string' && value !== '' ? value.slice(value.lastIndexOf('/') + 1) : undefined;
  const cluster = name(options.inputs?.cluster);
  const service = name(options.inputs?.service);
  return { ...(cluster ? { Cluster: cluster } : {}), ...(service ? { Service: service } : {}) };
}

/**
 * What the task definition file a run registers names (family, log groups, roles): the
 * resources a team's policy is written for, like the scenario's own.
 */
function taskDefinitionResources(options: RunActionOptions, workspace: string): Partial<BerthEnvironment> {
  const input = options.inputs?.['task-definition'];
  if (typeof input !== 'string' || !/\.json$/i.test(input)) return {};
  const path = resolve(workspace, input);
  if (!existsSync(path)) return {};
  let definition: Record<string, any>;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8'));
    definition = parsed?.taskDefinition ?? parsed;
  } catch {
    return {};
  }
  const names = (values: unknown[]) => values.filter((v): v is string => typeof v === 'string' && v !== '');
  const role = (arn: unknown) => (typeof arn === 'string' ? arn.slice(arn.lastIndexOf('/') + 1) : undefined);
  const containers: any[] = Array.isArray(definition?.containerDefinitions)
    ? definition.containerDefinitions
    : [];
  // The infrastructure roles of the managed EBS volumes the inputs configure.
  const infrastructureRoles = ['service-managed-ebs-volume', 'run-task-managed-ebs-volume'].map((input) => {
    try {
      return role(JSON.parse(String(options.inputs?.[input] ?? ''))?.roleArn);
    } catch {
      return undefined;
    }
  });
  return {
    InfrastructureRole: names(infrastructureRoles),
    TaskFamily: names([definition?.family]),
    LogGroup: names(containers.map((c) => c?.logConfiguration?.options?.['awslogs-group'])),
    TaskRole: names([role(definition?.taskRoleArn)]),
    ExecutionRole: names([role(definition?.executionRoleArn)]),
  };
}

/** Asks the emulator for the action's documented policy and, unless the action assumes a role, a session. */
async function attachDocumentedPolicy(
  options: RunActionOptions,
  env: Record<string, string>,
): Promise<BerthSessionAnswer | undefined> {
  const endpoint = env.AWS_ENDPOINT_URL;
  const role = String(options.inputs?.['role-to-assume'] ?? '');
  const assumes = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(role);
  // A malformed role (the bad-input corpus) is refused by the action before any call: nothing to attach.
  if (role !== '' && !assumes) return undefined;
  // emulatorEnv()'s key, or a role the action assumes through the emulator's STS.
  if (options.iam === false || !endpoint || !runningEmulatorUrls.has(endpoint.replace(/\/+$/, '')))
    return undefined;
  if (env.AWS_ACCESS_KEY_ID !== EMULATOR_ACCESS_KEY_ID && !assumes) return undefined;
  const response = await fetch(`${endpoint}/_emulator/iam/berth-session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      action: options.action,
      policies: options.iam?.policies,
      inputs: options.inputs,
      environment: { ...targetOf(options), ...options.iam?.environment },
      add: taskDefinitionResources(options, env.GITHUB_WORKSPACE),
    }),
  });
  const answer = (await response.json()) as BerthSessionAnswer & { error?: string };
  if (!response.ok) throw new Error(`Could not attach the policy of ${options.action}: ${answer.error}`);
  if (answer.credentials) {
    env.AWS_ACCESS_KEY_ID = answer.credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = answer.credentials.secretAccessKey;
    env.AWS_SESSION_TOKEN = answer.credentials.sessionToken;
  }
  return answer;
}

/** A unique name for things tests create, so parallel tests never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
