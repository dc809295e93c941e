import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  type Deployment,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type ServiceDeployment,
  type ServiceEvent,
} from '@aws-sdk/client-ecs';
import { manualClock, recordingLogger } from '@berth/testkit/doubles.js';
import { mockClient } from 'aws-sdk-client-mock';
import { followDeployment, followOutcome } from '../src/deployment/follow.js';

const TD1 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const TD2 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const OURS = 'ecs-svc/2000000000000000002';
const SD_ARN = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/abc';

/** A scripted ECS: the state is a function of the manual clock's elapsed seconds. */
function scriptedEcs(
  clock: ReturnType<typeof manualClock>,
  script: (seconds: number) => {
    deployments: Deployment[];
    events?: ServiceEvent[];
    sd?: ServiceDeployment | Error;
    error?: Error;
  },
) {
  const start = clock.now();
  const client = new ECSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const mock = mockClient(client);
  const at = () => script((clock.now() - start) / 1000);
  mock.on(DescribeServicesCommand).callsFake(() => {
    const state = at();
    if (state.error) throw state.error;
    return { services: [{ serviceName: 'web', deployments: state.deployments, events: state.events ?? [] }] };
  });
  mock.on(DescribeServiceDeploymentsCommand).callsFake(() => {
    const { sd } = at();
    if (sd instanceof Error) throw sd;
    return { serviceDeployments: sd ? [sd] : [] };
  });
  mock.on(ListTasksCommand).resolves({ taskArns: ['arn:aws:ecs:us-east-1:123456789012:task/default/t1'] });
  mock.on(DescribeTasksCommand).resolves({
    tasks: [
      {
        taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/default/t1',
        startedBy: OURS,
        taskDefinitionArn: TD2,
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s): not found',
        stopCode: 'TaskFailedToStart',
        containers: [{ name: 'web', reason: 'CannotPullContainerError: not found' }],
      },
    ],
  });
  mock.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: { taskDefinitionArn: TD2, containerDefinitions: [{ name: 'web', essential: true }] },
  });
  return { client, mock };
}

const ours = (o: Partial<Deployment>): Deployment => ({
  id: OURS,
  status: 'PRIMARY',
  taskDefinition: TD2,
  desiredCount: 2,
  runningCount: 0,
  pendingCount: 0,
  failedTasks: 0,
  rolloutState: 'IN_PROGRESS',
  createdAt: new Date(2000),
  ...o,
});
const previous = (o: Partial<Deployment>): Deployment => ({
  id: 'ecs-svc/1000000000000000001',
  status: 'ACTIVE',
  taskDefinition: TD1,
  desiredCount: 2,
  runningCount: 2,
  createdAt: new Date(1000),
  ...o,
});
/** The deployment ECS creates to roll ours back: the previous revision, now PRIMARY. */
const rollbackOf = (o: Partial<Deployment>): Deployment =>
  previous({
    id: 'ecs-svc/3000000000000000003',
    status: 'PRIMARY',
    createdAt: new Date(3000),
    rolloutState: 'IN_PROGRESS',
    ...o,
  });
/** Ours once the circuit breaker has tripped and ECS rolls it back. */
const tripped = (failedTasks: number): Deployment =>
  ours({
    status: 'ACTIVE',
    failedTasks,
    rolloutState: 'FAILED',
    rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
  });

function throttling(): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });
}

/** followDeployment on the scripted ECS, following OURS (web in cluster default) for 30 minutes by default. */
function follow(
  client: ECSClient,
  clock: ReturnType<typeof manualClock>,
  logger: ReturnType<typeof recordingLogger>,
  options: { serviceDeploymentArn?: string; timeoutMs?: number; purpose?: 'deploy' | 'rollback' } = {},
) {
  return followDeployment({
    ecs: client,
    clock,
    logger,
    cluster: 'default',
    service: 'web',
    target: {
      deploymentId: OURS,
      taskDefinitionArn: TD2,
      serviceDeploymentArn: options.serviceDeploymentArn,
    },
    timeoutMs: options.timeoutMs ?? 30 * 60_000,
    purpose: options.purpose,
  });
}

