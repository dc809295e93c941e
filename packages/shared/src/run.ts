import type { AwsClientFactories } from './aws.js';
import { type ActionEffects, defaultEffects } from './effects.js';
import { accessDeniedAdvice, errorMessage, isExpectedFailure, OutcomeError } from './errors.js';
import * as core from './runner.js';
import { inert } from './untrusted.js';

/** The slice of the runner commands that `run()` uses; injectable for tests. */
export interface RunReporter {
  setFailed(message: string, options?: { annotate?: boolean }): void;
  debug(message: string): void;
}

/** What a step runs with; every member has a default. */
export interface RunSetup {
  /**
   * The AWS client factories the action uses (`{ ecs, ecr }` from
   * `@berth/shared/aws-clients/*`): `effects.aws()` makes these and no others.
   */
  clients?: AwsClientFactories;
  reporter?: RunReporter;
  /** Seam for tests: the effects main gets (default `defaultEffects(actionName, process.env, clients)`). */
  effects?: ActionEffects;
}

/**
 * The single place that fails a step. Every action's `entrypoint.ts` (which `index.ts` calls) is
 * `run('deploy-ecs', main, { clients: { ecs, ecr, logs } })`. Errors are prefixed with the action's name so a
 * job running several Berth steps says which one failed. A ConfigurationError
 * (the user's input) or an OutcomeError (the step worked, the outcome is a
 * failure) prints without a stack; anything else is a bug or an outage and
 * keeps its stack under debug logging. `main` gets the step's effects, made
 * here once, so every action reads them the same way.
 */
export async function run(
  actionName: string,
  main: (effects: ActionEffects) => Promise<unknown>,
  setup: RunSetup = {},
): Promise<void> {
  const reporter = setup.reporter ?? core;
  const effects = setup.effects ?? defaultEffects(actionName, process.env, setup.clients);
  try {
    await main(effects);
  } catch (error) {
    let message = errorMessage(error);
    // One place adds the policy advice to every AWS denial, whichever call met it.
    const advice = accessDeniedAdvice(actionName, message);
    if (advice && !message.includes('docs/iam/'))
      message = `${message}${/[.!?]$/.test(message) ? '' : '.'} ${advice}`;
    if (!isExpectedFailure(error) && error instanceof Error && error.stack) {
      reporter.debug(inert(error.stack));
    }
    // The message may quote a name, a value or a file excerpt from outside Berth.
    reporter.setFailed(`${actionName}: ${inert(message)}`, {
      annotate: !(error instanceof OutcomeError && error.annotated),
    });
  }
}
