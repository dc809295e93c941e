// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders in plain strings are the data under test.

import { fargateTask, twoContainerTask } from '@berth/testkit/taskdef-fixtures.js';
import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from '../src/taskdef/read.js';
import {
  checkFargateSize,
  FARGATE_TASK_SIZES,
  HEALTH_CHECK_BOUNDS,
  validateTaskDefinition,
} from '../src/taskdef/validate.js';

const messages = (definition: JsonObject) => validateTaskDefinition(definition).errors.map((p) => p.message);
const warningMessages = (definition: JsonObject) =>
  validateTaskDefinition(definition).warnings.map((p) => p.message);

describe('the valid fixtures are valid', () => {
  it.each([
    ['fargate', fargateTask()],
    ['two containers', twoContainerTask()],
  ])('%s', (_name, definition) => {
    expect(validateTaskDefinition(definition)).toEqual({ errors: [], warnings: [] });
  });
});

// Written from AWS's table of Fargate task sizes, not from FARGATE_TASK_SIZES:
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html
// (and RegisterTaskDefinition's `memory`: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html).
// "256 (.25 vCPU): 512 MiB, 1 GB, 2 GB; 512: 1–4 GB; 1024: 2–8 GB; 2048: 4–16 GB in 1 GB increments;
// 4096: 8–30 GB in 1 GB increments; 8192: 16–60 GB in 4 GB increments; 16384: 32–120 GB in 8 GB increments."
const GB = 1024;
describe('Fargate task sizes (AWS table incl. 8 and 16 vCPU)', () => {
  it('is the current AWS table', () => {
    const step = (from: number, to: number, by: number) =>
      Array.from({ length: (to - from) / by + 1 }, (_, i) => from + i * by);
    expect(Object.fromEntries(FARGATE_TASK_SIZES)).toEqual({
      256: [512, 1024, 2048],
      512: [1024, 2048, 3072, 4096],
      1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
      2048: step(4096, 16384, 1024),
      4096: step(8192, 30720, 1024),
      8192: step(16384, 61440, 4096),
      16384: step(32768, 122880, 8192),
    });
  });

  // Each row of the documented table: its ends, a value inside, and values just outside or between increments.
  it.each([
    [256, 0.5 * GB],
    [256, 1 * GB],
    [256, 2 * GB],
    [512, 1 * GB],
    [512, 3 * GB],
    [512, 4 * GB],
    [1024, 2 * GB],
    [1024, 5 * GB],
    [1024, 8 * GB],
    [2048, 4 * GB],
    [2048, 9 * GB],
    [2048, 16 * GB],
    [4096, 8 * GB],
    [4096, 17 * GB],
    [4096, 30 * GB],
    [8192, 16 * GB],
    [8192, 20 * GB],
    [8192, 60 * GB],
    [16384, 32 * GB],
    [16384, 40 * GB],
    [16384, 120 * GB],
  ])('cpu %i with memory %i (documented) is accepted', (cpu, memory) => {
    expect(checkFargateSize(String(cpu), String(memory))).toBeUndefined();
  });

  it.each([
    [256, 0.25 * GB],
    [256, 3 * GB],
    [512, 0.5 * GB],
    [512, 5 * GB],
    [1024, 1 * GB],
    [1024, 9 * GB],
    [1024, 2.5 * GB],
    [2048, 3 * GB],
    [2048, 17 * GB],
    [4096, 7 * GB],
    [4096, 31 * GB],
    [8192, 12 * GB],
    [8192, 18 * GB],
    [8192, 64 * GB],
    [16384, 24 * GB],
    [16384, 36 * GB],
    [16384, 128 * GB],
    [128, 1 * GB],
    [3072, 8 * GB],
    [32768, 64 * GB],
  ])('cpu %i with memory %i (not in the documented table) is refused', (cpu, memory) => {
    expect(checkFargateSize(String(cpu), String(memory))).toEqual(expect.stringContaining(`\`cpu\` ${cpu}`));
  });

  it.each([
    ['1 vCPU', '2 GB'],
    ['0.25 vCPU', '0.5GB'],
    ['16 vcpu', '120 GB'],
    [8192, 61440],
  ])('accepts %j with %j', (cpu, memory) => {
    expect(checkFargateSize(cpu, memory)).toBeUndefined();
  });

  it.each([
    [
      '256',
      '4096',
      '`cpu` 256 with `memory` 4096 is not a Fargate task size; with 256 CPU units Fargate accepts `memory` `512`, `1024` or `2048` (MiB).',
    ],
    [
      '512',
      '512',
      '`cpu` 512 with `memory` 512 is not a Fargate task size; with 512 CPU units Fargate accepts `memory` `1024`, `2048`, `3072` or `4096` (MiB).',
    ],
    [
      '1024',
      '1024',
      '`cpu` 1024 with `memory` 1024 is not a Fargate task size; with 1024 CPU units Fargate accepts `memory` 2048 to 8192 in steps of 1024 (MiB).',
    ],
    [
      '4096',
      '32768',
      '`cpu` 4096 with `memory` 32768 is not a Fargate task size; with 4096 CPU units Fargate accepts `memory` 8192 to 30720 in steps of 1024 (MiB).',
    ],
    [
      '8192',
      '17408',
      '`cpu` 8192 with `memory` 17408 is not a Fargate task size; with 8192 CPU units Fargate accepts `memory` 16384 to 61440 in steps of 4096 (MiB).',
    ],
    [
      '16384',
      '36864',
      '`cpu` 16384 with `memory` 36864 is not a Fargate task size; with 16384 CPU units Fargate accepts `memory` 32768 to 122880 in steps of 8192 (MiB).',
    ],
    [
      '16384',
      '131072',
      '`cpu` 16384 with `memory` 131072 is not a Fargate task size; with 16384 CPU units Fargate accepts `memory` 32768 to 122880 in steps of 8192 (MiB).',
    ],
    [
      '300',
      '1024',
      '`cpu` 300 is not a Fargate task size; Fargate accepts `256`, `512`, `1024`, `2048`, `4096`, `8192` or `16384` CPU units (0.25 to 16 vCPU).',
    ],
    [
      '32768',
      '65536',
      '`cpu` 32768 is not a Fargate task size; Fargate accepts `256`, `512`, `1024`, `2048`, `4096`, `8192` or `16384` CPU units (0.25 to 16 vCPU).',
    ],
    ['lots', '512', '`cpu` "lots" is not a CPU size; write CPU units such as "1024" or "1 vCPU".'],
    ['256', '1 TB', '`memory` "1 TB" is not a memory size; write MiB such as "2048" or "2 GB".'],
    [
      undefined,
      '512',
      'Fargate needs task-level `cpu`; add for example `"cpu": "256", "memory": "512"` (or set the `cpu` and `memory` inputs).',
    ],
    [
      undefined,
      undefined,
      'Fargate needs task-level `cpu` and `memory`; add for example `"cpu": "256", "memory": "512"` (or set the `cpu` and `memory` inputs).',
    ],
  ])('cpu %j with memory %j: %s', (cpu, memory, message) => {
    expect(checkFargateSize(cpu, memory)).toBe(message);
  });

  it('applies only when requiresCompatibilities includes FARGATE', () => {
    expect(messages(fargateTask({ cpu: '256', memory: '4096' }))).toHaveLength(1);
    expect(messages(fargateTask({ requiresCompatibilities: ['EC2'], cpu: '256', memory: '4096' }))).toEqual(
      [],
    );
    expect(messages(fargateTask({ requiresCompatibilities: undefined, cpu: '256', memory: '4096' }))).toEqual(
      [],
    );
  });

  it.each([
    [
      { networkMode: 'bridge' },
      '`networkMode` is "bridge", but Fargate runs only `awsvpc`; set `"networkMode": "awsvpc"`.',
    ],
    [
      { networkMode: undefined },
      'Fargate needs `"networkMode": "awsvpc"` (without it ECS uses `bridge`, which Fargate rejects).',
    ],
    [
      { cpu: '512', memory: '1024', runtimePlatform: { operatingSystemFamily: 'WINDOWS_SERVER_2022_CORE' } },
      '`cpu` 512 is too small for Windows on Fargate, which needs at least 1024 (1 vCPU).',
    ],
    [
      { ephemeralStorage: { sizeInGiB: 20 } },
      '`ephemeralStorage.sizeInGiB` is 20; Fargate accepts 21 to 200 (GiB).',
    ],
    [
      { ephemeralStorage: { sizeInGiB: 201 } },
      '`ephemeralStorage.sizeInGiB` is 201; Fargate accepts 21 to 200 (GiB).',
    ],
  ])('%j', (overrides, message) => {
    expect(messages(fargateTask(overrides as JsonObject))).toEqual([message]);
  });
});

