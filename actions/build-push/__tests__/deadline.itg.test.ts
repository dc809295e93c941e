/**
 * Promotion has a deadline that holds when ECR goes quiet: with PutImage or
 * BatchGetImage never answering (the emulator's stall fault), the bundled
 * action abandons the call at `timeout-minutes` and fails as timed out, with
 * its summary. The emulator and the action's deadline run 10× faster than
 * real time together (BERTH_TIME_SCALE).
 */
import { numberedManifest, type RunningEmulator, startEmulator } from '@berth/emulator';
import { emulatorEnv, runAction } from '@berth/testkit/action-runner.js';
import { afterEach, expect, it } from '@jest/globals';

const SCALE = 10;
const DEADLINE_MS = 60_000;
/** Emulated time the step may take past its deadline: the abandoned call, the summary, exit. */
const GRACE_MS = 30_000;

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

it.each(['BatchGetImage', 'PutImage'])(
  'ends a promotion at its deadline when %s never answers, as timed out with a summary',
  async (operation) => {
    emulator = await startEmulator({
      scenario: {
        region: 'eu-west-1',
        accountId: '123456789012',
        repositories: [{ name: 'shop', images: [{ manifest: numberedManifest(1), tags: ['sha-1111111'] }] }],
      },
      timeScale: SCALE,
    });
    emulator.control.fault({ service: 'ecr', operation, kind: 'stall' });
    const result = await runAction({
      action: 'build-push',
      inputs: { repository: 'shop', source: 'sha-1111111', tags: 'prod', 'timeout-minutes': '1' },
      env: emulatorEnv(emulator),
      timeoutMs: 60_000,
    });
    const endedAt = emulator.control.now().getTime();
    expect(result.exitCode).toBe(1);
    expect(result.summary).toMatch(/^<h3>Build and push timed out<\/h3>/);
    expect(`${result.stdout}`).toMatch(/::error::build-push: Timed out: an AWS call was still unanswered/);
    const calls = emulator.control.calls();
    const span = endedAt - Date.parse(calls[0].time);
    expect(span).toBeGreaterThan(DEADLINE_MS - GRACE_MS);
    expect(span).toBeLessThan(DEADLINE_MS + GRACE_MS);
    expect(calls.filter((c) => c.errorCode === 'ClientClosedRequest').map((c) => c.operation)).toEqual([
      operation,
    ]);
    // Nothing was tagged: the stalled call was the read before the write, or the write itself.
    const tagged = calls.filter((c) => c.operation === 'PutImage' && c.status === 200);
    expect(tagged).toEqual([]);
  },
);
