/**
 * The bundled action against the emulator: one-off tasks, deploying an
 * existing revision, reusing an unchanged one, tagging the deployed image,
 * and bad inputs that must fail before any write.
 */
import { readFileSync } from 'node:fs';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import type { DeploymentRecord } from '@berth/shared/deployment/record';
import {
  digest,
  GOOD,
  type Harness,
  harness,
  log,
  manifest,
  NEXT,
  REGION,
  REGISTRY,
  scenario,
  taskDefinition,
} from './helpers/emulator.js';

const MIGRATE_OK = `${REGISTRY}/shop@${digest(5)}`;
const MIGRATE_FAIL = `${REGISTRY}/shop@${digest(6)}`;
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const record = (outputs: Record<string, string>) =>
  JSON.parse(readFileSync(outputs.record, 'utf8')) as DeploymentRecord;

describe('run-task', () => {
  const behaviours = {
    [MIGRATE_OK]: {
      startSeconds: 15,
      runSeconds: 20,
      logLines: ['migrating 3 tables', 'migration done'],
    },
    [MIGRATE_FAIL]: {
      exitCode: 3,
      exitAfterSeconds: 5,
      logLines: ['migrating', 'ERROR: relation "orders" already exists'],
    },
  };

  it('runs a one-off task to the end: status changes once each, exit code 0, its logs', async () => {
    h = await harness(scenario({ behaviours }));
    const result = await h.run({
      cluster: 'shop',
      'run-task': 'true',
      service: 'web',
      'task-definition': h.file('migrate.json', taskDefinition(MIGRATE_OK, { family: 'migrate' })),
      'run-task-command': 'bin/migrate --all',
    });
    const text = log(result);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ status: 'succeeded', 'exit-code': '0' });
    expect(result.outputs['run-task-arn']).toMatch(/:task\/shop\/[0-9a-f]{32}$/);
    // Each status once, in order (a poll may fall between two short-lived ones, never print one twice).
    const statuses = text
      .split('\n')
      .map((line) => /^task [0-9a-f]+: ([A-Z]+)/.exec(line)?.[1])
      .filter((status): status is string => status !== undefined);
    const order = [
      'PROVISIONING',
      'PENDING',
      'ACTIVATING',
      'RUNNING',
      'DEACTIVATING',
      'STOPPING',
      'DEPROVISIONING',
      'STOPPED',
    ];
    expect(statuses[0]).toBe('PROVISIONING');
    expect(statuses.at(-1)).toBe('STOPPED');
    expect(statuses).toContain('RUNNING');
    expect(statuses.map((status) => order.indexOf(status))).toEqual(
      [...statuses.map((status) => order.indexOf(status))].sort((a, b) => a - b),
    );
    expect(new Set(statuses).size).toBe(statuses.length);
    expect(text).toContain('migration done');
    expect(h.writes()).toEqual(['RegisterTaskDefinition', 'RunTask']);
    // The service's network configuration was borrowed, the command overridden.
    const [task] = h.emulator.control
      .ecs!.listAllTasks({ cluster: 'shop' })
      .filter((t) => t.taskArn === result.outputs['run-task-arn']);
    expect(task.overrides).toMatchObject({
      containerOverrides: [{ name: 'app', command: ['bin/migrate', '--all'] }],
    });
    expect(record(result.outputs)).toMatchObject({
      kind: 'run-task',
      status: 'succeeded',
      task: { exitCode: 0 },
    });
  });

  it('fails on an essential container exit code and prints its logs', async () => {
    h = await harness(scenario({ behaviours }));
    const result = await h.run({
      cluster: 'shop',
      'run-task': 'true',
      'task-definition': h.file('migrate.json', taskDefinition(MIGRATE_FAIL, { family: 'migrate' })),
      'run-task-subnets': 'subnet-0123456789abcdef0',
      'run-task-security-groups': 'sg-0123456789abcdef0',
    });
    const text = log(result);
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ status: 'failed', 'exit-code': '3' });
    expect(text).toMatch(/Task failed: Essential container `app` exited with code 3/);
    expect(text).toContain('ERROR: relation "orders" already exists');
    expect(text).not.toMatch(STACK);
    expect(result.summary).toContain('ERROR: relation');
    expect(record(result.outputs)).toMatchObject({
      kind: 'run-task',
      status: 'failed',
      task: { exitCode: 3 },
    });
  });
});