describe('health check bounds', () => {
  it('are the ECS API bounds', () => {
    expect(HEALTH_CHECK_BOUNDS).toEqual({
      interval: [5, 300],
      timeout: [2, 60],
      retries: [1, 10],
      startPeriod: [0, 300],
    });
  });

  const command = ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'];
  it.each([
    ['interval', 5, undefined],
    ['interval', 300, undefined],
    ['interval', 4, 'Container `web`: `healthCheck.interval` is 4; ECS accepts 5 to 300 (seconds).'],
    ['interval', 301, 'Container `web`: `healthCheck.interval` is 301; ECS accepts 5 to 300 (seconds).'],
    ['timeout', 2, undefined],
    ['timeout', 60, undefined],
    ['timeout', 1, 'Container `web`: `healthCheck.timeout` is 1; ECS accepts 2 to 60 (seconds).'],
    ['timeout', 61, 'Container `web`: `healthCheck.timeout` is 61; ECS accepts 2 to 60 (seconds).'],
    ['retries', 1, undefined],
    ['retries', 10, undefined],
    ['retries', 0, 'Container `web`: `healthCheck.retries` is 0; ECS accepts 1 to 10.'],
    ['retries', 11, 'Container `web`: `healthCheck.retries` is 11; ECS accepts 1 to 10.'],
    ['startPeriod', 0, undefined],
    ['startPeriod', 300, undefined],
    ['startPeriod', -1, 'Container `web`: `healthCheck.startPeriod` is -1; ECS accepts 0 to 300 (seconds).'],
    [
      'startPeriod',
      301,
      'Container `web`: `healthCheck.startPeriod` is 301; ECS accepts 0 to 300 (seconds).',
    ],
    ['interval', 'often', 'Container `web`: `healthCheck.interval` must be a whole number, got "often".'],
    ['retries', 2.5, 'Container `web`: `healthCheck.retries` must be a whole number, got 2.5.'],
  ])('%s %j', (field, value, message) => {
    expect(messages(fargateTask({}, { healthCheck: { command, [field]: value } }))).toEqual(
      message ? [message] : [],
    );
  });

  it.each([
    [
      ['/healthcheck'],
      'Container `web`: `healthCheck.command` must start with `CMD` or `CMD-SHELL`, got "/healthcheck"; e.g. ["CMD","/healthcheck"].',
    ],
    [
      [],
      'Container `web`: `healthCheck.command` must be a non-empty list of strings, e.g. ["CMD-SHELL", "curl -f http://localhost/ || exit 1"].',
    ],
    [
      'curl localhost',
      'Container `web`: `healthCheck.command` must be a non-empty list of strings, e.g. ["CMD-SHELL", "curl -f http://localhost/ || exit 1"].',
    ],
  ])('command %j', (value, message) => {
    expect(messages(fargateTask({}, { healthCheck: { command: value } }))).toEqual([message]);
  });

  it('warns when CMD-SHELL gets more than one string (the shell runs only the first)', () => {
    expect(
      warningMessages(
        fargateTask(
          {},
          { healthCheck: { command: ['CMD-SHELL', 'curl -f http://localhost/', '|| exit 1'] } },
        ),
      ),
    ).toEqual([
      'Container `web`: `healthCheck.command` has 2 strings after `CMD-SHELL`; the shell runs only the first ("curl -f http://localhost/"). Join them into one string.',
    ]);
  });
});

