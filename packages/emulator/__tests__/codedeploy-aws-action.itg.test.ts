/**
 * The AWS deploy action itself (aws-actions/amazon-ecs-deploy-task-definition v2.6.3, its
 * unmodified committed bundle in ../shared/opponents) deploys a CODE_DEPLOY service
 * through the emulator, as the runner runs it: RegisterTaskDefinition, DescribeServices,
 * GetDeploymentGroup (its default names AppECS-<cluster>-<service> and
 * DgpECS-<cluster>-<service>), CreateDeployment with the AppSpec as JSON and its SHA-256,
 * then the SDK's DeploymentSuccessful waiter. An independent client: if the emulator's
 * shapes or statuses were not CodeDeploy's, this bundle would fail where it succeeds on AWS.
 * Skipped with a notice where ../shared is absent (a user's clone).
 */
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { afterEach, expect, it } from '@jest/globals';
import { type RunningEmulator, startEmulator } from '../src/server.js';
import { type AwsActionRun, awsDeployActionPresent, runAwsDeployAction } from './aws-deploy-action.js';
import { clients, codedeployScenario, DOCS_APPSPEC_YAML } from './codedeploy-helpers.js';
import { ACCOUNT, ECR, fargateTaskDefinition, REGION } from './ecs-helpers.js';

let emulator: RunningEmulator | undefined;
let run: AwsActionRun | undefined;
afterEach(async () => {
  await emulator?.stop();
  run?.cleanup();
});

/** The User Guide's AppSpec for container `app` on 8080; the action replaces TaskDefinition itself. */
function appSpec(): string {
  return DOCS_APPSPEC_YAML.replace('"SampleApplicationName"', '"app"')
    .replace('ContainerPort: 80', 'ContainerPort: 8080')
    .replace(/# Optional properties[\s\S]*?(?=Hooks:)/, '');
}

async function runAwsAction(url: string): Promise<AwsActionRun> {
  run = await runAwsDeployAction(
    url,
    {
      'task-definition.json': JSON.stringify(
        fargateTaskDefinition('web', `${ECR}/web:2`, { healthCheck: true }),
      ),
      'appspec.yaml': appSpec(),
    },
    {
      'task-definition': 'task-definition.json',
      cluster: 'shop',
      service: 'web',
      'wait-for-service-stability': 'true',
      'wait-for-minutes': '5',
    },
  );
  return run;
}

const skip = !awsDeployActionPresent();

// The waiter polls every 15 real seconds; emulated time runs 300 times faster, so one poll is enough.
(skip ? it.skip : it)(
  'the AWS deploy action deploys a CODE_DEPLOY service and its waiter sees Succeeded',
  async () => {
    emulator = await startEmulator({ scenario: codedeployScenario(), seed: 5, timeScale: 300 });
    const result = await runAwsAction(emulator.url);
    expect(result.stdout).not.toMatch(/::error::/);
    expect(result.code).toBe(0);
    expect(result.outputs['task-definition-arn']).toBe(
      `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:4`,
    );
    const deploymentId = result.outputs['codedeploy-deployment-id'];
    expect(deploymentId).toMatch(/^d-[A-Z0-9]{9}$/);
    const { codedeploy, ecs } = clients(emulator);
    const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    expect(deploymentInfo?.status).toBe('Succeeded');
    const svc = (await ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['web'] })))
      .services![0];
    expect(svc.taskDefinition).toBe(`arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/web:4`);
  },
  200_000,
);

(skip ? it.skip : it)(
  "the AWS deploy action fails when a hook fails; CodeDeploy's reason is inside the waiter's JSON dump",
  async () => {
    emulator = await startEmulator({
      scenario: codedeployScenario({
        hooks: { LambdaFunctionToValidateBeforeAllowingProductionTraffic: { status: 'Failed' } },
      }),
      seed: 5,
      timeScale: 300,
    });
    const result = await runAwsAction(emulator.url);
    expect(result.code).toBe(1);
    // Its error is the waiter's whole answer as JSON (state FAILURE, the deployment info inside), one annotation.
    expect(result.stdout).toMatch(/^::error::\{"state":"FAILURE","reason":\{"deploymentInfo":/m);
    const deploymentId = result.outputs['codedeploy-deployment-id'];
    const { codedeploy } = clients(emulator);
    const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    expect(deploymentInfo?.status).toBe('Failed');
    expect(deploymentInfo?.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
    expect(deploymentInfo?.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-/);
  },
  200_000,
);
