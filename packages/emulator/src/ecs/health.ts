/**
 * Container health checks as ECS runs them, computed ahead of time.
 *
 * ECS hands a container definition's `healthCheck` to the container runtime
 * (Docker's HEALTHCHECK semantics) and reports what the runtime sees:
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
 * - `interval` (5–300 s, default 30) between checks; the first check runs one
 *   interval after the container starts.
 * - `retries` (1–10, default 3) consecutive failures make the container UNHEALTHY.
 * - `startPeriod` (0–300 s, default off): "the optional grace period to provide
 *   containers time to bootstrap before failed health checks count towards the
 *   maximum number of retries … If a health check succeeds within the
 *   startPeriod, then the container is considered healthy and any subsequent
 *   failures count toward the maximum number of retries."
 * - `timeout` (2–60 s, default 5): a check that hangs fails after it.
 * - Container health is UNKNOWN while the check is being evaluated and when no
 *   check is defined; the task is HEALTHY when every essential container with a
 *   check is HEALTHY, UNHEALTHY when any essential container is UNHEALTHY, and
 *   UNKNOWN otherwise (API_Task `healthStatus`, API_Container `healthStatus`).
 */
import type { HealthStatus, HealthTransition } from './types.js';

export type { HealthTransition };

export interface HealthCheckSettings {
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
}

/** The documented defaults applied to a container definition's `healthCheck`. */
export function healthCheckSettings(healthCheck: Record<string, any>): HealthCheckSettings {
  return {
    intervalMs: (healthCheck.interval ?? 30) * 1000,
    timeoutMs: (healthCheck.timeout ?? 5) * 1000,
    retries: healthCheck.retries ?? 3,
    startPeriodMs: (healthCheck.startPeriod ?? 0) * 1000,
  };
}

/**
 * What the application does when its check command runs, from the image's
 * behaviour: the check passes once the container has run `passesAfterMs`,
 * never (`never`), and stops passing at `failsAfterMs`. A failing check either
 * exits non-zero at once or, with `hangs`, runs into the timeout.
 */
export interface HealthScript {
  passesAfterMs: number;
  never?: boolean;
  failsAfterMs?: number;
  hangs?: boolean;
}

/**
 * The container's health transitions from its start until `untilMs` (when it
 * exits, if it does). Ends at the first UNHEALTHY: ECS replaces such a task,
 * so later checks never matter to a service.
 */
export function healthTimeline(
  settings: HealthCheckSettings,
  script: HealthScript,
  untilMs = Number.POSITIVE_INFINITY,
): HealthTransition[] {
  const passes = (t: number) =>
    !script.never &&
    t >= script.passesAfterMs &&
    (script.failsAfterMs === undefined || t < script.failsAfterMs);
  const transitions: HealthTransition[] = [];
  let status: HealthStatus = 'UNKNOWN';
  let streak = 0;
  let started = false; // a check has passed: the start period no longer shields failures
  // Docker starts the next check one interval after the previous one finished.
  let t = settings.intervalMs;
  for (let checks = 0; checks < 10_000; checks++) {
    const pass = passes(t);
    const finished = pass || !script.hangs ? t : t + settings.timeoutMs;
    if (finished >= untilMs) break;
    if (pass) {
      streak = 0;
      started = true;
      if (status !== 'HEALTHY') {
        status = 'HEALTHY';
        transitions.push({ afterMs: finished, status });
      }
      // Healthy for good unless the script says when it stops passing: skip the
      // checks in between, whose outcome cannot change anything.
      if (script.failsAfterMs === undefined) break;
      if (t < script.failsAfterMs) {
        const skip = Math.max(0, Math.floor((script.failsAfterMs - t) / settings.intervalMs) - 1);
        t += skip * settings.intervalMs;
      }
    } else if (started || finished >= settings.startPeriodMs) {
      streak++;
      if (streak >= settings.retries) {
        transitions.push({ afterMs: finished, status: 'UNHEALTHY' });
        break;
      }
    }
    t = finished + settings.intervalMs;
  }
  return transitions;
}

/** Task health from its containers (API_Task healthStatus). */
export function taskHealth(
  containers: ReadonlyArray<{ essential: boolean; hasHealthCheck: boolean; healthStatus: HealthStatus }>,
): HealthStatus {
  const checked = containers.filter((c) => c.essential && c.hasHealthCheck);
  if (checked.some((c) => c.healthStatus === 'UNHEALTHY')) return 'UNHEALTHY';
  if (checked.length > 0 && checked.every((c) => c.healthStatus === 'HEALTHY')) return 'HEALTHY';
  return 'UNKNOWN';
}
