import { startWebhookReceiver, type WebhookReceiver } from '@berth/testkit';
import { manualClock, recordingLogger } from '@berth/testkit/doubles.js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { DeploymentAnnouncer } from '../src/announce.js';
import type { DeploymentRecord } from '../src/deployment/record.js';
import { InputReader } from '../src/inputs.js';
import {
  escapeMrkdwn,
  notificationDocument,
  postWebhook,
  readNotifyInputs,
  slackMessage,
} from '../src/notify.js';

const TD = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${n}`;

function record(overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    schema: 'berth.deployment-record/v1',
    kind: 'deploy',
    cluster: 'shop',
    service: 'web',
    from: { taskDefinitionArn: TD(1), images: {} },
    to: { taskDefinitionArn: TD(2), images: {} },
    status: 'started',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:00.000Z',
    events: [],
    run: {
      runUrl: 'https://github.com/acme/shop/actions/runs/4242/attempts/1',
      repository: 'acme/shop',
      actor: 'octocat',
      sha: 'abc1234def5678900000000000000000000000ff',
    },
    ...overrides,
  };
}

let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.stop();
  receiver = undefined;
});

describe('Slack mrkdwn escaping', () => {
  // https://api.slack.com/reference/surfaces/formatting#escaping: "replace & with &amp;, < with &lt; and > with &gt;".
  it.each([
    ['a & b', 'a &amp; b'],
    ['<!channel> deploy', '&lt;!channel&gt; deploy'],
    ['<https://evil.example|click>', '&lt;https://evil.example|click&gt;'],
    ['plain', 'plain'],
  ])('%s', (text, expected) => {
    expect(escapeMrkdwn(text)).toBe(expected);
  });

  it('text from outside Berth cannot become a mention or a link in the Slack message', () => {
    const message = slackMessage(
      notificationDocument(
        'failed',
        record({ status: 'failed', reason: 'task said <!here> & <https://x|y>' }),
        'prod',
      ),
    );
    const text = JSON.stringify(message);
    expect(text).not.toContain('<!here>');
    expect(text).toContain('&lt;!here&gt; &amp; &lt;https://x|y&gt;');
    // Berth's own link to the run stays a link.
    expect(text).toContain('<https://github.com/acme/shop/actions/runs/4242/attempts/1|workflow run>');
  });
});

describe('messages', () => {
  it('the Slack message has status, environment, service, from → to, reason and the run link', () => {
    const message = slackMessage(
      notificationDocument(
        'rolled-back',
        record({ status: 'rolled-back', reason: 'circuit breaker' }),
        'prod',
      ),
    ) as { text: string; blocks: Array<Record<string, any>> };
    expect(message.text).toBe('↩️ Deploy rolled back by ECS: web web:1 → web:2 in prod');
    const all = JSON.stringify(message.blocks);
    for (const part of [
      '*Environment*\\nprod',
      '*Service*\\nweb (shop)',
      '*From*\\nweb:1',
      '*To*\\nweb:2',
      'circuit breaker',
    ]) {
      expect(all).toContain(part);
    }
    expect(message.blocks.map((b) => b.type)).toEqual(['section', 'section', 'section', 'context']);
  });

  it('the JSON document names the event and the facts', () => {
    expect(
      notificationDocument('started', record({ kind: 'rollback', requestedReason: 'INC-1' }), 'prod'),
    ).toMatchObject({
      schema: 'berth.notification/v1',
      event: 'started',
      kind: 'rollback',
      environment: 'prod',
      service: 'web',
      from: { taskDefinitionArn: TD(1) },
      to: { taskDefinitionArn: TD(2) },
      requestedReason: 'INC-1',
      runUrl: 'https://github.com/acme/shop/actions/runs/4242/attempts/1',
    });
  });
});

describe('posting', () => {
  const policy = { attempts: 3, timeoutMs: 300, backoffMs: [1_000, 2_000] };

  it('retries a 500 three times, then reports without the URL', async () => {
    receiver = await startWebhookReceiver(500);
    const clock = manualClock();
    const result = await postWebhook(receiver.url, { hello: 1 }, { clock, policy });
    expect(result).toEqual({ ok: false, attempts: 3, error: 'HTTP 500' });
    expect(receiver.messages).toHaveLength(3);
    expect(receiver.messages[0]).toMatchObject({ contentType: 'application/json', body: { hello: 1 } });
    // The backoff ran on the injected clock: 1 s then 2 s.
    expect(clock.now() - Date.UTC(2026, 0, 1)).toBe(3_000);
  });

  it('does not retry a 4xx other than 429', async () => {
    receiver = await startWebhookReceiver(404);
    const result = await postWebhook(receiver.url, {}, { clock: manualClock(), policy });
    expect(result).toEqual({ ok: false, attempts: 1, error: 'HTTP 404' });
  });

  it('gives up on a receiver that never answers after the bounded attempts', async () => {
    receiver = await startWebhookReceiver('hang');
    const result = await postWebhook(receiver.url, {}, { clock: manualClock(), policy });
    expect(result).toEqual({ ok: false, attempts: 3, error: 'no answer within 0.3 s' });
    expect(receiver.messages).toHaveLength(3);
  });

  it('a refused connection: the error names the cause, never the URL', async () => {
    receiver = await startWebhookReceiver();
    const url = receiver.url;
    await receiver.stop();
    receiver = undefined;
    const result = await postWebhook(url, {}, { clock: manualClock(), policy });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('xoxSecretHookToken123');
    expect(JSON.stringify(result)).toMatch(/ECONNREFUSED/);
  });
});

describe('inputs', () => {
  const reader = (values: Record<string, string>) => new InputReader((name) => values[name] ?? '');
  it('a webhook that is no URL: the error names the input but never repeats the secret', () => {
    expect(() => readNotifyInputs(reader({ 'notify-webhook': 'hooks.slack.com/T0/B0/s3cr3t' }))).toThrow(
      /Input `notify-webhook` must be an http\(s\) URL/,
    );
    try {
      readNotifyInputs(reader({ 'notify-webhook': 'hooks.slack.com/T0/B0/s3cr3t' }));
    } catch (error) {
      expect(String(error)).not.toContain('s3cr3t');
    }
    expect(() => readNotifyInputs(reader({ 'notify-format': 'teams' }))).toThrow(
      /Input `notify-format` must be one of `slack`, `json`/,
    );
    expect(readNotifyInputs(reader({}))).toEqual({ webhook: undefined, format: 'slack' });
  });
});

describe('the announcer sends one message per event and stops after a webhook gave up', () => {
  it('started, then succeeded; the URL is masked first', async () => {
    receiver = await startWebhookReceiver();
    const secrets: string[] = [];
    const announcer = new DeploymentAnnouncer({
      github: { enabled: false },
      notify: { webhook: receiver.url, format: 'json' },
      cluster: 'shop',
      env: {},
      logger: recordingLogger(),
      clock: manualClock(),
      setSecret: (s) => secrets.push(s),
    });
    expect(secrets).toEqual([receiver.url]);
    await announcer.started(record());
    await announcer.finished(record({ status: 'succeeded' }));
    expect(receiver.messages.map((m) => m.body.event)).toEqual(['started', 'succeeded']);
  });

  it('a failing webhook: one warning, the later event is not tried', async () => {
    receiver = await startWebhookReceiver(503);
    const logger = recordingLogger();
    const announcer = new DeploymentAnnouncer({
      github: { enabled: false },
      notify: { webhook: receiver.url, format: 'slack' },
      cluster: 'shop',
      env: {},
      logger,
      clock: manualClock(),
      setSecret: () => {},
      postPolicy: { attempts: 3, timeoutMs: 300, backoffMs: [10] },
    });
    await announcer.started(record());
    await announcer.finished(record({ status: 'failed' }));
    expect(receiver.messages).toHaveLength(3);
    const warnings = logger.lines.filter((l) => l.startsWith('warning:'));
    expect(warnings).toEqual([
      'warning: Webhook: could not send the `started` message after 3 attempt(s) (HTTP 503); later messages of this run are skipped. The deploy itself goes on.',
    ]);
    expect(logger.text()).not.toContain(receiver.url);
  });
});
