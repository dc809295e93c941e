/**
 * How often to read while following a deployment: slowly while nothing is about
 * to happen, fast when an end is near, and never above the read budget.
 *
 * The budget is a token bucket: credits accrue at `perMinute` from the start of
 * the wait and every read spends one. A poll waits for a credit in hand; the
 * diagnosis and a peek at stopped tasks may borrow a few, which the next polls
 * wait out — so over any wait of a minute or more the reads stay at or under
 * `perMinute` per minute.
 * Credits saved during the quiet start of a deployment pay for polling every
 * two seconds when it is about to end. The diagnosis of a failure (stopped
 * tasks, one log read per distinct failure) is paid from the same bucket:
 * the follower spends it while ECS rolls back, so the end is not kept waiting.
 */
import type { Service } from '@aws-sdk/client-ecs';
import type { Assessment } from './assess.js';

export type Urgency = 'calm' | 'near' | 'draining' | 'imminent';

export interface PaceSettings {
  /** Reads per minute the wait may average (default 15). */
  perMinute: number;
  /** Most credits the bucket holds, so a long calm wait cannot fund a long burst. */
  capacity: number;
  /** Intervals by urgency, before the budget has its say (`draining`: where its ramp starts). */
  intervalMs: Record<Urgency, number>;
  /**
   * While other deployments' tasks drain, the interval shrinks from
   * `intervalMs.draining` to `intervalMs.imminent` over this long: a task that
   * has been stopping for longer is likelier to be gone at the next look, and
   * credits spent on the first seconds of a drain would be missing at its end
   * (Fargate tasks take tens of seconds to stop; the budget pays for about one
   * read every 4 s, so a drain read every 2 s from its start runs dry before its end).
   */
  drainRampMs: number;
}

export const DEFAULT_PACE: PaceSettings = {
  perMinute: 15,
  capacity: 20,
  // 15 a minute is one read every 4 s: near polls at that rate (a verdict without warning,
  // such as an alarm or a pull failure, then comes 2 s late at the median); calm polls save for imminent ones.
  intervalMs: { calm: 8_000, near: 4_000, draining: 6_000, imminent: 2_000 },
  drainRampMs: 30_000,
};

/**
 * The interval an urgency asks for, before the budget has its say;
 * `drainingForMs` is how long the follower has seen the drain.
 */
export function wantedInterval(
  urgency: Urgency,
  drainingForMs = 0,
  settings: PaceSettings = DEFAULT_PACE,
): number {
  if (urgency !== 'draining') return settings.intervalMs[urgency];
  const { draining, imminent } = settings.intervalMs;
  const ramp = Math.min(1, Math.max(0, drainingForMs) / settings.drainRampMs);
  return Math.round(draining - (draining - imminent) * ramp);
}

export class ReadBudget {
  private spent = 0;

  constructor(
    private readonly startedAt: number,
    private readonly settings: PaceSettings = DEFAULT_PACE,
  ) {}

  /** Credits available at `now`, capped at the bucket's capacity. */
  credits(now: number): number {
    const earned = ((now - this.startedAt) / 60_000) * this.settings.perMinute;
    // Capping the balance, not the total, is what a bucket does: track the cap by moving `spent` up.
    const balance = earned - this.spent;
    if (balance > this.settings.capacity) this.spent = earned - this.settings.capacity;
    return Math.min(balance, this.settings.capacity);
  }

  spend(reads: number): void {
    this.spent += reads;
  }

  /** Milliseconds until `reads` credits are in hand (0 when they are). */
  waitFor(now: number, reads = 1): number {
    const short = reads - this.credits(now);
    return short <= 0 ? 0 : Math.ceil((short / this.settings.perMinute) * 60_000);
  }

  /**
   * Milliseconds to wait before the next poll of `reads` reads: the `wanted`
   * interval (wantedInterval), stretched until the budget can pay for the
   * reads and still hold `reserve` credits.
   */
  nextDelay(now: number, wanted: number, reads = 1, reserve = 0): number {
    const short = reads + reserve - this.credits(now + wanted);
    if (short <= 0) return wanted;
    return wanted + Math.ceil((short / this.settings.perMinute) * 60_000);
  }
}

/**
 * How close the followed deployment is to an end, from what DescribeServices
 * (and the service deployment, when read) already say. While ECS rolls it
 * back, the deployment to watch is the rollback (the assessment's counts are
 * its tasks): its end has the same signs.
 * - imminent: failures one short of the circuit breaker's threshold;
 * - draining: all tasks of the watched deployment run and only other
 *   deployments' tasks are still leaving (the end comes when they are gone);
 * - near: some of its tasks run (health checks and the no-health-check wait
 *   decide soon), some failed, or it is in its bake time (an alarm may roll it
 *   back at any moment);
 * - calm: its tasks are still being placed, pulled and started.
 */
export function urgencyOf(assessment: Assessment | undefined, service: Service | undefined): Urgency {
  if (!assessment) return 'calm';
  const rollingBack = assessment.phase === 'rolling-back';
  // A bake time lasts minutes (alarms: as long as ECS computes); its end is near, not imminent.
  if (!rollingBack && assessment.lifecycleStage === 'BAKE_TIME') return 'near';
  const { desired, running, failed } = assessment.counts;
  const threshold = assessment.circuitBreaker?.threshold ?? breakerThreshold(desired);
  // Within two failures of the threshold: tasks that started together often stop together, so the
  // breaker trips from two short about as often as from one.
  if (!rollingBack && failed > 0 && failed >= threshold - 2) return 'imminent';
  const watched = rollingBack ? assessment.rollbackDeployment?.id : assessment.ours?.id;
  const others = (service?.deployments ?? []).filter((d) => d.id !== watched);
  const othersRunning = others.reduce((n, d) => n + (d.runningCount ?? 0) + (d.pendingCount ?? 0), 0);
  if (desired > 0 && running >= desired && othersRunning === 0) return 'draining';
  if (running > 0 || (!rollingBack && failed > 0)) return 'near';
  return 'calm';
}

/**
 * The diagnosis's usual cost: ListTasks, DescribeTasks and one GetLogEvents
 * (the registered task definition is known; more log reads only for more
 * distinct failures).
 */
export const DIAGNOSIS_READS = 3;

/**
 * Credits to keep for the diagnosis. When ECS rolls a failed deployment back,
 * the follower diagnoses while the rollback runs and the rollback's own polls
 * repay it: nothing to keep. When it will not (no circuit breaker rollback),
 * the diagnosis comes after the last poll, so while tasks are failing and the
 * end is not yet imminent, its reads are kept back; an imminent verdict never
 * waits for them.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentCircuitBreaker.html
 */
export function diagnosisReserve(
  urgency: Urgency,
  assessment: Assessment | undefined,
  service: Service | undefined,
): number {
  if (urgency !== 'near' || !assessment || assessment.phase !== 'in-progress') return 0;
  if ((assessment.ours?.failedTasks ?? assessment.counts.failed) === 0) return 0;
  const breaker = service?.deploymentConfiguration?.deploymentCircuitBreaker;
  return breaker?.enable && breaker.rollback ? 0 : DIAGNOSIS_READS;
}

/**
 * The default circuit breaker threshold: half the desired count, rounded up,
 * between 3 and 200 (API_ServiceDeploymentCircuitBreaker), for when the
 * service deployments API does not say.
 */
export function breakerThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desired / 2)));
}
