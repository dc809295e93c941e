// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders in plain strings are the data under test.
import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../src/taskdef/read.js';
import { TASK_DEFINITION_RULES } from '../src/taskdef/validate.js';

/**
 * One small table per named rule. The verdicts are what AWS documents, not
 * what Berth's tables say:
 *   RP  = RegisterTaskDefinition, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
 *   CD  = ContainerDefinition, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
 *   TDP = Task definition parameters, https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html
 *   HC  = HealthCheck, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
 *   TAG = Tag, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html
 *   SQ  = Service quotas, https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html
 * Each row runs its rule alone: 'ok' (no problem), 'error' (ECS refuses it) or 'warning'.
 */
type Verdict = 'ok' | 'error' | 'warning';
type Row = [label: string, definition: JsonObject, verdict: Verdict];

const app = (container: JsonObject = {}): JsonObject => ({ name: 'app', image: 'nginx:1.27', ...container });
/** An EC2 task with one container and a task-level memory. */
const ec2 = (task: JsonObject = {}, ...containers: JsonObject[]): JsonObject => ({
  family: 'web',
  memory: '512',
  containerDefinitions: containers.length > 0 ? containers : [app()],
  ...task,
});
const fargate = (task: JsonObject = {}): JsonObject =>
  ec2({ requiresCompatibilities: ['FARGATE'], networkMode: 'awsvpc', cpu: '256', memory: '512', ...task });

