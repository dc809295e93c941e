import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { manualClock, recordingLogger } from '@berth/testkit/doubles.js';
import { mockClient } from 'aws-sdk-client-mock';
import { followTask, judgeStoppedTask } from '../src/deployment/follow-task.js';
import { readContainerLogs } from '../src/deployment/gather.js';
import { printTaskReport } from '../src/deployment/report.js';

const ARN = 'arn:aws:ecs:us-east-1:123456789012:task/shop/0123456789abcdef0123456789abcdef';
const definition: TaskDefinition = {
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/migrate:1',
  containerDefinitions: [
    {
      name: 'app',
      essential: true,
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': '/ecs/migrate', 'awslogs-stream-prefix': 'm' },
      },
    },
    { name: 'sidecar', essential: false },
  ],
};

describe('judgeStoppedTask', () => {
  it.each<[string, Task, string, number | undefined, RegExp]>([
    [
      'all essential exit 0',
      {
        containers: [
          { name: 'app', exitCode: 0 },
          { name: 'sidecar', exitCode: 137 },
        ],
      },
      'succeeded',
      0,
      /Every essential container exited with code 0/,
    ],
    [
      'essential non-zero',
      { containers: [{ name: 'app', exitCode: 3, reason: 'migration failed' }] },
      'failed',
      3,
      /Essential container `app` exited with code 3 \(migration failed\)/,
    ],
    [
      'never ran (pull failure)',
      {
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: not found',
        containers: [{ name: 'app', reason: 'CannotPullContainerError: not found' }],
      },
      'failed',
      undefined,
      /stopped before essential container `app` ran to completion: CannotPullContainerError: not found \[TaskFailedToStart\]/,
    ],
    [
      'failed to start with exit codes present',
      { stopCode: 'TaskFailedToStart', containers: [{ name: 'app', exitCode: 0 }] },
      'failed',
      undefined,
      /TaskFailedToStart/,
    ],
    [
      'no containers at all',
      { stoppedReason: 'Timeout waiting for network interface provisioning', containers: [] },
      'failed',
      undefined,
      /network interface/,
    ],
  ])('%s', (_label, task, outcome, exitCode, reason) => {
    const verdict = judgeStoppedTask(task, definition);
    expect([verdict.outcome, verdict.exitCode]).toEqual([outcome, exitCode]);
    expect(verdict.reason).toMatch(reason);
  });
});

