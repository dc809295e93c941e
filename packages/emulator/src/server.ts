/**
 * The emulator on HTTP: AWS JSON 1.1 (`X-Amz-Target`) for ECS, ECR and
 * CloudWatch Logs, the Query protocol for STS, and the control API under
 * `/_emulator/…`. Unmodified SDK v3 clients work against it with
 * `AWS_ENDPOINT_URL` (or `endpoint`) set to its URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { CallFilter } from './call-log.js';
import { createEcs as createEcsEngine } from './ecs/index.js';
import type { AwsCall, CoreOptions, CreateEcs, EmulatorControl, EmulatorCore } from './emulator.js';
import { berthSession } from './iam/berth-session.js';
import {
  accessKeyIdFromAuthorization,
  encodeJson,
  encodeJsonError,
  encodeQueryError,
  encodeQueryResponse,
  JSON_CONTENT_TYPE,
  parseQueryBody,
  regionFromAuthorization,
} from './protocol.js';
import { createRegionalCores, type RegionalCores } from './regions.js';
import { runningEmulatorUrls } from './running.js';
import type { World } from './world.js';

export interface EmulatorOptions extends Omit<CoreOptions, 'createEcs'> {
  /** TCP port (default 0: a free port). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** One line per AWS call (the CLI prints them); silent by default. */
  log?: (line: string) => void;
  /** Override the ECS engine (default: packages/emulator/src/ecs/index.ts `createEcs`). */
  createEcs?: CreateEcs;
}

export interface RunningEmulator {
  /** `http://127.0.0.1:<port>`: give it to AWS_ENDPOINT_URL or a client's `endpoint`. */
  url: string;
  port: number;
  stop(): Promise<void>;
  control: EmulatorControl;
  world: World;
  /**
   * A further region the scenario declares (`regions`): its own control and world. Over HTTP
   * the control endpoints take `?region=<name>` for the same.
   */
  region(name: string): { control: EmulatorControl; world: World } | undefined;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  response.end(body);
}

function sendControl(response: ServerResponse, status: number, value: unknown) {
  send(response, status, 'application/json', `${JSON.stringify(value ?? null, null, 2)}\n`);
}

/** Parses a control request body: JSON, or YAML text for `seed`. */
function parseControlBody(body: Buffer): any {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  return JSON.parse(text);
}

