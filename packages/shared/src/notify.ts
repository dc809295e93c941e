import type { Clock } from './clock.js';
import type { DeploymentRecord } from './deployment/record.js';
import { ConfigurationError, errorMessage } from './errors.js';
import type { InputReader } from './inputs.js';

/**
 * Webhook notifications at each stage of a deploy or rollback: Slack-compatible
 * JSON (blocks) or a plain JSON document. Message builders are pure; posting
 * retries a bounded number of times and never throws: a broken webhook is a
 * warning, never a failed deploy.
 */

export const NOTIFY_INPUT_NAMES = ['notify-webhook', 'notify-format'] as const;
export const NOTIFY_FORMATS = ['slack', 'json'] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

export interface NotifyInputs {
  /** A secret: masked before anything is printed, never echoed in errors. */
  webhook?: string;
  format: NotifyFormat;
}

export function readNotifyInputs(reader: InputReader): NotifyInputs {
  const webhook = reader.optional('notify-webhook');
  if (webhook !== undefined) {
    let protocol: string | undefined;
    try {
      protocol = new URL(webhook).protocol;
    } catch {
      protocol = undefined;
    }
    // The value is a secret (webhook URLs carry their token): the message never repeats it.
    if (protocol !== 'https:' && protocol !== 'http:') {
      throw new ConfigurationError(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, shown as written
        'Input `notify-webhook` must be an http(s) URL (the value is not shown: it is a secret). Pass the incoming-webhook URL from a secret, e.g. `notify-webhook: ${{ secrets.DEPLOY_WEBHOOK }}`.',
      );
    }
  }
  return { webhook, format: reader.enumeration('notify-format', NOTIFY_FORMATS, 'slack') };
}

/** The stages a message is sent for. */
export type NotifyEvent = 'started' | 'succeeded' | 'failed' | 'rolled-back' | 'timed-out';

export function eventOf(status: DeploymentRecord['status']): NotifyEvent | undefined {
  switch (status) {
    case 'started':
    case 'succeeded':
    case 'failed':
    case 'rolled-back':
    case 'timed-out':
      return status;
    default:
      return undefined;
  }
}

/** The plain JSON document (`notify-format: json`); the Slack message carries the same facts. */
export interface NotificationDocument {
  schema: 'berth.notification/v1';
  event: NotifyEvent;
  kind: DeploymentRecord['kind'];
  environment: string;
  cluster: string;
  service?: string;
  from?: { taskDefinitionArn?: string; images: Record<string, string> };
  to: { taskDefinitionArn: string; images: Record<string, string> };
  /** Why it ended as it did (failure), or the operator's reason (rollback, hotfix). */
  reason?: string;
  requestedReason?: string;
  deploymentId?: string;
  serviceDeploymentArn?: string;
  repository?: string;
  sha?: string;
  actor?: string;
  runUrl?: string;
}

export function notificationDocument(
  event: NotifyEvent,
  record: DeploymentRecord,
  environment: string,
): NotificationDocument {
  return {
    schema: 'berth.notification/v1',
    event,
    kind: record.kind,
    environment,
    cluster: record.cluster,
    service: record.service,
    from: record.from,
    to: record.to,
    reason: record.reason,
    requestedReason: record.requestedReason,
    deploymentId: record.deploymentId,
    serviceDeploymentArn: record.serviceDeploymentArn,
    repository: record.run.repository,
    sha: record.run.sha,
    actor: record.run.actor,
    runUrl: record.run.runUrl,
  };
}

/**
 * Text for Slack's mrkdwn: `&`, `<` and `>` are control characters there
 * (https://api.slack.com/reference/surfaces/formatting#escaping), so text Berth
 * did not write — reasons, events, names — cannot become a link or a mention.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const HEADLINES: Record<NotifyEvent, { icon: string; deploy: string; rollback: string }> = {
  started: { icon: '🚀', deploy: 'Deploy started', rollback: 'Rollback started' },
  succeeded: { icon: '✅', deploy: 'Deploy succeeded', rollback: 'Rollback succeeded' },
  failed: { icon: '❌', deploy: 'Deploy failed', rollback: 'Rollback failed' },
  'rolled-back': { icon: '↩️', deploy: 'Deploy rolled back by ECS', rollback: 'Rollback rolled back by ECS' },
  'timed-out': { icon: '⏱️', deploy: 'Deploy timed out', rollback: 'Rollback timed out' },
};

/** Section text is limited to 3000 characters (Slack block kit); reasons are cut well below. */
const SLACK_REASON_LIMIT = 1500;

const revision = (arn: string | undefined) => (arn ? (arn.split('/').pop() ?? arn) : '?');

