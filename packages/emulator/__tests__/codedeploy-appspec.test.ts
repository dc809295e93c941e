/**
 * The pure parts of the emulator's CodeDeploy against AWS's documentation: the
 * ECS AppSpec (the example in the CodeDeploy User Guide), the predefined ECS
 * deployment configurations, and ECS's computedDesiredCount rule for task sets.
 */
import { describe, expect, it } from '@jest/globals';
import { parseEcsAppSpec } from '../src/codedeploy/appspec.js';
import { PREDEFINED_ECS_CONFIGS, trafficSteps } from '../src/codedeploy/configs.js';
import { computedDesiredCount } from '../src/ecs/task-sets.js';
import type { ServiceState, TaskSetState } from '../src/ecs/types.js';
import { mergeScenario, readScenario, type ScenarioError } from '../src/scenario.js';
import { DOCS_APPSPEC_YAML } from './codedeploy-helpers.js';

describe('parseEcsAppSpec', () => {
  it('reads the User Guide example: task definition, container, port, optional properties and the five hooks', () => {
    const result = parseEcsAppSpec(DOCS_APPSPEC_YAML);
    expect(result).toEqual({
      ok: true,
      spec: {
        taskDefinition: 'arn:aws:ecs:us-east-1:111222333444:task-definition/my-task-definition-family-name:1',
        containerName: 'SampleApplicationName',
        containerPort: 80,
        platformVersion: 'LATEST',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ['subnet-1234abcd', 'subnet-5678abcd'],
            securityGroups: ['sg-12345678'],
            assignPublicIp: 'ENABLED',
          },
        },
        capacityProviderStrategy: [
          { capacityProvider: 'FARGATE_SPOT', base: 1, weight: 2 },
          { capacityProvider: 'FARGATE', base: 0, weight: 1 },
        ],
        hooks: {
          BeforeInstall: 'LambdaFunctionToValidateBeforeInstall',
          AfterInstall: 'LambdaFunctionToValidateAfterInstall',
          AfterAllowTestTraffic: 'LambdaFunctionToValidateAfterTestTrafficStarts',
          BeforeAllowTraffic: 'LambdaFunctionToValidateBeforeAllowingProductionTraffic',
          AfterAllowTraffic: 'LambdaFunctionToValidateAfterAllowingProductionTraffic',
        },
      },
    });
  });

  it('reads the same AppSpec as JSON, as the AWS deploy action sends it (JSON.stringify of the parsed YAML)', async () => {
    const { parse } = await import('yaml');
    const json = JSON.stringify(parse(DOCS_APPSPEC_YAML));
    expect(parseEcsAppSpec(json)).toEqual(parseEcsAppSpec(DOCS_APPSPEC_YAML));
  });

  it('matches keys without regard to case, as the AWS deploy action does when it replaces TaskDefinition', () => {
    const lower =
      'version: 0.0\nresources:\n  - svc:\n      type: AWS::ECS::Service\n      properties:\n        taskDefinition: td:1\n        loadBalancerInfo: {containerName: web, containerPort: "8080"}\n';
    expect(parseEcsAppSpec(lower)).toMatchObject({
      ok: true,
      spec: { taskDefinition: 'td:1', containerName: 'web', containerPort: 8080, hooks: {} },
    });
  });

  // Each required property of the resources section (User Guide: TaskDefinition, ContainerName, ContainerPort "Required").
  it.each([
    ['not YAML', 'version: [0.0', /neither YAML nor JSON/],
    ['no version', 'Resources: []', /no 'version'/],
    ['no resources', 'version: 0.0', /exactly one resource/],
    [
      'a Lambda resource',
      'version: 0.0\nResources:\n  - f:\n      Type: AWS::Lambda::Function\n      Properties: {}',
      /AWS::ECS::Service/,
    ],
    [
      'no TaskDefinition',
      'version: 0.0\nResources:\n  - s:\n      Type: AWS::ECS::Service\n      Properties:\n        LoadBalancerInfo: {ContainerName: web, ContainerPort: 80}',
      /TaskDefinition/,
    ],
    [
      'no ContainerName',
      'version: 0.0\nResources:\n  - s:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: td:1\n        LoadBalancerInfo: {ContainerPort: 80}',
      /ContainerName/,
    ],
    [
      'a port that is not a number',
      'version: 0.0\nResources:\n  - s:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: td:1\n        LoadBalancerInfo: {ContainerName: web, ContainerPort: http}',
      /ContainerPort/,
    ],
    [
      'a hook on an event that cannot have one (Install)',
      'version: 0.0\nResources:\n  - s:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: td:1\n        LoadBalancerInfo: {ContainerName: web, ContainerPort: 80}\nHooks:\n  - Install: fn',
      /"Install" is not a lifecycle event/,
    ],
  ])('refuses an AppSpec with %s', (_what, content, problem) => {
    const result = parseEcsAppSpec(content);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problem).toMatch(problem);
  });
});

