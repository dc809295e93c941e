// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders in plain strings are the data under test.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ImageNotFoundException,
} from '@aws-sdk/client-ecr';
import { ClientException, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import type { AwsInputs } from '@berth/shared/aws';
import { ecr } from '@berth/shared/aws-clients/ecr';
import { ecs } from '@berth/shared/aws-clients/ecs';
import { parseEcrRegistry } from '@berth/shared/ecr-image';
import { defaultEffects } from '@berth/shared/effects';
import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import type { Logger } from '@berth/shared/logger';
import type { JobSummary } from '@berth/shared/summary';
import type { JsonObject } from '@berth/shared/taskdef/read';
import { clientBehind } from '@berth/testkit/aws-clients.js';
import { fargateTask } from '@berth/testkit/taskdef-fixtures.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { ACTION_NAME, main, regionFor } from '../src/main.js';

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const DIGEST = `sha256:${'c'.repeat(64)}`;
const SIDECAR_DIGEST = `sha256:${'d'.repeat(64)}`;

interface Logged {
  level: string;
  message: string;
  properties?: Record<string, unknown>;
}

function recorder(): Logger & { entries: Logged[]; of(level: string): string[] } {
  const entries: Logged[] = [];
  const push = (level: string) => (message: string, properties?: object) =>
    entries.push({ level, message, properties: properties as Record<string, unknown> });
  return {
    entries,
    of: (level) => entries.filter((e) => e.level === level).map((e) => e.message),
    info: push('info'),
    notice: push('notice'),
    warning: push('warning'),
    error: push('error'),
    debug: () => {},
    startGroup: push('group'),
    endGroup: () => {},
  };
}

const ecrMock = mockClient(ECRClient);
const ecsMock = mockClient(ECSClient);

let workspace: string;
let runnerTemp: string;
beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'berth-render-main-'));
  runnerTemp = mkdtempSync(join(tmpdir(), 'berth-render-temp-'));
});
afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
  rmSync(runnerTemp, { recursive: true, force: true });
});
afterEach(() => {
  ecrMock.reset();
  ecsMock.reset();
});

interface Harness {
  logger: ReturnType<typeof recorder>;
  outputs: Record<string, string>;
  summaries: string[];
  awsCalls: (string | undefined)[];
  run(): Promise<void>;
}

function harness(inputs: Record<string, string>, definition?: JsonObject, fileName = 'td.json'): Harness {
  if (definition) writeFileSync(join(workspace, fileName), JSON.stringify(definition));
  const logger = recorder();
  const outputs: Record<string, string> = {};
  const summaries: string[] = [];
  const awsCalls: (string | undefined)[] = [];
  const values: Record<string, string> = {
    audience: 'sts.amazonaws.com',
    'role-duration-seconds': '3600',
    'max-attempts': '8',
    'pin-digest': 'true',
    ...(definition ? { 'task-definition': fileName } : {}),
    ...inputs,
  };
  return {
    logger,
    outputs,
    summaries,
    awsCalls,
    run: () => {
      const env = { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: runnerTemp };
      const effects = defaultEffects(ACTION_NAME, env, { ecs, ecr });
      const factory = effects.aws;
      return main({
        ...effects,
        inputs: new InputReader((name) => values[name] ?? ''),
        logger,
        // The region main asks for is recorded; the ECS/ECR clients are mocked (aws-sdk-client-mock).
        aws: (awsInputs: AwsInputs) => {
          awsCalls.push(awsInputs.region);
          return factory({ ...awsInputs, region: awsInputs.region ?? 'eu-west-1' });
        },
        setOutput: (name, value) => {
          outputs[name] = value;
        },
        summary: async (build) => {
          let markdown = '';
          build({
            addRaw: (text: string) => {
              markdown += text;
            },
          } as unknown as JobSummary);
          summaries.push(markdown);
        },
        files: { workspace, temp: runnerTemp },
      });
    },
  };
}

