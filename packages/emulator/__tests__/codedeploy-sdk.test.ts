/**
 * The emulator's CodeDeploy (ECS blue/green) driven only through the real
 * @aws-sdk/client-codedeploy and @aws-sdk/client-ecs over HTTP: the calls the AWS
 * deploy action makes (GetDeploymentGroup, CreateDeployment with AppSpecContent,
 * the DeploymentSuccessful waiter) and those a follower needs (GetDeploymentTarget,
 * StopDeployment, ContinueDeployment, PutLifecycleEventHookExecutionStatus).
 * Time moves only when a test advances it, in fixed steps, so results do not
 * depend on the machine's speed.
 *
 * Besides the API reference, expected values come from a recording of real ECS blue/green
 * deployments with raw CLI output: josefloressv/aws-devops-engineer,
 * scenarios/domain-1-sdlc/ecs-bluegreen-codedeploy/README.md (run of 2026-08-08), cited as
 * "recording" below.
 */

import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApplicationDoesNotExistException,
  type CodeDeployClient,
  ContinueDeploymentCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  DeploymentGroupDoesNotExistException,
  DeploymentIsNotInReadyStateException,
  DeploymentLimitExceededException,
  GetApplicationCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  InvalidDeploymentStyleException,
  InvalidECSServiceException,
  InvalidLifecycleEventHookExecutionStatusException,
  InvalidRevisionException,
  ListDeploymentTargetsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  RoleRequiredException,
  StopDeploymentCommand,
  waitUntilDeploymentSuccessful,
} from '@aws-sdk/client-codedeploy';
import {
  DeleteServiceCommand,
  DescribeServicesCommand,
  type ECSClient,
  InvalidParameterException,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { type RunningEmulator, startEmulator } from '../src/server.js';
import {
  appSpecFor,
  clients,
  codedeployScenario,
  deploymentGroupInput,
  taskDefinitionArn,
} from './codedeploy-helpers.js';
import { ECR } from './ecs-helpers.js';
import { rejection } from './helpers/emulator.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const APP = 'AppECS-shop-web';
const GROUP = 'DgpECS-shop-web';

/** The AWS deploy action's CreateDeployment: AppSpec as JSON text with its SHA-256 (index.js createCodeDeployDeployment). */
function appSpecRevision(content: string) {
  return {
    revisionType: 'AppSpecContent' as const,
    appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') },
  };
}

interface Fixture {
  emulator: RunningEmulator;
  codedeploy: CodeDeployClient;
  ecs: ECSClient;
}

function setUp(options: Parameters<typeof codedeployScenario>[0] = {}): () => Fixture {
  let fixture: Fixture | undefined;
  beforeAll(async () => {
    const emulator = await startEmulator({
      scenario: codedeployScenario(options),
      seed: 11,
      startTime: '2025-06-02T09:00:00Z',
    });
    fixture = { emulator, ...clients(emulator) };
  });
  beforeEach(() => fixture?.emulator.control.reset());
  afterAll(async () => {
    await fixture?.emulator.stop();
  });
  return () => {
    if (!fixture) throw new Error('not started');
    return fixture;
  };
}

/** Advances emulated time in steps of `stepSeconds` until `check` holds (at most `maxSeconds`); returns the seconds advanced. */
async function advanceUntil(
  f: Fixture,
  check: () => Promise<boolean>,
  { stepSeconds = 5, maxSeconds = 3 * 3600 } = {},
): Promise<number> {
  for (let waited = 0; waited <= maxSeconds; waited += stepSeconds) {
    if (await check()) return waited;
    f.emulator.control.advance(stepSeconds);
  }
  throw new Error(`condition not reached within ${maxSeconds} emulated seconds`);
}

async function deploymentInfo(f: Fixture, deploymentId: string) {
  return (await f.codedeploy.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo!;
}

async function ecsTarget(f: Fixture, deploymentId: string) {
  const out = await f.codedeploy.send(new GetDeploymentTargetCommand({ deploymentId, targetId: 'shop:web' }));
  return out.deploymentTarget!.ecsTarget!;
}

async function webService(f: Fixture) {
  return (await f.ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['web'] }))).services![0];
}