export function headlineOf(event: NotifyEvent, kind: DeploymentRecord['kind']): string {
  const line = HEADLINES[event];
  const text = kind === 'rollback' ? line.rollback : line.deploy;
  return `${line.icon} ${kind === 'hotfix' ? text.replace('Deploy', 'Hotfix') : text}`;
}

/** A Slack incoming-webhook message: `text` (the notification fallback) and blocks. */
export function slackMessage(document: NotificationDocument): Record<string, unknown> {
  const e = escapeMrkdwn;
  const headline = headlineOf(document.event, document.kind);
  const service = document.service ?? 'one-off task';
  const fields = [
    `*Environment*\n${e(document.environment)}`,
    `*Service*\n${e(service)} (${e(document.cluster)})`,
    `*From*\n${e(revision(document.from?.taskDefinitionArn))}`,
    `*To*\n${e(revision(document.to.taskDefinitionArn))}`,
  ];
  const blocks: Record<string, unknown>[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*${headline}*: ${e(service)} → ${e(document.environment)}` },
    },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
  ];
  const reasons = [
    document.reason ? `*Reason*: ${e(cutText(document.reason, SLACK_REASON_LIMIT))}` : undefined,
    document.requestedReason
      ? `*Requested because*: ${e(cutText(document.requestedReason, SLACK_REASON_LIMIT))}`
      : undefined,
  ].filter((line): line is string => line !== undefined);
  if (reasons.length > 0)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: reasons.join('\n') } });
  const context = [
    document.repository ? e(document.repository) : undefined,
    document.sha ? `\`${e(document.sha.slice(0, 7))}\`` : undefined,
    document.actor ? `by ${e(document.actor)}` : undefined,
    document.runUrl ? `<${e(document.runUrl)}|workflow run>` : undefined,
  ].filter((part): part is string => part !== undefined);
  if (context.length > 0)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  return {
    text: e(
      `${headline}: ${service} ${revision(document.from?.taskDefinitionArn)} → ${revision(document.to.taskDefinitionArn)} in ${document.environment}`,
    ),
    blocks,
  };
}

function cutText(text: string, limit: number): string {
  const characters = Array.from(text);
  return characters.length <= limit ? text : `${characters.slice(0, limit - 1).join('')}…`;
}

export function messageBody(format: NotifyFormat, document: NotificationDocument): unknown {
  return format === 'slack' ? slackMessage(document) : document;
}

export interface PostPolicy {
  attempts: number;
  /** Real milliseconds one request may take before it is abandoned. */
  timeoutMs: number;
  /** Wait before attempt n+1 (on the action's clock). */
  backoffMs: number[];
}

/** Three attempts, 5 s each, 1 s then 2 s apart: at most ~18 s lost to a webhook that hangs. */
export const DEFAULT_POST_POLICY: PostPolicy = { attempts: 3, timeoutMs: 5_000, backoffMs: [1_000, 2_000] };

export type PostResult = { ok: true; attempts: number } | { ok: false; attempts: number; error: string };

export type FetchLike = (url: string, init: RequestInit) => Promise<{ status: number; ok: boolean }>;

/**
 * POSTs `body` as JSON with bounded retries: a network error, a timeout, 429
 * or 5xx is retried; any other 4xx is final (the webhook will not change its
 * mind). Never throws; the error text never contains the URL.
 */
export async function postWebhook(
  url: string,
  body: unknown,
  options: { clock: Clock; policy?: PostPolicy; fetch?: FetchLike },
): Promise<PostResult> {
  const policy = options.policy ?? DEFAULT_POST_POLICY;
  const send: FetchLike = options.fetch ?? ((u, init) => fetch(u, init));
  let error = 'not sent';
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (attempt > 1) await options.clock.sleep(policy.backoffMs[attempt - 2] ?? policy.backoffMs.at(-1) ?? 0);
    try {
      const response = await send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'berth' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      if (response.ok) return { ok: true, attempts: attempt };
      error = `HTTP ${response.status}`;
      if (response.status < 500 && response.status !== 429) return { ok: false, attempts: attempt, error };
    } catch (caught) {
      const name = (caught as { name?: string } | null)?.name;
      error =
        name === 'TimeoutError' || name === 'AbortError'
          ? `no answer within ${policy.timeoutMs / 1000} s`
          : // fetch's own message ("fetch failed") and its cause's code; never the URL.
            [errorMessage(caught), (caught as { cause?: { code?: string } }).cause?.code]
              .filter(Boolean)
              .join(': ')
              .replaceAll(url, '<webhook>');
    }
  }
  return { ok: false, attempts: policy.attempts, error };
}
