/**
 * deploy-ecs deploys a service with the CODE_DEPLOY controller through
 * CodeDeploy, as the runner runs its bundle, against the emulator's CodeDeploy
 * (which follows the CodeDeploy API reference and User Guide, and which the
 * AWS deploy action's own bundle deploys through: packages/emulator's
 * codedeploy-aws-action.test.ts). What CodeDeploy reports is read back with
 * the SDK as the independent account of what happened.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-ecs.html
 */
import { readFileSync } from 'node:fs';
import { CodeDeployClient, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import type { Scenario } from '@berth/emulator';
import type { ActionResult } from '@berth/testkit/action-runner.js';
import {
  ACCOUNT,
  GOOD,
  type Harness,
  harness,
  log,
  NEXT,
  REGION,
  REGISTRY,
  scenario,
  taskDefinition,
} from './helpers/emulator.js';

const BROKEN = `${REGISTRY}/shop:v3`;
const NEVER_HEALTHY = `${REGISTRY}/shop:v4`;
const TG = (name: string) =>
  `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/${name}/0123456789abcdef`;
const LISTENER = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/shop/0123456789abcdef/fedcba9876543210`;

/** The harness's `web` service in `shop`, moved to the CODE_DEPLOY controller behind a blue target group, with its group. */
function codedeployScenario(config = 'CodeDeployDefault.ECSCanary10Percent5Minutes'): Scenario {
  const base = scenario();
  const [service] = base.services ?? [];
  return {
    ...base,
    services: [
      {
        ...service,
        deploymentController: { type: 'CODE_DEPLOY' },
        loadBalancers: [{ targetGroupArn: TG('web-blue'), containerName: 'app', containerPort: 8080 }],
      },
    ],
    behaviours: {
      [BROKEN]: { exitCode: 1, exitAfterSeconds: 8, logLines: ['Error: DATABASE_URL is not set'] },
      [NEVER_HEALTHY]: { startSeconds: 7200 },
      '*': { healthyAfterSeconds: 10 },
    },
    codedeploy: {
      applications: [{ applicationName: 'AppECS-shop-web', computePlatform: 'ECS' }],
      deploymentGroups: [
        {
          applicationName: 'AppECS-shop-web',
          deploymentGroupName: 'DgpECS-shop-web',
          serviceRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsCodeDeployRole`,
          deploymentConfigName: config,
          deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
          blueGreenDeploymentConfiguration: {
            terminateBlueInstancesOnDeploymentSuccess: {
              action: 'TERMINATE',
              terminationWaitTimeInMinutes: 5,
            },
            deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
          },
          loadBalancerInfo: {
            targetGroupPairInfoList: [
              {
                targetGroups: [{ name: 'web-blue' }, { name: 'web-green' }],
                prodTrafficRoute: { listenerArns: [LISTENER] },
              },
            ],
          },
          ecsServices: [{ serviceName: 'web', clusterName: 'shop' }],
          autoRollbackConfiguration: {
            enabled: true,
            events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST'],
          },
        },
      ],
      hooks: { '*Fails*': { status: 'Failed', afterSeconds: 10 } },
    },
  } as Scenario;
}

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

function codedeploy(): CodeDeployClient {
  return new CodeDeployClient({
    region: REGION,
    endpoint: h.emulator.url,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  });
}

async function deploymentOf(result: ActionResult) {
  const id = result.outputs['codedeploy-deployment-id'];
  expect(id).toMatch(/^d-[A-Z0-9]{9}$/);
  const client = codedeploy();
  try {
    return (await client.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo;
  } finally {
    client.destroy();
  }
}

function recordOf(result: ActionResult): Record<string, any> {
  return JSON.parse(readFileSync(result.outputs.record, 'utf8'));
}

it('deploys with a canary configuration: CodeDeploy shifts 10 % then the rest, and the step says so as it happens', async () => {
  h = await harness(codedeployScenario());
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
  });
  expect(log(result)).not.toMatch(/::error::/);
  expect(result.exitCode).toBe(0);
  const info = await deploymentOf(result);
  // CodeDeploy's own verdict, and ECS's: the service now runs the new revision.
  expect(info?.status).toBe('Succeeded');
  expect(info?.deploymentConfigName).toBe('CodeDeployDefault.ECSCanary10Percent5Minutes');
  const service = (await h.ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['web'] })))
    .services?.[0];
  expect(service?.taskDefinition).toBe(result.outputs['task-definition-arn']);
  expect(result.outputs.status).toBe('succeeded');
  // The canary's 10 % step was seen and reported (the configuration's first shift).
  expect(log(result)).toMatch(/original 90% of traffic, 2\/2 running; replacement 10% of traffic/);
  expect(log(result)).toMatch(/AllowTraffic/);
  const record = recordOf(result);
  expect(record).toMatchObject({ status: 'succeeded', deploymentId: info?.deploymentId, service: 'web' });
  expect(record.strategy).toBe('CodeDeploy CodeDeployDefault.ECSCanary10Percent5Minutes');
  expect(record.to.images).toEqual({ app: NEXT });
  expect(record.from.images).toEqual({ app: GOOD });
  expect(h.count('StopDeployment')).toBe(0);
});

