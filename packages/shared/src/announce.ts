import type { Clock } from './clock.js';
import type { DeploymentRecord } from './deployment/record.js';
import { errorMessage } from './errors.js';
import {
  abortedStatusRequest,
  type BerthDeploymentPayload,
  type CreateStatusRequest,
  createDeploymentRequest,
  deploymentEnvironment,
  deploymentPayload,
  type GitHubDeploymentInputs,
  type GitHubDeploymentsApi,
  githubDeploymentsApi,
  githubWarning,
  lostStatusRequest,
  type PayloadSource,
  repositoryOf,
  statusRequest,
} from './github-deployment.js';
import type { Logger } from './logger.js';
import {
  eventOf,
  type FetchLike,
  messageBody,
  type NotifyEvent,
  type NotifyInputs,
  notificationDocument,
  type PostPolicy,
  postWebhook,
} from './notify.js';
import * as core from './runner.js';

/**
 * Tells the places teams look — a GitHub Deployment with statuses, a chat
 * webhook — what a deploy or rollback is doing, at the same points for both
 * actions: begin (before the ECS deployment starts), started, finished (or
 * aborted when ECS refused to start it). Every method swallows its failures
 * as warnings: announcing can delay a deploy by a bounded time, never fail it.
 */
export interface AnnouncerOptions {
  github: GitHubDeploymentInputs;
  notify: NotifyInputs;
  cluster: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  clock: Clock;
  setSecret?: (secret: string) => void;
  /** The GitHub REST calls; fetch by default. */
  createApi?: (
    token: string,
    repository: { owner: string; repo: string },
    env: NodeJS.ProcessEnv,
  ) => GitHubDeploymentsApi;
  fetch?: FetchLike;
  postPolicy?: PostPolicy;
}

export class DeploymentAnnouncer {
  /** The GitHub environment deployments are created in. */
  readonly environment: string;
  /** The GitHub API when deployments are on and possible; reads (rollback history) use it too. */
  readonly api?: GitHubDeploymentsApi;
  /** The GitHub deployment this run created, once created. */
  deploymentId?: number;
  private readonly ref?: string;
  private webhookGaveUp = false;

  constructor(private readonly options: AnnouncerOptions) {
    const { github, notify, env, logger } = options;
    const setSecret = options.setSecret ?? ((secret: string) => core.setSecret(secret));
    // Masked first, before anything below can print.
    if (github.token) setSecret(github.token);
    if (notify.webhook) setSecret(notify.webhook);
    this.environment = deploymentEnvironment(github, options.cluster);
    this.ref = env.GITHUB_SHA || env.GITHUB_REF || undefined;
    if (!github.enabled) return;
    const repository = repositoryOf(env);
    const missing = !github.token
      ? // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, shown as written
        'no `github-token` (the default is the job token, `${{ github.token }}`)'
      : !repository
        ? 'GITHUB_REPOSITORY is not set'
        : !this.ref
          ? 'neither GITHUB_SHA nor GITHUB_REF is set'
          : undefined;
    if (missing || !github.token || !repository) {
      logger.info(`GitHub deployment skipped: ${missing}.`);
      return;
    }
    this.api = (options.createApi ?? githubDeploymentsApi)(github.token, repository, env);
  }

  /**
   * Creates the GitHub deployment; call before the ECS deployment starts. `ref`:
   * the commit deployed when it is not the run's (a rollback restores an older one).
   */
  async begin(record: PayloadSource, undid?: BerthDeploymentPayload['undid'], ref?: string): Promise<void> {
    if (!this.api || !this.ref) return;
    const request = createDeploymentRequest({
      payload: deploymentPayload(record, undid),
      ref: ref ?? this.ref,
      environment: this.environment,
      productionEnvironment: this.options.github.productionEnvironment,
      transientEnvironment: this.options.github.transientEnvironment,
    });
    try {
      const created = await this.api.createDeployment(request);
      if (created.id === undefined) {
        this.options.logger.warning(
          `GitHub deployments: GitHub did not create the deployment (${created.message ?? 'no id in the answer'}). The deploy itself goes on.`,
        );
        return;
      }
      this.deploymentId = created.id;
      this.options.logger.info(
        `GitHub deployment ${created.id} created in environment \`${this.environment}\`.`,
      );
    } catch (error) {
      this.options.logger.warning(githubWarning('create the deployment', error, 'deployments: write'));
    }
  }

