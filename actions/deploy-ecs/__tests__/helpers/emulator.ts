import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECSClient } from '@aws-sdk/client-ecs';
import {
  manifestDigest,
  numberedManifest,
  type RunningEmulator,
  type Scenario,
  startEmulator,
} from '@berth/emulator';
import {
  type ActionResult,
  emulatorEnv,
  type RunActionOptions,
  runAction,
} from '@berth/testkit/action-runner.js';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;
export const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/shop-task-execution`;

/** Emulated milliseconds per real millisecond, for the emulator and the action alike. */
export const TIME_SCALE = 60;

/** A small OCI image manifest, distinct per `n`; ECR digests are the sha256 of the manifest bytes. */
export const manifest = numberedManifest;

export const digest = (n: number) => manifestDigest(manifest(n));

/** A Fargate task definition that logs to CloudWatch (so failure reports can show the lines). */
export function taskDefinition(image: string, overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    family: 'web',
    executionRoleArn: EXECUTION_ROLE,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      {
        name: 'app',
        image,
        essential: true,
        portMappings: [{ containerPort: 8080 }],
        environment: [{ name: 'APP_ENV', value: 'test' }],
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/web', 'awslogs-region': REGION, 'awslogs-stream-prefix': 'web' },
        },
      },
    ],
    ...overrides,
  };
}

export const GOOD = `${REGISTRY}/shop@${digest(1)}`;
export const NEXT = `${REGISTRY}/shop@${digest(2)}`;

/** One ECS service `web` in cluster `shop`, steady on revision 1 (GOOD), plus whatever `extra` adds. */
export function scenario(
  extra: Partial<Scenario> & { deploymentConfiguration?: Record<string, unknown> } = {},
): Scenario {
  const { deploymentConfiguration, ...rest } = extra;
  return {
    clusters: ['shop'],
    taskDefinitions: [taskDefinition(GOOD)],
    services: [
      {
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: 'web:1',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ['subnet-0123456789abcdef0'],
            securityGroups: ['sg-0123456789abcdef0'],
          },
        },
        ...(deploymentConfiguration ? { deploymentConfiguration } : {}),
      },
    ],
    repositories: [
      {
        name: 'shop',
        images: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ manifest: manifest(n), tags: [`v${n}`] })),
      },
    ],
    ...rest,
  };
}

export interface Harness {
  emulator: RunningEmulator;
  workspace: string;
  ecs: ECSClient;
  /** Writes a task definition file into the workspace and returns its relative path. */
  file(name: string, content: unknown): string;
  /** Runs the bundled action under its documented policy (runAction's `iam`: overrides, or false). */
  run(
    inputs: Record<string, string | undefined>,
    env?: Record<string, string | undefined>,
    iam?: RunActionOptions['iam'],
  ): Promise<ActionResult>;
  /** Names of the write calls the emulator answered with success. */
  writes(): string[];
  count(operation: string, successfulOnly?: boolean): number;
  stop(): Promise<void>;
}

const WRITE = /^(Register|Update|Run|Put|Create|Delete|Deregister|Start|Stop|Tag|Untag|Batch(?!Get)|Submit)/;

export async function harness(scenarioValue: Scenario, timeScale = TIME_SCALE): Promise<Harness> {
  const emulator = await startEmulator({ scenario: scenarioValue, timeScale, seed: 7 });
  const workspace = mkdtempSync(join(tmpdir(), 'berth-deploy-ecs-ws-'));
  const ecs = new ECSClient({
    region: REGION,
    endpoint: emulator.url,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  });
  return {
    emulator,
    workspace,
    ecs,
    file(name, content) {
      const path = join(workspace, name);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return name;
    },
    run: (inputs, env = {}, iam = undefined) =>
      runAction({
        action: 'deploy-ecs',
        workspace,
        inputs,
        iam,
        timeoutMs: 60_000,
        env: emulatorEnv(emulator, env),
      }),
    writes: () =>
      emulator.control
        .calls()
        .filter((c) => WRITE.test(c.operation) && c.status === 200 && c.service !== 'sts')
        .map((c) => c.operation),
    count: (operation, successfulOnly = true) =>
      emulator.control.calls({ operation }).filter((c) => !successfulOnly || c.status === 200).length,
    stop: async () => {
      ecs.destroy();
      await emulator.stop();
    },
  };
}

/** The log without workflow commands' noise, for matching. */
export function log(result: ActionResult): string {
  return `${result.stdout}\n${result.stderr}`;
}
