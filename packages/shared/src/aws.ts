// Types only: each client's package is imported by its own factory (aws-clients/*.ts),
// so an action's bundle carries the clients it passes to run() and no others.

import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, UserAgent } from '@smithy/types';
import type { Clock } from './clock.js';
import { ConfigurationError } from './errors.js';
import type { InputReader } from './inputs.js';
import { type OidcCredentialProvider, type OidcOptions, oidcCredentialProvider } from './oidc.js';
import { BERTH_VERSION } from './version.js';

/** The AWS inputs every AWS-touching action declares (names as in action.yml). */
export interface AwsInputs {
  region?: string;
  roleToAssume?: string;
  audience: string;
  roleSessionName?: string;
  roleDurationSeconds: number;
  maxAttempts: number;
}

export const AWS_INPUT_NAMES = [
  'aws-region',
  'role-to-assume',
  'audience',
  'role-session-name',
  'role-duration-seconds',
  'max-attempts',
] as const;

export function readAwsInputs(reader: InputReader): AwsInputs {
  return {
    region: reader.optional('aws-region'),
    roleToAssume: reader.optional('role-to-assume'),
    audience: reader.string('audience', 'sts.amazonaws.com'),
    roleSessionName: reader.optional('role-session-name'),
    roleDurationSeconds: reader.integer('role-duration-seconds', { min: 900, max: 43200, fallback: 3600 }),
    maxAttempts: reader.integer('max-attempts', { min: 1, max: 20, fallback: 8 }),
  };
}

/** Region from the input, else AWS_REGION / AWS_DEFAULT_REGION, else a clear error. */
export function resolveRegion(input: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const region = input || env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigurationError(
      'No AWS region: set the `aws-region` input (e.g. `aws-region: eu-west-1`) or the AWS_REGION environment variable.',
    );
  }
  if (!/^[a-z]{2,4}(-[a-z]+)+-\d+$/.test(region)) {
    throw new ConfigurationError(
      `Input \`aws-region\` must be an AWS region such as \`us-east-1\`, got ${JSON.stringify(region)}.`,
    );
  }
  return region;
}

export interface AwsClientConfig {
  region: string;
  credentials?: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  maxAttempts: number;
  retryMode: 'adaptive';
  /** `berth/<version> <action>` as SDK user-agent pairs (a plain string would reach the wire as one escaped token). */
  customUserAgent: UserAgent;
  /** Per-attempt limits, so one silent connection cannot hold a step (the SDK's defaults wait forever). */
  requestHandler: {
    connectionTimeout: number;
    requestTimeout: number;
    /** Without it the SDK only logs a warning when requestTimeout passes and keeps waiting. */
    throwOnRequestTimeout: true;
  };
}

/**
 * Connection and per-attempt request limits for every client. ECS, ECR, Logs
 * and STS answer control-plane calls in well under a second; 30 s without an
 * answer is an outage, and the SDK retries it within the step's deadline.
 */
export const CONNECTION_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;

interface Sender {
  send(...args: never[]): unknown;
}

/**
 * Makes every `send` of `client` carry `signal` as its abortSignal (combined
 * with one the caller passes), so the SDK abandons a waiting call and its
 * retry sleeps when the step's deadline passes. The prototype's `send` is
 * looked up on each call, so test doubles installed later still apply.
 */