  /** The ECS deployment started: `in_progress` with this run's log, and the `started` message. */
  async started(record: DeploymentRecord): Promise<void> {
    await this.setStatus(statusRequest({ ...record, status: 'started' }, this.options.github.environmentUrl));
    await this.notify('started', record);
  }

  /** How it ended, as the record says; a record still `started` (not followed) leaves `in_progress`. */
  async finished(record: DeploymentRecord): Promise<void> {
    if (record.status === 'started') return;
    await this.setStatus(statusRequest(record, this.options.github.environmentUrl));
    const event = eventOf(record.status);
    if (event) await this.notify(event, record);
  }

  /** ECS refused to start the deployment after the GitHub deployment was created. */
  async aborted(error: unknown, draft: PayloadSource): Promise<void> {
    if (this.deploymentId === undefined && !this.options.notify.webhook) return;
    const reason = errorMessage(error);
    await this.setStatus(abortedStatusRequest(reason, draft.run.runUrl));
    const at = new Date(this.options.clock.now()).toISOString();
    await this.notify('failed', {
      schema: 'berth.deployment-record/v1',
      ...draft,
      status: 'failed',
      reason,
      startedAt: at,
      endedAt: at,
      events: [],
    });
  }

  /** Following the ECS deployment broke off (an AWS error): `error`, Berth cannot tell how it ends. */
  async lost(error: unknown, record: DeploymentRecord): Promise<void> {
    const reason = `Berth could not follow the deployment: ${errorMessage(error)}`;
    await this.setStatus(lostStatusRequest(reason, record.run.runUrl));
    await this.notify('failed', { ...record, status: 'failed', reason });
  }

  private async setStatus(request: CreateStatusRequest | undefined): Promise<void> {
    if (!this.api || this.deploymentId === undefined || !request) return;
    try {
      await this.api.createStatus(this.deploymentId, request);
      this.options.logger.info(`GitHub deployment ${this.deploymentId}: ${request.state}.`);
    } catch (error) {
      this.options.logger.warning(
        githubWarning(`set the deployment status to ${request.state}`, error, 'deployments: write'),
      );
    }
  }

  private async notify(event: NotifyEvent, record: DeploymentRecord): Promise<void> {
    const { webhook, format } = this.options.notify;
    if (!webhook) return;
    if (this.webhookGaveUp) {
      this.options.logger.info(
        `Webhook: the \`${event}\` message is not sent; the webhook failed earlier in this run.`,
      );
      return;
    }
    const body = messageBody(format, notificationDocument(event, record, this.environment));
    const result = await postWebhook(webhook, body, {
      clock: this.options.clock,
      policy: this.options.postPolicy,
      fetch: this.options.fetch,
    });
    if (result.ok) {
      this.options.logger.info(`Webhook: \`${event}\` message sent (${format}).`);
      return;
    }
    this.webhookGaveUp = true;
    this.options.logger.warning(
      `Webhook: could not send the \`${event}\` message after ${result.attempts} attempt(s) (${result.error}); later messages of this run are skipped. The deploy itself goes on.`,
    );
  }
}

/**
 * The announcer of one deploy or rollback step, made (and its secrets masked)
 * before the step prints anything; `make` is the tests' seam.
 */
export function createAnnouncer(
  inputs: { github: GitHubDeploymentInputs; notify: NotifyInputs; cluster: string },
  deps: {
    announcer?: (options: AnnouncerOptions) => DeploymentAnnouncer;
    env: NodeJS.ProcessEnv;
    logger: Logger;
    clock: Clock;
  },
): DeploymentAnnouncer {
  const make = deps.announcer ?? ((options: AnnouncerOptions) => new DeploymentAnnouncer(options));
  return make({
    github: inputs.github,
    notify: inputs.notify,
    cluster: inputs.cluster,
    env: deps.env,
    logger: deps.logger,
    clock: deps.clock,
  });
}
