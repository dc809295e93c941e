import { DeadlineExceededError } from '@berth/shared/deadline';
import { writeOnce, writeOutcomeUnknown } from '@berth/shared/write-once';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { describe, expect, it } from '@jest/globals';

/** Errors shaped as the SDK raises them (names and $metadata as in @smithy's service exceptions). */
const answered = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });
const requestTimeout = () =>
  Object.assign(new Error('request timed out'), { name: 'TimeoutError', $metadata: {} });
const aborted = () =>
  Object.assign(new Error('Request aborted'), {
    name: 'AbortError',
    cause: new DeadlineExceededError(60_000),
  });

describe('writeOutcomeUnknown', () => {
  it.each([
    ['a dropped connection', reset(), true],
    ['a request timeout', requestTimeout(), true],
    ['a 500 ServerException (ECS may have applied it)', answered('ServerException', 500), true],
    ['a 503', answered('ServiceUnavailableException', 503), true],
    ['throttling (refused before anything happened)', answered('ThrottlingException', 400), false],
    ['a 400 ClientException', answered('ClientException', 400), false],
    ['access denied', answered('AccessDeniedException', 400), false],
    ['the step deadline', aborted(), false],
  ])('%s → %s', (_, error, expected) => {
    expect(writeOutcomeUnknown(error)).toBe(expected);
  });
});

describe('writeOnce', () => {
  function script(outcomes: Array<unknown>) {
    let sent = 0;
    let looked = 0;
    return {
      send: async () => {
        const outcome = outcomes[sent++];
        if (outcome instanceof Error) throw outcome;
        return outcome as string;
      },
      look: (found: string | undefined) => async () => {
        looked++;
        return found;
      },
      sent: () => sent,
      looked: () => looked,
    };
  }
  const options = { operation: 'UpdateService', maxAttempts: 4, sleep: async () => {}, random: () => 0.5 };

  it('returns the answer of the first attempt', async () => {
    const s = script(['ok']);
    const logger = recordingLogger();
    await expect(
      writeOnce({ ...options, logger, send: s.send, lookBefore: s.look(undefined) }),
    ).resolves.toBe('ok');
    expect([s.sent(), s.looked()]).toEqual([1, 0]);
  });

  it('does not send again when the lost write is found applied', async () => {
    const s = script([reset(), 'second']);
    const logger = recordingLogger();
    const result = await writeOnce({ ...options, logger, send: s.send, lookBefore: s.look('found') });
    expect(result).toBe('found');
    expect([s.sent(), s.looked()]).toEqual([1, 1]);
    expect(logger.text()).toMatch(/UpdateService had been applied; its answer was lost/);
  });

  it('sends again when the lost write is not found', async () => {
    const s = script([requestTimeout(), 'second']);
    const logger = recordingLogger();
    await expect(
      writeOnce({ ...options, logger, send: s.send, lookBefore: s.look(undefined) }),
    ).resolves.toBe('second');
    expect([s.sent(), s.looked()]).toEqual([2, 1]);
  });

  it('sends again after throttling without looking (nothing happened)', async () => {
    const s = script([answered('ThrottlingException', 400), 'second']);
    await expect(
      writeOnce({ ...options, logger: recordingLogger(), send: s.send, lookBefore: s.look('found') }),
    ).resolves.toBe('second');
    expect([s.sent(), s.looked()]).toEqual([2, 0]);
  });

  it('throws a refusal at once', async () => {
    const refusal = answered('InvalidParameterException', 400);
    const s = script([refusal, 'second']);
    await expect(
      writeOnce({ ...options, logger: recordingLogger(), send: s.send, lookBefore: s.look('found') }),
    ).rejects.toBe(refusal);
    expect(s.sent()).toBe(1);
  });

  it('throws a deadline cut without looking or sending again', async () => {
    const cut = aborted();
    const s = script([cut, 'second']);
    await expect(
      writeOnce({ ...options, logger: recordingLogger(), send: s.send, lookBefore: s.look('found') }),
    ).rejects.toBe(cut);
    expect([s.sent(), s.looked()]).toEqual([1, 0]);
  });

  it('gives up after maxAttempts and throws the last failure', async () => {
    const s = script([reset(), reset(), reset()]);
    await expect(
      writeOnce({
        ...options,
        maxAttempts: 2,
        logger: recordingLogger(),
        send: s.send,
        lookBefore: s.look(undefined),
      }),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect([s.sent(), s.looked()]).toEqual([2, 2]);
  });
});