describe('task definition sources', () => {
  it('deploys an existing revision without registering anything', async () => {
    h = await harness(scenario({ taskDefinitions: [taskDefinition(GOOD), taskDefinition(NEXT)] }));
    const result = await h.run({ cluster: 'shop', service: 'web', 'task-definition': 'web:2' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs['task-definition-arn']).toMatch(/task-definition\/web:2$/);
    expect(h.count('RegisterTaskDefinition', false)).toBe(0);
    expect(h.writes()).toEqual(['UpdateService']);
  });

  it('reuse-unchanged-revision: a re-run registers no new revision; turning it off does', async () => {
    h = await harness(scenario());
    const file = h.file('td.json', taskDefinition(NEXT));
    const first = await h.run({ cluster: 'shop', service: 'web', 'task-definition': file });
    expect(first.outputs['task-definition-arn']).toMatch(/web:2$/);
    expect(h.count('RegisterTaskDefinition')).toBe(1);

    // The same file again, key order shuffled and as describe-task-definition output: web:2 is reused.
    const shuffled = Object.fromEntries(Object.entries(taskDefinition(NEXT)).reverse());
    const again = h.file('td2.json', {
      taskDefinition: { ...shuffled, revision: 2, status: 'ACTIVE' },
      tags: [],
    });
    const second = await h.run({ cluster: 'shop', service: 'web', 'task-definition': again });
    expect(second.exitCode).toBe(0);
    expect(second.outputs['task-definition-arn']).toBe(first.outputs['task-definition-arn']);
    expect(log(second)).toMatch(/is the same as the latest ACTIVE revision .*web:2; reusing it/);
    expect(h.count('RegisterTaskDefinition')).toBe(1);

    const third = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': file,
      'reuse-unchanged-revision': 'false',
    });
    expect(third.outputs['task-definition-arn']).toMatch(/web:3$/);
    expect(h.count('RegisterTaskDefinition')).toBe(2);
  });
});

describe('tag-deployed-image', () => {
  it('tags the deployed digest in a mutable repository', async () => {
    h = await harness(scenario());
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', taskDefinition(NEXT)),
      'tag-deployed-image': 'prod',
    });
    expect(result.exitCode).toBe(0);
    const ecr = new ECRClient({
      region: REGION,
      endpoint: h.emulator.url,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const described = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'shop', imageIds: [{ imageTag: 'prod' }] }),
    );
    ecr.destroy();
    expect(described.imageDetails?.[0]?.imageDigest).toBe(digest(2));
    expect(log(result)).toContain(`shop: tagged ${digest(2)} as \`prod\``);
  });

  it('warns with the fix when an immutable repository would have to move the tag, and skips non-ECR images', async () => {
    const locked = `${REGISTRY}/locked@${digest(2)}`;
    h = await harness(
      scenario({
        repositories: [
          {
            name: 'locked',
            imageTagMutability: 'IMMUTABLE',
            images: [
              { manifest: manifest(1), tags: ['prod'] },
              { manifest: manifest(2), tags: ['v2'] },
            ],
          },
        ],
      }),
    );
    const definition = taskDefinition(locked);
    definition.containerDefinitions.push({
      name: 'proxy',
      image: 'public.ecr.aws/nginx/nginx:1.27',
      essential: false,
    });
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', definition),
      'tag-deployed-image': 'prod',
    });
    const text = log(result);
    expect(result.exitCode).toBe(0);
    const warning = result.annotations.find(
      (a) => a.level === 'warning' && /Could not tag locked/.test(a.message),
    );
    expect(warning?.message).toContain(
      `already points at ${digest(1)} and cannot be moved, because the repository is IMMUTABLE`,
    );
    expect(warning?.message).toMatch(
      /put-image-tag-mutability --repository-name locked --image-tag-mutability IMMUTABLE_WITH_EXCLUSION .*filter=prod/,
    );
    expect(text).toMatch(/Not tagging public.ecr.aws\/nginx\/nginx:1.27 .*not a private ECR registry/);
    expect(h.count('PutImage', false)).toBe(0);
  });
});

