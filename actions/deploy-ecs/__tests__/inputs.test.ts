import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { loadActionManifest } from '@berth/testkit/action-manifest.js';
import {
  classifyTaskDefinition,
  getInputs,
  INPUT_NAMES,
  parseCapacityProviderStrategy,
  parsePercent,
} from '../src/inputs.js';

const FILE = 'deploy/task-definition.json';
const exists = (path: string) => path === FILE;

/** getInputs over action.yml defaults (as the runner supplies them) plus `values`. */
function read(values: Record<string, string>) {
  const { inputs } = loadActionManifest('deploy-ecs');
  const raw: Record<string, string> = {};
  for (const [name, spec] of Object.entries(inputs))
    if (spec.default !== undefined) raw[name] = String(spec.default);
  Object.assign(raw, values);
  const reader = new InputReader((name) => raw[name] ?? '');
  return { inputs: getInputs(reader, exists), reader };
}

const base = { service: 'web', 'task-definition': FILE };

function failure(values: Record<string, string>): string {
  try {
    read(values);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('getInputs and action.yml', () => {
  it('reads exactly the inputs action.yml declares', () => {
    const manifest = loadActionManifest('deploy-ecs');
    const { reader } = read({ ...base, 'run-task-command': '' });
    expect([...reader.names].sort()).toEqual(Object.keys(manifest.inputs).sort());
    expect([...INPUT_NAMES].sort()).toEqual(Object.keys(manifest.inputs).sort());
  });

  it('declares every output the action sets, each with a description', () => {
    const manifest = loadActionManifest('deploy-ecs');
    expect(Object.keys(manifest.outputs).sort()).toEqual(
      [
        'codedeploy-deployment-id',
        'deployment-id',
        'exit-code',
        'previous-task-definition-arn',
        'record',
        'run-task-arn',
        'run-task-arns',
        'service-deployment-arn',
        'status',
        'task-definition-arn',
      ].sort(),
    );
    for (const [name, spec] of Object.entries(manifest.inputs)) {
      expect([name, spec.description?.length > 20]).toEqual([name, true]);
    }
    expect(manifest.runs.using).toBe('node24');
  });

  it('applies the documented defaults', () => {
    const { inputs } = read(base);
    expect(inputs).toMatchObject({
      cluster: 'default',
      service: 'web',
      taskDefinition: { kind: 'file', path: FILE },
      reuseUnchangedRevision: true,
      wait: true,
      timeoutMinutes: 30,
      circuitBreaker: 'rollback',
      alarms: [],
      strategy: 'unchanged',
      forceNewDeployment: false,
      mode: 'service',
      capacityProviderStrategy: [],
      aws: { audience: 'sts.amazonaws.com', roleDurationSeconds: 3600, maxAttempts: 8 },
    });
    expect(inputs).not.toHaveProperty('runTaskSubnets');
    expect(inputs.mode === 'service' && inputs.desiredCount).toBeUndefined();
    expect(inputs.enableExecuteCommand).toBeUndefined();
  });
});

describe('inputs by mode', () => {
  // Each mode carries only the inputs it reads; getInputs refuses the other mode's inputs when set
  // (the contradiction tests below), so dropping them loses nothing.
  it('a service deployment carries no one-off task inputs', () => {
    const { inputs } = read(base);
    expect(inputs.mode).toBe('service');
    for (const key of ['runTaskSubnets', 'runTaskSecurityGroups', 'runTaskCommand', 'commandWarnings'])
      expect(inputs).not.toHaveProperty(key);
  });

  it("neither service nor run-task only registers, and carries neither mode's inputs", () => {
    const { inputs } = read({ 'task-definition': FILE });
    expect(inputs).toMatchObject({ mode: 'register-only', taskDefinition: { kind: 'file', path: FILE } });
    for (const key of ['service', 'strategy', 'recordKind', 'runTaskSubnets', 'runTaskStartedBy'])
      expect(inputs).not.toHaveProperty(key);
  });

  it('a one-off task carries no service deployment inputs, and may name a service to borrow from', () => {
    const { inputs } = read({ ...base, 'run-task': 'true' });
    expect(inputs).toMatchObject({ mode: 'run-task', service: 'web', runTaskSubnets: [] });
    for (const key of ['strategy', 'circuitBreaker', 'alarms', 'desiredCount', 'recordKind'])
      expect(inputs).not.toHaveProperty(key);
  });
});

describe('valid combinations', () => {
  it.each<[string, Record<string, string>, Record<string, unknown>]>([
    [
      'existing family:revision',
      { service: 'web', 'task-definition': 'web:42' },
      { taskDefinition: { kind: 'registered', reference: 'web:42' } },
    ],
    [
      'task definition ARN',
      { service: 'web', 'task-definition': 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7' },
      {
        taskDefinition: {
          kind: 'registered',
          reference: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7',
        },
      },
    ],
    [
      'blue-green with bake time',
      { ...base, strategy: 'blue-green', 'bake-time-minutes': '10' },
      { strategy: 'blue-green', bakeTimeMinutes: 10 },
    ],
    [
      'canary settings',
      { ...base, strategy: 'CANARY', 'canary-percent': '2.5', 'canary-bake-minutes': '15' },
      { strategy: 'canary', canaryPercent: 2.5, canaryBakeMinutes: 15 },
    ],
    [
      'linear settings',
      { ...base, strategy: 'linear', 'linear-step-percent': '25%', 'linear-step-bake-minutes': '0' },
      { strategy: 'linear', linearStepPercent: 25, linearStepBakeMinutes: 0 },
    ],
    [
      'alarms list',
      { ...base, alarms: 'shop-5xx\nshop-latency, shop-errors' },
      { alarms: ['shop-5xx', 'shop-latency', 'shop-errors'] },
    ],
    ['desired count 0', { ...base, 'desired-count': '0' }, { desiredCount: 0 }],
    [
      'percent bounds',
      { ...base, 'minimum-healthy-percent': '50', 'maximum-percent': '200' },
      { minimumHealthyPercent: 50, maximumPercent: 200 },
    ],
    ['exec off', { ...base, 'enable-execute-command': 'false' }, { enableExecuteCommand: false }],
    [
      'run-task with JSON command',
      {
        'task-definition': FILE,
        'run-task': 'true',
        'run-task-command': '["npm", "run", "migrate"]',
        'run-task-subnets': 'subnet-0123456789abcdef0',
      },
      {
        mode: 'run-task',
        runTaskCommand: ['npm', 'run', 'migrate'],
        runTaskSubnets: ['subnet-0123456789abcdef0'],
      },
    ],
    [
      'run-task with shell words and a service to borrow from',
      {
        ...base,
        'run-task': 'true',
        'run-task-command': `bin/rails db:migrate "VERSION=2024 01"`,
        'run-task-assign-public-ip': 'ENABLED',
      },
      {
        mode: 'run-task',
        runTaskCommand: ['bin/rails', 'db:migrate', 'VERSION=2024 01'],
        runTaskAssignPublicIp: true,
      },
    ],
    [
      'capacity providers',
      { ...base, 'capacity-provider-strategy': 'FARGATE_SPOT:3, FARGATE:1:1' },
      {
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE_SPOT', weight: 3 },
          { capacityProvider: 'FARGATE', weight: 1, base: 1 },
        ],
      },
    ],
    ['image tag', { ...base, 'tag-deployed-image': 'prod' }, { tagDeployedImage: 'prod' }],
  ])('%s', (_label, values, expected) => {
    expect(read(values).inputs).toMatchObject(expected);
  });
});

describe('bad and contradicting inputs name the input, the value and the fix', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a service input without a service (register-only)',
      { 'task-definition': FILE, 'desired-count': '2' },
      /`desired-count` applies to a service deployment, but `service` is not set.*Name the ECS service/,
    ],
    [
      'a one-off task input without run-task (register-only)',
      { 'task-definition': FILE, 'run-task-tags': '[{"key":"a","value":"b"}]' },
      /`run-task-tags` applies only to a one-off task. Set `run-task: true`/,
    ],
    [
      'a task setting without a service or a task (register-only)',
      { 'task-definition': FILE, 'enable-ecs-managed-tags': 'true' },
      /`enable-ecs-managed-tags` acts on a service or a one-off task, but neither `service` nor `run-task: true` is set/,
    ],
    [
      'tag-deployed-image when only registering',
      { 'task-definition': FILE, 'tag-deployed-image': 'prod' },
      /`tag-deployed-image` acts on a service or a one-off task/,
    ],
    [
      'a webhook and GitHub environment settings when only registering (nothing is deployed to tell about)',
      {
        'task-definition': FILE,
        'notify-webhook': 'https://hooks.example/x',
        environment: 'production',
        'environment-url': 'https://shop.example',
        'production-environment': 'true',
      },
      /`notify-webhook`, `environment`, `environment-url`, `production-environment` act on a service or a one-off task/,
    ],
    ['missing task definition', { service: 'web' }, /Input `task-definition` is required/],
    [
      'a path that does not exist and is no revision',
      { service: 'web', 'task-definition': 'deploy/taskdef.json' },
      /"deploy\/taskdef.json" is neither a file in the workspace nor a registered task definition.*family:revision/,
    ],
    ['a bare family', { service: 'web', 'task-definition': 'web' }, /`web:42`/],
    [
      'bad cluster',
      { ...base, cluster: 'my cluster' },
      /Input `cluster` must be a cluster name.*"my cluster"/,
    ],
    [
      'bad strategy',
      { ...base, strategy: 'big-bang' },
      /Input `strategy` must be one of `unchanged`, `rolling`.*"big-bang"/,
    ],
    [
      'bad circuit breaker',
      { ...base, 'circuit-breaker': 'yes' },
      /`circuit-breaker` must be one of `rollback`, `detect`, `unchanged`/,
    ],
    [
      'timeout too long',
      { ...base, 'timeout-minutes': '999' },
      /`timeout-minutes` must be between 1 and 360, got 999/,
    ],
    [
      'canary percent out of range',
      { ...base, strategy: 'canary', 'canary-percent': '0' },
      /`canary-percent` must be between 0.1 and 100/,
    ],
    [
      'canary percent not a 0.1 step',
      { ...base, strategy: 'canary', 'canary-percent': '2.55' },
      /steps of 0.1.*"2.55"/,
    ],
    [
      'linear step below 3',
      { ...base, strategy: 'linear', 'linear-step-percent': '2' },
      /`linear-step-percent` must be between 3 and 100/,
    ],
    [
      'percent words',
      { ...base, strategy: 'canary', 'canary-percent': 'ten' },
      /must be a percentage such as `10`/,
    ],
    [
      'maximum below 100',
      { ...base, 'maximum-percent': '50' },
      /`maximum-percent` must be between 100 and 200/,
    ],
    [
      'minimum not below maximum',
      { ...base, 'minimum-healthy-percent': '100', 'maximum-percent': '100' },
      /must be lower than `maximum-percent`/,
    ],
    [
      'canary settings without canary',
      { ...base, 'canary-percent': '10' },
      /`canary-percent` only applies to `strategy: canary`.*`strategy` is `unchanged`/,
    ],
    [
      'linear settings with canary',
      { ...base, strategy: 'canary', 'linear-step-bake-minutes': '3' },
      /`linear-step-bake-minutes` only applies to `strategy: linear`/,
    ],
    [
      'bake time with rolling',
      { ...base, strategy: 'rolling', 'bake-time-minutes': '5' },
      /`bake-time-minutes` only applies to `strategy: blue-green`/,
    ],
    [
      'run-task with strategy',
      { 'task-definition': FILE, 'run-task': 'true', strategy: 'blue-green', 'bake-time-minutes': '3' },
      /`strategy`, `bake-time-minutes` apply to a service deployment, but `run-task: true`/,
    ],
    [
      'run-task marked as a hotfix',
      { 'task-definition': FILE, 'run-task': 'true', 'record-kind': 'hotfix' },
      /`record-kind` applies to a service deployment, but `run-task: true` runs a one-off task/,
    ],
    [
      'unknown record kind',
      { ...base, 'record-kind': 'release' },
      /Input `record-kind` must be one of `deploy`, `hotfix`, got "release"/,
    ],
    [
      'run-task with desired count',
      { 'task-definition': FILE, 'run-task': 'true', 'desired-count': '2' },
      /`desired-count` applies to a service deployment/,
    ],
    [
      'run-task with detect',
      { 'task-definition': FILE, 'run-task': 'true', 'circuit-breaker': 'detect' },
      /`circuit-breaker` applies to a service/,
    ],
    [
      'run-task-only input on a service',
      { ...base, 'run-task-command': 'npm test' },
      /`run-task-command` applies only to a one-off task. Set `run-task: true`/,
    ],
    // Every other run-task-only input, one row each: a service deployment must not drop any of them silently.
    ...(
      [
        ['run-task-subnets', 'subnet-0abc1234'],
        ['run-task-security-groups', 'sg-0abc1234'],
        ['run-task-assign-public-ip', 'ENABLED'],
        ['run-task-launch-type', 'EC2'],
      ] as const
    ).map(([name, value]): [string, Record<string, string>, RegExp] => [
      `${name} on a service`,
      { ...base, [name]: value },
      new RegExp(`\`${name}\` applies only to a one-off task`),
    ]),
    [
      'launch type and capacity providers',
      {
        'task-definition': FILE,
        'run-task': 'true',
        'run-task-launch-type': 'FARGATE',
        'capacity-provider-strategy': 'FARGATE:1',
      },
      /cannot be used together/,
    ],
    [
      'bad subnet',
      { 'task-definition': FILE, 'run-task': 'true', 'run-task-subnets': 'subnet-xyz' },
      /`run-task-subnets`: "subnet-xyz" is not valid/,
    ],
    [
      'unterminated command quote',
      { 'task-definition': FILE, 'run-task': 'true', 'run-task-command': 'echo "hi' },
      /could not be split into words/,
    ],
    [
      'bad public ip',
      { 'task-definition': FILE, 'run-task': 'true', 'run-task-assign-public-ip': 'maybe' },
      /`run-task-assign-public-ip` must be `true`/,
    ],
    [
      'service propagate with run-task',
      { 'task-definition': FILE, 'run-task': 'true', 'propagate-tags': 'SERVICE' },
      /`propagate-tags: SERVICE` cannot be used/,
    ],
    ['bad tag', { ...base, 'tag-deployed-image': '-prod' }, /`tag-deployed-image` must be a Docker tag/],
    [
      'tagging without waiting',
      { ...base, 'tag-deployed-image': 'prod', wait: 'false' },
      /`wait: false` never learns/,
    ],
    ['bad boolean', { ...base, wait: 'yes' }, /Input `wait` must be `true` or `false`, got "yes"/],
    [
      'bad role duration',
      { ...base, 'role-duration-seconds': '60' },
      /`role-duration-seconds` must be between 900 and 43200/,
    ],
  ])('%s', (_label, values, message) => {
    expect(failure(values)).toMatch(message);
  });
});

