// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders in plain strings are the data under test.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@berth/shared/taskdef/read';
import { type ActionResult, runAction } from '@berth/testkit/action-runner.js';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

/**
 * The bundled dist/index.js run as the GitHub runner runs it: inputs as
 * INPUT_* variables, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, RUNNER_TEMP,
 * and no AWS configuration (none of these renders may need AWS).
 */

const NO_AWS = {
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_PROFILE: undefined,
};

let workspace: string;

const taskDefinition = {
  family: 'shop-${APP_ENV}',
  requiresCompatibilities: ['FARGATE'],
  networkMode: 'awsvpc',
  cpu: '512',
  memory: '1024',
  taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-prod:9',
  revision: 9,
  status: 'ACTIVE',
  containerDefinitions: [
    {
      name: 'web',
      image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:old',
      essential: true,
      portMappings: [{ containerPort: 8080, hostPort: 8080 }],
      environment: [
        { name: 'APP_ENV', value: '${APP_ENV}' },
        { name: 'EMPTY', value: '' },
        { name: 'RUNTIME_ONLY', value: '$${HOSTNAME}' },
      ],
    },
    { name: 'envoy', image: 'envoyproxy/envoy:v1.29.0', essential: false },
  ],
};

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'berth-render-dist-'));
  mkdirSync(join(workspace, 'deploy'));
  writeFileSync(join(workspace, 'deploy', 'task-definition.json'), JSON.stringify(taskDefinition, null, 2));
  writeFileSync(join(workspace, 'deploy', 'broken.json'), '{\n  "family": "shop",\n  "cpu": "256",\n}\n');
  writeFileSync(join(workspace, 'deploy', 'huge.json'), `{"family": "${'x'.repeat(1024 * 1024 + 10)}"}`);
  writeFileSync(
    join(workspace, 'pwn.js'),
    `require('fs').writeFileSync(${JSON.stringify(join(workspace, 'PWNED'))}, 'x');`,
  );
  symlinkSync(join(workspace, 'pwn.js'), join(workspace, 'deploy', 'linked.json'));
  writeFileSync(
    join(workspace, 'deploy', 'task-definition.yaml'),
    'family: worker\ncontainerDefinitions:\n  - name: worker\n    image: ghcr.io/acme/worker:1.0\n    memory: 256\n',
  );
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

function run(
  inputs: Record<string, string>,
  env: Record<string, string | undefined> = {},
): Promise<ActionResult> {
  return runAction({ action: 'render-taskdef', inputs, workspace, env: { ...NO_AWS, ...env } });
}

function expectCleanFailure(result: ActionResult, message: string): void {
  expect(result.exitCode).toBe(1);
  expect(result.annotations.filter((a) => a.level === 'error').map((a) => a.message)).toContain(
    `render-taskdef: ${message}`,
  );
  expect(`${result.stdout}\n${result.stderr}`).not.toMatch(/^ {4}at /m);
  expect(result.outputs).toEqual({});
}

