import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@berth/shared';
import { corpusFolder } from '@berth/testkit/corpus.js';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { mockClient } from 'aws-sdk-client-mock';
import {
  checkDefinition,
  describeExisting,
  prepareTaskDefinitionFile,
  registerOrReuse,
  withoutNulls,
} from '../src/taskdef.js';

const dir = mkdtempSync(join(tmpdir(), 'deploy-ecs-taskdef-'));
function file(name: string, content: unknown): string {
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return name;
}

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:' + 'a'.repeat(64);
const definition = {
  family: 'web',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'app', image: IMAGE, portMappings: [{ containerPort: 8080 }] }],
};

/** What DescribeTaskDefinition returns for `definition` after ECS filled in its defaults. */
const registered: TaskDefinition = {
  ...definition,
  taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:4',
  revision: 4,
  status: 'ACTIVE',
  compatibilities: ['EC2', 'FARGATE'],
  requiresAttributes: [{ name: 'ecs.capability.task-eni' }],
  registeredAt: new Date(0),
  volumes: [],
  placementConstraints: [],
  containerDefinitions: [
    {
      name: 'app',
      image: IMAGE,
      cpu: 0,
      essential: true,
      environment: [],
      mountPoints: [],
      volumesFrom: [],
      systemControls: [],
      portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
    },
  ],
} as TaskDefinition;

describe('prepareTaskDefinitionFile', () => {
  it('reads describe-task-definition output: unwraps, strips read-only fields and nulls, keeps the tags', () => {
    const name = file('wrapped.json', {
      taskDefinition: { ...registered, taskRoleArn: null },
      tags: [{ key: 'team', value: 'shop' }],
    });
    const prepared = prepareTaskDefinitionFile(name, dir);
    expect(prepared.family).toBe('web');
    expect(prepared.tags).toEqual([{ key: 'team', value: 'shop' }]);
    expect(prepared.removedReadOnly).toEqual(
      expect.arrayContaining([
        'taskDefinitionArn',
        'revision',
        'status',
        'requiresAttributes',
        'compatibilities',
        'registeredAt',
      ]),
    );
    expect(prepared.definition).not.toHaveProperty('taskRoleArn');
    expect(prepared.definition).not.toHaveProperty('tags');
  });

  it('reads YAML', () => {
    const name = file(
      'td.yaml',
      `family: web\ncontainerDefinitions:\n  - name: app\n    image: nginx:1.27\n    memory: 128\n`,
    );
    expect(prepareTaskDefinitionFile(name, dir).definition).toEqual({
      family: 'web',
      containerDefinitions: [{ name: 'app', image: 'nginx:1.27', memory: 128 }],
    });
  });

  it.each<[string, unknown, RegExp]>([
    ['no family', { containerDefinitions: [{ name: 'a', image: 'b' }] }, /needs a `family`/],
    [
      'bad family',
      { family: 'web app', containerDefinitions: [{ name: 'a', image: 'b' }] },
      /needs a `family`.*"web app"/,
    ],
    ['no containers', { family: 'web', containerDefinitions: [] }, /has no `containerDefinitions`/],
    [
      'container without image',
      { family: 'web', containerDefinitions: [{ name: 'app', image: '' }] },
      /container `app` in .* has no `image`/,
    ],
    [
      'container without name',
      { family: 'web', containerDefinitions: [{ image: 'x' }] },
      /containerDefinitions\[0\] in .* has no `name`/,
    ],
    [
      // API_ContainerDefinition.html: up to 255 letters, numbers, hyphens and underscores.
      'container name with a dot',
      { family: 'web', containerDefinitions: [{ name: 'app.v2', image: 'x' }] },
      /container `app.v2` in .*: a container name may only contain letters, digits, `-` and `_` \(at most 255\), got "app.v2"/,
    ],
    [
      // service-quotas.html: task definition size 64 KiB. This request is 65536 bytes of value plus
      // 110 of JSON around it: {"family":"web","containerDefinitions":[{"name":"app","image":"x",…}]}.
      'definition over 64 KiB',
      {
        family: 'web',
        containerDefinitions: [
          { name: 'app', image: 'x', environment: [{ name: 'BIG', value: 'x'.repeat(65536) }] },
        ],
      },
      /makes a RegisterTaskDefinition request of 65646 bytes; ECS accepts at most 65536 \(64 KiB\)/,
    ],
    [
      'top-level typo',
      { ...definition, networkmode: 'awsvpc' },
      /unknown field `networkmode`.*Did you mean `networkMode`\?/,
    ],
    [
      'unknown top-level field',
      { ...definition, deploymentStrategy: 'x' },
      /unknown field `deploymentStrategy`, which RegisterTaskDefinition would silently drop/,
    ],
    [
      'tags as a map',
      { ...definition, tags: { team: 'shop' } },
      /`tags` in .* must be a list of `\{"key": …, "value": …\}` objects/,
    ],
  ])('refuses %s', (label, content, message) => {
    const name = file(`${label.replace(/\W+/g, '-')}.json`, content);
    expect(() => prepareTaskDefinitionFile(name, dir)).toThrow(ConfigurationError);
    expect(() => prepareTaskDefinitionFile(name, dir)).toThrow(message);
  });

  it('says where a missing file was looked for', () => {
    expect(() => prepareTaskDefinitionFile('nope.json', dir)).toThrow(
      /"nope.json" does not exist \(looked for .*nope.json\)/,
    );
  });
});

