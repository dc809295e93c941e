/**
 * Health check timelines against the documented semantics of API_HealthCheck
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html)
 * and API_Task healthStatus. Expected times are worked out by hand from the
 * rules quoted in src/ecs/health.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { healthCheckSettings, healthTimeline, taskHealth } from '../src/ecs/health.js';

const s = (hc: Record<string, number>) => healthCheckSettings(hc);

describe('healthTimeline', () => {
  it.each([
    // defaults: interval 30, retries 3, no start period; the first check one interval after start
    ['passes at once, defaults', {}, { passesAfterMs: 0 }, undefined, [[30_000, 'HEALTHY']]],
    [
      'never passes, defaults: 3 failures at 30, 60, 90',
      {},
      { passesAfterMs: 0, never: true },
      undefined,
      [[90_000, 'UNHEALTHY']],
    ],
    [
      'interval 10, passes after 25 s: third check',
      { interval: 10 },
      { passesAfterMs: 25_000 },
      undefined,
      [[30_000, 'HEALTHY']],
    ],
    [
      'interval 10, retries 2, passes after 25 s: UNHEALTHY first',
      { interval: 10, retries: 2 },
      { passesAfterMs: 25_000 },
      undefined,
      [[20_000, 'UNHEALTHY']],
    ],
    [
      'startPeriod 30 shields checks at 10 and 20',
      { interval: 10, startPeriod: 30 },
      { passesAfterMs: 35_000 },
      undefined,
      [[40_000, 'HEALTHY']],
    ],
    ['exit before the first check: nothing', { interval: 10 }, { passesAfterMs: 0 }, 8_000, []],
    [
      'healthy, then failing: counted at once after a success',
      { interval: 10, startPeriod: 300 },
      { passesAfterMs: 0, failsAfterMs: 15_000 },
      undefined,
      [
        [10_000, 'HEALTHY'],
        [40_000, 'UNHEALTHY'],
      ],
    ],
    [
      'hanging checks take the timeout each',
      { interval: 10, timeout: 5, retries: 2 },
      { passesAfterMs: 0, never: true, hangs: true },
      undefined,
      [[30_000, 'UNHEALTHY']],
    ],
  ] as const)('%s', (_name, hc, script, until, expected) => {
    expect(
      healthTimeline(s(hc as Record<string, number>), script, until).map((t) => [t.afterMs, t.status]),
    ).toEqual(expected);
  });
});

describe('taskHealth', () => {
  const c = (
    essential: boolean,
    hasHealthCheck: boolean,
    healthStatus: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN',
  ) => ({
    essential,
    hasHealthCheck,
    healthStatus,
  });
  it.each([
    ['no health checks', [c(true, false, 'UNKNOWN')], 'UNKNOWN'],
    ['all essential checked HEALTHY', [c(true, true, 'HEALTHY'), c(true, false, 'UNKNOWN')], 'HEALTHY'],
    ['one essential UNHEALTHY', [c(true, true, 'HEALTHY'), c(true, true, 'UNHEALTHY')], 'UNHEALTHY'],
    ['still evaluating', [c(true, true, 'HEALTHY'), c(true, true, 'UNKNOWN')], 'UNKNOWN'],
    [
      'only a non-essential container has a check',
      [c(true, false, 'UNKNOWN'), c(false, true, 'UNHEALTHY')],
      'UNKNOWN',
    ],
  ] as const)('%s → %s', (_name, containers, expected) => {
    expect(taskHealth(containers)).toBe(expected);
  });
});
