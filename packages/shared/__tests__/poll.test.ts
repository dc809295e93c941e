/**
 * The one poll loop, driven by a manual clock: every expected wait below is
 * worked out by hand from pollUntil's contract (interval, doubling backoff
 * capped at its maximum, a last wait cut to what remains), not read back from
 * the code.
 */

import { manualClock, recordingLogger } from '@berth/testkit/doubles.js';
import { describe, expect, it } from '@jest/globals';
import { DeadlineExceededError, stepDeadline } from '../src/deadline.js';
import { ConfigurationError } from '../src/errors.js';
import { type PollOptions, pollAws, pollUntil, transientNotice } from '../src/poll.js';

const transient = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
const fatal = new Error('ValidationException: bad');

/** A manual clock that also keeps each sleep asked for. */
function clockWithSleeps() {
  const clock = manualClock(0);
  const sleeps: number[] = [];
  return {
    clock: {
      ...clock,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        await clock.sleep(ms);
      },
    },
    sleeps,
  };
}

/** A step that plays a script: `undefined` polls again, an Error is thrown, anything else ends. */
function scripted<T>(script: Array<T | undefined | Error>) {
  const polls: number[] = [];
  const at: number[] = [];
  return {
    polls,
    at,
    step: (now: () => number) => async (poll: number) => {
      polls.push(poll);
      at.push(now());
      const next = script.shift();
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

function options<T>(
  clock: PollOptions<T>['clock'],
  step: PollOptions<T>['step'],
  overrides: Partial<PollOptions<T>> = {},
): PollOptions<T> {
  return {
    clock,
    intervalMs: 4_000,
    firstBackoffMs: 5_000,
    maxBackoffMs: 60_000,
    timeoutMs: 600_000,
    isTransient: (error) => error === transient,
    step,
    ...overrides,
  };
}

describe('pollUntil', () => {
  it('ends with the first value a step returns, without waiting after it', async () => {
    const { clock, sleeps } = clockWithSleeps();
    const s = scripted([undefined, undefined, 'stopped']);
    const result = await pollUntil(options(clock, s.step(clock.now)));
    expect(result).toEqual({ done: true, value: 'stopped', polls: 3 });
    expect(s.polls).toEqual([0, 1, 2]);
    expect(sleeps).toEqual([4_000, 4_000]);
  });

  it('asks an interval function for the wait before each next poll, by its index', async () => {
    const { clock, sleeps } = clockWithSleeps();
    const asked: number[] = [];
    const s = scripted([undefined, undefined, undefined, 'done']);
    await pollUntil(
      options(clock, s.step(clock.now), {
        intervalMs: (next) => {
          asked.push(next);
          return [2_000, 4_000, 8_000][next - 1];
        },
      }),
    );
    expect(asked).toEqual([1, 2, 3]);
    expect(sleeps).toEqual([2_000, 4_000, 8_000]);
  });

  it('backs off on transient errors: first wait, then doubling up to the maximum; success resets it', async () => {
    const { clock, sleeps } = clockWithSleeps();
    const told: number[] = [];
    const s = scripted([
      transient,
      transient,
      transient,
      transient,
      transient,
      transient,
      undefined,
      transient,
      'done',
    ]);
    const result = await pollUntil(
      options(clock, s.step(clock.now), { onTransient: (_e, ms) => told.push(ms) }),
    );
    expect(result).toEqual({ done: true, value: 'done', polls: 9 });
    // 5 s, 10 s, 20 s, 40 s, then the 60 s cap; a good poll waits the interval; the next error starts again at 5 s.
    expect(sleeps).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 4_000, 5_000]);
    expect(told).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 5_000]);
  });

  it('throws an error that is not transient as it is, and waits no more', async () => {
    const { clock, sleeps } = clockWithSleeps();
    const s = scripted<string>([undefined, fatal, 'never']);
    await expect(pollUntil(options(clock, s.step(clock.now)))).rejects.toBe(fatal);
    expect(s.polls).toEqual([0, 1]);
    expect(sleeps).toEqual([4_000]);
  });

  it('times out: the last wait is cut to what remains and one last poll is made at the end', async () => {
    const { clock, sleeps } = clockWithSleeps();
    const s = scripted<string>(Array(10).fill(undefined));
    const result = await pollUntil(options(clock, s.step(clock.now), { timeoutMs: 10_000 }));
    expect(result).toEqual({ done: false, timedOut: true, polls: 4 });
    expect(sleeps).toEqual([4_000, 4_000, 2_000]);
    expect(s.at).toEqual([0, 4_000, 8_000, 10_000]);
  });

  it('with a timeout of 0 checks once and does not wait', async () => {
    const { clock, sleeps } = clockWithSleeps();
    const s = scripted<string>([undefined, 'late']);
    const result = await pollUntil(options(clock, s.step(clock.now), { timeoutMs: 0 }));
    expect(result).toEqual({ done: false, timedOut: true, polls: 1 });
    expect(sleeps).toEqual([]);
  });

  it("ends at the step's deadline when it comes before the timeout", async () => {
    const { clock, sleeps } = clockWithSleeps();
    const deadline = stepDeadline(clock, 9_000);
    const s = scripted<string>(Array(10).fill(undefined));
    const result = await pollUntil(options(clock, s.step(clock.now), { deadline, timeoutMs: 600_000 }));
    expect(result).toMatchObject({ done: false, timedOut: true });
    expect(sleeps).toEqual([4_000, 4_000, 1_000]);
    expect(clock.now()).toBe(9_000);
  });

  it('a call the deadline cut short ends the wait as timed out, not as an error', async () => {
    const { clock } = clockWithSleeps();
    const deadline = stepDeadline(clock, 5_000);
    // The SDK's shape for an aborted call: AbortError whose cause is the signal's reason.
    const aborted = Object.assign(new Error('Request aborted', { cause: new DeadlineExceededError(5_000) }), {
      name: 'AbortError',
    });
    const s = scripted<string>([undefined, aborted]);
    const result = await pollUntil(options(clock, s.step(clock.now), { deadline, isTransient: () => false }));
    expect(result).toEqual({ done: false, timedOut: true, polls: 2 });
  });

  it('waits firstDelayMs before the first poll, never past the end', async () => {
    const { clock, sleeps } = clockWithSleeps();
    const s = scripted(['done']);
    await pollUntil(options(clock, s.step(clock.now), { firstDelayMs: 3_000 }));
    expect(s.at).toEqual([3_000]);

    const short = clockWithSleeps();
    const t = scripted(['done']);
    await pollUntil(options(short.clock, t.step(short.clock.now), { firstDelayMs: 3_000, timeoutMs: 1_000 }));
    expect(short.sleeps).toEqual([1_000]);
    expect(sleeps).toEqual([3_000]);
  });

  it('tells onWait the wait it is about to make (cut to the end), not the backoffs', async () => {
    const { clock } = clockWithSleeps();
    const waits: Array<[number, number]> = [];
    const s = scripted<string>([undefined, transient, undefined, undefined]);
    await pollUntil(
      options(clock, s.step(clock.now), { timeoutMs: 15_000, onWait: (ms, next) => waits.push([ms, next]) }),
    );
    // t=0 poll 0 → wait 4 s; t=4 s transient → backoff 5 s (not told); t=9 s poll 2 → wait 4 s;
    // t=13 s poll 3 → 2 s remain; t=15 s poll 4 is the last.
    expect(waits).toEqual([
      [4_000, 1],
      [4_000, 3],
      [2_000, 4],
    ]);
  });
});