describe('followTask', () => {
  const ecs = new ECSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const logs = new CloudWatchLogsClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const ecsMock = mockClient(ecs);
  const logsMock = mockClient(logs);
  beforeEach(() => {
    ecsMock.reset();
    logsMock.reset();
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: definition });
    logsMock.on(GetLogEventsCommand).resolves({ events: [{ message: 'step 1\n' }, { message: 'step 2' }] });
  });

  /** DescribeTasks answers by elapsed seconds of the manual clock. */
  function script(clock: ReturnType<typeof manualClock>, at: (seconds: number) => Task | Error) {
    const start = clock.now();
    ecsMock.on(DescribeTasksCommand).callsFake(() => {
      const state = at((clock.now() - start) / 1000);
      if (state instanceof Error) throw state;
      return { tasks: [{ taskArn: ARN, ...state }] };
    });
  }

  it('prints each status once, then the logs of a successful task', async () => {
    const clock = manualClock();
    script(clock, (s) =>
      s < 10
        ? { lastStatus: 'PENDING' }
        : s < 40
          ? { lastStatus: 'RUNNING' }
          : {
              lastStatus: 'STOPPED',
              stoppedReason: 'Essential container in task exited',
              containers: [{ name: 'app', exitCode: 0 }],
            },
    );
    const logger = recordingLogger();
    const result = await followTask({
      ecs,
      logs,
      clock,
      logger,
      cluster: 'shop',
      taskArn: ARN,
      definition,
      timeoutMs: 600_000,
      initialTask: { lastStatus: 'PROVISIONING' },
    });
    expect(result.outcome).toBe('succeeded');
    expect(result.exitCode).toBe(0);
    expect(result.statuses.map((s) => s.status)).toEqual(['PROVISIONING', 'PENDING', 'RUNNING', 'STOPPED']);
    expect(logger.lines.filter((l) => l.includes(': RUNNING'))).toHaveLength(1);
    expect(result.logs).toEqual({ app: ['step 1', 'step 2'] });
    expect(logsMock.commandCalls(GetLogEventsCommand)[0].args[0].input).toMatchObject({
      logGroupName: '/ecs/migrate',
      logStreamName: 'm/app/0123456789abcdef0123456789abcdef',
    });
    // 6-second polls: about 10 reads a minute.
    expect(result.readCalls).toBeLessThanOrEqual(9);
    printTaskReport(result, logger);
    expect(logger.text()).toMatch(
      /group: Last 2 log lines of app in task 0123456789abcdef0123456789abcdef\nstep 1\nstep 2/,
    );
  });

  it('gathers the evidence of a failed task and rides out throttling', async () => {
    const clock = manualClock();
    script(clock, (s) =>
      s < 6
        ? Object.assign(new Error('Rate exceeded'), {
            name: 'ThrottlingException',
            $metadata: { httpStatusCode: 400 },
          })
        : {
            lastStatus: 'STOPPED',
            taskDefinitionArn: definition.taskDefinitionArn,
            stoppedReason: 'Essential container in task exited',
            stopCode: 'EssentialContainerExited',
            containers: [{ name: 'app', exitCode: 2 }],
          },
    );
    const logger = recordingLogger();
    const result = await followTask({
      ecs,
      logs,
      clock,
      logger,
      cluster: 'shop',
      taskArn: ARN,
      definition,
      timeoutMs: 600_000,
    });
    expect(result.outcome).toBe('failed');
    expect(result.exitCode).toBe(2);
    expect(result.failedTasks[0].logs.app).toEqual(['step 1', 'step 2']);
    expect(result.likelyCause).toMatch(/Essential container `app` exited with code 2/);
    expect(logger.lines.filter((l) => l.startsWith('warning: AWS answered with throttling'))).toHaveLength(1);
    printTaskReport(result, logger);
    expect(logger.text()).toMatch(/^Task failed: Essential container `app` exited with code 2/m);
    // No annotation: the step's one error annotation is the verdict deploy-ecs throws.
    expect(logger.text()).not.toMatch(/^error: /m);
    expect(logger.text()).toMatch(/container app: exit code 2/);
  });

  it('times out saying what the task was doing and how to stop it', async () => {
    const clock = manualClock();
    script(clock, () => ({ lastStatus: 'RUNNING' }));
    const result = await followTask({
      ecs,
      clock,
      logger: recordingLogger(),
      cluster: 'shop',
      taskArn: ARN,
      timeoutMs: 60_000,
    });
    expect(result.outcome).toBe('timed-out');
    expect(result.reason).toMatch(
      /Timed out after 1 min waiting for task 0123456789abcdef0123456789abcdef to stop; it was RUNNING\. .*aws ecs stop-task --cluster shop/,
    );
  });

  it('says so when the task is gone', async () => {
    const clock = manualClock();
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: ARN, reason: 'MISSING' }] });
    await expect(
      followTask({
        ecs,
        clock,
        logger: recordingLogger(),
        cluster: 'shop',
        taskArn: ARN,
        timeoutMs: 10 * 60_000,
      }),
    ).rejects.toThrow(/was not found in cluster `shop` \(MISSING\)/);
  });

  it('waits for a task RunTask just started to become visible (DescribeTasks is eventually consistent)', async () => {
    const clock = manualClock();
    const start = clock.now();
    ecsMock.on(DescribeTasksCommand).callsFake(() => {
      const seconds = (clock.now() - start) / 1000;
      if (seconds < 10) return { tasks: [], failures: [{ arn: ARN, reason: 'MISSING' }] };
      return {
        tasks: [{ taskArn: ARN, lastStatus: 'STOPPED', containers: [{ name: 'app', exitCode: 0 }] }],
      };
    });
    const result = await followTask({
      ecs,
      clock,
      logger: recordingLogger(),
      cluster: 'shop',
      taskArn: ARN,
      timeoutMs: 10 * 60_000,
    });
    expect(result.outcome).toBe('succeeded');
  });
});

describe('readContainerLogs', () => {
  const logs = new CloudWatchLogsClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const mock = mockClient(logs);
  const container = definition.containerDefinitions![0];
  beforeEach(() => mock.reset());

  it('has nothing to show for a container that never wrote (no stream)', async () => {
    mock.on(GetLogEventsCommand).rejects(
      Object.assign(new Error('The specified log stream does not exist.'), {
        name: 'ResourceNotFoundException',
      }),
    );
    expect(await readContainerLogs(logs, container, 'abc')).toBeUndefined();
  });

  it('says why it could not read, without failing', async () => {
    mock.on(GetLogEventsCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: logs:GetLogEvents'), {
        name: 'AccessDeniedException',
      }),
    );
    expect(await readContainerLogs(logs, container, 'abc')).toEqual([
      '(could not read /ecs/migrate/m/app/abc: User is not authorized to perform: logs:GetLogEvents)',
    ]);
  });

  it('ignores containers that do not log to CloudWatch', async () => {
    expect(await readContainerLogs(logs, { name: 'x' }, 'abc')).toBeUndefined();
    expect(mock.calls()).toHaveLength(0);
  });
});
