/**
 * An ECS blue/green deployment as CodeDeploy runs it, step by step on the ECS
 * engine's clock (every step is an agenda entry, so what a client sees does not
 * depend on how often it polls).
 *
 * Order of events ("What happens during an Amazon ECS deployment",
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-steps-ecs.html, and
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#reference-appspec-file-structure-hooks-run-order-ecs):
 * BeforeInstall → Install (the replacement task set is created and becomes
 * healthy) → AfterInstall → AllowTestTraffic → AfterAllowTestTraffic →
 * BeforeAllowTraffic → AllowTraffic (production traffic shifts as the deployment
 * configuration says) → AfterAllowTraffic; then the original task set is
 * terminated after the deployment group's termination wait. Hooks are Lambda
 * functions that report through PutLifecycleEventHookExecutionStatus; "A rollback
 * is not possible" at BeforeInstall, later events' hooks "can trigger a rollback".
 *
 * Replacement tasks start through the ECS engine, so images, behaviours and
 * health checks decide when the task set is healthy and ECS's own texts explain
 * failed tasks. CodeDeploy itself does not watch tasks: it waits for the
 * replacement task set to become healthy and times out after 60 minutes
 * ("The deployment timed out while waiting for the replacement task set to become
 * healthy. This time out period is 60 minutes.", as users report the message).
 */

import type { EcsEngine } from '../ecs/engine.js';
import { createTaskSet, deleteTaskSet, promoteTaskSet, scaleTaskSet } from '../ecs/task-sets.js';
import type { ServiceState, TaskSetState } from '../ecs/types.js';
import { uuid } from '../ecs/util.js';
import { globMatch } from '../scenario.js';
import type { ScenarioHookBehaviour, World } from '../world.js';
import { ECS_HOOK_EVENTS, type EcsHookEvent } from './appspec.js';
import { trafficSteps } from './configs.js';
import {
  alarmActive,
  ecsUpdateError,
  hookDiagnostics,
  hookFailed,
  INSTALL_TIMEOUT,
  READY_WAIT_TIMEOUT,
  rolledBack,
} from './texts.js';
import type { DeploymentGroupState, DeploymentState, LifecycleEventState } from './types.js';

/** Modelled timings (CodeDeploy does not publish them); emulated milliseconds. */
export const CODEDEPLOY_TIMING = {
  /** Created → InProgress. */
  startMs: 1_000,
  /** How often CodeDeploy looks at the replacement task set while Install runs. */
  installPollMs: 15_000,
  /** Install gives up after 60 minutes (the reported TIMEOUT message says so). */
  installTimeoutMs: 60 * 60_000,
  /** A hook that never reports fails after an hour. */
  hookTimeoutMs: 60 * 60_000,
  /** Default time a hook function takes to report. */
  hookDefaultSeconds: 5,
  /** How often a rollback looks whether the replacement task set is gone. */
  rollbackPollMs: 5_000,
  /** How often CodeDeploy reads the deployment group's alarms (a recording saw a stop 23 s after an alarm). */
  alarmPollMs: 15_000,
};

export interface LifecycleHost {
  engine: EcsEngine;
  world: World;
  group(deployment: DeploymentState): DeploymentGroupState | undefined;
  /** Registers a new rollback deployment of `failed` and returns it. */
  createRollback(failed: DeploymentState, at: number): DeploymentState;
}

function isHookEvent(name: string): name is EcsHookEvent {
  return (ECS_HOOK_EVENTS as readonly string[]).includes(name);
}

export function isFinished(deployment: DeploymentState): boolean {
  return ['Succeeded', 'Failed', 'Stopped'].includes(deployment.status);
}

export class DeploymentLifecycle {
  constructor(private readonly host: LifecycleHost) {}

  private get engine(): EcsEngine {
    return this.host.engine;
  }

  /** Runs `step` at `at` unless the deployment changed course in the meantime. */
  private schedule(deployment: DeploymentState, at: number, step: (at: number) => void): void {
    const generation = deployment.generation;
    this.engine.agenda.schedule(at, {
      kind: 'callback',
      run: (now) => {
        if (deployment.generation === generation && !isFinished(deployment)) step(now);
      },
    });
  }

  service(deployment: DeploymentState): ServiceState | undefined {
    return this.engine.services.get(`${deployment.clusterName}/${deployment.serviceName}`);
  }

  taskSet(deployment: DeploymentState, id: string | undefined): TaskSetState | undefined {
    return id ? this.service(deployment)?.taskSets?.find((t) => t.id === id) : undefined;
  }