describe('followDeployment', () => {
  it('follows a successful rolling deployment, printing each event once and staying under 15 reads a minute', async () => {
    const clock = manualClock();
    const events: ServiceEvent[] = [];
    const { client } = scriptedEcs(clock, (s) => {
      if (s >= 10 && events.length === 0)
        events.unshift({
          id: 'e1',
          createdAt: new Date(clock.now()),
          message: '(service web) has started 2 tasks: (task a) (task b).',
        });
      if (s >= 60 && events.length === 1)
        events.unshift({
          id: 'e2',
          createdAt: new Date(clock.now()),
          message: '(service web) has reached a steady state.',
        });
      if (s < 60)
        return {
          deployments: [
            ours({ runningCount: s >= 30 ? 2 : 0, pendingCount: s >= 10 && s < 30 ? 2 : 0 }),
            previous({}),
          ],
          events: [...events],
        };
      return { deployments: [ours({ runningCount: 2, rolloutState: 'COMPLETED' })], events: [...events] };
    });
    const logger = recordingLogger();
    const result = await follow(client, clock, logger);
    expect(result.outcome).toBe('succeeded');
    expect(logger.lines.filter((l) => l.includes('has started 2 tasks'))).toHaveLength(1);
    expect(logger.lines.filter((l) => l.includes('steady state'))).toHaveLength(1);
    expect(logger.lines).toContain('deploying: 0/2 running · 2 running on the previous deployment');
    expect(logger.lines).toContain(
      'deploying: 0/2 running · 2 pending · 2 running on the previous deployment',
    );
    expect(logger.lines).toContain('succeeded: 2/2 running');
    const minutes = (result.endedAt - result.startedAt) / 60_000;
    expect(result.readCalls / Math.max(minutes, 1)).toBeLessThanOrEqual(15);
    // Success is noticed within one poll of ECS reporting it.
    expect(result.endedAt - result.startedAt).toBeLessThanOrEqual(60_000 + 7_000);
  });

  it('reads only with a credit in hand, also on the polls that read the service deployment too', async () => {
    // pace.ts's contract: credits accrue at 15 a minute from the start and every read spends one,
    // so by any read the reads made so far never exceed 15 × the minutes waited.
    const clock = manualClock();
    const sd: ServiceDeployment = {
      serviceDeploymentArn: SD_ARN,
      status: 'IN_PROGRESS',
      targetServiceRevision: { arn: 'arn:aws:ecs:us-east-1:123456789012:service-revision/default/web/2' },
    };
    const { client, mock } = scriptedEcs(clock, (s) => ({
      // Tasks run from 60 s on (urgency near: the fast interval), and the deployment never ends.
      deployments: [ours({ runningCount: s >= 60 ? 1 : 0 }), previous({})],
      sd,
    }));
    const start = clock.now();
    const readsAt: number[] = [];
    const running = () => (clock.now() - start >= 60_000 ? 1 : 0);
    mock.on(DescribeServicesCommand).callsFake(() => {
      readsAt.push(clock.now() - start);
      return {
        services: [
          { serviceName: 'web', deployments: [ours({ runningCount: running() }), previous({})], events: [] },
        ],
      };
    });
    mock.on(DescribeServiceDeploymentsCommand).callsFake(() => {
      readsAt.push(clock.now() - start);
      return { serviceDeployments: [sd] };
    });
    const result = await follow(client, clock, recordingLogger(), {
      serviceDeploymentArn: SD_ARN,
      timeoutMs: 10 * 60_000,
    });
    expect(result.outcome).toBe('timed-out');
    expect(mock.commandCalls(DescribeServiceDeploymentsCommand).length).toBeGreaterThan(5);
    // The first poll reads DescribeServices and the service deployment on its one credit (UpdateService
    // has just answered): one credit of overdraft, which every later poll must carry, never add to.
    const overdrawn = readsAt
      .map((at, i) => ({ at, reads: i + 1, earned: (at / 60_000) * 15 }))
      .filter(({ reads, earned }) => reads > earned + 1 + 1e-9);
    expect(overdrawn).toEqual([]);
  });

  it('notices a circuit-breaker failure within one poll and explains it', async () => {
    const clock = manualClock();
    const { client } = scriptedEcs(clock, (s) =>
      s < 40
        ? { deployments: [ours({ failedTasks: s >= 20 ? 2 : 0 }), previous({})] }
        : {
            deployments: [
              ours({
                failedTasks: 3,
                rolloutState: 'FAILED',
                rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
              }),
              previous({}),
            ],
          },
    );
    const logger = recordingLogger();
    const result = await follow(client, clock, logger);
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe('ECS deployment circuit breaker: tasks failed to start.');
    expect(result.endedAt - result.startedAt - 40_000).toBeLessThanOrEqual(10_000);
    expect(result.failedTasks).toHaveLength(1);
    expect(result.likelyCause).toMatch(/^Image pull failure/);
    // The stopped task was shown while waiting, not only at the end.
    expect(logger.text()).toMatch(/stopped task t1: CannotPullContainerError/);
  });

  it.each([
    [
      'deploy' as const,
      'rolled-back',
      'The deployment failed and ECS is rolling it back: circuit breaker',
      // The failure's one annotation, raised when the rollback begins (not at its end).
      [
        expect.stringMatching(
          /^error: The deployment failed and ECS is rolling it back: circuit breaker\. Likely cause: Image pull failure/,
        ),
      ],
    ],
    // Rolling the deployment back was asked for: it is the success, announced without an error.
    [
      'rollback' as const,
      'succeeded',
      'ECS is rolling back ecs-svc/2000000000000000002 as requested (circuit breaker).',
      [],
    ],
  ])(
    'follows an ECS rollback to its end (purpose %s: %s)',
    async (purpose, outcome, announcement, errors) => {
      const clock = manualClock();
      const rollback = rollbackOf({ runningCount: 0 });
      const { client, mock } = scriptedEcs(clock, (s) => {
        if (s < 20) return { deployments: [ours({}), previous({})] };
        const failed = ours({
          status: 'ACTIVE',
          rolloutState: 'FAILED',
          rolloutStateReason: 'circuit breaker',
        });
        if (s < 50) return { deployments: [rollback, failed] };
        return { deployments: [{ ...rollback, rolloutState: 'COMPLETED', runningCount: 2 }] };
      });
      const logger = recordingLogger();
      const start = clock.now();
      let errorAt = Number.POSITIVE_INFINITY;
      const record = logger.error;
      logger.error = (message, properties) => {
        errorAt = Math.min(errorAt, clock.now());
        record(message, properties);
      };
      const result = await follow(client, clock, logger, { purpose });
      expect(result.outcome).toBe(outcome);
      expect(result.phase).toBe('rolled-back');
      expect(logger.lines).toContain(announcement);
      expect(logger.lines.filter((line) => line.startsWith('error:'))).toEqual(errors);
      expect(result.failureAnnotated).toBe(errors.length > 0);
      // Raised while ECS rolled back (seconds 20–50 of the script), not at the rollback's end.
      if (errors.length > 0) expect(errorAt - start).toBeLessThan(50_000);
      // Only a failure is diagnosed: a rollback that was asked for stops healthy tasks.
      expect(mock.commandCalls(ListTasksCommand).length > 0).toBe(purpose === 'deploy');
    },
  );

  it('annotates as soon as the stopped tasks name the cause: beside the service deployment read, before the logs', async () => {
    const clock = manualClock();
    const rollback: Deployment = { ...previous({}), status: 'PRIMARY', rolloutState: 'IN_PROGRESS' };
    const failed = tripped(3);
    const { client, mock } = scriptedEcs(clock, (s) => {
      const status = s < 20 ? 'IN_PROGRESS' : s < 50 ? 'ROLLBACK_IN_PROGRESS' : 'ROLLBACK_SUCCESSFUL';
      const deployments =
        s < 20
          ? [ours({ runningCount: 2 }), previous({})]
          : s < 50
            ? [rollback, failed]
            : [{ ...rollback, rolloutState: 'COMPLETED' as const }];
      return { deployments, sd: { serviceDeploymentArn: SD_ARN, status } };
    });
    // The container ran and crashed: its logs explain it, and they are read after the annotation.
    mock.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/default/t1',
          startedBy: OURS,
          taskDefinitionArn: TD2,
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'web', exitCode: 1 }],
        },
      ],
    });
    const logs = new CloudWatchLogsClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const logsMock = mockClient(logs);
    logsMock.on(GetLogEventsCommand).resolves({ events: [{ message: 'panic: no config' }] });
    // One timeline: each call as it is sent, and the error annotation as it is written.
    const order: string[] = [];
    for (const sdk of [client, logs] as Array<{ send: (...args: any[]) => any }>) {
      const send = sdk.send.bind(sdk);
      sdk.send = (command: { constructor: { name: string } }, ...rest: unknown[]) => {
        order.push(command.constructor.name.replace(/Command$/, ''));
        return send(command, ...rest);
      };
    }
    const logger = recordingLogger();
    const record = logger.error;
    logger.error = (message, properties) => {
      order.push('annotation');
      record(message, properties);
    };
    const result = await followDeployment({
      ecs: client,
      logs,
      clock,
      logger,
      cluster: 'default',
      service: 'web',
      target: { deploymentId: OURS, taskDefinitionArn: TD2, serviceDeploymentArn: SD_ARN },
      timeoutMs: 30 * 60_000,
      taskDefinition: {
        taskDefinitionArn: TD2,
        containerDefinitions: [
          {
            name: 'web',
            essential: true,
            logConfiguration: {
              logDriver: 'awslogs',
              options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'web' },
            },
          },
        ],
      },
    });
    expect(result.outcome).toBe('rolled-back');
    const annotation = order.indexOf('annotation');
    const seen = order.findIndex((name, i) => name === 'ListTasks' && order[i - 1] === 'DescribeServices');
    // The poll that saw the rollback starts describing the stopped tasks at once, not after the
    // service deployment read; the annotation follows DescribeTasks and precedes the log read.
    expect(order.slice(seen - 1, annotation + 2)).toEqual([
      'DescribeServices',
      'ListTasks',
      'DescribeServiceDeployments',
      'DescribeTasks',
      'annotation',
      'GetLogEvents',
    ]);
    expect(logger.lines.filter((line) => line.startsWith('error:'))).toEqual([
      'error: The deployment failed and ECS is rolling it back: ECS deployment circuit breaker: tasks failed to start. Likely cause: Essential container `web` exited with code 1; its last log lines are below.',
    ]);
    // The report still carries the logs, read once.
    expect(result.failedTasks[0].logs).toEqual({ web: ['panic: no config'] });
    expect(logsMock.commandCalls(GetLogEventsCommand)).toHaveLength(1);
  });

  it.each([
    ['with the service deployments API', SD_ARN],
    ['through DescribeServices alone', undefined],
  ])(
    'diagnoses while ECS rolls back, inside the 15-a-minute budget, and ends on the poll that sees the end (%s)',
    async (_name, arn) => {
      // The breaker trips at 20 s; ECS rolls back to the previous deployment, whose tasks still run,
      // and the rollback completes at 50 s, once our tasks have stopped.
      const clock = manualClock();
      const start = clock.now();
      const rollback: Deployment = { ...previous({}), status: 'PRIMARY', rolloutState: 'IN_PROGRESS' };
      const failed = tripped(2);
      const state = (s: number): { deployments: Deployment[]; status: string } => {
        if (s < 20) return { deployments: [ours({ pendingCount: 2 }), previous({})], status: 'IN_PROGRESS' };
        if (s < 50) return { deployments: [rollback, failed], status: 'ROLLBACK_IN_PROGRESS' };
        return { deployments: [{ ...rollback, rolloutState: 'COMPLETED' }], status: 'ROLLBACK_SUCCESSFUL' };
      };
      const { client } = scriptedEcs(clock, (s) => ({
        deployments: state(s).deployments,
        sd: { serviceDeploymentArn: SD_ARN, status: state(s).status as ServiceDeployment['status'] },
      }));
      // Every call, in order, with the follower's clock (seconds since the start).
      const calls: Array<{ at: number; name: string }> = [];
      const send = client.send.bind(client);
      client.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
        calls.push({ at: (clock.now() - start) / 1000, name: command.constructor.name });
        return (send as (...args: unknown[]) => unknown)(command, ...rest);
      }) as typeof client.send;
      const result = await follow(client, clock, recordingLogger(), { serviceDeploymentArn: arn });
      expect(result.outcome).toBe('rolled-back');
      expect(result.failedTasks.map((t) => t.taskId)).toEqual(['t1']);
      // The stopped tasks were read while the rollback ran, not after its end.
      const listed = calls.filter((c) => c.name === 'ListTasksCommand');
      expect(listed).toHaveLength(1);
      expect(listed[0].at).toBeGreaterThanOrEqual(20);
      expect(listed[0].at).toBeLessThan(50);
      // After the DescribeServices that showed the end: only the service deployment that confirms it.
      const end = calls.findIndex((c) => c.name === 'DescribeServicesCommand' && c.at >= 50);
      expect(calls.slice(end + 1).map((c) => c.name)).toEqual(
        arn ? ['DescribeServiceDeploymentsCommand'] : [],
      );
      // The budget: 15 read calls a minute of waiting, the diagnosis included.
      expect(calls).toHaveLength(result.readCalls);
      expect(result.readCalls).toBeLessThanOrEqual(((result.endedAt - result.startedAt) / 60_000) * 15);
    },
  );

  it('reads the service deployment every 30 s while the end is near, and not while tasks drain', async () => {
    // One of two tasks runs until 60 s (near: its health and the breaker matter); then both run and
    // the old deployment's tasks are leaving (draining: DescribeServices shows the end, nothing else can change).
    const clock = manualClock();
    const start = clock.now();
    const sdReads: number[] = [];
    const { client, mock } = scriptedEcs(clock, (s) => ({
      deployments:
        s < 60
          ? [ours({ runningCount: 1, pendingCount: 1 }), previous({})]
          : [ours({ runningCount: 2 }), previous({ runningCount: 0, desiredCount: 0 })],
    }));
    mock.on(DescribeServiceDeploymentsCommand).callsFake(() => {
      sdReads.push((clock.now() - start) / 1000);
      return { serviceDeployments: [{ serviceDeploymentArn: SD_ARN, status: 'IN_PROGRESS' }] };
    });
    const result = await follow(client, clock, recordingLogger(), {
      serviceDeploymentArn: SD_ARN,
      timeoutMs: 3 * 60_000,
    });
    expect(result.outcome).toBe('timed-out');
    expect(sdReads.length).toBeGreaterThan(0);
    // Near: 30 s apart at least (the old rule, every third poll, read it every 12 s at 4 s a poll).
    for (let i = 1; i < sdReads.length; i++) expect(sdReads[i] - sdReads[i - 1]).toBeGreaterThanOrEqual(30);
    // Draining: none after the first poll that saw the drain (near polls come every 4 s, so by 64 s).
    expect(sdReads.filter((at) => at >= 64)).toEqual([]);
  });

  it('reads the service deployment when ECS is seen rolling back and to confirm the end, not by time while it rolls back', async () => {
    // The breaker trips at 20 s; the rollback starts the old revision's tasks one by one (near: some
    // of its tasks run) and completes at 140 s. Its end shows in DescribeServices first.
    const clock = manualClock();
    const start = clock.now();
    const sdReads: number[] = [];
    const rollback = rollbackOf({ runningCount: 1, pendingCount: 1 });
    const state = (s: number) =>
      s < 20
        ? { deployments: [ours({ runningCount: 1, pendingCount: 1 }), previous({})], status: 'IN_PROGRESS' }
        : s < 140
          ? {
              deployments: [
                rollback,
                ours({
                  status: 'ACTIVE',
                  rolloutState: 'FAILED',
                  rolloutStateReason: 'circuit breaker',
                  runningCount: 1,
                }),
              ],
              status: 'ROLLBACK_IN_PROGRESS',
            }
          : {
              deployments: [
                { ...rollback, rolloutState: 'COMPLETED' as const, runningCount: 2, pendingCount: 0 },
              ],
              status: 'ROLLBACK_SUCCESSFUL',
            };
    const { client, mock } = scriptedEcs(clock, (s) => ({ deployments: state(s).deployments }));
    mock.on(DescribeServiceDeploymentsCommand).callsFake(() => {
      const at = (clock.now() - start) / 1000;
      sdReads.push(at);
      return {
        serviceDeployments: [
          { serviceDeploymentArn: SD_ARN, status: state(at).status as ServiceDeployment['status'] },
        ],
      };
    });
    const result = await follow(client, clock, recordingLogger(), { serviceDeploymentArn: SD_ARN });
    expect(result.outcome).toBe('rolled-back');
    // One read on the poll that saw the rollback (within a poll of 20 s), one on the poll that saw its end.
    const during = sdReads.filter((at) => at >= 20);
    expect(during).toHaveLength(2);
    expect(during[0]).toBeLessThan(30);
    expect(during[1]).toBeGreaterThanOrEqual(140);
  });

  it.each([
    ['deploy', 'succeeded', false, 'succeeded'],
    ['deploy', 'rolled-back', false, 'rolled-back'],
    ['deploy', 'failed', false, 'failed'],
    ['deploy', 'rolling-back', false, 'failed'],
    ['deploy', 'in-progress', true, 'timed-out'],
    // Following a deployment ECS was asked to roll back: its rollback is the success.
    ['rollback', 'rolled-back', false, 'succeeded'],
    ['rollback', 'rollback-failed', false, 'failed'],
    ['rollback', 'succeeded', false, 'failed'],
    ['rollback', 'rolling-back', true, 'timed-out'],
  ] as const)(
    'followOutcome: purpose %s, phase %s, timed out %s → %s',
    (purpose, phase, timedOut, expected) => {
      expect(followOutcome(phase, timedOut, purpose)).toBe(expected);
    },
  );

  it('reports a deployment started by someone else instead of mistaking it for ours', async () => {
    const clock = manualClock();
    const TD3 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:3';
    const { client } = scriptedEcs(clock, (s) =>
      s < 15
        ? { deployments: [ours({}), previous({})] }
        : {
            deployments: [
              {
                id: 'ecs-svc/4',
                status: 'PRIMARY',
                taskDefinition: TD3,
                createdAt: new Date(4000),
                rolloutState: 'IN_PROGRESS',
              },
              ours({ status: 'ACTIVE' }),
            ],
          },
    );
    const result = await follow(client, clock, recordingLogger());
    expect(result.outcome).toBe('failed');
    expect(result.phase).toBe('replaced');
    expect(result.reason).toBe(`Another deployment (ecs-svc/4, ${TD3}) replaced ours before it completed.`);
  });

  it('rides out throttling and transient errors without failing', async () => {
    const clock = manualClock();
    const { client } = scriptedEcs(clock, (s) => {
      if (s > 5 && s < 40) return { deployments: [], error: throttling() };
      return { deployments: [ours({ rolloutState: s >= 40 ? 'COMPLETED' : 'IN_PROGRESS' })] };
    });
    const logger = recordingLogger();
    const result = await follow(client, clock, logger);
    expect(result.outcome).toBe('succeeded');
    expect(logger.lines.filter((l) => l.startsWith('warning: AWS answered with throttling'))).toHaveLength(1);
  });

  it('keeps following when the peek at stopped tasks is denied (the peek is best effort)', async () => {
    const clock = manualClock();
    const { client, mock } = scriptedEcs(clock, (s) => ({
      deployments: [
        ours({ failedTasks: s >= 10 ? 1 : 0, rolloutState: s >= 40 ? 'COMPLETED' : 'IN_PROGRESS' }),
      ],
    }));
    mock.on(ListTasksCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: ecs:ListTasks'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const logger = recordingLogger();
    const result = await follow(client, clock, logger);
    expect(mock.commandCalls(ListTasksCommand).length).toBeGreaterThan(0);
    expect(result.outcome).toBe('succeeded');
  });

  it('uses the service deployments API and falls back with a notice when it is denied', async () => {
    const clock = manualClock();
    const denied = Object.assign(
      new Error('User is not authorized to perform: ecs:DescribeServiceDeployments'),
      {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      },
    );
    const { client } = scriptedEcs(clock, (s) => ({
      deployments: [ours({ rolloutState: s >= 30 ? 'COMPLETED' : 'IN_PROGRESS' })],
      sd: denied,
    }));
    const logger = recordingLogger();
    const result = await follow(client, clock, logger, { serviceDeploymentArn: SD_ARN });
    expect(result.outcome).toBe('succeeded');
    expect(result.usedServiceDeploymentsApi).toBe(false);
    expect(
      logger.lines.some((l) => l.startsWith('notice: The service deployments API is not available')),
    ).toBe(true);
  });

  it('waits for the service deployment to be SUCCESSFUL (bake time), not only for a steady service', async () => {
    const clock = manualClock();
    const { client } = scriptedEcs(clock, (s) => ({
      deployments: [ours({ rolloutState: s >= 20 ? 'COMPLETED' : 'IN_PROGRESS', runningCount: 2 })],
      sd: {
        serviceDeploymentArn: SD_ARN,
        status: s >= 80 ? 'SUCCESSFUL' : 'IN_PROGRESS',
        lifecycleStage: s >= 20 && s < 80 ? 'BAKE_TIME' : 'SCALE_UP',
        targetServiceRevision: { requestedProductionTrafficWeight: s >= 20 ? 100 : 0 },
      },
    }));
    const logger = recordingLogger();
    const result = await follow(client, clock, logger, { serviceDeploymentArn: SD_ARN });
    expect(result.outcome).toBe('succeeded');
    expect(result.endedAt - result.startedAt).toBeGreaterThanOrEqual(80_000);
    expect(logger.lines).toContain('deploying: 2/2 running · stage BAKE_TIME · 100% production traffic');
  });

  it('times out saying what the deployment was doing', async () => {
    const clock = manualClock();
    const { client } = scriptedEcs(clock, () => ({
      deployments: [ours({ runningCount: 1, pendingCount: 1 }), previous({ runningCount: 1 })],
    }));
    const result = await follow(client, clock, recordingLogger(), { timeoutMs: 2 * 60_000 });
    expect(result.outcome).toBe('timed-out');
    expect(result.reason).toBe(
      `Timed out after 2 min waiting for deployment ${OURS}; it was deploying: 1/2 running · 1 pending · 1 running on the previous deployment.`,
    );
  });
});
