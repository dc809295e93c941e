/**
 * The workflow harness: runs a workflow's jobs on this machine the way GitHub's service and
 * runner would, against the emulator. GitHub's parser loads and validates each file and
 * enforces reusable-workflow contracts; GitHub's expression engine evaluates every `${{ }}`.
 * What is ours is the runner: job order, contexts, step processes, command files, checkout,
 * the ID token, environments and their approvals. Anything else throws UnmodelledError, so a
 * workflow never passes because the harness skipped something.
 *
 * Jobs run one at a time in `needs` order (declaration order among ready jobs), so runs are
 * deterministic; concurrency groups are recorded, not enforced.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isBasicExpression, isString } from '@actions/workflow-parser';
import type { ActionTemplate } from '@actions/workflow-parser/actions/index';
import type { Job, ReusableWorkflowJob, Step } from '@actions/workflow-parser/model/workflow-template';
import type { MappingToken, TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import type { FileReference } from '@actions/workflow-parser/workflows/file-reference';
import { parseFileReference } from '@actions/workflow-parser/workflows/file-reference';
import {
  type ExpressionScope,
  evaluateCondition,
  evaluateString,
  evaluateStringMap,
  evaluateToken,
  type StatusFunctions,
  toPlain,
  UnmodelledError,
} from './expressions.js';
import {
  type LoadedWorkflow,
  loadActionMetadata,
  loadWorkflow,
  type WorkflowSource,
} from './github-parser.js';
import { type IdTokenIssuer, startIdTokenIssuer } from './id-tokens.js';
import { expandMatrix } from './matrix.js';
import {
  checkWithinCap,
  type Permissions,
  readPermissions,
  restrictedDefault,
  WRITE_ALL,
} from './permissions.js';
import { runProcess } from './processes.js';
import { checkout, type StandInHost, uploadArtifact, uploadSarif } from './stand-ins.js';
import { commandFiles, idTokenClaims, runnerEnvironment } from './step-environment.js';
import { mappingGet, mappingKeys, sequenceItems } from './template-tokens.js';
import { thirdPartyAction } from './third-party.js';
import { triggerInputs } from './triggers.js';
import type {
  ApprovalRecord,
  ConcurrencyRecord,
  JobRun,
  Result,
  StandInCall,
  StepRun,
  WorkflowRun,
  WorkflowRunOptions,
} from './types.js';
import { callInputs } from './workflow-call.js';
import { applyMasks, parseCommandFile, scanWorkflowCommands } from './workflow-commands.js';

/** This checkout of Berth (packages/testkit/src → the repository root). */
export const BERTH_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DEFAULT_SHA = 'abc1234def5678900000000000000000000000ff';
/** GitHub's default job timeout. */
const DEFAULT_JOB_TIMEOUT_MINUTES = 360;

const JOB_KEYS = new Set([
  'name',
  'needs',
  'if',
  'runs-on',
  'environment',
  'concurrency',
  'outputs',
  'env',
  'defaults',
  'steps',
  'timeout-minutes',
  'strategy',
  'permissions',
  'uses',
  'with',
  'secrets',
]);
const STEP_KEYS = new Set([
  'id',
  'name',
  'if',
  'uses',
  'run',
  'with',
  'env',
  'shell',
  'working-directory',
  'continue-on-error',
  'timeout-minutes',
]);

interface NeedsEntry {
  result: Result;
  outputs: Record<string, string>;
}

/** One workflow file being run: as the top-level workflow or called by a job. */
interface Frame {
  workflow: LoadedWorkflow;
  /** Job path prefix (`pipeline / `). */
  prefix: string;
  inputs: Record<string, unknown>;
  secrets: Record<string, string>;
  /** What the caller's job allows (WRITE_ALL at the top). */
  cap: Permissions;
  /** Permissions when a job names none: the caller's, or the repository default at the top. */
  inherited: Permissions;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function gitHead(root: string): string {
  try {
    return execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'b'.repeat(40);
  }
}

export class WorkflowRunError extends Error {
  constructor(
    message: string,
    readonly logFile: string,
  ) {
    super(`${message}\n(run log: ${logFile})`);
    this.name = 'WorkflowRunError';
  }
}

/**
 * Runs `workflowPath` (relative to the caller's repository tree, or absolute) for the event.
 * Resolves with the run; rejects with WorkflowRunError when GitHub would refuse the workflow
 * (parser errors, contract violations, permissions) or the harness meets something it does
 * not model.
 */
export async function runWorkflow(workflowPath: string, options: WorkflowRunOptions): Promise<WorkflowRun> {
  const runner = new Runner(options);
  return runner.run(workflowPath);
}

class Runner {
  private readonly workDir: string;
  private readonly logFile: string;
  private readonly log: string[] = [];
  private readonly masks = new Set<string>();
  private readonly jobs: JobRun[] = [];
  private readonly concurrency: ConcurrencyRecord[] = [];
  private readonly approvals: ApprovalRecord[] = [];
  private readonly thirdParty: StandInCall[] = [];
  private readonly artifacts: Record<string, Record<string, string>> = {};
  private readonly berth: { repository: string; root: string; sha: string };
  private readonly timeScale: number;
  private readonly github: Record<string, unknown>;
  private readonly githubToken = `ghs_harness${randomUUID().replace(/-/g, '')}`;
  private jobCounter = 0;
  private issuer: IdTokenIssuer | undefined;

