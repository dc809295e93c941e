import type { ActionEffects } from '@berth/shared/effects';
import { getInputs } from './inputs.js';

/** aws-auth needs nothing beyond the shared effects. */
export type Effects = ActionEffects;

/** Inputs → OIDC exchange → GetCallerIdentity → account check → exports, outputs, summary. */
export async function main(effects: Effects): Promise<void> {
  const inputs = getInputs(effects.inputs);
  // The AWS SDK loads once the inputs are read: a step with a missing or malformed
  // input fails without parsing it (most of the bundle), in a few tens of milliseconds.
  const { signIn } = await import('./sign-in.js');
  await signIn(effects, inputs);
}
