import type { Deployment, Service } from '@aws-sdk/client-ecs';
import type { Assessment } from '../src/deployment/assess.js';
import {
  breakerThreshold,
  DEFAULT_PACE,
  diagnosisReserve,
  ReadBudget,
  type Urgency,
  urgencyOf,
  wantedInterval,
} from '../src/deployment/pace.js';

describe('ReadBudget', () => {
  it.each<[string, (step: number) => Urgency]>([
    ['always imminent', () => 'imminent'],
    ['always calm', () => 'calm'],
    ['calm, then a burst', (step) => (step < 8 ? 'calm' : 'imminent')],
    ['flapping', (step) => (['calm', 'near', 'imminent'] as const)[step % 3]],
    ['draining for good', () => 'draining'],
  ])('%s: never more than 15 reads a minute at any point of the wait', (_name, urgency) => {
    const budget = new ReadBudget(0);
    let now = budget.waitFor(0);
    let reads = 0;
    for (let step = 0; now < 20 * 60_000; step++) {
      // The follower reads, then sleeps for what the budget allows.
      budget.spend(1);
      reads++;
      // The budget: 15 read calls per minute of waiting.
      expect(reads).toBeLessThanOrEqual((now / 60_000) * 15 + 1e-9);
      now += budget.nextDelay(now, wantedInterval(urgency(step), step * 2_000));
    }
  });

  it('saves credits while calm and spends them on a fast burst when the end is near', () => {
    const budget = new ReadBudget(0);
    let now = budget.waitFor(0);
    expect(now).toBe(4_000); // one credit every 4 s
    for (let i = 0; i < 5; i++) {
      budget.spend(1);
      now += budget.nextDelay(now, wantedInterval('calm'));
    }
    // Calm polls every 8 s, half the budget's rate.
    expect(now).toBe(4_000 + 5 * 8_000);
    // 44 s in: 11 earned, 5 spent: polls every 2 s are affordable.
    expect(budget.nextDelay(now, wantedInterval('imminent'))).toBe(2_000);
  });

  it('caps what a long calm wait saves: 20 credits, not 150, so no burst outruns the bucket', () => {
    const budget = new ReadBudget(0);
    // Ten quiet minutes earn 150 reads at 15 a minute; a bucket of capacity 20 keeps 20 of them.
    expect(budget.credits(10 * 60_000)).toBe(20);
    budget.spend(20);
    expect(budget.credits(10 * 60_000)).toBe(0);
    // Empty again: the next read waits one refill (60 s / 15 = 4 s), whatever was earned before.
    expect(budget.waitFor(10 * 60_000)).toBe(4_000);
  });

  it('calm for ten minutes, then imminent: no five-minute window reads more than the bucket plus 5 × 15', () => {
    const budget = new ReadBudget(0);
    const readsAt: number[] = [];
    let now = budget.waitFor(0);
    while (now < 20 * 60_000) {
      budget.spend(1);
      readsAt.push(now);
      now += budget.nextDelay(now, wantedInterval(now < 10 * 60_000 ? 'calm' : 'imminent'));
    }
    const window = 5 * 60_000;
    const busiest = Math.max(...readsAt.map((t) => readsAt.filter((u) => u >= t && u < t + window).length));
    expect(busiest).toBeLessThanOrEqual(DEFAULT_PACE.capacity + 5 * 15);
  });

  it('keeps a reserve: with too few credits the next poll waits for them', () => {
    const budget = new ReadBudget(0);
    budget.spend(1); // the first read, at 4 s
    // The read and the reserve need 6 credits; at 15 a minute (one per 4 s) the bucket, empty
    // after the first read, holds them 24 s later.
    expect(budget.nextDelay(4_000, 2_000, 1, 5)).toBe(24_000);
  });

  it('a drain read out of a thin budget: polls come as credits do, and never before', () => {
    // 40 s in, 10 earned and 10 spent (the diagnosis overdrew, then was repaid): the drain's
    // first wish is 6 s, but with the confirmation credit kept (reserve 1) the poll needs 2 credits:
    // 8 s at one credit per 4 s.
    const budget = new ReadBudget(0);
    budget.spend(10);
    expect(budget.nextDelay(40_000, wantedInterval('draining', 0), 1, 1)).toBe(8_000);
    // 30 s into the drain with 4 credits in hand: the ramp's 2 s are affordable.
    const rich = new ReadBudget(0);
    rich.spend(11);
    expect(rich.credits(60_000)).toBe(4);
    expect(rich.nextDelay(60_000, wantedInterval('draining', 30_000), 1, 1)).toBe(2_000);
  });
});

describe('wantedInterval', () => {
  it('calm 8 s, near 4 s (the budget rate: 15 a minute), imminent 2 s', () => {
    expect(['calm', 'near', 'imminent'].map((u) => wantedInterval(u as Urgency))).toEqual([
      8_000, 4_000, 2_000,
    ]);
  });

  it.each([
    [0, 6_000],
    [7_500, 5_000],
    [15_000, 4_000],
    [22_500, 3_000],
    [30_000, 2_000],
    [60_000, 2_000],
  ])('draining for %i ms: %i ms (from 6 s to 2 s over 30 s)', (drainingFor, expected) => {
    expect(wantedInterval('draining', drainingFor)).toBe(expected);
  });
});