const rendered = (h: Harness) => JSON.parse(readFileSync(h.outputs['task-definition'], 'utf8')) as JsonObject;
const web = (definition: JsonObject) => (definition.containerDefinitions as JsonObject[])[0];

describe('rendering a file', () => {
  it('needs no AWS at all for non-ECR images, pins nothing, and notes why', async () => {
    const h = harness(
      { image: 'public.ecr.aws/nginx/nginx:1.27', 'environment-variables': 'LOG_LEVEL=debug' },
      fargateTask(),
    );
    await h.run();
    expect(h.awsCalls).toEqual([]);
    expect(web(rendered(h))).toMatchObject({
      image: 'public.ecr.aws/nginx/nginx:1.27',
      environment: [
        { name: 'A', value: '1' },
        { name: 'EMPTY', value: '' },
        { name: 'LOG_LEVEL', value: 'debug' },
      ],
    });
    expect(h.outputs).toEqual({
      'task-definition': expect.stringMatching(
        new RegExp(`^${runnerTemp}/task-definition-shop-web-[0-9a-f]{8}\\.json$`),
      ),
      images: '{"web":"public.ecr.aws/nginx/nginx:1.27"}',
      family: 'shop-web',
    });
    expect(h.logger.of('notice')).toEqual([
      'Container `web`: public.ecr.aws/nginx/nginx:1.27 is not in a private ECR registry, so it is left as given (not pinned by digest). Give it as `…@sha256:…` for an immutable definition.',
    ]);
    expect(readFileSync(h.outputs['task-definition'], 'utf8')).toBe(
      `${JSON.stringify(rendered(h), null, 2)}\n`,
    );
  });

  it('pins ECR tags by digest with the region of the image host', async () => {
    ecrMock
      .on(DescribeImagesCommand, { repositoryName: 'shop' })
      .resolves({ imageDetails: [{ imageDigest: DIGEST }] })
      .on(DescribeImagesCommand, { repositoryName: 'aws-for-fluent-bit' })
      .resolves({ imageDetails: [{ imageDigest: SIDECAR_DIGEST }] });
    const definition = fargateTask();
    (definition.containerDefinitions as JsonObject[]).push({
      name: 'log_router',
      image: '906394416424.dkr.ecr.us-east-1.amazonaws.com/aws-for-fluent-bit:stable',
      essential: false,
    });
    const h = harness({ images: `web=${ECR}/shop:v2` }, definition);
    await h.run();
    expect(h.awsCalls).toEqual(['eu-west-1']);
    expect(JSON.parse(h.outputs.images)).toEqual({
      web: `${ECR}/shop@${DIGEST}`,
      log_router: `906394416424.dkr.ecr.us-east-1.amazonaws.com/aws-for-fluent-bit@${SIDECAR_DIGEST}`,
    });
    expect(ecrMock.commandCalls(DescribeImagesCommand).map((call) => call.args[0].input)).toEqual([
      { registryId: '123456789012', repositoryName: 'shop', imageIds: [{ imageTag: 'v2' }] },
      {
        registryId: '906394416424',
        repositoryName: 'aws-for-fluent-bit',
        imageIds: [{ imageTag: 'stable' }],
      },
    ]);
    // Short in the table (registry dropped, 12 hex of the digest), full in the block under it.
    expect(h.summaries[0]).toContain(
      `| web | <code>shop:v1</code> | <code>shop@${DIGEST.slice(0, 'sha256:'.length + 12)}</code> | set by input, pinned |`,
    );
    expect(h.summaries[0]).toContain(`<li>web after: <code>${ECR}/shop@${DIGEST}</code></li>`);
  });

  it('a tag that does not exist fails the step before anything is written', async () => {
    ecrMock
      .on(DescribeImagesCommand)
      .rejects(new ImageNotFoundException({ message: 'not found', $metadata: {} }));
    const before = readdirSync(runnerTemp).length;
    const h = harness({ image: `${ECR}/shop:nope` }, fargateTask());
    await expect(h.run()).rejects.toThrow(
      new ConfigurationError(
        `Image \`${ECR}/shop:nope\` not found: repository \`shop\` in registry 123456789012 (eu-west-1) has no tag \`nope\`. Push the image first, or check the tag.`,
      ),
    );
    expect(h.outputs).toEqual({});
    expect(readdirSync(runnerTemp)).toHaveLength(before);
  });

  it('a denied lookup fails for an image from the inputs, but only warns for a sidecar from the file', async () => {
    const denied = Object.assign(new Error('not authorized to perform: ecr:DescribeImages'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    ecrMock
      .on(DescribeImagesCommand, { registryId: '840364872350' })
      .rejects(denied)
      .on(DescribeImagesCommand, { registryId: '123456789012' })
      .resolves({ imageDetails: [{ imageDigest: DIGEST }] });
    const envoyImage = '840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.29.4.0-prod';
    const definition = fargateTask();
    (definition.containerDefinitions as JsonObject[]).push({ name: 'envoy', image: envoyImage });

    const h = harness({ 'container-name': 'web', image: `${ECR}/shop:v2` }, definition);
    await h.run();
    expect(JSON.parse(h.outputs.images)).toEqual({ web: `${ECR}/shop@${DIGEST}`, envoy: envoyImage });
    expect(h.logger.of('warning')).toEqual([
      `Container \`envoy\`: ${envoyImage} left as given. Could not resolve \`${envoyImage}\` to a digest: not authorized to perform: ecr:DescribeImages Allow \`ecr:DescribeImages\` on arn:aws:ecr:us-east-1:840364872350:repository/aws-appmesh-envoy for the role this step uses, or set \`pin-digest: false\` to keep the tag.`,
    ]);

    const fromInput = harness({ images: `web=${ECR}/shop:v2\nenvoy=${envoyImage}` }, definition);
    await expect(fromInput.run()).rejects.toThrow(
      /Allow `ecr:DescribeImages` on arn:aws:ecr:us-east-1:840364872350:repository\/aws-appmesh-envoy/,
    );
  });

  it('pin-digest false leaves ECR tags and calls no AWS', async () => {
    const h = harness({ image: `${ECR}/shop:v2`, 'pin-digest': 'false' }, fargateTask());
    await h.run();
    expect(h.awsCalls).toEqual([]);
    expect(h.outputs.images).toBe(`{"web":"${ECR}/shop:v2"}`);
    expect(h.logger.of('info')).toContain('pin-digest is false: images are registered as given.');
  });

  it('validates everything before any AWS call and annotates each problem with its container', async () => {
    const h = harness(
      { image: `${ECR}/shop:v2`, memory: '4096' },
      fargateTask({}, { healthCheck: { command: ['CMD', 'true'], retries: 0 } }),
      'bad.json',
    );
    const error = await h.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      "The task definition has 2 problems:\n  - `cpu` 256 with `memory` 4096 is not a Fargate task size; with 256 CPU units Fargate accepts `memory` `512`, `1024` or `2048` (MiB).\n  - Container `web`: `healthCheck.retries` is 0; ECS accepts 1 to 10.\nFix them in bad.json (input `task-definition`) or with this step's inputs.",
    );
    expect(h.logger.entries.filter((e) => e.level === 'error')).toEqual([
      {
        level: 'error',
        message:
          '`cpu` 256 with `memory` 4096 is not a Fargate task size; with 256 CPU units Fargate accepts `memory` `512`, `1024` or `2048` (MiB).',
        properties: { title: 'Task definition', file: 'bad.json' },
      },
      {
        level: 'error',
        message: 'Container `web`: `healthCheck.retries` is 0; ECS accepts 1 to 10.',
        properties: { title: 'Task definition: container web', file: 'bad.json' },
      },
    ]);
    expect(h.awsCalls).toEqual([]);
    expect(ecrMock.calls()).toHaveLength(0);
    expect(h.outputs).toEqual({});
    expect(h.summaries).toEqual([
      [
        '### Task definition bad.json is not valid: 2 problems to fix',
        '',
        'Fix them before this task definition can be registered:',
        '',
        '- `cpu` 256 with `memory` 4096 is not a Fargate task size; with 256 CPU units Fargate accepts `memory` `512`, `1024` or `2048` (MiB).',
        '- Container `web`: `healthCheck.retries` is 0; ECS accepts 1 to 10.',
        '',
      ].join('\n'),
    ]);
  });

  it('reports warnings as annotations and in the summary', async () => {
    const h = harness(
      { 'pin-digest': 'false', command: 'migrate && serve' },
      fargateTask({}, { environment: [{ name: 'RUNTIME_HOST', value: '${HOSTNAME}' }] }),
    );
    await h.run();
    expect(h.logger.entries.filter((e) => e.level === 'warning').map((e) => e.properties?.title)).toEqual([
      'Input command',
      'Task definition',
    ]);
    expect(h.summaries[0]).toMatch(/^### Task definition shop-web rendered with 2 warnings\n/);
    expect(h.summaries[0]).toContain('#### Warnings');
    // Issue 17: a placeholder left without `vars` is named, not silently registered (Markdown escapes `[`).
    expect(h.summaries[0]).toContain(
      'The task definition still holds a placeholder and `vars` was not given: `${HOSTNAME}` at containerDefinitions\\[0\\].environment\\[0\\].value.',
    );
  });

  it('writes a unique file per step, so two renders in one job do not collide', async () => {
    const first = harness({ 'pin-digest': 'false' }, fargateTask());
    const second = harness({ 'pin-digest': 'false' }, fargateTask());
    await first.run();
    await second.run();
    expect(first.outputs['task-definition']).not.toBe(second.outputs['task-definition']);
    expect(readFileSync(first.outputs['task-definition'], 'utf8')).toBe(
      readFileSync(second.outputs['task-definition'], 'utf8'),
    );
  });
});

describe('rendering a live family', () => {
  const described = {
    ...fargateTask({}, { image: `${ECR}/shop@${DIGEST}` }),
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:41',
    revision: 41,
    status: 'ACTIVE',
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [{ name: 'ecs.capability.task-eni' }],
    registeredAt: new Date('2024-05-01T10:00:00Z'),
    registeredBy: 'arn:aws:iam::123456789012:role/deployer',
  };

  it('fetches the definition with its tags, strips what ECS added, and renders it', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: described as never,
      tags: [
        { key: 'team', value: 'shop' },
        { key: 'aws:cloudformation:stack-name', value: 'shop' },
      ],
    });
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST }] });
    const h = harness({ 'task-definition-family': 'shop-web', image: `${ECR}/shop:v3` });
    await h.run();
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)[0].args[0].input).toEqual({
      taskDefinition: 'shop-web',
      include: ['TAGS'],
    });
    expect(h.awsCalls).toEqual([undefined]);
    const definition = rendered(h);
    expect(definition).not.toHaveProperty('revision');
    expect(definition).not.toHaveProperty('registeredAt');
    expect(definition.tags).toEqual([{ key: 'team', value: 'shop' }]);
    expect(web(definition).image).toBe(`${ECR}/shop@${DIGEST}`);
    expect(h.outputs.family).toBe('shop-web');
    expect(h.logger.of('info')).toContain('Fetched shop-web:41 (ACTIVE) from ECS in eu-west-1.');
    expect(h.logger.of('info')).toContain(
      'Removed read-only fields taskDefinitionArn, revision, status, requiresAttributes, compatibilities, registeredAt, registeredBy (ECS sets them; RegisterTaskDefinition rejects them).',
    );
    expect(h.summaries[0]).toContain('**Stripped:** read-only fields <code>taskDefinitionArn</code>');
    expect(h.summaries[0]).toContain('reserved tags <code>aws:cloudformation:stack-name</code>');
  });

  it('a family that does not exist says where it looked', async () => {
    ecsMock
      .on(DescribeTaskDefinitionCommand)
      .rejects(new ClientException({ message: 'Unable to describe task definition.', $metadata: {} }));
    const h = harness({ 'task-definition-family': 'shop-wbe:3' });
    await expect(h.run()).rejects.toThrow(
      new ConfigurationError(
        '`task-definition-family`: ECS has no task definition `shop-wbe:3` in eu-west-1 (Unable to describe task definition.). Check the family name and revision, and `aws-region`.',
      ),
    );
  });

  it('AccessDenied advises ecs:DescribeTaskDefinition', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: ecs:DescribeTaskDefinition'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const h = harness({ 'task-definition-family': 'shop-web' });
    await expect(h.run()).rejects.toThrow(
      new ConfigurationError(
        'Could not read task definition `shop-web`: User is not authorized to perform: ecs:DescribeTaskDefinition Allow `ecs:DescribeTaskDefinition` for the role this step uses.',
      ),
    );
  });

  it('warns when the revision is INACTIVE', async () => {
    ecsMock
      .on(DescribeTaskDefinitionCommand)
      .resolves({ taskDefinition: { ...described, status: 'INACTIVE' } as never });
    const h = harness({ 'task-definition-family': 'shop-web:41', 'pin-digest': 'false' });
    await h.run();
    expect(h.logger.of('warning')).toEqual([
      'shop-web:41 is INACTIVE (deregistered); the rendered copy registers as a new ACTIVE revision.',
    ]);
  });
});