  private idTokens(): IdTokenIssuer {
    if (!this.issuer) throw new Error('the ID token issuer is not running');
    return this.issuer;
  }

  constructor(private readonly options: WorkflowRunOptions) {
    this.workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'berth-workflow-'));
    mkdirSync(this.workDir, { recursive: true });
    this.logFile = join(this.workDir, 'run.log');
    writeFileSync(this.logFile, '');
    const root = options.berth?.root ?? BERTH_ROOT;
    this.berth = {
      repository: options.berth?.repository ?? 'OWNER/berth',
      root,
      sha: options.berth?.sha ?? gitHead(root),
    };
    this.timeScale = options.timeScale ?? options.emulator.world.clock.timeScale ?? 1;
    this.masks.add(this.githubToken);
    for (const value of Object.values(options.secrets ?? {})) this.masks.add(value);
    for (const environment of Object.values(options.environments ?? {})) {
      for (const value of Object.values(environment.secrets ?? {})) this.masks.add(value);
    }
    const ref = options.event.ref ?? 'refs/heads/main';
    const [owner] = options.repository.name.split('/');
    this.github = {
      event_name: options.event.name,
      event: options.event.payload ?? {},
      ref,
      ref_name: ref.replace(/^refs\/(heads|tags)\//, ''),
      ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      sha: options.event.sha ?? DEFAULT_SHA,
      repository: options.repository.name,
      repository_owner: owner,
      actor: options.actor ?? 'octocat',
      triggering_actor: options.actor ?? 'octocat',
      run_id: String(options.runId ?? 4242),
      run_number: '17',
      run_attempt: '1',
      server_url: 'https://github.com',
      // Nothing answers GitHub's API unless the test gives a stand-in: a call fails (connection refused).
      api_url: options.githubApiUrl ?? 'http://127.0.0.1:9/github-api-is-not-modelled',
      graphql_url: 'http://127.0.0.1:9/github-api-is-not-modelled/graphql',
      token: this.githubToken,
      retention_days: '90',
      base_ref: '',
      head_ref: '',
    };
  }

  private standInHost(): StandInHost {
    const github = this.github;
    return {
      write: (line) => this.write(line),
      github: {
        repository: String(github.repository),
        sha: String(github.sha),
        ref: String(github.ref),
        ref_name: String(github.ref_name),
      },
      berth: this.berth,
      repository: this.options.repository,
      artifacts: this.artifacts,
    };
  }

  private write(line: string) {
    const masked = applyMasks(line, this.masks);
    this.log.push(masked);
    appendFileSync(this.logFile, `${masked}\n`);
    this.options.onLog?.(masked);
  }

  async run(workflowPath: string): Promise<WorkflowRun> {
    const path = isAbsolute(workflowPath)
      ? relative(this.options.repository.dir, workflowPath)
      : workflowPath;
    const source: WorkflowSource = {
      repository: this.options.repository.name,
      ref: String(this.github.ref),
      sha: String(this.github.sha),
      root: this.options.repository.dir,
      path,
    };
    let outputs: Record<string, Record<string, string>> = {};
    this.issuer = await startIdTokenIssuer();
    try {
      const workflow = await loadWorkflow(source, (reference, from) =>
        this.resolveReference(reference, from),
      );
      this.github.workflow = workflowName(workflow);
      this.github.workflow_ref = `${source.repository}/${path}@${source.ref}`;
      this.github.workflow_sha = source.sha;
      const trigger = triggerInputs(
        workflow.template,
        this.options.event,
        {
          workflow: String(this.github.workflow),
          ref: String(this.github.ref),
          ref_name: String(this.github.ref_name),
        },
        this.options.environments ?? {},
      );
      this.github.event = trigger.payload;
      const inputs = trigger.inputs;
      this.write(`▶ ${this.github.workflow} (${path}) on ${this.options.event.name} at ${source.ref}`);
      this.recordConcurrency('(workflow)', mappingGet(workflow.raw, 'concurrency'), {
        contexts: { github: this.github, inputs, vars: this.vars() },
      });
      const results = await this.runJobs({
        workflow,
        prefix: '',
        inputs,
        secrets: { GITHUB_TOKEN: this.githubToken, ...(this.options.secrets ?? {}) },
        cap: WRITE_ALL,
        inherited: restrictedDefault(),
      });
      outputs = Object.fromEntries([...results].map(([id, entry]) => [id, entry.outputs]));
    } catch (error) {
      this.write(`✘ the run failed before it could finish: ${errorText(error)}`);
      throw new WorkflowRunError(errorText(error), this.logFile);
    } finally {
      await this.issuer.stop();
    }
    const conclusion = this.jobs.some((job) => job.result === 'failure' || job.result === 'cancelled')
      ? 'failure'
      : 'success';
    this.write(`■ run ${conclusion}`);
    const jobs = this.jobs;
    const idTokens = this.issuer.issued;
    return {
      idTokens,
      conclusion,
      jobs,
      outputs,
      concurrency: this.concurrency,
      approvals: this.approvals,
      thirdParty: this.thirdParty,
      artifacts: this.artifacts,
      log: this.log,
      logFile: this.logFile,
      job(path: string) {
        const found = jobs.filter(
          (job) => job.path === path || job.path.endsWith(` / ${path}`) || job.id === path,
        );
        if (found.length !== 1) {
          throw new Error(
            `job(${JSON.stringify(path)}): ${found.length} jobs match; jobs: ${jobs.map((j) => j.path).join(', ')}`,
          );
        }
        return found[0];
      },
    };
  }