export function bindAbortSignal<C extends Sender>(client: C, signal: AbortSignal): C {
  const proto = Object.getPrototypeOf(client) as { send: (...args: unknown[]) => unknown };
  const bound = function (this: C, command: unknown, options?: unknown, callback?: unknown) {
    if (typeof options === 'function')
      return proto.send.call(client, command, { abortSignal: signal }, options);
    const given = (options as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
    const abortSignal = given ? AbortSignal.any([given, signal]) : signal;
    return proto.send.call(client, command, { ...(options as object), abortSignal }, callback);
  };
  Object.defineProperty(client, 'send', { value: bound, configurable: true, writable: true });
  return client;
}

/**
 * A client whose package loads on its first call instead of at start: the ECS,
 * ECR, Logs and CodeDeploy factories (aws-clients/*.ts) make theirs this way, so a step refused for
 * its inputs exits without parsing the SDK, and a client only some runs call
 * (Logs, read only to explain a failure; CodeDeploy, for CODE_DEPLOY services
 * only) stays out of every other run. `send` sits on the prototype, where
 * `bindAbortSignal` expects it; test doubles that patch the real client's
 * prototype still apply. Not for the SDK's paginators, which check `instanceof`.
 */
class ClientOnDemand {
  #client?: Promise<{ send(command: unknown, options?: unknown): Promise<unknown> }>;
  constructor(
    private readonly load: () => Promise<{ send(command: unknown, options?: unknown): Promise<unknown> }>,
  ) {}
  send(command: unknown, options?: unknown): Promise<unknown> {
    this.#client ??= this.load();
    return this.#client.then((client) => client.send(command, options));
  }
  /** Loads the client now, without a call; a failed load is reported by the first send. */
  warm(): void {
    this.#client ??= this.load();
    this.#client.catch(() => undefined);
  }
  destroy(): void {
    void this.#client?.then((client) => (client as { destroy?: () => void }).destroy?.());
  }
}

/** `load` makes the real client (a dynamic import of its package); typed as that client. */
export function clientOnDemand<C extends Sender>(load: () => Promise<C>): C {
  return new ClientOnDemand(load as never) as unknown as C;
}

/**
 * Starts loading a client made by clientOnDemand before its first call (no-op for
 * any other client): the code is parsed while the step waits, not while the user does.
 */
export function warmUp(client: unknown): void {
  if (client instanceof ClientOnDemand) client.warm();
}

/** The user-agent suffix every Berth call carries: `berth/<version> <action>` on the wire. */
export function berthUserAgent(actionName: string): UserAgent {
  return [['berth', BERTH_VERSION], [actionName]];
}

/** Clients for one action run, all sharing region, credentials, retries and user agent. */
export interface AwsContext {
  region: string;
  config: AwsClientConfig;
  /** The OIDC provider when `role-to-assume` is set (aws-auth exports what it returns). */
  credentials?: OidcCredentialProvider;
  ecs(): ECSClient;
  /**
   * ECS for writes that are not idempotent (RegisterTaskDefinition,
   * UpdateService, RunTask, StopServiceDeployment): no SDK retry, since a
   * retried write whose answer was lost is a second write; `writeOnce` looks
   * before it sends again.
   */
  ecsWrites(): ECSClient;
  ecr(): ECRClient;
  /**
   * ECR in the region of an image's registry, which may differ from the run's region
   * (a central registry), with the same credentials, retries and user agent; one client
   * per region and endpoint. `fips`: true for `dkr.ecr-fips.` hosts, false for standard
   * hosts; left out, the endpoint follows the environment as the other clients' do.
   */
  ecrIn(region: string, fips?: boolean): ECRClient;
  sts(): STSClient;
  logs(): CloudWatchLogsClient;
  /** CodeDeploy, for services with the CODE_DEPLOY controller (deploy-ecs). */
  codedeploy(): CodeDeployClient;
  /** CodeDeploy for CreateDeployment and StopDeployment, which are not idempotent: no SDK retry. */
  codedeployWrites(): CodeDeployClient;
}

/**
 * How each client is made from the context's configuration. An action names
 * the factories it uses (`run(name, main, { clients: { ecs, ecr } })`); the
 * context asks for no client package it was not given.
 */
export interface AwsClientFactories {
  ecs?: (config: AwsClientConfig) => ECSClient;
  ecr?: (config: AwsClientConfig & { useFipsEndpoint?: boolean }) => ECRClient;
  sts?: (config: AwsClientConfig) => STSClient;
  logs?: (config: AwsClientConfig) => CloudWatchLogsClient;
  codedeploy?: (config: AwsClientConfig) => CodeDeployClient;
}

export interface CreateAwsContextOptions {
  actionName: string;
  inputs: AwsInputs;
  env?: NodeJS.ProcessEnv;
  /** The run's clock: role sessions are refreshed by it (systemClock() honours BERTH_TIME_SCALE). */
  clock?: Clock;
  /** Seam for tests: OIDC dependencies (ID token source, STS client, clock). */
  oidc?: Partial<OidcOptions>;
  /** The step deadline's signal (`stepDeadline().signal`): every call of every client is abandoned when it fires. */
  signal?: AbortSignal;
}

/**
 * Builds the client factory from the clients an action uses. With
 * `role-to-assume`, credentials come from the GitHub OIDC exchange and are
 * re-assumed before they expire; without it the SDK's default chain applies
 * (environment, a previous aws-auth step, …). Asking for a client the action
 * did not pass is a bug in the action, reported as one.
 */
export function awsContextWith(options: CreateAwsContextOptions, clients: AwsClientFactories): AwsContext {
  const env = options.env ?? process.env;
  const region = resolveRegion(options.inputs.region, env);
  const customUserAgent = berthUserAgent(options.actionName);
  const credentials = options.inputs.roleToAssume
    ? oidcCredentialProvider({
        roleArn: options.inputs.roleToAssume,
        audience: options.inputs.audience,
        roleSessionName: options.inputs.roleSessionName,
        durationSeconds: options.inputs.roleDurationSeconds,
        maxAttempts: options.inputs.maxAttempts,
        region,
        customUserAgent,
        env,
        signal: options.signal,
        ...(options.clock ? { now: () => options.clock!.now() } : {}),
        ...options.oidc,
      })
    : undefined;
  // The provider caches and refreshes by the run's clock itself; `memoized` tells the SDK
  // to ask it on every request instead of keeping the first credentials by the wall clock.
  if (credentials) Object.assign(credentials, { memoized: true });
  const config: AwsClientConfig = {
    region,
    credentials,
    maxAttempts: options.inputs.maxAttempts,
    retryMode: 'adaptive',
    customUserAgent,
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  };
  const cache = new Map<string, unknown>();
  const memo = <T extends Sender>(key: string, make: () => T): T => {
    if (!cache.has(key)) {
      const client = make();
      cache.set(key, options.signal ? bindAbortSignal(client, options.signal) : client);
    }
    return cache.get(key) as T;
  };
  const factory = <K extends keyof AwsClientFactories>(name: K): NonNullable<AwsClientFactories[K]> => {
    const make = clients[name];
    if (!make) {
      throw new Error(
        `${options.actionName} asked for the ${name} client but did not pass its factory: ` +
          `import { ${name} } from '@berth/shared/aws-clients/${name}' and add it to run()'s clients.`,
      );
    }
    return make as NonNullable<AwsClientFactories[K]>;
  };
  const ecr = () => memo('ecr', () => factory('ecr')(config));
  return {
    region,
    config,
    credentials,
    ecs: () => memo('ecs', () => factory('ecs')(config)),
    ecsWrites: () => memo('ecs-writes', () => factory('ecs')({ ...config, maxAttempts: 1 })),
    ecr,
    ecrIn: (registryRegion, fips) => {
      if (registryRegion === region && !fips) return ecr();
      return memo(`ecr ${registryRegion} fips=${fips}`, () =>
        factory('ecr')({
          ...config,
          region: registryRegion,
          ...(fips === undefined ? {} : { useFipsEndpoint: fips }),
        }),
      );
    },
    sts: () => memo('sts', () => factory('sts')(config)),
    logs: () => memo('logs', () => factory('logs')(config)),
    codedeploy: () => memo('codedeploy', () => factory('codedeploy')(config)),
    codedeployWrites: () =>
      memo('codedeploy-writes', () => factory('codedeploy')({ ...config, maxAttempts: 1 })),
  };
}