describe('the AWS context', () => {
  const inputs: AwsInputs = { audience: 'sts.amazonaws.com', roleDurationSeconds: 3600, maxAttempts: 3 };
  const context = (awsInputs: AwsInputs, env: NodeJS.ProcessEnv, hint?: string) =>
    defaultEffects(ACTION_NAME, env, { ecs, ecr }).aws({
      ...awsInputs,
      region: regionFor(awsInputs, env, hint),
    });

  it('takes the region from the input, then AWS_REGION, then the image host', async () => {
    expect(context({ ...inputs, region: 'eu-central-1' }, {}, 'us-east-2').region).toBe('eu-central-1');
    expect(context(inputs, { AWS_REGION: 'ap-south-1' }, 'us-east-2').region).toBe('ap-south-1');
    expect(context(inputs, {}, 'us-east-2').region).toBe('us-east-2');
    expect(() => context(inputs, {}, undefined)).toThrow(ConfigurationError);
  });

  it('gives an ECR client in the registry region, FIPS for FIPS hosts', async () => {
    const aws = context(inputs, {}, 'eu-west-1');
    const ecrFor = (host: string) => {
      const registry = parseEcrRegistry(host)!;
      return aws.ecrIn(registry.region, registry.fips);
    };
    // The clients load their package on the first call: check the ones those calls reach.
    const real = (client: ECRClient) =>
      clientBehind(client, ECRClient, new DescribeRepositoriesCommand({}), ecrMock);
    const otherOnDemand = ecrFor('123456789012.dkr.ecr.us-east-1.amazonaws.com');
    const same = await real(ecrFor(ECR));
    const other = await real(otherOnDemand);
    const fips = await real(ecrFor('123456789012.dkr.ecr-fips.us-east-1.amazonaws.com'));
    expect(await same.config.region()).toBe('eu-west-1');
    expect(await other.config.region()).toBe('us-east-1');
    expect(await other.config.useFipsEndpoint()).toBe(false);
    expect(await fips.config.useFipsEndpoint()).toBe(true);
    expect(ecrFor('123456789012.dkr.ecr.us-east-1.amazonaws.com')).toBe(otherOnDemand);
    expect(await other.config.maxAttempts()).toBe(3);
  });
});