async function handleControl(
  core: EmulatorCore,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
) {
  const { control } = core;
  const route = `${request.method} ${url.pathname.replace(/\/+$/, '')}`;
  const body = await readBody(request);
  try {
    switch (route) {
      case 'GET /_emulator':
      case 'GET /_emulator/health':
        return sendControl(response, 200, { ok: true, now: control.now().toISOString() });
      case 'GET /_emulator/state':
        await core.syncRegistry().catch(() => undefined);
        return sendControl(response, 200, control.state());
      case 'POST /_emulator/seed':
        control.seed(body.toString('utf8'));
        return sendControl(response, 200, { ok: true });
      case 'POST /_emulator/alarm': {
        const { name, state } = parseControlBody(body);
        control.alarm(name, state);
        return sendControl(response, 200, { alarms: control.alarms() });
      }
      case 'GET /_emulator/alarms':
        return sendControl(response, 200, control.alarms());
      case 'POST /_emulator/fault':
      case 'POST /_emulator/faults':
        return sendControl(response, 201, control.fault(parseControlBody(body)));
      case 'GET /_emulator/faults':
        return sendControl(response, 200, control.faults());
      case 'DELETE /_emulator/faults':
        control.clearFaults();
        return sendControl(response, 200, { ok: true });
      case 'POST /_emulator/advance': {
        const { seconds } = parseControlBody(body);
        return sendControl(response, 200, { now: control.advance(seconds).toISOString() });
      }
      case 'POST /_emulator/reset':
        control.reset();
        return sendControl(response, 200, { ok: true });
      case 'GET /_emulator/calls': {
        const filter: CallFilter = {
          service: url.searchParams.get('service') ?? undefined,
          operation: url.searchParams.get('operation') ?? undefined,
        };
        const failed = url.searchParams.get('failed');
        if (failed !== null) filter.failed = failed === 'true';
        return sendControl(response, 200, control.calls(filter));
      }
      case 'DELETE /_emulator/calls':
        control.clearCalls();
        return sendControl(response, 200, { ok: true });
      case 'GET /_emulator/settings':
        return sendControl(response, 200, control.settings());
      case 'POST /_emulator/settings':
        return sendControl(response, 200, control.settings(parseControlBody(body)));
      case 'GET /_emulator/oidc/token': {
        // Shaped like the GitHub Actions ID token endpoint: ACTIONS_ID_TOKEN_REQUEST_URL=<url>/_emulator/oidc/token?sub=…
        const claims: Record<string, unknown> = {};
        for (const [key, value] of url.searchParams) {
          if (key === 'audience') claims.aud = value;
          else if (key === 'expiresInSeconds') claims.expiresInSeconds = Number(value);
          else claims[key] = value;
        }
        return sendControl(response, 200, { value: control.oidcToken(claims) });
      }
      case 'POST /_emulator/iam/berth-session':
        // Test support: the documented policy of an action, attached and (without role-to-assume) a session of it.
        return sendControl(
          response,
          200,
          berthSession(
            control,
            core.world,
            (core.modules.get('ecs') as { engine?: any } | undefined)?.engine,
            parseControlBody(body),
          ),
        );
      case 'GET /_emulator/ecs/tasks': {
        if (!control.ecs) return sendControl(response, 404, { error: 'The ECS engine is not loaded' });
        const desiredStatus = url.searchParams.get('desiredStatus') ?? undefined;
        return sendControl(
          response,
          200,
          control.ecs.listAllTasks({
            cluster: url.searchParams.get('cluster') ?? undefined,
            serviceName: url.searchParams.get('service') ?? undefined,
            desiredStatus: desiredStatus as 'RUNNING' | 'STOPPED' | undefined,
          }),
        );
      }
      case 'POST /_emulator/ecs/deployment-failure': {
        if (!control.ecs) return sendControl(response, 404, { error: 'The ECS engine is not loaded' });
        const { cluster, service } = parseControlBody(body);
        control.ecs.forceDeploymentFailure(cluster, service);
        return sendControl(response, 200, { ok: true });
      }
    }
    return sendControl(response, 404, {
      error: `No control endpoint ${route}; see packages/emulator/README.md`,
    });
  } catch (error) {
    return sendControl(response, 400, { error: (error as Error).message });
  }
}

/**
 * `?region=<name>` sends a control request to that region's core, as an AWS call signed for it
 * would go (an undeclared region is the primary); the OIDC token endpoint takes claims instead.
 */
function handleRegionalControl(
  regions: RegionalCores,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
) {
  const region = url.pathname.startsWith('/_emulator/oidc') ? undefined : url.searchParams.get('region');
  return handleControl(regions.coreFor(region ?? undefined), request, response, url);
}