  /** `./path` resolves in the repository and commit of the calling file; Berth's own name in Berth's tree. */
  private resolveReference(reference: FileReference, from: WorkflowSource): WorkflowSource {
    if (!('repository' in reference)) return { ...from, path: reference.path };
    const name = `${reference.owner}/${reference.repository}`;
    if (name.toLowerCase() !== this.berth.repository.toLowerCase()) {
      throw new UnmodelledError(
        `reusable workflow ${name}/${reference.path}@${reference.version}: only ${this.berth.repository} (this checkout) and ./ references are mapped`,
      );
    }
    const version = reference.version;
    const ref = version.startsWith('refs/')
      ? version
      : /^[0-9a-f]{40}$/.test(version)
        ? version
        : /^v\d/.test(version)
          ? `refs/tags/${version}`
          : `refs/heads/${version}`;
    return {
      repository: this.berth.repository,
      ref,
      sha: this.berth.sha,
      root: this.berth.root,
      path: reference.path,
    };
  }

  private async runJobs(frame: Frame): Promise<Map<string, NeedsEntry>> {
    const results = new Map<string, NeedsEntry>();
    const jobs = frame.workflow.template.jobs;
    const pending = [...jobs];
    while (pending.length > 0) {
      const index = pending.findIndex((job) => (job.needs ?? []).every((need) => results.has(need.value)));
      if (index < 0) throw new Error(`jobs ${pending.map((j) => j.id.value).join(', ')}: needs form a cycle`);
      const [job] = pending.splice(index, 1);
      results.set(job.id.value, await this.runJobWithStrategy(job, frame, results));
    }
    return results;
  }

  private ancestors(job: { needs?: { value: string }[] }, frame: Frame, seen = new Set<string>()): string[] {
    for (const need of job.needs ?? []) {
      if (seen.has(need.value)) continue;
      seen.add(need.value);
      const parent = frame.workflow.template.jobs.find((j) => j.id.value === need.value);
      if (parent) this.ancestors(parent, frame, seen);
    }
    return [...seen];
  }

  private vars(environment?: string): Record<string, string> {
    return {
      ...(this.options.vars ?? {}),
      ...(environment ? (this.options.environments?.[environment]?.vars ?? {}) : {}),
    };
  }

  private rawJob(frame: Frame, id: string): TemplateToken | undefined {
    return mappingGet(mappingGet(frame.workflow.raw, 'jobs'), id);
  }

  private async runJobWithStrategy(
    job: Job | ReusableWorkflowJob,
    frame: Frame,
    results: Map<string, NeedsEntry>,
  ): Promise<NeedsEntry> {
    const id = job.id.value;
    const path = `${frame.prefix}${id}`;
    const raw = this.rawJob(frame, id);
    const unknown = mappingKeys(raw).filter((key) => !JOB_KEYS.has(key));
    if (unknown.length > 0) throw new UnmodelledError(`job ${path}: ${unknown.join(', ')}`);
    const needs = Object.fromEntries((job.needs ?? []).map((need) => [need.value, results.get(need.value)]));
    const ancestry = this.ancestors(job, frame).map((name) => results.get(name)?.result);
    const status: StatusFunctions = {
      success: () => ancestry.every((result) => result === 'success'),
      failure: () => ancestry.some((result) => result === 'failure'),
      cancelled: () => false,
    };
    const scope: ExpressionScope = {
      contexts: { github: this.github, needs, vars: this.vars(), inputs: frame.inputs },
      status,
    };
    if (!evaluateCondition(job.if, scope)) {
      this.write(`○ ${path}: skipped (if: ${job.if.expression})`);
      this.jobs.push({
        path,
        id,
        name: id,
        workflowRef: workflowRef(frame.workflow.source),
        result: 'skipped',
        outputs: {},
        steps: [],
      });
      return { result: 'skipped', outputs: {} };
    }
    const combinations = this.matrix(job, scope, path);
    const entries: NeedsEntry[] = [];
    let failFast = false;
    for (const [index, matrix] of combinations.entries()) {
      const strategy = {
        'fail-fast': combinations.failFast,
        'job-index': index,
        'job-total': combinations.length,
        'max-parallel': combinations.length,
      };
      // Empty values name nothing: a one-region matrix of [""] (deploy.yml's default) keeps the job's plain path.
      const shown = Object.values(matrix ?? {})
        .map(String)
        .filter((value) => value !== '');
      const instancePath = shown.length > 0 ? `${path} (${shown.join(', ')})` : path;
      if (failFast) {
        this.write(`○ ${instancePath}: cancelled (fail-fast)`);
        this.jobs.push({
          path: instancePath,
          id,
          name: id,
          workflowRef: workflowRef(frame.workflow.source),
          result: 'cancelled',
          outputs: {},
          steps: [],
          matrix,
        });
        entries.push({ result: 'cancelled', outputs: {} });
        continue;
      }
      const context = { needs, strategy, matrix: matrix ?? null };
      const entry =
        job.type === 'reusableWorkflowJob'
          ? await this.runReusable(job, raw, frame, instancePath, context)
          : await this.runJob(job, raw, frame, instancePath, context);
      entries.push(entry);
      if (entry.result === 'failure' && combinations.failFast && matrix) failFast = true;
    }
    const result: Result = entries.some((e) => e.result === 'failure')
      ? 'failure'
      : entries.some((e) => e.result === 'cancelled')
        ? 'cancelled'
        : entries.every((e) => e.result === 'skipped')
          ? 'skipped'
          : 'success';
    return { result, outputs: Object.assign({}, ...entries.map((e) => e.outputs)) };
  }

