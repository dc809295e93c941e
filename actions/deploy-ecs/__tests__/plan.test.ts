import type { DeploymentConfiguration, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { getInputs, type RunTaskInputs, type ServiceInputs } from '../src/inputs.js';
import {
  commandContainer,
  planDeploymentConfiguration,
  planRunTask,
  planServiceUpdate,
  serviceUpdateRequest,
  strategyLabel,
} from '../src/plan.js';

const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:8';
const OLD = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7';

function read(values: Record<string, string>) {
  const raw: Record<string, string> = { service: 'web', 'task-definition': 'web:8', ...values };
  return getInputs(new InputReader((name) => raw[name] ?? ''), () => false);
}

function inputs(values: Record<string, string>): ServiceInputs {
  const parsed = read(values);
  if (parsed.mode !== 'service') throw new Error(`expected a service deployment, got ${parsed.mode}`);
  return parsed;
}

function runTaskInputs(values: Record<string, string>): RunTaskInputs {
  const parsed = read({ 'run-task': 'true', ...values });
  if (parsed.mode !== 'run-task') throw new Error(`expected a one-off task, got ${parsed.mode}`);
  return parsed;
}

const current: DeploymentConfiguration = {
  deploymentCircuitBreaker: {
    enable: false,
    rollback: false,
    thresholdConfiguration: { type: 'BOUNDED_PERCENT', value: 50 },
  },
  maximumPercent: 200,
  minimumHealthyPercent: 100,
  strategy: 'ROLLING',
  lifecycleHooks: [
    {
      hookTargetArn: 'arn:aws:lambda:us-east-1:123456789012:function:check',
      lifecycleStages: ['POST_SCALE_UP'],
    },
  ],
};

const service = (o: Partial<Service> = {}): Service => ({
  serviceName: 'web',
  status: 'ACTIVE',
  taskDefinition: OLD,
  desiredCount: 3,
  deploymentConfiguration: current,
  deploymentController: { type: 'ECS' },
  ...o,
});

describe('planDeploymentConfiguration', () => {
  it.each<
    [
      string,
      Record<string, string>,
      DeploymentConfiguration | undefined,
      Partial<DeploymentConfiguration> | undefined,
    ]
  >([
    [
      'default: enables the circuit breaker with rollback, keeping threshold and hooks',
      {},
      current,
      {
        ...current,
        deploymentCircuitBreaker: {
          enable: true,
          rollback: true,
          thresholdConfiguration: { type: 'BOUNDED_PERCENT', value: 50 },
        },
      },
    ],
    [
      'unchanged breaker and nothing else: nothing to send',
      { 'circuit-breaker': 'unchanged' },
      current,
      undefined,
    ],
    [
      'already enabled with rollback: nothing to send',
      {},
      { ...current, deploymentCircuitBreaker: { enable: true, rollback: true } },
      undefined,
    ],
    [
      'detect: enabled without rollback',
      { 'circuit-breaker': 'detect' },
      current,
      {
        deploymentCircuitBreaker: {
          enable: true,
          rollback: false,
          thresholdConfiguration: { type: 'BOUNDED_PERCENT', value: 50 },
        },
      },
    ],
    [
      'alarms roll back with the breaker',
      { alarms: 'a, b' },
      current,
      { alarms: { alarmNames: ['a', 'b'], enable: true, rollback: true } },
    ],
    [
      'alarms with detect do not roll back',
      { alarms: 'a', 'circuit-breaker': 'detect' },
      current,
      { alarms: { alarmNames: ['a'], enable: true, rollback: false } },
    ],
    [
      'alarms with an unchanged breaker follow the service',
      { alarms: 'a', 'circuit-breaker': 'unchanged' },
      { ...current, deploymentCircuitBreaker: { enable: true, rollback: false } },
      { alarms: { alarmNames: ['a'], enable: true, rollback: false } },
    ],
    [
      'percentages',
      { 'circuit-breaker': 'unchanged', 'minimum-healthy-percent': '50', 'maximum-percent': '150' },
      current,
      { minimumHealthyPercent: 50, maximumPercent: 150 },
    ],
    [
      'blue-green with bake time',
      { 'circuit-breaker': 'unchanged', strategy: 'blue-green', 'bake-time-minutes': '10' },
      current,
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10, lifecycleHooks: current.lifecycleHooks },
    ],
    [
      'canary with settings',
      {
        'circuit-breaker': 'unchanged',
        strategy: 'canary',
        'canary-percent': '10',
        'canary-bake-minutes': '5',
        'bake-time-minutes': '2',
      },
      current,
      {
        strategy: 'CANARY',
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
        bakeTimeInMinutes: 2,
      },
    ],
    [
      'canary keeps the service percent when only the bake changes',
      { 'circuit-breaker': 'unchanged', strategy: 'canary', 'canary-bake-minutes': '1' },
      {
        ...current,
        strategy: 'CANARY',
        canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 10 },
      },
      { canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 1 } },
    ],
    [
      'linear',
      {
        'circuit-breaker': 'unchanged',
        strategy: 'linear',
        'linear-step-percent': '25',
        'linear-step-bake-minutes': '3',
      },
      current,
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 3 } },
    ],
    [
      'back to rolling drops the traffic-shifting settings',
      { 'circuit-breaker': 'unchanged', strategy: 'rolling' },
      { ...current, strategy: 'CANARY', bakeTimeInMinutes: 5, canaryConfiguration: { canaryPercent: 5 } },
      { strategy: 'ROLLING', bakeTimeInMinutes: undefined, canaryConfiguration: undefined },
    ],
    [
      'no current configuration at all',
      {},
      undefined,
      { deploymentCircuitBreaker: { enable: true, rollback: true } },
    ],
  ])('%s', (_label, values, before, expected) => {
    const plan = planDeploymentConfiguration(before, inputs(values));
    if (expected === undefined) {
      expect(plan.configuration).toBeUndefined();
      expect(plan.changes).toEqual([]);
    } else {
      const defined = Object.fromEntries(Object.entries(expected).filter(([, value]) => value !== undefined));
      expect(plan.configuration).toMatchObject(defined);
      for (const [key, value] of Object.entries(expected)) {
        if (value === undefined) expect(plan.configuration).not.toHaveProperty(key);
      }
      expect(plan.changes.length).toBeGreaterThan(0);
    }
  });

  it('never changes the configuration it was given', () => {
    const before = structuredClone(current);
    planDeploymentConfiguration(before, inputs({ strategy: 'canary', 'canary-percent': '10' }));
    expect(before).toEqual(current);
  });

  it('asks for a bake time when switching to blue-green without one', () => {
    expect(() =>
      planDeploymentConfiguration(current, inputs({ strategy: 'blue-green' }), 'service `web`'),
    ).toThrow(/`strategy: blue-green` needs `bake-time-minutes`.*service `web` has none yet/);
    expect(
      planDeploymentConfiguration(
        { ...current, strategy: 'BLUE_GREEN', bakeTimeInMinutes: 4 },
        inputs({ strategy: 'blue-green' }),
      ).effective.bakeTimeInMinutes,
    ).toBe(4);
  });
});