async function handleAws(
  regions: RegionalCores,
  request: IncomingMessage,
  response: ServerResponse,
  log?: (line: string) => void,
) {
  const body = await readBody(request);
  // The region the request was signed for picks the world it reaches; a copy another region
  // owes this one (ECR replication) is delivered first.
  const core = regions.coreFor(regionFromAuthorization(request.headers.authorization));
  regions.tickAll();
  const target = request.headers['x-amz-target'];
  const contentType = String(request.headers['content-type'] ?? '');
  const accessKeyId = accessKeyIdFromAuthorization(request.headers.authorization);
  let call: AwsCall;
  let protocol: 'json' | 'query';

  if (typeof target === 'string' && target.includes('.')) {
    protocol = 'json';
    const dot = target.lastIndexOf('.');
    const service = core.serviceForPrefix(target.slice(0, dot)) ?? 'unknown';
    let input: unknown = {};
    try {
      input = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      const id = core.requestId();
      return send(
        response,
        400,
        JSON_CONTENT_TYPE,
        encodeJsonError('SerializationException', 'Request body is not valid JSON'),
        {
          'x-amzn-requestid': id,
        },
      );
    }
    call = { service, operation: target.slice(dot + 1), input, accessKeyId };
  } else if (
    contentType.includes('application/x-www-form-urlencoded') ||
    body.toString('utf8').startsWith('Action=')
  ) {
    protocol = 'query';
    const query = parseQueryBody(body.toString('utf8'));
    call = { service: 'sts', operation: query.action, input: query.params, accessKeyId };
  } else {
    const id = core.requestId();
    return send(
      response,
      404,
      JSON_CONTENT_TYPE,
      encodeJsonError(
        'UnknownOperationException',
        `No AWS operation at ${request.method} ${request.url}: send X-Amz-Target (JSON 1.1) or an Action form (Query)`,
      ),
      { 'x-amzn-requestid': id },
    );
  }

  // A stalled answer (latency fault) ends when the client hangs up.
  const hungUp = new AbortController();
  response.once('close', () => {
    if (!response.writableEnded) hungUp.abort();
  });
  const outcome = await core.dispatch({ ...call, signal: hungUp.signal });
  const record = outcome.record;
  log?.(
    `${record.time} ${call.service}.${call.operation} → ${record.status || 'reset'}${record.errorCode ? ` ${record.errorCode}` : ''} (${record.durationMs} ms)`,
  );
  if (outcome.kind === 'reset') {
    request.socket.destroy();
    return;
  }
  const headers = { 'x-amzn-requestid': outcome.requestId, date: new Date().toUTCString() };
  if (protocol === 'json') {
    if (outcome.kind === 'error') {
      return send(
        response,
        outcome.status,
        JSON_CONTENT_TYPE,
        encodeJsonError(outcome.code, outcome.message),
        {
          ...headers,
          'x-amzn-errortype': outcome.code,
        },
      );
    }
    return send(response, 200, JSON_CONTENT_TYPE, encodeJson(outcome.result), headers);
  }
  if (outcome.kind === 'error') {
    return send(
      response,
      outcome.status,
      'text/xml',
      encodeQueryError(outcome.code, outcome.message, outcome.status, outcome.requestId),
      headers,
    );
  }
  return send(
    response,
    200,
    'text/xml',
    encodeQueryResponse(call.operation, outcome.result, outcome.requestId),
    headers,
  );
}

/**
 * Starts the emulator on 127.0.0.1 (port 0 picks a free one). The scenario
 * may be an object, YAML/JSON text or a file path.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const createEcs = options.createEcs ?? createEcsEngine;
  const regions = createRegionalCores({
    ...options,
    createEcs,
    onInternalError: (error) => options.log?.(`internal error: ${(error as Error)?.stack ?? error}`),
  });
  const core = regions.primary;
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const handled = url.pathname.startsWith('/_emulator')
      ? handleRegionalControl(regions, request, response, url)
      : handleAws(regions, request, response, options.log);
    handled.catch((error) => {
      options.log?.(`request failed: ${(error as Error)?.stack ?? error}`);
      if (!response.headersSent)
        send(response, 500, JSON_CONTENT_TYPE, encodeJsonError('InternalFailure', String(error)));
      else response.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let stopped: Promise<void> | undefined;
  const url = `http://${urlHost}:${port}`;
  runningEmulatorUrls.add(url);
  return {
    url,
    port,
    control: core.control,
    world: core.world,
    region(name) {
      const found = regions.region(name);
      return found && { control: found.control, world: found.world };
    },
    stop() {
      runningEmulatorUrls.delete(url);
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return stopped;
    },
  };
}