  private matrix(
    job: Job | ReusableWorkflowJob,
    scope: ExpressionScope,
    path: string,
  ): Array<Record<string, unknown> | undefined> & { failFast: boolean } {
    const none = Object.assign([undefined] as Array<Record<string, unknown> | undefined>, { failFast: true });
    if (!job.strategy) return none;
    const strategy = toPlain(
      evaluateToken(job.strategy, {
        contexts: {
          github: scope.contexts.github,
          needs: scope.contexts.needs,
          vars: scope.contexts.vars,
          inputs: scope.contexts.inputs,
        },
      }),
    ) as Record<string, unknown>;
    const unknown = Object.keys(strategy).filter(
      (key) => !['matrix', 'fail-fast', 'max-parallel'].includes(key),
    );
    if (unknown.length > 0) throw new UnmodelledError(`job ${path}: strategy.${unknown.join(', ')}`);
    const combinations = strategy.matrix ? expandMatrix(strategy.matrix as Record<string, unknown>) : [];
    if (strategy.matrix && combinations.length === 0)
      throw new Error(`job ${path}: the matrix has no combinations`);
    return Object.assign(combinations.length > 0 ? combinations : [undefined], {
      failFast: strategy['fail-fast'] !== false,
    });
  }

  private permissionsFor(path: string, raw: TemplateToken | undefined, frame: Frame): Permissions {
    const own = readPermissions(mappingGet(raw, 'permissions'));
    const workflowLevel = readPermissions(mappingGet(frame.workflow.raw, 'permissions'));
    const requested = own ?? workflowLevel ?? frame.inherited;
    checkWithinCap(path, requested, frame.cap);
    return requested;
  }

  private recordConcurrency(path: string, token: TemplateToken | undefined, scope: ExpressionScope) {
    if (!token) return;
    const value = toPlain(evaluateToken(token, scope));
    const record =
      typeof value === 'string'
        ? { job: path, group: value, cancelInProgress: false }
        : {
            job: path,
            group: String((value as Record<string, unknown>).group ?? ''),
            cancelInProgress: (value as Record<string, unknown>)['cancel-in-progress'] === true,
          };
    this.concurrency.push(record);
    this.write(
      `  concurrency group ${record.group}${record.cancelInProgress ? ' (cancel-in-progress)' : ''}`,
    );
  }

  private async runReusable(
    job: ReusableWorkflowJob,
    raw: TemplateToken | undefined,
    frame: Frame,
    path: string,
    context: { needs: Record<string, unknown>; strategy: unknown; matrix: unknown },
  ): Promise<NeedsEntry> {
    const permissions = this.permissionsFor(path, raw, frame);
    const scope: ExpressionScope = {
      contexts: {
        github: this.github,
        needs: context.needs,
        strategy: context.strategy,
        matrix: context.matrix,
        inputs: frame.inputs,
        vars: this.vars(),
        secrets: frame.secrets,
      },
    };
    this.recordConcurrency(path, job.concurrency, scope);
    const source = this.resolveReference(parseFileReference(job.ref.value), frame.workflow.source);
    const called = await loadWorkflow(source, (reference, from) => this.resolveReference(reference, from));
    this.write(`▶ ${path}: calls ${workflowRef(source)}`);
    const inputs = callInputs(job, called, scope, path, {
      contexts: { github: this.github, vars: this.vars() },
    });
    const secrets: Record<string, string> = { GITHUB_TOKEN: this.githubToken };
    if (job['inherit-secrets']) Object.assign(secrets, frame.secrets);
    else Object.assign(secrets, evaluateStringMap(job['secret-values'], scope));
    const results = await this.runJobs({
      workflow: called,
      prefix: `${path} / `,
      inputs,
      secrets,
      cap: permissions,
      inherited: permissions,
    });
    const jobsContext = Object.fromEntries(results);
    const outputs: Record<string, string> = {};
    const outputScope: ExpressionScope = {
      contexts: { github: this.github, inputs, vars: this.vars(), jobs: jobsContext },
    };
    for (const pair of job.outputs ?? ([] as unknown as MappingToken)) {
      outputs[String(pair.key)] = evaluateString(mappingGet(pair.value, 'value'), outputScope);
    }
    const all = [...results.values()].map((entry) => entry.result);
    const result: Result = all.includes('failure')
      ? 'failure'
      : all.includes('cancelled')
        ? 'cancelled'
        : 'success';
    this.write(`■ ${path}: ${result}`);
    return { result, outputs };
  }