describe('port mappings', () => {
  it.each([
    ['awsvpc', 8080, 8080, []],
    ['awsvpc', undefined, 8080, []],
    [
      'awsvpc',
      80,
      8080,
      [
        'Container `web`: `portMappings[0].hostPort` is 80 but `containerPort` is 8080; with `networkMode: awsvpc` the host port must equal the container port (or be left out).',
      ],
    ],
    [
      'host',
      80,
      8080,
      [
        'Container `web`: `portMappings[0].hostPort` is 80 but `containerPort` is 8080; with `networkMode: host` the host port must equal the container port (or be left out).',
      ],
    ],
    ['bridge', 80, 8080, []],
    ['bridge', 0, 8080, []],
  ])('%s hostPort %j containerPort %j', (networkMode, hostPort, containerPort, expected) => {
    const definition = fargateTask(
      { requiresCompatibilities: ['EC2'], networkMode },
      { portMappings: [{ containerPort, ...(hostPort === undefined ? {} : { hostPort }) }] },
    );
    expect(messages(definition)).toEqual(expected);
  });

  it('ports must be numbers', () => {
    expect(messages(fargateTask({}, { portMappings: [{ containerPort: 'http' }] }))).toEqual([
      'Container `web`: `portMappings[0].containerPort` must be a whole number, got "http".',
    ]);
  });
});