  /** A new deployment: Created now, InProgress a moment later. */
  begin(deployment: DeploymentState, at: number): void {
    this.schedule(deployment, at + CODEDEPLOY_TIMING.startMs, (now) => {
      deployment.status = 'InProgress';
      deployment.startedAt = now;
      // The task set serving production now is the original (Blue) one.
      deployment.originalTaskSetId = this.service(deployment)?.taskSets?.find(
        (t) => t.status === 'PRIMARY',
      )?.id;
      deployment.targetUpdatedAt = now;
      this.watchAlarms(deployment, now);
      this.enter(deployment, 0, now);
    });
  }

  /**
   * alarmConfiguration: an alarm in ALARM stops the deployment (ALARM_ACTIVE, status
   * Stopped) and, with DEPLOYMENT_STOP_ON_ALARM, rolls it back; checked until the
   * deployment ends, termination wait included.
   * https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-create-alarms.html
   */
  private watchAlarms(deployment: DeploymentState, at: number): void {
    const group = this.host.group(deployment);
    if (!group?.alarms.enabled || group.alarms.names.length === 0) return;
    const check = (now: number) => {
      const active = group.alarms.names.filter((name) => this.host.world.alarmState(name) === 'ALARM');
      if (active.length === 0) {
        this.scheduleAlways(deployment, now + CODEDEPLOY_TIMING.alarmPollMs, check);
        return;
      }
      this.finish(deployment, 'Stopped', now, { code: 'ALARM_ACTIVE', message: alarmActive(active) });
      this.afterward(
        deployment,
        now,
        deployment.autoRollback.enabled &&
          deployment.autoRollback.events.includes('DEPLOYMENT_STOP_ON_ALARM'),
      );
    };
    this.scheduleAlways(deployment, at, check);
  }

  /** Like `schedule`, but survives changes of course (ContinueDeployment); stops only when the deployment ends. */
  private scheduleAlways(deployment: DeploymentState, at: number, step: (at: number) => void): void {
    this.engine.agenda.schedule(at, {
      kind: 'callback',
      run: (now) => {
        if (!isFinished(deployment)) step(now);
      },
    });
  }

  private enter(deployment: DeploymentState, index: number, at: number): void {
    if (index >= deployment.events.length) {
      this.awaitTermination(deployment, at);
      return;
    }
    deployment.step = index;
    const event = deployment.events[index];
    const group = this.host.group(deployment);
    // STOP_DEPLOYMENT: production traffic waits for ContinueDeployment(READY_WAIT)
    // ("If traffic rerouting is not started before the end of the specified wait
    // period, the deployment status is changed to Stopped", API_DeploymentReadyOption).
    if (
      event.name === 'BeforeAllowTraffic' &&
      group?.readyAction === 'STOP_DEPLOYMENT' &&
      deployment.readyWaitSince === undefined
    ) {
      deployment.readyWaitSince = at;
      deployment.status = 'Ready';
      this.schedule(deployment, at + group.readyWaitMinutes * 60_000, (now) =>
        this.stop(
          deployment,
          now,
          {
            code: 'TIMEOUT',
            message: READY_WAIT_TIMEOUT,
          },
          // A wait that ran out is no StopDeployment request: no rollback deployment, the replacement goes.
          false,
        ),
      );
      return;
    }
    event.status = 'InProgress';
    event.startedAt = at;
    deployment.targetUpdatedAt = at;
    if (isHookEvent(event.name)) {
      const fn = deployment.appSpec?.hooks[event.name];
      if (fn) this.invokeHook(deployment, event, fn, at);
      else this.succeed(deployment, event, at);
      return;
    }
    switch (event.name) {
      case 'Install':
        this.install(deployment, event, at);
        return;
      case 'AllowTestTraffic':
        deployment.testTrafficOnReplacement = Boolean(
          group?.input.loadBalancerInfo?.targetGroupPairInfoList?.[0]?.testTrafficRoute?.listenerArns?.length,
        );
        this.succeed(deployment, event, at);
        return;
      case 'AllowTraffic':
        this.allowTraffic(deployment, event, at);
        return;
    }
  }

  private succeed(deployment: DeploymentState, event: LifecycleEventState, at: number): void {
    event.status = 'Succeeded';
    event.endedAt = at;
    deployment.targetUpdatedAt = at;
    this.enter(deployment, deployment.events.indexOf(event) + 1, at);
  }

  // ---------------------------------------------------------------- hooks

