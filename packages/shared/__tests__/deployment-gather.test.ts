import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { corpusFolder, recordedAnswer } from '@berth/testkit/corpus.js';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { mockClient } from 'aws-sdk-client-mock';
import { likelyCause } from '../src/deployment/diagnose.js';
import { describeFailedTasks, gatherFailedTasks, readFailureLogs } from '../src/deployment/gather.js';

const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const config = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };

const definition: TaskDefinition = {
  taskDefinitionArn: TD,
  containerDefinitions: [
    {
      name: 'app',
      essential: true,
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': '/ecs/web', 'awslogs-stream-prefix': 'web' },
      },
    },
  ],
};

const crashed = (id: string, exitCode: number, at: number): Task => ({
  taskArn: `arn:aws:ecs:us-east-1:123456789012:task/shop/${id}`,
  taskDefinitionArn: TD,
  startedBy: 'ecs-svc/1',
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  stoppedAt: new Date(at),
  containers: [{ name: 'app', exitCode }],
});

function clients(tasks: Task[]) {
  const ecs = new ECSClient(config);
  const logs = new CloudWatchLogsClient(config);
  const ecsMock = mockClient(ecs);
  const logsMock = mockClient(logs);
  ecsMock.on(ListTasksCommand).resolves({ taskArns: tasks.map((t) => t.taskArn!) });
  ecsMock.on(DescribeTasksCommand).resolves({ tasks });
  ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: definition });
  logsMock.on(GetLogEventsCommand).resolves({ events: [{ message: 'FATAL: boom' }] });
  return { ecs, logs, ecsMock, logsMock };
}

describe('gatherFailedTasks', () => {
  it('reads the logs once per distinct failure, not once per identical task', async () => {
    const tasks = [
      crashed('a1', 1, 3000),
      crashed('a2', 1, 2000),
      crashed('a3', 1, 1000),
      crashed('b1', 137, 500),
    ];
    const { ecs, logs, logsMock } = clients(tasks);
    let reads = 0;
    const failed = await gatherFailedTasks({
      ecs,
      logs,
      logger: recordingLogger(),
      cluster: 'shop',
      service: 'web',
      startedBy: 'ecs-svc/1',
      onRead: () => reads++,
    });
    expect(failed.map((t) => t.taskId)).toEqual(['a1', 'a2', 'a3', 'b1']);
    // Exit 1 (three tasks) and exit 137 (one) are two failures: two log reads.
    expect(logsMock.commandCalls(GetLogEventsCommand)).toHaveLength(2);
    expect(failed.filter((t) => Object.keys(t.logs).length > 0).map((t) => t.taskId)).toEqual(['a1', 'b1']);
    // ListTasks, DescribeTasks, DescribeTaskDefinition and the two log reads.
    expect(reads).toBe(5);
  });

  it('does not read a task definition the caller already holds', async () => {
    const { ecs, logs, ecsMock } = clients([crashed('a1', 1, 1000)]);
    let reads = 0;
    await gatherFailedTasks({
      ecs,
      logs,
      logger: recordingLogger(),
      cluster: 'shop',
      startedBy: 'ecs-svc/1',
      knownDefinitions: [definition],
      onRead: () => reads++,
    });
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(0);
    expect(reads).toBe(3);
  });
});

const ecsCorpus = corpusFolder('ecs-api');

ecsCorpus.describe('a container that never ran', () => {
  // A real DescribeTasks answer: the image could not be pulled, so the container has a reason
  // but no exit code, and never wrote a log line.
  const pullFailed = (): Task[] =>
    recordedAnswer(ecsCorpus, 'c7n-describe-tasks-cannot-pull-stopped.json').tasks as Task[];

  it('is explained from the task alone: no log read is made or counted', async () => {
    const tasks = pullFailed();
    const arn = tasks[0].taskDefinitionArn!;
    const withLogs: TaskDefinition = {
      taskDefinitionArn: arn,
      containerDefinitions: tasks[0].containers!.map((c) => ({
        name: c.name,
        essential: true,
        logConfiguration: definition.containerDefinitions![0].logConfiguration,
      })),
    };
    const { ecs, logs, logsMock } = clients(tasks);
    let reads = 0;
    const failed = await gatherFailedTasks({
      ecs,
      logs,
      logger: recordingLogger(),
      cluster: 'devx',
      taskDefinitionArn: arn,
      knownDefinitions: [withLogs],
      onRead: () => reads++,
    });
    expect(failed).toHaveLength(tasks.length);
    expect(logsMock.commandCalls(GetLogEventsCommand)).toHaveLength(0);
    // ListTasks and DescribeTasks only.
    expect(reads).toBe(2);
    expect(likelyCause(failed, [])).toMatch(
      /^Image pull failure \(CannotPullContainerError: API error \(500\)/,
    );
  });
});

describe('describeFailedTasks and readFailureLogs', () => {
  it('name the likely cause before any log is read, then add the last log lines', async () => {
    const { ecs, logs, logsMock } = clients([crashed('a1', 1, 2000), crashed('a2', 1, 1000)]);
    const described = await describeFailedTasks({
      ecs,
      logger: recordingLogger(),
      cluster: 'shop',
      startedBy: 'ecs-svc/1',
      knownDefinitions: [definition],
    });
    // Everything a likely cause is drawn from is in hand, and nothing has been read from the logs yet.
    expect(likelyCause(described.failed, [])).toBe(
      'Essential container `app` exited with code 1; its last log lines are below.',
    );
    expect(logsMock.commandCalls(GetLogEventsCommand)).toHaveLength(0);
    // Two tasks that failed the same way: one log read.
    expect(described.logsToRead.map((r) => `${r.task.taskId}/${r.container.name}`)).toEqual(['a1/app']);
    let reads = 0;
    await readFailureLogs(described, logs, { onRead: () => reads++ });
    expect(reads).toBe(1);
    expect(described.failed[0].logs).toEqual({ app: ['FATAL: boom'] });
    expect(logsMock.commandCalls(GetLogEventsCommand)[0].args[0].input).toMatchObject({
      logGroupName: '/ecs/web',
      logStreamName: 'web/app/a1',
    });
  });

  it('plans no log read for a container that does not log to CloudWatch Logs', async () => {
    const { ecs } = clients([crashed('a1', 1, 1000)]);
    const described = await describeFailedTasks({
      ecs,
      logger: recordingLogger(),
      cluster: 'shop',
      startedBy: 'ecs-svc/1',
      knownDefinitions: [{ taskDefinitionArn: TD, containerDefinitions: [{ name: 'app', essential: true }] }],
    });
    expect(described.failed).toHaveLength(1);
    expect(described.logsToRead).toEqual([]);
  });
});
