import type { OciLabelContext } from './oci-labels.js';
import type { TagContext } from './tags.js';
import type { TempFiles } from './temp-files.js';

/** What the workflow run tells about itself, read from the runner's environment. */
export interface RunContext {
  sha?: string;
  ref?: string;
  headRef?: string;
  runNumber?: string;
  runAttempt?: string;
  /** `https://github.com/acme/shop`, when the runner says where the repository lives. */
  repositoryUrl?: string;
  /** `shop` from GITHUB_REPOSITORY `acme/shop`. */
  repositoryName?: string;
  /** `github-hosted` or `self-hosted` (RUNNER_ENVIRONMENT); undefined on older runners. */
  runnerEnvironment?: string;
  runnerTemp?: string;
  /** GITHUB_EVENT_NAME. */
  eventName?: string;
  /** GITHUB_BASE_REF: a pull request's base branch. */
  baseRef?: string;
  /** The repository as the event payload describes it (absent where there is no payload). */
  repository?: RepositoryFacts;
}

/** What the event payload's `repository` object says, for tag rules and OCI labels. */
export interface RepositoryFacts {
  name?: string;
  defaultBranch?: string;
  description?: string;
  /** SPDX id of the licence, e.g. `MIT`. */
  license?: string;
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** The `repository` facts of a webhook payload (https://docs.github.com/en/webhooks/webhook-events-and-payloads). */
export function repositoryFacts(payload: unknown): RepositoryFacts | undefined {
  const repository = (payload as { repository?: Record<string, unknown> } | undefined)?.repository;
  if (typeof repository !== 'object' || repository === null) return undefined;
  const license = repository.license as { spdx_id?: unknown } | undefined;
  return {
    name: text(repository.name),
    defaultBranch: text(repository.default_branch),
    description: text(repository.description),
    // GitHub reports an unrecognised licence as NOASSERTION: not a licence to label an image with.
    license: text(license?.spdx_id) === 'NOASSERTION' ? undefined : text(license?.spdx_id),
  };
}

/**
 * The event payload at GITHUB_EVENT_PATH (a file the runner writes into its
 * temp folder), or undefined when there is none or it is not JSON. Only
 * `repositoryFacts` looks into it.
 */
export async function readEventPayload(
  files: Pick<TempFiles, 'read'>,
  path: string | undefined,
): Promise<unknown> {
  const text = path ? await files.read(path) : undefined;
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The run's facts from the runner's environment and, when given, the event payload. */
export function readRunContext(env: NodeJS.ProcessEnv, payload?: unknown): RunContext {
  const server = env.GITHUB_SERVER_URL || 'https://github.com';
  return {
    eventName: env.GITHUB_EVENT_NAME || undefined,
    baseRef: env.GITHUB_BASE_REF || undefined,
    repository: repositoryFacts(payload),
    sha: env.GITHUB_SHA || undefined,
    ref: env.GITHUB_REF || undefined,
    headRef: env.GITHUB_HEAD_REF || undefined,
    runNumber: env.GITHUB_RUN_NUMBER || undefined,
    runAttempt: env.GITHUB_RUN_ATTEMPT || undefined,
    repositoryName: env.GITHUB_REPOSITORY?.split('/')[1] || undefined,
    repositoryUrl: env.GITHUB_REPOSITORY
      ? `${server.replace(/\/+$/, '')}/${env.GITHUB_REPOSITORY}`
      : undefined,
    runnerEnvironment: env.RUNNER_ENVIRONMENT || undefined,
    runnerTemp: env.RUNNER_TEMP || undefined,
  };
}

/**
 * Registry credentials outlive the step in the builder's config file. On a
 * GitHub-hosted runner the machine is thrown away after the job; anywhere else
 * (self-hosted, Kubernetes, an unknown runner) the next job could reuse them.
 */
export function shouldLogout(run: Pick<RunContext, 'runnerEnvironment'>): boolean {
  return run.runnerEnvironment !== 'github-hosted';
}

export function tagContext(
  run: RunContext,
  now: Date,
  inputs: { version?: string; environment?: string },
): TagContext {
  return {
    sha: run.sha,
    ref: run.ref,
    headRef: run.headRef,
    runNumber: run.runNumber,
    runAttempt: run.runAttempt,
    now,
    version: inputs.version,
    environment: inputs.environment,
    eventName: run.eventName,
    defaultBranch: run.repository?.defaultBranch,
    baseRef: run.baseRef,
  };
}

/** What the OCI labels say about the repository and this build. */
export function labelContext(run: RunContext, now: Date, version: string): OciLabelContext {
  return {
    repositoryUrl: run.repositoryUrl,
    title: run.repository?.name ?? run.repositoryName,
    description: run.repository?.description,
    licenses: run.repository?.license,
    sha: run.sha,
    now,
    version,
  };
}