  private invokeHook(
    deployment: DeploymentState,
    event: LifecycleEventState,
    functionName: string,
    at: number,
  ): void {
    const executionId = uuid(this.host.world.random);
    event.hook = { functionName, executionId };
    const behaviour = this.hookBehaviour(functionName);
    const status = behaviour.status ?? 'Succeeded';
    if (status !== 'Pending') {
      const after = (behaviour.afterSeconds ?? CODEDEPLOY_TIMING.hookDefaultSeconds) * 1000;
      this.schedule(deployment, at + after, (now) => this.reportHook(deployment, executionId, status, now));
    }
    this.schedule(deployment, at + CODEDEPLOY_TIMING.hookTimeoutMs, (now) => {
      if (event.status !== 'InProgress' || event.hook?.executionId !== executionId) return;
      this.failEvent(deployment, event, now, 'ScriptTimedOut', hookDiagnostics.timedOut(functionName));
    });
  }

  private hookBehaviour(functionName: string): ScenarioHookBehaviour {
    const hooks = this.host.world.scenario.codedeploy?.hooks ?? {};
    const name = functionName.includes(':function:')
      ? functionName.split(':function:')[1].split(':')[0]
      : functionName;
    for (const [pattern, behaviour] of Object.entries(hooks)) {
      if (globMatch(pattern, functionName) || globMatch(pattern, name)) return behaviour;
    }
    return {};
  }

  /** PutLifecycleEventHookExecutionStatus (or the scenario's scripted hook) for the event running `executionId`. */
  reportHook(
    deployment: DeploymentState,
    executionId: string,
    status: 'Succeeded' | 'Failed',
    at: number,
  ): boolean {
    const event = deployment.events.find((e) => e.hook?.executionId === executionId);
    if (event?.status !== 'InProgress' || isFinished(deployment)) return false;
    if (status === 'Succeeded') this.succeed(deployment, event, at);
    else
      this.failEvent(
        deployment,
        event,
        at,
        'ScriptFailed',
        hookDiagnostics.failed(event.hook?.functionName, event.name),
      );
    return true;
  }

  /** The event fails; CodeDeploy's deployment fails with HOOK_EXECUTION_FAILURE. */
  private failEvent(
    deployment: DeploymentState,
    event: LifecycleEventState,
    at: number,
    errorCode: 'ScriptFailed' | 'ScriptTimedOut',
    message: string,
  ): void {
    event.status = 'Failed';
    event.endedAt = at;
    event.diagnostics = { errorCode, scriptName: event.hook?.functionName ?? '', message, logTail: '' };
    this.fail(deployment, at, {
      code: 'HOOK_EXECUTION_FAILURE',
      message: hookFailed(event.name, message),
    });
  }

  // -------------------------------------------------------------- install

  /** CreateTaskSet with the AppSpec's task definition at 100 %, then wait for it to be healthy. */
  private install(deployment: DeploymentState, event: LifecycleEventState, at: number): void {
    const svc = this.service(deployment);
    const spec = deployment.appSpec;
    if (svc?.status !== 'ACTIVE' || !spec) {
      this.fail(
        deployment,
        at,
        {
          code: 'INVALID_ECS_SERVICE',
          message: `The ECS service ${deployment.serviceName} in cluster ${deployment.clusterName} is not ACTIVE.`,
        },
        { event },
      );
      return;
    }
    const problem = this.createTaskSetProblem(spec.taskDefinition, spec.containerName, spec.containerPort);
    if (problem) {
      // ECS refuses CreateTaskSet; CodeDeploy reports ECS's answer.
      this.fail(
        deployment,
        at,
        {
          code: 'ECS_UPDATE_ERROR',
          message: ecsUpdateError(problem),
        },
        { event },
      );
      return;
    }
    const td = this.engine.taskDefinitions.find(spec.taskDefinition);
    const replacement = createTaskSet(this.engine, svc, {
      taskDefinitionArn: td?.arn ?? spec.taskDefinition,
      at,
      scale: 100,
      externalId: deployment.id,
      platformVersion: spec.platformVersion ?? svc.platformVersion,
      networkConfiguration: spec.networkConfiguration ?? svc.networkConfiguration,
      loadBalancers: svc.loadBalancers.map((lb) => ({
        ...lb,
        containerName: spec.containerName,
        containerPort: spec.containerPort,
      })),
    });
    deployment.replacementTaskSetId = replacement.id;
    const deadline = at + CODEDEPLOY_TIMING.installTimeoutMs;
    const poll = (now: number) => {
      const taskSet = this.taskSet(deployment, replacement.id);
      if (taskSet?.stabilityStatus === 'STEADY_STATE') {
        this.succeed(deployment, event, now);
        return;
      }
      if (now >= deadline) {
        this.fail(deployment, now, { code: 'TIMEOUT', message: INSTALL_TIMEOUT }, { event });
        return;
      }
      this.schedule(deployment, Math.min(deadline, now + CODEDEPLOY_TIMING.installPollMs), poll);
    };
    this.schedule(deployment, at + CODEDEPLOY_TIMING.installPollMs, poll);
  }

