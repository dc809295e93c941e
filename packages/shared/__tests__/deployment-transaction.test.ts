/**
 * The deployment transaction deploy-ecs and rollback share, against a mocked
 * ECS whose answers follow the API reference:
 * - DescribeServices reports a service it cannot find in `failures` with reason
 *   `MISSING`, and `status` is ACTIVE, DRAINING or INACTIVE
 *   (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html,
 *   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html);
 * - a service's deploymentController is ECS (the default), CODE_DEPLOY or EXTERNAL, and
 *   "A task definition must be specified if the service uses either the ECS or
 *   CODE_DEPLOY deployment controllers"
 *   (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html);
 * - UpdateService answers with the service, whose new deployment is the PRIMARY one
 *   (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html).
 * Real DescribeServices recordings from ../shared/corpus/ecs-api go through the same check.
 */

import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { corpusFolder, recordedAnswer } from '@berth/testkit/corpus.js';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { buildDeploymentRecord } from '../src/deployment/build-record.js';
import type { FailedTask } from '../src/deployment/diagnose.js';
import type { FollowResult } from '../src/deployment/follow.js';
import { readService } from '../src/deployment/service.js';
import {
  checkServiceManagedByEcs,
  concludeDeployment,
  startServiceDeployment,
} from '../src/deployment/transaction.js';
import { ConfigurationError } from '../src/errors.js';

