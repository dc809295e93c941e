import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  ServiceUnavailableException,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateRepositoryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ECRServiceException,
  ListImagesCommand,
  ServerException,
} from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startEmulator } from '../src/server.js';
import { clientConfig, rejection, useEmulator } from './helpers/emulator.js';

describe('faults as the SDK observes them', () => {
  const emulator = useEmulator({ scenario: { repositories: [{ name: 'web' }] }, seed: 3 });
  const ecr = (extra: Record<string, unknown> = {}) => new ECRClient(clientConfig(emulator(), extra));
  const describe_ = (client: ECRClient) => client.send(new DescribeRepositoriesCommand({}));

  afterEach(() => {
    emulator().control.clearFaults();
    emulator().control.clearCalls();
  });

  it('throttles the next N calls with ThrottlingException; the SDK retries and succeeds', async () => {
    emulator().control.fault({
      service: 'ecr',
      operation: 'DescribeRepositories',
      kind: 'throttling',
      count: 2,
    });
    const result = await describe_(ecr({ maxAttempts: 3 }));
    expect(result.$metadata.attempts).toBe(3);
    expect(result.$metadata.totalRetryDelay).toBeGreaterThan(0);
    const calls = emulator().control.calls({ operation: 'DescribeRepositories' });
    expect(calls.map((call) => [call.status, call.errorCode])).toEqual([
      [400, 'ThrottlingException'],
      [400, 'ThrottlingException'],
      [200, undefined],
    ]);
  });

  it('surfaces ThrottlingException once retries are exhausted (adaptive mode too)', async () => {
    emulator().control.fault({ kind: 'ThrottlingException', count: 10 });
    const error = await rejection(describe_(ecr({ maxAttempts: 2, retryMode: 'adaptive' })));
    expect(error).toBeInstanceOf(ECRServiceException);
    expect(error.name).toBe('ThrottlingException');
    expect(error.message).toBe('Rate exceeded');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.$metadata.attempts).toBe(2);
  });

  it('throttles STS with the Query protocol’s XML Throttling error', async () => {
    emulator().control.fault({ service: 'sts', kind: 'throttling', count: 1 });
    const sts = new STSClient(clientConfig(emulator(), { maxAttempts: 3 }));
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.$metadata.attempts).toBe(2);
    emulator().control.fault({ service: 'sts', kind: 'throttling', count: 5 });
    const error = await rejection(
      new STSClient(clientConfig(emulator(), { maxAttempts: 1 })).send(new GetCallerIdentityCommand({})),
    );
    expect(error.name).toBe('Throttling');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('answers 500 ServerException; the SDK retries it and raises the modelled class when it persists', async () => {
    emulator().control.fault({ service: 'ecr', kind: 'server-error', count: 1 });
    const result = await describe_(ecr({ maxAttempts: 3 }));
    expect(result.$metadata.attempts).toBe(2);
    emulator().control.fault({ service: 'ecr', kind: '500' });
    const error = await rejection(describe_(ecr({ maxAttempts: 2 })));
    expect(error).toBeInstanceOf(ServerException);
    expect(error.$fault).toBe('server');
    expect(error.$metadata.httpStatusCode).toBe(500);

    emulator().control.fault({ service: 'logs', kind: 'server-error' });
    const logsError = await rejection(
      new CloudWatchLogsClient(clientConfig(emulator(), { maxAttempts: 1 })).send(
        new DescribeLogGroupsCommand({}),
      ),
    );
    expect(logsError).toBeInstanceOf(ServiceUnavailableException);
  });

  it('resets the connection; the SDK retries a reset and reports a network error when it persists', async () => {
    emulator().control.fault({ service: 'ecr', kind: 'connection-reset', count: 1 });
    const result = await describe_(ecr({ maxAttempts: 3 }));
    expect(result.$metadata.attempts).toBe(2);
    const [reset] = emulator().control.calls({ failed: true });
    expect(reset).toMatchObject({
      status: 0,
      errorCode: 'ConnectionReset',
      operation: 'DescribeRepositories',
    });

    emulator().control.fault({ service: 'ecr', kind: 'reset' });
    const error = await rejection(describe_(ecr({ maxAttempts: 2 })));
    // Node reports ECONNRESET "socket hang up" (under jest's VM realm the SDK wraps it, keeping the message).
    expect(`${error.code ?? ''} ${error.message}`).toMatch(/ECONNRESET|socket hang up/);
    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    expect(error.$metadata?.attempts).toBe(2);
  });

  it('adds latency and then answers normally', async () => {
    const fault = emulator().control.fault({
      operation: 'ListImages',
      kind: 'latency',
      latencyMs: 300,
      count: 1,
    });
    const client = ecr();
    await client.send(new ListImagesCommand({ repositoryName: 'web' }));
    await client.send(new ListImagesCommand({ repositoryName: 'web' }));
    // The call log says how long the emulator held each answer, and the fault says how often it fired: no wall-clock bound.
    const [slow, quick] = emulator().control.calls({ operation: 'ListImages' });
    expect(slow.status).toBe(200);
    expect(slow.durationMs).toBeGreaterThanOrEqual(290);
    expect(quick.status).toBe(200);
    expect(
      emulator()
        .control.faults()
        .find((f) => f.id === fault.id),
    ).toMatchObject({ fired: 1 });
  });

  it('applies only to the named service and operation', async () => {
    emulator().control.fault({ service: 'ecr', operation: 'PutImage', kind: 'server-error' });
    emulator().control.fault({ service: 'ecs', kind: 'server-error' });
    await expect(describe_(ecr({ maxAttempts: 1 }))).resolves.toBeDefined();
    expect(
      emulator()
        .control.faults()
        .map((fault) => fault.fired),
    ).toEqual([0, 0]);
  });

  it('refuses a malformed fault with a message that says what to fix', () => {
    expect(() => emulator().control.fault({ kind: 'explode' })).toThrow(
      /fault.kind: expected throttling, server-error/,
    );
    expect(() => emulator().control.fault({ kind: 'latency' })).toThrow(/latencyMs/);
    expect(() => emulator().control.fault({ kind: 'throttling', rate: 2 })).toThrow(/fault.rate/);
  });
});

