/**
 * How long ECS takes to do things on its own: start and stop tasks, and back
 * off from a service whose tasks keep failing to start.
 *
 * AWS documents the task lifecycle's states but not their durations, so the
 * defaults are calibrated on recorded behaviour (../shared/corpus):
 * - `ecs-api/raw-cli-describe-services-crashloop.json`: a FARGATE service whose
 *   tasks reach RUNNING and then exit is restarted about once a minute
 *   ("has started 1 tasks" events 58–62 s apart);
 * - `ecs-failures/README.md`, "Service throttle logic": a FARGATE service whose
 *   tasks never reach RUNNING restarts with gaps of 2.9–3.4 min for the first
 *   5 attempts, 7.0–8.2 min for the next 13 and 12.6–13.1 min after that.
 * Every task draws its own durations within ±20 % from the seeded PRNG, so new
 * tasks do not all start (or crash) at the same instant.
 */

export interface LaunchTiming {
  /** PROVISIONING → PENDING: capacity and, for awsvpc, the ENI. */
  provisionMs: number;
  /** PENDING → image pulled. */
  pullMs: number;
  /** Pulled → RUNNING (container created and started). */
  startMs: number;
  /** How long a failing pull retries before the task gives up ("retried N time(s)"). */
  pullFailureMs: number;
  /** DEPROVISIONING → STOPPED (ENI detached, resources released). */
  deprovisionMs: number;
}

/**
 * Fargate provisions capacity and attaches an ENI before every task; the
 * EC2 launch type places on instances that are already running.
 */
export const LAUNCH_TIMING: Record<'FARGATE' | 'EC2' | 'EC2_AWSVPC', LaunchTiming> = {
  FARGATE: {
    provisionMs: 8_000,
    pullMs: 14_000,
    startMs: 3_000,
    pullFailureMs: 30_000,
    deprovisionMs: 25_000,
  },
  EC2_AWSVPC: {
    provisionMs: 5_000,
    pullMs: 6_000,
    startMs: 1_000,
    pullFailureMs: 20_000,
    deprovisionMs: 10_000,
  },
  EC2: { provisionMs: 1_000, pullMs: 5_000, startMs: 1_000, pullFailureMs: 20_000, deprovisionMs: 3_000 },
};

export function launchTiming(launchType: string, networkMode: string | undefined): LaunchTiming {
  if (launchType === 'FARGATE') return LAUNCH_TIMING.FARGATE;
  return networkMode === 'awsvpc' ? LAUNCH_TIMING.EC2_AWSVPC : LAUNCH_TIMING.EC2;
}

/** A duration drawn within ±20 % of `ms`. */
export function jitter(ms: number, random: () => number): number {
  return Math.round(ms * (0.8 + 0.4 * random()));
}

/** When a task's start phases end, in milliseconds after it was placed. */
export interface StartPhases {
  pendingAfter: number;
  pulledAfter: number;
  runningAfter: number;
  pullFailedAfter: number;
}

/**
 * The start of one task. `startSeconds` (an image behaviour) replaces the
 * whole placement → RUNNING time, split in the launch type's proportions.
 */
export function startPhases(timing: LaunchTiming, random: () => number, startSeconds?: number): StartPhases {
  const total = timing.provisionMs + timing.pullMs + timing.startMs;
  const scale = startSeconds === undefined ? 1 : (startSeconds * 1000) / total;
  const provision =
    startSeconds === undefined ? jitter(timing.provisionMs, random) : timing.provisionMs * scale;
  const pull = startSeconds === undefined ? jitter(timing.pullMs, random) : timing.pullMs * scale;
  const start = startSeconds === undefined ? jitter(timing.startMs, random) : timing.startMs * scale;
  return {
    pendingAfter: Math.round(provision),
    pulledAfter: Math.round(provision + pull),
    runningAfter: Math.round(provision + pull + start),
    pullFailedAfter: Math.round(
      provision + (startSeconds === undefined ? jitter(timing.pullFailureMs, random) : pull),
    ),
  };
}

/**
 * Service throttle logic: "If tasks for a service repeatedly fail to enter the
 * RUNNING state (progressing directly from PENDING to STOPPED), then the time
 * between subsequent restart attempts is incrementally increased up to a
 * maximum of 27 minutes" and the service event "is unable to consistently
 * start tasks successfully" is written.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-throttle-logic.html
 * The steps are calibrated on the recording described above (the gaps there
 * include the attempt itself, about a minute).
 */
export function throttleDelayMs(consecutiveStartFailures: number): number {
  if (consecutiveStartFailures <= 0) return 0;
  if (consecutiveStartFailures <= 5) return 2 * 60_000;
  if (consecutiveStartFailures <= 18) return 6.5 * 60_000;
  // Past the recording the delay keeps growing, up to the documented maximum.
  return Math.min(27 * 60_000, 12 * 60_000 + (consecutiveStartFailures - 19) * 60_000);
}

/** The event is written once per back-off cycle from the third step on (about 2 h in, as recorded). */
export function throttleEventDue(consecutiveStartFailures: number): boolean {
  return consecutiveStartFailures > 18;
}