describe('dependsOn', () => {
  const withDependency = (dependsOn: unknown[], envoy: JsonObject = {}) =>
    twoContainerTask({
      containerDefinitions: [
        { name: 'app', image: 'app:1', dependsOn },
        { name: 'envoy', image: 'envoy:1', healthCheck: { command: ['CMD', 'true'] }, ...envoy },
      ],
    });

  it.each([['START'], ['COMPLETE'], ['SUCCESS'], ['HEALTHY']])('accepts %s', (condition) => {
    expect(messages(withDependency([{ containerName: 'envoy', condition }], { essential: false }))).toEqual(
      [],
    );
  });

  it.each([
    [
      { containerName: 'db', condition: 'START' },
      'Container `app`: `dependsOn[0].containerName` names "db", which is not a container of this task definition (`app` and `envoy`).',
    ],
    [
      { containerName: 'envoy', condition: 'READY' },
      'Container `app`: `dependsOn[0].condition` is "READY"; use `START`, `COMPLETE`, `SUCCESS` or `HEALTHY`.',
    ],
    [
      { containerName: 'envoy', condition: 'healthy' },
      'Container `app`: `dependsOn[0].condition` is "healthy"; use `START`, `COMPLETE`, `SUCCESS` or `HEALTHY`.',
    ],
    [
      { containerName: 'envoy' },
      'Container `app`: `dependsOn[0].condition` is undefined; use `START`, `COMPLETE`, `SUCCESS` or `HEALTHY`.',
    ],
    [
      { containerName: 'app', condition: 'START' },
      'Container `app`: `dependsOn[0]` makes the container depend on itself.',
    ],
  ])('%j', (dependency, message) => {
    expect(messages(withDependency([dependency]))).toEqual([message]);
  });

  it('warns when HEALTHY waits for a container without a health check', () => {
    expect(
      warningMessages(
        withDependency([{ containerName: 'envoy', condition: 'HEALTHY' }], { healthCheck: undefined }),
      ),
    ).toEqual([
      'Container `app`: `dependsOn[0]` waits for `envoy` to be HEALTHY, but `envoy` has no `healthCheck`, so the task will not start.',
    ]);
  });
});