describe('stalled and lost answers', () => {
  it('holds an answer for `seconds` of emulated time (real time divided by the time scale)', async () => {
    const emulator = await startEmulator({ timeScale: 600, scenario: { repositories: [{ name: 'web' }] } });
    try {
      emulator.control.fault({ operation: 'ListImages', kind: 'latency', seconds: 120, count: 1 });
      const client = new ECRClient(clientConfig(emulator, { maxAttempts: 1 }));
      const before = emulator.control.now().getTime();
      await client.send(new ListImagesCommand({ repositoryName: 'web' }));
      // 120 emulated seconds passed while the answer was held (the emulator's clock, not a wall-clock bound).
      expect(emulator.control.now().getTime() - before).toBeGreaterThanOrEqual(120_000);
      const [held] = emulator.control.calls({ operation: 'ListImages' });
      expect([held.status, held.faultId]).toEqual([200, undefined]);
      client.destroy();
    } finally {
      await emulator.stop();
    }
  });

  it('never answers a stalled call; the call is logged as abandoned when the client gives up', async () => {
    const emulator = await startEmulator({ scenario: { repositories: [{ name: 'web' }] } });
    try {
      emulator.control.fault({ operation: 'ListImages', kind: 'stall', count: 1 });
      expect(emulator.control.faults()[0]).toMatchObject({ kind: 'latency', never: true });
      const client = new ECRClient(clientConfig(emulator, { maxAttempts: 1 }));
      const controller = new AbortController();
      const pending = rejection(
        client.send(new ListImagesCommand({ repositoryName: 'web' }), { abortSignal: controller.signal }),
      );
      // The call is held: nothing is logged until the client hangs up.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(emulator.control.calls({ operation: 'ListImages' })).toEqual([]);
      controller.abort();
      const error = await pending;
      expect(error.name).toBe('AbortError');
      let calls = emulator.control.calls({ operation: 'ListImages' });
      for (let i = 0; i < 100 && calls.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        calls = emulator.control.calls({ operation: 'ListImages' });
      }
      expect(calls.map((call) => [call.status, call.errorCode])).toEqual([[0, 'ClientClosedRequest']]);
      // Only the next call was stalled (count: 1).
      await expect(client.send(new ListImagesCommand({ repositoryName: 'web' }))).resolves.toBeDefined();
      client.destroy();
    } finally {
      await emulator.stop();
    }
  });

  it('carries out a write whose answer it then drops: the client sees a reset, the repository exists', async () => {
    const emulator = await startEmulator({});
    try {
      emulator.control.fault({ operation: 'CreateRepository', kind: 'lost-answer', count: 1 });
      const client = new ECRClient(clientConfig(emulator, { maxAttempts: 1 }));
      const error = await rejection(client.send(new CreateRepositoryCommand({ repositoryName: 'api' })));
      expect(`${error.code ?? ''} ${error.message}`).toMatch(/ECONNRESET|socket hang up/);
      expect(error.$metadata?.httpStatusCode).toBeUndefined();
      const [call] = emulator.control.calls({ operation: 'CreateRepository' });
      expect([call.status, call.errorCode]).toEqual([0, 'AnswerLost']);
      const listed = await client.send(new DescribeRepositoriesCommand({ repositoryNames: ['api'] }));
      expect(listed.repositories?.map((r) => r.repositoryName)).toEqual(['api']);
      client.destroy();
    } finally {
      await emulator.stop();
    }
  });

  it('refuses a latency fault with a negative number of seconds', () => {
    return startEmulator({}).then(async (emulator) => {
      try {
        expect(() => emulator.control.fault({ kind: 'latency', seconds: -1 })).toThrow(/fault.seconds/);
      } finally {
        await emulator.stop();
      }
    });
  });
});

describe('fault rates', () => {
  /** The outcome sequence of 40 calls against a fresh emulator with a 30% throttling rate. */
  async function sequence(seed: number): Promise<number[]> {
    const emulator = await startEmulator({ seed });
    try {
      emulator.control.fault({ service: 'ecr', kind: 'throttling', rate: 0.3 });
      const client = new ECRClient(clientConfig(emulator, { maxAttempts: 1 }));
      for (let i = 0; i < 40; i++)
        await client.send(new DescribeRepositoriesCommand({})).catch(() => undefined);
      return emulator.control.calls().map((call) => call.status);
    } finally {
      await emulator.stop();
    }
  }

  it('draws from the seeded PRNG: the same seed throttles the same calls', async () => {
    const first = await sequence(11);
    const second = await sequence(11);
    expect(second).toEqual(first);
    const throttled = first.filter((status) => status === 400).length;
    expect(throttled).toBeGreaterThan(3);
    expect(throttled).toBeLessThan(25);
    expect(await sequence(12)).not.toEqual(first);
  });
});
