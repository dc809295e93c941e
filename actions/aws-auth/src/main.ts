import type { ActionEffects } from '@berth/shared/effects';
import type { CallerIdentity, GetCallerIdentityOptions } from '@berth/shared/sts-query';
import { getInputs } from './inputs.js';

/**
 * The shared effects, and a seam for GetCallerIdentity (default: the signed
 * Query call of sts-query.ts; aws-auth carries no AWS SDK client, issue 15).
 */
export interface Effects extends ActionEffects {
  getCallerIdentity?: (options: GetCallerIdentityOptions) => Promise<CallerIdentity>;
}

/** Inputs → OIDC exchange → GetCallerIdentity → account check → exports, outputs, summary. */
export async function main(effects: Effects): Promise<void> {
  const inputs = getInputs(effects.inputs);
  // The AWS SDK loads once the inputs are read: a step with a missing or malformed
  // input fails without parsing it (most of the bundle), in a few tens of milliseconds.
  const { signIn } = await import('./sign-in.js');
  await signIn(effects, inputs);
}