  private async approve(path: string, environment: string): Promise<ApprovalRecord | undefined> {
    const settings = this.options.environments?.[environment];
    const reviewers = settings?.reviewers ?? [];
    if (reviewers.length === 0) return undefined;
    if (!this.options.approve) {
      throw new UnmodelledError(
        `${path} waits for a reviewer of environment ${environment}, and the test gave no \`approve\` handler`,
      );
    }
    this.write(
      `⏸ ${path}: waiting for approval to deploy to ${environment} (reviewers: ${reviewers.join(', ')})`,
    );
    const decision = await this.options.approve({ environment, job: path, reviewers });
    if (!reviewers.includes(decision.reviewer)) {
      throw new Error(
        `${decision.reviewer} is not a required reviewer of ${environment} (${reviewers.join(', ')})`,
      );
    }
    const record: ApprovalRecord = { environment, job: path, reviewers, ...decision };
    this.approvals.push(record);
    this.write(
      `${decision.decision === 'approve' ? '✔ approved' : '✘ rejected'} by ${decision.reviewer}${decision.comment ? `: ${decision.comment}` : ''}`,
    );
    return record;
  }

  private async runJob(
    job: Job,
    raw: TemplateToken | undefined,
    frame: Frame,
    path: string,
    context: { needs: Record<string, unknown>; strategy: unknown; matrix: unknown },
  ): Promise<NeedsEntry> {
    const permissions = this.permissionsFor(path, raw, frame);
    const baseContexts = {
      github: this.github,
      needs: context.needs,
      strategy: context.strategy,
      matrix: context.matrix,
      inputs: frame.inputs,
      vars: this.vars(),
    };
    const name = job.name ? evaluateString(job.name, { contexts: baseContexts }) : job.id.value;
    const runsOn = job['runs-on']
      ? toPlain(evaluateToken(job['runs-on'], { contexts: baseContexts }))
      : undefined;
    if (runsOn === undefined) throw new Error(`${path}: runs-on is required`);
    let environment: string | undefined;
    if (job.environment) {
      const value = toPlain(evaluateToken(job.environment, { contexts: baseContexts }));
      environment =
        typeof value === 'string' ? value : String((value as Record<string, unknown>)?.name ?? '');
      if (!environment) throw new Error(`${path}: environment evaluates to an empty name`);
      if (!(environment in (this.options.environments ?? {}))) {
        // GitHub creates an environment a job names on first use; it then has no variables
        // and no reviewers, which is never what a Berth test means.
        throw new UnmodelledError(`${path}: environment ${environment} is not configured for this run`);
      }
    }
    const jobRun: JobRun = {
      path,
      id: job.id.value,
      name,
      workflowRef: workflowRef(frame.workflow.source),
      result: 'success',
      outputs: {},
      steps: [],
      environment,
      matrix: (context.matrix as Record<string, unknown> | null) ?? undefined,
      runsOn,
    };
    this.jobs.push(jobRun);
    this.write(
      `▶ ${path}${name !== job.id.value ? ` — ${name}` : ''}${environment ? ` [environment ${environment}]` : ''}`,
    );
    this.recordConcurrency(path, job.concurrency, { contexts: baseContexts });
    if (environment) {
      const approval = await this.approve(path, environment);
      if (approval?.decision === 'reject') {
        jobRun.result = 'failure';
        jobRun.failureReason = `rejected by ${approval.reviewer}`;
        this.write(`■ ${path}: failure (deployment to ${environment} rejected)`);
        return { result: 'failure', outputs: {} };
      }
    }

    const vars = this.vars(environment);
    const secrets = {
      ...frame.secrets,
      ...(environment ? (this.options.environments?.[environment]?.secrets ?? {}) : {}),
    };
    const jobDir = join(this.workDir, `job-${++this.jobCounter}-${job.id.value}`);
    const workspace = join(jobDir, 'workspace');
    const runnerTemp = join(jobDir, 'temp');
    mkdirSync(workspace, { recursive: true });
    mkdirSync(runnerTemp, { recursive: true });
    const github = { ...this.github, job: job.id.value, workspace };
    const runner = {
      os: 'Linux',
      arch: 'X64',
      name: 'berth-harness',
      temp: runnerTemp,
      environment: 'github-hosted',
    };
    const contexts = { ...baseContexts, github, vars, secrets, runner };

    const workflowEnv = evaluateStringMap(mappingGet(frame.workflow.raw, 'env'), {
      contexts: { github, inputs: frame.inputs, vars, secrets },
    });
    const jobEnv = {
      ...workflowEnv,
      ...evaluateStringMap(job.env, { contexts: { ...contexts, env: workflowEnv } }),
    };
    const unknownDefaults = mappingKeys(mappingGet(raw, 'defaults')).filter((key) => key !== 'run');
    if (unknownDefaults.length > 0 || mappingKeys(mappingGet(frame.workflow.raw, 'defaults')).length > 0) {
      throw new UnmodelledError(`${path}: defaults other than the job's defaults.run`);
    }
    const timeoutMinutes = Number(
      evaluateString(mappingGet(raw, 'timeout-minutes'), { contexts }) || DEFAULT_JOB_TIMEOUT_MINUTES,
    );
    const deadline = Date.now() + (timeoutMinutes * 60_000) / this.timeScale;

    const job_state = {
      failed: false,
      cancelled: false,
      exported: {} as Record<string, string>,
      path: [] as string[],
      steps: {} as Record<string, { outputs: Record<string, string>; outcome: Result; conclusion: Result }>,
    };
    const idToken = permissions['id-token'] === 'write';
    const rawSteps = sequenceItems(mappingGet(raw, 'steps'));
    if (rawSteps.length !== job.steps.length) throw new Error(`${path}: the parser dropped a step`);
    for (const [index, step] of job.steps.entries()) {
      const rawStep = rawSteps[index];
      const unknown = mappingKeys(rawStep).filter((key) => !STEP_KEYS.has(key));
      if (unknown.length > 0) throw new UnmodelledError(`${path}: step ${index + 1}: ${unknown.join(', ')}`);
      if (!('run' in step) && !('uses' in step)) throw new UnmodelledError(`${path}: step ${step.id} kind`);
      const status: StatusFunctions = {
        success: () => !job_state.failed && !job_state.cancelled,
        failure: () => job_state.failed,
        cancelled: () => job_state.cancelled,
      };
      const jobStatus = job_state.cancelled ? 'cancelled' : job_state.failed ? 'failure' : 'success';
      const stepContexts = {
        ...contexts,
        job: { status: jobStatus },
        steps: job_state.steps,
        env: { ...jobEnv, ...job_state.exported },
      };
      const stepRun = await this.runStep(step as Step & { if: TemplateToken }, rawStep, {
        path,
        stepContexts,
        status,
        workspace,
        runnerTemp,
        deadline,
        idToken,
        environment,
        frame,
        rawJob: raw,
        jobState: job_state,
      });
      jobRun.steps.push(stepRun);
      job_state.steps[step.id] = {
        outputs: stepRun.outputs,
        outcome: stepRun.outcome,
        conclusion: stepRun.conclusion,
      };
      if (stepRun.conclusion === 'failure') job_state.failed = true;
      if (Date.now() > deadline && !job_state.cancelled) {
        job_state.cancelled = true;
        jobRun.failureReason = `The job has exceeded the maximum execution time of ${timeoutMinutes} minutes.`;
        this.write(`  ✘ ${jobRun.failureReason}`);
      }
    }
    const outputScope: ExpressionScope = {
      contexts: {
        ...contexts,
        job: { status: job_state.failed ? 'failure' : 'success' },
        steps: job_state.steps,
        env: { ...jobEnv, ...job_state.exported },
      },
    };
    jobRun.outputs = evaluateStringMap(job.outputs, outputScope);
    // A timed-out job is cancelled by GitHub and concluded as a failure.
    jobRun.result = job_state.failed || job_state.cancelled ? 'failure' : 'success';
    this.write(`■ ${path}: ${jobRun.result}`);
    return { result: jobRun.result, outputs: jobRun.outputs };
  }

