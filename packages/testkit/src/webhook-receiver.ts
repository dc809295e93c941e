/**
 * A webhook receiver on 127.0.0.1 for notification tests: it records every
 * POST (path, content type, parsed body) and answers as told — 200, an error
 * status, or never (a hanging receiver, to prove a webhook cannot stall a deploy).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  path: string;
  contentType?: string;
  body: any;
}

export interface WebhookReceiver {
  /** A URL with a secret-looking path, as Slack's incoming webhooks have. */
  url: string;
  messages: ReceivedMessage[];
  stop(): Promise<void>;
}

export async function startWebhookReceiver(answer: 'ok' | number | 'hang' = 'ok'): Promise<WebhookReceiver> {
  const messages: ReceivedMessage[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text: the test asserts on it
    }
    messages.push({ path: request.url ?? '', contentType: request.headers['content-type'], body });
    if (answer === 'hang') {
      hanging.push(response);
      return;
    }
    const status = answer === 'ok' ? 200 : answer;
    response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'error');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/services/T0BERTH/B0BERTH/xoxSecretHookToken123`,
    messages,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