describe('predefined ECS deployment configurations', () => {
  // https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-ecs
  it('lists the five predefined ECS configurations of the User Guide', () => {
    expect(Object.keys(PREDEFINED_ECS_CONFIGS).sort()).toEqual([
      'CodeDeployDefault.ECSAllAtOnce',
      'CodeDeployDefault.ECSCanary10Percent15Minutes',
      'CodeDeployDefault.ECSCanary10Percent5Minutes',
      'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
      'CodeDeployDefault.ECSLinear10PercentEvery3Minutes',
    ]);
  });

  const minute = 60_000;
  it.each([
    // "Shifts all traffic to the updated Amazon ECS container at once."
    ['CodeDeployDefault.ECSAllAtOnce', [[0, 100]]],
    // "Shifts 10 percent of traffic in the first increment. The remaining 90 percent is deployed five minutes later."
    [
      'CodeDeployDefault.ECSCanary10Percent5Minutes',
      [
        [0, 10],
        [5 * minute, 100],
      ],
    ],
    [
      'CodeDeployDefault.ECSCanary10Percent15Minutes',
      [
        [0, 10],
        [15 * minute, 100],
      ],
    ],
    // "Shifts 10 percent of traffic every minute until all traffic is shifted."
    [
      'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => [k * minute, (k + 1) * 10]),
    ],
    // "Shifts 10 percent of traffic every three minutes until all traffic is shifted."
    [
      'CodeDeployDefault.ECSLinear10PercentEvery3Minutes',
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => [k * 3 * minute, (k + 1) * 10]),
    ],
  ])('%s shifts traffic as documented', (name, expected) => {
    expect(trafficSteps(PREDEFINED_ECS_CONFIGS[name]).map((s) => [s.afterMs, s.weight])).toEqual(expected);
  });
});

describe('computedDesiredCount', () => {
  // API_TaskSet: "calculated by multiplying the service's desiredCount by the task set's scale percentage. The result is always rounded up."
  it.each([
    [3, 100, 3],
    [3, 10, 1],
    [10, 25, 3],
    [4, 50, 2],
    [0, 100, 0],
  ])('desiredCount %i at %i %% → %i', (desiredCount, scale, expected) => {
    expect(computedDesiredCount({ desiredCount } as ServiceState, { scale } as TaskSetState)).toBe(expected);
  });
});

describe('scenario section codedeploy', () => {
  it('refuses an unknown hook behaviour key and a status a hook cannot report, naming the path', () => {
    let problems: string[] = [];
    try {
      readScenario({ codedeploy: { hooks: { fn: { status: 'Skipped', after: 3 } } } } as any);
    } catch (error) {
      problems = (error as ScenarioError).problems;
    }
    expect(problems).toEqual([
      'codedeploy.hooks["fn"].status: expected one of Succeeded, Failed, Pending, got string "Skipped"',
      'codedeploy.hooks["fn"].after: unknown key (known keys here: status, afterSeconds)',
    ]);
  });

  it('merges a seed fragment: its hooks come first, applications and groups are added', () => {
    const merged = mergeScenario(
      { codedeploy: { applications: [{ applicationName: 'a' }], hooks: { '*': { status: 'Succeeded' } } } },
      { codedeploy: { applications: [{ applicationName: 'b' }], hooks: { fn: { status: 'Failed' } } } },
    );
    expect(merged.codedeploy?.applications).toEqual([{ applicationName: 'a' }, { applicationName: 'b' }]);
    expect(Object.keys(merged.codedeploy?.hooks ?? {})).toEqual(['fn', '*']);
  });
});