async function deploy(f: Fixture, revision: number, extra: Record<string, unknown> = {}, hooks = true) {
  const out = await f.codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: APP,
      deploymentGroupName: GROUP,
      revision: appSpecRevision(JSON.stringify(parse(appSpecFor(taskDefinitionArn(revision), hooks)))),
      ...extra,
    }),
  );
  return out.deploymentId!;
}

/** The AWS deploy action's waiter (DeploymentSuccessful) stops with FAILURE on Failed and Stopped. */
async function expectWaiterFailure(f: Fixture, deploymentId: string): Promise<void> {
  await expect(
    waitUntilDeploymentSuccessful({ client: f.codedeploy, maxWaitTime: 5, minDelay: 1 }, { deploymentId }),
  ).rejects.toThrow(/FAILURE/);
}

/** Only the original task set is left, PRIMARY, running web:1. */
async function expectOnlyOriginal(f: Fixture): Promise<void> {
  expect((await webService(f)).taskSets!.map((t) => [t.status, t.taskDefinition])).toEqual([
    ['PRIMARY', taskDefinitionArn(1)],
  ]);
}

/** The lifecycle events of an ECS deployment in the documented order (deployment-steps-ecs.html). */
const ECS_EVENTS = [
  'BeforeInstall',
  'Install',
  'AfterInstall',
  'AllowTestTraffic',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AllowTraffic',
  'AfterAllowTraffic',
];

describe('applications and deployment groups', () => {
  const f = setUp();

  it('creates and reads an ECS application; an unknown one answers "No application found for name"', async () => {
    const { applicationId } = await f().codedeploy.send(
      new CreateApplicationCommand({ applicationName: 'other', computePlatform: 'ECS' }),
    );
    const { application } = await f().codedeploy.send(
      new GetApplicationCommand({ applicationName: 'other' }),
    );
    expect(application).toMatchObject({ applicationId, applicationName: 'other', computePlatform: 'ECS' });
    expect(application?.createTime).toBeInstanceOf(Date);
    const error = await rejection(
      f().codedeploy.send(new GetApplicationCommand({ applicationName: 'nope' })),
    );
    expect(error).toBeInstanceOf(ApplicationDoesNotExistException);
    expect(error.message).toBe('No application found for name: nope');
  });

  it('reads the deployment group the AWS deploy action reads (wait times, ecsServices, default config ECSAllAtOnce)', async () => {
    const { deploymentGroupInfo } = await f().codedeploy.send(
      new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: GROUP }),
    );
    expect(deploymentGroupInfo).toMatchObject({
      applicationName: APP,
      deploymentGroupName: GROUP,
      computePlatform: 'ECS',
      // "If you don't specify a deployment configuration, CodeDeploy uses … CodeDeployDefault.ECSAllAtOnce" for ECS.
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      ecsServices: [{ serviceName: 'web', clusterName: 'shop' }],
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 5 },
        deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT', waitTimeInMinutes: 0 },
      },
    });
    const error = await rejection(
      f().codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName: APP, deploymentGroupName: 'nope' }),
      ),
    );
    expect(error).toBeInstanceOf(DeploymentGroupDoesNotExistException);
    expect(error.message).toBe('No Deployment Group found for name: nope');
  });

  // API_CreateDeploymentGroup errors; deployment-groups-create-ecs.html (CODE_DEPLOY controller, BLUE_GREEN with traffic control).
  it.each([
    [
      'a service with the ECS controller',
      { deploymentGroupName: 'g', ecsServices: [{ serviceName: 'rolling', clusterName: 'shop' }] },
      InvalidECSServiceException,
    ],
    [
      'a service that does not exist',
      { deploymentGroupName: 'g', ecsServices: [{ serviceName: 'ghost', clusterName: 'shop' }] },
      InvalidECSServiceException,
    ],
    [
      'an in-place deployment style',
      {
        deploymentGroupName: 'g',
        deploymentStyle: { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' },
      },
      InvalidDeploymentStyleException,
    ],
    ['no service role', { deploymentGroupName: 'g', serviceRoleArn: undefined }, RoleRequiredException],
  ])('refuses a deployment group with %s', async (_what, overrides, exception) => {
    const error = await rejection(
      f().codedeploy.send(new CreateDeploymentGroupCommand(deploymentGroupInput(overrides) as any)),
    );
    expect(error).toBeInstanceOf(exception);
  });

  it('describes a predefined configuration as the User Guide does (canary 10 % then the rest after 5 minutes)', async () => {
    const { deploymentConfigInfo } = await f().codedeploy.send(
      new GetDeploymentConfigCommand({
        deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
      }),
    );
    expect(deploymentConfigInfo).toMatchObject({
      computePlatform: 'ECS',
      trafficRoutingConfig: {
        type: 'TimeBasedCanary',
        timeBasedCanary: { canaryPercentage: 10, canaryInterval: 5 },
      },
    });
  });
});

