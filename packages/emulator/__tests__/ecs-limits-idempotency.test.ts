/**
 * ECS limits and idempotency, driven through the real AWS SDK v3 ECSClient
 * over HTTP. Expected values come from the AWS pages cited per test, not from
 * the emulator's code:
 * - task definition size: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html
 *   (64 KiB) and the ClientException ECS answers, quoted from CloudTrail in
 *   https://github.com/awsdocs/amazon-ecs-developer-guide/pull/149
 * - names: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
 *   and API_ContainerDefinition.html ("Up to 255 letters (uppercase and lowercase), numbers,
 *   underscores, and hyphens are allowed"), with ECS's observed refusals
 * - RunTask clientToken: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html
 * - StopServiceDeployment: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stop-service-deployment.html
 *   and https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html#API_StopServiceDeployment_Errors
 * - UpdateService forceNewDeployment: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html#ECS-UpdateService-request-forceNewDeployment
 */
import {
  ClientException,
  ConflictException,
  CreateClusterCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type RunningEmulator, startEmulator } from '../src/server.js';
import { ECR, fargateTaskDefinition, NETWORK, REGION, shopScenario } from './ecs-helpers.js';

let emulator: RunningEmulator;
let ecs: ECSClient;
/** The size in bytes of the last request body the SDK put on the wire. */
let lastBodyBytes = -1;
beforeAll(async () => {
  emulator = await startEmulator({
    scenario: {
      ...shopScenario(),
      repositories: [{ name: 'web', images: [1, 2, 3].map((n) => ({ tags: [String(n)] })) }],
    },
    seed: 11,
    // Emulated time barely moves on its own; the tests advance it.
    timeScale: 0.001,
    startTime: '2025-06-02T09:00:00Z',
  });
  ecs = new ECSClient({
    endpoint: emulator.url,
    region: REGION,
    credentials: { accessKeyId: 'AKIDBERTHTEST', secretAccessKey: 'not-checked' },
    maxAttempts: 1,
  });
  ecs.middlewareStack.add(
    (next) => async (args) => {
      const body = (args.request as { body?: unknown }).body;
      lastBodyBytes =
        typeof body === 'string'
          ? Buffer.byteLength(body)
          : body instanceof Uint8Array
            ? body.byteLength
            : -1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'captureBody' },
  );
});

afterAll(async () => {
  await emulator?.stop();
});

