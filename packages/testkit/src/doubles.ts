/**
 * Test doubles for the run's effects: a clock tests move by hand and a logger
 * that keeps every line. They live here, in the test kit, so no action bundle
 * carries them.
 */
import type { Clock } from '@berth/shared/clock';
import type { Logger } from '@berth/shared/logger';

/** Collects log lines; for tests. */
export function recordingLogger(): Logger & { lines: string[]; text(): string } {
  const lines: string[] = [];
  return {
    lines,
    text: () => lines.join('\n'),
    info: (m) => lines.push(m),
    notice: (m) => lines.push(`notice: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    debug: () => {},
    startGroup: (n) => lines.push(`group: ${n}`),
    endGroup: () => {},
  };
}

/** A clock tests advance by hand; sleep() advances it instantly. */
export function manualClock(start = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void } {
  let current = start;
  let timers: Array<{ at: number; fire: () => void }> = [];
  const moveTo = (time: number) => {
    current = time;
    const due = timers.filter((timer) => timer.at <= current);
    timers = timers.filter((timer) => timer.at > current);
    for (const timer of due) timer.fire();
  };
  return {
    now: () => current,
    sleep: async (ms) => {
      moveTo(current + Math.max(0, ms));
    },
    advance: (ms) => {
      moveTo(current + ms);
    },
    abortAfter: (ms, reason) => {
      const controller = new AbortController();
      timers.push({ at: current + Math.max(0, ms), fire: () => controller.abort(reason) });
      if (ms <= 0) moveTo(current);
      return controller.signal;
    },
  };
}
