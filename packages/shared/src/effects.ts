import { type AwsClientFactories, type AwsContext, type AwsInputs, awsContextWith } from './aws.js';
import { type Clock, systemClock } from './clock.js';
import { InputReader } from './inputs.js';
import { coreLogger, type Logger } from './logger.js';
import type { OidcOptions } from './oidc.js';
import * as core from './runner.js';
import { type JobSummary, writeJobSummary } from './summary.js';

/** How an action reaches AWS: the run's clock and user agent are bound in, so no caller can drop them. */
export type AwsFactory = (
  inputs: AwsInputs,
  options?: {
    /** The step deadline's signal: every call is abandoned when it fires. */
    signal?: AbortSignal;
    /** Seam for tests: OIDC dependencies (ID token source, STS client). */
    oidc?: Partial<OidcOptions>;
    /**
     * Client factories for this context, beside those given to run(): a
     * module loaded after the inputs are checked names its clients here, so
     * their packages are not even parsed when an input is wrong.
     */
    clients?: AwsClientFactories;
  },
) => AwsContext;

/**
 * Everything an action's `main(effects)` may touch outside its own logic. `run()`
 * creates it once per step; a test builds one with `testEffects` and replaces
 * what it observes. Action-specific seams (a builder, a GitHub API) are extra
 * optional fields on the action's own `Effects` type, never a second container.
 */
export interface ActionEffects {
  readonly actionName: string;
  logger: Logger;
  /** The run's clock (honours BERTH_TIME_SCALE): waits, deadlines and role refreshes all follow it. */
  clock: Clock;
  env: NodeJS.ProcessEnv;
  inputs: InputReader;
  /** Step outputs. */
  setOutput(name: string, value: string): void;
  /** An environment variable for the job's later steps. */
  exportVariable(name: string, value: string): void;
  /** The action's one job summary; never fails the step. */
  summary(build: (summary: JobSummary) => unknown): Promise<void>;
  files: {
    /** Relative paths in inputs resolve here (the runner starts steps in the workspace). */
    workspace: string;
    /** Where records and scratch files go (RUNNER_TEMP on a runner). */
    temp: string;
  };
  aws: AwsFactory;
}

/**
 * The effects of a real step on a runner: its commands (runner.ts), the process
 * environment, the system clock, and AWS through the client factories the
 * action names (`clients`), so its bundle carries no other client package.
 */
export function defaultEffects(
  actionName: string,
  env: NodeJS.ProcessEnv = process.env,
  clients: AwsClientFactories = {},
): ActionEffects {
  const clock = systemClock();
  return {
    actionName,
    logger: coreLogger,
    clock,
    env,
    inputs: new InputReader(),
    setOutput: (name, value) => core.setOutput(name, value),
    exportVariable: (name, value) => core.exportVariable(name, value),
    summary: writeJobSummary,
    // GITHUB_WORKSPACE first: the runner starts a step there, but a local run
    // (@github/local-action, README "Run an action locally") starts wherever it is called.
    files: { workspace: env.GITHUB_WORKSPACE || process.cwd(), temp: env.RUNNER_TEMP || process.cwd() },
    aws: awsFactory(actionName, env, clock, clients),
  };
}

/** The one place AWS contexts are made: with the run's clock, always. */
export function awsFactory(
  actionName: string,
  env: NodeJS.ProcessEnv,
  clock: Clock,
  clients: AwsClientFactories,
): AwsFactory {
  return (inputs, options = {}) =>
    awsContextWith(
      { actionName, inputs, env, clock, signal: options.signal, oidc: options.oidc },
      { ...clients, ...options.clients },
    );
}