describe('ECS side of a CODE_DEPLOY service', () => {
  const f = setUp();

  it('shows one PRIMARY task set at 100 % and no deployments, as the corpus recording does', async () => {
    const svc = await webService(f());
    // corpus ecs-api/c7n-describe-services-codedeploy-taskset.json: deployments [] and the state in taskSets[].
    expect(svc.deployments).toEqual([]);
    expect(svc.deploymentController).toEqual({ type: 'CODE_DEPLOY' });
    expect(svc.taskSets).toHaveLength(1);
    expect(svc.taskSets![0]).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: taskDefinitionArn(1),
      computedDesiredCount: 2,
      runningCount: 2,
      scale: { value: 100, unit: 'PERCENT' },
      stabilityStatus: 'STEADY_STATE',
    });
    expect(svc.taskSets![0].id).toMatch(/^ecs-svc\/\d{19}$/);
    expect(svc.taskSets![0].taskSetArn).toBe(
      `arn:aws:ecs:eu-west-1:123456789012:task-set/shop/web/${svc.taskSets![0].id}`,
    );
    expect(svc.runningCount).toBe(2);
  });

  // ECS's InvalidParameterException texts as users quote them (terraform-provider-aws issue reports, AWS CLI output).
  it.each([
    [
      { taskDefinition: 'web:2' },
      'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    ],
    [
      { forceNewDeployment: true },
      'Cannot force a new deployment on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    ],
    [
      { networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-9'] } } },
      'Unable to update network parameters on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    ],
  ])("refuses UpdateService %j with ECS's text", async (change, message) => {
    const error = await rejection(
      f().ecs.send(new UpdateServiceCommand({ cluster: 'shop', service: 'web', ...(change as object) })),
    );
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect(error.message).toBe(message);
  });

  it("scales its task set with the service's desired count (UpdateService desiredCount is allowed)", async () => {
    await f().ecs.send(new UpdateServiceCommand({ cluster: 'shop', service: 'web', desiredCount: 3 }));
    f().emulator.control.advance(120);
    const svc = await webService(f());
    expect(svc.taskSets!.map((t) => [t.computedDesiredCount, t.runningCount, t.stabilityStatus])).toEqual([
      [3, 3, 'STEADY_STATE'],
    ]);
    expect(svc.runningCount).toBe(3);
  });

  it("DeleteService (force) stops the task sets' tasks and the service goes INACTIVE", async () => {
    await f().ecs.send(new DeleteServiceCommand({ cluster: 'shop', service: 'web', force: true }));
    f().emulator.control.advance(300);
    expect((await webService(f())).status).toBe('INACTIVE');
    const tasks = f().emulator.control.ecs!.listAllTasks({ cluster: 'shop', serviceName: 'web' });
    expect(tasks.length).toBe(2);
    expect(tasks.every((t) => t.lastStatus === 'STOPPED')).toBe(true);
  });
});

describe('a deployment that succeeds', () => {
  const f = setUp({ group: { deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes' } });

  it('runs the lifecycle events in order, shifts 10 % then 100 %, waits the termination time, then removes the original', async () => {
    const id = await deploy(f(), 2);
    expect(id).toMatch(/^d-[A-Z0-9]{9}$/);
    expect((await deploymentInfo(f(), id)).status).toBe('Created');
    expect((await deploymentInfo(f(), id)).deploymentOverview).toBeUndefined();
    expect(
      (await f().codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId: id }))).targetIds,
    ).toEqual(['shop:web']);

    // Install: a replacement (Green) task set running web:2 beside the original (Blue).
    await advanceUntil(f(), async () => (await ecsTarget(f(), id)).taskSetsInfo?.length === 2);
    let target = await ecsTarget(f(), id);
    expect(target.lifecycleEvents?.map((e) => e.lifecycleEventName)).toEqual(ECS_EVENTS);
    expect(target.taskSetsInfo?.map((t) => [t.taskSetLabel, t.trafficWeight, t.targetGroup?.name])).toEqual([
      ['Blue', 100, 'web-blue'],
      ['Green', 0, 'web-green'],
    ]);
    const sets = (await webService(f())).taskSets!;
    expect(sets.map((t) => [t.status, t.taskDefinition])).toEqual([
      ['PRIMARY', taskDefinitionArn(1)],
      ['ACTIVE', taskDefinitionArn(2)],
    ]);
    // API_TaskSet: a task set CodeDeploy created has startedBy CODE_DEPLOY and the deployment id as externalId.
    expect([sets[1].startedBy, sets[1].externalId]).toEqual(['CODE_DEPLOY', id]);

    // Canary: 10 % on the replacement for five minutes.
    await advanceUntil(f(), async () => (await ecsTarget(f(), id)).taskSetsInfo?.[1]?.trafficWeight === 10);
    target = await ecsTarget(f(), id);
    expect(target.taskSetsInfo?.map((t) => t.trafficWeight)).toEqual([90, 10]);
    const canary = await advanceUntil(
      f(),
      async () => (await ecsTarget(f(), id)).taskSetsInfo?.[1]?.trafficWeight === 100,
    );
    expect(canary).toBeGreaterThanOrEqual(295);
    expect(canary).toBeLessThanOrEqual(300);

    // Traffic moved: the replacement is PRIMARY, the deployment still runs during the termination wait (5 minutes).
    const service = await webService(f());
    expect(service.taskDefinition).toBe(taskDefinitionArn(2));
    expect(service.taskSets!.find((t) => t.status === 'PRIMARY')?.taskDefinition).toBe(taskDefinitionArn(2));
    await advanceUntil(
      f(),
      async () => (await ecsTarget(f(), id)).lifecycleEvents?.[7]?.status === 'Succeeded',
    );
    expect((await deploymentInfo(f(), id)).status).toBe('InProgress');
    const waited = await advanceUntil(
      f(),
      async () => (await deploymentInfo(f(), id)).status === 'Succeeded',
    );
    expect(waited).toBeGreaterThanOrEqual(295);

    const info = await deploymentInfo(f(), id);
    expect(info).toMatchObject({ status: 'Succeeded', creator: 'user', computePlatform: 'ECS' });
    expect(info.errorInformation).toBeUndefined();
    // Recording: deploymentOverview is null while an ECS deployment runs, then counts its one target.
    expect(info.deploymentOverview).toEqual({
      Pending: 0,
      InProgress: 0,
      Succeeded: 1,
      Failed: 0,
      Skipped: 0,
      Ready: 0,
    });
    target = await ecsTarget(f(), id);
    expect(target.status).toBe('Succeeded');
    expect(target.lifecycleEvents?.map((e) => e.status)).toEqual(ECS_EVENTS.map(() => 'Succeeded'));
    // The AWS deploy action's waiter is satisfied.
    await expect(
      waitUntilDeploymentSuccessful(
        { client: f().codedeploy, maxWaitTime: 5, minDelay: 1 },
        { deploymentId: id },
      ),
    ).resolves.toMatchObject({ state: 'SUCCESS' });
    // Recording: once the wait has expired the original reads DRAINING at scale 0.0, then drains away.
    const drained = (await webService(f())).taskSets!.find((t) => t.taskDefinition === taskDefinitionArn(1));
    expect([drained?.status, drained?.scale?.value]).toEqual(['DRAINING', 0]);
    await advanceUntil(f(), async () => (await webService(f())).taskSets!.length === 1);
    expect((await webService(f())).taskSets!.map((t) => [t.status, t.taskDefinition])).toEqual([
      ['PRIMARY', taskDefinitionArn(2)],
    ]);
  });

  it('refuses a second deployment while one is active', async () => {
    const first = await deploy(f(), 2);
    const error = await rejection(deploy(f(), 2));
    expect(error).toBeInstanceOf(DeploymentLimitExceededException);
    expect(error.message).toBe(`The Deployment Group '${GROUP}' already has an active Deployment '${first}'`);
  });

  it('refuses an AppSpec whose SHA-256 does not match and one without a task definition', async () => {
    const content = appSpecFor(taskDefinitionArn(2));
    const bad = await rejection(
      f().codedeploy.send(
        new CreateDeploymentCommand({
          applicationName: APP,
          deploymentGroupName: GROUP,
          revision: { revisionType: 'AppSpecContent', appSpecContent: { content, sha256: '0'.repeat(64) } },
        }),
      ),
    );
    expect(bad).toBeInstanceOf(InvalidRevisionException);
    const missing = await rejection(
      f().codedeploy.send(
        new CreateDeploymentCommand({
          applicationName: APP,
          deploymentGroupName: GROUP,
          revision: appSpecRevision(content.replace(/ *TaskDefinition: .*\n/, '')),
        }),
      ),
    );
    expect(missing).toBeInstanceOf(InvalidRevisionException);
    expect(missing.message).toMatch(/TaskDefinition/);
  });
});

describe('deployments that fail', () => {
  const f = setUp({
    hooks: { LambdaFunctionToValidateAfterTestTrafficStarts: { status: 'Failed', afterSeconds: 20 } },
  });

  it('a failed AfterAllowTestTraffic hook fails the deployment and rolls back to the original task set', async () => {
    const id = await deploy(f(), 2);
    await advanceUntil(f(), async () => (await deploymentInfo(f(), id)).status === 'Failed');
    const info = await deploymentInfo(f(), id);
    expect(info.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
    expect(info.errorInformation?.message).toMatch(/AfterAllowTestTraffic/);
    const target = await ecsTarget(f(), id);
    expect(target.status).toBe('Failed');
    expect(target.lifecycleEvents?.map((e) => e.status)).toEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Failed',
      'Skipped',
      'Skipped',
      'Skipped',
    ]);
    expect(target.lifecycleEvents?.[4].diagnostics).toMatchObject({
      errorCode: 'ScriptFailed',
      scriptName: 'LambdaFunctionToValidateAfterTestTrafficStarts',
    });
    // Automatic rollback (DEPLOYMENT_FAILURE): a rollback deployment puts production back on the original.
    const rollbackId = info.rollbackInfo?.rollbackDeploymentId;
    expect(rollbackId).toMatch(/^d-[A-Z0-9]{9}$/);
    await advanceUntil(f(), async () => (await deploymentInfo(f(), rollbackId!)).status === 'Succeeded');
    const rollback = await deploymentInfo(f(), rollbackId!);
    // Recording: the rollback's creator, configuration and both messages.
    expect(rollback).toMatchObject({
      creator: 'codeDeployRollback',
      deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce',
      rollbackInfo: {
        rollbackTriggeringDeploymentId: id,
        rollbackMessage: `Deployment ${rollbackId} is triggered to roll back deployment ${id}.`,
      },
    });
    expect(info.rollbackInfo?.rollbackMessage).toBe(
      `Deployment ${id} terminated. Automatic rollback is triggered with a DeploymentId ${rollbackId}.`,
    );
    await expectOnlyOriginal(f());
    // The AWS deploy action's waiter stops at Failed.
    await expectWaiterFailure(f(), id);
  });

  it("a replacement whose tasks never become healthy times out after 60 minutes with CodeDeploy's message, the tasks carrying ECS's reason", async () => {
    const id = await deploy(f(), 3, {}, false);
    const waited = await advanceUntil(f(), async () => (await deploymentInfo(f(), id)).status === 'Failed', {
      stepSeconds: 60,
    });
    expect(waited).toBeGreaterThanOrEqual(3600);
    expect(waited).toBeLessThanOrEqual(3720);
    const info = await deploymentInfo(f(), id);
    expect(info.errorInformation).toEqual({
      code: 'TIMEOUT',
      message:
        'The deployment timed out while waiting for the replacement task set to become healthy. This time out period is 60 minutes.',
    });
    expect((await ecsTarget(f(), id)).lifecycleEvents?.[1]).toMatchObject({
      lifecycleEventName: 'Install',
      status: 'Failed',
    });
    const stopped = f().emulator.control.ecs!.listAllTasks({
      cluster: 'shop',
      serviceName: 'web',
      desiredStatus: 'STOPPED',
    });
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped.every((t) => t.taskDefinitionArn === taskDefinitionArn(3))).toBe(true);
    expect(stopped[0].stoppedReason).toBe('Essential container in task exited');
  });

  it("replacement tasks that fail their health checks are replaced with the task-set form of ECS's event; the deployment times out and rolls back", async () => {
    f().emulator.control.seed({ behaviours: { [`${ECR}/web:2`]: { failHealthCheck: true } } });
    const id = await deploy(f(), 2, {}, false);
    await advanceUntil(f(), async () => (await deploymentInfo(f(), id)).status === 'Failed', {
      stepSeconds: 60,
    });
    expect((await deploymentInfo(f(), id)).errorInformation?.code).toBe('TIMEOUT');
    // service-unhealthy-event-messages.html: "task-set forms use '(service service-name, taskSet taskSet-id)'"
    // (corpus ecs-failures/failures.json); the task stop reason is ECS's.
    const events = (await webService(f())).events!.map((e) => e.message!);
    expect(events).toContainEqual(
      expect.stringMatching(
        /^\(service web, taskSet ecs-svc\/\d{19}\) \(task [0-9a-f]{32}\) failed container health checks\.$/,
      ),
    );
    const stopped = f().emulator.control.ecs!.listAllTasks({
      cluster: 'shop',
      serviceName: 'web',
      desiredStatus: 'STOPPED',
    });
    expect(stopped.some((t) => t.stoppedReason === 'Task failed container health checks')).toBe(true);
    const rollbackId = (await deploymentInfo(f(), id)).rollbackInfo?.rollbackDeploymentId;
    await advanceUntil(f(), async () => (await deploymentInfo(f(), rollbackId!)).status === 'Succeeded');
    await expectOnlyOriginal(f());
  });

  it("a container the task definition does not have fails Install with ECS's answer (ECS_UPDATE_ERROR)", async () => {
    const content = appSpecFor(taskDefinitionArn(2), false).replace('"app"', '"sidecar"');
    const { deploymentId } = await f().codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: APP,
        deploymentGroupName: GROUP,
        revision: appSpecRevision(content),
      }),
    );
    await advanceUntil(f(), async () => (await deploymentInfo(f(), deploymentId!)).status === 'Failed');
    const info = await deploymentInfo(f(), deploymentId!);
    expect(info.errorInformation?.code).toBe('ECS_UPDATE_ERROR');
    expect(info.errorInformation?.message).toContain(
      'The container sidecar does not exist in the task definition.',
    );
  });
});

