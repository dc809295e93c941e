import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  type Deployment,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  type ServiceDeploymentStatus,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { AwsContext } from '@berth/shared/aws';
import type { DeploymentRecord } from '@berth/shared/deployment/record';
import { defaultEffects } from '@berth/shared/effects';
import { InputReader } from '@berth/shared/inputs';
import { manualClock, recordingLogger } from '@berth/testkit/doubles.js';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { startRollback, stopPathReason } from '../src/execute.js';
import { main } from '../src/main.js';
import type { RollbackPath } from '../src/plan.js';

const TD = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${n}`;
const SR = (n: number) => `arn:aws:ecs:us-east-1:123456789012:service-revision/prod/web/${n}`;
const SD = (id: string) => `arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/${id}`;
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop';
const DIGEST = (n: number) => `sha256:${String(n).repeat(64)}`;
const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
const STOP: RollbackPath = {
  kind: 'stop-deployment',
  serviceDeploymentArn: SD('bad'),
  deploymentId: 'ecs-svc/2',
  reason: 'r',
};
const UPDATE: RollbackPath = { kind: 'update-service', reason: 'r' };

describe('stopPathReason', () => {
  it('explains a stop that did not work', () => {
    expect(stopPathReason({ phase: 'succeeded' })).toBe(
      'The deployment completed before ECS could roll it back; it, not the target, runs now.',
    );
    expect(stopPathReason({ phase: 'rollback-failed', reason: 'tasks failed to start' })).toBe(
      'ECS could not complete the rollback: tasks failed to start',
    );
  });
});

describe('startRollback', () => {
  const current = {
    taskDefinitionArn: TD(7),
    images: {},
    inProgress: {
      deploymentId: 'ecs-svc/2',
      serviceDeploymentArn: SD('bad'),
      taskDefinitionArn: TD(7),
      rollbackTo: [TD(6)],
    },
  };
  const history = { deploymentsApi: 'available' as const, deployments: [], listed: [] };

  it('falls back to UpdateService when StopServiceDeployment is refused (nothing changed), and follows the new deployment', async () => {
    const ecs = new ECSClient({ region: 'us-east-1', credentials });
    const mock = mockClient(ecs);
    mock.on(StopServiceDeploymentCommand).rejects(
      Object.assign(new Error('The service deployment is SUCCESSFUL and can no longer be stopped.'), {
        name: 'ConflictException',
      }),
    );
    mock.on(UpdateServiceCommand).resolves({
      service: {
        currentServiceDeployment: SD('new'),
        deployments: [{ id: 'ecs-svc/3', status: 'PRIMARY', taskDefinition: TD(6) }],
      },
    });
    const logger = recordingLogger();
    const started = await startRollback(
      { ecs, logger, cluster: 'prod', service: 'web' },
      STOP,
      current,
      history,
      TD(6),
    );
    expect(started.path.kind).toBe('update-service');
    expect(started.path.reason).toMatch(
      /StopServiceDeployment was refused \(The service deployment is SUCCESSFUL/,
    );
    expect(started.target).toEqual({
      deploymentId: 'ecs-svc/3',
      serviceDeploymentArn: SD('new'),
      taskDefinitionArn: TD(6),
    });
    expect(mock.commandCalls(UpdateServiceCommand)[0].args[0].input).toEqual({
      cluster: 'prod',
      service: 'web',
      taskDefinition: TD(6),
    });
    expect(logger.text()).toMatch(/^warning: StopServiceDeployment \(ROLLBACK\) of bad was refused/m);
  });

  it('finds the new service deployment with ListServiceDeployments when UpdateService does not name it', async () => {
    const ecs = new ECSClient({ region: 'us-east-1', credentials });
    const mock = mockClient(ecs);
    mock.on(UpdateServiceCommand).resolves({
      service: { deployments: [{ id: 'ecs-svc/3', status: 'PRIMARY', taskDefinition: TD(6) }] },
    });
    mock.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        { serviceDeploymentArn: SD('bad'), createdAt: new Date(1000) },
        { serviceDeploymentArn: SD('new'), createdAt: new Date(2000) },
      ],
    });
    const started = await startRollback(
      { ecs, logger: recordingLogger(), cluster: 'prod', service: 'web' },
      UPDATE,
      current,
      history,
      TD(6),
    );
    expect(started.target.serviceDeploymentArn).toBe(SD('new'));
  });
});

/**
 * main() on the stop path against a scripted ECS: a deployment of web:7 is in
 * progress, ECS would roll it back to web:6, which is the last successful one.
 * The stopped deployment then goes ROLLBACK_REQUESTED → ROLLBACK_IN_PROGRESS →
 * `ending` as the manual clock advances.
 */
function stopPathWorld(ending: ServiceDeploymentStatus) {
  const clock = manualClock();
  const start = clock.now();
  const seconds = () => (clock.now() - start) / 1000;
  const ecs = new ECSClient({ region: 'us-east-1', credentials });
  const ecr = new ECRClient({ region: 'us-east-1', credentials });
  const mock = mockClient(ecs);
  let stoppedAt: number | undefined;
  const sdStatus = (): ServiceDeploymentStatus => {
    if (stoppedAt === undefined) return 'IN_PROGRESS';
    const since = seconds() - stoppedAt;
    return since < 5 ? 'ROLLBACK_REQUESTED' : since < 40 ? 'ROLLBACK_IN_PROGRESS' : ending;
  };
  const bad: Deployment = {
    id: 'ecs-svc/2',
    status: 'PRIMARY',
    taskDefinition: TD(7),
    rolloutState: 'IN_PROGRESS',
    desiredCount: 2,
    createdAt: new Date(2000),
  };
  const good: Deployment = {
    id: 'ecs-svc/1',
    status: 'ACTIVE',
    taskDefinition: TD(6),
    rolloutState: 'COMPLETED',
    desiredCount: 2,
    runningCount: 2,
    createdAt: new Date(1000),
  };
  mock.on(DescribeServicesCommand).callsFake(() => {
    if (stoppedAt === undefined) {
      return {
        services: [
          {
            serviceName: 'web',
            status: 'ACTIVE',
            taskDefinition: TD(7),
            deployments: [bad, good],
            events: [],
          },
        ],
      };
    }
    const status = sdStatus();
    const rollingBack: Deployment = {
      ...good,
      status: 'PRIMARY',
      rolloutState:
        status === 'ROLLBACK_SUCCESSFUL'
          ? 'COMPLETED'
          : status === 'ROLLBACK_FAILED'
            ? 'FAILED'
            : 'IN_PROGRESS',
    };
    return {
      services: [
        {
          serviceName: 'web',
          status: 'ACTIVE',
          taskDefinition: TD(6),
          deployments: [rollingBack, { ...bad, status: 'ACTIVE', rolloutState: 'FAILED' }],
          events: [
            {
              id: 'e1',
              createdAt: new Date(clock.now()),
              message: '(service web) rolling back to deployment ecs-svc/1.',
            },
          ],
        },
      ],
    };
  });
  mock.on(ListServiceDeploymentsCommand, { status: ['PENDING', 'IN_PROGRESS'] }).resolves({
    serviceDeployments: [
      { serviceDeploymentArn: SD('bad'), status: 'IN_PROGRESS', targetServiceRevisionArn: SR(7) },
    ],
  });
  mock.on(ListServiceDeploymentsCommand, { status: ['SUCCESSFUL'] }).resolves({
    serviceDeployments: [
      {
        serviceDeploymentArn: SD('good'),
        status: 'SUCCESSFUL',
        targetServiceRevisionArn: SR(6),
        createdAt: new Date(1000),
      },
    ],
  });
  mock.on(DescribeServiceDeploymentsCommand).callsFake(() => ({
    serviceDeployments: [
      {
        serviceDeploymentArn: SD('bad'),
        status: sdStatus(),
        sourceServiceRevisions: [{ arn: SR(6) }],
        targetServiceRevision: { arn: SR(7) },
        rollback:
          stoppedAt === undefined
            ? undefined
            : { reason: 'Service deployment stopped with stopType ROLLBACK.' },
      },
    ],
  }));
  mock.on(DescribeServiceRevisionsCommand).callsFake((input: { serviceRevisionArns: string[] }) => ({
    serviceRevisions: input.serviceRevisionArns.map((arn) => {
      const n = Number(arn.split('/').pop());
      return {
        serviceRevisionArn: arn,
        taskDefinition: TD(n),
        containerImages: [{ containerName: 'web', image: `${REPO}@${DIGEST(n)}`, imageDigest: DIGEST(n) }],
      };
    }),
  }));
  mock.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
    const n = Number(input.taskDefinition.split(':').pop());
    return {
      taskDefinition: {
        taskDefinitionArn: TD(n),
        family: 'web',
        revision: n,
        status: 'ACTIVE',
        containerDefinitions: [{ name: 'web', image: `${REPO}@${DIGEST(n)}`, essential: true }],
      },
    };
  });
  mock.on(StopServiceDeploymentCommand).callsFake(() => {
    stoppedAt = seconds();
    return { serviceDeploymentArn: SD('bad') };
  });
  mock.on(ListTasksCommand).resolves({ taskArns: [] });
  mock.on(DescribeTasksCommand).resolves({ tasks: [] });
  mockClient(ecr)
    .on(DescribeImagesCommand)
    .resolves({ imageDetails: [{ imageDigest: DIGEST(6) }] });

  const logger = recordingLogger();
  const outputs: Record<string, string> = {};
  const temp = mkdtempSync(join(tmpdir(), 'rollback-main-'));
  const saved: DeploymentRecord[] = [];
  const run = async () => {
    try {
      await main({
        ...defaultEffects('rollback', {}),
        inputs: new InputReader((name) => ({ cluster: 'prod', service: 'web', reason: 'hangs' })[name] ?? ''),
        logger,
        clock,
        files: { workspace: temp, temp },
        aws: () =>
          ({
            region: 'us-east-1',
            ecs: () => ecs,
            ecsWrites: () => ecs,
            logs: () => new CloudWatchLogsClient({ region: 'us-east-1', credentials }),
            ecrIn: () => ecr,
          }) as unknown as AwsContext,
        setOutput: (name, value) => {
          outputs[name] = value;
        },
        summary: async () => {},
      });
    } finally {
      const folder = join(temp, 'berth-records');
      for (const name of readdirSync(folder))
        saved.push(JSON.parse(readFileSync(join(folder, name), 'utf8')));
    }
  };
  return { run, mock, logger, outputs, saved };
}

describe('main on the StopServiceDeployment path', () => {
  it('follows the stopped deployment by its identity and reports its ROLLBACK_SUCCESSFUL as success', async () => {
    const { run, mock, logger, outputs, saved } = stopPathWorld('ROLLBACK_SUCCESSFUL');
    await run();
    expect(mock.commandCalls(StopServiceDeploymentCommand).map((c) => c.args[0].input)).toEqual([
      { serviceDeploymentArn: SD('bad'), stopType: 'ROLLBACK' },
    ]);
    expect(mock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    // Every DescribeServiceDeployments after the stop asks about the stopped deployment.
    const followed = mock
      .commandCalls(DescribeServiceDeploymentsCommand)
      .map((c) => c.args[0].input.serviceDeploymentArns);
    expect(new Set(followed.flat())).toEqual(new Set([SD('bad')]));
    expect(outputs).toMatchObject({
      status: 'succeeded',
      'from-task-definition': TD(7),
      'to-task-definition': TD(6),
    });
    // The follower words the requested rollback as such, not as a failure.
    expect(logger.lines).toContain('ECS is rolling back bad as requested (ECS rolled the deployment back.).');
    expect(logger.lines.filter((line) => line.startsWith('error:'))).toEqual([]);
    expect(saved[0]).toMatchObject({
      status: 'succeeded',
      serviceDeploymentArn: SD('bad'),
      reason: 'ECS rolled web:7 back to web:6 as requested.',
      rollback: { path: 'stop-deployment' },
    });
  });

  it('fails when ECS could not complete the rollback (ROLLBACK_FAILED)', async () => {
    const { run, outputs, saved } = stopPathWorld('ROLLBACK_FAILED');
    await expect(run()).rejects.toThrow(
      /^The rollback of web to web:6 failed: ECS could not complete the rollback/,
    );
    expect(outputs.status).toBe('failed');
    expect(saved[0].status).toBe('failed');
  });
});