async function failure(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

const definition = (overrides: Record<string, unknown> = {}) =>
  ({
    ...fargateTaskDefinition('limits', `${ECR}/web:1`),
    ...overrides,
  }) as unknown as RegisterTaskDefinitionCommandInput;

/** A definition whose request body is exactly `bytes` long, padded with one environment variable. */
function definitionOfSize(bytes: number): RegisterTaskDefinitionCommandInput {
  const base = definition();
  const container = (base.containerDefinitions ?? [])[0];
  const withPad = (pad: string) => ({
    ...base,
    containerDefinitions: [{ ...container, environment: [{ name: 'PAD', value: pad }] }],
  });
  const overhead = Buffer.byteLength(JSON.stringify(withPad('')));
  return withPad('x'.repeat(bytes - overhead));
}

describe('RegisterTaskDefinition limits', () => {
  it('accepts a definition of exactly 64 KiB and refuses one byte more with ECS’s message', async () => {
    const atLimit = await ecs.send(new RegisterTaskDefinitionCommand(definitionOfSize(65536)));
    // The SDK sent what we sized: the limit is on the request ECS receives.
    expect(lastBodyBytes).toBe(65536);
    expect(atLimit.taskDefinition?.family).toBe('limits');

    const error = await failure(ecs.send(new RegisterTaskDefinitionCommand(definitionOfSize(65537))));
    expect(lastBodyBytes).toBe(65537);
    expect(error).toBeInstanceOf(ClientException);
    expect(error.message).toBe("Actual length: '65537'. Max allowed length is '65536' bytes.");
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it.each([
    ['a space', 'web app'],
    ['a revision suffix', 'web:3'],
    ['a placeholder', 'shop-${environment}'],
    ['a dot', 'web.v2'],
    ['a non-ASCII letter', 'wéb'],
    ['256 characters', 'a'.repeat(256)],
  ])('refuses a family with %s: "Family contains invalid characters."', async (_what, family) => {
    // Observed: https://github.com/aws/amazon-ecs-cli/issues/37, https://github.com/aws/aws-cli/issues/6774
    const error = await failure(ecs.send(new RegisterTaskDefinitionCommand(definition({ family }))));
    expect(error).toBeInstanceOf(ClientException);
    expect(error.message).toBe('Family contains invalid characters.');
  });

  it.each([
    ['a space', 'app server'],
    ['a dot', 'app.v2'],
    ['a slash', 'team/app'],
    ['256 characters', 'c'.repeat(256)],
  ])(
    'refuses a container name with %s: "Container.name contains invalid characters."',
    async (_what, name) => {
      // Observed: https://github.com/hashicorp/terraform-provider-aws/issues/5950,
      // https://github.com/ansible/ansible/issues/22860
      const base = definition();
      const error = await failure(
        ecs.send(
          new RegisterTaskDefinitionCommand({
            ...base,
            containerDefinitions: [{ ...(base.containerDefinitions ?? [])[0], name }],
          }),
        ),
      );
      expect(error).toBeInstanceOf(ClientException);
      expect(error.message).toBe('Container.name contains invalid characters.');
    },
  );

  it('accepts names of 255 letters, numbers, hyphens and underscores', async () => {
    const family = `Fam_1-${'f'.repeat(249)}`;
    const name = `App_2-${'n'.repeat(249)}`;
    const base = definition({ family });
    const out = await ecs.send(
      new RegisterTaskDefinitionCommand({
        ...base,
        containerDefinitions: [{ ...(base.containerDefinitions ?? [])[0], name }],
      }),
    );
    expect([out.taskDefinition?.family, out.taskDefinition?.containerDefinitions?.[0].name]).toEqual([
      family,
      name,
    ]);
  });
});

describe('RunTask clientToken', () => {
  const runTask = (overrides: Record<string, unknown> = {}) =>
    ecs.send(
      new RunTaskCommand({
        cluster: 'shop',
        taskDefinition: 'web:1',
        launchType: 'FARGATE',
        networkConfiguration: NETWORK as any,
        startedBy: 'migrations',
        ...overrides,
      }),
    );
  const startedBy = async (cluster: string, who: string) =>
    (await ecs.send(new ListTasksCommand({ cluster, startedBy: who, desiredStatus: 'RUNNING' }))).taskArns ??
    [];

  it('a retry with the same token and parameters returns the same task and starts no other', async () => {
    const clientToken = 'deploy-4242-migrate';
    const first = await runTask({ clientToken, startedBy: 'retry-test' });
    const retried = await runTask({ clientToken, startedBy: 'retry-test' });
    expect(first.tasks).toHaveLength(1);
    expect(retried.tasks?.map((t) => t.taskArn)).toEqual(first.tasks?.map((t) => t.taskArn));
    expect(retried.failures).toEqual([]);
    expect(await startedBy('shop', 'retry-test')).toEqual([first.tasks![0].taskArn]);
  });

  it('a new token (the SDK generates one per call when none is given) starts another task', async () => {
    await runTask({ startedBy: 'fresh-tokens' });
    await runTask({ startedBy: 'fresh-tokens' });
    expect(await startedBy('shop', 'fresh-tokens')).toHaveLength(2);
  });

  it('the same token with different parameters fails with ConflictException and starts nothing', async () => {
    const clientToken = 'conflict-token';
    await runTask({ clientToken, startedBy: 'conflict-test' });
    const error = await failure(runTask({ clientToken, startedBy: 'conflict-test', count: 2 }));
    expect(error).toBeInstanceOf(ConflictException);
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(await startedBy('shop', 'conflict-test')).toHaveLength(1);
  });

  it('a token is scoped to its cluster: the same token in another cluster is a separate request', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'batch' }));
    const clientToken = 'per-cluster-token';
    const inShop = await runTask({ clientToken, startedBy: 'scope-test' });
    const inBatch = await runTask({ clientToken, startedBy: 'scope-test', cluster: 'batch' });
    expect(inBatch.tasks?.[0].taskArn).not.toBe(inShop.tasks?.[0].taskArn);
    expect(await startedBy('batch', 'scope-test')).toHaveLength(1);
    expect(await startedBy('shop', 'scope-test')).toHaveLength(1);
  });
});