  private async runStep(
    step: Step & { if: TemplateToken },
    raw: TemplateToken,
    job: {
      path: string;
      stepContexts: Record<string, unknown>;
      status: StatusFunctions;
      workspace: string;
      runnerTemp: string;
      deadline: number;
      idToken: boolean;
      environment?: string;
      frame: Frame;
      rawJob: TemplateToken | undefined;
      jobState: { exported: Record<string, string>; path: string[]; cancelled: boolean };
    },
  ): Promise<StepRun> {
    const uses = 'uses' in step ? step.uses.value : undefined;
    const runText = 'run' in step ? step.run : undefined;
    const contexts = job.stepContexts;
    const shown = step.name
      ? evaluateString(step.name, { contexts })
      : uses
        ? `Run ${uses}`
        : `Run ${String(runText).split('\n')[0]}`;
    const stepRun: StepRun = {
      id: step.id,
      name: shown,
      uses,
      outcome: 'skipped',
      conclusion: 'skipped',
      outputs: {},
      annotations: [],
      summary: '',
      log: [],
    };
    if (!evaluateCondition(step.if, { contexts, status: job.status })) {
      this.write(`  ○ ${shown} (skipped)`);
      return stepRun;
    }
    if (job.jobState.cancelled) {
      // After a job timeout GitHub cancels the job and still runs `always()`/`cancelled()`
      // steps under its own cancellation rules, which the harness does not reproduce.
      throw new UnmodelledError(`${job.path}: step ${shown} would run after the job timed out`);
    }
    this.write(`  ▸ ${shown}`);
    const stepEnv = evaluateStringMap('env' in step ? step.env : undefined, { contexts });
    const scope: ExpressionScope = {
      contexts: { ...contexts, env: { ...(contexts.env as Record<string, string>), ...stepEnv } },
    };
    const continueToken = mappingGet(raw, 'continue-on-error');
    const continueOnError = continueToken ? evaluateCondition(continueToken, scope) : false;
    const stepTimeout = mappingGet(raw, 'timeout-minutes');
    const timeoutMs = Math.max(
      1,
      Math.min(
        job.deadline - Date.now(),
        stepTimeout
          ? (Number(evaluateString(stepTimeout, scope)) * 60_000) / this.timeScale
          : Number.POSITIVE_INFINITY,
      ),
    );
    const withToken = mappingGet(raw, 'with');
    let succeeded: boolean;
    if (uses) {
      succeeded = await this.runAction(uses, withToken, stepRun, stepEnv, scope, job, timeoutMs);
    } else {
      if (withToken) throw new UnmodelledError(`${job.path}: a run step with \`with:\``);
      succeeded = await this.runShell(
        evaluateString(runText, scope),
        raw,
        stepRun,
        stepEnv,
        scope,
        job,
        timeoutMs,
      );
    }
    stepRun.outcome = succeeded ? 'success' : 'failure';
    stepRun.conclusion = succeeded || continueOnError ? 'success' : 'failure';
    this.write(
      `  ${succeeded ? '✔' : '✘'} ${shown}: ${stepRun.outcome}${!succeeded && continueOnError ? ' (continue-on-error)' : ''}`,
    );
    return stepRun;
  }

