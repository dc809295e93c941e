/**
 * Shared fixtures of the CodeDeploy tests: the User Guide's ECS AppSpec, a
 * scenario with a CODE_DEPLOY service and its deployment group, and SDK clients.
 */
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECSClient } from '@aws-sdk/client-ecs';
import type { Scenario } from '../src/index.js';
import type { RunningEmulator } from '../src/server.js';
import type { ScenarioHookBehaviour } from '../src/world.js';
import { ACCOUNT, ECR, fargateTaskDefinition, NETWORK, REGION } from './ecs-helpers.js';

/**
 * The ECS AppSpec example of the CodeDeploy User Guide, as written there
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-example.html#appspec-file-example-ecs).
 */
export const DOCS_APPSPEC_YAML = `version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "arn:aws:ecs:us-east-1:111222333444:task-definition/my-task-definition-family-name:1"
        LoadBalancerInfo:
          ContainerName: "SampleApplicationName"
          ContainerPort: 80
# Optional properties
        PlatformVersion: "LATEST"
        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: ["subnet-1234abcd","subnet-5678abcd"]
            SecurityGroups: ["sg-12345678"]
            AssignPublicIp: "ENABLED"
        CapacityProviderStrategy:
          - Base: 1
            CapacityProvider: "FARGATE_SPOT"
            Weight: 2
          - Base: 0
            CapacityProvider: "FARGATE"
            Weight: 1
Hooks:
  - BeforeInstall: "LambdaFunctionToValidateBeforeInstall"
  - AfterInstall: "LambdaFunctionToValidateAfterInstall"
  - AfterAllowTestTraffic: "LambdaFunctionToValidateAfterTestTrafficStarts"
  - BeforeAllowTraffic: "LambdaFunctionToValidateBeforeAllowingProductionTraffic"
  - AfterAllowTraffic: "LambdaFunctionToValidateAfterAllowingProductionTraffic"
`;

/** The User Guide's AppSpec with the task definition, container and port of the shop's `web` service (as the AWS deploy action rewrites TaskDefinition). */
export function appSpecFor(taskDefinitionArn: string, hooks = true): string {
  const text = DOCS_APPSPEC_YAML.replace(
    'arn:aws:ecs:us-east-1:111222333444:task-definition/my-task-definition-family-name:1',
    taskDefinitionArn,
  )
    .replace('"SampleApplicationName"', '"app"')
    .replace('ContainerPort: 80', 'ContainerPort: 8080')
    .replace(/# Optional properties[\s\S]*?(?=Hooks:)/, '');
  return hooks ? text : text.slice(0, text.indexOf('Hooks:'));
}

export const SERVICE_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsCodeDeployRole`;
export const TG_BLUE = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/web-blue/0123456789abcdef`;
export const LISTENER = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/shop/0123456789abcdef/fedcba9876543210`;
export const TEST_LISTENER = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/shop/0123456789abcdef/0011223344556677`;

export function taskDefinitionArn(revision: number): string {
  return `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:${revision}`;
}

/** CreateDeploymentGroup input for the shop's `web` service (the shape of the CodeDeploy ECS tutorial). */
export function deploymentGroupInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    applicationName: 'AppECS-shop-web',
    deploymentGroupName: 'DgpECS-shop-web',
    serviceRoleArn: SERVICE_ROLE,
    deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
    blueGreenDeploymentConfiguration: {
      terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
      deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
    },
    loadBalancerInfo: {
      targetGroupPairInfoList: [
        {
          targetGroups: [{ name: 'web-blue' }, { name: 'web-green' }],
          prodTrafficRoute: { listenerArns: [LISTENER] },
          testTrafficRoute: { listenerArns: [TEST_LISTENER] },
        },
      ],
    },
    ecsServices: [{ serviceName: 'web', clusterName: 'shop' }],
    autoRollbackConfiguration: {
      enabled: true,
      events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'],
    },
    ...overrides,
  };
}

/**
 * A cluster `shop` with `web`, a steady CODE_DEPLOY service (2 Fargate tasks of web:1
 * behind the blue target group), `rolling`, an ECS-controller service, task
 * definitions web:1..3 (web:3's image exits), the application and the group.
 */
export function codedeployScenario(
  options: { group?: Record<string, unknown>; hooks?: Record<string, ScenarioHookBehaviour> } = {},
): Scenario {
  return {
    region: REGION,
    accountId: ACCOUNT,
    clusters: ['shop'],
    taskDefinitions: [1, 2, 3].map((n) =>
      fargateTaskDefinition('web', `${ECR}/web:${n}`, { healthCheck: true }),
    ),
    repositories: [{ name: 'web', images: [1, 2, 3].map((n) => ({ tags: [String(n)] })) }],
    behaviours: {
      [`${ECR}/web:3`]: { exitCode: 1, exitAfterSeconds: 5 },
      [`${ECR}/web:*`]: { healthyAfterSeconds: 0 },
    },
    services: [
      {
        cluster: 'shop',
        serviceName: 'web',
        taskDefinition: 'web:1',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
        deploymentController: { type: 'CODE_DEPLOY' },
        loadBalancers: [{ targetGroupArn: TG_BLUE, containerName: 'app', containerPort: 8080 }],
      },
      {
        cluster: 'shop',
        serviceName: 'rolling',
        taskDefinition: 'web:1',
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
      },
    ],
    codedeploy: {
      applications: [{ applicationName: 'AppECS-shop-web', computePlatform: 'ECS' }],
      deploymentGroups: [deploymentGroupInput(options.group)],
      hooks: options.hooks,
    },
  };
}

export function clients(
  emulator: RunningEmulator,
  credentials = { accessKeyId: 'AKIDBERTHTEST', secretAccessKey: 'not-checked' },
) {
  const config = { endpoint: emulator.url, region: REGION, credentials, maxAttempts: 1 };
  return { codedeploy: new CodeDeployClient(config), ecs: new ECSClient(config) };
}
