/**
 * The AppSpec deploy-ecs sends: the CodeDeploy User Guide's ECS example as the
 * reference file, and the SHA-256 computed independently with node:crypto of
 * the exact content sent (CreateDeployment's `appSpecContent.sha256`).
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-example.html#appspec-file-example-ecs
 */
import { createHash } from 'node:crypto';
import { ConfigurationError } from '@berth/shared/errors';
import {
  appSpecContent,
  appSpecFromFile,
  checkTrafficTarget,
  generateAppSpec,
} from '../src/codedeploy/appspec.js';
import { codedeployNames, controllerMismatch, inputsCodeDeployIgnores } from '../src/codedeploy/inputs.js';
import { failedTaskThreshold } from '../src/codedeploy/progress.js';

// The User Guide's example, verbatim apart from its comment line.
const USER_GUIDE_APPSPEC = `version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "arn:aws:ecs:us-east-1:111222333444:task-definition/my-task-definition-family-name:1"
        LoadBalancerInfo:
          ContainerName: "SampleApplicationName"
          ContainerPort: 80
        PlatformVersion: "LATEST"
Hooks:
  - BeforeInstall: "LambdaFunctionToValidateBeforeInstall"
  - AfterAllowTestTraffic: "LambdaFunctionToValidateAfterTestTrafficStarts"
`;
const ARN = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7';

describe('AppSpec from a file', () => {
  it('replaces TaskDefinition and keeps everything else, hooks included', () => {
    const spec = appSpecFromFile(USER_GUIDE_APPSPEC, 'appspec.yaml', ARN) as any;
    expect(spec.Resources[0].TargetService.Properties).toEqual({
      TaskDefinition: ARN,
      LoadBalancerInfo: { ContainerName: 'SampleApplicationName', ContainerPort: 80 },
      PlatformVersion: 'LATEST',
    });
    expect(spec.Hooks).toEqual([
      { BeforeInstall: 'LambdaFunctionToValidateBeforeInstall' },
      { AfterAllowTestTraffic: 'LambdaFunctionToValidateAfterTestTrafficStarts' },
    ]);
  });

  it('finds the keys in any case, as CodeDeploy reads them', () => {
    const lower = USER_GUIDE_APPSPEC.replace('Resources:', 'resources:').replace(
      'TaskDefinition:',
      'taskDefinition:',
    );
    const spec = appSpecFromFile(lower, 'appspec.yaml', ARN) as any;
    expect(spec.resources[0].TargetService.Properties.taskDefinition).toBe(ARN);
  });

  it.each([
    ['not YAML', 'version: [0.0', /is not YAML or JSON/],
    ['no resources', 'version: 0.0\n', /exactly one entry under `Resources`/],
    [
      'no load balancer info',
      USER_GUIDE_APPSPEC.replace(/ {8}LoadBalancerInfo:\n.*\n.*\n/, ''),
      /no `LoadBalancerInfo`/,
    ],
  ])('refuses %s, naming the input and the file', (_, text, message) => {
    expect(() => appSpecFromFile(text, 'deploy/appspec.yaml', ARN)).toThrow(ConfigurationError);
    expect(() => appSpecFromFile(text, 'deploy/appspec.yaml', ARN)).toThrow(
      new RegExp(`^Input \`codedeploy-appspec\`: "deploy/appspec.yaml" .*${message.source}`),
    );
  });
});

it('sends the content with its SHA-256 and the traffic target', () => {
  const content = appSpecContent(generateAppSpec(ARN, { containerName: 'app', containerPort: 8080 }));
  expect(content.sha256).toBe(createHash('sha256').update(content.content).digest('hex'));
  expect(JSON.parse(content.content)).toEqual({
    version: 0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: ARN,
            LoadBalancerInfo: { ContainerName: 'app', ContainerPort: 8080 },
          },
        },
      },
    ],
  });
  expect(content.traffic).toEqual({ containerName: 'app', containerPort: 8080 });
});

it('checks the container and port against the task definition', () => {
  const containers = [{ name: 'app', portMappings: [{ containerPort: 8080 }] }, { name: 'envoy' }];
  expect(() =>
    checkTrafficTarget({ containerName: 'app', containerPort: 8080 }, containers, 'x'),
  ).not.toThrow();
  expect(() => checkTrafficTarget({ containerName: 'web', containerPort: 8080 }, containers, 'x')).toThrow(
    /container `web` receives the traffic, but the task definition defines `app`, `envoy`/,
  );
  expect(() => checkTrafficTarget({ containerName: 'app', containerPort: 80 }, containers, 'x')).toThrow(
    /no port mapping for 80 \(it maps 8080\)/,
  );
});

it('names the application and group as the AWS deploy action does, from names or ARNs', () => {
  expect(codedeployNames({}, 'shop', 'web')).toEqual({
    application: 'AppECS-shop-web',
    deploymentGroup: 'DgpECS-shop-web',
  });
  expect(
    codedeployNames({ application: 'A' }, 'arn:aws:ecs:eu-west-1:123456789012:cluster/shop', 'web'),
  ).toEqual({ application: 'A', deploymentGroup: 'DgpECS-shop-web' });
});

it('refuses inputs that do not fit the controller, both ways', () => {
  const view = {
    strategy: 'canary',
    circuitBreaker: 'rollback',
    alarms: ['a'],
    forceNewDeployment: false,
    capacityProviderStrategy: [],
  };
  expect(inputsCodeDeployIgnores(view)).toEqual(['strategy', 'alarms']);
  expect(controllerMismatch('CODE_DEPLOY', 'web', ['strategy'], [])?.message).toMatch(
    /`strategy` has no effect/,
  );
  expect(controllerMismatch('ECS', 'web', [], ['codedeploy-application'])?.message).toMatch(
    /`codedeploy-application` applies only to a service with the CODE_DEPLOY deployment controller, but `web` uses ECS/,
  );
  expect(controllerMismatch('ECS', 'web', ['strategy'], [])).toBeUndefined();
});

// The circuit breaker's documented threshold: 0.5 × desired count, at least 3, at most 200.
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html
it.each([
  [1, 3],
  [2, 3],
  [7, 4],
  [10, 5],
  [1000, 200],
])(
  'stops after as many failed replacement tasks as the circuit breaker would (%i tasks → %i)',
  (desired, threshold) => {
    expect(failedTaskThreshold(desired)).toBe(threshold);
  },
);