describe('urgencyOf', () => {
  const deployment = (id: string, over: Partial<Deployment>): Deployment => ({
    id,
    desiredCount: 3,
    runningCount: 0,
    pendingCount: 0,
    failedTasks: 0,
    ...over,
  });
  const assess = (ours: Deployment, extra: Partial<Assessment> = {}): Assessment => ({
    phase: 'in-progress',
    ours,
    counts: {
      desired: ours.desiredCount ?? 0,
      running: ours.runningCount ?? 0,
      pending: ours.pendingCount ?? 0,
      failed: ours.failedTasks ?? 0,
    },
    source: 'service',
    ...extra,
  });
  const service = (...deployments: Deployment[]): Service => ({ deployments });

  it.each<[string, Deployment, Deployment, Partial<Assessment>, Urgency]>([
    [
      'tasks still starting',
      deployment('new', { pendingCount: 3 }),
      deployment('old', { runningCount: 3 }),
      {},
      'calm',
    ],
    [
      'some tasks running',
      deployment('new', { runningCount: 1, pendingCount: 2 }),
      deployment('old', { runningCount: 3 }),
      {},
      'near',
    ],
    // The default threshold for 3 tasks is 3 (API_DeploymentCircuitBreaker: half the desired count,
    // at least 3): one failure is two short, and tasks started together often fail together.
    [
      'one failure of three (two short of the threshold)',
      deployment('new', { failedTasks: 1 }),
      deployment('old', { runningCount: 3 }),
      {},
      'imminent',
    ],
    [
      'two failures of ten (threshold 5: three short)',
      deployment('new', { desiredCount: 10, failedTasks: 2 }),
      deployment('old', { runningCount: 10 }),
      {},
      'near',
    ],
    [
      'three failures of ten (threshold 5: two short)',
      deployment('new', { desiredCount: 10, failedTasks: 3 }),
      deployment('old', { runningCount: 10 }),
      {},
      'imminent',
    ],
    [
      'one short of the threshold (3)',
      deployment('new', { failedTasks: 2 }),
      deployment('old', { runningCount: 3 }),
      {},
      'imminent',
    ],
    [
      'threshold from the service deployment',
      deployment('new', { failedTasks: 2 }),
      deployment('old', { runningCount: 3 }),
      { circuitBreaker: { failureCount: 2, threshold: 10 } },
      'near',
    ],
    [
      'all running, old tasks leaving',
      deployment('new', { runningCount: 3 }),
      deployment('old', {}),
      {},
      'draining',
    ],
    [
      'all running, old tasks still serving',
      deployment('new', { runningCount: 3 }),
      deployment('old', { runningCount: 3 }),
      {},
      'near',
    ],
    [
      'in its bake time (an alarm may fire at any moment)',
      deployment('new', { runningCount: 3 }),
      deployment('old', {}),
      { lifecycleStage: 'BAKE_TIME' },
      'near',
    ],
  ])('%s → %s', (_name, ours, old, extra, expected) => {
    expect(urgencyOf(assess(ours, extra), service(ours, old))).toBe(expected);
  });

  // While ECS rolls back, the rollback deployment is watched: the assessment's counts are its tasks.
  const rollingBack = (rollback: Deployment, ours: Deployment): [Assessment, Service] => [
    {
      phase: 'rolling-back',
      ours,
      rollbackDeployment: rollback,
      counts: {
        desired: rollback.desiredCount ?? 0,
        running: rollback.runningCount ?? 0,
        pending: rollback.pendingCount ?? 0,
        failed: rollback.failedTasks ?? 0,
      },
      source: 'service',
    },
    service(rollback, ours),
  ];

  it.each<[string, Deployment, Deployment, Urgency]>([
    [
      "the rollback's tasks still starting (ours were drained: an alarm rollback)",
      deployment('rollback', { pendingCount: 3 }),
      deployment('new', { failedTasks: 0 }),
      'calm',
    ],
    [
      "the rollback's tasks running, ours still serving",
      deployment('rollback', { runningCount: 3 }),
      deployment('new', { runningCount: 3 }),
      'near',
    ],
    [
      'the rollback complete in tasks, ours stopping (a circuit breaker rollback)',
      deployment('rollback', { runningCount: 3 }),
      deployment('new', { failedTasks: 3 }),
      'draining',
    ],
  ])('rolling back: %s → %s', (_name, rollback, ours, expected) => {
    expect(urgencyOf(...rollingBack(rollback, ours))).toBe(expected);
  });

  it.each<[string, Urgency, number, { enable: boolean; rollback: boolean } | undefined, number]>([
    [
      'failing, the breaker rolls back: diagnosed during the rollback',
      'near',
      1,
      { enable: true, rollback: true },
      0,
    ],
    // ListTasks, DescribeTasks and one GetLogEvents: the diagnosis of one distinct failure.
    ['failing, the breaker only stops it', 'near', 1, { enable: true, rollback: false }, 3],
    ['failing, no breaker', 'near', 1, undefined, 3],
    [
      'failing, the end imminent: the verdict does not wait',
      'imminent',
      2,
      { enable: true, rollback: false },
      0,
    ],
    ['nothing failed', 'near', 0, { enable: true, rollback: false }, 0],
  ])('diagnosisReserve: %s → %i', (_name, urgency, failed, breaker, expected) => {
    const ours = deployment('new', { runningCount: 1, failedTasks: failed });
    const svc: Service = {
      deployments: [ours],
      deploymentConfiguration: breaker ? { deploymentCircuitBreaker: breaker } : undefined,
    };
    expect(diagnosisReserve(urgency, assess(ours), svc)).toBe(expected);
  });

  it('the default threshold is half the desired count, between 3 and 200 (API_ServiceDeploymentCircuitBreaker)', () => {
    expect([1, 3, 10, 25, 1000].map(breakerThreshold)).toEqual([3, 3, 5, 13, 200]);
  });
});