  /**
   * What ECS answers CreateTaskSet for this task definition and container, or
   * undefined when it accepts it (texts of ECS's CreateService/CreateTaskSet
   * InvalidParameterException and ClientException).
   */
  private createTaskSetProblem(
    reference: string,
    containerName: string,
    containerPort: number,
  ): string | undefined {
    const td = this.engine.taskDefinitions.find(reference);
    if (!td)
      return 'TaskDefinition not found. (Service: AmazonECS; Status Code: 400; Error Code: ClientException)';
    if (td.status !== 'ACTIVE')
      return 'TaskDefinition is inactive (Service: AmazonECS; Status Code: 400; Error Code: ClientException)';
    const container = (td.body.containerDefinitions as Array<Record<string, any>>).find(
      (c) => c.name === containerName,
    );
    if (!container)
      return `The container ${containerName} does not exist in the task definition. (Service: AmazonECS; Status Code: 400; Error Code: InvalidParameterException)`;
    const ports = (container.portMappings ?? []) as Array<Record<string, any>>;
    if (!ports.some((p) => p.containerPort === containerPort))
      return `The container ${containerName} did not have a container port ${containerPort} defined. (Service: AmazonECS; Status Code: 400; Error Code: InvalidParameterException)`;
    return undefined;
  }

  // -------------------------------------------------------------- traffic

  private allowTraffic(deployment: DeploymentState, event: LifecycleEventState, at: number): void {
    const steps = trafficSteps(deployment.routing);
    for (const step of steps) {
      this.schedule(deployment, at + step.afterMs, (now) => {
        deployment.replacementWeight = step.weight;
        deployment.targetUpdatedAt = now;
        if (step.weight < 100) return;
        const svc = this.service(deployment);
        const replacement = this.taskSet(deployment, deployment.replacementTaskSetId);
        if (svc && replacement) promoteTaskSet(this.engine, svc, replacement, now);
        this.succeed(deployment, event, now);
      });
    }
  }

  /** After AfterAllowTraffic: the original task set keeps running for the termination wait, then goes. */
  private awaitTermination(deployment: DeploymentState, at: number): void {
    const group = this.host.group(deployment);
    deployment.terminationWaitSince = at;
    this.schedule(deployment, at + (group?.terminationWaitMinutes ?? 0) * 60_000, (now) =>
      this.complete(deployment, now),
    );
  }

  /** ContinueDeployment(TERMINATION_WAIT): end the wait now. */
  skipTerminationWait(deployment: DeploymentState, at: number): boolean {
    if (deployment.terminationWaitSince === undefined || isFinished(deployment)) return false;
    deployment.generation++;
    this.complete(deployment, at);
    return true;
  }

  /** ContinueDeployment(READY_WAIT): start rerouting traffic now (BeforeAllowTraffic runs next). */
  continueReady(deployment: DeploymentState, at: number): boolean {
    if (deployment.readyWaitSince === undefined || deployment.status !== 'Ready') return false;
    deployment.generation++;
    deployment.status = 'InProgress';
    this.enter(deployment, deployment.step, at);
    return true;
  }

  private complete(deployment: DeploymentState, at: number): void {
    const svc = this.service(deployment);
    const original = this.taskSet(deployment, deployment.originalTaskSetId);
    if (svc && original) deleteTaskSet(this.engine, svc, original, at);
    deployment.status = 'Succeeded';
    deployment.completedAt = at;
    deployment.targetUpdatedAt = at;
    const group = this.host.group(deployment);
    if (group) {
      const summary = {
        deploymentId: deployment.id,
        status: 'Succeeded',
        endTime: at,
        createTime: deployment.createdAt,
      };
      group.lastAttempted = summary;
      group.lastSuccessful = summary;
    }
  }

  // -------------------------------------------------------- failure, stop

