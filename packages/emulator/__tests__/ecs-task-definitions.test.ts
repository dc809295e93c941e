import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  ACCOUNT,
  awsError,
  CALLER,
  CORPUS,
  corpusJson,
  ECR,
  fargateTaskDefinition,
  harness,
  keyPaths,
  START,
} from './ecs-helpers.js';

const ARN = (ref: string) => `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${ref}`;

describe('RegisterTaskDefinition', () => {
  it('registers revisions per family with the read-only fields AWS returns', async () => {
    const h = harness();
    const input = {
      ...fargateTaskDefinition('shop-web', `${ECR}/web:1`, { healthCheck: true, awslogs: true }),
      taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/shop-web`,
      tags: [{ key: 'team', value: 'shop' }],
    };
    const first = await h.call('RegisterTaskDefinition', input);
    const second = await h.call('RegisterTaskDefinition', { ...input, cpu: '1 vCPU', memory: '2 GB' });
    expect(first.tags).toEqual([{ key: 'team', value: 'shop' }]);
    expect(first.taskDefinition).toMatchObject({
      taskDefinitionArn: ARN('shop-web:1'),
      family: 'shop-web',
      revision: 1,
      status: 'ACTIVE',
      compatibilities: ['EC2', 'FARGATE'],
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      registeredAt: START / 1000,
      registeredBy: CALLER,
    });
    expect(second.taskDefinition).toMatchObject({ revision: 2, cpu: '1024', memory: '2048' });
    expect(first.taskDefinition.requiresAttributes).toEqual(
      expect.arrayContaining([
        { name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' },
        { name: 'ecs.capability.execution-role-awslogs' },
        { name: 'com.amazonaws.ecs.capability.ecr-auth' },
        { name: 'ecs.capability.container-health-check' },
        { name: 'ecs.capability.task-eni' },
        { name: 'com.amazonaws.ecs.capability.task-iam-role' },
      ]),
    );
    // The container as DescribeTaskDefinition shows it: defaults filled in, hostPort = containerPort for awsvpc.
    expect(first.taskDefinition.containerDefinitions[0]).toMatchObject({
      cpu: 0,
      essential: true,
      environment: [],
      mountPoints: [],
      volumesFrom: [],
      portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
    });
    expect(first.taskDefinition.tags).toBeUndefined();
  });

  it.each<[string, (td: Record<string, any>) => void, string, string]>([
    [
      'a container without image',
      (td) => delete td.containerDefinitions[0].image,
      'ClientException',
      'Container.image should not be null or empty.',
    ],
    [
      'an empty image',
      (td) => (td.containerDefinitions[0].image = ''),
      'ClientException',
      'Container.image should not be null or empty.',
    ],
    [
      'no containers',
      (td) => (td.containerDefinitions = []),
      'ClientException',
      'Container list cannot be empty.',
    ],
    [
      'missing containerDefinitions',
      (td) => delete td.containerDefinitions,
      'ClientException',
      'Container list cannot be empty.',
    ],
    [
      'an invalid Fargate size',
      (td) => (td.memory = '4096'),
      'ClientException',
      'No Fargate configuration exists for given values: 256 CPU, 4096 memory',
    ],
    [
      'an invalid Fargate cpu',
      (td) => (td.cpu = '300'),
      'ClientException',
      "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
    ],
    [
      'Fargate without task cpu',
      (td) => delete td.cpu,
      'ClientException',
      "Fargate requires that 'cpu' be defined at the task level.",
    ],
    [
      'Fargate with bridge networking',
      (td) => (td.networkMode = 'bridge'),
      'ClientException',
      "Fargate only supports network mode 'awsvpc'.",
    ],
    [
      'awslogs on Fargate without an execution role',
      (td) => delete td.executionRoleArn,
      'ClientException',
      'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
    ],
    [
      'a port as a string',
      (td) => (td.containerDefinitions[0].portMappings[0].containerPort = '8080'),
      'SerializationException',
      'STRING_VALUE can not be converted to an Integer',
    ],
    [
      'task memory as a number',
      (td) => (td.memory = 512),
      'SerializationException',
      'NUMBER_VALUE can not be converted to a String',
    ],
    [
      'tags as a map',
      (td) => (td.tags = { team: 'shop' }),
      'SerializationException',
      'Start of structure or map found where not expected.',
    ],
    [
      'command as a string',
      (td) => (td.containerDefinitions[0].command = 'npm start'),
      'SerializationException',
      'Expected list or null',
    ],
  ])('rejects %s with AWS’s message', async (_name, mutate, code, message) => {
    const h = harness();
    const td = fargateTaskDefinition('shop-web', `${ECR}/web:1`, { awslogs: true }) as Record<string, any>;
    mutate(td);
    const error = await awsError(h.call('RegisterTaskDefinition', td));
    expect([error.code, error.message, error.status]).toEqual([code, message, 400]);
  });

  it('ignores members that are not in the request shape, like the JSON protocol front end', async () => {
    const h = harness();
    const out = await h.call('RegisterTaskDefinition', {
      ...fargateTaskDefinition('shop-web', `${ECR}/web:1`),
      taskDefinitionArn: ARN('shop-web:9'),
      revision: 9,
      status: 'INACTIVE',
      compatibilities: ['EC2'],
      registeredAt: 0,
    });
    expect(out.taskDefinition).toMatchObject({
      taskDefinitionArn: ARN('shop-web:1'),
      revision: 1,
      status: 'ACTIVE',
    });
  });
});

describe('DescribeTaskDefinition, ListTaskDefinitions, ListTaskDefinitionFamilies, DeregisterTaskDefinition', () => {
  async function seeded() {
    const h = harness();
    for (const family of ['api', 'web', 'worker']) {
      for (let i = 0; i < 3; i++) {
        await h.call('RegisterTaskDefinition', {
          ...fargateTaskDefinition(family, `${ECR}/${family}:${i}`),
          tags: [{ key: 'family', value: family }],
        });
      }
    }
    return h;
  }

  it('describes by family (latest ACTIVE), family:revision and ARN, with tags on request', async () => {
    const h = await seeded();
    await h.call('DeregisterTaskDefinition', { taskDefinition: 'web:3' });
    expect((await h.call('DescribeTaskDefinition', { taskDefinition: 'web' })).taskDefinition.revision).toBe(
      2,
    );
    const byRevision = await h.call('DescribeTaskDefinition', { taskDefinition: 'web:3', include: ['TAGS'] });
    expect(byRevision.taskDefinition).toMatchObject({
      revision: 3,
      status: 'INACTIVE',
      deregisteredAt: START / 1000,
    });
    expect(byRevision.tags).toEqual([{ key: 'family', value: 'web' }]);
    const byArn = await h.call('DescribeTaskDefinition', { taskDefinition: ARN('api:1') });
    expect(byArn.taskDefinition.family).toBe('api');
    expect(byArn.tags).toBeUndefined();
    const missing = await awsError(h.call('DescribeTaskDefinition', { taskDefinition: 'nope' }));
    expect([missing.code, missing.message]).toEqual([
      'ClientException',
      'Unable to describe task definition.',
    ]);
    const bare = await awsError(h.call('DeregisterTaskDefinition', { taskDefinition: 'web' }));
    expect(bare.code).toBe('ClientException');
  });

  it('lists by family, status and sort order, page by page', async () => {
    const h = await seeded();
    await h.call('DeregisterTaskDefinition', { taskDefinition: 'web:1' });
    const asc = await h.call('ListTaskDefinitions', {});
    expect(asc.taskDefinitionArns.map((a: string) => a.split('/')[1])).toEqual([
      'api:1',
      'api:2',
      'api:3',
      'web:2',
      'web:3',
      'worker:1',
      'worker:2',
      'worker:3',
    ]);
    const desc = await h.call('ListTaskDefinitions', { familyPrefix: 'web', sort: 'DESC' });
    expect(desc.taskDefinitionArns).toEqual([ARN('web:3'), ARN('web:2')]);
    const inactive = await h.call('ListTaskDefinitions', { status: 'INACTIVE' });
    expect(inactive.taskDefinitionArns).toEqual([ARN('web:1')]);

    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await h.call('ListTaskDefinitions', { maxResults: 3, nextToken });
      pages.push(page.taskDefinitionArns);
      nextToken = page.nextToken;
    } while (nextToken);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(pages.flat()).toEqual(asc.taskDefinitionArns);
    const badMax = await awsError(h.call('ListTaskDefinitions', { maxResults: 101 }));
    expect(badMax.code).toBe('InvalidParameterException');

    const families = await h.call('ListTaskDefinitionFamilies', { familyPrefix: 'w' });
    expect(families.families).toEqual(['web', 'worker']);
    for (const rev of [1, 2, 3]) await h.call('DeregisterTaskDefinition', { taskDefinition: `api:${rev}` });
    expect((await h.call('ListTaskDefinitionFamilies', { status: 'ACTIVE' })).families).toEqual([
      'web',
      'worker',
    ]);
    expect((await h.call('ListTaskDefinitionFamilies', { status: 'INACTIVE' })).families).toEqual(['api']);
  });

  it('DescribeTaskDefinition answers with the members of a real response (corpus)', async () => {
    const sample = corpusJson('ecs-api/c7n-describe-task-definition-placebo.json');
    if (!sample) {
      console.warn(
        'corpus not found beside the repository; skipping the DescribeTaskDefinition shape comparison',
      );
      return;
    }
    const real = sample.data.taskDefinition;
    const h = harness();
    const input = { ...real, tags: sample.data.tags };
    for (const key of [
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
      'registeredAt',
      'registeredBy',
    ]) {
      delete input[key];
    }
    const out = await h.call('RegisterTaskDefinition', input);
    const described = await h.call('DescribeTaskDefinition', {
      taskDefinition: out.taskDefinition.taskDefinitionArn,
      include: ['TAGS'],
    });
    expect(keyPaths(described).sort()).toEqual(
      expect.arrayContaining(keyPaths({ taskDefinition: real, tags: sample.data.tags }).sort()),
    );
    expect(described.tags).toEqual(sample.data.tags);
  });

  it('registers the corpus task definitions or refuses them with AWS’s messages', () => {
    let files: string[];
    try {
      files = readdirSync(join(CORPUS, 'taskdefs'));
    } catch {
      console.warn('corpus not found beside the repository; skipping the corpus task definitions');
      return;
    }
    const expected: Record<string, string> = {
      // Placeholders or type errors that ECS itself rejects.
      'fargate-string-ports-nulls.json':
        'SerializationException: STRING_VALUE can not be converted to an Integer',
      'terraform-placeholders-tags-as-map.json':
        'SerializationException: Start of structure or map found where not expected.',
      'generate-cli-skeleton-all-fields.json': 'ClientException: Family can not be blank.',
      // ECS's observed wording: https://github.com/aws/amazon-ecs-cli/issues/37
      'hee-ssm-secrets-environment-placeholder.json': 'ClientException: Family contains invalid characters.',
      'isomer-datadog-efs-62-ssm-secrets.json':
        'ClientException: Container.image should not be null or empty.',
      'json-in-yml-empty-image-typo-placeholder.yml':
        'ClientException: Container.image should not be null or empty.',
    };
    const h = harness();
    const outcomes: Record<string, string> = {};
    return (async () => {
      for (const file of files.sort()) {
        let doc: any;
        try {
          doc = JSON.parse(readFileSync(join(CORPUS, 'taskdefs', file), 'utf8'));
        } catch {
          continue; // YAML or templated: the renderer's job, not ECS's.
        }
        const td = doc.taskDefinition ?? doc;
        try {
          const out = await h.call('RegisterTaskDefinition', td);
          outcomes[file] = `registered ${out.taskDefinition.family}`;
        } catch (error: any) {
          outcomes[file] = `${error.code}: ${error.message}`;
        }
      }
      for (const [file, outcome] of Object.entries(expected))
        expect([file, outcomes[file]]).toEqual([file, outcome]);
      const registered = Object.entries(outcomes).filter(([, o]) => o.startsWith('registered'));
      expect(registered.length).toBeGreaterThanOrEqual(20);
    })();
  });
});