describe('bad inputs fail before any write, with a clear message and no stack trace', () => {
  it.each<[string, (h: Harness) => Record<string, string>, RegExp]>([
    [
      // Without `service` the step only registers (parity.itg.test.ts); a service input says `service` is missing.
      'a service input without a service',
      (x) => ({ 'task-definition': x.file('td.json', taskDefinition(NEXT)), strategy: 'rolling' }),
      /`strategy` applies to a service deployment, but `service` is not set/,
    ],
    [
      'unknown cluster',
      (x) => ({
        cluster: 'nope',
        service: 'web',
        'task-definition': x.file('td.json', taskDefinition(NEXT)),
      }),
      /Cluster `nope` was not found in us-east-1\. Check the `cluster` input/,
    ],
    [
      'unknown service',
      (x) => ({
        cluster: 'shop',
        service: 'api',
        'task-definition': x.file('td.json', taskDefinition(NEXT)),
      }),
      /Service `api` was not found in cluster `shop` \(us-east-1\) \(MISSING\)/,
    ],
    [
      'malformed file',
      (x) => ({
        cluster: 'shop',
        service: 'web',
        'task-definition': x.file('td.json', '{"family": "web",\n  "containerDefinitions": [,]}'),
      }),
      /`task-definition`: td.json is not valid JSON: line 2, column 28/,
    ],
    [
      'a field ECS does not know',
      (x) => {
        const definition = taskDefinition(NEXT);
        definition.containerDefinitions[0].enviroment = definition.containerDefinitions[0].environment;
        return { cluster: 'shop', service: 'web', 'task-definition': x.file('td.json', definition) };
      },
      /Container `app`: unknown key `enviroment`; did you mean `environment`\?/,
    ],
    [
      'contradicting inputs',
      (x) => ({
        'run-task': 'true',
        strategy: 'canary',
        'task-definition': x.file('td.json', taskDefinition(NEXT)),
      }),
      /`strategy` applies to a service deployment, but `run-task: true` runs a one-off task/,
    ],
    [
      'a revision that is not registered',
      () => ({ cluster: 'shop', service: 'web', 'task-definition': 'web:9' }),
      /`task-definition`: web:9 is not registered/,
    ],
    [
      'blue-green without a bake time',
      (x) => ({
        cluster: 'shop',
        service: 'web',
        strategy: 'blue-green',
        'task-definition': x.file('td.json', taskDefinition(NEXT)),
      }),
      /`strategy: blue-green` needs `bake-time-minutes`/,
    ],
    [
      // CODE_DEPLOY services deploy through CodeDeploy now; with no load balancer to read the
      // container and port from, and none given, there is no AppSpec to write: refused first.
      'a CodeDeploy service without a container and port for its AppSpec',
      (x) => ({
        cluster: 'shop',
        service: 'legacy',
        'task-definition': x.file('td.json', taskDefinition(NEXT)),
      }),
      /has no load balancer naming a container and port.*set `codedeploy-container-name` and `codedeploy-container-port`/,
    ],
    [
      'an awsvpc one-off task without subnets',
      (x) => ({
        cluster: 'shop',
        'run-task': 'true',
        'task-definition': x.file('td.json', taskDefinition(NEXT)),
      }),
      /awsvpc network mode, so the one-off task needs subnets/,
    ],
  ])('%s', async (_label, inputs, message) => {
    h = await harness(
      scenario({
        services: [
          ...scenario().services!,
          {
            ...scenario().services![0],
            serviceName: 'legacy',
            deploymentController: { type: 'CODE_DEPLOY' },
          },
        ],
      }),
    );
    // A team's policy names its clusters and services by pattern (docs/iam: `shop-*`), so a
    // name that does not exist still reaches ECS and gets ECS's answer, not AccessDenied.
    const result = await h.run(inputs(h), {}, { environment: { Cluster: '*', Service: '*' } });
    const text = log(result);
    expect(result.exitCode).toBe(1);
    const error = result.annotations.find((a) => a.level === 'error');
    expect(error?.message).toMatch(/^deploy-ecs: /);
    expect(error?.message).toMatch(message);
    expect(text).not.toMatch(STACK);
    expect(text).not.toMatch(/::debug::.*\n?\s+at /);
    expect(h.writes()).toEqual([]);
  });
});
