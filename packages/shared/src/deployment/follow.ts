import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServiceDeploymentsCommand,
  type ECSClient,
  type Service,
  type ServiceDeployment,
  type ServiceEvent,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { warmUp } from '../aws.js';
import type { Clock } from '../clock.js';
import { isDeadlineError, type StepDeadline } from '../deadline.js';
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
import { type DescribedFailures, describeFailedTasks, findStoppedTasks, readFailureLogs } from './gather.js';
import {
  DEFAULT_PACE,
  diagnosisReserve,
  type PaceSettings,
  ReadBudget,
  type Urgency,
  urgencyOf,
  wantedInterval,
} from './pace.js';
import { progressLine } from './progress.js';
import { failureLine } from './report.js';
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
   * How often to read (pace.ts): slowly while nothing is about to happen, faster
   * as an end nears (every 2 s when it is imminent), within 15 reads a minute on
   * average, diagnosis included. One DescribeServices per poll; DescribeServiceDeployments when
   * the service hints at a change, to confirm an end, and every 30 s (15 s with
   * `onBake`) while the end is near; a peek at newly stopped tasks at most
   * every 45 s, once their count has held for 10 s.
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
  /**
   * The error annotation raised when ECS started rolling back (purpose `deploy`):
   * the failure's one annotation, so the step's verdict at the rollback's end is a plain line.
   */
  failureAnnotated?: boolean;
  usedServiceDeploymentsApi: boolean;
  readCalls: number;
  startedAt: number;
  endedAt: number;
}

const MAX_BACKOFF_MS = 60_000;
/**
 * How often the service deployment is read when DescribeServices hints at no
 * change: its breaker and alarm details and lifecycle stage. By time, not every
 * n-th poll: a poll that reads twice waits for two credits, and a fast poll
 * cadence would spend every other credit on it.
 */