describe('stopping and continuing', () => {
  const f = setUp({
    group: {
      blueGreenDeploymentConfiguration: {
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 60 },
        deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 30 },
      },
    },
    hooks: { LambdaFunctionToValidateAfterInstall: { status: 'Pending' } },
  });

  it('waits for a hook that reports through PutLifecycleEventHookExecutionStatus, then for ContinueDeployment(READY_WAIT)', async () => {
    const id = await deploy(f(), 2);
    await advanceUntil(
      f(),
      async () => (await ecsTarget(f(), id)).lifecycleEvents?.[2]?.status === 'InProgress',
    );
    // The hook's execution id is what CodeDeploy passes to the Lambda function; the test plays the function.
    const hookId = hookExecutionId(f(), id, 'AfterInstall');
    const invalid = await rejection(
      f().codedeploy.send(
        new PutLifecycleEventHookExecutionStatusCommand({
          deploymentId: id,
          lifecycleEventHookExecutionId: hookId,
          status: 'Pending',
        }),
      ),
    );
    expect(invalid).toBeInstanceOf(InvalidLifecycleEventHookExecutionStatusException);
    // Nothing moves while the hook has not reported.
    f().emulator.control.advance(600);
    expect((await ecsTarget(f(), id)).lifecycleEvents?.[2]?.status).toBe('InProgress');
    const answer = await f().codedeploy.send(
      new PutLifecycleEventHookExecutionStatusCommand({
        deploymentId: id,
        lifecycleEventHookExecutionId: hookId,
        status: 'Succeeded',
      }),
    );
    expect(answer.lifecycleEventHookExecutionId).toBe(hookId);

    // STOP_DEPLOYMENT: traffic waits for ContinueDeployment.
    await advanceUntil(f(), async () => (await deploymentInfo(f(), id)).status === 'Ready');
    f().emulator.control.advance(300);
    expect((await ecsTarget(f(), id)).taskSetsInfo?.[1]?.trafficWeight).toBe(0);
    const early = await rejection(
      f().codedeploy.send(
        new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'TERMINATION_WAIT' }),
      ),
    );
    expect(early).toBeInstanceOf(DeploymentIsNotInReadyStateException);
    await f().codedeploy.send(
      new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }),
    );
    await advanceUntil(f(), async () => (await ecsTarget(f(), id)).taskSetsInfo?.[1]?.trafficWeight === 100);
    expect((await deploymentInfo(f(), id)).status).toBe('InProgress');

    // During the 60-minute termination wait, StopDeployment with autoRollbackEnabled puts traffic back.
    await advanceUntil(
      f(),
      async () => (await deploymentInfo(f(), id)).instanceTerminationWaitTimeStarted === true,
    );
    const stop = await f().codedeploy.send(
      new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }),
    );
    expect(stop.status).toBe('Pending');
    const info = await deploymentInfo(f(), id);
    expect(info.status).toBe('Stopped');
    expect(info.errorInformation?.code).toBe('MANUAL_STOP');
    await advanceUntil(f(), async () => (await webService(f())).taskSets!.length === 1);
    const svc = await webService(f());
    expect(svc.taskDefinition).toBe(taskDefinitionArn(1));
    await expectOnlyOriginal(f());
    await expectWaiterFailure(f(), id);
  });

  it('a ready wait that runs out stops the deployment (deploymentReadyOption STOP_DEPLOYMENT)', async () => {
    const id = await deploy(f(), 2, {}, false);
    await advanceUntil(f(), async () => (await deploymentInfo(f(), id)).status === 'Ready');
    const waited = await advanceUntil(f(), async () => (await deploymentInfo(f(), id)).status === 'Stopped', {
      stepSeconds: 60,
    });
    expect(waited).toBeGreaterThanOrEqual(29 * 60);
    expect(waited).toBeLessThanOrEqual(30 * 60);
    // Production traffic never moved: the original keeps serving, the replacement goes.
    expect((await deploymentInfo(f(), id)).rollbackInfo).toBeUndefined();
    await advanceUntil(f(), async () => (await webService(f())).taskSets!.length === 1);
    await expectOnlyOriginal(f());
  });
});

