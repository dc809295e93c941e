/**
 * The ECS engine driven only through the real AWS SDK v3 ECSClient against the
 * emulator's HTTP server: the shapes the SDK deserialises (Dates, exception
 * classes), waiters, and the flows Berth's actions depend on.
 */

import {
  AccessDeniedException,
  ClientException,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  waitUntilServicesStable,
  waitUntilTasksStopped,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Scenario } from '../src/index.js';
import { type RunningEmulator, startEmulator } from '../src/server.js';
import { ACCOUNT, ECR, fargateTaskDefinition, NETWORK, REGION, shopScenario } from './ecs-helpers.js';

function scenario(): Scenario {
  return {
    ...shopScenario({
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    }),
    repositories: [{ name: 'web', images: [1, 2, 3].map((n) => ({ tags: [String(n)] })) }],
    behaviours: {
      [`${ECR}/web:3`]: { exitCode: 1, exitAfterSeconds: 2, logLines: ['panic: missing config'] },
      [`${ECR}/web:*`]: { logLines: ['listening on :8080'] },
    },
  };
}

async function start(timeScale: number): Promise<{ emulator: RunningEmulator; ecs: ECSClient }> {
  const emulator = await startEmulator({
    scenario: scenario(),
    seed: 7,
    timeScale,
    startTime: '2025-06-02T09:00:00Z',
  });
  const ecs = new ECSClient({
    endpoint: emulator.url,
    region: REGION,
    credentials: { accessKeyId: 'AKIDBERTHTEST', secretAccessKey: 'not-checked' },
    maxAttempts: 1,
  });
  return { emulator, ecs };
}

