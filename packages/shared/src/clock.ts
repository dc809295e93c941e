import { setTimeout as delay } from 'node:timers/promises';

/** Time as the actions see it: injected so tests and the emulator can drive it. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
  /**
   * A signal aborted with `reason` once `ms` of this clock's time have passed.
   * Optional: a clock without it gives deadlines that are checked between
   * calls only (see `stepDeadline`).
   */
  abortAfter?(ms: number, reason: unknown): AbortSignal;
}

/**
 * The real clock, optionally running `scale` times faster. BERTH_TIME_SCALE
 * exists for the test suite and the demo, which run the emulator at the same
 * scale: a 10-minute rollout and the action's 6-second polls then shrink
 * together, so behaviour is the same as in production, only quicker.
 */
export function systemClock(scale = timeScaleFromEnv()): Clock {
  const startReal = Date.now();
  return {
    now: () => (scale === 1 ? Date.now() : startReal + (Date.now() - startReal) * scale),
    sleep: (ms) => delay(Math.max(0, ms / scale)),
    abortAfter: (ms, reason) => {
      const controller = new AbortController();
      // Unref'd: a deadline alone must not keep a finished step's process alive.
      setTimeout(() => controller.abort(reason), Math.max(0, ms / scale)).unref();
      return controller.signal;
    },
  };
}

function timeScaleFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BERTH_TIME_SCALE;
  if (!raw) return 1;
  const scale = Number(raw);
  return Number.isFinite(scale) && scale >= 1 && scale <= 10_000 ? scale : 1;
}
