import { DeadlineExceededError, isDeadlineError, stepDeadline, untilAborted } from '@berth/shared/deadline';
import { oidcCredentialProvider } from '@berth/shared/oidc';
import { manualClock } from '@berth/testkit/doubles.js';
/** The step deadline: a signal on the run's clock, recognised however deep the SDK wraps it. */
import { describe, expect, it } from '@jest/globals';

const aborted = () =>
  Object.assign(new Error('Request aborted'), {
    name: 'AbortError',
    cause: new DeadlineExceededError(60_000),
  });
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });

describe('stepDeadline', () => {
  it('aborts its signal when the clock reaches it, with the reason a deadline error', () => {
    const clock = manualClock();
    const deadline = stepDeadline(clock, 60_000);
    clock.advance(59_999);
    expect([deadline.signal.aborted, deadline.expired(), deadline.remainingMs()]).toEqual([false, false, 1]);
    clock.advance(1);
    expect([deadline.signal.aborted, deadline.expired(), deadline.remainingMs()]).toEqual([true, true, 0]);
    expect(deadline.signal.reason).toBeInstanceOf(DeadlineExceededError);
    expect(isDeadlineError(deadline.signal.reason, deadline)).toBe(true);
  });

  it('tells a deadline cut from an abort before the deadline', () => {
    const clock = manualClock();
    const deadline = stepDeadline(clock, 60_000);
    const sdkAbort = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    expect(isDeadlineError(sdkAbort, deadline)).toBe(false);
    clock.advance(60_000);
    expect(isDeadlineError(sdkAbort, deadline)).toBe(true);
    expect(isDeadlineError(new Error('Could not x', { cause: aborted() }))).toBe(true);
    expect(isDeadlineError(reset(), deadline)).toBe(false);
  });
});

describe('a wait with no signal of its own (the GitHub ID token) ends at the deadline', () => {
  it('untilAborted rejects as the SDK does when the signal fires, and passes a value through otherwise', async () => {
    const clock = manualClock();
    const deadline = stepDeadline(clock, 1000);
    await expect(untilAborted(Promise.resolve('token'), deadline.signal)).resolves.toBe('token');
    const pending = untilAborted(new Promise<string>(() => {}), deadline.signal);
    clock.advance(1000);
    const error = await pending.catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(isDeadlineError(error, deadline)).toBe(true);
  });

  it('an OIDC exchange whose ID token never comes fails as a deadline, not as an AWS error', async () => {
    const clock = manualClock();
    const deadline = stepDeadline(clock, 60_000);
    const provider = oidcCredentialProvider({
      roleArn: 'arn:aws:iam::123456789012:role/deploy',
      audience: 'sts.amazonaws.com',
      durationSeconds: 3600,
      region: 'us-east-1',
      customUserAgent: 'test',
      getIdToken: () => new Promise<string>(() => {}),
      assumeRole: async () => {
        throw new Error('not reached');
      },
      signal: deadline.signal,
      setSecret: () => {},
      info: () => {},
      warning: () => {},
      sleep: async () => {},
    });
    const pending = provider().catch((e: unknown) => e);
    clock.advance(60_000);
    const error = await pending;
    expect(isDeadlineError(error, deadline)).toBe(true);
  });
});