describe('registerOrReuse', () => {
  const ecs = new ECSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(ecs);
  const context = { cluster: 'shop', service: 'web' };
  beforeEach(() => mock.reset());

  it('reuses the latest ACTIVE revision when only read-only fields, key order and ECS defaults differ', async () => {
    mock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: registered, tags: [] });
    const prepared = prepareTaskDefinitionFile(file('same.json', { ...definition }), dir);
    const logger = recordingLogger();
    const resolved = await registerOrReuse({ ecs, prepared, reuse: true, logger, context });
    expect(resolved).toMatchObject({ arn: registered.taskDefinitionArn, origin: 'reused' });
    expect(mock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
    expect(mock.commandCalls(DescribeTaskDefinitionCommand)[0].args[0].input).toEqual({
      taskDefinition: 'web',
      include: ['TAGS'],
    });
    expect(logger.text()).toMatch(/is the same as the latest ACTIVE revision .*web:4; reusing it/);
  });

  it('registers when the image differs, naming the difference, with the tags', async () => {
    mock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: registered, tags: [] });
    mock.on(RegisterTaskDefinitionCommand).resolves({
      taskDefinition: {
        ...registered,
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:5',
      },
    });
    const changed = {
      ...definition,
      containerDefinitions: [{ ...definition.containerDefinitions[0], image: 'nginx:1.27' }],
    };
    const prepared = prepareTaskDefinitionFile(
      file('changed.json', { ...changed, tags: [{ key: 'team', value: 'shop' }] }),
      dir,
    );
    const logger = recordingLogger();
    const resolved = await registerOrReuse({ ecs, prepared, reuse: true, logger, context });
    expect(resolved).toMatchObject({ origin: 'registered', arn: expect.stringMatching(/web:5$/) });
    expect(logger.text()).toMatch(/differs from .*web:4 in containerDefinitions\[0\]\.image, tags/);
    expect(mock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input).toEqual({
      ...changed,
      tags: [{ key: 'team', value: 'shop' }],
    });
  });

  it('registers the first revision of a new family', async () => {
    mock
      .on(DescribeTaskDefinitionCommand)
      .rejects(Object.assign(new Error('Unable to describe task definition.'), { name: 'ClientException' }));
    mock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: registered });
    const logger = recordingLogger();
    const prepared = prepareTaskDefinitionFile(file('new.json', definition), dir);
    expect((await registerOrReuse({ ecs, prepared, reuse: true, logger, context })).origin).toBe(
      'registered',
    );
    expect(logger.text()).toMatch(/Family web has no ACTIVE revision yet/);
  });

  it('does not look at the family with reuse off', async () => {
    mock.on(RegisterTaskDefinitionCommand).resolves({ taskDefinition: registered });
    const prepared = prepareTaskDefinitionFile(file('off.json', definition), dir);
    await registerOrReuse({ ecs, prepared, reuse: false, logger: recordingLogger(), context });
    expect(mock.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(0);
  });

  it('turns a refused registration into advice naming the roles for iam:PassRole', async () => {
    mock.on(RegisterTaskDefinitionCommand).rejects(
      Object.assign(new Error('not authorized to perform: iam:PassRole'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const prepared = prepareTaskDefinitionFile(
      file('roles.json', { ...definition, executionRoleArn: 'arn:aws:iam::123456789012:role/exec' }),
      dir,
    );
    await expect(
      registerOrReuse({ ecs, prepared, reuse: false, logger: recordingLogger(), context }),
    ).rejects.toThrow(/`iam:PassRole` on `arn:aws:iam::123456789012:role\/exec`/);
  });

  it('describes an existing revision and warns when it is INACTIVE', async () => {
    mock
      .on(DescribeTaskDefinitionCommand)
      .resolves({ taskDefinition: { ...registered, status: 'INACTIVE' } });
    const logger = recordingLogger();
    const resolved = await describeExisting(ecs, 'web:4', logger, context);
    expect(resolved.origin).toBe('existing');
    expect(logger.text()).toMatch(/warning: .*is INACTIVE/);
  });
});

describe('withoutNulls and checkDefinition', () => {
  it('drops nulls at any depth but keeps falsy values', () => {
    expect(withoutNulls({ a: null, b: 0, c: '', d: [{ e: null, f: false }] })).toEqual({
      b: 0,
      c: '',
      d: [{ f: false }],
    });
  });

  it('accepts every member RegisterTaskDefinition knows', () => {
    expect(
      checkDefinition('x', { ...definition, pidMode: 'task', ipcMode: 'none', enableFaultInjection: false })
        .family,
    ).toBe('web');
  });
});

/**
 * Every real-world task definition in the corpus goes through the reader deploy-ecs uses before
 * registering, against a table of what each file must give: prepared (its family as the file
 * writes it, the read-only fields it carries stripped) or refused with a ConfigurationError for the
 * reason the file shows. A file the table does not name fails, and so does a named file that is missing.
 */
const taskdefCorpus = corpusFolder('taskdefs');
const DESCRIBE_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
];
type Expected = { prepared: { family: string; removed?: string[]; tags?: number } } | { refused: RegExp };
// Prepared here although render-taskdef refuses the file: the two pipelines still differ (issue 14).
// When deploy-ecs runs render's checks, these rows become refusals.
const RENDER_REFUSES = 'render-taskdef refuses it';
const CORPUS_OUTCOMES: Record<string, Expected & { note?: string }> = {
  'appmesh-envoy-firelens-fargate.json': { prepared: { family: 'appmesh-firelens-colorteller-black' } },
  // `"TEMPLATE_ENV_VAIRABLES_JSON"` unquoted: a sed template, not JSON.
  'bareword-placeholders-datadog-sidecar.json.tpl': {
    refused: /is not valid JSON: line 21, column 17: unexpected `TEMPLATE_ENV_VAIRABLES_JSON`/,
  },
  'codedeploy-image1-name-secret-json-keys.json': { prepared: { family: 'sbcntr-backend-def' } },
  'datadog-agent-windows-named-pipe.json': { prepared: { family: 'datadog-agent-task' } },
  'describe-output-6-secrets-ephemeral.json': {
    prepared: { family: 'witp-server', removed: DESCRIBE_FIELDS, tags: 0 },
  },
  'describe-output-unwrapped-banbury.json': {
    prepared: { family: 'banbury-cloud', removed: DESCRIBE_FIELDS, tags: 0 },
  },
  'describe-output-wrapped-gitlab-runner.json': {
    prepared: { family: 'fargate-gitlab-runner', removed: DESCRIBE_FIELDS, tags: 0 },
  },
  'describe-partially-cleaned.json': {
    prepared: { family: 'my-task', removed: ['revision', 'status', 'requiresAttributes', 'compatibilities'] },
  },
  'ec2-compose-like-4-containers-envfile-s3uri.json': {
    prepared: { family: 'interactify-family' },
    note: `${RENDER_REFUSES}: environmentFiles value is an s3:// URI, not an ARN`,
  },
  'ecs-agent-ec2-gpu.json': { prepared: { family: 'ecsftest-nvidia-gpu' } },
  'ecs-agent-private-registry-ip-port-image.json': {
    prepared: { family: 'ecsftest-private-registry-auth-asm-validator-unix' },
  },
  'ecs-agent-ssm-secret-dollar-placeholders.json': { prepared: { family: 'ssm-integration' } },
  'ecs-agent-windows-gmsa-iis.json': { prepared: { family: 'gmsa-ssm-test' } },
  // A bare $$$$START_PERIOD$$$$ where a property name belongs.
  'ecs-agent-windows-health-invalid-until-templated.json': {
    refused: /is not valid JSON: line 14, column 13: .*`\$\$\$\$START_PERIOD\$\$\$\$`/,
  },
  'ecspresso-describe-style-appmesh-goTemplate.json': {
    prepared: { family: 'katsubushi', removed: ['revision', 'status'] },
    note: `${RENDER_REFUSES}: proxyConfiguration names an envoy container the file lacks`,
  },
  'ecspresso-ec2-host-secrets-mixed.json': { prepared: { family: 'ecspresso-test' } },
  'ecspresso-wrapped-with-tags.json': {
    prepared: { family: 'katsubushi', removed: ['revision', 'status'], tags: 1 },
    note: `${RENDER_REFUSES}: proxyConfiguration names an envoy container the file lacks`,
  },
  'fargate-arm64-envfile-s3arn-ephemeral50.json': {
    prepared: { family: 'nestjs-monolith-task-definition-production', tags: 1 },
  },
  'fargate-secretsmanager-healthcheck-nohostport.json': { prepared: { family: 'watchman-java' } },
  'fargate-string-ports-nulls.json': { prepared: { family: 'automation' } },
  'firelens-datadog-secretoptions.json': { prepared: { family: 'firelens-example-datadog' } },
  'firelens-efs-wrapped.json': { prepared: { family: 'firelens-efs-example' } },
  'firelens-healthcheck-sidecar.json': { prepared: { family: 'firelens-example-cloudwatch' } },
  'firelens-init-envvar-placeholders.json': { prepared: { family: 'firelens-example-init-metadata' } },
  // `--generate-cli-skeleton` output: `"family": ""`.
  'generate-cli-skeleton-all-fields.json': { refused: /needs a `family` .*got ""/ },
  'generated-arm64-init-firelens-otel-4c.json': { prepared: { family: 'test-cluster_test-service' } },
  // The family still holds `${environment}`: ECS refuses `$`, `{`, `}` in a family.
  'hee-ssm-secrets-environment-placeholder.json': {
    refused: /needs a `family` .*got "tis-trainee-details-\$\{environment\}"/,
  },
  // Container `backend` has no image: a template for a render step.
  'isomer-datadog-efs-62-ssm-secrets.json': { refused: /container `backend` .* has no `image`/ },
  'json-in-yml-empty-image-typo-placeholder.yml': { refused: /container `app` .* has no `image`/ },
  'old-console-export-all-nulls.json': {
    prepared: {
      family: 'gha-def',
      removed: ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities'],
    },
  },
  // `"command": [ {{command}} ]`: mustache outside a string.
  'otel-collector-ec2-bridge-5-containers.json': {
    refused: /is not valid JSON: line 42, column 9: unexpected `\{\{command\}\}`/,
  },
  // Terraform's map form of tags; RegisterTaskDefinition takes a list of {key, value}.
  'terraform-placeholders-tags-as-map.json': { refused: /`tags` .* must be a list of .* not a map/ },
  'xray-sidecar-angle-placeholders.json': {
    prepared: { family: 'service-a' },
    note: `${RENDER_REFUSES}: the sidecar's image is still an <angle> placeholder`,
  },
  'yaml-envsubst-image.yaml': { prepared: { family: 'todoapp-task' } },
  'yaml-flow-style-trailing-commas.yml': { prepared: { family: 'mini-game-space-family-front' } },
  // A `version` member RegisterTaskDefinition does not know.
  'yaml-invented-schema-negative.yaml': { refused: /unknown field `version`/ },
  'yaml-pipecd-describe-leftovers.yaml': {
    prepared: { family: 'pipecd-ecs-test', removed: ['compatibilities'] },
    note: `${RENDER_REFUSES}: pidMode is ""`,
  },
};

taskdefCorpus.describe('corpus task definitions', () => {
  it('names every corpus file, and every named file exists', () => {
    expect(taskdefCorpus.files()).toEqual(Object.keys(CORPUS_OUTCOMES).sort());
  });

  it.each(Object.entries(CORPUS_OUTCOMES))('%s', (name, expected) => {
    const path = taskdefCorpus.path(name);
    if ('refused' in expected) {
      let thrown: unknown;
      try {
        prepareTaskDefinitionFile(path, taskdefCorpus.dir);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigurationError);
      expect((thrown as Error).message).toMatch(/`task-definition`/);
      expect((thrown as Error).message).toMatch(expected.refused);
      return;
    }
    const prepared = prepareTaskDefinitionFile(path, taskdefCorpus.dir);
    expect(prepared.family).toBe(expected.prepared.family);
    expect([...prepared.removedReadOnly].sort()).toEqual([...(expected.prepared.removed ?? [])].sort());
    for (const field of DESCRIBE_FIELDS) expect(prepared.definition).not.toHaveProperty(field);
    expect(prepared.definition).not.toHaveProperty('tags');
    if (expected.prepared.tags !== undefined)
      expect(prepared.tags ?? []).toHaveLength(expected.prepared.tags);
  });
});
