import type { Outcome } from './deployment/follow.js';
import type { DeploymentRecord, ImageMap, RunContext } from './deployment/record.js';
import { ConfigurationError, errorMessage } from './errors.js';
import type { InputReader } from './inputs.js';

/**
 * GitHub Deployments for deploy-ecs and rollback: the audit trail on the
 * repository's Environments page. Pure request builders first (tested against
 * GitHub's OpenAPI description), then the small I/O surface: four REST calls
 * through Node's fetch (no Octokit and HTTP stack in the bundles).
 * Nothing here may fail a deploy: callers turn every API error into a warning.
 */

/** The inputs both actions declare (names as in action.yml). */
export const GITHUB_DEPLOYMENT_INPUT_NAMES = [
  'github-deployment',
  'github-token',
  'environment',
  'environment-url',
  'production-environment',
  'transient-environment',
] as const;

export interface GitHubDeploymentInputs {
  enabled: boolean;
  /** Empty when the job has no token: deployments are then skipped with a notice. */
  token?: string;
  /** The GitHub environment; undefined means the cluster name (see deploymentEnvironment()). */
  environment?: string;
  environmentUrl?: string;
  productionEnvironment?: boolean;
  transientEnvironment?: boolean;
}

/** GitHub allows at most this many characters in a deployment status description (OpenAPI description). */
export const STATUS_DESCRIPTION_LIMIT = 140;
/** A deployment's `description` is free text; kept as short as a status's so it reads the same. */
export const DEPLOYMENT_DESCRIPTION_LIMIT = 140;
/** Environment names are at most 255 characters (GitHub's environment settings). */
const ENVIRONMENT_NAME_LIMIT = 255;

