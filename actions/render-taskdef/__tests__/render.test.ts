// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders in plain strings are the data under test.
import { ConfigurationError } from '@berth/shared/errors';
import type { JsonObject, TaskDefinitionDocument } from '@berth/shared/taskdef/read';
import { fargateTask, twoContainerTask } from '@berth/testkit/taskdef-fixtures.js';
import { describe, expect, it } from '@jest/globals';
import {
  type RenderOptions,
  renderTaskDefinition,
  upsertNamed,
  validationErrorMessage,
} from '../src/render.js';

const doc = (
  definition: JsonObject,
  extra: Partial<TaskDefinitionDocument> = {},
): TaskDefinitionDocument => ({
  definition,
  wrapped: false,
  format: 'json',
  ...extra,
});
const render = (
  definition: JsonObject,
  options: RenderOptions = {},
  extra: Partial<TaskDefinitionDocument> = {},
) => renderTaskDefinition(doc(definition, extra), options, 'td.json');
const container = (definition: JsonObject, name: string) =>
  (definition.containerDefinitions as JsonObject[]).find((c) => c.name === name)!;
const thrown = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
};

describe('upsertNamed keeps order: existing names change in place, new ones are appended in input order', () => {
  it.each([
    [[{ name: 'A', value: '1' }], [['A', '2']], [{ name: 'A', value: '2' }], [], ['A']],
    [
      [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
      [
        ['C', '3'],
        ['A', 'x'],
        ['D', ''],
      ],
      [
        { name: 'A', value: 'x' },
        { name: 'B', value: '2' },
        { name: 'C', value: '3' },
        { name: 'D', value: '' },
      ],
      ['C', 'D'],
      ['A'],
    ],
    [[], [['Z', 'z']], [{ name: 'Z', value: 'z' }], ['Z'], []],
    [
      [
        { name: 'A', value: '1' },
        { name: 'A', value: '2' },
      ],
      [['A', '3']],
      [
        { name: 'A', value: '3' },
        { name: 'A', value: '3' },
      ],
      [],
      ['A'],
    ],
  ])('%j + %j', (list, entries, expected, added, updated) => {
    const result = upsertNamed(list, new Map(entries as [string, string][]), 'value');
    expect(result).toEqual({ list: expected, added, updated });
  });

  it('does not change the input list', () => {
    const list = [{ name: 'A', value: '1' }];
    upsertNamed(list, new Map([['A', '2']]), 'value');
    expect(list).toEqual([{ name: 'A', value: '1' }]);
  });
});

describe('images', () => {
  it('sets the image of the only container without container-name', () => {
    const result = render(fargateTask(), { image: 'nginx:1.27' });
    expect(container(result.definition, 'web').image).toBe('nginx:1.27');
    expect(result.images).toEqual([
      {
        container: 'web',
        before: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1',
        after: 'nginx:1.27',
        fromInput: true,
      },
    ]);
    expect(result.target).toBe('web');
    expect(result.changes[0]).toBe(
      'Container `web`: image `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1` → `nginx:1.27`.',
    );
  });

  it('sets several images with `images`, others stay', () => {
    const definition = twoContainerTask({
      containerDefinitions: [
        { name: 'app', image: 'app:1' },
        { name: 'envoy', image: 'envoy:1' },
        { name: 'xray', image: 'xray:1', essential: false },
      ],
    });
    const result = render(definition, {
      images: new Map([
        ['app', 'app:2'],
        ['envoy', 'envoy:2'],
      ]),
    });
    expect(result.images.map((i) => [i.container, i.after, i.fromInput])).toEqual([
      ['app', 'app:2', true],
      ['envoy', 'envoy:2', true],
      ['xray', 'xray:1', false],
    ]);
    expect(result.target).toBeUndefined();
  });

  it.each([
    [
      'container-name that does not exist',
      { containerName: 'web', image: 'x:1' },
      '`container-name`: container `web` not found; td.json defines `app`, `envoy`. Set `container-name` to one of them.',
    ],
    [
      '`image` without container-name and several containers',
      { image: 'x:1' },
      '`container-name` is required: td.json defines 2 containers (`app`, `envoy`) and `image` must know which one to change. Set `container-name` to one of them, or use `images` (`container=image`, one per line).',
    ],
    [
      'edits without container-name and several containers',
      { environment: new Map([['A', '1']]), command: ['run'] },
      '`container-name` is required: td.json defines 2 containers (`app`, `envoy`) and `environment-variables`, `command` must know which one to change. Set `container-name` to one of them.',
    ],
    [
      '`images` naming missing containers',
      {
        images: new Map([
          ['web', 'x:1'],
          ['app', 'y:1'],
          ['db', 'z:1'],
        ]),
      },
      '`images`: containers `web`, `db` not found; td.json defines `app`, `envoy`. Use those names on the left of `=`.',
    ],
    [
      '`image` together with `images`',
      { containerName: 'app', image: 'x:1', images: new Map([['envoy', 'y:1']]) },
      'Inputs `image` and `images` cannot be used together; put every image in `images` (`container=image`, one per line).',
    ],
  ])('%s is an error listing what exists', (_what, options, message) => {
    expect(thrown(() => render(twoContainerTask(), options as RenderOptions))).toBe(message);
  });
});

describe('edits on the target container', () => {
  it('upserts environment and secrets in order, merges labels, replaces the command', () => {
    const result = render(
      fargateTask({}, { secrets: [{ name: 'DB', valueFrom: '/old' }], dockerLabels: { team: 'shop' } }),
      {
        containerName: 'web',
        environment: new Map([
          ['B', '2'],
          ['A', 'changed'],
          ['NEW_EMPTY', ''],
        ]),
        secrets: new Map([
          ['DB', '/new'],
          ['API_KEY', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-AbCdEf'],
        ]),
        dockerLabels: new Map([
          ['version', '1.2.3'],
          ['team', 'payments'],
        ]),
        command: ['npm', 'start'],
      },
    );
    const web = container(result.definition, 'web');
    expect(web.environment).toEqual([
      { name: 'A', value: 'changed' },
      { name: 'EMPTY', value: '' },
      { name: 'B', value: '2' },
      { name: 'NEW_EMPTY', value: '' },
    ]);
    expect(web.secrets).toEqual([
      { name: 'DB', valueFrom: '/new' },
      { name: 'API_KEY', valueFrom: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-AbCdEf' },
    ]);
    expect(web.dockerLabels).toEqual({ team: 'payments', version: '1.2.3' });
    expect(web.command).toEqual(['npm', 'start']);
    expect(result.changes).toEqual([
      'Container `web`: environment updated `A`; added `B`, `NEW_EMPTY`.',
      'Container `web`: secrets updated `DB`; added `API_KEY`.',
      'Container `web`: docker labels updated `team`; added `version`.',
      'Container `web`: command set to ["npm","start"].',
    ]);
    expect(result.errors).toEqual([]);
  });

  it('creates environment and secrets lists when the container has none', () => {
    const result = render(twoContainerTask(), {
      containerName: 'envoy',
      environment: new Map([['X', '1']]),
      secrets: new Map([['Y', '/y']]),
    });
    expect(container(result.definition, 'envoy')).toMatchObject({
      environment: [{ name: 'X', value: '1' }],
      secrets: [{ name: 'Y', valueFrom: '/y' }],
    });
    expect(container(result.definition, 'app').environment).toBeUndefined();
  });

  it('sets task-level cpu, memory and roles', () => {
    const result = render(fargateTask(), {
      cpu: '1 vCPU',
      memory: '2048',
      taskRoleArn: 'arn:aws:iam::123456789012:role/task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec2',
    });
    expect(result.definition).toMatchObject({
      cpu: '1 vCPU',
      memory: '2048',
      taskRoleArn: 'arn:aws:iam::123456789012:role/task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/exec2',
    });
    expect(result.errors).toEqual([]);
  });

  it('validates what the inputs produced (cpu/memory pair)', () => {
    expect(render(fargateTask(), { memory: '4096' }).errors.map((e) => e.message)).toEqual([
      '`cpu` 256 with `memory` 4096 is not a Fargate task size; with 256 CPU units Fargate accepts `memory` `512`, `1024` or `2048` (MiB).',
    ]);
  });
});

describe('cleaning', () => {
  it('strips read-only fields and nulls, keeps unknown fields and empty strings', () => {
    const described = {
      ...fargateTask({}, { command: null, environment: [{ name: 'EMPTY', value: '' }] }),
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:3',
      revision: 3,
      status: 'ACTIVE',
      requiresAttributes: [{ name: 'ecs.capability.task-eni', targetId: null }],
      compatibilities: ['EC2', 'FARGATE'],
      registeredAt: '2024-01-01T00:00:00Z',
      registeredBy: 'arn:aws:iam::123456789012:root',
      taskRoleArn: null,
      enableFaultInjection: false,
    };
    const result = render(described);
    expect(result.removedReadOnly).toEqual([
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
      'registeredAt',
      'registeredBy',
    ]);
    expect(result.removedNulls).toEqual(['containerDefinitions[0].command', 'taskRoleArn']);
    expect(result.definition).not.toHaveProperty('taskRoleArn');
    expect(result.definition.enableFaultInjection).toBe(false);
    expect(container(result.definition, 'web').environment).toEqual([{ name: 'EMPTY', value: '' }]);
    expect(result.errors).toEqual([]);
  });

  it('merges describe-task-definition tags, converts a tags map, drops reserved aws: tags', () => {
    const result = render(
      fargateTask({ tags: { team: 'shop', 'aws:cloudformation:stack-name': 'x', cost: 12 } }),
      {},
      {
        wrapped: true,
        wrapperTags: [
          { key: 'team', value: 'payments' },
          { key: 'env', value: 'prod' },
        ],
      },
    );
    expect(result.definition.tags).toEqual([
      { key: 'team', value: 'payments' },
      { key: 'cost', value: '12' },
      { key: 'env', value: 'prod' },
    ]);
    expect(result.removedTags).toEqual(['aws:cloudformation:stack-name']);
    expect(result.notes).toEqual([
      'Unwrapped `aws ecs describe-task-definition` output (`{"taskDefinition": …}`).',
      'Converted the `tags` map to the `[{"key": …, "value": …}]` list RegisterTaskDefinition expects.',
    ]);
  });

  it('keeps an empty wrapper tag list out of a definition without tags', () => {
    expect(render(fargateTask(), {}, { wrapped: true, wrapperTags: [] }).definition).not.toHaveProperty(
      'tags',
    );
  });

  it('writes numbers given as strings as numbers, with a warning, and task cpu/memory as strings', () => {
    const result = render(
      fargateTask(
        { cpu: 256, memory: 512 },
        {
          portMappings: [{ containerPort: '8080', hostPort: '8080' }],
          essential: 'true',
          environment: [{ name: 'PORT', value: 8080 }],
        },
      ),
    );
    expect(result.definition).toMatchObject({ cpu: '256', memory: '512' });
    expect(container(result.definition, 'web')).toMatchObject({
      portMappings: [{ containerPort: 8080, hostPort: 8080 }],
      essential: true,
      environment: [{ name: 'PORT', value: '8080' }],
    });
    expect(result.warnings.map((w) => w.message)).toEqual([
      'Container `web`: `portMappings[0].containerPort` is the string "8080"; rendered as the number 8080. Remove the quotes in the file.',
      'Container `web`: `portMappings[0].hostPort` is the string "8080"; rendered as the number 8080. Remove the quotes in the file.',
      'Container `web`: `essential` is the string "true"; rendered as true. Remove the quotes in the file.',
      'Container `web`: `environment[0].value` (`PORT`) is the number 8080; rendered as the string "8080". Quote it in the file.',
    ]);
    expect(result.notes).toEqual([
      'Wrote task-level `cpu` as the string "256" (RegisterTaskDefinition takes a string).',
      'Wrote task-level `memory` as the string "512" (RegisterTaskDefinition takes a string).',
    ]);
    expect(result.errors).toEqual([]);
  });

  it('does not change the source document', () => {
    const source = fargateTask({ revision: 3 });
    const copy = structuredClone(source);
    render(source, { image: 'nginx:1', environment: new Map([['A', 'x']]) });
    expect(source).toEqual(copy);
  });
});

describe('templating', () => {
  const templated = () =>
    fargateTask(
      { family: 'shop-${APP_ENV}', tags: [{ key: 'env', value: '${APP_ENV}' }] },
      {
        image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:${TAG}',
        environment: [
          { name: 'APP_ENV', value: '${APP_ENV}' },
          { name: 'FLUENT_REGION', value: '$${AWS_REGION}' },
          { name: 'SHELL_STYLE', value: '$HOME and <angle>' },
        ],
      },
    );

  it('fills placeholders from vars; $${X} becomes ${X}; other syntaxes stay', () => {
    const result = render(templated(), {
      vars: new Map([
        ['APP_ENV', 'prod'],
        ['TAG', 'v7'],
      ]),
    });
    expect(result.definition.family).toBe('shop-prod');
    expect(result.definition.tags).toEqual([{ key: 'env', value: 'prod' }]);
    expect(container(result.definition, 'web')).toMatchObject({
      image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v7',
      environment: [
        { name: 'APP_ENV', value: 'prod' },
        { name: 'FLUENT_REGION', value: '${AWS_REGION}' },
        { name: 'SHELL_STYLE', value: '$HOME and <angle>' },
      ],
    });
    expect(result.notes).toEqual(['Filled 4 placeholders from `vars`.']);
    expect(result.errors).toEqual([]);
  });

  it('lists all unknown placeholders at once', () => {
    expect(thrown(() => render(templated(), { vars: new Map([['APP_ENV', 'prod']]) }))).toBe(
      '`vars`: the task definition uses a placeholder that `vars` does not define: `${TAG}` at containerDefinitions[0].image. Add `TAG=…` to `vars`, or write `$${TAG}` where the file means a literal `${TAG}` (for example a variable the container resolves at run time).',
    );
  });

  it('fills placeholders in describe-output tags beside the definition, and names them as tags', () => {
    expect(
      thrown(() =>
        render(
          fargateTask(),
          { vars: new Map([['X', '1']]) },
          { wrapped: true, wrapperTags: [{ key: 'v', value: '${VERSION}' }] },
        ),
      ),
    ).toContain('`${VERSION}` at tags[0].value');
  });

  it('without vars, the file is not templated at all', () => {
    const result = render(templated(), { image: 'nginx:1' });
    expect(result.definition.family).toBe('shop-${APP_ENV}');
    expect(container(result.definition, 'web').environment).toEqual(
      (container(templated(), 'web').environment as unknown[]).map((e) => e),
    );
  });

  it('warns about vars no placeholder uses', () => {
    const result = render(fargateTask(), { vars: new Map([['UNUSED', '1']]) });
    expect(result.warnings.map((w) => w.message)).toEqual([
      '`vars`: `UNUSED` is not used by any `${UNUSED}` placeholder in the task definition.',
    ]);
  });

  it('does not template input values', () => {
    const result = render(templated(), {
      vars: new Map([
        ['APP_ENV', 'prod'],
        ['TAG', 'v7'],
      ]),
      environment: new Map([['LITERAL', '${APP_ENV}']]),
    });
    expect((container(result.definition, 'web').environment as JsonObject[]).at(-1)).toEqual({
      name: 'LITERAL',
      value: '${APP_ENV}',
    });
  });
});

describe('idempotence', () => {
  it('rendering the rendered output again with the same inputs changes nothing', () => {
    const options: RenderOptions = {
      containerName: 'web',
      image: 'nginx:1.27',
      environment: new Map([['LOG_LEVEL', 'debug']]),
      secrets: new Map([['DB', '/db']]),
      dockerLabels: new Map([['v', '1']]),
      command: ['nginx', '-g', 'daemon off;'],
      vars: new Map([['APP_ENV', 'prod']]),
    };
    const source = fargateTask({ revision: 2, status: 'ACTIVE', tags: { env: '${APP_ENV}' } });
    const first = render(source, options);
    expect(first.errors).toEqual([]);
    const second = render(JSON.parse(JSON.stringify(first.definition)), { ...options, vars: undefined });
    expect(second.definition).toEqual(first.definition);
    expect(second.errors).toEqual([]);
    expect(second.removedReadOnly).toEqual([]);
  });
});

describe('validationErrorMessage', () => {
  it('one problem', () => {
    expect(validationErrorMessage([{ message: '`family` is empty.' }], 'td.json')).toBe(
      "The task definition is not valid: `family` is empty. Fix it in td.json (input `task-definition`) or with this step's inputs.",
    );
  });
  it('several problems, one per line', () => {
    expect(
      validationErrorMessage([{ message: 'one.' }, { container: 'web', message: 'two.' }], 'td.json'),
    ).toBe(
      "The task definition has 2 problems:\n  - one.\n  - two.\nFix them in td.json (input `task-definition`) or with this step's inputs.",
    );
  });
});
