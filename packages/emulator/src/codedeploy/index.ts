/**
 * AWS CodeDeploy for the Amazon ECS compute platform (AWS JSON 1.1, target
 * prefix CodeDeploy_20141006): applications, deployment groups, blue/green
 * deployments with lifecycle hooks, traffic shifting, termination wait, stop and
 * rollback. API reference: https://docs.aws.amazon.com/codedeploy/latest/APIReference/Welcome.html
 *
 * The deployments run on the ECS engine's clock and change the ECS service
 * through its task sets (ecs/task-sets.ts). The EC2/On-Premises and Lambda
 * compute platforms are not modelled: their applications can be created, but a
 * deployment group for them is refused with the reason.
 */
import { createHash } from 'node:crypto';
import type { EcsEngine } from '../ecs/engine.js';
import { uuid } from '../ecs/util.js';
import type { EcsModule } from '../emulator.js';
import type { Scenario, ServiceModule, World } from '../world.js';
import { parseEcsAppSpec } from './appspec.js';
import { DEFAULT_ECS_CONFIG, PREDEFINED_ECS_CONFIGS, trafficRoutingConfigShape } from './configs.js';
import { errors } from './errors.js';
import { ecsDeploymentGroup } from './groups.js';
import { DeploymentLifecycle, isFinished } from './lifecycle.js';
import {
  applicationShape,
  deploymentGroupShape,
  deploymentShape,
  ecsTargetShape,
  targetId,
} from './shapes.js';
import { MANUAL_STOP, rollingBack } from './texts.js';
import {
  type ApplicationState,
  type ComputePlatform,
  type DeploymentGroupState,
  type DeploymentState,
  ECS_LIFECYCLE_EVENTS,
} from './types.js';

export const CODEDEPLOY_TARGET_PREFIX = 'CodeDeploy_20141006';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;

export interface CodeDeployModule extends ServiceModule {
  /** Adds a scenario fragment's applications and deployment groups (control `seed`). */
  seed(fragment: Scenario): void;
  /** The deployment group ARN a deployment belongs to (IAM resource of deployment-id operations). */
  deploymentGroupArnOf(deploymentId: string): string | undefined;
}

