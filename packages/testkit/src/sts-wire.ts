/**
 * A recording proxy on 127.0.0.1 in front of the emulator's STS, for tests that check what goes
 * over the wire: every Query-protocol call's form parameters, `Authorization` and `User-Agent`
 * headers and the answer. STS itself stays the emulator's (trust rules, sessions,
 * GetCallerIdentity); the proxy only records, and, when a test asks, answers one call with an
 * error STS documents but the emulator has no reason to produce (IDPCommunicationError, a JWKS
 * fetch failure) or rewrites an answer (an endpoint that reports another account).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeQueryError, parseQueryBody } from '@berth/emulator';

export interface WireCall {
  action: string;
  params: Record<string, string>;
  /** The Authorization header (absent for an unsigned call). */
  authorization?: string;
  userAgent?: string;
  status: number;
  /** The answer's XML. */
  body: string;
}

/** An error answered instead of forwarding the next call of `action` (default AssumeRoleWithWebIdentity). */
export interface WireFault {
  action?: string;
  code: string;
  message: string;
  status?: number;
}

/** Credentials an AssumeRoleWithWebIdentity answer carried, read from the XML the client received. */
export interface WireSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  assumedRoleArn: string;
}

export interface StsWire {
  /** The value for AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_STS. */
  url: string;
  calls: WireCall[];
  faults: WireFault[];
  /** Rewrites an answer's body before the client gets it (default: unchanged). */
  rewrite?: (action: string, body: string) => string;
  count(action: string): number;
  /** The sessions STS handed out through this proxy, oldest first. */
  sessions(): WireSession[];
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const element = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';

/** Starts the proxy in front of `upstream` (the emulator's URL). */
export async function startStsWire(upstream: string): Promise<StsWire> {
  const wire: StsWire = {
    url: '',
    calls: [],
    faults: [],
    count: (action) => wire.calls.filter((call) => call.action === action).length,
    sessions: () =>
      wire.calls
        .filter((call) => call.action === 'AssumeRoleWithWebIdentity' && call.status === 200)
        .map((call) => ({
          accessKeyId: element(call.body, 'AccessKeyId'),
          secretAccessKey: element(call.body, 'SecretAccessKey'),
          sessionToken: element(call.body, 'SessionToken'),
          expiration: new Date(element(call.body, 'Expiration')),
          assumedRoleArn: element(call.body, 'Arn'),
        })),
    close: async () => {},
  };
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const { action, params } = parseQueryBody(body);
    const call: Omit<WireCall, 'status' | 'body'> = {
      action,
      params,
      authorization: request.headers.authorization,
      userAgent: request.headers['user-agent'],
    };
    const faultIndex = wire.faults.findIndex(
      (fault) => (fault.action ?? 'AssumeRoleWithWebIdentity') === action,
    );
    if (faultIndex >= 0) {
      const [fault] = wire.faults.splice(faultIndex, 1);
      const status = fault.status ?? 400;
      const xml = encodeQueryError(fault.code, fault.message, status, randomUUID());
      wire.calls.push({ ...call, status, body: xml });
      response.writeHead(status, { 'content-type': 'text/xml' });
      response.end(xml);
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
    }
    const answer = await fetch(`${upstream.replace(/\/+$/, '')}${request.url ?? '/'}`, {
      method: request.method,
      headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : body,
    });
    const text = wire.rewrite ? wire.rewrite(action, await answer.text()) : await answer.text();
    wire.calls.push({ ...call, status: answer.status, body: text });
    response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/xml' });
    response.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  wire.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  wire.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return wire;
}