export function readGitHubDeploymentInputs(reader: InputReader): GitHubDeploymentInputs {
  const enabled = reader.boolean('github-deployment', true);
  const token = reader.optional('github-token');
  const environment = reader.optional('environment');
  if (environment && environment.length > ENVIRONMENT_NAME_LIMIT) {
    throw new ConfigurationError(
      `Input \`environment\` is ${environment.length} characters long; GitHub environment names have at most ${ENVIRONMENT_NAME_LIMIT}. Use the environment's name, e.g. \`environment: production\`.`,
    );
  }
  const environmentUrl = reader.optional('environment-url');
  if (environmentUrl && !isHttpUrl(environmentUrl)) {
    throw new ConfigurationError(
      `Input \`environment-url\` must be an http(s) URL, got ${JSON.stringify(environmentUrl.slice(0, 200))}. Give the address where the environment can be reached, e.g. \`environment-url: https://shop.example.com\`.`,
    );
  }
  const optionalBoolean = (name: string) =>
    reader.raw(name) === '' ? undefined : reader.boolean(name, false);
  return {
    enabled,
    token,
    environment,
    environmentUrl,
    productionEnvironment: optionalBoolean('production-environment'),
    transientEnvironment: optionalBoolean('transient-environment'),
  };
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** The `environment` input, else the cluster's name: one environment per cluster unless told otherwise. */
export function deploymentEnvironment(
  inputs: Pick<GitHubDeploymentInputs, 'environment'>,
  cluster: string,
): string {
  return inputs.environment ?? clusterName(cluster);
}

/** `shop` from `shop` or `arn:aws:ecs:…:cluster/shop`. */
export function clusterName(cluster: string): string {
  return cluster.startsWith('arn:') ? (cluster.split('/').pop() ?? cluster) : cluster;
}

/** Cuts `text` to `limit` characters (code points), ending in `…` when cut. */
export function cut(text: string, limit: number): string {
  const characters = Array.from(text.replace(/\s+/g, ' ').trim());
  return characters.length <= limit ? characters.join('') : `${characters.slice(0, limit - 1).join('')}…`;
}

export type GitHubDeploymentState = 'in_progress' | 'success' | 'failure' | 'error';

/** How an ECS outcome reads as a GitHub deployment state. */
export function stateOf(outcome: Outcome): GitHubDeploymentState {
  switch (outcome) {
    case 'succeeded':
      return 'success';
    case 'failed':
    case 'rolled-back':
      return 'failure';
    case 'timed-out':
      // Berth could not tell how it ended: ECS carries on.
      return 'error';
  }
}

/**
 * What a Berth deployment's payload holds: the deployment record as far as it
 * is known when the deployment is created (GitHub cannot change a payload
 * later). A rollback's payload names what it undid.
 */
export interface BerthDeploymentPayload {
  schema: 'berth.github-deployment/v1';
  kind: DeploymentRecord['kind'];
  cluster: string;
  service?: string;
  region?: string;
  from?: { taskDefinitionArn?: string; images: ImageMap; digests: ImageMap };
  to: { taskDefinitionArn: string; images: ImageMap; digests: ImageMap };
  strategy?: string;
  requestedReason?: string;
  /** For a rollback: the task definition it replaced and, when known, the GitHub deployment that put it there. */
  undid?: { taskDefinitionArn: string; githubDeploymentId?: number; serviceDeploymentArn?: string };
  run: Pick<RunContext, 'runUrl' | 'actor' | 'workflow' | 'eventName'>;
}

/** Container → digest, for images pinned by digest. */
export function digestsOf(images: ImageMap): ImageMap {
  const digests: ImageMap = {};
  for (const [container, image] of Object.entries(images)) {
    const at = image.lastIndexOf('@');
    if (at !== -1 && image.slice(at + 1).startsWith('sha256:')) digests[container] = image.slice(at + 1);
  }
  return digests;
}

export type PayloadSource = Pick<
  DeploymentRecord,
  'kind' | 'cluster' | 'service' | 'region' | 'from' | 'to' | 'strategy' | 'requestedReason' | 'run'
>;

export function deploymentPayload(
  record: PayloadSource,
  undid?: BerthDeploymentPayload['undid'],
): BerthDeploymentPayload {
  return {
    schema: 'berth.github-deployment/v1',
    kind: record.kind,
    cluster: record.cluster,
    service: record.service,
    region: record.region,
    from: record.from ? { ...record.from, digests: digestsOf(record.from.images) } : undefined,
    to: { ...record.to, digests: digestsOf(record.to.images) },
    strategy: record.strategy,
    requestedReason: record.requestedReason,
    ...(undid ? { undid } : {}),
    run: {
      runUrl: record.run.runUrl,
      actor: record.run.actor,
      workflow: record.run.workflow,
      eventName: record.run.eventName,
    },
  };
}

const taskDefinitionName = (arn: string | undefined) => (arn ? (arn.split('/').pop() ?? arn) : '?');

/** POST /repos/{owner}/{repo}/deployments body. */
export interface CreateDeploymentRequest {
  ref: string;
  task: string;
  auto_merge: false;
  required_contexts: string[];
  payload: BerthDeploymentPayload;
  environment: string;
  description: string;
  production_environment?: boolean;
  transient_environment?: boolean;
}

export function createDeploymentRequest(options: {
  payload: BerthDeploymentPayload;
  ref: string;
  environment: string;
  productionEnvironment?: boolean;
  transientEnvironment?: boolean;
}): CreateDeploymentRequest {
  const { payload } = options;
  const verb = payload.kind === 'rollback' ? 'Roll back' : payload.kind === 'hotfix' ? 'Hotfix' : 'Deploy';
  const description = `${verb} ${payload.service ?? 'task'} in ${clusterName(payload.cluster)}: ${taskDefinitionName(payload.from?.taskDefinitionArn)} → ${taskDefinitionName(payload.to.taskDefinitionArn)}`;
  return {
    ref: options.ref,
    // `deploy` is GitHub's default task; a rollback says so, so the Environments page tells them apart.
    task: payload.kind === 'rollback' ? 'deploy:rollback' : 'deploy',
    // Berth deploys what the pipeline built: GitHub must neither merge the default branch in nor wait for checks.
    auto_merge: false,
    required_contexts: [],
    payload,
    environment: options.environment,
    description: cut(description, DEPLOYMENT_DESCRIPTION_LIMIT),
    ...(options.productionEnvironment !== undefined
      ? { production_environment: options.productionEnvironment }
      : {}),
    ...(options.transientEnvironment !== undefined
      ? { transient_environment: options.transientEnvironment }
      : {}),
  };
}

/** POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses body. */
export interface CreateStatusRequest {
  state: GitHubDeploymentState;
  description: string;
  log_url?: string;
  environment_url?: string;
}

/** The status for a record: `in_progress` while it runs (`started`), then how it ended. */
export function statusRequest(
  record: Pick<
    DeploymentRecord,
    'status' | 'reason' | 'to' | 'service' | 'serviceDeploymentArn' | 'deploymentId' | 'run'
  >,
  environmentUrl?: string,
): CreateStatusRequest | undefined {
  const to = taskDefinitionName(record.to.taskDefinitionArn);
  const ecs = record.serviceDeploymentArn ?? record.deploymentId;
  let state: GitHubDeploymentState;
  let description: string;
  switch (record.status) {
    case 'started':
      state = 'in_progress';
      description = `ECS deployment of ${to} started${ecs ? `: ${ecs}` : ''}`;
      break;
    case 'succeeded':
      state = 'success';
      description = `${to} runs on ${record.service ?? 'the service'}`;
      break;
    case 'rolled-back':
      state = 'failure';
      description = `Rolled back: ${record.reason ?? 'ECS rolled the deployment back'}`;
      break;
    case 'failed':
      state = 'failure';
      description = `Failed: ${record.reason ?? 'the deployment failed'}`;
      break;
    case 'timed-out':
      state = 'error';
      description = `Timed out, outcome unknown: ${record.reason ?? 'ECS carries on'}`;
      break;
    default:
      // dry-run and nothing-to-do never create a deployment.
      return undefined;
  }
  return {
    state,
    description: cut(description, STATUS_DESCRIPTION_LIMIT),
    ...(record.run.runUrl ? { log_url: record.run.runUrl } : {}),
    ...(state === 'success' && environmentUrl ? { environment_url: environmentUrl } : {}),
  };
}

/** The status of a deployment whose ECS side could not be started (UpdateService refused). */
export function abortedStatusRequest(reason: string, runUrl: string | undefined): CreateStatusRequest {
  return {
    state: 'failure',
    description: cut(`Not started: ${reason}`, STATUS_DESCRIPTION_LIMIT),
    ...(runUrl ? { log_url: runUrl } : {}),
  };
}

/** The status of a deployment Berth stopped following (an AWS error): it cannot tell how it ends. */
export function lostStatusRequest(reason: string, runUrl: string | undefined): CreateStatusRequest {
  return {
    state: 'error',
    description: cut(reason, STATUS_DESCRIPTION_LIMIT),
    ...(runUrl ? { log_url: runUrl } : {}),
  };
}

/** A listed deployment, as far as Berth reads it. */
export interface ListedGitHubDeployment {
  id: number;
  sha: string;
  environment: string;
  created_at: string;
  payload: unknown;
}

export interface ListedGitHubStatus {
  state: string;
  created_at: string;
}

/** The GitHub REST calls Berth makes; fetch in production, anything in tests. */
export interface GitHubDeploymentsApi {
  createDeployment(request: CreateDeploymentRequest): Promise<{ id?: number; message?: string }>;
  createStatus(deploymentId: number, request: CreateStatusRequest): Promise<void>;
  listDeployments(environment: string, perPage: number): Promise<ListedGitHubDeployment[]>;
  listStatuses(deploymentId: number, perPage: number): Promise<ListedGitHubStatus[]>;
}

/** GitHub API calls give up after this long: a slow GitHub costs a warning, never a stuck deploy. */
export const GITHUB_REQUEST_TIMEOUT_MS = 15_000;

/** `owner/repo` from GITHUB_REPOSITORY. */
export function repositoryOf(env: NodeJS.ProcessEnv): { owner: string; repo: string } | undefined {
  const [owner, repo, ...rest] = (env.GITHUB_REPOSITORY ?? '').split('/');
  return owner && repo && rest.length === 0 ? { owner, repo } : undefined;
}

/** A GitHub REST call that got an answer other than 2xx (the shape of Octokit's RequestError). */
export class GitHubRequestError extends Error {
  override name = 'HttpError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * The REST calls through Node's fetch, as GitHub documents them
 * (https://docs.github.com/rest/deployments): the API root from GITHUB_API_URL
 * (GitHub Enterprise Server) or api.github.com, the token in Authorization,
 * the versioned JSON media type. Every call gives up after `timeoutMs`.
 */
export function githubDeploymentsApi(
  token: string,
  repository: { owner: string; repo: string },
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = GITHUB_REQUEST_TIMEOUT_MS,
): GitHubDeploymentsApi {
  const root = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const base = `${root}/repos/${encodeURIComponent(repository.owner)}/${encodeURIComponent(repository.repo)}`;
  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        Accept: 'application/vnd.github+json',
        // The scheme Octokit sends; GitHub's REST docs accept `token` and `Bearer` alike.
        Authorization: `token ${token}`,
        'X-GitHub-Api-Version': '2022-11-28',
        'User-Agent': 'berth',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const data = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      // GitHub's error body: {message, documentation_url}; Octokit joins them with " - ".
      const { message, documentation_url: docs } = (data ?? {}) as {
        message?: string;
        documentation_url?: string;
      };
      throw new GitHubRequestError(
        `${message ?? `HTTP ${response.status}`}${docs ? ` - ${docs}` : ''}`,
        response.status,
      );
    }
    return data as T;
  }
  return {
    async createDeployment(body) {
      const data = await call<{ id?: number; message?: string }>('POST', '/deployments', body);
      return { id: data.id, message: data.message };
    },
    async createStatus(deploymentId, body) {
      await call('POST', `/deployments/${deploymentId}/statuses`, body);
    },
    async listDeployments(environment, perPage) {
      const query = new URLSearchParams({ environment, per_page: String(perPage) });
      const data = await call<ListedGitHubDeployment[]>('GET', `/deployments?${query}`);
      return data.map((d) => ({
        id: d.id,
        sha: d.sha,
        environment: d.environment,
        created_at: d.created_at,
        payload: d.payload,
      }));
    },
    async listStatuses(deploymentId, perPage) {
      const query = new URLSearchParams({ per_page: String(perPage) });
      const data = await call<ListedGitHubStatus[]>('GET', `/deployments/${deploymentId}/statuses?${query}`);
      return data.map((s) => ({ state: s.state, created_at: s.created_at }));
    },
  };
}

/** The former name, from when the calls went through @actions/github. */
export const octokitDeploymentsApi = githubDeploymentsApi;

/** The HTTP status of a failed GitHub request, when it has one. */
export function githubStatusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * A warning for a failed GitHub call: what failed, why, what to change. A
 * missing permission names the one to add; the deploy goes on either way.
 */
export function githubWarning(operation: string, error: unknown, permission: string): string {
  const status = githubStatusOf(error);
  const message = errorMessage(error).split(' - https://')[0];
  if (status === 403 && /not accessible by integration|permission|forbidden/i.test(message)) {
    return `GitHub deployments: could not ${operation} (403 ${message}). Give the job \`permissions: ${permission}\` (or set \`github-deployment: false\`); the deploy itself goes on.`;
  }
  if (status === 401) {
    return `GitHub deployments: could not ${operation} (401 ${message}): the \`github-token\` input is not a valid token. The deploy itself goes on.`;
  }
  if (status === 404) {
    return `GitHub deployments: could not ${operation} (404 ${message}): the repository is not visible to the \`github-token\`. The deploy itself goes on.`;
  }
  // fetch's timeout is a TimeoutError (Octokit wrapped it in a RequestError with status 500; the cause told).
  const names = [error, (error as { cause?: unknown } | null)?.cause].map(
    (e) => (e as { name?: string } | null)?.name,
  );
  const timedOut = names.some((name) => name === 'TimeoutError' || name === 'AbortError');
  const why = timedOut ? 'no answer in time' : `${status ? `${status} ` : ''}${message}`;
  return `GitHub deployments: could not ${operation} (${why}). The deploy itself goes on.`;
}

/** A Berth deployment read back from GitHub: what it deployed and whether it ever succeeded. */
export interface BerthGitHubDeployment {
  id: number;
  sha: string;
  createdAt: Date;
  payload: BerthDeploymentPayload;
  /** Newest status first. */
  states: string[];
}

/** Whether a listed deployment's payload is Berth's, for this cluster and service. */
export function isBerthPayloadFor(
  payload: unknown,
  cluster: string,
  service: string,
): payload is BerthDeploymentPayload {
  if (typeof payload !== 'object' || payload === null) return false;
  const p = payload as Partial<BerthDeploymentPayload>;
  return (
    p.schema === 'berth.github-deployment/v1' &&
    typeof p.to?.taskDefinitionArn === 'string' &&
    clusterName(p.cluster ?? '') === clusterName(cluster) &&
    sameServiceName(p.service, service)
  );
}

const sameServiceName = (a: string | undefined, b: string) =>
  a !== undefined && (a.split('/').pop() ?? a) === (b.split('/').pop() ?? b);

/** Deployments read per listing; the newest are the ones that matter. */
export const GITHUB_HISTORY_DEPLOYMENTS = 30;
/** Statuses read per deployment (newest first). */
export const GITHUB_HISTORY_STATUSES = 20;

/** Berth's deployments of this service in the environment, newest first, each with its statuses. */
export async function readGitHubHistory(
  api: GitHubDeploymentsApi,
  environment: string,
  cluster: string,
  service: string,
  /** false: skip the per-deployment status reads (`states` stays empty). */
  withStatuses = true,
): Promise<BerthGitHubDeployment[]> {
  const listed = await api.listDeployments(environment, GITHUB_HISTORY_DEPLOYMENTS);
  const ours = listed
    .filter((d) => isBerthPayloadFor(d.payload, cluster, service))
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id);
  const result: BerthGitHubDeployment[] = [];
  for (const deployment of ours) {
    const statuses = withStatuses ? await api.listStatuses(deployment.id, GITHUB_HISTORY_STATUSES) : [];
    result.push({
      id: deployment.id,
      sha: deployment.sha,
      createdAt: new Date(deployment.created_at),
      payload: deployment.payload as BerthDeploymentPayload,
      states: [...statuses]
        .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))
        .map((s) => s.state),
    });
  }
  return result;
}
