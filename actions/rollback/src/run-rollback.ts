/**
 * The rollback once its inputs, region and role have passed: read → plan
 * (pure) → verify → stop or update → follow → outputs, record, summary.
 * main() loads this module, and the AWS SDK with it, only then.
 */
import { createAnnouncer } from '@berth/shared/announce';
import type { AwsContext } from '@berth/shared/aws';
import { isDeadlineError, type StepDeadline, timedOutReason } from '@berth/shared/deadline';
import { shortName } from '@berth/shared/deployment/arn';
import { buildDeploymentRecord } from '@berth/shared/deployment/build-record';
import type { FollowResult } from '@berth/shared/deployment/follow';
import { type RollbackRecordDetails, runContext } from '@berth/shared/deployment/record';
import { failureLine } from '@berth/shared/deployment/report';
import {
  type Conclusion,
  concludeDeployment,
  type DeploymentEffects,
  deploymentSession,
  followStartedDeployment,
  publishRecord,
  type Revision,
} from '@berth/shared/deployment/transaction';
import type { EcrRegistry } from '@berth/shared/ecr-image';
import { ConfigurationError, OutcomeError } from '@berth/shared/errors';
import { inGroup } from '@berth/shared/logger';
import { type StartedRollback, startRollback, stopPathOutcome } from './execute.js';
import { readGitHubDeployments, readServiceState } from './history.js';
import { type Inputs, NO_REASON } from './inputs.js';
import { githubLineage, planRollback, type RollbackPath } from './plan.js';
import {
  addRefusalSummary,
  addRollbackSummary,
  buildRecord,
  outcomeLine,
  pathName,
  planLines,
  publishRollback,
  type RecordParts,
  rollbackDetails,
} from './report.js';
import { movedTags, verifyTarget } from './verify.js';

type Effects = DeploymentEffects;

/** Runs the checked rollback under the step's deadline; a deadline that cuts a call short ends `timed-out`. */
export async function runRollback(
  effects: Effects,
  inputs: Inputs,
  aws: AwsContext,
  deadline: StepDeadline,
): Promise<void> {
  const step: RollbackProgress = {
    startedAt: effects.clock.now(),
    doing: `reading service ${inputs.service}`,
  };
  try {
    await rollback(effects, inputs, aws, deadline, step);
  } catch (error) {
    if (!isDeadlineError(error, deadline)) throw error;
    await finishTimedOut(effects, inputs, aws, deadline, step);
  }
}

/** What the rollback knows so far, so a deadline that cuts a call short can say what it was doing. */
interface RollbackProgress {
  startedAt: number;
  doing: string;
  /** Once planned: writes the record and summary the normal way. */
  finish?: (parts: { status: 'timed-out'; outcomeReason: string }) => Promise<unknown>;
  /** The write was sent and its answer never came. */
  writeInFlight?: string;
  /** The verified target, once known. */
  to?: Revision;
  /** How the rollback was started, once it was. */
  identity?: { path: RollbackPath; deploymentId?: string; serviceDeploymentArn?: string };
}

/**
 * The deadline cut a call short before the follower took over (it reports its
 * own timeout): status `timed-out`, a record and a summary of what is known,
 * and a failure that says what the step was doing.
 */
async function finishTimedOut(
  effects: Effects,
  inputs: Inputs,
  aws: AwsContext,
  deadline: StepDeadline,
  step: RollbackProgress,
): Promise<never> {
  const reason = timedOutReason(deadline, step.doing, step.writeInFlight, 'the rollback');
  if (step.finish) {
    await step.finish({ status: 'timed-out', outcomeReason: reason });
  } else {
    const record = buildDeploymentRecord('rollback', {
      cluster: inputs.cluster,
      service: inputs.service,
      region: aws.region,
      to: { taskDefinitionArn: '', images: {} },
      status: 'timed-out',
      reason,
      requestedReason: inputs.reason ?? NO_REASON,
      startedAt: step.startedAt,
      endedAt: effects.clock.now(),
      run: runContext(effects.env),
    });
    effects.setOutput('status', 'timed-out');
    effects.setOutput(
      'record',
      await publishRecord(effects, record, (summary) => addRollbackSummary(summary, record)),
    );
  }
  throw new OutcomeError(reason);
}

