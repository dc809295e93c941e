import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServiceDeploymentsCommand,
  type ECSClient,
  type Service,
  type ServiceDeployment,
  type ServiceEvent,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { Clock } from '../clock.js';
import type { StepDeadline } from '../deadline.js';
import { formatDuration } from '../duration.js';
import { errorMessage, isAccessDenied, isUnsupported } from '../errors.js';
import type { Logger } from '../logger.js';
import { pollAws } from '../poll.js';
import { shortDeployment } from './arn.js';
import {
  type Assessment,
  assessFromService,
  assessFromServiceDeployment,
  type DeploymentTarget,
  FINAL_PHASES,
  type Phase,
} from './assess.js';
import { describeFailedTask, type FailedTask, likelyCause, toFailedTask } from './diagnose.js';
import { EventFeed, formatEvent } from './events.js';
import { findStoppedTasks, gatherFailedTasks } from './gather.js';
import { DEFAULT_PACE, type PaceSettings, ReadBudget, urgencyOf } from './pace.js';
import { progressLine } from './progress.js';
import { readService } from './service.js';

/** What a Berth step reports: the `status` output of deploy-ecs and rollback. */
export type Outcome = 'succeeded' | 'failed' | 'rolled-back' | 'timed-out';

/**
 * Why a deployment is followed. `deploy`: it should complete, and ECS rolling
 * it back is a failure. `rollback`: ECS was asked to roll it back
 * (StopServiceDeployment ROLLBACK), so that rollback is the success, and the
 * deployment completing after all is the failure.
 */
export type FollowPurpose = 'deploy' | 'rollback';

/** The step's outcome when the followed deployment ended in `phase`, or the wait timed out. */
export function followOutcome(phase: Phase, timedOut: boolean, purpose: FollowPurpose = 'deploy'): Outcome {
  if (timedOut) return 'timed-out';
  if (purpose === 'rollback') return phase === 'rolled-back' ? 'succeeded' : 'failed';
  return phase === 'succeeded' ? 'succeeded' : phase === 'rolled-back' ? 'rolled-back' : 'failed';
}

export interface FollowOptions {
  ecs: ECSClient;
  logs?: CloudWatchLogsClient;
  clock: Clock;
  logger: Logger;
  cluster: string;
  service: string;
  target: DeploymentTarget;
  timeoutMs: number;
  /**
   * How often to read (pace.ts): slowly while the tasks start, every second or
   * two when an end is near, within 15 reads a minute on average, diagnosis
   * included. One DescribeServices per poll; DescribeServiceDeployments every
   * third poll or when the service hints at a change; a peek at newly stopped
   * tasks at most every 45 s.
   */
  pace?: PaceSettings;
  /** Service events that existed before the deployment started; not printed again. */
  initialEvents?: ServiceEvent[];
  /** `deploy` (the default) or `rollback`: what the outcome and the rollback announcement mean. */
  purpose?: FollowPurpose;
  /** The task definition being deployed, when the caller has it: the diagnosis need not read it again. */
  taskDefinition?: TaskDefinition;
  /**
   * Called once, when the deployment first reads BAKE_TIME (blue/green,
   * canary, linear: production traffic is on the new revision and the old
   * one still runs): deploy-ecs's `verify-command` runs here and, on failure,
   * stops the deployment with ROLLBACK; the follower then sees the rollback.
   */
  onBake?: (assessment: Assessment) => Promise<void>;
  /**
   * The step's deadline, shared with the calls (its signal aborts them): the
   * wait ends at the earlier of it and `timeoutMs`, and a call it cut short
   * ends the follow as timed out instead of failing it.
   */
  deadline?: StepDeadline;
}

export interface FollowResult {
  /** The step's outcome, by the follow's `purpose`. */
  outcome: Outcome;
  /** The last phase seen (`in-progress` when the wait timed out). */
  phase: Phase;
  reason?: string;
  assessment?: Assessment;
  service?: Service;
  serviceDeployment?: ServiceDeployment;
  events: ServiceEvent[];
  failedTasks: FailedTask[];
  likelyCause?: string;
  usedServiceDeploymentsApi: boolean;
  readCalls: number;
  startedAt: number;
  endedAt: number;
}

const MAX_BACKOFF_MS = 60_000;
const SERVICE_DEPLOYMENT_EVERY = 3;
const STOPPED_TASK_PEEK_MS = 45_000;