describe('containers', () => {
  it.each([
    [
      { containerDefinitions: [] },
      '`containerDefinitions` is empty; a task definition needs at least one container.',
    ],
    [
      { containerDefinitions: undefined },
      '`containerDefinitions` is missing; a task definition needs at least one container.',
    ],
    [
      { containerDefinitions: { name: 'web' } },
      '`containerDefinitions` must be a list of containers, got an object.',
    ],
  ])('%j', (overrides, message) => {
    expect(messages(fargateTask(overrides as JsonObject))).toEqual([message]);
  });

  it('reports duplicate names', () => {
    expect(
      messages(
        twoContainerTask({
          containerDefinitions: [
            { name: 'app', image: 'a:1' },
            { name: 'app', image: 'b:1' },
          ],
        }),
      ),
    ).toEqual([
      'Container name `app` is used 2 times (containerDefinitions[0], containerDefinitions[1]); container names must be unique.',
    ]);
  });

  it('requires an essential container (essential defaults to true)', () => {
    const none = twoContainerTask({
      containerDefinitions: [
        { name: 'app', image: 'app:1', essential: false },
        { name: 'envoy', image: 'envoy:1', essential: false },
      ],
    });
    expect(messages(none)).toEqual([
      'No container is essential; mark at least one with `"essential": true` (ECS requires one).',
    ]);
    expect(messages(twoContainerTask({ containerDefinitions: [{ name: 'app', image: 'app:1' }] }))).toEqual(
      [],
    );
  });

  it.each([
    [{ name: undefined }, '`containerDefinitions[0]` has no `name`; every container needs a unique name.'],
    [
      { name: 'web app' },
      'Container `#0`: the name "web app" may only contain letters, digits, `-` and `_` (at most 255).',
    ],
    [
      { image: '' },
      'Container `web`: `image` is empty; give it one with the `images` input (`web=registry/repository:tag`) or `image` with `container-name: web`.',
    ],
    [
      { image: undefined },
      'Container `web`: `image` is missing; give it one with the `images` input (`web=registry/repository:tag`) or `image` with `container-name: web`.',
    ],
    [
      { image: '<repository_uri>' },
      'Container `web`: `image` "<repository_uri>" is not a valid image reference: it contains `<repository_uri>`, which looks like a placeholder that was never filled. Set the image with the `images` input (`web=registry/repository:tag`) or fill the placeholder.',
    ],
    [
      { image: 'Shop:1' },
      'Container `web`: `image` "Shop:1" is not a valid image reference: the repository `Shop` must be lowercase. Set the image with the `images` input (`web=registry/repository:tag`).',
    ],
    [{ essential: 'yes' }, 'Container `web`: `essential` must be true or false, got "yes".'],
    [{ memory: '512m' }, 'Container `web`: `memory` must be a whole number, got "512m".'],
  ])('%j', (web, message) => {
    const definition = fargateTask({}, web as JsonObject);
    const container = (definition.containerDefinitions as JsonObject[])[0];
    for (const [key, value] of Object.entries(web)) if (value === undefined) delete container[key];
    expect(messages(definition)).toContain(message);
  });

  it('without task memory, every container needs memory or memoryReservation', () => {
    const definition = twoContainerTask({ memory: undefined });
    (definition.containerDefinitions as JsonObject[])[0].memoryReservation = 128;
    expect(messages(definition)).toEqual([
      'Container `envoy`: set `memory` or `memoryReservation` (MiB): without a task-level `memory`, ECS requires one of them on every container.',
    ]);
  });
});

