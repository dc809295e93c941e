/**
 * `verify-command` during the bake (issue 17): an ECS blue/green deployment
 * keeps the previous revision's tasks running through BAKE_TIME; the command
 * runs then, and a failure stops the deployment with StopServiceDeployment
 * `stopType: ROLLBACK`, so the old revision, which never stopped, takes the
 * traffic back.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html
 */
import { readFileSync } from 'node:fs';
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { type Harness, harness, log, NEXT, scenario, taskDefinition } from './helpers/emulator.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** Tasks of `revision` that ECS stopped, with their reasons. */
async function stoppedTasksOf(revision: RegExp): Promise<string[]> {
  const arns = (
    await h.ecs.send(new ListTasksCommand({ cluster: 'shop', serviceName: 'web', desiredStatus: 'STOPPED' }))
  ).taskArns;
  if (!arns?.length) return [];
  const tasks = (await h.ecs.send(new DescribeTasksCommand({ cluster: 'shop', tasks: arns }))).tasks ?? [];
  return tasks.filter((t) => revision.test(t.taskDefinitionArn ?? '')).map((t) => t.stoppedReason ?? '');
}

it('runs verify-command during the bake of a blue/green deployment, with the new revision in its environment', async () => {
  h = await harness(scenario());
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
    strategy: 'blue-green',
    'bake-time-minutes': '5',
    'verify-command': `test "$BERTH_IMAGE" = "${NEXT}"; echo "smoke ok for $BERTH_TASK_DEFINITION_ARN"`,
  });
  const text = log(result);
  expect(result.exitCode).toBe(0);
  expect(result.outputs.status).toBe('succeeded');
  expect(text).toMatch(/Bake time: running `verify-command`/);
  expect(text).toMatch(/\| smoke ok for arn:aws:ecs:us-east-1:123456789012:task-definition\/web:2/);
  expect(h.count('StopServiceDeployment')).toBe(0);
});

it('a failing verify-command stops the deployment with ROLLBACK during the bake; the old revision never stopped serving', async () => {
  h = await harness(scenario());
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
    strategy: 'blue-green',
    'bake-time-minutes': '5',
    'verify-command': 'echo "GET /health -> 503"; exit 3',
  });
  const text = log(result);
  expect(result.exitCode).toBe(1);
  expect(result.outputs.status).toBe('rolled-back');
  expect(h.count('StopServiceDeployment')).toBe(1);
  expect(text).toMatch(/\| GET \/health -> 503/);
  expect(text).toMatch(
    /`verify-command` failed \(exit 3\) during the bake: the deployment was stopped with ROLLBACK/,
  );
  // ECS's account: the service runs the previous revision again, and none of its tasks was stopped.
  const service = (await h.ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['web'] })))
    .services?.[0];
  expect(service?.taskDefinition).toMatch(/task-definition\/web:1$/);
  expect(await stoppedTasksOf(/task-definition\/web:1$/)).toEqual([]);
  const record = JSON.parse(readFileSync(result.outputs.record, 'utf8'));
  expect(record.status).toBe('rolled-back');
  expect(record.reason).toMatch(/verify-command` failed \(exit 3\) during the bake/);
});

it('refuses verify-command for a rolling service before any write', async () => {
  h = await harness(scenario());
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
    'verify-command': 'true',
  });
  expect(result.exitCode).toBe(1);
  expect(log(result)).toMatch(
    /`verify-command` runs during a blue\/green, canary or linear deployment's bake time, but service `web` deploys ROLLING/,
  );
  expect(h.writes()).toEqual([]);
});