describe('transientNotice', () => {
  it('warns once, then keeps further retries under debug', () => {
    const logger = recordingLogger();
    const debug: string[] = [];
    logger.debug = (m) => debug.push(m);
    const notice = transientNotice(logger);
    notice(transient, 5_000);
    notice(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 10_000);
    expect(logger.lines).toEqual(['warning: AWS answered with throttling (Rate exceeded); retrying in 5 s.']);
    expect(debug).toEqual(['AWS answered with a transient error (socket hang up); retrying in 10 s.']);
  });
});

describe('pollAws', () => {
  const base = (clock: PollOptions<string>['clock'], step: PollOptions<string>['step']) => ({
    clock,
    step,
    logger: recordingLogger(),
    doing: 'follow task abc',
    intervalMs: 6_000,
    firstBackoffMs: 12_000,
    maxBackoffMs: 60_000,
    timeoutMs: 600_000,
  });

  it("rides out AWS's transient errors (throttling, 5xx) with one warning", async () => {
    const { clock, sleeps } = clockWithSleeps();
    const unavailable = Object.assign(new Error('Service Unavailable'), {
      $metadata: { httpStatusCode: 503 },
    });
    const s = scripted<string>([transient, unavailable, 'done']);
    const options = base(clock, s.step(clock.now));
    await expect(pollAws(options)).resolves.toEqual({ done: true, value: 'done', polls: 3 });
    expect(sleeps).toEqual([12_000, 24_000]);
    expect(options.logger.lines).toEqual([
      'warning: AWS answered with throttling (Rate exceeded); retrying in 12 s.',
    ]);
  });

  it('wraps any other failure as "Could not <doing>", keeping the cause', async () => {
    const { clock } = clockWithSleeps();
    const s = scripted<string>([fatal]);
    const error = await pollAws(base(clock, s.step(clock.now))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe('Could not follow task abc: ValidationException: bad');
    expect((error as Error & { cause?: unknown }).cause).toBe(fatal);
  });

  it('lets a ConfigurationError through as it is, never retried, even when its words sound transient', async () => {
    const { clock, sleeps } = clockWithSleeps();
    const gone = new ConfigurationError('Task abc was not found (MISSING); the network timed out earlier.');
    const s = scripted<string>([gone]);
    await expect(pollAws(base(clock, s.step(clock.now)))).rejects.toBe(gone);
    expect(sleeps).toEqual([]);
  });
});
