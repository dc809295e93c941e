/**
 * main() with every effect replaced (inputs, clock, logger, AWS clients,
 * outputs, summary): the wiring and the paths the emulator tests do not
 * force, without spawning the bundle.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeClustersCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import type { AwsContext } from '@berth/shared/aws';
import { defaultEffects } from '@berth/shared/effects';
import { ConfigurationError, OutcomeError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { manualClock, recordingLogger } from '@berth/testkit/doubles.js';
import { mockClient } from 'aws-sdk-client-mock';
import { type Effects, main } from '../src/main.js';

const TD1 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const TD2 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const SD = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/shop/web/ours';
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:' + 'b'.repeat(64);
const workspace = mkdtempSync(join(tmpdir(), 'deploy-ecs-main-'));
writeFileSync(
  join(workspace, 'td.json'),
  JSON.stringify({ family: 'web', containerDefinitions: [{ name: 'app', image: IMAGE, memory: 128 }] }),
);

const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };
const ecs = new ECSClient({ region: 'us-east-1', credentials });
const ecsMock = mockClient(ecs);

const before: Service = {
  serviceName: 'web',
  status: 'ACTIVE',
  taskDefinition: TD1,
  desiredCount: 2,
  runningCount: 2,
  deploymentController: { type: 'ECS' },
  deploymentConfiguration: {
    deploymentCircuitBreaker: { enable: true, rollback: true },
    strategy: 'ROLLING',
  },
  currentServiceDeployment: 'old',
  deployments: [
    {
      id: 'ecs-svc/1',
      status: 'PRIMARY',
      taskDefinition: TD1,
      rolloutState: 'COMPLETED',
      createdAt: new Date(0),
    },
  ],
  events: [{ id: 'old-event', createdAt: new Date(0), message: '(service web) has reached a steady state.' }],
};
const ours = {
  id: 'ecs-svc/2',
  status: 'PRIMARY',
  taskDefinition: TD2,
  desiredCount: 2,
  createdAt: new Date(1000),
};

function deps(values: Record<string, string>) {
  const outputs: Record<string, string> = {};
  const logger = recordingLogger();
  const summaries: string[] = [];
  let awsCreated = 0;
  const env = { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '1', GITHUB_ACTOR: 'octocat' };
  const ecr = new ECRClient({ region: 'us-east-1', credentials });
  const dependencies: Effects = {
    ...defaultEffects('deploy-ecs', env),
    inputs: new InputReader((name) => values[name] ?? ''),
    logger,
    clock: manualClock(),
    files: { workspace, temp: workspace },
    aws: () => {
      awsCreated++;
      return {
        region: 'us-east-1',
        config: { region: 'us-east-1' },
        ecs: () => ecs,
        ecsWrites: () => ecs,
        logs: () => new CloudWatchLogsClient({ region: 'us-east-1', credentials }),
        ecr: () => ecr,
        ecrIn: () => ecr,
        sts: () => {
          throw new Error('deploy-ecs does not call STS');
        },
      } as unknown as AwsContext;
    },
    setOutput: (name, value) => {
      outputs[name] = value;
    },
    summary: async (build) => {
      const builder: any = new Proxy(
        {},
        {
          get:
            (_target, method) =>
            (...args: unknown[]) => {
              summaries.push(`${String(method)}:${JSON.stringify(args)}`);
              return builder;
            },
        },
      );
      build(builder);
    },
  };
  return { dependencies, outputs, logger, summaries, awsCreated: () => awsCreated };
}

beforeEach(() => {
  ecsMock.reset();
  ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: 'web', include: ['TAGS'] }).resolves({
    taskDefinition: {
      taskDefinitionArn: TD1,
      family: 'web',
      containerDefinitions: [{ name: 'app', image: 'old' }],
    },
  });
  ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: TD1 }).resolves({
    taskDefinition: { taskDefinitionArn: TD1, containerDefinitions: [{ name: 'app', image: 'old' }] },
  });
  ecsMock.on(RegisterTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn: TD2,
      family: 'web',
      containerDefinitions: [{ name: 'app', image: IMAGE }],
    },
  });
});

describe('main: service deployments', () => {
  it.each([
    ['deploy', {}, undefined],
    ['hotfix', { 'record-kind': 'hotfix', reason: 'INC-42: checkout down' }, 'INC-42: checkout down'],
  ] as const)(
    'wires inputs → register → update → follow → outputs, record and summary (%s record)',
    async (kind, extra, reason) => {
      let polls = 0;
      ecsMock.on(DescribeServicesCommand).callsFake(() => {
        polls++;
        if (polls === 1) return { services: [before] };
        const done = polls >= 3;
        return {
          services: [
            {
              ...before,
              taskDefinition: TD2,
              deployments: [
                { ...ours, rolloutState: done ? 'COMPLETED' : 'IN_PROGRESS', runningCount: done ? 2 : 0 },
              ],
              events: [
                { id: 'new', createdAt: new Date(2000), message: '(service web) has started 2 tasks.' },
                ...before.events!,
              ],
            },
          ],
        };
      });
      ecsMock.on(UpdateServiceCommand).resolves({
        service: {
          ...before,
          currentServiceDeployment: SD,
          deployments: [{ ...ours, rolloutState: 'IN_PROGRESS' }, before.deployments![0]],
        },
      });
      ecsMock.on(DescribeServiceDeploymentsCommand).callsFake(() => ({
        serviceDeployments: [{ serviceDeploymentArn: SD, status: polls >= 3 ? 'SUCCESSFUL' : 'IN_PROGRESS' }],
      }));
      const { dependencies, outputs, logger, summaries } = deps({
        service: 'web',
        cluster: 'shop',
        'task-definition': 'td.json',
        ...extra,
      });
      await main(dependencies);
      expect(outputs).toMatchObject({
        'task-definition-arn': TD2,
        'previous-task-definition-arn': TD1,
        'deployment-id': 'ecs-svc/2',
        'service-deployment-arn': SD,
        status: 'succeeded',
      });
      // Only what the inputs set: the breaker was already on with rollback, the count stays.
      expect(ecsMock.commandCalls(UpdateServiceCommand)[0].args[0].input).toEqual({
        cluster: 'shop',
        service: 'web',
        taskDefinition: TD2,
      });
      const record = JSON.parse(readFileSync(outputs.record, 'utf8'));
      expect(record).toMatchObject({
        kind,
        status: 'succeeded',
        from: { images: { app: 'old' } },
        to: { images: { app: IMAGE } },
      });
      expect(record.requestedReason).toBe(reason);
      expect(record.events.map((e: { message: string }) => e.message)).toEqual([
        '(service web) has started 2 tasks.',
      ]);
      expect(logger.text()).not.toContain('has reached a steady state');
      expect(summaries[0]).toBe('addHeading:["Deployment of web succeeded",3]');
      expect(logger.lines).toEqual(
        expect.arrayContaining([
          'group: Service web',
          'group: Task definition',
          'group: Update service',
          'group: Deployment ecs-svc/2',
        ]),
      );
    },
  );

  it('says when ECS started no new deployment, and follows the current one', async () => {
    const same: Service = {
      ...before,
      taskDefinition: TD2,
      deployments: [{ ...ours, rolloutState: 'COMPLETED' }],
    };
    ecsMock.on(DescribeServicesCommand).resolves({ services: [same] });
    ecsMock.on(UpdateServiceCommand).resolves({ service: same });
    ecsMock
      .on(DescribeServiceDeploymentsCommand)
      .resolves({ serviceDeployments: [{ serviceDeploymentArn: 'old', status: 'SUCCESSFUL' }] });
    const { dependencies, outputs, logger } = deps({
      service: 'web',
      'task-definition': 'web:2',
      'circuit-breaker': 'unchanged',
    });
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: 'web:2' }).resolves({
      taskDefinition: { taskDefinitionArn: TD2, status: 'ACTIVE', containerDefinitions: [] },
    });
    await main(dependencies);
    expect(outputs.status).toBe('succeeded');
    expect(logger.text()).toMatch(/notice: ECS started no new deployment: the service already runs .*web:2/);
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });

  it('maps a refused update to advice', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({ services: [before] });
    ecsMock.on(UpdateServiceCommand).rejects(
      Object.assign(new Error('The BLUE_GREEN deployment strategy requires a load balancer.'), {
        name: 'InvalidParameterException',
      }),
    );
    const { dependencies } = deps({
      service: 'web',
      'task-definition': 'td.json',
      strategy: 'blue-green',
      'bake-time-minutes': '5',
    });
    await expect(main(dependencies)).rejects.toThrow(
      /ECS refused to update the service: .*Check `strategy` and its settings/,
    );
  });

  it('creates no AWS client for bad inputs', async () => {
    const { dependencies, awsCreated } = deps({
      service: 'web',
      'task-definition': 'td.json',
      'canary-percent': '5',
    });
    await expect(main(dependencies)).rejects.toThrow(ConfigurationError);
    expect(awsCreated()).toBe(0);
  });
});

describe('main: one-off tasks', () => {
  it("fails with ECS's reason when the task cannot be placed", async () => {
    ecsMock.on(DescribeClustersCommand).resolves({ clusters: [{ clusterName: 'shop', status: 'ACTIVE' }] });
    ecsMock.on(RunTaskCommand).resolves({
      tasks: [],
      failures: [
        { reason: 'RESOURCE:MEMORY', arn: 'arn:aws:ecs:us-east-1:123456789012:container-instance/x' },
      ],
    });
    const { dependencies, outputs } = deps({
      'run-task': 'true',
      cluster: 'shop',
      'task-definition': 'td.json',
      'run-task-launch-type': 'EC2',
    });
    const failure = main(dependencies);
    await expect(failure).rejects.toThrow(OutcomeError);
    await expect(failure).rejects.toThrow(/ECS did not start the task: RESOURCE:MEMORY/);
    expect(outputs['task-definition-arn']).toBe(TD2);
  });

  it('refuses an unknown cluster before registering anything', async () => {
    ecsMock.on(DescribeClustersCommand).resolves({ clusters: [], failures: [{ reason: 'MISSING' }] });
    const { dependencies } = deps({ 'run-task': 'true', cluster: 'nope', 'task-definition': 'td.json' });
    await expect(main(dependencies)).rejects.toThrow(
      /Cluster `nope` cannot run tasks in us-east-1 \(MISSING\)/,
    );
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });

  it('wait: false outputs the task and a started record', async () => {
    ecsMock.on(DescribeClustersCommand).resolves({ clusters: [{ clusterName: 'shop', status: 'ACTIVE' }] });
    ecsMock.on(RunTaskCommand).resolves({
      tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/shop/abc', lastStatus: 'PROVISIONING' }],
    });
    const { dependencies, outputs } = deps({
      'run-task': 'true',
      cluster: 'shop',
      'task-definition': 'td.json',
      wait: 'false',
    });
    await main(dependencies);
    expect(outputs['run-task-arn']).toBe('arn:aws:ecs:us-east-1:123456789012:task/shop/abc');
    expect(outputs.status).toBeUndefined();
    expect(JSON.parse(readFileSync(outputs.record, 'utf8'))).toMatchObject({
      kind: 'run-task',
      status: 'started',
    });
    expect(ecsMock.commandCalls(RunTaskCommand)[0].args[0].input).toMatchObject({
      cluster: 'shop',
      taskDefinition: TD2,
      startedBy: 'GitHub-Actions',
    });
  });
});
