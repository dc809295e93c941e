/**
 * Test seams for the ECS engine: a fake World (manual clock, seeded PRNG,
 * in-memory logs, a tiny image catalog, settable alarms) and helpers to call
 * operations the way the server does.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEcs, type EcsModule } from '../src/ecs/index.js';
import type { ImageBehaviour, LogEvent, Scenario, World } from '../src/world.js';
import { AwsError } from '../src/world.js';

export const START = Date.UTC(2025, 5, 2, 9, 0, 0);
export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';
export const CALLER = `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/gha`;
export const ECR = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

/** mulberry32: a small deterministic PRNG. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FakeWorld extends World {
  logStore: Map<string, Map<string, LogEvent[]>>;
  digests: Map<string, string>;
  alarms: Map<string, 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'>;
  apiMode: 'enabled' | 'access-denied' | 'unavailable';
  setTime(ms: number): void;
}

export function fakeWorld(scenario: Scenario = {}, seed = 42): FakeWorld {
  let now = START;
  const world: FakeWorld = {
    region: REGION,
    accountId: ACCOUNT,
    clock: {
      now: () => now,
      advance(ms: number) {
        now += ms;
      },
      timeScale: 1,
      startMs: START,
    },
    random: seeded(seed),
    scenario,
    logStore: new Map(),
    digests: new Map(),
    alarms: new Map(),
    apiMode: 'enabled',
    logs: {
      put(group, stream, events) {
        const streams = world.logStore.get(group) ?? new Map<string, LogEvent[]>();
        streams.set(stream, [...(streams.get(stream) ?? []), ...events]);
        world.logStore.set(group, streams);
      },
    },
    images: {
      resolveDigest: (image) => world.digests.get(image),
      isEcrImage: (image) => image.startsWith(`${ECR}/`),
      aliases: () => [],
    },
    alarmState: (name) => world.alarms.get(name) ?? 'OK',
    serviceDeploymentsApi: () => world.apiMode,
    setTime(ms: number) {
      now = ms;
    },
  };
  return world;
}

export interface Harness {
  world: FakeWorld;
  ecs: EcsModule;
  /** Calls an operation as the server would (tick first), returning its output. */
  call<T = any>(operation: string, input?: Record<string, unknown>): Promise<T>;
  /** Advances the fake clock and ticks once at the end. */
  advance(ms: number): void;
}

export function harness(scenario: Scenario = {}, seed = 42): Harness {
  const world = fakeWorld(scenario, seed);
  const ecs = createEcs(world);
  ecs.load?.(scenario);
  return {
    world,
    ecs,
    async call<T>(operation: string, input: Record<string, unknown> = {}): Promise<T> {
      ecs.tick?.(world.clock.now());
      const handler = ecs.operations[operation];
      if (!handler) throw new Error(`no operation ${operation}`);
      // The server sends JSON: round-trip so handlers never see shared objects.
      const output = await handler(JSON.parse(JSON.stringify(input)), { operation, callerArn: CALLER });
      return JSON.parse(JSON.stringify(output)) as T;
    },
    advance(ms: number) {
      world.clock.advance(ms);
      ecs.tick?.(world.clock.now());
    },
  };
}

export async function awsError(promise: Promise<unknown>): Promise<AwsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error('expected an AwsError');
}

/** A Fargate task definition input with one container (optionally with a health check and awslogs). */
export function fargateTaskDefinition(
  family: string,
  image: string,
  options: {
    healthCheck?: boolean;
    awslogs?: boolean;
    extraContainers?: Array<Record<string, unknown>>;
  } = {},
): Record<string, unknown> {
  return {
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
    containerDefinitions: [
      {
        name: 'app',
        image,
        essential: true,
        portMappings: [{ containerPort: 8080 }],
        ...(options.healthCheck
          ? {
              healthCheck: {
                command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
                interval: 10,
                retries: 3,
              },
            }
          : {}),
        ...(options.awslogs
          ? {
              logConfiguration: {
                logDriver: 'awslogs',
                options: {
                  'awslogs-group': `/ecs/${family}`,
                  'awslogs-region': REGION,
                  'awslogs-stream-prefix': 'ecs',
                },
              },
            }
          : {}),
      },
      ...(options.extraContainers ?? []),
    ],
  };
}