async function failure(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('ECS engine through the AWS SDK', () => {
  let emulator: RunningEmulator;
  let ecs: ECSClient;
  beforeAll(async () => {
    // Emulated time barely moves on its own; the tests advance it.
    ({ emulator, ecs } = await start(0.001));
  });
  afterAll(async () => {
    await emulator.stop();
  });
  const web = async () =>
    (await ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['web'] }))).services![0];
  const settle = () =>
    emulator.control.ecs!.advanceUntil(() => {
      const svc = emulator.control.ecs!.describeService('shop', 'web');
      return svc?.deployments.length === 1 && svc.deployments[0].rolloutState !== 'IN_PROGRESS';
    });

  it('rolls out a new revision to steady state', async () => {
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand(fargateTaskDefinition('web', `${ECR}/web:2`) as any),
    );
    expect(registered.taskDefinition).toMatchObject({
      family: 'web',
      revision: 2,
      status: 'ACTIVE',
      compatibilities: ['EC2', 'FARGATE'],
    });
    expect(registered.taskDefinition?.registeredAt).toBeInstanceOf(Date);

    const updated = await ecs.send(
      new UpdateServiceCommand({ cluster: 'shop', service: 'web', taskDefinition: 'web:2' }),
    );
    const newId = updated.service!.deployments![0].id!;
    expect(updated.service!.deployments!.map((d) => d.status)).toEqual(['PRIMARY', 'ACTIVE']);
    settle();
    const svc = await web();
    expect(svc.deployments).toHaveLength(1);
    expect(svc.deployments![0]).toMatchObject({ id: newId, rolloutState: 'COMPLETED', runningCount: 2 });
    expect(svc.deployments![0].createdAt).toBeInstanceOf(Date);
    expect(svc.events![0].message).toBe('(service web) has reached a steady state.');
    expect(svc.events![1].message).toBe(`(service web) (deployment ${newId}) deployment completed.`);
    expect(svc.events![0].createdAt).toBeInstanceOf(Date);

    const tasks = await ecs.send(new ListTasksCommand({ cluster: 'shop', serviceName: 'web' }));
    const described = await ecs.send(new DescribeTasksCommand({ cluster: 'shop', tasks: tasks.taskArns }));
    expect(described.tasks!.map((t) => t.containers![0].imageDigest)).toEqual([
      expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      expect.anything(),
    ]);
    expect(described.tasks![0].startedBy).toBe(newId);
  });

  it('fails a broken revision, rolls back, and the records say so — while the stock waiter says "stable"', async () => {
    const before = await web();
    const goodId = before.deployments![0].id!;
    await ecs.send(
      new RegisterTaskDefinitionCommand(
        fargateTaskDefinition('web', `${ECR}/web:3`, { awslogs: true }) as any,
      ),
    );
    const updated = await ecs.send(
      new UpdateServiceCommand({ cluster: 'shop', service: 'web', taskDefinition: 'web:3' }),
    );
    const badId = updated.service!.deployments![0].id!;
    settle();

    const svc = await web();
    expect(svc.taskDefinition).toMatch(/task-definition\/web:2$/);
    expect(svc.deployments).toEqual([expect.objectContaining({ id: goodId, rolloutState: 'COMPLETED' })]);
    // The milestones, newest first (task start/stop events interleave as tasks come and go).
    const recent = svc
      .events!.map((e) => e.message!)
      .filter((m) => !/has started|has stopped|stopped \d+ pending tasks/.test(m))
      .slice(0, 4);
    expect(recent).toEqual([
      '(service web) has reached a steady state.',
      `(service web) (deployment ${goodId}) deployment completed.`,
      `(service web) rolling back to deployment ${goodId}.`,
      `(service web) (deployment ${badId}) deployment failed: tasks failed to start.`,
    ]);

    // The trap Berth avoids: the stock waiter is satisfied by the rolled-back service.
    const waited = await waitUntilServicesStable(
      { client: ecs, maxWaitTime: 5, minDelay: 1 },
      { cluster: 'shop', services: ['web'] },
    );
    expect(waited.state).toBe('SUCCESS');

    // The truth: the service deployment of the update was rolled back.
    const listed = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'shop', service: 'web' }));
    expect(listed.serviceDeployments![0].status).toBe('ROLLBACK_SUCCESSFUL');
    expect(listed.serviceDeployments![0].createdAt).toBeInstanceOf(Date);
    expect(svc.currentServiceDeployment).toBe(listed.serviceDeployments![0].serviceDeploymentArn);
    const { serviceDeployments } = await ecs.send(
      new DescribeServiceDeploymentsCommand({
        serviceDeploymentArns: [listed.serviceDeployments![0].serviceDeploymentArn!],
      }),
    );
    const record = serviceDeployments![0];
    expect(record).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
      rollback: { reason: 'ECS deployment circuit breaker: tasks failed to start.' },
    });
    expect(record.rollback!.startedAt).toBeInstanceOf(Date);
    const revisions = await ecs.send(
      new DescribeServiceRevisionsCommand({
        serviceRevisionArns: [record.targetServiceRevision!.arn!, record.rollback!.serviceRevisionArn!],
      }),
    );
    expect(revisions.serviceRevisions!.map((r) => r.containerImages![0].image)).toEqual([
      `${ECR}/web:3`,
      `${ECR}/web:2`,
    ]);
    expect(revisions.serviceRevisions![0].containerImages![0].imageDigest).toMatch(/^sha256:/);

    // Why it failed: the stopped task's reason and exit code, and its logs.
    const stopped = await ecs.send(
      new ListTasksCommand({
        cluster: 'shop',
        serviceName: 'web',
        desiredStatus: 'STOPPED',
        startedBy: badId,
      }),
    );
    const { tasks } = await ecs.send(
      new DescribeTasksCommand({ cluster: 'shop', tasks: stopped.taskArns!.slice(0, 1) }),
    );
    expect(tasks![0]).toMatchObject({
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
    expect(tasks![0].containers![0].exitCode).toBe(1);
    expect(tasks![0].stoppedAt).toBeInstanceOf(Date);
  });

  it('StopServiceDeployment rolls an in-progress deployment back', async () => {
    await ecs.send(new UpdateServiceCommand({ cluster: 'shop', service: 'web', forceNewDeployment: true }));
    const listed = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: 'shop',
        service: 'web',
        status: ['PENDING', 'IN_PROGRESS'],
      }),
    );
    const arn = listed.serviceDeployments![0].serviceDeploymentArn!;
    const stopped = await ecs.send(
      new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }),
    );
    expect(stopped.serviceDeploymentArn).toBe(arn);
    settle();
    const { serviceDeployments } = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
    );
    expect(serviceDeployments![0].status).toBe('ROLLBACK_SUCCESSFUL');
  });

  it('raises the modelled exceptions: validation, access denied, unknown operation', async () => {
    const invalid = await failure(
      ecs.send(
        new RegisterTaskDefinitionCommand({
          ...(fargateTaskDefinition('web', `${ECR}/web:1`) as any),
          cpu: '256',
          memory: '4096',
        }),
      ),
    );
    expect(invalid).toBeInstanceOf(ClientException);
    expect(invalid.message).toBe('No Fargate configuration exists for given values: 256 CPU, 4096 memory');
    expect(invalid.$metadata.httpStatusCode).toBe(400);

    emulator.control.settings({ serviceDeploymentsApi: 'access-denied' });
    const denied = await failure(
      ecs.send(new ListServiceDeploymentsCommand({ cluster: 'shop', service: 'web' })),
    );
    expect(denied).toBeInstanceOf(AccessDeniedException);
    expect(denied.message).toMatch(
      /is not authorized to perform: ecs:ListServiceDeployments on resource: arn:aws:ecs:/,
    );

    emulator.control.settings({ serviceDeploymentsApi: 'unavailable' });
    const unknown = await failure(
      ecs.send(new ListServiceDeploymentsCommand({ cluster: 'shop', service: 'web' })),
    );
    expect(unknown.name).toBe('UnknownOperationException');
    expect(unknown.$metadata.httpStatusCode).toBe(400);
    emulator.control.settings({ serviceDeploymentsApi: 'enabled' });
  });

  it('the SDK drops members the API does not have, so read-only fields never reach ECS', async () => {
    const dump = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web:1' })))
      .taskDefinition!;
    // A describe-task-definition dump fed back as is: the SDK serialises only modelled members.
    const out = await ecs.send(new RegisterTaskDefinitionCommand({ ...(dump as any), bogus: true }));
    expect(out.taskDefinition!.family).toBe('web');
    expect(out.taskDefinition!.revision).toBeGreaterThan(1);
  });
});

