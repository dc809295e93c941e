/**
 * What each documented policy denies. The committed files in docs/iam (dev, staging,
 * production, build, production-batch) are attached to roles in the emulator, which
 * evaluates every call with the Service Authorization Reference's request context.
 * Expected denials follow from the policies and from the IAM User Guide's error format
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html):
 * "User: <assumed-role ARN> is not authorized to perform: <action> on resource: <ARN>
 * because no identity-based policy allows the <action> action".
 */
import { join } from 'node:path';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchGetImageCommand, DescribeImagesCommand, ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  RunTaskCommand,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type RunningEmulator, type Scenario, startEmulator } from '@berth/emulator';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import type { SessionGrant } from '../packages/emulator/src/iam/sessions.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const ENVIRONMENTS = ['dev', 'staging', 'production'] as const;
const arn = (path: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:${path}`;
const docs = (role: string, policy: string) => ({
  file: join(REPO_ROOT, 'docs', 'iam', role, `${policy}.json`),
});
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

function taskDefinition(
  family: string,
  extra: Record<string, unknown> = {},
): RegisterTaskDefinitionCommandInput {
  return {
    family,
    networkMode: 'awsvpc' as const,
    requiresCompatibilities: ['FARGATE' as const],
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      { name: 'app', image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop/web:v1`, essential: true },
    ],
    ...extra,
  };
}

const SCENARIO: Scenario = {
  region: REGION,
  accountId: ACCOUNT,
  clusters: [...ENVIRONMENTS, 'batch'],
  taskDefinitions: [
    taskDefinition('shop-web'),
    taskDefinition('shop-report'),
  ] as unknown as Scenario['taskDefinitions'],
  services: ENVIRONMENTS.map((cluster) => ({
    cluster,
    serviceName: 'shop-web',
    taskDefinition: 'shop-web:1',
    desiredCount: 1,
    launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
  })),
  repositories: [
    { name: 'shop/web', images: [{ tags: ['v1'] }] },
    { name: 'payments/api', images: [{ tags: ['v1'] }] },
  ],
  logs: [{ group: '/ecs/shop-web', stream: 'web/app/1', messages: ['hello'] }],
  iam: {
    roles: [
      ...ENVIRONMENTS.map((env) => ({
        roleArn: roleArn(`shop-${env}-deploy`),
        policies: ['render-taskdef', 'deploy-ecs', 'rollback', 'build-push'].map((p) => docs(env, p)),
      })),
      { roleArn: roleArn('shop-build'), policies: ['build-push', 'scan-gate'].map((p) => docs('build', p)) },
      {
        roleArn: roleArn('shop-production-batch'),
        policies: ['render-taskdef', 'run-task'].map((p) => docs('production-batch', p)),
      },
      {
        // An explicit Deny next to the production policies: the other message format.
        roleArn: roleArn('shop-frozen'),
        policies: [
          docs('production', 'deploy-ecs'),
          {
            name: 'change-freeze',
            document: { Statement: [{ Effect: 'Deny', Action: 'ecs:UpdateService', Resource: '*' }] },
          },
        ],
      },
    ],
  },
};

let emulator: RunningEmulator;
const sessions = new Map<string, SessionGrant>();

