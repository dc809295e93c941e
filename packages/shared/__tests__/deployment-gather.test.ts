import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type Task,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { mockClient } from 'aws-sdk-client-mock';
import { gatherFailedTasks } from '../src/deployment/gather.js';

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