it("a failed AfterAllowTestTraffic hook: CodeDeploy rolls back, the step fails naming the hook and CodeDeploy's error", async () => {
  h = await harness(codedeployScenario('CodeDeployDefault.ECSAllAtOnce'));
  const appspec = h.file(
    'appspec.yaml',
    'version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n        TaskDefinition: "placeholder"\n        LoadBalancerInfo:\n          ContainerName: "app"\n          ContainerPort: 8080\nHooks:\n  - AfterAllowTestTraffic: "SmokeTestFails"\n',
  );
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
    'codedeploy-appspec': appspec,
  });
  expect(result.exitCode).toBe(1);
  const info = await deploymentOf(result);
  expect(info?.status).toBe('Failed');
  expect(info?.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
  expect(info?.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
  expect(result.outputs.status).toBe('rolled-back');
  expect(log(result)).toMatch(
    /lifecycle event AfterAllowTestTraffic failed \(ScriptFailed: hook SmokeTestFails/,
  );
  expect(log(result)).toMatch(/HOOK_EXECUTION_FAILURE/);
  expect(log(result).match(/::error::/g)).toHaveLength(1);
  const service = (await h.ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['web'] })))
    .services?.[0];
  expect(service?.taskDefinition).toMatch(/:task-definition\/web:1$/);
  expect(recordOf(result).status).toBe('rolled-back');
});

it("an unhealthy replacement: Berth stops the deployment with rollback on the tasks' failures, naming the reason once, long before CodeDeploy's hour", async () => {
  h = await harness(codedeployScenario('CodeDeployDefault.ECSAllAtOnce'));
  const started = Date.parse(h.emulator.control.now().toISOString());
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(BROKEN)),
  });
  expect(result.exitCode).toBe(1);
  expect(h.count('StopDeployment')).toBe(1);
  const info = await deploymentOf(result);
  // StopDeployment with autoRollbackEnabled: Stopped, and a rollback deployment (API_StopDeployment, API_RollbackInfo).
  expect(info?.status).toBe('Stopped');
  expect(info?.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
  expect(result.outputs.status).toBe('rolled-back');
  const text = log(result);
  expect(text).toMatch(/tasks of the replacement task set stopped/);
  // The container's own line, once however many tasks failed the same way.
  expect(text.match(/DATABASE_URL is not set/g)).toHaveLength(1);
  expect(text).not.toMatch(/This time out period is 60 minutes/);
  expect(h.emulator.control.now().getTime() - started).toBeLessThan(30 * 60_000);
  const record = recordOf(result);
  expect(record.failedTasks.length).toBeGreaterThanOrEqual(3);
});

it("times out: StopDeployment with automatic rollback before the step's deadline, status timed-out", async () => {
  h = await harness(codedeployScenario('CodeDeployDefault.ECSAllAtOnce'));
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEVER_HEALTHY)),
    'timeout-minutes': '3',
  });
  expect(result.exitCode).toBe(1);
  expect(result.outputs.status).toBe('timed-out');
  expect(h.count('StopDeployment')).toBe(1);
  const info = await deploymentOf(result);
  expect(info?.status).toBe('Stopped');
  expect(info?.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
  expect(log(result)).toMatch(/Timed out after 3 min .*CodeDeploy deployment d-\w+/);
  expect(recordOf(result).status).toBe('timed-out');
});

it('refuses inputs CodeDeploy does not use, before any write', async () => {
  h = await harness(codedeployScenario());
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
    strategy: 'blue-green',
    'bake-time-minutes': '5',
  });
  expect(result.exitCode).toBe(1);
  expect(log(result)).toMatch(
    /uses the CODE_DEPLOY deployment controller.*`strategy`, `bake-time-minutes` have no effect/,
  );
  expect(h.writes()).toEqual([]);
});

it('refuses a deployment group that does not exist, before any write, naming the input to set', async () => {
  h = await harness(codedeployScenario());
  const result = await h.run(
    {
      cluster: 'shop',
      service: 'web',
      'task-definition': h.file('td.json', taskDefinition(NEXT)),
      'codedeploy-deployment-group': 'DgpECS-shop-web',
      'codedeploy-application': 'AppECS-shop-api',
    },
    {},
    false,
  );
  expect(result.exitCode).toBe(1);
  expect(log(result)).toMatch(
    /CodeDeploy application `AppECS-shop-api` was not found in us-east-1.*`codedeploy-application`/,
  );
  expect(h.writes()).toEqual([]);
});

it('refuses CodeDeploy inputs for a service ECS deploys itself, before any write', async () => {
  h = await harness(scenario());
  const result = await h.run({
    cluster: 'shop',
    service: 'web',
    'task-definition': h.file('td.json', taskDefinition(NEXT)),
    'codedeploy-deployment-config': 'CodeDeployDefault.ECSAllAtOnce',
  });
  expect(result.exitCode).toBe(1);
  expect(log(result)).toMatch(
    /`codedeploy-deployment-config` applies only to a service with the CODE_DEPLOY deployment controller, but `web` uses ECS/,
  );
  expect(h.writes()).toEqual([]);
});
