// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders in plain strings are the data under test.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@berth/shared/errors';
import { readTaskDefinitionFile } from '@berth/shared/taskdef/read';
import { corpusFolder } from '@berth/testkit/corpus.js';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { mockClient } from 'aws-sdk-client-mock';
import { renderTaskDefinition } from '../../render-taskdef/src/render.js';
import { describeExisting, registerOrReuse } from '../src/taskdef.js';
import { prepareTaskDefinitionFile } from '../src/taskdef-file.js';

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

  // The messages are the shared pipeline's (render-taskdef reports the same ones); `memory` is set at task
  // level so each row breaks one rule only ("If you don't specify a task-level memory value, you must specify
  // … memory or memoryReservation in a container definition", task_definition_parameters.html).
  it.each<[string, unknown, RegExp]>([
    [
      'no family',
      { memory: '512', containerDefinitions: [{ name: 'a', image: 'b' }] },
      /`family` is missing/,
    ],
    [
      'bad family',
      { family: 'web app', memory: '512', containerDefinitions: [{ name: 'a', image: 'b' }] },
      /`family` "web app" may only contain letters, digits, `-` and `_` \(at most 255\)/,
    ],
    ['no containers', { family: 'web', containerDefinitions: [] }, /`containerDefinitions` is empty/],
    [
      'container without image',
      { family: 'web', memory: '512', containerDefinitions: [{ name: 'app', image: '' }] },
      /Container `app`: `image` is empty/,
    ],
    [
      'container without name',
      { family: 'web', memory: '512', containerDefinitions: [{ image: 'x' }] },
      /`containerDefinitions\[0\]` has no `name`/,
    ],
    [
      // API_ContainerDefinition.html: up to 255 letters, numbers, hyphens and underscores.
      'container name with a dot',
      { family: 'web', memory: '512', containerDefinitions: [{ name: 'app.v2', image: 'x' }] },
      /Container `#0`: the name "app.v2" may only contain letters, digits, `-` and `_` \(at most 255\)/,
    ],
    [
      // service-quotas.html: task definition size 64 KiB. This request is 65536 bytes of value plus
      // 110 of JSON around it: {"family":"web","containerDefinitions":[{"name":"app","image":"x",…}]}
      // (no task memory: it would add bytes; the container-memory problem is reported beside it).
      'definition over 64 KiB',
      {
        family: 'web',
        containerDefinitions: [
          { name: 'app', image: 'x', environment: [{ name: 'BIG', value: 'x'.repeat(65536) }] },
        ],
      },
      /makes a RegisterTaskDefinition request of 65646 bytes; ECS accepts at most 64 KiB \(65536 bytes\)/,
    ],
    [
      'top-level typo',
      { ...definition, networkmode: 'awsvpc' },
      /Unknown top-level key `networkmode`; did you mean `networkMode`\? RegisterTaskDefinition does not know it, so it would be dropped without a word/,
    ],
    [
      'unknown top-level field',
      { ...definition, deploymentStrategy: 'x' },
      /Unknown top-level key `deploymentStrategy`\. RegisterTaskDefinition does not know it/,
    ],
    [
      // API_Tag.html: tag values allow letters, numbers, spaces and `_ . : / = + - @` only.
      'a tag value with a placeholder',
      { ...definition, tags: [{ key: 'env', value: '${APP_ENV}' }] },
      /`tags\[0\]\.value` "\$\{APP_ENV\}" holds characters ECS does not allow in tags/,
    ],
  ])('refuses %s', (label, content, message) => {
    const name = file(`${label.replace(/\W+/g, '-')}.json`, content);
    expect(() => prepareTaskDefinitionFile(name, dir)).toThrow(ConfigurationError);
    expect(() => prepareTaskDefinitionFile(name, dir)).toThrow(message);
  });

  it('takes a tags map as render-taskdef does: converted to the list RegisterTaskDefinition expects', () => {
    const prepared = prepareTaskDefinitionFile(
      file('tags-map.json', { ...definition, tags: { team: 'shop' } }),
      dir,
    );
    expect(prepared.tags).toEqual([{ key: 'team', value: 'shop' }]);
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

describe('the shared pipeline', () => {
  it('drops nulls at any depth but keeps falsy values', () => {
    const name = file('nulls.json', {
      ...definition,
      taskRoleArn: null,
      containerDefinitions: [
        { ...definition.containerDefinitions[0], user: '', essential: true, command: null },
      ],
    });
    const prepared = prepareTaskDefinitionFile(name, dir);
    expect(prepared.definition).not.toHaveProperty('taskRoleArn');
    expect(prepared.definition.containerDefinitions).toEqual([
      { ...definition.containerDefinitions[0], user: '', essential: true },
    ]);
  });

  it('accepts every member RegisterTaskDefinition knows', () => {
    const name = file('members.json', {
      ...definition,
      pidMode: 'task',
      ipcMode: 'none',
      enableFaultInjection: false,
    });
    expect(prepareTaskDefinitionFile(name, dir).family).toBe('web');
  });

  it('writes a port given as a string as the number ECS wants, and says so', () => {
    const name = file('string-port.json', {
      ...definition,
      containerDefinitions: [
        { ...definition.containerDefinitions[0], portMappings: [{ containerPort: '8080' }] },
      ],
    });
    const prepared = prepareTaskDefinitionFile(name, dir);
    expect(prepared.definition.containerDefinitions).toEqual([
      { ...definition.containerDefinitions[0], portMappings: [{ containerPort: 8080 }] },
    ]);
    expect(prepared.warnings).toEqual([
      'Container `app`: `portMappings[0].containerPort` is the string "8080"; rendered as the number 8080. Remove the quotes in the file.',
    ]);
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
// deploy-ecs runs render-taskdef's checks (the shared pipeline, issue 14): files render refuses are refused here.
const CORPUS_OUTCOMES: Record<string, Expected & { note?: string }> = {
  'appmesh-envoy-firelens-fargate.json': { prepared: { family: 'appmesh-firelens-colorteller-black' } },
  // `"TEMPLATE_ENV_VAIRABLES_JSON"` unquoted: a sed template, not JSON.
  'bareword-placeholders-datadog-sidecar.json.tpl': {
    refused: /is not valid JSON: line 21, column 17: unexpected `TEMPLATE_ENV_VAIRABLES_JSON`/,
  },
  // CodeDeploy's `<IMAGE1_NAME>` stands where the image belongs: a template for another tool.
  'codedeploy-image1-name-secret-json-keys.json': {
    refused: /`image` "<IMAGE1_NAME>" is not a valid image reference/,
  },
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
  // EnvironmentFile value: "The Amazon Resource Name (ARN) of the Amazon S3 object", not an s3:// URI.
  'ec2-compose-like-4-containers-envfile-s3uri.json': {
    refused:
      /`environmentFiles\[0\]\.value` must be the ARN of an S3 object, got "s3:\/\/interactify-environment-files\/dev\.env"/,
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
  // proxyConfiguration names an `envoy` container the file lacks.
  'ecspresso-describe-style-appmesh-goTemplate.json': {
    refused: /`proxyConfiguration\.containerName` names "envoy", which is not a container/,
  },
  'ecspresso-ec2-host-secrets-mixed.json': { prepared: { family: 'ecspresso-test' } },
  'ecspresso-wrapped-with-tags.json': {
    refused: /`proxyConfiguration\.containerName` names "envoy", which is not a container/,
  },
  'fargate-arm64-envfile-s3arn-ephemeral50.json': {
    prepared: { family: 'nestjs-monolith-task-definition-production', tags: 1 },
  },
  'fargate-secretsmanager-healthcheck-nohostport.json': { prepared: { family: 'watchman-java' } },
  'fargate-string-ports-nulls.json': { prepared: { family: 'automation' } },
  // CloudFormation `${Partition}`/`${Account}` left in a secret ARN: no secret name can hold them (issue 17).
  'firelens-datadog-secretoptions.json': {
    refused:
      /`logConfiguration\.secretOptions\[0\]\.valueFrom` still holds the placeholders `\$\{Partition\}`/,
  },
  'firelens-efs-wrapped.json': { prepared: { family: 'firelens-efs-example' } },
  'firelens-healthcheck-sidecar.json': { prepared: { family: 'firelens-example-cloudwatch' } },
  'firelens-init-envvar-placeholders.json': { prepared: { family: 'firelens-example-init-metadata' } },
  // `--generate-cli-skeleton` output: `"family": ""`.
  'generate-cli-skeleton-all-fields.json': { refused: /`family` is empty/ },
  'generated-arm64-init-firelens-otel-4c.json': { prepared: { family: 'test-cluster_test-service' } },
  // The family still holds `${environment}`: ECS refuses `$`, `{`, `}` in a family.
  'hee-ssm-secrets-environment-placeholder.json': {
    refused: /`family` "tis-trainee-details-\$\{environment\}" may only contain letters/,
  },
  // Container `backend` has no image: a template for a render step.
  'isomer-datadog-efs-62-ssm-secrets.json': { refused: /Container `backend`: `image` is (empty|missing)/ },
  'json-in-yml-empty-image-typo-placeholder.yml': { refused: /Container `app`: `image` is empty/ },
  'old-console-export-all-nulls.json': {
    prepared: {
      family: 'gha-def',
      removed: ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities'],
    },
  },
  // `"command": [ {{command}} ]`: mustache outside a string.
  'otel-collector-ec2-bridge-5-containers.json': {
    refused:
      /is not valid JSON: line 42, column 9: expected a property name in double quotes, got `\{\{command\}\}`/,
  },
  // Terraform's map form of tags is converted to the list RegisterTaskDefinition takes, but the role ARNs
  // still hold `${execution_role_arn}` / `${task_role_arn}`, which no IAM role name can (issue 17).
  'terraform-placeholders-tags-as-map.json': {
    refused: /`taskRoleArn`, `executionRoleArn` still hold the placeholders/,
  },
  // The sidecar's image is still an <angle> placeholder.
  'xray-sidecar-angle-placeholders.json': {
    refused: /`image` "<repository_uri_xray_daemon>" is not a valid image reference/,
  },
  // envsubst `${AWS_ACCOUNT_ID}.dkr.ecr.…` image: not a reference until another tool fills it.
  'yaml-envsubst-image.yaml': {
    refused: /`image` "\$\{AWS_ACCOUNT_ID\}\.dkr\.ecr\..*is not a valid image reference/,
  },
  'yaml-flow-style-trailing-commas.yml': { prepared: { family: 'mini-game-space-family-front' } },
  // A `version` member RegisterTaskDefinition does not know.
  'yaml-invented-schema-negative.yaml': { refused: /Unknown top-level key `version`/ },
  // RegisterTaskDefinition refuses `pidMode: ""`.
  'yaml-pipecd-describe-leftovers.yaml': { refused: /`pidMode` is an empty string/ },
};

taskdefCorpus.describe('corpus task definitions', () => {
  it('names every corpus file, and every named file exists', () => {
    expect(taskdefCorpus.files()).toEqual(Object.keys(CORPUS_OUTCOMES).sort());
  });

  // Issue 14: deploy-ecs accepts a file exactly when render-taskdef (its own entry point, no inputs) does.
  it.each(Object.keys(CORPUS_OUTCOMES))('%s gets render-taskdef’s verdict', (name) => {
    let rendered: 'accepted' | 'refused';
    try {
      const document = readTaskDefinitionFile(name, {
        baseDir: taskdefCorpus.dir,
        inputName: 'task-definition',
      });
      rendered = renderTaskDefinition(document, {}, name).errors.length === 0 ? 'accepted' : 'refused';
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      rendered = 'refused';
    }
    expect(rendered).toBe('refused' in CORPUS_OUTCOMES[name] ? 'refused' : 'accepted');
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