const SERVICE_DEPLOYMENT_REFRESH_MS = 30_000;
/** With `onBake`, BAKE_TIME (only the service deployment shows it) is noticed sooner: the verification runs in it. */
const SERVICE_DEPLOYMENT_REFRESH_BAKE_MS = 15_000;
const STOPPED_TASK_PEEK_MS = 45_000;
/** How long a new failed-task count must hold before the follower peeks at the stopped tasks. */
const STOPPED_TASK_SETTLE_MS = 10_000;

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
  const refreshMs = options.onBake ? SERVICE_DEPLOYMENT_REFRESH_BAKE_MS : SERVICE_DEPLOYMENT_REFRESH_MS;
  // The first poll reads DescribeServices alone: UpdateService has just answered, and its one credit pays for one read.
  let serviceDeploymentReadAt = startedAt;
  let readCalls = 0;
  /**
   * The diagnosis, gathered once: while ECS rolls back (the failures are all in), else at the end.
   * `described` is its first half (the stopped tasks: all the likely cause needs), `evidence` the whole.
   */
  let described: Promise<DescribedFailures> | undefined;
  let evidence: FailedTask[] | undefined;
  let lastLine = '';
  let lastPeek = Number.NEGATIVE_INFINITY;
  let lastFailedCount = 0;
  /** The failed-task count last seen, and since when: a count that holds is worth a peek. */
  let failedSeen = { count: 0, since: startedAt };
  let announcedRollback = false;
  let failureAnnotated = false;
  let baked = false;
  let rollbackId: string | undefined;
  /** When the follower first saw the current drain (undefined while nothing drains). */
  let drainingSince: number | undefined;
  const peekedTasks = new Set<string>();
  let service: Service | undefined;
  let serviceDeployment: ServiceDeployment | undefined;
  let assessment: Assessment | undefined;

  const countRead = (): void => {
    readCalls++;
    budget.spend(1);
  };
  const read = async <T>(call: () => Promise<T>, calls = 1): Promise<T> => {
    readCalls += calls;
    budget.spend(calls);
    return call();
  };

  /**
   * Whether a poll at `at` reads the service deployment although DescribeServices
   * hints at no change: only while our deployment runs and its end is near (its
   * stage, breaker and alarm details matter then). While calm nothing it adds can
   * change; when imminent, and while ECS rolls it back, DescribeServices shows the
   * end first and the service deployment is read then, to confirm it.
   */
  const serviceDeploymentDue = (at: number, urgency: Urgency): boolean =>
    useServiceDeployments &&
    urgency === 'near' &&
    assessment?.phase === 'in-progress' &&
    at - serviceDeploymentReadAt >= refreshMs;
  /** Whether the next poll reads the service deployment by time: decided, and paid for, when it is scheduled (interval). */
  let refreshPlanned = false;

  /** One poll: read, print what is new, and say whether the deployment has ended. */
  const step = async (): Promise<{ phase: Phase; reason?: string } | undefined> => {
    service = await read(() => readService(ecs, { cluster, service: options.service }));
    for (const event of feed.take(service.events)) logger.info(formatEvent(event));
    const hinted = assessFromService(service, target, feed.all(), rollbackId);
    if (hinted.phase === 'rolling-back' && !announcedRollback && options.purpose !== 'rollback') {
      // ECS has started rolling ours back: the failures are all in. Their tasks are described
      // while the service deployment is read, so the annotation below waits for the slower of
      // the two reads, not for both in turn.
      void describeOnce();
      warmUp(options.logs);
    }
    // Once a rollback is announced, DescribeServices shows when it ends; the service
    // deployment is read again when due and to confirm the end.
    const watchingRollback = announcedRollback && hinted.phase === 'rolling-back';
    const wantServiceDeployment =
      useServiceDeployments &&
      (refreshPlanned ||
        (!watchingRollback &&
          (hinted.phase !== 'in-progress' ||
            hinted.ours?.rolloutState !== 'IN_PROGRESS' ||
            (serviceDeployment !== undefined &&
              serviceDeployment.status !== 'IN_PROGRESS' &&
              serviceDeployment.status !== 'PENDING'))));
    if (wantServiceDeployment) {
      try {
        serviceDeploymentReadAt = clock.now();
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

    // Show why tasks stop while we wait, not only at the end: once a new failed-task count has
    // held for a while (a burst about to trip the circuit breaker is explained by the diagnosis
    // seconds later; a peek then would only make the verdict wait for its two reads).
    const now = clock.now();
    // Tasks are failing: load the Logs client now, so a diagnosis does not wait for its code.
    if (assessment.counts.failed > 0 && options.purpose !== 'rollback') warmUp(options.logs);
    if (assessment.counts.failed !== failedSeen.count)
      failedSeen = { count: assessment.counts.failed, since: now };
    if (
      assessment.counts.failed > lastFailedCount &&
      now - failedSeen.since >= STOPPED_TASK_SETTLE_MS &&
      now - lastPeek >= STOPPED_TASK_PEEK_MS
    ) {
      lastPeek = now;
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
          logger.info(`The deployment failed and ECS is rolling it back: ${reason}`);
        }
        if (options.purpose !== 'rollback') {
          // The failures are all in: the diagnosis is read now, while the rollback runs, so its
          // end is reported as soon as it is seen; its reads come out of the polls' budget. (A
          // rollback that was asked for stops healthy tasks: there is nothing to diagnose.) The
          // failure's one error annotation comes as soon as the stopped tasks name its cause (a
          // rollback can take minutes, and the run's page should say what failed while it runs);
          // the containers' last log lines, for the report, are read after it.
          const { failed } = await describeOnce();
          logger.error(
            failureLine(
              'The deployment failed and ECS is rolling it back',
              reason,
              likelyCause(failed, feed.all()),
            ),
          );
          failureAnnotated = true;
          evidence = await diagnose();
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
   * The stopped tasks of our deployment, explained (one log read per distinct
   * failure), every read spent from the budget. Past the step's deadline
   * every call would be cut short: nothing is read then.
   */
  async function diagnose(): Promise<FailedTask[]> {
    if (evidence) return evidence;
    const stopped = await describeOnce();
    if (options.logs && stopped.logsToRead.length > 0 && !options.deadline?.expired()) {
      await readFailureLogs(stopped, options.logs, { onRead: countRead }).catch((error: unknown) =>
        logger.debug(`Could not read the failed containers' logs: ${errorMessage(error)}`),
      );
    }
    evidence = stopped.failed;
    return evidence;
  }

  /** The stopped tasks of our deployment, described once (ListTasks, DescribeTasks); never throws. */
  function describeOnce(): Promise<DescribedFailures> {
    described ??= describeStopped();
    return described;
  }

  async function describeStopped(): Promise<DescribedFailures> {
    const none: DescribedFailures = { failed: [], logsToRead: [] };
    if (options.deadline?.expired()) return none;
    try {
      return await describeFailedTasks({
        onRead: countRead,
        knownDefinitions: options.taskDefinition ? [options.taskDefinition] : undefined,
        ecs,
        logger,
        cluster,
        service: options.service,
        startedBy: target.deploymentId,
        taskDefinitionArn: target.taskDefinitionArn,
      });
    } catch (error) {
      // The step's deadline cut the reads short: the wait's own timeout says so.
      if (options.deadline && isDeadlineError(error, options.deadline)) return none;
      logger.warning(`Could not collect the stopped tasks: ${errorMessage(error)}`);
      return none;
    }
  }

  /**
   * The wait before the next poll, by the read budget. The next poll reads
   * the service deployment too when it is due by then; when the end is
   * close, one more credit is kept for the service deployment read that
   * confirms it, so the end is not the poll that overdraws; and the
   * diagnosis's credits while it would otherwise overdraw (diagnosisReserve).
   */
  const interval = (): number => {
    const now = clock.now();
    const urgency = urgencyOf(assessment, service);
    drainingSince = urgency === 'draining' ? (drainingSince ?? now) : undefined;
    const wanted = wantedInterval(urgency, now - (drainingSince ?? now), pace);
    // A read by time is due only while near; when the end is close, the credit is kept for the confirming read instead.
    refreshPlanned = serviceDeploymentDue(now + wanted, urgency);
    const endIsClose = urgency === 'imminent' || urgency === 'draining';
    const confirmation = endIsClose && useServiceDeployments ? 1 : 0;
    return budget.nextDelay(
      now,
      wanted,
      refreshPlanned ? 2 : 1,
      confirmation + diagnosisReserve(urgency, assessment, service),
    );
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
    const outcome = followOutcome(phase, timedOut, options.purpose);
    // By the outcome, not the phase: a rollback that was asked for and ended is a success, with nothing to explain.
    const failedPhase = outcome !== 'succeeded';
    const failedTasks = failedPhase ? await diagnose() : [];
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
      failureAnnotated,
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
