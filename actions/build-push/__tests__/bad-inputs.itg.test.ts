/**
 * Bad inputs, run through the bundled dist exactly as the runner runs it,
 * against the emulator: exit code 1, one clear error, and nothing written
 * (no AWS call at all when the input alone is wrong).
 */

import { type RunningEmulator, startEmulator } from '@berth/emulator';
import { emulatorEnv, runAction } from '@berth/testkit/action-runner.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({
    scenario: {
      region: 'eu-west-1',
      accountId: '123456789012',
      repositories: [{ name: 'shop', images: [{ tags: ['sha-1111111'] }] }],
    },
  });
});

afterAll(async () => {
  await emulator?.stop();
});

describe('bad inputs fail the step with a clear message and change nothing', () => {
  it.each([
    ['missing repository', {}, /^build-push: Input `repository` is required/],
    [
      'unknown builder',
      { repository: 'shop', builder: 'kaniko' },
      /Input `builder` must be one of `auto`, `docker`, `buildah`, `podman`, got "kaniko"/,
    ],
    [
      'invalid template',
      { repository: 'shop', tags: 'sha-{short_sha}\nrelease/{version}', version: '1.2.3' },
      /Input `tags`: template "release\/\{version\}" renders "release\/1\.2\.3", which is not a valid tag: it contains `\/`/,
    ],
    ['unknown placeholder', { repository: 'shop', tags: '{commit}' }, /unknown placeholder `\{commit\}`/],
    [
      'latest without allow-latest',
      { repository: 'shop', tags: 'latest' },
      /renders "latest", which is refused.*allow-latest: true/,
    ],
  ])('%s', async (_name, inputs, message) => {
    emulator.control.clearCalls();
    const result = await runAction({ action: 'build-push', inputs, env: emulatorEnv(emulator) });
    expect(result.exitCode).toBe(1);
    const errors = result.annotations.filter((a) => a.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(message);
    expect(emulator.control.calls()).toEqual([]);
    expect(result.outputs).toEqual({});
  });

  it('a source that does not exist', async () => {
    emulator.control.clearCalls();
    const result = await runAction({
      action: 'build-push',
      inputs: { repository: 'shop', source: 'sha-0000000', tags: 'prod' },
      env: emulatorEnv(emulator),
    });
    expect(result.exitCode).toBe(1);
    const errors = result.annotations.filter((a) => a.level === 'error');
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /^build-push: Input `source`: image `sha-0000000` not found in repository `shop`.*describe-images/,
      ),
    ]);
    expect(emulator.control.calls({ operation: 'PutImage' })).toEqual([]);
    expect(emulator.control.calls({ service: 'ecr' }).map((c) => c.operation)).not.toContain(
      'GetAuthorizationToken',
    );
  });

  it('a repository that does not exist', async () => {
    emulator.control.clearCalls();
    const result = await runAction({
      action: 'build-push',
      inputs: { repository: 'ghost', source: 'sha-1111111', tags: 'prod' },
      env: emulatorEnv(emulator),
      // A policy that covers the name (a team's `shop/*`-style pattern), so ECR answers, not IAM.
      iam: { environment: { Repository: '*' } },
    });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.find((a) => a.level === 'error')?.message).toMatch(
      /Input `repository`: `ghost` does not exist in 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com.*create-repository/,
    );
    expect(emulator.control.calls({ operation: 'PutImage' })).toEqual([]);
  });
});