describe('environment, secrets and environment files', () => {
  it.each([
    [
      { environment: [{ name: 'A', value: 1 }] },
      'Container `web`: `environment[0].value` must be a string, got 1.',
    ],
    [{ environment: [{ value: 'x' }] }, 'Container `web`: `environment[0].name` must be a non-empty string.'],
    [{ environment: ['A=1'] }, 'Container `web`: `environment[0]` must be an object, got "A=1".'],
    [{ environment: { A: '1' } }, 'Container `web`: `environment` must be a list, got an object.'],
    [
      { environment: [{ name: 'CONF', valueFrom: { s3Arn: 'arn:aws:s3:::b/k' } }] },
      'Container `web`: `environment[0]` (`CONF`) has `valueFrom`, which environment variables do not support; move it to `secrets` (Secrets Manager or SSM), or load an S3 file with `environmentFiles`.',
    ],
    [
      { secrets: [{ name: 'DB', valueFrom: '' }] },
      'Container `web`: `secrets[0].valueFrom` must be the ARN or name of a Secrets Manager secret or SSM parameter.',
    ],
    [
      { environment: [{ name: 'DB', value: 'x' }], secrets: [{ name: 'DB', valueFrom: '/db' }] },
      'Container `web`: `DB` is both an environment variable and a secret; keep one of them.',
    ],
    [
      { environmentFiles: [{ value: 's3://bucket/dev.env', type: 's3' }] },
      'Container `web`: `environmentFiles[0].value` must be the ARN of an S3 object, got "s3://bucket/dev.env"; write it as `arn:aws:s3:::bucket/dev.env`.',
    ],
    [
      { environmentFiles: [{ value: 'arn:aws:s3:::bucket/dev.env', type: 'S3' }] },
      'Container `web`: `environmentFiles[0].type` must be "s3", got "S3".',
    ],
  ])('%j', (web, message) => {
    expect(messages(fargateTask({}, web as JsonObject))).toEqual([message]);
  });

  it('keeps empty-string values valid and warns about a variable set twice', () => {
    const definition = fargateTask(
      {},
      {
        environment: [
          { name: 'A', value: '' },
          { name: 'A', value: 'x' },
        ],
      },
    );
    expect(messages(definition)).toEqual([]);
    expect(warningMessages(definition)).toEqual([
      'Container `web`: environment variable `A` is set 2 times; keep one.',
    ]);
  });
});

describe('volumes and other references', () => {
  it.each([
    [
      { mountPoints: [{ sourceVolume: 'data', containerPath: '/data' }] },
      {},
      'Container `web`: `mountPoints[0].sourceVolume` names "data", which is not in `volumes` (there are none).',
    ],
    [
      { mountPoints: [{ sourceVolume: 'dat', containerPath: '/data' }] },
      { volumes: [{ name: 'data' }, { name: 'logs' }] },
      'Container `web`: `mountPoints[0].sourceVolume` names "dat", which is not in `volumes` (`data` and `logs`).',
    ],
    [
      { volumesFrom: [{ sourceContainer: 'sidecar' }] },
      {},
      'Container `web`: `volumesFrom[0].sourceContainer` names "sidecar", which is not a container of this task definition (`web`).',
    ],
    [
      {},
      { proxyConfiguration: { type: 'APPMESH', containerName: 'envoy' } },
      '`proxyConfiguration.containerName` names "envoy", which is not a container of this task definition (`web`); add that container or fix the name.',
    ],
  ])('%j %j', (web, task, message) => {
    expect(messages(fargateTask(task as JsonObject, web as JsonObject))).toEqual([message]);
  });
});

