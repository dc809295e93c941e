/**
 * One deadline per step, shared by every wait and every AWS call: the
 * follower's polls stop at it, and its signal aborts a call that is still
 * waiting for an answer (a stalled connection, the SDK's retry sleeps), so
 * `timeout-minutes` ends the step within seconds even when AWS goes quiet.
 */
import type { Clock } from './clock.js';
import { formatDuration } from './duration.js';

/** The reason a step deadline's signal carries; also what a timed-out step throws. */
export class DeadlineExceededError extends Error {
  override name = 'DeadlineExceededError';
  constructor(readonly timeoutMs: number) {
    super(`The step's deadline of ${Math.round(timeoutMs / 6000) / 10} min (\`timeout-minutes\`) passed.`);
  }
}

export interface StepDeadline {
  /** Epoch milliseconds by the run's clock. */
  readonly at: number;
  readonly timeoutMs: number;
  /** Aborted at `at` with a DeadlineExceededError; pass it as every call's `abortSignal`. */
  readonly signal: AbortSignal;
  remainingMs(): number;
  /** True once the clock reached `at` or the signal fired. */
  expired(): boolean;
}

/** A deadline `timeoutMs` from now by `clock`; its signal follows the same clock (and its time scale). */
export function stepDeadline(clock: Pick<Clock, 'now' | 'abortAfter'>, timeoutMs: number): StepDeadline {
  const at = clock.now() + timeoutMs;
  const reason = new DeadlineExceededError(timeoutMs);
  // A clock that cannot schedule gives a signal that never fires: the deadline is then checked between calls.
  const signal = clock.abortAfter?.(timeoutMs, reason) ?? new AbortController().signal;
  return {
    at,
    timeoutMs,
    signal,
    remainingMs: () => Math.max(0, at - clock.now()),
    expired: () => signal.aborted || clock.now() >= at,
  };
}

/**
 * A failure caused by the deadline: the SDK's AbortError (its cause is the
 * signal's reason), our own DeadlineExceededError, or any error thrown once
 * the deadline has passed while a call was cut short.
 */
export function isDeadlineError(error: unknown, deadline?: StepDeadline): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const name = (e as { name?: unknown }).name;
    if (e instanceof DeadlineExceededError || name === 'DeadlineExceededError') return true;
    if (name === 'AbortError' && (deadline === undefined || deadline.expired())) return true;
  }
  return false;
}

/**
 * `promise`, or a rejection with an AbortError (its cause the signal's
 * reason, as the SDK words it) as soon as `signal` fires: for waits that
 * take no signal of their own.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  const abortError = () =>
    Object.assign(new Error('Request aborted', { cause: signal.reason }), { name: 'AbortError' });
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Why a step that the deadline cut short failed: how long it had, what it was
 * doing, and, when a write was sent and never answered, that its outcome is
 * unknown and what to look at before running `rerun` again.
 */
export function timedOutReason(
  deadline: StepDeadline,
  doing: string,
  writeInFlight: string | undefined,
  rerun: string,
): string {
  const unknown = writeInFlight
    ? ` ${writeInFlight} was sent and its answer did not arrive, so whether ECS applied it is not known: look at the service before running ${rerun} again.`
    : '';
  return `Timed out after ${formatDuration(deadline.timeoutMs)} (\`timeout-minutes\`) while ${doing}; the call was abandoned.${unknown}`;
}