  private processEnv(
    job: {
      path: string;
      workspace: string;
      runnerTemp: string;
      idToken: boolean;
      environment?: string;
      frame: Frame;
      jobState: { exported: Record<string, string>; path: string[] };
    },
    scope: ExpressionScope,
    stepEnv: Record<string, string>,
    files: Record<string, string>,
    extra: Record<string, string> = {},
  ): Record<string, string> {
    const eventFile = join(this.workDir, 'event.json');
    writeFileSync(eventFile, JSON.stringify(this.github.event ?? {}));
    const env = runnerEnvironment({
      github: scope.contexts.github as Record<string, string>,
      workspace: job.workspace,
      runnerTemp: job.runnerTemp,
      eventFile,
      addedPath: job.jobState.path,
      machine: {
        // Where AWS is (the emulator) and how fast its clock runs.
        AWS_ENDPOINT_URL: this.options.emulator.url,
        BERTH_TIME_SCALE: String(this.timeScale),
        ...(this.options.machineEnv ?? {}),
      },
      env: { ...(scope.contexts.env as Record<string, string>), ...stepEnv, ...extra },
      files,
    });
    if (job.idToken) {
      const claims = idTokenClaims({
        repository: this.options.repository.name,
        github: this.github as Record<string, string>,
        environment: job.environment,
        jobWorkflowRef: workflowRef(job.frame.workflow.source),
        jobWorkflowSha: job.frame.workflow.source.sha,
      });
      const { url, requestToken } = this.idTokens().forJob(claims);
      this.masks.add(requestToken);
      env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = requestToken;
      env.ACTIONS_ID_TOKEN_REQUEST_URL = url;
    }
    return env;
  }

  /** Reads the command files and stdout after a step, as the runner does. */
  private finishProcess(
    output: string,
    files: Record<string, string>,
    stepRun: StepRun,
    jobState: { exported: Record<string, string>; path: string[] },
  ): string[] {
    const scan = scanWorkflowCommands(output);
    for (const mask of scan.masks) this.masks.add(mask);
    for (const line of scan.lines) {
      this.write(`    ${line}`);
      stepRun.log.push(applyMasks(line, this.masks));
    }
    stepRun.annotations.push(...scan.annotations);
    if (scan.refused.length > 0) {
      throw new UnmodelledError(
        `${stepRun.name} printed ::${scan.refused.join('::, ::')}:: (disabled or replaced by GITHUB_OUTPUT/GITHUB_ENV/GITHUB_STATE files)`,
      );
    }
    stepRun.outputs = parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8'), 'GITHUB_OUTPUT');
    Object.assign(jobState.exported, parseCommandFile(readFileSync(files.GITHUB_ENV, 'utf8'), 'GITHUB_ENV'));
    const added = readFileSync(files.GITHUB_PATH, 'utf8').split('\n').filter(Boolean);
    jobState.path.unshift(...added.reverse());
    stepRun.summary = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
    return scan.refused;
  }

