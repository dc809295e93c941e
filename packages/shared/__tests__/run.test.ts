import { type ActionEffects, defaultEffects } from '@berth/shared/effects';
import { ConfigurationError, OutcomeError } from '@berth/shared/errors';
import { type RunReporter, run } from '@berth/shared/run';
import { afterEach, describe, expect, it, jest } from '@jest/globals';

function recorder() {
  const reporter = { setFailed: jest.fn<RunReporter['setFailed']>(), debug: jest.fn<RunReporter['debug']>() };
  return reporter;
}

/** Every failure but an already-annotated OutcomeError raises its annotation. */
const ANNOTATED = { annotate: true };

describe('run', () => {
  const exitCodeBefore = process.exitCode;
  afterEach(() => {
    process.exitCode = exitCodeBefore;
  });

  it('reports nothing when main succeeds', async () => {
    const reporter = recorder();
    await run('deploy-ecs', async () => {}, { reporter });
    expect(reporter.setFailed).not.toHaveBeenCalled();
    expect(reporter.debug).not.toHaveBeenCalled();
  });

  it('prints a ConfigurationError as the message alone, prefixed, with no stack anywhere', async () => {
    const reporter = recorder();
    await run(
      'aws-auth',
      async () => {
        throw new ConfigurationError('Input `role-to-assume` is required.');
      },
      { reporter },
    );
    expect(reporter.setFailed.mock.calls).toEqual([
      ['aws-auth: Input `role-to-assume` is required.', ANNOTATED],
    ]);
    expect(reporter.debug).not.toHaveBeenCalled();
  });

  it('prints an OutcomeError (the step worked, the outcome failed) as the message alone, with no stack', async () => {
    const reporter = recorder();
    await run(
      'scan-gate',
      async () => {
        throw new OutcomeError('2 critical findings are not allowed.');
      },
      { reporter },
    );
    expect(reporter.setFailed.mock.calls).toEqual([
      ['scan-gate: 2 critical findings are not allowed.', ANNOTATED],
    ]);
    expect(reporter.debug).not.toHaveBeenCalled();
  });

  it('fails with a plain line, not a second annotation, when the failure was annotated as it happened', async () => {
    const reporter = recorder();
    await run(
      'deploy-ecs',
      async () => {
        throw new OutcomeError('Deployment failed and ECS rolled it back (rolled-back).', {
          annotated: true,
        });
      },
      { reporter },
    );
    expect(reporter.setFailed.mock.calls).toEqual([
      ['deploy-ecs: Deployment failed and ECS rolled it back (rolled-back).', { annotate: false }],
    ]);
  });

  it('hands main the effects it was given, once', async () => {
    const effects = defaultEffects('render-taskdef', { RUNNER_TEMP: '/tmp/runner' });
    const seen: ActionEffects[] = [];
    await run('render-taskdef', async (given) => void seen.push(given), { reporter: recorder(), effects });
    expect(seen).toEqual([effects]);
    expect(seen[0]!.files.temp).toBe('/tmp/runner');
    expect(seen[0]!.actionName).toBe('render-taskdef');
  });

  it('makes a message that quotes outside text inert (a CR in a value must not start a line)', async () => {
    const reporter = recorder();
    await run(
      'rollback',
      async () => {
        throw new ConfigurationError('Input `reason`: "x\r::warning::PWNED" is too long.');
      },
      { reporter },
    );
    expect(reporter.setFailed.mock.calls).toEqual([
      ['rollback: Input `reason`: "x\\r::warning::PWNED" is too long.', ANNOTATED],
    ]);
  });

  it('puts the stack of an unexpected error under debug and the message in the failure', async () => {
    const reporter = recorder();
    const error = new TypeError("Cannot read properties of undefined (reading 'taskDefinition')");
    await run(
      'deploy-ecs',
      async () => {
        throw error;
      },
      { reporter },
    );
    expect(reporter.setFailed.mock.calls).toEqual([
      ["deploy-ecs: Cannot read properties of undefined (reading 'taskDefinition')", ANNOTATED],
    ]);
    expect(reporter.debug.mock.calls).toEqual([[error.stack]]);
    expect(reporter.debug.mock.calls[0][0]).toMatch(/^TypeError: Cannot read.*\n\s+at /);
    expect(reporter.setFailed.mock.calls[0][0]).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['a string', 'connection lost', 'rollback: connection lost'],
    ['an object', { code: 42 }, 'rollback: {"code":42}'],
    ['undefined', undefined, 'rollback: undefined'],
  ])('fails with %s thrown, without debug output', async (_what, thrown, message) => {
    const reporter = recorder();
    await run(
      'rollback',
      async () => {
        throw thrown;
      },
      { reporter },
    );
    expect(reporter.setFailed.mock.calls).toEqual([[message, ANNOTATED]]);
    expect(reporter.debug).not.toHaveBeenCalled();
  });

  it('never rejects and leaves the exit code to the reporter (only reporter.setFailed is called)', async () => {
    process.exitCode = undefined;
    const reporter = recorder();
    await expect(
      run(
        'scan-gate',
        async () => {
          throw new Error('boom');
        },
        { reporter },
      ),
    ).resolves.toBeUndefined();
    expect(reporter.setFailed).toHaveBeenCalledTimes(1);
    // core.setFailed would have set process.exitCode; the injected reporter replaced it entirely.
    expect(process.exitCode).toBeUndefined();
  });
});