describe('an alarm during the traffic shift', () => {
  const f = setUp({
    group: {
      deploymentConfigName: 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
      alarmConfiguration: { enabled: true, alarms: [{ name: 'web-5xx' }] },
      autoRollbackConfiguration: {
        enabled: true,
        events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'],
      },
    },
  });

  it('stops the deployment with ALARM_ACTIVE and rolls back to the original at once (recording E3.4b)', async () => {
    const id = await deploy(f(), 2, {}, false);
    await advanceUntil(f(), async () => (await ecsTarget(f(), id)).taskSetsInfo?.[1]?.trafficWeight === 10);
    f().emulator.control.alarm('web-5xx', 'ALARM');
    // Recording: 23 s from the alarm to Stopped.
    const waited = await advanceUntil(f(), async () => (await deploymentInfo(f(), id)).status === 'Stopped');
    expect(waited).toBeLessThanOrEqual(30);
    const info = await deploymentInfo(f(), id);
    expect(info.errorInformation).toEqual({
      code: 'ALARM_ACTIVE',
      message:
        'One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <web-5xx>',
    });
    const target = await ecsTarget(f(), id);
    expect(target.lifecycleEvents?.map((e) => e.status)).toEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Succeeded',
      'Failed',
      'Skipped',
    ]);
    // Recording: the weights are back at 100/0 when the deployment reads Stopped; the replacement drains at scale 0.
    const svc = await webService(f());
    expect(svc.taskSets!.map((t) => [t.status, t.scale?.value, t.taskDefinition])).toEqual([
      ['PRIMARY', 100, taskDefinitionArn(1)],
      ['DRAINING', 0, taskDefinitionArn(2)],
    ]);
    const rollbackId = info.rollbackInfo!.rollbackDeploymentId!;
    await advanceUntil(f(), async () => (await deploymentInfo(f(), rollbackId)).status === 'Succeeded');
    await expectOnlyOriginal(f());
  });
});