  private async runShell(
    script: string,
    raw: TemplateToken,
    stepRun: StepRun,
    stepEnv: Record<string, string>,
    scope: ExpressionScope,
    job: Parameters<Runner['processEnv']>[0] & { deadline: number; rawJob: TemplateToken | undefined },
    timeoutMs: number,
  ): Promise<boolean> {
    const defaults = mappingGet(mappingGet(job.rawJob, 'defaults'), 'run');
    const shell = evaluateString(mappingGet(raw, 'shell') ?? mappingGet(defaults, 'shell'), scope) || 'bash';
    const workingDirectory = evaluateString(
      mappingGet(raw, 'working-directory') ?? mappingGet(defaults, 'working-directory'),
      scope,
    );
    const files = commandFiles(job.runnerTemp);
    const scriptFile = join(job.runnerTemp, `${randomUUID()}.sh`);
    writeFileSync(scriptFile, script);
    // docs.github.com "Workflow syntax": bash → `bash --noprofile --norc -eo pipefail {0}`, sh → `sh -e {0}`.
    const commands: Record<string, [string, string[]]> = {
      bash: ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile]],
      sh: ['sh', ['-e', scriptFile]],
    };
    const command = commands[shell];
    if (!command) throw new UnmodelledError(`${job.path}: shell ${shell}`);
    const cwd = workingDirectory ? resolve(job.workspace, workingDirectory) : job.workspace;
    if (!existsSync(cwd)) {
      this.write(`    ##[error]working-directory ${workingDirectory} does not exist`);
      return false;
    }
    const env = this.processEnv(job, scope, stepEnv, files);
    const result = await runProcess(command[0], command[1], { cwd, env, timeoutMs });
    this.finishProcess(result.output, files, stepRun, job.jobState);
    if (result.timedOut) this.write('    ##[error]The action has timed out.');
    else if (result.exitCode !== 0)
      this.write(`    ##[error]Process completed with exit code ${result.exitCode}.`);
    return !result.timedOut && result.exitCode === 0;
  }

  private actionInputs(
    metadata: ActionTemplate,
    withToken: TemplateToken | undefined,
    scope: ExpressionScope,
    uses: string,
    path: string,
  ): Record<string, string> {
    const given = evaluateStringMap(withToken, scope);
    const declared = new Map((metadata.inputs ?? []).map((input) => [input.id.toLowerCase(), input]));
    const unexpected = Object.keys(given).filter((name) => !declared.has(name.toLowerCase()));
    if (unexpected.length > 0) {
      // GitHub only warns ("Unexpected input(s)"); the harness fails, because the value is silently lost.
      throw new StepSetupError(
        `${path}: ${uses}: unexpected input(s) ${unexpected.join(', ')}; valid inputs are ${[...declared.keys()].join(', ')}`,
      );
    }
    const inputs: Record<string, string> = {};
    for (const [id, input] of declared) {
      const key = Object.keys(given).find((name) => name.toLowerCase() === id);
      if (key !== undefined) inputs[input.id] = given[key];
      else if (input.default !== undefined) {
        const fallback = input.default;
        inputs[input.id] = isBasicExpression(fallback)
          ? evaluateString(fallback, scope)
          : isString(fallback) && fallback.value.includes('${{')
            ? evaluateString(fallback, scope)
            : String(fallback);
      }
    }
    return inputs;
  }

  private async runAction(
    uses: string,
    withToken: TemplateToken | undefined,
    stepRun: StepRun,
    stepEnv: Record<string, string>,
    scope: ExpressionScope,
    job: Parameters<Runner['processEnv']>[0] & { deadline: number },
    timeoutMs: number,
  ): Promise<boolean> {
    const thirdParty = thirdPartyAction(uses);
    if (thirdParty) {
      const inputs = this.actionInputs(thirdParty.metadata, withToken, scope, uses, job.path);
      stepRun.inputs = inputs;
      this.thirdParty.push({ job: job.path, step: stepRun.name, uses, inputs });
      switch (thirdParty.kind) {
        case 'checkout':
          return checkout(this.standInHost(), inputs, job.workspace);
        case 'upload-artifact':
          return uploadArtifact(this.standInHost(), inputs, job.workspace);
        case 'upload-sarif':
          return uploadSarif(this.standInHost(), inputs, job.workspace);
      }
    }
    const actionDir = this.localActionDir(uses, job.workspace, job.path);
    const metadataFile = ['action.yml', 'action.yaml']
      .map((f) => join(actionDir, f))
      .find((f) => existsSync(f));
    if (!metadataFile) {
      this.write(
        `    ##[error]Can't find 'action.yml' under '${actionDir}'. Did you forget to run actions/checkout?`,
      );
      return false;
    }
    const metadata = loadActionMetadata(metadataFile);
    const runs = metadata.runs;
    if (runs.using !== 'node24' && runs.using !== 'node20')
      throw new UnmodelledError(`${uses}: runs.using ${runs.using}`);
    if (runs.pre || runs.post) throw new UnmodelledError(`${uses}: pre/post scripts`);
    const inputs = this.actionInputs(metadata, withToken, scope, uses, job.path);
    stepRun.inputs = inputs;
    const inputEnv = Object.fromEntries(
      Object.entries(inputs).map(([name, value]) => [
        `INPUT_${name.replace(/ /g, '_').toUpperCase()}`,
        value,
      ]),
    );
    const files = commandFiles(job.runnerTemp);
    const env = this.processEnv(job, scope, stepEnv, files, inputEnv);
    const result = await runProcess(process.execPath, [join(actionDir, runs.main)], {
      cwd: job.workspace,
      env,
      timeoutMs,
    });
    this.finishProcess(result.output, files, stepRun, job.jobState);
    if (result.timedOut) this.write('    ##[error]The action has timed out.');
    return !result.timedOut && result.exitCode === 0;
  }

  /** `./path` in the workspace, or Berth's own `OWNER/berth/actions/<name>@ref` in this checkout. */
  private localActionDir(uses: string, workspace: string, path: string): string {
    if (uses.startsWith('./')) return resolve(workspace, uses);
    const match = /^([^/]+\/[^/@]+)\/(actions\/[^@]+)@(.+)$/.exec(uses);
    if (match && match[1].toLowerCase() === this.berth.repository.toLowerCase())
      return join(this.berth.root, match[2]);
    if (uses.startsWith('docker://')) throw new UnmodelledError(`${path}: docker actions (${uses})`);
    throw new UnmodelledError(`${path}: the action ${uses} (vendor its action.yml and add a stand-in)`);
  }
}

class StepSetupError extends Error {
  override name = 'StepSetupError';
}

function workflowName(workflow: LoadedWorkflow): string {
  const name = mappingGet(workflow.raw, 'name');
  return name ? String(name) : workflow.source.path;
}

function workflowRef(source: WorkflowSource): string {
  return `${source.repository}/${source.path}@${source.ref}`;
}
