import type { ActionEffects } from '@berth/shared/effects';
import { OutcomeError } from '@berth/shared/errors';
import { getInputs, type Inputs } from './inputs.js';
import type { EcrSender } from './sources/ecr.js';

/**
 * The run's effects (shared), and scan-gate's own seam: the ECR client and
 * region, by default from `effects.aws` (OIDC, retries, the run's clock).
 */
export type Effects = ActionEffects & {
  ecr?: (inputs: Inputs, signal: AbortSignal) => { client: EcrSender; region: string };
};

/** The gate failed: the user's findings, not Berth's bug, so it prints without a stack. */
export class GateFailedError extends OutcomeError {
  override name = 'GateFailedError';
}

/**
 * scan-gate: inputs → the gate (gate.ts). Nothing on this module's static
 * imports parses YAML or loads the AWS SDK: a step refused for its inputs
 * exits without either (issue 15, start-up; tests/startup.itg.test.ts).
 */
export async function main(effects: Effects): Promise<void> {
  const inputs = getInputs(effects.inputs);
  const { runGate } = await import('./gate.js');
  await runGate(inputs, effects);
}