describe('a hook that never reports', () => {
  const f = setUp({ hooks: { '*ValidateBeforeInstall': { status: 'Pending' } } });

  it('fails its event with ScriptTimedOut; at BeforeInstall nothing is rolled back ("A rollback is not possible at this point")', async () => {
    const id = await deploy(f(), 2);
    await advanceUntil(f(), async () => (await deploymentInfo(f(), id)).status === 'Failed', {
      stepSeconds: 300,
    });
    const info = await deploymentInfo(f(), id);
    expect(info.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE');
    expect(info.rollbackInfo).toBeUndefined();
    const target = await ecsTarget(f(), id);
    expect(target.lifecycleEvents?.[0]).toMatchObject({
      lifecycleEventName: 'BeforeInstall',
      status: 'Failed',
      diagnostics: { errorCode: 'ScriptTimedOut', scriptName: 'LambdaFunctionToValidateBeforeInstall' },
    });
    expect(target.taskSetsInfo?.map((t) => [t.taskSetLabel, t.trafficWeight])).toEqual([['Blue', 100]]);
    expect((await webService(f())).taskSets!.map((t) => t.taskDefinition)).toEqual([taskDefinitionArn(1)]);
  });
});

/** The execution id CodeDeploy gave the hook running in `event` (what it passes to the Lambda function). */
function hookExecutionId(f: Fixture, deploymentId: string, event: string): string {
  const snapshot = f.emulator.control.state().services.codedeploy as any;
  const executionId = snapshot.hookExecutions?.[deploymentId]?.[event];
  if (!executionId) throw new Error(`no hook execution for ${deploymentId} ${event}`);
  return executionId;
}

describe('scenarios/codedeploy.yaml', () => {
  it('loads, and a deployment of shop-web:2 (image v2) succeeds through canary and termination wait', async () => {
    const emulator = await startEmulator({
      scenario: join(HERE, '..', 'scenarios', 'codedeploy.yaml'),
      startTime: '2025-06-02T09:00:00Z',
    });
    try {
      const f: Fixture = { emulator, ...clients(emulator) };
      await f.ecs.send(
        new RegisterTaskDefinitionCommand({
          ...(f.emulator.world.scenario.taskDefinitions![0] as any),
          containerDefinitions: [
            {
              ...((f.emulator.world.scenario.taskDefinitions![0] as any).containerDefinitions[0] as object),
              image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web:v2',
            },
          ],
        }),
      );
      const content = appSpecFor(
        'arn:aws:ecs:us-east-1:123456789012:task-definition/shop-web:2',
        false,
      ).replace('"app"', '"web"');
      const { deploymentId } = await f.codedeploy.send(
        new CreateDeploymentCommand({
          applicationName: APP,
          deploymentGroupName: GROUP,
          revision: appSpecRevision(content),
        }),
      );
      await advanceUntil(f, async () => (await deploymentInfo(f, deploymentId!)).status === 'Succeeded', {
        stepSeconds: 30,
      });
      const svc = (await f.ecs.send(new DescribeServicesCommand({ cluster: 'shop', services: ['web'] })))
        .services![0];
      expect(svc.taskDefinition).toBe('arn:aws:ecs:us-east-1:123456789012:task-definition/shop-web:2');
    } finally {
      await emulator.stop();
    }
  });
});