const TABLES: Record<string, Row[]> = {
  'unknown-task-keys': [
    ['RP members are known', ec2({ pidMode: 'task', ipcMode: 'none', enableFaultInjection: false }), 'ok'],
    ['RP member names are case-sensitive', ec2({ networkmode: 'awsvpc' }), 'error'],
    ['a CreateService member is not an RP member', ec2({ deploymentConfiguration: {} }), 'error'],
  ],
  family: [
    ['RP: letters, numbers, underscores and hyphens', ec2({ family: 'Shop-web_2' }), 'ok'],
    ['RP: up to 255 characters', ec2({ family: 'f'.repeat(255) }), 'ok'],
    ['RP: 256 characters are too many', ec2({ family: 'f'.repeat(256) }), 'error'],
    ['RP: a period is not allowed', ec2({ family: 'shop.web' }), 'error'],
    ['RP: family is required', ec2({ family: undefined }), 'error'],
  ],
  modes: [
    ['RP networkMode: awsvpc', ec2({ networkMode: 'awsvpc' }), 'ok'],
    ['RP networkMode: none', ec2({ networkMode: 'none' }), 'ok'],
    ['RP pidMode: task', ec2({ pidMode: 'task' }), 'ok'],
    ['RP ipcMode: host', ec2({ ipcMode: 'host' }), 'ok'],
    ['RP networkMode valid values exclude an empty string', ec2({ networkMode: '' }), 'error'],
    ['a value outside RP valid values is reported', ec2({ pidMode: 'container' }), 'warning'],
  ],
  'task-size-format': [
    ['TDP: cpu as CPU units', ec2({ cpu: '1024' }), 'ok'],
    ['TDP: cpu as vCPU ("1 vCPU")', ec2({ cpu: '1 vCPU' }), 'ok'],
    ['TDP: memory in GB ("2 GB")', ec2({ memory: '2 GB' }), 'ok'],
    ['TDP: cpu must be units or vCPU', ec2({ cpu: 'a lot' }), 'error'],
    ['an unfilled placeholder is not a size', ec2({ memory: '${MEMORY}' }), 'error'],
  ],
  'fargate-size': [
    ['TDP Fargate table: 256 with 512', fargate({ cpu: '256', memory: '512' }), 'ok'],
    ['TDP Fargate table: 256 with 2048', fargate({ cpu: '256', memory: '2048' }), 'ok'],
    ['TDP Fargate table: 256 with 4096 is not a size', fargate({ cpu: '256', memory: '4096' }), 'error'],
    ['TDP Fargate table: 512 with 4096', fargate({ cpu: '512', memory: '4096' }), 'ok'],
    ['TDP Fargate table: 4096 with 30 GB', fargate({ cpu: '4096', memory: '30720' }), 'ok'],
    [
      'TDP Fargate table: 8192 with 20 GB (4 GB steps from 16)',
      fargate({ cpu: '8192', memory: '20480' }),
      'ok',
    ],
    [
      'TDP Fargate table: 8192 with 18 GB is off the steps',
      fargate({ cpu: '8192', memory: '18432' }),
      'error',
    ],
    ['TDP Fargate table: 16384 with 120 GB', fargate({ cpu: '16384', memory: '122880' }), 'ok'],
    [
      'TDP Fargate table: 16384 with 36 GB is off the 8 GB steps',
      fargate({ cpu: '16384', memory: '36864' }),
      'error',
    ],
    ['TDP Fargate table: 128 CPU units is not a size', fargate({ cpu: '128', memory: '512' }), 'error'],
    ['TDP: Fargate requires task-level cpu', fargate({ cpu: undefined }), 'error'],
    ['not Fargate: any size', ec2({ cpu: '128', memory: '300' }), 'ok'],
  ],
  'fargate-network-mode': [
    ['TDP: Fargate requires awsvpc', fargate({ networkMode: 'awsvpc' }), 'ok'],
    ['TDP: Fargate refuses bridge', fargate({ networkMode: 'bridge' }), 'error'],
    ['TDP: without networkMode the default is bridge', fargate({ networkMode: undefined }), 'error'],
    ['EC2 may use bridge', ec2({ networkMode: 'bridge' }), 'ok'],
  ],
  'fargate-windows-cpu': [
    [
      'TDP: Windows on Fargate needs at least 1 vCPU',
      fargate({
        cpu: '512',
        memory: '1024',
        runtimePlatform: { operatingSystemFamily: 'WINDOWS_SERVER_2019_CORE' },
      }),
      'error',
    ],
    [
      'TDP: Windows on Fargate with 1 vCPU',
      fargate({
        cpu: '1024',
        memory: '2048',
        runtimePlatform: { operatingSystemFamily: 'WINDOWS_SERVER_2022_FULL' },
      }),
      'ok',
    ],
    [
      'Linux on Fargate with 0.25 vCPU',
      fargate({ runtimePlatform: { operatingSystemFamily: 'LINUX' } }),
      'ok',
    ],
  ],
  'fargate-ephemeral-storage': [
    ['TDP: minimum 21 GiB', fargate({ ephemeralStorage: { sizeInGiB: 21 } }), 'ok'],
    ['TDP: maximum 200 GiB', fargate({ ephemeralStorage: { sizeInGiB: 200 } }), 'ok'],
    ['TDP: 20 GiB is below the minimum', fargate({ ephemeralStorage: { sizeInGiB: 20 } }), 'error'],
    ['TDP: 201 GiB is above the maximum', fargate({ ephemeralStorage: { sizeInGiB: 201 } }), 'error'],
  ],
  'container-list': [
    ['RP: containerDefinitions is required', ec2({ containerDefinitions: undefined }), 'error'],
    ['RP: at least one container', ec2({ containerDefinitions: [] }), 'error'],
    ['RP: a list of ContainerDefinition objects', ec2({ containerDefinitions: ['app'] }), 'error'],
    ['one container', ec2(), 'ok'],
  ],
  'unique-container-names': [
    ['CD name: unique in the task', ec2({}, app(), app({ name: 'sidecar' })), 'ok'],
    ['CD name: two containers named app', ec2({}, app(), app()), 'error'],
  ],
  'container-name': [
    ['CD name: letters, numbers, hyphens, underscores', ec2({}, app({ name: 'App-1_x' })), 'ok'],
    ['CD name: up to 255', ec2({}, app({ name: 'a'.repeat(255) })), 'ok'],
    ['CD name: 256 characters', ec2({}, app({ name: 'a'.repeat(256) })), 'error'],
    ['CD name: a period', ec2({}, app({ name: 'app.v2' })), 'error'],
    ['CD name: required', ec2({}, { image: 'nginx:1.27' }), 'error'],
  ],
  'unknown-container-keys': [
    [
      'CD members restartPolicy and versionConsistency',
      ec2({}, app({ restartPolicy: {}, versionConsistency: 'enabled' })),
      'ok',
    ],
    ['CD has no member enviroment', ec2({}, app({ enviroment: [] })), 'error'],
  ],
  image: [
    ['CD image: Docker Hub short name', ec2({}, app({ image: 'nginx' })), 'ok'],
    [
      'CD image: repository-url/image:tag',
      ec2({}, app({ image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1' })),
      'ok',
    ],
    [
      'CD image: repository-url/image@digest',
      ec2({}, app({ image: `public.ecr.aws/nginx/nginx@sha256:${'a'.repeat(64)}` })),
      'ok',
    ],
    ['CD image: required', ec2({}, app({ image: '' })), 'error'],
    ['CD image: `<` is not an allowed character', ec2({}, app({ image: '<image>' })), 'error'],
  ],
  'essential-type': [
    ['CD essential: Boolean true', ec2({}, app({ essential: true })), 'ok'],
    ['CD essential: Boolean, not a string', ec2({}, app({ essential: 'yes' })), 'error'],
  ],
  'integer-fields': [
    [
      'CD portMappings.containerPort: Integer',
      ec2({}, app({ portMappings: [{ containerPort: 8080 }] })),
      'ok',
    ],
    [
      'CD portMappings.containerPort: not a fraction',
      ec2({}, app({ portMappings: [{ containerPort: 80.5 }] })),
      'error',
    ],
    ['CD stopTimeout: Integer, not a placeholder', ec2({}, app({ stopTimeout: '${STOP}' })), 'error'],
    [
      'HC interval: Integer',
      ec2({}, app({ healthCheck: { command: ['CMD', 'true'], interval: '30s' } })),
      'error',
    ],
  ],
  'container-memory': [
    ['TDP: task-level memory is enough', ec2(), 'ok'],
    ['TDP: container memory without task memory', ec2({ memory: undefined }, app({ memory: 256 })), 'ok'],
    [
      'TDP: memoryReservation without task memory',
      ec2({ memory: undefined }, app({ memoryReservation: 128 })),
      'ok',
    ],
    ['TDP: neither task nor container memory', ec2({ memory: undefined }), 'error'],
  ],
  environment: [
    ['CD environment: name and value', ec2({}, app({ environment: [{ name: 'A', value: '1' }] })), 'ok'],
    [
      'CD environment: an empty value is a value',
      ec2({}, app({ environment: [{ name: 'A', value: '' }] })),
      'ok',
    ],
    [
      'CD environment: KeyValuePair has no valueFrom',
      ec2({}, app({ environment: [{ name: 'A', valueFrom: 'x' }] })),
      'error',
    ],
    ['CD environment: value is a String', ec2({}, app({ environment: [{ name: 'A', value: 1 }] })), 'error'],
    [
      'the same variable twice: only one takes effect',
      ec2(
        {},
        app({
          environment: [
            { name: 'A', value: '1' },
            { name: 'A', value: '2' },
          ],
        }),
      ),
      'warning',
    ],
  ],
  secrets: [
    [
      'CD secrets: name and valueFrom (SSM parameter ARN)',
      ec2(
        {},
        app({ secrets: [{ name: 'DB', valueFrom: 'arn:aws:ssm:eu-west-1:123456789012:parameter/db' }] }),
      ),
      'ok',
    ],
    ['CD secrets: valueFrom is required', ec2({}, app({ secrets: [{ name: 'DB' }] })), 'error'],
    [
      'a name is an environment variable or a secret',
      ec2(
        {},
        app({ environment: [{ name: 'DB', value: 'x' }], secrets: [{ name: 'DB', valueFrom: '/db' }] }),
      ),
      'error',
    ],
  ],
  'environment-files': [
    [
      'CD environmentFiles: the S3 object ARN',
      ec2({}, app({ environmentFiles: [{ value: 'arn:aws:s3:::bucket/app.env', type: 's3' }] })),
      'ok',
    ],
    [
      'CD environmentFiles: an s3:// URI is not an ARN',
      ec2({}, app({ environmentFiles: [{ value: 's3://bucket/app.env', type: 's3' }] })),
      'error',
    ],
    [
      'CD environmentFiles: type is s3',
      ec2({}, app({ environmentFiles: [{ value: 'arn:aws:s3:::b/a.env', type: 'file' }] })),
      'error',
    ],
  ],
  'port-mappings': [
    [
      'CD hostPort: awsvpc, equal to containerPort',
      ec2({ networkMode: 'awsvpc' }, app({ portMappings: [{ containerPort: 80, hostPort: 80 }] })),
      'ok',
    ],
    [
      'CD hostPort: awsvpc, left out',
      ec2({ networkMode: 'awsvpc' }, app({ portMappings: [{ containerPort: 80 }] })),
      'ok',
    ],
    [
      'CD hostPort: awsvpc, different',
      ec2({ networkMode: 'awsvpc' }, app({ portMappings: [{ containerPort: 80, hostPort: 8080 }] })),
      'error',
    ],
    [
      'CD hostPort: host mode, different',
      ec2({ networkMode: 'host' }, app({ portMappings: [{ containerPort: 80, hostPort: 8080 }] })),
      'error',
    ],
    [
      'CD hostPort: bridge may map 8080 to 80',
      ec2({ networkMode: 'bridge' }, app({ portMappings: [{ containerPort: 80, hostPort: 8080 }] })),
      'ok',
    ],
  ],
  'health-check': [
    ...(
      [
        ['interval', 5, 'ok'],
        ['interval', 4, 'error'],
        ['interval', 300, 'ok'],
        ['interval', 301, 'error'],
        ['timeout', 2, 'ok'],
        ['timeout', 1, 'error'],
        ['timeout', 60, 'ok'],
        ['timeout', 61, 'error'],
        ['retries', 1, 'ok'],
        ['retries', 0, 'error'],
        ['retries', 10, 'ok'],
        ['retries', 11, 'error'],
        ['startPeriod', 0, 'ok'],
        ['startPeriod', 300, 'ok'],
        ['startPeriod', 301, 'error'],
      ] as const
    ).map(
      ([field, value, verdict]): Row => [
        `HC ${field} ${value}`,
        ec2({}, app({ healthCheck: { command: ['CMD', 'true'], [field]: value } })),
        verdict,
      ],
    ),
    [
      'HC command: CMD-SHELL and one string',
      ec2({}, app({ healthCheck: { command: ['CMD-SHELL', 'curl -f localhost'] } })),
      'ok',
    ],
    [
      'HC command: starts with CMD or CMD-SHELL',
      ec2({}, app({ healthCheck: { command: ['curl', 'localhost'] } })),
      'error',
    ],
    [
      'HC command: CMD-SHELL runs one string',
      ec2({}, app({ healthCheck: { command: ['CMD-SHELL', 'a', 'b'] } })),
      'warning',
    ],
  ],
  'depends-on': [
    ...(['START', 'COMPLETE', 'SUCCESS'] as const).map(
      (condition): Row => [
        `CD dependsOn condition ${condition}`,
        ec2(
          {},
          app({ dependsOn: [{ containerName: 'init', condition }] }),
          app({ name: 'init', essential: false }),
        ),
        'ok',
      ],
    ),
    [
      'CD dependsOn condition READY is not one',
      ec2({}, app({ dependsOn: [{ containerName: 'init', condition: 'READY' }] }), app({ name: 'init' })),
      'error',
    ],
    [
      'CD dependsOn: a container of the task',
      ec2({}, app({ dependsOn: [{ containerName: 'db', condition: 'START' }] })),
      'error',
    ],
    [
      'CD dependsOn HEALTHY: the dependency needs a health check',
      ec2({}, app({ dependsOn: [{ containerName: 'init', condition: 'HEALTHY' }] }), app({ name: 'init' })),
      'warning',
    ],
  ],
  'mount-points': [
    [
      'CD mountPoints.sourceVolume: a volume of the task',
      ec2(
        { volumes: [{ name: 'data' }] },
        app({ mountPoints: [{ sourceVolume: 'data', containerPath: '/d' }] }),
      ),
      'ok',
    ],
    [
      'CD mountPoints.sourceVolume: not a volume',
      ec2({}, app({ mountPoints: [{ sourceVolume: 'data', containerPath: '/d' }] })),
      'error',
    ],
  ],
  'volumes-from': [
    [
      'CD volumesFrom.sourceContainer: a container of the task',
      ec2({}, app({ volumesFrom: [{ sourceContainer: 'init' }] }), app({ name: 'init' })),
      'ok',
    ],
    [
      'CD volumesFrom.sourceContainer: unknown',
      ec2({}, app({ volumesFrom: [{ sourceContainer: 'init' }] })),
      'error',
    ],
  ],
  'essential-container': [
    ['CD essential: defaults to true', ec2(), 'ok'],
    ['TDP: at least one essential container', ec2({}, app({ essential: false })), 'error'],
  ],
  'proxy-container': [
    [
      'RP proxyConfiguration.containerName: a container',
      ec2({ proxyConfiguration: { containerName: 'app', type: 'APPMESH' } }),
      'ok',
    ],
    [
      'RP proxyConfiguration.containerName: missing container',
      ec2({ proxyConfiguration: { containerName: 'envoy', type: 'APPMESH' } }),
      'error',
    ],
  ],
  tags: [
    [
      'TAG: letters, numbers, spaces and + - = . _ : / @',
      ec2({ tags: [{ key: 'a b+c', value: 'x-y=z.1_2:3/4@5' }] }),
      'ok',
    ],
    ['TAG: letters in UTF-8', ec2({ tags: [{ key: 'équipe', value: 'café' }] }), 'ok'],
    ['TAG: key up to 128', ec2({ tags: [{ key: 'k'.repeat(128), value: 'v' }] }), 'ok'],
    ['TAG: key of 129', ec2({ tags: [{ key: 'k'.repeat(129), value: 'v' }] }), 'error'],
    ['TAG: value up to 256', ec2({ tags: [{ key: 'k', value: 'v'.repeat(256) }] }), 'ok'],
    ['TAG: value of 257', ec2({ tags: [{ key: 'k', value: 'v'.repeat(257) }] }), 'error'],
    [
      'TAG: `$`, `{`, `}` are not allowed (an unfilled placeholder)',
      ec2({ tags: [{ key: 'env', value: '${APP_ENV}' }] }),
      'error',
    ],
    ['TAG: a comma is not allowed', ec2({ tags: [{ key: 'owners', value: 'a,b' }] }), 'error'],
    [
      'RP tags: at most 50',
      ec2({ tags: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }),
      'ok',
    ],
    [
      'RP tags: 51 are too many',
      ec2({ tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: 'v' })) }),
      'error',
    ],
  ],
  'arn-placeholders': [
    [
      'RP executionRoleArn: a role ARN',
      ec2({ executionRoleArn: 'arn:aws:iam::123456789012:role/exec' }),
      'ok',
    ],
    [
      'RP executionRoleArn: `${…}` is no role name',
      ec2({ executionRoleArn: '${execution_role_arn}' }),
      'error',
    ],
    [
      'RP taskRoleArn: a placeholder inside the ARN',
      ec2({ taskRoleArn: 'arn:aws:iam::${ACCOUNT}:role/task' }),
      'error',
    ],
    [
      'CD secrets.valueFrom: an SSM name cannot hold `${`',
      ec2({}, app({ secrets: [{ name: 'DB', valueFrom: '/shop/${env}/db' }] })),
      'error',
    ],
    [
      'CD repositoryCredentials.credentialsParameter with a placeholder',
      ec2(
        {},
        app({
          repositoryCredentials: {
            credentialsParameter: 'arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:x',
          },
        }),
      ),
      'error',
    ],
    [
      'an environment value may hold `${…}` (the container reads it)',
      ec2({}, app({ environment: [{ name: 'H', value: '${HOSTNAME}' }] })),
      'ok',
    ],
    [
      'the `$${…}` escape is not a placeholder',
      ec2({ executionRoleArn: 'arn:aws:iam::123456789012:role/$${x}' }),
      'ok',
    ],
  ],
  'size-limit': [
    // SQ: 64 KiB. {"family":"web","containerDefinitions":[{"name":"app","image":"x","environment":[{"name":"BIG","value":"…"}]}]}
    // is 110 bytes around the value, counted by hand.
    [
      'SQ: exactly 65536 bytes',
      {
        family: 'web',
        containerDefinitions: [
          { name: 'app', image: 'x', environment: [{ name: 'BIG', value: 'x'.repeat(65426) }] },
        ],
      },
      'ok',
    ],
    [
      'SQ: 65537 bytes',
      {
        family: 'web',
        containerDefinitions: [
          { name: 'app', image: 'x', environment: [{ name: 'BIG', value: 'x'.repeat(65427) }] },
        ],
      },
      'error',
    ],
  ],
};