export function createCodeDeploy(world: World, ecs: EcsModule): CodeDeployModule {
  const engine: EcsEngine = ecs.engine;
  const applications = new Map<string, ApplicationState>();
  /** Keyed `${application}/${group}`. */
  const groups = new Map<string, DeploymentGroupState>();
  const deployments = new Map<string, DeploymentState>();

  const lifecycle = new DeploymentLifecycle({
    engine,
    world,
    group: (d) => groups.get(`${d.applicationName}/${d.groupName}`),
    createRollback: (failed, at) => {
      // A rollback moves all traffic back at once: ECSAllAtOnce whatever the group's configuration (recorded).
      const rollback = newDeployment(
        { ...failed, configName: DEFAULT_ECS_CONFIG, routing: PREDEFINED_ECS_CONFIGS[DEFAULT_ECS_CONFIG] },
        at,
        'codeDeployRollback',
      );
      rollback.rollbackInfo = {
        rollbackTriggeringDeploymentId: failed.id,
        rollbackMessage: rollingBack(rollback.id, failed.id),
      };
      rollback.rollbackOf = failed.id;
      return rollback;
    },
  });

  function newDeploymentId(): string {
    let id: string;
    do {
      id = 'd-';
      for (let i = 0; i < 9; i++) id += ID_ALPHABET[Math.floor(world.random() * ID_ALPHABET.length)];
    } while (deployments.has(id));
    return id;
  }

  function newDeployment(
    from: Pick<
      DeploymentState,
      | 'applicationName'
      | 'groupName'
      | 'configName'
      | 'routing'
      | 'revision'
      | 'clusterName'
      | 'serviceName'
      | 'autoRollback'
      | 'appSpec'
      | 'description'
    >,
    at: number,
    creator: DeploymentState['creator'],
  ): DeploymentState {
    const deployment: DeploymentState = {
      id: newDeploymentId(),
      applicationName: from.applicationName,
      groupName: from.groupName,
      configName: from.configName,
      routing: from.routing,
      creator,
      description: creator === 'user' ? from.description : undefined,
      createdAt: at,
      status: 'Created',
      revision: structuredClone(from.revision),
      appSpec: from.appSpec,
      events: ECS_LIFECYCLE_EVENTS.map((name) => ({ name, status: 'Pending' })),
      step: 0,
      clusterName: from.clusterName,
      serviceName: from.serviceName,
      replacementWeight: 0,
      testTrafficOnReplacement: false,
      autoRollback: structuredClone(from.autoRollback),
      generation: 0,
      targetUpdatedAt: at,
    };
    deployments.set(deployment.id, deployment);
    return deployment;
  }

  // ------------------------------------------------------------ lookups

  function application(name: unknown): ApplicationState {
    if (typeof name !== 'string' || name === '') throw errors.applicationNameRequired();
    const app = applications.get(name);
    if (!app) throw errors.applicationDoesNotExist(name);
    return app;
  }

  function group(app: ApplicationState, name: unknown): DeploymentGroupState {
    if (typeof name !== 'string' || name === '') throw errors.groupNameRequired();
    const found = groups.get(`${app.name}/${name}`);
    if (!found) throw errors.groupDoesNotExist(name);
    return found;
  }

  function deployment(id: unknown): DeploymentState {
    if (typeof id !== 'string' || id === '') throw errors.deploymentIdRequired();
    if (!DEPLOYMENT_ID.test(id)) throw errors.invalidDeploymentId(id);
    const found = deployments.get(id);
    if (!found) throw errors.deploymentDoesNotExist(id);
    return found;
  }

  const groupOf = (d: DeploymentState) => groups.get(`${d.applicationName}/${d.groupName}`);
  const configExists = (name: string) => name in PREDEFINED_ECS_CONFIGS;

  // --------------------------------------------------------- operations

  function createApplication(input: Record<string, any>) {
    const at = engine.now();
    const name = input.applicationName;
    if (typeof name !== 'string' || name === '') throw errors.applicationNameRequired();
    if (applications.has(name)) throw errors.applicationAlreadyExists(name);
    const platform = input.computePlatform ?? 'Server';
    if (!['Server', 'Lambda', 'ECS'].includes(platform)) throw errors.invalidComputePlatform(platform);
    const app: ApplicationState = {
      id: uuid(world.random),
      name,
      computePlatform: platform as ComputePlatform,
      createdAt: at,
      tags: structuredClone(input.tags ?? []),
    };
    applications.set(name, app);
    return { applicationId: app.id };
  }

  function createDeploymentGroup(input: Record<string, any>) {
    engine.now();
    const app = application(input.applicationName);
    const name = input.deploymentGroupName;
    if (typeof name !== 'string' || name === '') throw errors.groupNameRequired();
    if (groups.has(`${app.name}/${name}`)) throw errors.groupAlreadyExists(name);
    if (app.computePlatform !== 'ECS') {
      throw errors.invalidDeploymentStyle(
        `The emulator models the ECS compute platform only; application ${app.name} is ${app.computePlatform}.`,
      );
    }
    const created = ecsDeploymentGroup(
      input,
      {
        configExists,
        ecsService: (cluster, service) => engine.services.get(`${cluster}/${service}`),
        groupOfService: (cluster, service) =>
          [...groups.values()].find((g) => g.clusterName === cluster && g.serviceName === service)?.name,
      },
      uuid(world.random),
    );
    groups.set(`${app.name}/${name}`, created);
    return { deploymentGroupId: created.id };
  }

  function createDeployment(input: Record<string, any>) {
    const at = engine.now();
    const app = application(input.applicationName);
    const target = group(app, input.deploymentGroupName);
    const revision = input.revision;
    if (!revision || typeof revision !== 'object') throw errors.revisionRequired();
    let content: string;
    if (revision.revisionType === 'AppSpecContent') {
      content = revision.appSpecContent?.content;
      if (typeof content !== 'string' || content === '')
        throw errors.invalidRevision('appSpecContent.content is empty.');
      const sha = revision.appSpecContent?.sha256;
      const actual = createHash('sha256').update(content).digest('hex');
      if (sha !== undefined && sha !== actual)
        throw errors.invalidRevision(
          `appSpecContent.sha256 is ${sha} but the content's SHA-256 is ${actual}.`,
        );
    } else if (revision.revisionType === 'String') {
      content = revision.string?.content;
      if (typeof content !== 'string' || content === '')
        throw errors.invalidRevision('string.content is empty.');
    } else {
      throw errors.invalidRevision(
        `revisionType ${JSON.stringify(revision.revisionType)}: the emulator reads AppSpecContent or String revisions (S3 and GitHub are not modelled).`,
      );
    }
    if (typeof input.description === 'string' && input.description.length > 512)
      throw errors.descriptionTooLong();
    const configName = input.deploymentConfigName ?? target.deploymentConfigName ?? DEFAULT_ECS_CONFIG;
    if (!configExists(configName)) throw errors.configDoesNotExist(configName);
    const parsed = parseEcsAppSpec(content);
    if (!parsed.ok) throw errors.invalidRevision(parsed.problem);
    const active = [...deployments.values()].find(
      (d) => d.applicationName === app.name && d.groupName === target.name && !isFinished(d),
    );
    if (active) throw errors.deploymentLimitExceeded(target.name, active.id);
    const created = newDeployment(
      {
        applicationName: app.name,
        groupName: target.name,
        configName,
        routing: PREDEFINED_ECS_CONFIGS[configName],
        revision,
        clusterName: target.clusterName,
        serviceName: target.serviceName,
        autoRollback: input.autoRollbackConfiguration
          ? {
              enabled: Boolean(input.autoRollbackConfiguration.enabled),
              events: input.autoRollbackConfiguration.events ?? [],
            }
          : target.autoRollback,
        appSpec: parsed.spec,
        description: input.description,
      },
      at,
      'user',
    );
    target.lastAttempted = { deploymentId: created.id, status: 'Created', createTime: at };
    lifecycle.begin(created, at);
    return { deploymentId: created.id };
  }

  function stopDeployment(input: Record<string, any>) {
    const at = engine.now();
    const found = deployment(input.deploymentId);
    if (isFinished(found)) throw errors.deploymentAlreadyCompleted(found.id);
    const rollingBack = lifecycle.stop(
      found,
      at,
      { code: 'MANUAL_STOP', message: MANUAL_STOP },
      typeof input.autoRollbackEnabled === 'boolean' ? input.autoRollbackEnabled : undefined,
    );
    // API_StopDeployment: "Pending: The stop operation is pending. Succeeded: The stop operation was successful."
    return rollingBack
      ? {
          status: 'Pending',
          statusMessage: `Stopping deployment ${found.id}; rollback deployment ${found.rollbackInfo?.rollbackDeploymentId} is in progress.`,
        }
      : { status: 'Succeeded', statusMessage: `Deployment ${found.id} stopped.` };
  }

  function continueDeployment(input: Record<string, any>) {
    const at = engine.now();
    const found = deployment(input.deploymentId);
    const waitType = input.deploymentWaitType ?? 'READY_WAIT';
    if (waitType !== 'READY_WAIT' && waitType !== 'TERMINATION_WAIT') throw errors.invalidWaitType(waitType);
    if (isFinished(found)) throw errors.deploymentAlreadyCompleted(found.id);
    const continued =
      waitType === 'READY_WAIT'
        ? lifecycle.continueReady(found, at)
        : lifecycle.skipTerminationWait(found, at);
    if (!continued) throw errors.notReady();
    return {};
  }

  function targetOf(input: Record<string, any>): DeploymentState {
    const found = deployment(input.deploymentId);
    if (typeof input.targetId !== 'string' || input.targetId === '') throw errors.targetIdRequired();
    if (input.targetId !== targetId(found)) throw errors.targetDoesNotExist(input.targetId);
    return found;
  }

  const operations: ServiceModule['operations'] = {
    CreateApplication: createApplication,
    GetApplication(input) {
      engine.now();
      return { application: applicationShape(application(input.applicationName)) };
    },
    ListApplications() {
      return { applications: [...applications.keys()].sort() };
    },
    BatchGetApplications(input) {
      const names: unknown[] = input.applicationNames ?? [];
      return { applicationsInfo: names.map((n) => applicationShape(application(n))) };
    },
    CreateDeploymentGroup: createDeploymentGroup,
    GetDeploymentGroup(input) {
      engine.now();
      const app = application(input.applicationName);
      return { deploymentGroupInfo: deploymentGroupShape(group(app, input.deploymentGroupName)) };
    },
    ListDeploymentGroups(input) {
      const app = application(input.applicationName);
      return {
        applicationName: app.name,
        deploymentGroups: [...groups.values()]
          .filter((g) => g.applicationName === app.name)
          .map((g) => g.name)
          .sort(),
      };
    },
    GetDeploymentConfig(input) {
      const name = input.deploymentConfigName;
      if (typeof name !== 'string' || !configExists(name)) throw errors.configDoesNotExist(String(name));
      return {
        deploymentConfigInfo: {
          deploymentConfigId: createHash('sha256').update(name).digest('hex').slice(0, 36),
          deploymentConfigName: name,
          createTime: new Date(world.clock.startMs),
          computePlatform: 'ECS',
          trafficRoutingConfig: trafficRoutingConfigShape(PREDEFINED_ECS_CONFIGS[name]),
        },
      };
    },
    CreateDeployment: createDeployment,
    GetDeployment(input) {
      engine.now();
      const found = deployment(input.deploymentId);
      return { deploymentInfo: deploymentShape(found, groupOf(found)) };
    },
    BatchGetDeployments(input) {
      engine.now();
      const ids: unknown[] = input.deploymentIds ?? [];
      return { deploymentsInfo: ids.map((id) => deployment(id)).map((d) => deploymentShape(d, groupOf(d))) };
    },
    ListDeployments(input) {
      engine.now();
      const statuses: string[] | undefined = input.includeOnlyStatuses;
      const list = [...deployments.values()]
        .filter(
          (d) =>
            (input.applicationName === undefined || d.applicationName === input.applicationName) &&
            (input.deploymentGroupName === undefined || d.groupName === input.deploymentGroupName) &&
            (!statuses?.length || statuses.includes(d.status)),
        )
        .sort((a, b) => b.createdAt - a.createdAt);
      return { deployments: list.map((d) => d.id) };
    },
    StopDeployment: stopDeployment,
    ContinueDeployment: continueDeployment,
    ListDeploymentTargets(input) {
      engine.now();
      const found = deployment(input.deploymentId);
      return { targetIds: [targetId(found)] };
    },
    GetDeploymentTarget(input) {
      engine.now();
      const found = targetOf(input);
      return { deploymentTarget: ecsTargetShape(engine, found, groupOf(found)) };
    },
    BatchGetDeploymentTargets(input) {
      engine.now();
      const found = deployment(input.deploymentId);
      const ids: unknown[] = input.targetIds ?? [];
      return {
        deploymentTargets: ids.map((id) => {
          targetOf({ deploymentId: found.id, targetId: id });
          return ecsTargetShape(engine, found, groupOf(found));
        }),
      };
    },
    PutLifecycleEventHookExecutionStatus(input) {
      const at = engine.now();
      const found = deployment(input.deploymentId);
      const executionId = input.lifecycleEventHookExecutionId;
      if (input.status !== 'Succeeded' && input.status !== 'Failed')
        throw errors.invalidHookStatus(input.status);
      const event = found.events.find((e) => e.hook?.executionId === executionId);
      if (!event) throw errors.invalidHookExecutionId(String(executionId));
      if (event.status !== 'InProgress' || isFinished(found))
        throw errors.hookAlreadyCompleted(String(executionId));
      lifecycle.reportHook(found, executionId, input.status, at);
      return { lifecycleEventHookExecutionId: executionId };
    },
  };

  function seed(fragment: Scenario): void {
    for (const input of fragment.codedeploy?.applications ?? []) {
      if (!applications.has(String(input.applicationName))) createApplication(input);
    }
    for (const input of fragment.codedeploy?.deploymentGroups ?? []) createDeploymentGroup(input);
  }

  return {
    targetPrefix: CODEDEPLOY_TARGET_PREFIX,
    operations,
    seed,
    deploymentGroupArnOf(id) {
      const found = deployments.get(id);
      return found
        ? `arn:aws:codedeploy:${world.region}:${world.accountId}:deploymentgroup:${found.applicationName}/${found.groupName}`
        : undefined;
    },
    load(scenario) {
      applications.clear();
      groups.clear();
      deployments.clear();
      seed(scenario);
    },
    snapshot() {
      engine.now();
      return {
        applications: [...applications.values()].map(applicationShape),
        deploymentGroups: [...groups.values()].map(deploymentGroupShape),
        deployments: [...deployments.values()].map((d) => ({
          ...deploymentShape(d, groupOf(d)),
          target: ecsTargetShape(engine, d, groupOf(d)),
        })),
        // What CodeDeploy passes to each hook's Lambda function (LifecycleEventHookExecutionId), for tests that play the function.
        hookExecutions: Object.fromEntries(
          [...deployments.values()].map((d) => [
            d.id,
            Object.fromEntries(d.events.filter((e) => e.hook).map((e) => [e.name, e.hook?.executionId])),
          ]),
        ),
      };
    },
  };
}