export const NETWORK = {
  awsvpcConfiguration: {
    subnets: ['subnet-0a1b2c3d'],
    securityGroups: ['sg-0a1b2c3d'],
    assignPublicIp: 'DISABLED',
  },
};

export interface AppOptions {
  images?: Record<string, ImageBehaviour>;
  desiredCount?: number;
  deploymentConfiguration?: Record<string, unknown>;
  healthCheck?: boolean;
  alarms?: string[];
}

/**
 * A cluster `shop`, a steady service `web` (FARGATE) on `web:1` running
 * `${ECR}/web:1`, and images `web:1`..`web:9` in ECR. Behaviours go in
 * scenario.behaviours.
 */
export function shopScenario(options: AppOptions = {}): Scenario {
  const td = (n: number) =>
    fargateTaskDefinition('web', `${ECR}/web:${n}`, { healthCheck: options.healthCheck, awslogs: true });
  return {
    region: REGION,
    accountId: ACCOUNT,
    clusters: ['shop'],
    taskDefinitions: [td(1)],
    services: [
      {
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: 'web:1',
        desiredCount: options.desiredCount ?? 2,
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
        deploymentConfiguration: options.deploymentConfiguration,
      },
    ],
    behaviours: options.images ?? {},
    alarms: options.alarms,
  };
}

export function shopHarness(options: AppOptions = {}, seed = 42): Harness {
  const scenario = shopScenario(options);
  const world = fakeWorld(scenario, seed);
  for (let n = 1; n <= 9; n++) world.digests.set(`${ECR}/web:${n}`, `sha256:${String(n).repeat(64)}`);
  const ecs = createEcs(world);
  ecs.load?.(scenario);
  const h: Harness = {
    world,
    ecs,
    async call<T>(operation: string, input: Record<string, unknown> = {}): Promise<T> {
      ecs.tick?.(world.clock.now());
      const output = await ecs.operations[operation](JSON.parse(JSON.stringify(input)), {
        operation,
        callerArn: CALLER,
      });
      return JSON.parse(JSON.stringify(output)) as T;
    },
    advance(ms: number) {
      world.clock.advance(ms);
      ecs.tick?.(world.clock.now());
    },
  };
  return h;
}

/** Registers `web:n` (image `${ECR}/web:n`) and returns its ARN. */
export async function registerWeb(
  h: Harness,
  n: number,
  options: { healthCheck?: boolean } = {},
): Promise<string> {
  const out = await h.call(
    'RegisterTaskDefinition',
    fargateTaskDefinition('web', `${ECR}/web:${n}`, { ...options, awslogs: true }),
  );
  return out.taskDefinition.taskDefinitionArn;
}

export async function describeWeb(h: Harness): Promise<any> {
  const out = await h.call('DescribeServices', { cluster: 'shop', services: ['web'] });
  return out.services[0];
}

/** Event messages oldest first (DescribeServices lists them newest first). */
export function messages(service: any): string[] {
  return [...service.events].reverse().map((e: any) => e.message);
}

export const CORPUS = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'shared',
  'corpus',
);

/** A corpus file as JSON, or undefined when the corpus is absent (a user's clone). */
export function corpusJson(relative: string): any | undefined {
  try {
    return JSON.parse(readFileSync(join(CORPUS, relative), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Keys of an object, recursively for nested plain objects, as dotted paths (arrays: first element). */
export function keyPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length ? keyPaths(value[0], `${prefix}[]`) : [];
  if (!value || typeof value !== 'object') return [];
  const v = value as Record<string, unknown>;
  if (v.__class__ === 'datetime') return [];
  return Object.keys(v).flatMap((k) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...keyPaths(v[k], path)];
  });
}
