import * as core from '@actions/core';
import { accessDeniedAdvice, ConfigurationError, errorMessage } from './errors.js';
import { inert } from './untrusted.js';

/** The slice of @actions/core that `run()` uses; injectable for tests. */
export interface RunReporter {
  setFailed(message: string): void;
  debug(message: string): void;
}

/**
 * The single place that fails a step. Every action's `index.ts` is
 * `run('deploy-ecs', main)`. Errors are prefixed with the action's name so a
 * job running several Berth steps says which one failed; a ConfigurationError
 * is the user's to fix and prints without a stack, anything else is a bug or an
 * outage and keeps its stack under debug logging.
 */
export async function run(
  actionName: string,
  main: () => Promise<void>,
  reporter: RunReporter = core,
): Promise<void> {
  try {
    await main();
  } catch (error) {
    let message = errorMessage(error);
    // One place adds the policy advice to every AWS denial, whichever call met it.
    const advice = accessDeniedAdvice(actionName, message);
    if (advice && !message.includes('docs/iam/'))
      message = `${message}${/[.!?]$/.test(message) ? '' : '.'} ${advice}`;
    if (!(error instanceof ConfigurationError) && error instanceof Error && error.stack) {
      reporter.debug(inert(error.stack));
    }
    // The message may quote a name, a value or a file excerpt from outside Berth.
    reporter.setFailed(`${actionName}: ${inert(message)}`);
  }
}