async function rollback(
  effects: Effects,
  inputs: Inputs,
  aws: AwsContext,
  deadline: StepDeadline,
  step: RollbackProgress,
): Promise<void> {
  const { logger, clock } = effects;
  const reason = inputs.reason ?? NO_REASON;
  // Created (and its secrets masked) before anything is printed.
  const announcer = createAnnouncer(inputs, effects);
  const githubApi = announcer.api;
  const readGitHub = githubApi
    ? (withStatuses = true) =>
        readGitHubDeployments(
          githubApi,
          announcer.environment,
          { cluster: inputs.cluster, service: inputs.service, logger },
          withStatuses,
        )
    : undefined;
  const ecs = aws.ecs();
  // Images may live in another region than the cluster (a central registry).
  const ecrFor = (registry: EcrRegistry) => aws.ecrIn(registry.region, registry.fips);
  const startedAt = step.startedAt;
  const { cluster, service } = inputs;

  const refuse = async (message: string, details?: RollbackRecordDetails): Promise<never> => {
    await effects.summary((summary) => addRefusalSummary(summary, service, message, details, reason));
    throw new ConfigurationError(message);
  };

  logger.info(
    `Rollback of ${service} in cluster ${cluster} (${aws.region}) requested: to: ${inputs.to}. Reason: ${reason}`,
  );
  const state = await inGroup(logger, `Reading service ${service} and its history`, () =>
    readServiceState({ ecs, ecrFor, logger, cluster, service, github: readGitHub }, inputs.target),
  );

  const planned = planRollback(state.current, state.history, inputs.target);
  if (planned.kind === 'error') return refuse(planned.message);
  const plan = planned;
  await inGroup(
    logger,
    `Plan: ${shortName(plan.from.taskDefinitionArn)} → ${shortName(plan.to.taskDefinition)}`,
    async () => {
      for (const line of planLines(plan, inputs.to, reason)) logger.info(line);
    },
  );
  for (const notice of plan.notices) logger.notice(notice, { title: 'Rollback plan' });

  const base = {
    cluster,
    service,
    region: aws.region,
    plan,
    requested: inputs.to,
    reason,
    strategy: (state.service.deploymentConfiguration as { strategy?: string } | undefined)?.strategy,
    startedAt,
    run: runContext(effects.env),
  };
  // Outputs, record and summary: set in one place, however the rollback ends after planning.
  const finish = (
    parts: Omit<RecordParts, keyof typeof base | 'endedAt'>,
    conclusion?: Pick<Conclusion, 'failure'>,
  ) => publishRollback(effects, { ...base, ...parts, endedAt: clock.now() }, conclusion?.failure);
  step.finish = (parts) =>
    finish({
      to: step.to ?? { taskDefinitionArn: plan.to.taskDefinition, images: {} },
      ...step.identity,
      ...parts,
    });

  if (plan.kind === 'nothing-to-do') {
    logger.notice(plan.message ?? 'Nothing to do.', { title: 'Rollback' });
    await finish({
      to: { taskDefinitionArn: state.current.taskDefinitionArn, images: state.current.images },
      status: 'nothing-to-do',
      outcomeReason: plan.message,
    });
    return;
  }

  let verified: Awaited<ReturnType<typeof verifyTarget>>;
  step.doing = `verifying ${shortName(plan.to.taskDefinition)} can start`;
  try {
    verified = await inGroup(logger, `Verifying ${shortName(plan.to.taskDefinition)} can start`, () =>
      verifyTarget({ ecs, ecrFor, logger }, plan.to.taskDefinition),
    );
  } catch (error) {
    if (error instanceof ConfigurationError) return refuse(error.message, rollbackDetails(plan, inputs.to));
    throw error;
  }
  for (const warning of movedTags(verified.checks, plan.to.digests))
    logger.warning(warning, { title: 'Inexact rollback' });
  const to: Revision = { taskDefinitionArn: verified.taskDefinitionArn, images: verified.images };
  const path = plan.path!;
  step.to = to;

  if (inputs.dryRun) {
    const line = outcomeLine('dry-run', service, to.taskDefinitionArn);
    logger.notice(`${line} It would take this path: ${pathName(path)}.`, { title: 'Dry run' });
    await finish({ to, status: 'dry-run', path, outcomeReason: line });
    return;
  }

  // The GitHub deployment of the restored revision, created before ECS starts; it names what it undoes.
  const draft = {
    kind: 'rollback' as const,
    cluster,
    service,
    region: aws.region,
    from: plan.from,
    to,
    strategy: base.strategy,
    requestedReason: reason,
    run: base.run,
  };
  // Which GitHub deployment this undoes, and the commit of the revision it restores (no statuses needed).
  const github = state.history.github ?? (readGitHub ? await readGitHub(false) : undefined);
  const lineage = githubLineage(github, plan.from.taskDefinitionArn, to.taskDefinitionArn);
  await announcer.begin(
    draft,
    {
      taskDefinitionArn: plan.from.taskDefinitionArn,
      githubDeploymentId: lineage.undoes?.id,
      serviceDeploymentArn: state.current.inProgress?.serviceDeploymentArn,
    },
    lineage.restores?.sha,
  );
  const started: StartedRollback = await inGroup(
    logger,
    `Rolling back to ${shortName(to.taskDefinitionArn)}`,
    async () => {
      logger.info(`Path: ${pathName(path)}. ${path.reason}`);
      step.doing = `rolling back to ${shortName(to.taskDefinitionArn)} (${pathName(path)})`;
      return startRollback(
        {
          ecs,
          writes: aws.ecsWrites(),
          logger,
          cluster,
          service,
          before: state.service,
          maxAttempts: inputs.aws.maxAttempts,
          sleep: (ms) => clock.sleep(ms),
          onWrite: (operation) => {
            step.writeInFlight = operation;
          },
        },
        path,
        state.current,
        state.history,
        to.taskDefinitionArn,
      ).catch(async (error: unknown) => {
        await announcer.aborted(error, draft);
        throw error;
      });
    },
  );
  const identity = {
    path: started.path,
    deploymentId: started.target.deploymentId,
    serviceDeploymentArn: started.target.serviceDeploymentArn,
  };
  step.identity = identity;
  step.doing = `following the rollback to ${shortName(to.taskDefinitionArn)}`;
  const startedRecord = buildRecord({ ...base, to, status: 'started', ...identity, endedAt: clock.now() });
  await announcer.started(startedRecord);

  if (!inputs.wait) {
    const line = outcomeLine('started', service, to.taskDefinitionArn);
    logger.info(line);
    await finish({ to, status: 'started', ...identity, outcomeReason: line });
    return;
  }

  const stopPath = started.path.kind === 'stop-deployment';
  const result: FollowResult = await inGroup(
    logger,
    `Following the rollback to ${shortName(to.taskDefinitionArn)}`,
    () =>
      followStartedDeployment(
        deploymentSession(effects, aws, inputs, deadline),
        {
          target: started.target,
          initialEvents: state.service.events,
          // On the stop path the followed deployment is the one being undone: ECS rolling it back is the success.
          purpose: stopPath ? 'rollback' : 'deploy',
        },
        announcer,
        startedRecord,
      ),
  );
  const conclusion = await concludeDeployment({
    ecs,
    logger,
    result,
    attempted: to,
    from: plan.from,
    reason: stopPath ? stopPathOutcome(result, started.target.taskDefinitionArn, to) : result.reason,
  });
  const ended = await finish(
    {
      to,
      status: conclusion.outcome,
      ...identity,
      deploymentId: identity.deploymentId ?? result.assessment?.rollbackDeployment?.id,
      follow: result,
      outcomeReason: conclusion.reason,
    },
    conclusion,
  );
  await announcer.finished(ended);
  const line = outcomeLine(conclusion.outcome, service, to.taskDefinitionArn, conclusion.reason);
  if (conclusion.outcome !== 'succeeded') {
    // When ECS rolled the rollback back, the follower annotated the failure as that began.
    throw new OutcomeError(failureLine(line, undefined, result.likelyCause), {
      annotated: result.failureAnnotated === true && conclusion.outcome === 'rolled-back',
    });
  }
  logger.info(line);
}
