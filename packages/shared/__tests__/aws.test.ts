import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { STSClient } from '@aws-sdk/client-sts';
import { AWS_INPUT_NAMES, type AwsInputs, readAwsInputs, resolveRegion } from '@berth/shared/aws';
import { createAwsContext } from '@berth/shared/aws-context';
import { isDeadlineError, stepDeadline } from '@berth/shared/deadline';
import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { BERTH_VERSION } from '@berth/shared/version';
import { clientBehind } from '@berth/testkit/aws-clients.js';
import { manualClock } from '@berth/testkit/doubles.js';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { awsContextWith, clientOnDemand, warmUp } from '../src/aws.js';
import { sts } from '../src/aws-clients/sts.js';
import { ALL_AWS_CLIENTS } from '../src/aws-context.js';

/** The ECS client an on-demand one loads on its first call. */
const realEcs = (client: ECSClient) => clientBehind(client, ECSClient, new ListClustersCommand({}));

const inputs = (overrides: Partial<AwsInputs> = {}): AwsInputs => ({
  audience: 'sts.amazonaws.com',
  roleDurationSeconds: 3600,
  maxAttempts: 8,
  ...overrides,
});

describe('BERTH_VERSION', () => {
  it('equals the version in the root package.json', () => {
    const rootPackage = JSON.parse(
      readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as {
      name: string;
      version: string;
    };
    expect(rootPackage.name).toBe('berth');
    expect(BERTH_VERSION).toBe(rootPackage.version);
  });
});

describe('resolveRegion', () => {
  it.each([
    ['eu-west-1', {}, 'eu-west-1'],
    ['eu-west-1', { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-2' }, 'eu-west-1'],
    [undefined, { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-2' }, 'us-east-1'],
    [undefined, { AWS_DEFAULT_REGION: 'us-east-2' }, 'us-east-2'],
    ['', { AWS_REGION: 'ap-southeast-2' }, 'ap-southeast-2'],
  ])('input %j with env %j is %j', (input, env, expected) => {
    expect(resolveRegion(input, env)).toBe(expected);
  });

  it.each([
    'us-gov-west-1',
    'cn-north-1',
    'ap-southeast-5',
    'il-central-1',
    'mx-central-1',
    'eusc-de-east-1',
  ])('accepts %s', (region) => {
    expect(resolveRegion(region, {})).toBe(region);
  });

  it.each([
    [
      undefined,
      {},
      'No AWS region: set the `aws-region` input (e.g. `aws-region: eu-west-1`) or the AWS_REGION environment variable.',
    ],
    ['Ireland', {}, 'Input `aws-region` must be an AWS region such as `us-east-1`, got "Ireland".'],
    ['eu-west', {}, 'Input `aws-region` must be an AWS region such as `us-east-1`, got "eu-west".'],
    ['EU-WEST-1', {}, 'Input `aws-region` must be an AWS region such as `us-east-1`, got "EU-WEST-1".'],
    [
      undefined,
      { AWS_REGION: 'eu-west-1a' },
      'Input `aws-region` must be an AWS region such as `us-east-1`, got "eu-west-1a".',
    ],
  ])('input %j with env %j fails', (input, env, message) => {
    expect(() => resolveRegion(input, env)).toThrow(new ConfigurationError(message));
  });
});

describe('readAwsInputs', () => {
  it('reads the declared names with their defaults', () => {
    const reader = new InputReader(() => '');
    expect(readAwsInputs(reader)).toEqual({
      region: undefined,
      roleToAssume: undefined,
      audience: 'sts.amazonaws.com',
      roleSessionName: undefined,
      roleDurationSeconds: 3600,
      maxAttempts: 8,
    });
    expect([...reader.names].sort()).toEqual([...AWS_INPUT_NAMES].sort());
  });

  it.each([
    ['role-duration-seconds', '600', 'Input `role-duration-seconds` must be between 900 and 43200, got 600.'],
    ['role-duration-seconds', '1h', 'Input `role-duration-seconds` must be a whole number, got "1h".'],
    ['max-attempts', '0', 'Input `max-attempts` must be between 1 and 20, got 0.'],
  ])('rejects %s=%j', (name, value, message) => {
    const reader = new InputReader((input) => (input === name ? value : ''));
    expect(() => readAwsInputs(reader)).toThrow(new ConfigurationError(message));
  });
});

describe('createAwsContext', () => {
  it('configures every client with the region, adaptive retries, max attempts and the berth user agent', async () => {
    const context = createAwsContext({
      actionName: 'deploy-ecs',
      inputs: inputs({ region: 'eu-west-1', maxAttempts: 4 }),
      env: {},
    });
    expect(context.region).toBe('eu-west-1');
    expect(context.config).toEqual({
      region: 'eu-west-1',
      credentials: undefined,
      maxAttempts: 4,
      retryMode: 'adaptive',
      customUserAgent: [['berth', BERTH_VERSION], ['deploy-ecs']],
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
    });
    expect(context.credentials).toBeUndefined();
    // ECS, ECR and Logs load their package on the first call: the client that call reaches is the one to check.
    const ecsClient = await clientBehind(context.ecs(), ECSClient, new ListClustersCommand({}));
    const ecrClient = await clientBehind(context.ecr(), ECRClient, new DescribeRepositoriesCommand({}));
    const logsClient = await clientBehind(
      context.logs(),
      CloudWatchLogsClient,
      new DescribeLogGroupsCommand({}),
    );
    for (const client of [ecsClient, ecrClient, context.sts(), logsClient]) {
      expect(await client.config.region()).toBe('eu-west-1');
      expect(await client.config.maxAttempts()).toBe(4);
      expect(((await client.config.retryStrategy()) as { mode?: string }).mode).toBe('adaptive');
      expect(client.config.customUserAgent).toEqual([['berth', BERTH_VERSION], ['deploy-ecs']]);
    }
  });

  it('makes each client once', () => {
    const context = createAwsContext({
      actionName: 'rollback',
      inputs: inputs(),
      env: { AWS_REGION: 'us-east-1' },
    });
    expect(context.ecs()).toBe(context.ecs());
    expect(context.sts()).toBe(context.sts());
  });

  it('uses the OIDC provider for every client when role-to-assume is set', async () => {
    const assumeRole = jest.fn(async () => ({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session',
      expiration: new Date(Date.now() + 3_600_000),
    }));
    const context = createAwsContext({
      actionName: 'aws-auth',
      inputs: inputs({ region: 'eu-west-1', roleToAssume: 'arn:aws:iam::123456789012:role/deploy' }),
      env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '99' },
      oidc: { getIdToken: async () => 'h.e30.s', assumeRole, setSecret: () => {}, info: () => {} },
    });
    expect(context.credentials?.roleArn).toBe('arn:aws:iam::123456789012:role/deploy');
    expect(context.credentials?.roleSessionName).toBe('berth-acme-shop-99');
    expect(context.config.credentials).toBe(context.credentials);
    const ecsClient = await clientBehind(context.ecs(), ECSClient, new ListClustersCommand({}));
    const credentials = await ecsClient.config.credentials();
    expect(credentials).toMatchObject({ accessKeyId: 'ASIAEXAMPLE', accountId: '123456789012' });
    const fipsEcr = await clientBehind(
      context.ecrIn('us-east-1', true),
      ECRClient,
      new DescribeRepositoriesCommand({}),
    );
    expect(await fipsEcr.config.credentials()).toMatchObject({
      accessKeyId: 'ASIAEXAMPLE',
    });
    expect(assumeRole).toHaveBeenCalledTimes(1);
  });

  it('validates the role before any call', () => {
    expect(() =>
      createAwsContext({
        actionName: 'deploy-ecs',
        inputs: inputs({ region: 'eu-west-1', roleToAssume: 'deploy' }),
        env: {},
        oidc: {
          getIdToken: async () => 'never',
          assumeRole: async () => Promise.reject(new Error('no call expected')),
        },
      }),
    ).toThrow(
      new ConfigurationError(
        'Input `role-to-assume` must be an IAM role ARN such as `arn:aws:iam::123456789012:role/github-deploy`, got "deploy".',
      ),
    );
  });

  describe('ecrIn', () => {
    /** The ECR client an on-demand one loads on its first call. */
    const real = (client: ECRClient) => clientBehind(client, ECRClient, new DescribeRepositoriesCommand({}));
    const context = () =>
      createAwsContext({
        actionName: 'rollback',
        inputs: inputs({ region: 'eu-west-1', maxAttempts: 3 }),
        env: {},
      });

    it('is the context ECR client for a standard registry in the run region', () => {
      const aws = context();
      expect(aws.ecrIn('eu-west-1')).toBe(aws.ecr());
      expect(aws.ecrIn('eu-west-1', false)).toBe(aws.ecr());
    });

    it('makes one client per registry region and endpoint, configured as the context is', async () => {
      const aws = context();
      const other = aws.ecrIn('us-east-1', false);
      const fips = aws.ecrIn('us-east-1', true);
      const fipsHere = aws.ecrIn('eu-west-1', true);
      expect(aws.ecrIn('us-east-1', false)).toBe(other);
      expect(aws.ecrIn('us-east-1', true)).toBe(fips);
      expect(new Set([other, fips, fipsHere, aws.ecr()]).size).toBe(4);
      // One at a time: each call installs and removes the class's mock.
      const otherClient = await real(other);
      const fipsClient = await real(fips);
      const fipsHereClient = await real(fipsHere);
      expect(await otherClient.config.region()).toBe('us-east-1');
      expect(await otherClient.config.useFipsEndpoint()).toBe(false);
      expect(await fipsClient.config.region()).toBe('us-east-1');
      expect(await fipsClient.config.useFipsEndpoint()).toBe(true);
      expect(await fipsHereClient.config.region()).toBe('eu-west-1');
      expect(await fipsHereClient.config.useFipsEndpoint()).toBe(true);
      for (const client of [otherClient, fipsClient, fipsHereClient]) {
        expect(await client.config.maxAttempts()).toBe(3);
        expect(((await client.config.retryStrategy()) as { mode?: string }).mode).toBe('adaptive');
        expect(client.config.customUserAgent).toEqual([['berth', BERTH_VERSION], ['rollback']]);
      }
    });

    it('leaves the endpoint to the environment when fips is not given', async () => {
      const saved = process.env.AWS_USE_FIPS_ENDPOINT;
      process.env.AWS_USE_FIPS_ENDPOINT = 'true';
      try {
        const aws = context();
        expect(await (await real(aws.ecrIn('us-east-1'))).config.useFipsEndpoint()).toBe(true);
        expect(await (await real(aws.ecrIn('us-east-1', false))).config.useFipsEndpoint()).toBe(false);
        expect(aws.ecrIn('us-east-1')).not.toBe(aws.ecrIn('us-east-1', false));
      } finally {
        if (saved === undefined) delete process.env.AWS_USE_FIPS_ENDPOINT;
        else process.env.AWS_USE_FIPS_ENDPOINT = saved;
      }
    });
  });

  it('fails without a region before making clients', () => {
    expect(() => createAwsContext({ actionName: 'deploy-ecs', inputs: inputs(), env: {} })).toThrow(
      ConfigurationError,
    );
  });
});

describe('deadlines and writes', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });
  /** The SDK resolves endpoints and credentials from the process environment. */
  function pointAt(url: string): void {
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'x',
    });
  }
  async function firstRequest(requests: () => number): Promise<void> {
    for (let i = 0; i < 1000 && requests() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(requests()).toBe(1);
  }
  /** A 127.0.0.1 server that accepts requests and never answers them. */
  async function silentServer(): Promise<{
    url: string;
    requests: () => number;
    close: () => Promise<void>;
  }> {
    let requests = 0;
    const sockets = new Set<import('node:net').Socket>();
    const server = createServer(() => {
      requests++;
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      requests: () => requests,
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    };
  }

  it('abandons a call that gets no answer when the step deadline fires, without retrying it', async () => {
    const server = await silentServer();
    const clock = manualClock();
    const deadline = stepDeadline(clock, 60_000);
    try {
      pointAt(server.url);
      const context = createAwsContext({
        actionName: 'deploy-ecs',
        inputs: inputs({ region: 'us-east-1' }),
        env: {},
        signal: deadline.signal,
      });
      const pending = context
        .ecs()
        .send(new ListClustersCommand({}))
        .catch((error: unknown) => error);
      await firstRequest(server.requests);
      clock.advance(60_000);
      const error = await pending;
      expect((error as Error).name).toBe('AbortError');
      expect(isDeadlineError(error, deadline)).toBe(true);
      expect(server.requests()).toBe(1);
      // Every later call fails at once: the step is over.
      const later = await context
        .logs()
        .send(new DescribeLogGroupsCommand({}))
        .catch((e: unknown) => e);
      expect(isDeadlineError(later, deadline)).toBe(true);
      expect(server.requests()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('keeps a signal the caller passes as well as the deadline', async () => {
    const server = await silentServer();
    const deadline = stepDeadline(manualClock(), 60_000);
    try {
      pointAt(server.url);
      const context = createAwsContext({
        actionName: 'rollback',
        inputs: inputs({ region: 'us-east-1' }),
        env: {},
        signal: deadline.signal,
      });
      const own = new AbortController();
      const pending = context
        .ecs()
        .send(new ListClustersCommand({}), { abortSignal: own.signal })
        .catch((error: unknown) => error);
      await firstRequest(server.requests);
      own.abort();
      expect(((await pending) as Error).name).toBe('AbortError');
      expect(deadline.expired()).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('gives writes a client without SDK retries, and every other client the max-attempts input', async () => {
    const context = createAwsContext({
      actionName: 'deploy-ecs',
      inputs: inputs({ region: 'eu-west-1', maxAttempts: 5 }),
      env: {},
    });
    expect(await (await realEcs(context.ecsWrites())).config.maxAttempts()).toBe(1);
    expect(await (await realEcs(context.ecs())).config.maxAttempts()).toBe(5);
    expect(context.ecsWrites()).toBe(context.ecsWrites());
    expect(context.ecsWrites()).not.toBe(context.ecs());
  });
});

describe('awsContextWith (the clients an action names)', () => {
  it('makes the clients it was given, and calls a missing factory a bug with the fix', () => {
    const context = awsContextWith(
      { actionName: 'aws-auth', inputs: inputs({ region: 'eu-west-1' }), env: {} },
      { sts },
    );
    expect(context.sts()).toBeInstanceOf(STSClient);
    expect(context.sts()).toBe(context.sts());
    expect(() => context.ecs()).toThrow(
      "aws-auth asked for the ecs client but did not pass its factory: import { ecs } from '@berth/shared/aws-clients/ecs' and add it to run()'s clients.",
    );
    expect(() => context.logs()).toThrow(/did not pass its factory/);
  });

  it('gives ecsWrites and ecrIn their own clients from the ecs and ecr factories', async () => {
    const context = awsContextWith(
      { actionName: 'deploy-ecs', inputs: inputs({ region: 'eu-west-1', maxAttempts: 5 }), env: {} },
      ALL_AWS_CLIENTS,
    );
    expect(await (await realEcs(context.ecsWrites())).config.maxAttempts()).toBe(1);
    expect(await (await realEcs(context.ecs())).config.maxAttempts()).toBe(5);
    const ecrThere = await clientBehind(
      context.ecrIn('us-east-2'),
      ECRClient,
      new DescribeRepositoriesCommand({}),
    );
    expect(await ecrThere.config.region()).toBe('us-east-2');
  });
});

describe('warmUp', () => {
  const sender = { send: async (command: unknown) => ({ sent: command }) };

  it('loads a client made on demand once, before its first call, and the call reuses it', async () => {
    const load = jest.fn(async () => sender);
    const client = clientOnDemand(load);
    warmUp(client);
    expect(load).toHaveBeenCalledTimes(1);
    await expect(client.send('command')).resolves.toEqual({ sent: 'command' });
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('leaves a failed load to the first call, which reports it (no unhandled rejection)', async () => {
    const client = clientOnDemand(async (): Promise<typeof sender> => {
      throw new Error('chunk missing');
    });
    warmUp(client);
    await new Promise((resolve) => setImmediate(resolve));
    await expect(client.send('command')).rejects.toThrow('chunk missing');
  });

  it('does nothing to a client that was made eagerly, or to none', () => {
    expect(() => warmUp(sender)).not.toThrow();
    expect(() => warmUp(undefined)).not.toThrow();
  });
});
