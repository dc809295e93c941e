/**
 * How often to read while following a deployment: slowly while nothing is about
 * to happen, fast when an end is near, and never above the read budget.
 *
 * The budget is a token bucket: credits accrue at `perMinute` from the start of
 * the wait, every read spends one, and a read is only made with a credit in
 * hand — so over any wait the reads stay at or under `perMinute` per minute. Credits saved during the quiet start of a
 * deployment pay for polling every second or two when it is about to end. While
 * a deployment is failing, a few credits stay reserved for the diagnosis
 * (stopped tasks, task definition, one log read per distinct failure).
 */
import type { Service } from '@aws-sdk/client-ecs';
import type { Assessment } from './assess.js';

export type Urgency = 'calm' | 'near' | 'imminent';

export interface PaceSettings {
  /** Reads per minute the wait may average (default 15). */
  perMinute: number;
  /** Most credits the bucket holds, so a long calm wait cannot fund a long burst. */
  capacity: number;
  /** Credits kept for the diagnosis once tasks are failing. */
  diagnosisReserve: number;
  /** Intervals by urgency, before the budget has its say. */
  intervalMs: Record<Urgency, number>;
}

export const DEFAULT_PACE: PaceSettings = {
  perMinute: 15,
  capacity: 20,
  diagnosisReserve: 5,
  intervalMs: { calm: 12_000, near: 5_000, imminent: 2_000 },
};

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
   * Milliseconds to wait before the next poll of `reads` reads: the urgency's
   * interval, stretched until the budget (less `reserve`) can pay for it.
   */
  nextDelay(now: number, urgency: Urgency, reads = 1, reserve = 0): number {
    const wanted = this.settings.intervalMs[urgency];
    const short = reads + reserve - this.credits(now + wanted);
    if (short <= 0) return wanted;
    return wanted + Math.ceil((short / this.settings.perMinute) * 60_000);
  }
}

/**
 * How close the followed deployment is to an end, from what DescribeServices
 * (and the service deployment, when read) already say:
 * - imminent: ECS is rolling it back, its failures are one short of the
 *   circuit breaker's threshold, or all its tasks run and only old tasks are
 *   still leaving;
 * - near: some of its tasks run (health checks and the no-health-check wait
 *   decide soon), some failed, or it is in its bake time;
 * - calm: its tasks are still being placed, pulled and started.
 */
export function urgencyOf(assessment: Assessment | undefined, service: Service | undefined): Urgency {
  if (!assessment) return 'calm';
  if (assessment.phase === 'rolling-back') return 'imminent';
  // A bake time lasts minutes (alarms: as long as ECS computes); its end is near, not imminent.
  if (assessment.lifecycleStage === 'BAKE_TIME') return 'near';
  const { desired, running, failed } = assessment.counts;
  const threshold = assessment.circuitBreaker?.threshold ?? breakerThreshold(desired);
  if (failed > 0 && failed >= threshold - 1) return 'imminent';
  const others = (service?.deployments ?? []).filter((d) => d.id !== assessment.ours?.id);
  const othersRunning = others.reduce((n, d) => n + (d.runningCount ?? 0) + (d.pendingCount ?? 0), 0);
  if (desired > 0 && running >= desired && othersRunning === 0) return 'imminent';
  if (running > 0 || failed > 0) return 'near';
  return 'calm';
}

/**
 * The default circuit breaker threshold: half the desired count, rounded up,
 * between 3 and 200 (API_ServiceDeploymentCircuitBreaker), for when the
 * service deployments API does not say.
 */
export function breakerThreshold(desired: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desired / 2)));
}