describe('task level', () => {
  it.each([
    [
      { family: undefined },
      '`family` is missing; name the task definition family, e.g. `"family": "shop-web"`.',
    ],
    [{ family: '' }, '`family` is empty; name the task definition family, e.g. `"family": "shop-web"`.'],
    [
      { family: 'shop web' },
      '`family` "shop web" may only contain letters, digits, `-` and `_` (at most 255).',
    ],
    [
      { family: 'shop-${environment}' },
      '`family` "shop-${environment}" may only contain letters, digits, `-` and `_` (at most 255); it still contains the placeholder `${environment}`: give it a value with `vars` (`environment=…`).',
    ],
    [
      { pidMode: '' },
      '`pidMode` is an empty string, which RegisterTaskDefinition rejects; remove it or set `host` or `task`.',
    ],
    [
      { ipcMode: '' },
      '`ipcMode` is an empty string, which RegisterTaskDefinition rejects; remove it or set `host`, `task` or `none`.',
    ],
    [{ tags: { team: 'shop' } }, '`tags` must be a list of `{"key": …, "value": …}`, got an object.'],
    [
      { tags: [{ key: '', value: 'x' }] },
      '`tags[0]` must be an object with a non-empty `key` and a `value`.',
    ],
    [{ tags: [{ key: 'n', value: 1 }] }, '`tags[0].value` (`n`) must be a string, got 1.'],
  ])('%j', (overrides, message) => {
    const definition = fargateTask(overrides as JsonObject);
    if ('family' in overrides && overrides.family === undefined) delete definition.family;
    expect(messages(definition)).toEqual([message]);
  });

  // The SDK drops members the ECS model does not know without a word, so a typo would register a
  // definition without the setting: refused (deploy-ecs refused them before the pipeline was shared).
  it('refuses unknown top-level keys and suggests the nearest known key', () => {
    const definition = fargateTask({
      containerDefinition: [],
      version: 1,
      logConfiguration: {},
      requiredCompatibilities: [],
    });
    expect(messages(definition)).toEqual([
      'Unknown top-level key `containerDefinition`; did you mean `containerDefinitions`? RegisterTaskDefinition does not know it, so it would be dropped without a word; move, rename or remove it.',
      'Unknown top-level key `version`. RegisterTaskDefinition does not know it, so it would be dropped without a word; move, rename or remove it.',
      'Unknown top-level key `logConfiguration`; it belongs inside a container definition. RegisterTaskDefinition does not know it, so it would be dropped without a word; move, rename or remove it.',
      'Unknown top-level key `requiredCompatibilities`; did you mean `requiresCompatibilities`? RegisterTaskDefinition does not know it, so it would be dropped without a word; move, rename or remove it.',
    ]);
  });

  it('refuses unknown container keys', () => {
    expect(messages(fargateTask({}, { enviroment: [] }))).toEqual([
      'Container `web`: unknown key `enviroment`; did you mean `environment`? ECS does not know it, so it would be dropped without a word; rename or remove it.',
    ]);
  });

  it('refuses a definition over the 64 KiB ECS limit, measured as the request', () => {
    // service-quotas.html: task definition size 64 KiB (65536 bytes). This request is 65536 bytes of value
    // plus 110 of JSON around it, counted by hand:
    // {"family":"web","containerDefinitions":[{"name":"app","image":"x","environment":[{"name":"BIG","value":"…"}]}]}
    const big = {
      family: 'web',
      containerDefinitions: [
        { name: 'app', image: 'x', environment: [{ name: 'BIG', value: 'x'.repeat(65536) }] },
      ],
    };
    expect(messages(big)).toContain(
      'The task definition makes a RegisterTaskDefinition request of 65646 bytes; ECS accepts at most 64 KiB (65536 bytes). Move large values out of the definition (secrets, `environmentFiles`) or split the containers.',
    );
    const fits = structuredClone(big);
    fits.containerDefinitions[0].environment[0].value = 'x'.repeat(65536 - 110);
    expect(messages(fits).filter((m) => m.includes('64 KiB'))).toEqual([]);
  });

  it('reports every problem at once, each with its container', () => {
    const result = validateTaskDefinition(
      fargateTask(
        { cpu: '256', memory: '4096' },
        { healthCheck: { command: ['CMD', 'true'], interval: 1 }, image: '' },
      ),
    );
    expect(result.errors).toEqual([
      {
        message:
          '`cpu` 256 with `memory` 4096 is not a Fargate task size; with 256 CPU units Fargate accepts `memory` `512`, `1024` or `2048` (MiB).',
      },
      {
        container: 'web',
        message:
          'Container `web`: `image` is empty; give it one with the `images` input (`web=registry/repository:tag`) or `image` with `container-name: web`.',
      },
      {
        container: 'web',
        message: 'Container `web`: `healthCheck.interval` is 1; ECS accepts 5 to 300 (seconds).',
      },
    ]);
  });
});