describe('RunTask and waitUntilTasksStopped', () => {
  let emulator: RunningEmulator;
  let ecs: ECSClient;
  beforeAll(async () => {
    // 50× real time: a 5 s task stops within a second of real time.
    ({ emulator, ecs } = await start(50));
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it('runs a one-off task to its exit code and the SDK waiter sees it stop', async () => {
    await ecs.send(
      new RegisterTaskDefinitionCommand(
        fargateTaskDefinition('migrate', `${ECR}/web:1`, { awslogs: true }) as any,
      ),
    );
    const run = await ecs.send(
      new RunTaskCommand({
        cluster: 'shop',
        taskDefinition: 'migrate',
        launchType: 'FARGATE',
        networkConfiguration: NETWORK as any,
        startedBy: 'berth',
      }),
    );
    expect(run.tasks![0].lastStatus).toBe('PROVISIONING');
    const arn = run.tasks![0].taskArn!;
    expect(arn).toMatch(new RegExp(`^arn:aws:ecs:${REGION}:${ACCOUNT}:task/shop/[0-9a-f]{32}$`));
    const result = await waitUntilTasksStopped(
      { client: ecs, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
      { cluster: 'shop', tasks: [arn] },
    );
    expect(result.state).toBe('SUCCESS');
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'shop', tasks: [arn] }));
    expect(tasks![0]).toMatchObject({ lastStatus: 'STOPPED', stopCode: 'EssentialContainerExited' });
    expect(tasks![0].containers![0].exitCode).toBe(0);
  });
});
