/**
 * The one poll loop behind every wait in Berth: the deployment follower, the
 * one-off task follower and scan-gate's wait for an ECR scan. A follower gives
 * it one `step` (read, assess, print) and says how long to wait between steps;
 * the loop owns the rest: the deadline, backoff on transient errors, and the
 * clock (injected, so tests never sleep).
 */
import type { Clock } from './clock.js';
import { isDeadlineError, type StepDeadline } from './deadline.js';
import { ConfigurationError, errorMessage, isThrottling, isTransient, wrapError } from './errors.js';
import type { Logger } from './logger.js';

export interface PollOptions<T> {
  clock: Clock;
  /**
   * The wait before the next step after one that did not finish: a number, or a
   * function of the next step's index (the deployment follower asks its read
   * budget, pace.ts, and the ECR wait walks a list of growing delays).
   */
  intervalMs: number | ((nextPoll: number) => number);
  /** The wait after the first transient error in a row; each further one doubles it. */
  firstBackoffMs: number;
  /** The longest wait after transient errors, however many came in a row. */
  maxBackoffMs: number;
  /** The wait ends this long after it started … */
  timeoutMs: number;
  /**
   * … or at the step's deadline, if earlier. A call the deadline cut short
   * (its signal aborted it) ends the wait as timed out, not as an error.
   */
  deadline?: StepDeadline;
  /** A wait before the first step (the follower lets its first read credit accrue). */
  firstDelayMs?: number;
  /** Errors that only slow the loop down; any other error ends it (thrown as is). */
  isTransient(error: unknown): boolean;
  /** One poll: a value ends the wait with it, `undefined` asks for another poll. */
  step(poll: number): Promise<T | undefined>;
  /** Told about each transient error before the loop waits `retryInMs`. */
  onTransient?(error: unknown, retryInMs: number): void;
  /** Told before each wait between polls (not after transient errors): to print what it waits for. */
  onWait?(waitMs: number, nextPoll: number): void;
}

export type PollResult<T> =
  | { done: true; value: T; polls: number }
  | { done: false; timedOut: true; polls: number };

/**
 * Runs `step` until it returns a value, the wait times out, or it throws an
 * error that is not transient. After a transient error the next poll comes
 * after `firstBackoffMs`, then twice as long each time up to `maxBackoffMs`; a
 * step that succeeds resets the backoff. The loop never sleeps past its end:
 * the last wait is cut to what remains, and the step made at the end is the
 * last chance (a wait of 0 checks once).
 */
export async function pollUntil<T>(options: PollOptions<T>): Promise<PollResult<T>> {
  const { clock } = options;
  const startedAt = clock.now();
  const end = Math.min(startedAt + options.timeoutMs, options.deadline?.at ?? Number.POSITIVE_INFINITY);
  const remaining = () => (options.deadline?.expired() ? 0 : end - clock.now());
  if (options.firstDelayMs) await clock.sleep(Math.min(options.firstDelayMs, Math.max(0, remaining())));

  let backoff = 0;
  for (let poll = 0; ; ) {
    let delay: number;
    try {
      const value = await options.step(poll);
      if (value !== undefined) return { done: true, value, polls: poll + 1 };
      backoff = 0;
      delay = typeof options.intervalMs === 'number' ? options.intervalMs : options.intervalMs(poll + 1);
    } catch (error) {
      if (options.deadline && isDeadlineError(error, options.deadline))
        return { done: false, timedOut: true, polls: poll + 1 };
      if (!options.isTransient(error)) throw error;
      backoff = Math.min(options.maxBackoffMs, Math.max(options.firstBackoffMs, backoff * 2));
      delay = backoff;
      options.onTransient?.(error, backoff);
    }
    poll++;
    const left = remaining();
    if (left <= 0) return { done: false, timedOut: true, polls: poll };
    const wait = Math.min(delay, left);
    if (!backoff) options.onWait?.(wait, poll);
    await clock.sleep(wait);
  }
}

/**
 * The followers' way of telling about transient errors: the first as a
 * warning (the user should know AWS pushed back), the rest under debug, so a
 * throttled wait does not fill the log.
 */
export function transientNotice(logger: Logger): (error: unknown, retryInMs: number) => void {
  let warned = false;
  return (error, retryInMs) => {
    const message = `AWS answered ${isThrottling(error) ? 'with throttling' : 'with a transient error'} (${errorMessage(error)}); retrying in ${Math.round(retryInMs / 1000)} s.`;
    if (warned) logger.debug(message);
    else {
      logger.warning(message);
      warned = true;
    }
  };
}

/**
 * pollUntil for a follower of AWS reads: AWS's transient failures (throttling,
 * 5xx, dropped connections) slow it down and are told once as a warning; any
 * other failure ends it as "Could not <doing>: …", a ConfigurationError (a
 * resource the user named is gone, a denial) staying one.
 */
export async function pollAws<T>(
  options: Omit<PollOptions<T>, 'isTransient' | 'onTransient'> & { logger: Logger; doing: string },
): Promise<PollResult<T>> {
  try {
    return await pollUntil({
      ...options,
      isTransient: (error) => !(error instanceof ConfigurationError) && isTransient(error),
      onTransient: transientNotice(options.logger),
    });
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw wrapError(options.doing, error);
  }
}
