import { stepDeadline } from '@berth/shared/deadline';
import type { DeploymentEffects } from '@berth/shared/deployment/transaction';
import { getInputs } from './inputs.js';

export const ACTION_NAME = 'rollback';

export type Effects = DeploymentEffects;

/**
 * inputs → deadline and clients → the rollback (run-rollback.ts). Nothing on
 * this module's static imports loads the AWS SDK: a step refused for its
 * inputs exits without parsing it (issue 15, start-up; tests/startup.itg.test.ts).
 */
export async function main(effects: Effects): Promise<void> {
  const inputs = getInputs(effects.inputs);
  // One deadline for the whole step: every wait and every call ends by it.
  const deadline = stepDeadline(effects.clock, inputs.timeoutMinutes * 60_000);
  // The region and the role are checked here; each client's package loads on its first call.
  const aws = effects.aws(inputs.aws, { signal: deadline.signal });
  const { runRollback } = await import('./run-rollback.js');
  await runRollback(effects, inputs, aws, deadline);
}
