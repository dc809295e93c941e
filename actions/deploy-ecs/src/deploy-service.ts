import { resolve } from 'node:path';
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { isDeadlineError } from '@berth/shared/deadline';
import { buildDeploymentRecord, type DeploymentRecordParts } from '@berth/shared/deployment/build-record';
import { recordEvents, runContext } from '@berth/shared/deployment/record';
import { failureLine, headline, imagesOf } from '@berth/shared/deployment/report';
import { readService } from '@berth/shared/deployment/service';
import {
  checkServiceManagedByEcs,
  concludeDeployment,
  deploymentSession,
  followStartedDeployment,
  imagesOfRevision,
  type StartedDeployment,
  startServiceDeployment,
} from '@berth/shared/deployment/transaction';
import { formatDuration } from '@berth/shared/duration';
import { ConfigurationError, OutcomeError } from '@berth/shared/errors';
import { inGroup } from '@berth/shared/logger';
import { type AdviceContext, explainEcsError } from './advice.js';
import { checkInputsFitController } from './codedeploy/inputs.js';
import type { ServiceInputs } from './inputs.js';
import { checkServiceVolume, planServiceUpdate, serviceUpdateRequest, strategyLabel } from './plan.js';
import { resolveTaskDefinition, type Step } from './step.js';
import { writeRecordAndSummary } from './summary.js';
import { tagAfterSuccess } from './tag-images.js';
import { type BakeVerdict, verifyDuringBake } from './verify-bake.js';

/** `verify-command` runs during the bake: the deployment must have one (blue/green, canary, linear with bake time). */
function checkVerifyDuringBake(
  inputs: ServiceInputs,
  effective: { strategy?: string; bakeTimeInMinutes?: number },
): void {
  if (inputs.verifyCommand === undefined) return;
  const strategy = effective.strategy ?? 'ROLLING';
  if (!['BLUE_GREEN', 'CANARY', 'LINEAR'].includes(strategy)) {
    throw new ConfigurationError(
      `\`verify-command\` runs during a blue/green, canary or linear deployment's bake time, but service \`${inputs.service}\` deploys ${strategy}. Set \`strategy: blue-green\` (with \`bake-time-minutes\`), or verify after the deployment in a later step.`,
    );
  }
  if ((effective.bakeTimeInMinutes ?? 0) < 1) {
    throw new ConfigurationError(
      `\`verify-command\` runs during the bake time, but the deployment bakes ${effective.bakeTimeInMinutes ?? 0} minutes. Set \`bake-time-minutes\` to at least 1 (long enough for the command).`,
    );
  }
}