/**
 * Follows one deployment — ours, by its identity — to its end and tells the
 * truth about it: prints every new service event once, a progress line when
 * anything changes, notices failure within a poll, and on failure explains
 * it. Transient AWS errors and throttling slow the polling down; they never
 * fail the step.
 */
export async function followDeployment(options: FollowOptions): Promise<FollowResult> {
  const { ecs, clock, logger, cluster, target } = options;
  const pace = options.pace ?? DEFAULT_PACE;
  const startedAt = clock.now();
  const budget = new ReadBudget(startedAt, pace);
  const feed = new EventFeed();
  feed.prime(options.initialEvents);

  let useServiceDeployments = Boolean(target.serviceDeploymentArn);
  let readCalls = 0;
  let lastLine = '';
  let lastPeek = Number.NEGATIVE_INFINITY;
  let lastFailedCount = 0;
  let announcedRollback = false;
  let baked = false;
  let rollbackId: string | undefined;
  const peekedTasks = new Set<string>();
  let service: Service | undefined;
  let serviceDeployment: ServiceDeployment | undefined;
  let assessment: Assessment | undefined;

  const read = async <T>(call: () => Promise<T>, calls = 1): Promise<T> => {
    readCalls += calls;
    budget.spend(calls);
    return call();
  };

  /** One poll: read, print what is new, and say whether the deployment has ended. */
  const step = async (poll: number): Promise<{ phase: Phase; reason?: string } | undefined> => {
    service = await read(() => readService(ecs, { cluster, service: options.service }));
    for (const event of feed.take(service.events)) logger.info(formatEvent(event));
    const hinted = assessFromService(service, target, feed.all(), rollbackId);
    // Once a rollback is announced, DescribeServices shows when it ends; the service
    // deployment is read again every third poll and to confirm the end.
    const watchingRollback = announcedRollback && hinted.phase === 'rolling-back';
    const wantServiceDeployment =
      useServiceDeployments &&
      (poll % SERVICE_DEPLOYMENT_EVERY === 0 ||
        (!watchingRollback &&
          (hinted.phase !== 'in-progress' ||
            hinted.ours?.rolloutState !== 'IN_PROGRESS' ||
            (serviceDeployment !== undefined &&
              serviceDeployment.status !== 'IN_PROGRESS' &&
              serviceDeployment.status !== 'PENDING'))));
    if (wantServiceDeployment) {
      try {
        serviceDeployment = await read(() => describeServiceDeployment(ecs, target.serviceDeploymentArn!));
      } catch (error) {
        if (!isAccessDenied(error) && !isUnsupported(error)) throw error;
        useServiceDeployments = false;
        serviceDeployment = undefined;
        logger.notice(
          `The service deployments API is not available (${errorMessage(error)}); following the deployment through DescribeServices instead.`,
        );
      }
    }
    assessment =
      useServiceDeployments && serviceDeployment
        ? assessFromServiceDeployment(serviceDeployment, service, target, feed.all(), rollbackId)
        : hinted;

    rollbackId ??= assessment.rollbackDeployment?.id;
    const line = progressLine(assessment, service);
    if (line !== lastLine) {
      logger.info(line);
      lastLine = line;
    }
    if (
      options.onBake &&
      !baked &&
      assessment.phase === 'in-progress' &&
      assessment.lifecycleStage === 'BAKE_TIME'
    ) {
      baked = true;
      await options.onBake(assessment);
      return undefined;
    }

    // Show why tasks stop while we wait, not only at the end.
    // It costs two reads: skipped when the budget has not got them (the diagnosis will tell).
    if (
      assessment.counts.failed > lastFailedCount &&
      clock.now() - lastPeek >= STOPPED_TASK_PEEK_MS &&
      budget.credits(clock.now()) >= 2
    ) {
      lastPeek = clock.now();
      lastFailedCount = assessment.counts.failed;
      await peekAtStoppedTasks();
    }

    // A rollback ECS started is followed to its end: that end is the verdict.
    if (assessment.phase === 'rolling-back') {
      if (!announcedRollback) {
        announcedRollback = true;
        const reason = assessment.reason ?? 'no reason given';
        if (options.purpose === 'rollback') {
          const name = target.serviceDeploymentArn
            ? shortDeployment(target.serviceDeploymentArn)
            : (target.deploymentId ?? 'the deployment');
          logger.info(`ECS is rolling back ${name} as requested${reason ? ` (${reason})` : ''}.`);
        } else {
          // A plain line: the step's one error annotation comes with the verdict.
          logger.info(`The deployment failed and ECS is rolling it back: ${reason}`);
        }
      }
      return undefined;
    }
    return FINAL_PHASES.has(assessment.phase)
      ? { phase: assessment.phase, reason: assessment.reason }
      : undefined;
  };

  /** The stopped tasks so far, each printed once. Best effort: a denied or failed peek must not fail a deployment that is still running. */
  const peekAtStoppedTasks = async (): Promise<void> => {
    const stopped = await read(
      () =>
        findStoppedTasks({
          ecs,
          cluster,
          service: options.service,
          startedBy: target.deploymentId,
          taskDefinitionArn: target.taskDefinitionArn,
          limit: 5,
        }),
      2,
    ).catch((error: unknown) => {
      logger.debug(`Could not look at the stopped tasks yet: ${errorMessage(error)}`);
      return [];
    });
    for (const task of stopped) {
      if (peekedTasks.has(task.taskArn ?? '')) continue;
      peekedTasks.add(task.taskArn ?? '');
      logger.info(`  stopped ${describeFailedTask(toFailedTask(task, undefined)).join('; ')}`);
    }
  };

  /**
   * The wait before poll `nextPoll`, by the read budget: keep credits for the
   * diagnosis once tasks are failing; the next poll may also read the service
   * deployment. An imminent end is never kept waiting for the reserve: the
   * verdict comes first.
   */
  const interval = (nextPoll: number): number => {
    const urgency = urgencyOf(assessment, service);
    const reserve = urgency === 'near' && (assessment?.counts.failed ?? 0) > 0 ? pace.diagnosisReserve : 0;
    const nextReads = useServiceDeployments && nextPoll % SERVICE_DEPLOYMENT_EVERY === 0 ? 2 : 1;
    return budget.nextDelay(clock.now(), urgency, nextReads, reserve);
  };

  const polled = await pollAws({
    clock,
    logger,
    doing: `follow the deployment of service ${options.service}`,
    timeoutMs: options.timeoutMs,
    deadline: options.deadline,
    // The first read waits for its credit: UpdateService has just answered, nothing has moved yet.
    firstDelayMs: budget.waitFor(startedAt),
    intervalMs: interval,
    firstBackoffMs: pace.intervalMs.near,
    maxBackoffMs: MAX_BACKOFF_MS,
    step,
  });
  return polled.done
    ? finish(polled.value.phase, polled.value.reason)
    : finish('in-progress', undefined, true);

  async function finish(phase: Phase, reason: string | undefined, timedOut = false): Promise<FollowResult> {
    let failedTasks: FailedTask[] = [];
    const failedPhase = phase !== 'succeeded';
    // Past the step's deadline every call would be cut short: report what is known.
    if (failedPhase && !options.deadline?.expired()) {
      try {
        failedTasks = await gatherFailedTasks({
          onRead: () => readCalls++,
          knownDefinitions: options.taskDefinition ? [options.taskDefinition] : undefined,
          ecs,
          logs: options.logs,
          logger,
          cluster,
          service: options.service,
          startedBy: target.deploymentId,
          taskDefinitionArn: target.taskDefinitionArn,
        });
      } catch (error) {
        logger.warning(`Could not collect the stopped tasks: ${errorMessage(error)}`);
      }
    }
    const outcome = followOutcome(phase, timedOut, options.purpose);
    const timeoutReason = timedOut
      ? `Timed out after ${formatDuration(options.timeoutMs)} waiting for deployment ${target.deploymentId ?? target.taskDefinitionArn}; it was ${lastLine || 'not yet visible'}.`
      : undefined;
    return {
      outcome,
      phase,
      reason: timeoutReason ?? reason,
      assessment,
      service,
      serviceDeployment,
      events: feed.all(),
      failedTasks,
      likelyCause: failedPhase ? likelyCause(failedTasks, feed.all()) : undefined,
      usedServiceDeploymentsApi: useServiceDeployments,
      readCalls,
      startedAt,
      endedAt: clock.now(),
    };
  }
}

async function describeServiceDeployment(
  ecs: ECSClient,
  arn: string,
): Promise<ServiceDeployment | undefined> {
  const out = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
  return out.serviceDeployments?.[0];
}
