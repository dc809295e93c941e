/**
 * scan-gate's wait has a deadline that holds when ECR goes quiet: a call that
 * never answers (the emulator's stall fault) is abandoned at
 * `wait-timeout-minutes`, the gate fails as timed out, with its summary. The
 * emulator and the action run 10× faster than real time together.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningEmulator, startEmulator } from '@berth/emulator';
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

it.each([
  ['DescribeImageScanFindings', /did not finish within 1 minute\(s\) \(last status NOT_STARTED\)/],
  ['DescribeImages', /ECR did not answer about `shop\/web:slow` within 1 min .*the call was abandoned/],
])(
  'ends at its deadline when %s never answers, failing the gate as timed out',
  async (operation, message) => {
    emulator = await startEmulator({
      scenario: {
        repositories: [
          { name: 'shop/web', images: [{ tags: ['slow'], scanStatus: 'IN_PROGRESS', scanSeconds: 3600 }] },
        ],
      },
      timeScale: SCALE,
    });
    emulator.control.fault({ service: 'ecr', operation, kind: 'stall' });
    const result = await runAction({
      action: 'scan-gate',
      inputs: { source: 'ecr', repository: 'shop/web', 'image-tag': 'slow', 'wait-timeout-minutes': '1' },
      workspace: mkdtempSync(join(tmpdir(), 'scan-gate-deadline-')),
      env: emulatorEnv(emulator),
      timeoutMs: 60_000,
    });
    const endedAt = emulator.control.now().getTime();
    expect(result.exitCode).toBe(1);
    expect(result.outputs.passed).toBe('false');
    expect(result.summary).toMatch(/^### Scan gate timed out: no scan, no verdict\n/);
    expect(result.summary).toMatch(message);
    expect(`${result.stdout}`).toMatch(message);
    const calls = emulator.control.calls();
    const span = endedAt - Date.parse(calls[0].time);
    expect(span).toBeGreaterThan(DEADLINE_MS - GRACE_MS);
    expect(span).toBeLessThan(DEADLINE_MS + GRACE_MS);
    expect(calls.filter((c) => c.errorCode === 'ClientClosedRequest').map((c) => c.operation)).toEqual([
      operation,
    ]);
  },
);