/** service → task definition → update service → follow → tag → record, summary; outputs into `step.outputs`. */
export async function deployService(inputs: ServiceInputs, step: Step): Promise<void> {
  const { effects, aws, progress, outputs, announcer } = step;
  const { logger, clock } = effects;
  const { cluster, service } = inputs;
  const ecs = aws.ecs();
  const context: AdviceContext = { cluster, service, region: aws.region };
  progress.doing = `reading service ${service}`;

  const { before, plan } = await inGroup(logger, `Service ${service}`, async () => {
    const before = await readService(ecs, {
      cluster,
      service,
      region: aws.region,
      hint: 'to run a one-off task instead, set `run-task: true`.',
      explain: (error) => explainEcsError('DescribeServices', error, context),
    });
    const controller = before.deploymentController?.type ?? 'ECS';
    // A CODE_DEPLOY service is deployed through CodeDeploy (codedeploy/deploy.ts checks its inputs).
    if (controller === 'CODE_DEPLOY') return { before, plan: undefined };
    checkInputsFitController(inputs, controller);
    checkServiceManagedByEcs(before, cluster, 'deploy');
    // Everything the update needs is checked now, before the first write (registration).
    const plan = planServiceUpdate(inputs, before);
    checkVerifyDuringBake(inputs, plan.effectiveConfiguration);
    if (step.prepared) checkServiceVolume(inputs, step.prepared.definition as TaskDefinition);
    logger.info(
      `Service ${service} in cluster ${cluster} (${aws.region}) runs ${before.taskDefinition}: ` +
        `${before.runningCount ?? 0}/${before.desiredCount ?? 0} tasks running; ${strategyLabel(before.deploymentConfiguration)}.`,
    );
    return { before, plan };
  });
  if (!plan) {
    // Loaded only for a CODE_DEPLOY service: the CodeDeploy SDK stays out of every other run's start-up.
    const { deployWithCodeDeploy } = await import('./codedeploy/deploy.js');
    return deployWithCodeDeploy(inputs, step, before);
  }
  const previousArn = before.taskDefinition;

  progress.from = { taskDefinitionArn: previousArn, images: {} };
  const resolved = await resolveTaskDefinition(inputs, step, context);
  outputs['task-definition-arn'] = resolved.arn;
  outputs['previous-task-definition-arn'] = previousArn ?? '';
  // A named revision is known only now (read, not written): checked before UpdateService.
  checkServiceVolume(inputs, resolved.definition);
  const attempted = { taskDefinitionArn: resolved.arn, images: imagesOf(resolved.definition) };
  progress.to = attempted;
  progress.doing = `reading the images of ${previousArn}`;
  const from = {
    taskDefinitionArn: previousArn,
    images:
      previousArn === resolved.arn ? attempted.images : await imagesOfRevision(ecs, previousArn, logger),
  };
  progress.from = from;
  progress.doing = `updating service ${service} to ${resolved.arn}`;

  const parts = {
    cluster,
    service,
    region: aws.region,
    from,
    to: attempted,
    strategy: strategyLabel(plan.effectiveConfiguration),
    requestedReason: inputs.reason,
    startedAt: progress.startedAt,
    run: runContext(effects.env),
  } satisfies Partial<DeploymentRecordParts>;

  const started = await inGroup(logger, 'Update service', async () => {
    logger.info(
      `Updating ${service}: ${previousArn} → ${resolved.arn}${plan.changes.length ? `; ${plan.changes.join('; ')}` : ''}.`,
    );
    // The GitHub deployment exists before the ECS deployment starts; its payload is the record so far.
    const draft = { kind: inputs.recordKind, ...parts };
    await announcer.begin(draft);
    progress.announced = true;
    let started: StartedDeployment;
    try {
      started = await startServiceDeployment({
        ecs,
        writes: aws.ecsWrites(),
        maxAttempts: inputs.aws.maxAttempts,
        sleep: (ms) => clock.sleep(ms),
        logger,
        request: serviceUpdateRequest(plan, resolved.arn),
        before,
        onWrite: (operation) => {
          progress.writeInFlight = operation;
          if (!operation) progress.doing = 'identifying the deployment UpdateService started';
        },
        explain: (error) => explainEcsError('UpdateService', error, context),
      });
    } catch (error) {
      // A deadline is reported with the timed-out record; anything else never started the deployment.
      if (!isDeadlineError(error, step.deadline)) await announcer.aborted(error, draft);
      throw error;
    }
    if (!started.started) {
      logger.notice(
        `ECS started no new deployment: the service already runs ${resolved.arn} and nothing else changed. ` +
          'Following its current deployment; set `force-new-deployment: true` to replace the tasks anyway.',
      );
    } else {
      logger.info(
        `Started deployment ${started.target.deploymentId ?? '(unknown id)'}${started.target.serviceDeploymentArn ? ` (${started.target.serviceDeploymentArn})` : ''}.`,
      );
    }
    return started;
  });
  const { target } = started;
  progress.deploymentId = target.deploymentId;
  progress.serviceDeploymentArn = target.serviceDeploymentArn;
  progress.doing = `following deployment ${target.deploymentId ?? resolved.arn}`;
  outputs['deployment-id'] = target.deploymentId ?? '';
  outputs['service-deployment-arn'] = target.serviceDeploymentArn ?? '';

  const identity = { deploymentId: target.deploymentId, serviceDeploymentArn: target.serviceDeploymentArn };
  const record = buildDeploymentRecord(inputs.recordKind, {
    ...parts,
    ...identity,
    status: 'started',
    endedAt: clock.now(),
  });
  await announcer.started(record);

  if (!inputs.wait) {
    logger.info(`Not waiting for deployment ${target.deploymentId ?? ''} (wait: false).`);
    await writeRecordAndSummary(step, record);
    return;
  }

  const session = deploymentSession(effects, aws, inputs, step.deadline);
  const verdict: BakeVerdict = { failed: false };
  const { verifyCommand } = inputs;
  const onBake =
    verifyCommand === undefined
      ? undefined
      : () =>
          verifyDuringBake(
            {
              command: verifyCommand,
              cwd: resolve(effects.files.workspace, inputs.verifyWorkingDirectory ?? '.'),
              env: effects.env,
              logger,
              writes: aws.ecsWrites(),
              serviceDeploymentArn: target.serviceDeploymentArn,
              taskDefinitionArn: resolved.arn,
              previousTaskDefinitionArn: previousArn,
              images: attempted.images,
              signal: step.deadline.signal,
            },
            verdict,
          );
  const followed = await inGroup(logger, `Deployment ${target.deploymentId ?? resolved.arn}`, () =>
    followStartedDeployment(
      session,
      { target, initialEvents: before.events, taskDefinition: resolved.definition, onBake },
      announcer,
      record,
    ),
  );
  // A verification that failed during the bake fails the step even when the stop did not take.
  const result =
    verdict.failed && followed.outcome === 'succeeded'
      ? { ...followed, outcome: 'failed' as const, reason: verdict.reason }
      : followed;
  if (result.outcome === 'succeeded') {
    logger.info(
      `Deployment ${target.deploymentId ?? ''} succeeded in ${formatDuration(result.endedAt - progress.startedAt)}.`,
    );
  }
  const conclusion = await concludeDeployment({
    ecs,
    logger,
    result,
    attempted,
    from,
    ...(verdict.failed ? { reason: verdict.reason } : {}),
  });

  await tagAfterSuccess(step, inputs.tagDeployedImage, result.outcome, attempted.images);
  const ended = buildDeploymentRecord(inputs.recordKind, {
    ...parts,
    ...identity,
    status: conclusion.outcome,
    reason: conclusion.reason,
    endedAt: result.endedAt,
    ending: {
      events: recordEvents(result.events),
      failedTasks: result.failedTasks,
      likelyCause: result.likelyCause,
    },
  });
  await announcer.finished(ended);
  outputs.status = result.outcome;
  await writeRecordAndSummary(step, ended, undefined, conclusion);
  if (result.outcome !== 'succeeded') {
    // Rolled back as announced: the follower raised the failure's annotation when the rollback began.
    throw new OutcomeError(
      failureLine(`${headline(result)} (${result.outcome})`, conclusion.reason, result.likelyCause),
      { annotated: result.failureAnnotated === true && result.outcome === 'rolled-back' },
    );
  }
}