describe('planServiceUpdate', () => {
  it('sends only what the inputs set: desired count stays with auto scaling', () => {
    const plan = planServiceUpdate(inputs({ 'circuit-breaker': 'unchanged' }), service());
    expect(serviceUpdateRequest(plan, TD)).toEqual({
      cluster: 'default',
      service: 'web',
      taskDefinition: TD,
    });
    expect(plan.changes).toEqual([]);
  });

  it('carries every set input', () => {
    const plan = planServiceUpdate(
      inputs({
        cluster: 'shop',
        'desired-count': '5',
        'force-new-deployment': 'true',
        'enable-execute-command': 'true',
        'propagate-tags': 'SERVICE',
        'capacity-provider-strategy': 'FARGATE_SPOT:1',
      }),
      service(),
    );
    expect(serviceUpdateRequest(plan, TD)).toMatchObject({
      taskDefinition: TD,
      cluster: 'shop',
      desiredCount: 5,
      forceNewDeployment: true,
      enableExecuteCommand: true,
      propagateTags: 'SERVICE',
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    expect(plan.changes).toEqual(
      expect.arrayContaining(['desired count 3 → 5', 'forced new deployment', 'execute command enabled']),
    );
  });
});

describe('planRunTask', () => {
  const fargate: TaskDefinition = {
    family: 'web',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    containerDefinitions: [
      { name: 'log-router', essential: false },
      { name: 'app', essential: true },
      { name: 'envoy', essential: true },
    ],
  };
  const runInputs = (values: Record<string, string>) => runTaskInputs({ service: '', ...values });

  it('uses the inputs for networking and the first essential container for the command', () => {
    const request = planRunTask(
      runInputs({
        'run-task-subnets': 'subnet-0123456789abcdef0',
        'run-task-security-groups': 'sg-0123456789abcdef0',
        'run-task-assign-public-ip': 'false',
        'run-task-command': 'npm run migrate',
      }),
      fargate,
      TD,
    );
    expect(request).toEqual({
      cluster: 'default',
      taskDefinition: TD,
      count: 1,
      startedBy: 'GitHub-Actions',
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-0123456789abcdef0'],
          securityGroups: ['sg-0123456789abcdef0'],
          assignPublicIp: 'DISABLED',
        },
      },
      overrides: { containerOverrides: [{ name: 'app', command: ['npm', 'run', 'migrate'] }] },
    });
  });

  it('borrows launch settings and networking from the service', () => {
    const request = planRunTask(runInputs({ service: 'web' }), fargate, TD, {
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-aaaaaaaaaaaaaaaaa'],
          securityGroups: ['sg-bbbbbbbbbbbbbbbbb'],
          assignPublicIp: 'ENABLED',
        },
      },
    });
    expect(request.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    expect(request.launchType).toBeUndefined();
    expect(request.networkConfiguration?.awsvpcConfiguration).toEqual({
      subnets: ['subnet-aaaaaaaaaaaaaaaaa'],
      securityGroups: ['sg-bbbbbbbbbbbbbbbbb'],
      assignPublicIp: 'ENABLED',
    });
  });

  it('asks for subnets when awsvpc has none', () => {
    expect(() => planRunTask(runInputs({}), fargate, TD)).toThrow(/awsvpc network mode.*`run-task-subnets`/);
  });

  it('refuses subnets for a bridge-mode task', () => {
    expect(() =>
      planRunTask(
        runInputs({ 'run-task-subnets': 'subnet-0123456789abcdef0' }),
        { ...fargate, networkMode: 'bridge' },
        TD,
      ),
    ).toThrow(ConfigurationError);
  });

  it('takes the explicit launch type or capacity providers', () => {
    const ec2 = { ...fargate, networkMode: 'bridge', requiresCompatibilities: ['EC2'] } as TaskDefinition;
    expect(planRunTask(runInputs({ 'run-task-launch-type': 'EC2' }), ec2, TD).launchType).toBe('EC2');
    expect(
      planRunTask(runInputs({ 'capacity-provider-strategy': 'cp-1:1' }), ec2, TD).capacityProviderStrategy,
    ).toEqual([{ capacityProvider: 'cp-1', weight: 1 }]);
    expect(planRunTask(runInputs({}), ec2, TD).launchType).toBeUndefined();
  });

  it('names the container for a command', () => {
    expect(commandContainer({ containerDefinitions: [{ name: 'only', essential: false }] })).toBe('only');
    expect(() => commandContainer({ containerDefinitions: [] })).toThrow(/no named container/);
  });
});

describe('strategyLabel', () => {
  it.each<[DeploymentConfiguration | undefined, string]>([
    [undefined, 'ROLLING, 100%–200%'],
    [
      {
        strategy: 'ROLLING',
        minimumHealthyPercent: 50,
        maximumPercent: 150,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
      'ROLLING, 50%–150%, circuit breaker with rollback',
    ],
    [{ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 10 }, 'BLUE_GREEN, bake 10 min'],
    [
      { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 } },
      'CANARY, 10% for 5 min',
    ],
    [
      {
        strategy: 'LINEAR',
        linearConfiguration: { stepPercent: 25 },
        alarms: { alarmNames: ['a'], enable: true, rollback: true },
      },
      'LINEAR, 25% steps every 6 min, alarms a',
    ],
  ])('%j → %s', (configuration, label) => {
    expect(strategyLabel(configuration)).toBe(label);
  });
});
