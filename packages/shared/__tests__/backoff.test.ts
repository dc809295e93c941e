import { backoffDelay, retry } from '@berth/shared/backoff';
import { describe, expect, it, jest } from '@jest/globals';

describe('backoffDelay', () => {
  it.each([
    // retry, random, expected ms (base 1 s, cap 20 s, equal jitter: step/2 + step/2 * random)
    [1, 0, 500],
    [1, 0.999999, 1000],
    [2, 0, 1000],
    [3, 0.5, 3000],
    [5, 0, 8000],
    [6, 0, 10000],
    [10, 0, 10000],
    [10, 0.999999, 20000],
  ])('retry %i with random %f waits %i ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, { random: () => random })).toBe(expected);
  });

  it('honours base and cap', () => {
    expect(backoffDelay(3, { baseMs: 100, capMs: 300, random: () => 0 })).toBe(150);
  });
});

describe('retry', () => {
  const transient = new Error('transient');
  const fatal = new Error('fatal');

  function flaky(failures: Error[], value = 'ok') {
    const queue = [...failures];
    return jest.fn(async (_attempt: number) => {
      const next = queue.shift();
      if (next) throw next;
      return value;
    });
  }

  it('retries retryable failures with the backoff delays, then returns', async () => {
    const sleeps: number[] = [];
    const retried: number[] = [];
    const operation = flaky([transient, transient]);
    const result = await retry(operation, {
      maxAttempts: 5,
      isRetryable: (error) => error === transient,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0,
      onRetry: (_error, attempt) => retried.push(attempt),
    });
    expect(result).toBe('ok');
    expect(operation.mock.calls.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
    expect(sleeps).toEqual([500, 1000]);
    expect(retried).toEqual([1, 2]);
  });

  it('stops at the first failure that is not retryable', async () => {
    const operation = flaky([transient, fatal]);
    const sleep = jest.fn(async (_ms: number) => {});
    await expect(
      retry(operation, { maxAttempts: 5, isRetryable: (e) => e === transient, sleep }),
    ).rejects.toBe(fatal);
    expect(operation).toHaveBeenCalledTimes(2);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  it('gives up after maxAttempts and rethrows the last failure', async () => {
    const operation = flaky([transient, transient, transient, transient]);
    const sleep = jest.fn(async (_ms: number) => {});
    await expect(retry(operation, { maxAttempts: 3, isRetryable: () => true, sleep })).rejects.toBe(
      transient,
    );
    expect(operation).toHaveBeenCalledTimes(3);
    expect(sleep).toHaveBeenCalledTimes(2);
  });

  it('makes one attempt when maxAttempts is below 1', async () => {
    const operation = flaky([transient]);
    await expect(
      retry(operation, { maxAttempts: 0, isRetryable: () => true, sleep: async () => {} }),
    ).rejects.toBe(transient);
    expect(operation).toHaveBeenCalledTimes(1);
  });
});