const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
const ecs = new ECSClient({ region: 'us-east-1', credentials });
const writes = new ECSClient({ region: 'us-east-1', credentials });
const readMock = mockClient(ecs);
const writeMock = mockClient(writes);
const TD = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${n}`;
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });

beforeEach(() => {
  readMock.reset();
  writeMock.reset();
});

const service = (overrides: Partial<Service> = {}): Service => ({
  serviceName: 'web',
  status: 'ACTIVE',
  taskDefinition: TD(1),
  deploymentController: { type: 'ECS' },
  ...overrides,
});

describe('checkServiceManagedByEcs: one rule for deploy and rollback', () => {
  it.each<[string, Partial<Service>, RegExp | undefined]>([
    ['an ACTIVE ECS service', {}, undefined],
    // deploymentController is optional in the answer; ECS is the default controller.
    ['no controller field (legacy)', { deploymentController: undefined }, undefined],
    ['DRAINING (being deleted)', { status: 'DRAINING' }, /is DRAINING, not ACTIVE/],
    ['INACTIVE (deleted)', { status: 'INACTIVE' }, /is INACTIVE, not ACTIVE/],
    ['CODE_DEPLOY', { deploymentController: { type: 'CODE_DEPLOY' } }, /CODE_DEPLOY deployment controller/],
    ['EXTERNAL', { deploymentController: { type: 'EXTERNAL' } }, /EXTERNAL deployment controller/],
    ['no task definition', { taskDefinition: undefined }, /has no task definition/],
  ])('%s', (_label, overrides, refusal) => {
    for (const purpose of ['deploy', 'rollback'] as const) {
      const check = () => checkServiceManagedByEcs(service(overrides), 'shop', purpose);
      if (refusal) {
        expect(check).toThrow(ConfigurationError);
        expect(check).toThrow(refusal);
      } else {
        expect(check()).toBe(TD(1));
      }
    }
  });

  it('gives the advice of the action that refused', () => {
    const codeDeploy = service({ deploymentController: { type: 'CODE_DEPLOY' } });
    expect(() => checkServiceManagedByEcs(codeDeploy, 'shop', 'deploy')).toThrow(/native blue\/green/);
    expect(() => checkServiceManagedByEcs(codeDeploy, 'shop', 'rollback')).toThrow(
      /aws deploy stop-deployment --auto-rollback-enabled/,
    );
    expect(() => checkServiceManagedByEcs(service({ status: 'DRAINING' }), 'shop', 'rollback')).toThrow(
      /only an ACTIVE service can be rolled back/,
    );
  });
});

/** Real DescribeServices responses: which services Berth takes, and which it refuses with advice. */
const ecsCorpus = corpusFolder('ecs-api');
ecsCorpus.describe('checkServiceManagedByEcs over the ECS API corpus', () => {
  const services = (name: string): Service[] => recordedAnswer(ecsCorpus, name).services;
  it.each([
    ['c7n-describe-services-codedeploy-taskset.json', /CODE_DEPLOY deployment controller/],
    ['c7n-describe-services-draining-legacy.json', /is DRAINING, not ACTIVE/],
    ['c7n-describe-services-mid-rollout.json', undefined],
    ['raw-cli-describe-services-crashloop.json', undefined],
    ['c7n-describe-services-failedTasks-10.json', undefined],
  ])('%s', (name, refusal) => {
    const outcomes = services(name).map((recorded) => {
      try {
        checkServiceManagedByEcs(recorded, 'corpus', 'deploy');
        return 'ok';
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        return (error as Error).message;
      }
    });
    expect(outcomes.length).toBeGreaterThan(0);
    if (refusal) expect(outcomes.some((o) => refusal.test(o))).toBe(true);
    else expect(outcomes).toEqual(outcomes.map(() => 'ok'));
  });
});

describe('readService', () => {
  it('returns the service DescribeServices found', async () => {
    readMock.on(DescribeServicesCommand).resolves({ services: [service()], failures: [] });
    await expect(readService(ecs, { cluster: 'shop', service: 'web' })).resolves.toMatchObject({
      serviceName: 'web',
    });
    expect(readMock.commandCalls(DescribeServicesCommand)[0].args[0].input).toEqual({
      cluster: 'shop',
      services: ['web'],
    });
  });

  it('says which service, cluster and region were asked, with ECS’s reason and the action’s hint', async () => {
    readMock.on(DescribeServicesCommand).resolves({
      services: [],
      failures: [{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/shop/api', reason: 'MISSING' }],
    });
    const read = readService(ecs, {
      cluster: 'shop',
      service: 'api',
      region: 'us-east-1',
      hint: 'to run a one-off task instead, set `run-task: true`.',
    });
    await expect(read).rejects.toThrow(ConfigurationError);
    await expect(read).rejects.toThrow(
      'Service `api` was not found in cluster `shop` (us-east-1) (MISSING). Check the `service` and `cluster` inputs and the region; to run a one-off task instead, set `run-task: true`.',
    );
  });

  it('hands a refused call to the action’s advice', async () => {
    readMock
      .on(DescribeServicesCommand)
      .rejects(Object.assign(new Error('Cluster not found.'), { name: 'ClusterNotFoundException' }));
    await expect(
      readService(ecs, {
        cluster: 'nope',
        service: 'web',
        explain: (error) => new ConfigurationError(`advice for ${(error as Error).name}`),
      }),
    ).rejects.toThrow('advice for ClusterNotFoundException');
  });
});

describe('startServiceDeployment', () => {
  const before: Service = {
    serviceName: 'web',
    taskDefinition: TD(1),
    deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: TD(1), createdAt: new Date(0) }],
  };
  const after: Service = {
    serviceName: 'web',
    taskDefinition: TD(2),
    deployments: [
      { id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: TD(2), createdAt: new Date(1000) },
      { id: 'ecs-svc/1', status: 'ACTIVE', taskDefinition: TD(1), createdAt: new Date(0) },
    ],
  };
  const start = (request: { forceNewDeployment?: boolean } = {}) =>
    startServiceDeployment({
      ecs,
      writes,
      maxAttempts: 4,
      sleep: async () => {},
      logger: recordingLogger(),
      request: { cluster: 'shop', service: 'web', taskDefinition: TD(2), ...request },
      before,
      explain: (error) => new Error(`explained: ${(error as Error).message}`),
      serviceDeploymentsApi: false,
    });

  it('sends UpdateService through the writes client and identifies the new PRIMARY deployment', async () => {
    writeMock.on(UpdateServiceCommand).resolves({ service: after });
    const started = await start();
    expect(writeMock.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: 'shop', service: 'web', taskDefinition: TD(2) },
    ]);
    expect(readMock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    expect(started.started).toBe(true);
    expect(started.target).toMatchObject({ deploymentId: 'ecs-svc/2', taskDefinitionArn: TD(2) });
    expect(started.after).toBe(after);
  });

  it('takes the new PRIMARY deployment of our revision as the lost answer, and does not send again', async () => {
    writeMock.on(UpdateServiceCommand).rejects(reset());
    readMock.on(DescribeServicesCommand).resolves({ services: [after] });
    const started = await start({ forceNewDeployment: true });
    expect(started.target.deploymentId).toBe('ecs-svc/2');
    expect(writeMock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
  });

  it('sends again when the service shows no new deployment of our revision', async () => {
    writeMock.on(UpdateServiceCommand).rejectsOnce(reset()).resolves({ service: after });
    readMock.on(DescribeServicesCommand).resolves({ services: [before] });
    const started = await start();
    expect(started.target.deploymentId).toBe('ecs-svc/2');
    expect(writeMock.commandCalls(UpdateServiceCommand)).toHaveLength(2);
  });

  it('does not take someone else’s new deployment of another revision for ours', async () => {
    writeMock.on(UpdateServiceCommand).rejectsOnce(reset()).resolves({ service: after });
    readMock.on(DescribeServicesCommand).resolves({
      services: [{ deployments: [{ id: 'ecs-svc/9', status: 'PRIMARY', taskDefinition: TD(20) }] }],
    });
    await start();
    expect(writeMock.commandCalls(UpdateServiceCommand)).toHaveLength(2);
  });

  it('hands a refused update to the action’s advice and tells what was in flight', async () => {
    writeMock
      .on(UpdateServiceCommand)
      .rejects(Object.assign(new Error('Service was not ACTIVE.'), { name: 'ServiceNotActiveException' }));
    const inFlight: Array<string | undefined> = [];
    await expect(
      startServiceDeployment({
        ecs,
        writes,
        logger: recordingLogger(),
        request: { cluster: 'shop', service: 'web', taskDefinition: TD(2) },
        before,
        onWrite: (operation) => inFlight.push(operation),
        explain: (error) => new ConfigurationError(`explained: ${(error as Error).message}`),
      }),
    ).rejects.toThrow('explained: Service was not ACTIVE.');
    expect(inFlight).toEqual(['UpdateService']);
    expect(readMock.commandCalls(ListServiceDeploymentsCommand)).toHaveLength(0);
  });
});

describe('concludeDeployment: what runs now, one rule', () => {
  const failedTask: FailedTask = {
    taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/shop/abc',
    taskId: 'abc',
    stoppedReason: 'Essential container in task exited',
    containers: [{ name: 'app', exitCode: 1, essential: true }],
    logs: {},
  };
  const result = (overrides: Partial<FollowResult>): FollowResult => ({
    outcome: 'rolled-back',
    phase: 'rolled-back',
    reason: 'circuit breaker',
    events: [],
    failedTasks: [failedTask],
    usedServiceDeploymentsApi: true,
    readCalls: 3,
    startedAt: 0,
    endedAt: 1000,
    ...overrides,
  });
  const attempted = { taskDefinitionArn: TD(2), images: { app: 'repo@sha256:new' } };
  const from = { taskDefinitionArn: TD(1), images: { app: 'repo@sha256:old' } };

  it('a success has no failure to report and reads nothing', async () => {
    const logger = recordingLogger();
    const conclusion = await concludeDeployment({
      ecs,
      logger,
      result: result({ outcome: 'succeeded', phase: 'succeeded', failedTasks: [], reason: undefined }),
      attempted,
      from,
    });
    expect(conclusion).toEqual({ outcome: 'succeeded', reason: undefined });
    expect(readMock.calls()).toHaveLength(0);
    expect(logger.lines.filter((line) => line.startsWith('error:'))).toEqual([]);
  });

  it('names the revision it went back to with the images already known', async () => {
    const conclusion = await concludeDeployment({
      ecs,
      logger: recordingLogger(),
      result: result({ service: { taskDefinition: TD(1) } }),
      attempted,
      from,
    });
    expect(conclusion.failure).toEqual({ running: from, failedTasks: [failedTask] });
    expect(readMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(0);
  });

  it('describes a revision neither attempted nor known before (someone else deployed it)', async () => {
    readMock.on(DescribeTaskDefinitionCommand, { taskDefinition: TD(5) }).resolves({
      taskDefinition: {
        taskDefinitionArn: TD(5),
        containerDefinitions: [{ name: 'app', image: 'repo@sha256:five' }],
      },
    });
    const logger = recordingLogger();
    const conclusion = await concludeDeployment({
      ecs,
      logger,
      result: result({ service: { taskDefinition: TD(5) } }),
      attempted,
      from,
      reason: 'worded by the action',
    });
    expect(conclusion).toMatchObject({
      outcome: 'rolled-back',
      reason: 'worded by the action',
      failure: { running: { taskDefinitionArn: TD(5), images: { app: 'repo@sha256:five' } } },
    });
    // The log report says the same once: the action's reason, attempted versus running now.
    expect(logger.text()).toContain('worded by the action');
    expect(logger.text()).toContain(`running:   ${TD(5)}`);
  });
});

describe('buildDeploymentRecord', () => {
  const parts = {
    cluster: 'shop',
    service: 'web',
    to: { taskDefinitionArn: TD(2), images: {} },
    startedAt: Date.UTC(2026, 11, 2, 1, 0, 0),
    endedAt: Date.UTC(2026, 11, 2, 1, 5, 0),
    run: {},
  };
  const failedTask: FailedTask = {
    taskArn: 't',
    taskId: 't',
    containers: [],
    logs: { app: ['a secret-free line'] },
  };

  it('keeps the evidence of a failure, without the log lines', () => {
    const record = buildDeploymentRecord('deploy', {
      ...parts,
      status: 'failed',
      ending: { events: [{ message: 'm' }], failedTasks: [failedTask], likelyCause: 'exit 1' },
    });
    expect(record).toMatchObject({
      schema: 'berth.deployment-record/v1',
      kind: 'deploy',
      startedAt: '2026-12-02T01:00:00.000Z',
      endedAt: '2026-12-02T01:05:00.000Z',
      events: [{ message: 'm' }],
      likelyCause: 'exit 1',
      failedTasks: [{ taskId: 't', containers: [] }],
    });
    expect(JSON.stringify(record)).not.toContain('a secret-free line');
  });

  it('a success or a step that followed nothing has no failure evidence', () => {
    const ending = { events: [], failedTasks: [failedTask], likelyCause: 'stale' };
    for (const record of [
      buildDeploymentRecord('rollback', { ...parts, status: 'succeeded', ending }),
      buildDeploymentRecord('hotfix', { ...parts, status: 'timed-out' }),
    ]) {
      expect(record.failedTasks).toBeUndefined();
      expect(record.likelyCause).toBeUndefined();
      expect(record.events).toEqual([]);
    }
  });
});