function verdictOf(problems: { severity?: string }[]): Verdict[] {
  return problems.map((problem) => (problem.severity === 'warning' ? 'warning' : 'error'));
}

describe('the rule table', () => {
  it('has one test table per rule, and no table without a rule', () => {
    expect(Object.keys(TABLES).sort()).toEqual(TASK_DEFINITION_RULES.map((rule) => rule.name).sort());
  });

  for (const rule of TASK_DEFINITION_RULES) {
    describe(rule.name, () => {
      it.each(TABLES[rule.name] ?? [])('%s', (_label, definition, verdict) => {
        const found = verdictOf(rule.check(JSON.parse(JSON.stringify(definition))));
        expect(found).toEqual(verdict === 'ok' ? [] : [verdict]);
      });
    });
  }
});

describe('placeholder messages name the field, the placeholder and the fix', () => {
  const rule = (name: string) => TASK_DEFINITION_RULES.find((r) => r.name === name)!;
  it.each<[string, JsonObject, string]>([
    [
      'tags',
      ec2({ tags: [{ key: 'env', value: '${APP_ENV}' }] }),
      '`tags[0].value` "${APP_ENV}" holds characters ECS does not allow in tags (only letters, numbers, spaces and `_ . : / = + - @`); it still holds the placeholder `${APP_ENV}`: give it a value with `vars` (`APP_ENV=…`).',
    ],
    [
      'arn-placeholders',
      ec2({ executionRoleArn: '${execution_role_arn}' }),
      '`executionRoleArn` still holds the placeholder `${execution_role_arn}`, which no IAM role, secret or parameter name can contain; give it a value with `vars` (`execution_role_arn=…`).',
    ],
    [
      'integer-fields',
      ec2({}, app({ portMappings: [{ containerPort: '${PORT}' }] })),
      'Container `app`: `portMappings[0].containerPort` must be a whole number, got "${PORT}"; it still holds the placeholder `${PORT}`: give it a value with `vars` (`PORT=…`).',
    ],
  ])('%s', (name, definition, message) => {
    expect(
      rule(name)
        .check(definition)
        .map((problem) => problem.message),
    ).toEqual([message]);
  });
});