function clients(role: string) {
  let session = sessions.get(role);
  if (!session) {
    session = emulator.control.iam.session(roleArn(role), undefined, 'ci');
    sessions.set(role, session);
  }
  const config = {
    region: REGION,
    endpoint: emulator.url,
    credentials: {
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
    },
  };
  return {
    ecs: new ECSClient(config),
    ecr: new ECRClient(config),
    logs: new CloudWatchLogsClient(config),
    sts: new STSClient(config),
    principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/ci`,
  };
}

/** The AWS error name and message of a call, or 'allowed' when IAM let it through (ECS may still refuse it). */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'allowed';
  } catch (error) {
    const e = error as Error;
    return /AccessDenied/.test(e.name) ? `${e.name}: ${e.message}` : 'allowed';
  }
}

const denied = (principal: string, action: string, resource: string) =>
  `AccessDeniedException: User: ${principal} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

beforeAll(async () => {
  emulator = await startEmulator({ scenario: SCENARIO, seed: 3 });
});
afterAll(async () => {
  await emulator?.stop();
});

describe.each(ENVIRONMENTS)('the %s deploy role', (env) => {
  const others = ENVIRONMENTS.filter((e) => e !== env);

  it('may deploy its own service and read its own cluster', async () => {
    const { ecs } = clients(`shop-${env}-deploy`);
    expect(await outcome(ecs.send(new DescribeClustersCommand({ clusters: [env] })))).toBe('allowed');
    expect(
      await outcome(ecs.send(new DescribeServicesCommand({ cluster: env, services: ['shop-web'] }))),
    ).toBe('allowed');
    expect(
      await outcome(
        ecs.send(
          new UpdateServiceCommand({ cluster: env, service: 'shop-web', taskDefinition: 'shop-web:1' }),
        ),
      ),
    ).toBe('allowed');
    expect(await outcome(ecs.send(new ListTasksCommand({ cluster: env })))).toBe('allowed');
  });

  it.each(others)('cannot touch the %s cluster or its services', async (other) => {
    const { ecs, principal } = clients(`shop-${env}-deploy`);
    expect(
      await outcome(
        ecs.send(
          new UpdateServiceCommand({ cluster: other, service: 'shop-web', taskDefinition: 'shop-web:1' }),
        ),
      ),
    ).toBe(denied(principal, 'ecs:UpdateService', arn(`service/${other}/shop-web`)));
    expect(
      await outcome(ecs.send(new DescribeServicesCommand({ cluster: other, services: ['shop-web'] }))),
    ).toBe(denied(principal, 'ecs:DescribeServices', arn(`service/${other}/shop-web`)));
    expect(await outcome(ecs.send(new DescribeClustersCommand({ clusters: [other] })))).toBe(
      denied(principal, 'ecs:DescribeClusters', arn(`cluster/${other}`)),
    );
    // ListTasks has no resource type to name; the ecs:cluster condition is what denies it.
    expect(await outcome(ecs.send(new ListTasksCommand({ cluster: other })))).toBe(
      `AccessDeniedException: User: ${principal} is not authorized to perform: ecs:ListTasks because no identity-based policy allows the ecs:ListTasks action`,
    );
    expect(
      await outcome(
        ecs.send(
          new RunTaskCommand({
            cluster: other,
            taskDefinition: 'shop-web:1',
            launchType: 'FARGATE',
            networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
          }),
        ),
      ),
    ).toBe(denied(principal, 'ecs:RunTask', arn('task-definition/shop-web:1')));
  });

  it('cannot read or tag another repository', async () => {
    const { ecr, principal } = clients(`shop-${env}-deploy`);
    const repository = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/payments/api`;
    expect(await outcome(ecr.send(new DescribeImagesCommand({ repositoryName: 'shop/web' })))).toBe(
      'allowed',
    );
    expect(await outcome(ecr.send(new DescribeImagesCommand({ repositoryName: 'payments/api' })))).toBe(
      denied(principal, 'ecr:DescribeImages', repository),
    );
    expect(
      await outcome(
        ecr.send(
          new BatchGetImageCommand({ repositoryName: 'payments/api', imageIds: [{ imageTag: 'v1' }] }),
        ),
      ),
    ).toBe(denied(principal, 'ecr:BatchGetImage', repository));
    expect(
      await outcome(
        ecr.send(
          new PutImageCommand({ repositoryName: 'payments/api', imageManifest: '{}', imageTag: 'prod' }),
        ),
      ),
    ).toBe(denied(principal, 'ecr:PutImage', repository));
  });

  it('may tag only what it creates (ecs:CreateAction), never an existing resource', async () => {
    const { ecs, principal } = clients(`shop-${env}-deploy`);
    expect(
      await outcome(
        ecs.send(
          new RegisterTaskDefinitionCommand({
            ...taskDefinition('shop-web'),
            tags: [{ key: 'env', value: env }],
          }),
        ),
      ),
    ).toBe('allowed');
    for (const resource of [
      arn(`service/${env}/shop-web`),
      arn(`cluster/${env}`),
      arn('task-definition/shop-web:1'),
    ]) {
      expect(
        await outcome(
          ecs.send(new TagResourceCommand({ resourceArn: resource, tags: [{ key: 'owner', value: 'me' }] })),
        ),
      ).toBe(denied(principal, 'ecs:TagResource', resource));
    }
    // Registering a family outside the policy is refused, so is tagging it on creation.
    expect(await outcome(ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('payments-api'))))).toBe(
      denied(principal, 'ecs:RegisterTaskDefinition', arn('task-definition/payments-api:1')),
    );
  });

  it('may pass only its own task and execution roles, and only to ECS tasks', async () => {
    const { ecs, principal } = clients(`shop-${env}-deploy`);
    const own = roleArn(`shop-${env}-web-execution`);
    expect(
      await outcome(
        ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('shop-web', { executionRoleArn: own }))),
      ),
    ).toBe('allowed');
    for (const role of [
      roleArn('admin'),
      roleArn(`shop-${others[0]}-web-execution`),
      roleArn(`shop-${env}-deploy`),
    ]) {
      expect(
        await outcome(
          ecs.send(new RegisterTaskDefinitionCommand(taskDefinition('shop-web', { taskRoleArn: role }))),
        ),
      ).toBe(denied(principal, 'iam:PassRole', role));
    }
  });

  it('reads only its services’ logs', async () => {
    const { logs, principal } = clients(`shop-${env}-deploy`);
    expect(
      await outcome(
        logs.send(new GetLogEventsCommand({ logGroupName: '/ecs/shop-web', logStreamName: 'web/app/1' })),
      ),
    ).toBe('allowed');
    expect(
      await outcome(
        logs.send(new GetLogEventsCommand({ logGroupName: '/aws/lambda/payments', logStreamName: 's' })),
      ),
    ).toBe(
      denied(
        principal,
        'logs:GetLogEvents',
        `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/payments:log-stream:s`,
      ),
    );
  });
});

describe('the build role', () => {
  it('pushes and scans its repositories, and nothing else', async () => {
    const { ecr, ecs, principal } = clients('shop-build');
    expect(await outcome(ecr.send(new DescribeImagesCommand({ repositoryName: 'shop/web' })))).toBe(
      'allowed',
    );
    expect(await outcome(ecr.send(new DescribeImagesCommand({ repositoryName: 'payments/api' })))).toBe(
      denied(principal, 'ecr:DescribeImages', `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/payments/api`),
    );
    expect(
      await outcome(
        ecs.send(
          new UpdateServiceCommand({ cluster: 'dev', service: 'shop-web', taskDefinition: 'shop-web:1' }),
        ),
      ),
    ).toBe(denied(principal, 'ecs:UpdateService', arn('service/dev/shop-web')));
  });
});

describe('the production batch role (examples/batch-job.yml)', () => {
  it('checks its cluster and runs the job there: DescribeClusters needs no ecs:cluster condition', async () => {
    const { ecs, principal } = clients('shop-production-batch');
    expect(await outcome(ecs.send(new DescribeClustersCommand({ clusters: ['batch'] })))).toBe('allowed');
    const run = (cluster: string) =>
      ecs.send(
        new RunTaskCommand({
          cluster,
          taskDefinition: 'shop-report:1',
          launchType: 'FARGATE',
          networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0123456789abcdef0'] } },
          tags: [{ key: 'job', value: 'nightly-report' }],
        }),
      );
    expect(await outcome(run('batch'))).toBe('allowed');
    expect(await outcome(run('production'))).toBe(
      denied(principal, 'ecs:RunTask', arn('task-definition/shop-report:1')),
    );
    expect(
      await outcome(
        ecs.send(new UpdateServiceCommand({ cluster: 'production', service: 'shop-web', desiredCount: 0 })),
      ),
    ).toBe(denied(principal, 'ecs:UpdateService', arn('service/production/shop-web')));
  });
});

describe('an explicit deny', () => {
  it('wins over the documented Allow, with the explicit-deny message', async () => {
    const { ecs, principal } = clients('shop-frozen');
    expect(
      await outcome(
        ecs.send(
          new UpdateServiceCommand({
            cluster: 'production',
            service: 'shop-web',
            taskDefinition: 'shop-web:1',
          }),
        ),
      ),
    ).toBe(
      `AccessDeniedException: User: ${principal} is not authorized to perform: ecs:UpdateService on resource: ${arn('service/production/shop-web')} with an explicit deny in an identity-based policy`,
    );
    expect(
      await outcome(ecs.send(new DescribeServicesCommand({ cluster: 'production', services: ['shop-web'] }))),
    ).toBe('allowed');
  });
});

describe('what no policy governs', () => {
  it('GetCallerIdentity needs no permission, even for a role without policies', async () => {
    const { sts } = clients('no-policies-at-all');
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/no-policies-at-all/ci`);
  });

  it('a role the scenario does not list may do nothing else', async () => {
    const { ecs, principal } = clients('no-policies-at-all');
    expect(await outcome(ecs.send(new DescribeClustersCommand({ clusters: ['dev'] })))).toBe(
      denied(principal, 'ecs:DescribeClusters', arn('cluster/dev')),
    );
  });

  it('the call log records the decision of every governed call', () => {
    const governed = emulator.control.calls().filter((c) => c.authorization !== undefined);
    expect(governed.length).toBeGreaterThan(40);
    expect(new Set(governed.map((c) => c.authorization))).toEqual(
      new Set(['allow', 'implicit-deny', 'explicit-deny']),
    );
  });
});