describe('Repeated StopServiceDeployment and UpdateService', () => {
  const deploymentsOf = async () =>
    (await ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['web'] }))).services![0]
      .deployments!;
  const serviceDeploymentCount = async () =>
    (await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'shop', service: 'web' })))
      .serviceDeployments!.length;
  const settle = () =>
    emulator.control.ecs!.advanceUntil(() => {
      const svc = emulator.control.ecs!.describeService('shop', 'web');
      return svc?.deployments.length === 1 && svc.deployments[0].rolloutState !== 'IN_PROGRESS';
    });

  it('UpdateService that changes nothing starts no deployment; forceNewDeployment does', async () => {
    settle();
    const before = await deploymentsOf();
    const count = await serviceDeploymentCount();
    const current = before[0].taskDefinition!;
    // "By default, deployments aren't forced. You can use this option [forceNewDeployment] to start a
    // new deployment with no service definition changes." (UpdateService API reference)
    await ecs.send(new UpdateServiceCommand({ cluster: 'shop', service: 'web', taskDefinition: current }));
    await ecs.send(
      new UpdateServiceCommand({ cluster: 'shop', service: 'web', desiredCount: before[0].desiredCount }),
    );
    expect((await deploymentsOf()).map((d) => d.id)).toEqual(before.map((d) => d.id));
    expect(await serviceDeploymentCount()).toBe(count);

    await ecs.send(new UpdateServiceCommand({ cluster: 'shop', service: 'web', forceNewDeployment: true }));
    const forced = await deploymentsOf();
    expect(forced).toHaveLength(2);
    expect(forced[0].id).not.toBe(before[0].id);
    expect(await serviceDeploymentCount()).toBe(count + 1);
    settle();
  });

  it('the same UpdateService sent twice starts one deployment', async () => {
    await ecs.send(new RegisterTaskDefinitionCommand(fargateTaskDefinition('web', `${ECR}/web:2`) as any));
    const count = await serviceDeploymentCount();
    const update = { cluster: 'shop', service: 'web', taskDefinition: 'web:2' };
    const first = await ecs.send(new UpdateServiceCommand(update));
    const again = await ecs.send(new UpdateServiceCommand(update));
    const primary = (d: { status?: string }) => d.status === 'PRIMARY';
    expect(again.service!.deployments!.find(primary)!.id).toBe(first.service!.deployments!.find(primary)!.id);
    expect(again.service!.deployments).toHaveLength(2);
    expect(await serviceDeploymentCount()).toBe(count + 1);
    settle();
  });

  it('StopServiceDeployment repeated while rolling back continues; on a finished deployment it is a ConflictException', async () => {
    await ecs.send(new UpdateServiceCommand({ cluster: 'shop', service: 'web', forceNewDeployment: true }));
    const listed = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: 'shop',
        service: 'web',
        status: ['PENDING', 'IN_PROGRESS'],
      }),
    );
    const arn = listed.serviceDeployments![0].serviceDeploymentArn!;
    const stop = () =>
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }));

    expect((await stop()).serviceDeploymentArn).toBe(arn);
    const requested = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
    // stop-service-deployment.html: IN_PROGRESS "moves to the ROLLBACK_REQUESTED state" ...
    expect(requested.serviceDeployments![0].status).toBe('ROLLBACK_REQUESTED');
    // ... and a stop on ROLLBACK_REQUESTED: "The service deployment continues the rollback operation."
    expect((await stop()).serviceDeploymentArn).toBe(arn);
    const deploymentsDuringRollback = await serviceDeploymentCount();

    settle();
    const finished = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
    expect(finished.serviceDeployments![0].status).toBe('ROLLBACK_SUCCESSFUL');
    // The second stop started no second rollback.
    expect(await serviceDeploymentCount()).toBe(deploymentsDuringRollback);

    // Only PENDING, IN_PROGRESS, STOP_REQUESTED, ROLLBACK_REQUESTED and ROLLBACK_IN_PROGRESS can be
    // stopped; the API reference's error for a resource in a conflicting state is ConflictException.
    const error = await failure(stop());
    expect(error).toBeInstanceOf(ConflictException);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});
