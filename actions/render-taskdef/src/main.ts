import type { ActionEffects } from '@berth/shared/effects';
import { getInputs } from './inputs.js';

export { regionFor } from './inputs.js';

export const ACTION_NAME = 'render-taskdef';

/** The run's effects, plus this action's one seam. */
export type Effects = ActionEffects & {
  /** The random part of the output file's name (tests fix it). */
  randomSuffix?: () => string;
};

/**
 * inputs → the step (render-step.ts). Nothing on this module's static imports
 * parses a task definition or loads the AWS SDK: a step refused for its inputs
 * exits without either (issue 15, start-up; tests/startup.itg.test.ts).
 */
export async function main(effects: Effects): Promise<void> {
  const inputs = getInputs(effects.inputs);
  const { renderStep } = await import('./render-step.js');
  await renderStep(inputs, effects);
}