describe('parsers', () => {
  it.each([
    ['web:3', { kind: 'registered', reference: 'web:3' }],
    ['arn:aws:ecs:us-east-1:123456789012:task-definition/web:3', { kind: 'registered' }],
    [FILE, { kind: 'file', path: FILE }],
  ])('classifies %s', (value, expected) => {
    expect(classifyTaskDefinition(value, exists)).toMatchObject(expected);
  });

  it('prefers an existing file named like a revision', () => {
    expect(classifyTaskDefinition('web:3', () => true)).toEqual({ kind: 'file', path: 'web:3' });
  });

  it.each([
    ['5', 5],
    ['0.1', 0.1],
    ['100', 100],
    ['12.5%', 12.5],
  ])('percent %s', (raw, value) => {
    expect(parsePercent('canary-percent', raw, 0.1, 100)).toBe(value);
  });

  it.each(['FARGATE:1:1:1', 'FARGATE:x', 'FARGATE:1001', 'A:1:1, B:1:2', 'A:0', 'A:1, A:2', 'bad name:1'])(
    'rejects capacity provider strategy %s',
    (raw) => {
      expect(() => parseCapacityProviderStrategy(raw)).toThrow(/capacity-provider-strategy/);
    },
  );

  it('accepts a provider without a weight as weight 1', () => {
    expect(parseCapacityProviderStrategy('FARGATE')).toEqual([{ capacityProvider: 'FARGATE', weight: 1 }]);
  });
});