describe('render-taskdef dist', () => {
  it('renders a file with images, environment, secrets and vars; writes outputs and a summary', async () => {
    const result = await run({
      'task-definition': 'deploy/task-definition.json',
      images: 'web=ghcr.io/acme/shop:v2\nenvoy=envoyproxy/envoy:v1.30.1',
      'container-name': 'web',
      'environment-variables': 'LOG_LEVEL=debug\nAPP_ENV=overridden-later',
      secrets: 'DATABASE_URL=arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db-AbCdEf',
      vars: 'APP_ENV=prod',
      audience: 'sts.amazonaws.com',
      'role-duration-seconds': '3600',
      'max-attempts': '8',
      'pin-digest': 'true',
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs.family).toBe('shop-prod');
    expect(JSON.parse(result.outputs.images)).toEqual({
      web: 'ghcr.io/acme/shop:v2',
      envoy: 'envoyproxy/envoy:v1.30.1',
    });
    const path = result.outputs['task-definition'];
    expect(path.startsWith(`${result.runnerTemp}/task-definition-shop-prod-`)).toBe(true);
    const text = readFileSync(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    const rendered = JSON.parse(text) as JsonObject;
    expect(text).toBe(`${JSON.stringify(rendered, null, 2)}\n`);
    expect(rendered).toEqual({
      family: 'shop-prod',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '512',
      memory: '1024',
      containerDefinitions: [
        {
          name: 'web',
          image: 'ghcr.io/acme/shop:v2',
          essential: true,
          portMappings: [{ containerPort: 8080, hostPort: 8080 }],
          environment: [
            { name: 'APP_ENV', value: 'overridden-later' },
            { name: 'EMPTY', value: '' },
            { name: 'RUNTIME_ONLY', value: '${HOSTNAME}' },
            { name: 'LOG_LEVEL', value: 'debug' },
          ],
          secrets: [
            {
              name: 'DATABASE_URL',
              valueFrom: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db-AbCdEf',
            },
          ],
        },
        { name: 'envoy', image: 'envoyproxy/envoy:v1.30.1', essential: false },
      ],
    });
    expect(result.summary).toMatch(/^### Task definition shop-prod rendered\n/);
    // Short in the table (registry dropped), whole in the block under it.
    expect(result.summary).toContain(
      '| web | <code>shop:old</code> | <code>acme/shop:v2</code> | set by input, not ECR: as given |',
    );
    expect(result.summary).toContain(
      '<li>web before: <code>123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:old</code></li>',
    );
    expect(result.summary).toContain(
      '**Stripped:** read-only fields <code>taskDefinitionArn</code>, <code>revision</code>, <code>status</code>',
    );
    expect(result.summary).toContain('- Container `web`: environment updated `APP_ENV`; added `LOG_LEVEL`.');
    expect(result.annotations.filter((a) => a.level === 'notice')).toHaveLength(2);
    expect(result.stdout).toContain('::group::Render and validate');
  });

  it('renders its own output again to the same file content (and YAML without AWS)', async () => {
    const first = await run({
      'task-definition': 'deploy/task-definition.json',
      vars: 'APP_ENV=prod',
      'pin-digest': 'false',
    });
    expect(first.exitCode).toBe(0);
    writeFileSync(join(workspace, 'deploy', 'rendered.json'), readFileSync(first.outputs['task-definition']));
    const second = await run({ 'task-definition': 'deploy/rendered.json', 'pin-digest': 'false' });
    expect(second.exitCode).toBe(0);
    expect(readFileSync(second.outputs['task-definition'], 'utf8')).toBe(
      readFileSync(first.outputs['task-definition'], 'utf8'),
    );

    const yaml = await run({
      'task-definition': 'deploy/task-definition.yaml',
      image: 'ghcr.io/acme/worker:1.1',
    });
    expect(yaml.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(yaml.outputs['task-definition'], 'utf8'))).toEqual({
      family: 'worker',
      containerDefinitions: [{ name: 'worker', image: 'ghcr.io/acme/worker:1.1', memory: 256 }],
    });
  });

  it('renders the example the README demo uses', async () => {
    const result = await runAction({
      action: 'render-taskdef',
      workspace: REPO_ROOT,
      env: NO_AWS,
      inputs: {
        'task-definition': 'examples/task-definition.json',
        'container-name': 'web',
        image: 'public.ecr.aws/nginx/nginx:1.27',
        'pin-digest': 'false',
        vars: 'APP_ENV=dev',
        'environment-variables': 'LOG_LEVEL=debug',
      },
    });
    expect(result.exitCode).toBe(0);
    const rendered = readFileSync(result.outputs['task-definition'], 'utf8');
    expect(rendered).not.toContain('${');
    expect(JSON.parse(rendered).containerDefinitions[0].environment).toEqual([
      { name: 'APP_ENV', value: 'dev' },
      { name: 'PORT', value: '8080' },
      { name: 'FEATURE_FLAGS', value: '' },
      { name: 'LOG_LEVEL', value: 'debug' },
    ]);
  });

  describe('placeholders left without vars (issue 17)', () => {
    it('warns, naming them, where the container may resolve them at run time', async () => {
      writeFileSync(
        join(workspace, 'deploy', 'runtime-vars.json'),
        JSON.stringify({
          family: 'logs',
          memory: '512',
          containerDefinitions: [
            { name: 'app', image: 'nginx:1.27', environment: [{ name: 'HOST', value: '${HOSTNAME}' }] },
          ],
        }),
      );
      const result = await run({ 'task-definition': 'deploy/runtime-vars.json', 'pin-digest': 'false' });
      expect(result.exitCode).toBe(0);
      expect(result.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
        'The task definition still holds a placeholder and `vars` was not given: `${HOSTNAME}` at containerDefinitions[0].environment[0].value. They are registered as written; give it a value with `vars` (`HOSTNAME=…`) unless the container resolves it at run time.',
      ]);
    });

    it('fails before writing anything where ECS would refuse it (the example without vars)', async () => {
      // examples/task-definition.json tags the task `environment: ${APP_ENV}`: `$`, `{`, `}` are not allowed in
      // tag values (API_Tag.html), so without vars it cannot register; the step says so and writes nothing.
      const result = await runAction({
        action: 'render-taskdef',
        workspace: REPO_ROOT,
        env: NO_AWS,
        inputs: {
          'task-definition': 'examples/task-definition.json',
          'container-name': 'web',
          image: 'public.ecr.aws/nginx/nginx:1.27',
          'pin-digest': 'false',
        },
      });
      expect(result.exitCode).toBe(1);
      expect(result.outputs).toEqual({});
      const errors = result.annotations.filter((a) => a.level === 'error').map((a) => a.message);
      expect(errors).toContain(
        '`tags[1].value` "${APP_ENV}" holds characters ECS does not allow in tags (only letters, numbers, spaces and `_ . : / = + - @`); it still holds the placeholder `${APP_ENV}`: give it a value with `vars` (`APP_ENV=…`).',
      );
      expect(result.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
        expect.stringMatching(
          /^The task definition still holds 2 placeholders and `vars` was not given: `\$\{APP_ENV\}` at /,
        ),
      ]);
    });
  });

  describe('bad inputs exit 1 with the message and no stack trace', () => {
    it.each([
      [
        'both sources',
        { 'task-definition': 'deploy/task-definition.json', 'task-definition-family': 'shop' },
        'Inputs `task-definition` and `task-definition-family` cannot be used together: render either a file, a registered family or what a service runs. Keep one of them.',
      ],
      [
        'no source',
        {},
        'No task definition to render: set `task-definition` (a JSON or YAML file in the repository), `task-definition-family` (a registered family, `family:revision` or task definition ARN) or `service` (`cluster/service`, what it runs now).',
      ],
      [
        'a container that does not exist',
        {
          'task-definition': 'deploy/task-definition.json',
          'container-name': 'app',
          image: 'nginx:1',
          vars: 'APP_ENV=x',
        },
        '`container-name`: container `app` not found; deploy/task-definition.json defines `web`, `envoy`. Set `container-name` to one of them.',
      ],
      [
        'invalid JSON',
        { 'task-definition': 'deploy/broken.json' },
        '`task-definition`: deploy/broken.json is not valid JSON: line 4, column 1: trailing comma before `}`. If the file is YAML, give it a .yaml or .yml extension.',
      ],
      [
        'an unknown placeholder',
        { 'task-definition': 'deploy/task-definition.json', vars: 'APP_ENVIRONMENT=prod' },
        '`vars`: the task definition uses a placeholder that `vars` does not define: `${APP_ENV}` at family, `${APP_ENV}` at containerDefinitions[0].environment[0].value. Add `APP_ENV=…` to `vars`, or write `$${APP_ENV}` where the file means a literal `${APP_ENV}` (for example a variable the container resolves at run time).',
      ],
      [
        'a file over 1 MiB',
        { 'task-definition': 'deploy/huge.json' },
        'Input `task-definition`: "deploy/huge.json" is larger than 1.0 MiB, the limit for task definition files (ECS accepts at most 64 KiB). Check that the path names the right file.',
      ],
      ['a missing file', { 'task-definition': 'deploy/nope.json' }, 'PATH'],
      [
        'a family without a region',
        { 'task-definition-family': 'shop-web' },
        'No AWS region: set the `aws-region` input (e.g. `aws-region: eu-west-1`) or the AWS_REGION environment variable.',
      ],
    ])('%s', async (_what, inputs, message) => {
      const result = await run(inputs);
      const expected =
        message === 'PATH'
          ? `Input \`task-definition\`: "deploy/nope.json" does not exist (looked for ${join(workspace, 'deploy', 'nope.json')}). Paths are relative to the workspace; check the path and that the repository is checked out (actions/checkout) before this step.`
          : message;
      expectCleanFailure(result, expected);
    });

    it('a symlinked task-definition.json pointing at JavaScript is read as data, never run', async () => {
      const result = await run({ 'task-definition': 'deploy/linked.json' });
      expect(result.exitCode).toBe(1);
      expect(result.annotations.map((a) => a.message).join('\n')).toContain(
        'deploy/linked.json is not valid JSON: line 1, column 1',
      );
      expect(existsSync(join(workspace, 'PWNED'))).toBe(false);
    });

    it('validation problems are each an annotation, then one error lists them all', async () => {
      writeFileSync(
        join(workspace, 'deploy', 'invalid.json'),
        JSON.stringify({
          ...taskDefinition,
          family: 'shop',
          memory: '8192',
          containerDefinitions: [
            {
              ...taskDefinition.containerDefinitions[0],
              environment: [],
              healthCheck: { command: ['CMD', 'true'], interval: 1 },
            },
            {
              name: 'envoy',
              image: '<envoy-image>',
              dependsOn: [{ containerName: 'db', condition: 'START' }],
            },
          ],
        }),
      );
      const result = await run({ 'task-definition': 'deploy/invalid.json', 'pin-digest': 'false' });
      expect(result.exitCode).toBe(1);
      const errors = result.annotations.filter((a) => a.level === 'error').map((a) => a.message);
      expect(errors).toEqual([
        '`cpu` 512 with `memory` 8192 is not a Fargate task size; with 512 CPU units Fargate accepts `memory` `1024`, `2048`, `3072` or `4096` (MiB).',
        'Container `web`: `healthCheck.interval` is 1; ECS accepts 5 to 300 (seconds).',
        'Container `envoy`: `image` "<envoy-image>" is not a valid image reference: it contains `<envoy-image>`, which looks like a placeholder that was never filled. Set the image with the `images` input (`envoy=registry/repository:tag`) or fill the placeholder.',
        'Container `envoy`: `dependsOn[0].containerName` names "db", which is not a container of this task definition (`web` and `envoy`).',
        `render-taskdef: The task definition has 4 problems:\n  - ${[
          '`cpu` 512 with `memory` 8192 is not a Fargate task size; with 512 CPU units Fargate accepts `memory` `1024`, `2048`, `3072` or `4096` (MiB).',
          'Container `web`: `healthCheck.interval` is 1; ECS accepts 5 to 300 (seconds).',
          'Container `envoy`: `image` "<envoy-image>" is not a valid image reference: it contains `<envoy-image>`, which looks like a placeholder that was never filled. Set the image with the `images` input (`envoy=registry/repository:tag`) or fill the placeholder.',
          'Container `envoy`: `dependsOn[0].containerName` names "db", which is not a container of this task definition (`web` and `envoy`).',
        ].join(
          '\n  - ',
        )}\nFix them in deploy/invalid.json (input \`task-definition\`) or with this step's inputs.`,
      ]);
      expect(result.stdout).toContain(
        '::error title=Task definition%3A container envoy,file=deploy/invalid.json::',
      );
      expect(`${result.stdout}\n${result.stderr}`).not.toMatch(/^ {4}at /m);
    });
  });
});