  /**
   * The deployment fails: the event in progress fails, later ones are skipped,
   * and with automatic rollback on DEPLOYMENT_FAILURE a rollback deployment puts
   * the traffic back on the original task set and removes the replacement.
   */
  fail(
    deployment: DeploymentState,
    at: number,
    error: { code: string; message: string },
    options: { event?: LifecycleEventState } = {},
  ): void {
    this.finish(deployment, 'Failed', at, error, options.event);
    const rollback =
      deployment.autoRollback.enabled && deployment.autoRollback.events.includes('DEPLOYMENT_FAILURE');
    this.afterward(deployment, at, rollback);
  }

  /** StopDeployment (or the ready wait running out): Stopped; rolls back when asked to. Returns whether a rollback started. */
  stop(
    deployment: DeploymentState,
    at: number,
    error: { code: string; message: string },
    autoRollbackEnabled: boolean | undefined,
  ): boolean {
    this.finish(deployment, 'Stopped', at, error);
    const rollback =
      autoRollbackEnabled ??
      (deployment.autoRollback.enabled &&
        deployment.autoRollback.events.includes('DEPLOYMENT_STOP_ON_REQUEST'));
    return this.afterward(deployment, at, rollback);
  }

  private finish(
    deployment: DeploymentState,
    status: 'Failed' | 'Stopped',
    at: number,
    error: { code: string; message: string },
    failedEvent?: LifecycleEventState,
  ): void {
    deployment.generation++;
    deployment.status = status;
    deployment.errorInformation = error;
    deployment.completedAt = at;
    deployment.targetUpdatedAt = at;
    for (const event of deployment.events) {
      if (event === failedEvent || event.status === 'InProgress') {
        event.status = 'Failed';
        event.endedAt = at;
      } else if (event.status === 'Pending') {
        event.status = 'Skipped';
      }
    }
    const group = this.host.group(deployment);
    if (group)
      group.lastAttempted = {
        deploymentId: deployment.id,
        status,
        endTime: at,
        createTime: deployment.createdAt,
      };
  }

  /** What becomes of the task sets after a failure or stop. */
  private afterward(deployment: DeploymentState, at: number, rollback: boolean): boolean {
    const svc = this.service(deployment);
    const replacement = this.taskSet(deployment, deployment.replacementTaskSetId);
    if (!svc || !replacement) return false;
    if (rollback) {
      const rollbackDeployment = this.host.createRollback(deployment, at);
      deployment.rollbackInfo = {
        rollbackDeploymentId: rollbackDeployment.id,
        rollbackMessage: rolledBack(deployment.id, rollbackDeployment.id),
      };
      this.runRollback(rollbackDeployment, deployment, at);
      return true;
    }
    // Without a rollback a replacement that never served production traffic is removed; one that did stays as it is.
    if (deployment.replacementWeight === 0) deleteTaskSet(this.engine, svc, replacement, at);
    return false;
  }

  /** The rollback deployment: production traffic back to the original task set at once, the replacement deleted. */
  private runRollback(rollback: DeploymentState, failed: DeploymentState, at: number): void {
    const svc = this.service(failed);
    const original = this.taskSet(failed, failed.originalTaskSetId);
    const replacement = this.taskSet(failed, failed.replacementTaskSetId);
    rollback.status = 'InProgress';
    rollback.startedAt = at;
    rollback.originalTaskSetId = failed.originalTaskSetId;
    rollback.replacementTaskSetId = failed.replacementTaskSetId;
    rollback.replacementWeight = failed.replacementWeight;
    for (const event of rollback.events)
      event.status = event.name === 'AllowTraffic' ? 'InProgress' : 'Skipped';
    const allowTraffic = rollback.events.find((e) => e.name === 'AllowTraffic');
    if (allowTraffic) allowTraffic.startedAt = at;
    if (svc && original) {
      if (original.scale !== 100) scaleTaskSet(this.engine, svc, original, 100, at);
      promoteTaskSet(this.engine, svc, original, at);
    }
    failed.replacementWeight = 0;
    rollback.replacementWeight = 0;
    if (svc && replacement) deleteTaskSet(this.engine, svc, replacement, at);
    const poll = (now: number) => {
      if (this.taskSet(failed, failed.replacementTaskSetId)) {
        this.schedule(rollback, now + CODEDEPLOY_TIMING.rollbackPollMs, poll);
        return;
      }
      if (allowTraffic) {
        allowTraffic.status = 'Succeeded';
        allowTraffic.endedAt = now;
      }
      rollback.status = 'Succeeded';
      rollback.completedAt = now;
      rollback.targetUpdatedAt = now;
    };
    this.schedule(rollback, at + CODEDEPLOY_TIMING.rollbackPollMs, poll);
  }
}
