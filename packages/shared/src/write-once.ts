/**
 * Writes that happen once. The SDK retries a call whose answer was lost
 * (connection dropped, request timeout, 5xx) as if nothing had happened, but
 * ECS may have applied it: a second RegisterTaskDefinition makes a second
 * revision, a second forced UpdateService a second deployment. Writes
 * therefore go through a client that does not retry (`AwsContext.ecsWrites`)
 * and through `writeOnce`, which, after a failure whose outcome is unknown,
 * looks for the write's effect before it sends the write again.
 */
import { backoffDelay, realSleep, type Sleep } from './backoff.js';
import { isDeadlineError } from './deadline.js';
import { awsHttpStatus, errorMessage, isThrottling, isTransient } from './errors.js';
import type { Logger } from './logger.js';

/**
 * Whether a failed write may have been applied: no answer at all (a dropped
 * connection, a timeout) or a 5xx, after which AWS may or may not have done
 * it. Throttling and other 4xx answers are refusals: nothing happened.
 */
export function writeOutcomeUnknown(error: unknown): boolean {
  if (isThrottling(error) || isDeadlineError(error)) return false;
  const status = awsHttpStatus(error);
  if (status !== undefined) return status >= 500;
  return isTransient(error);
}

export interface WriteOnceOptions<T> {
  /** The operation's name, for the log (`RegisterTaskDefinition`). */
  operation: string;
  /** Sends the write once (through a client without SDK retries). */
  send: () => Promise<T>;
  /**
   * Looks for the write's effect after an unknown outcome: what the write
   * would have answered when it was applied, undefined when it was not.
   * Omitted when sending again is harmless (an idempotency token).
   */
  lookBefore?: () => Promise<T | undefined>;
  /** Attempts in all, the first included (the `max-attempts` input). */
  maxAttempts: number;
  logger: Logger;
  sleep?: Sleep;
  random?: () => number;
}

/**
 * Sends a write until it is answered, refused, found applied, or out of
 * attempts. Throttling waits and tries again; a refusal is thrown at once;
 * an unknown outcome is looked up first and sent again only when its effect
 * is absent. A deadline that cuts the call short is thrown as it is.
 */
export async function writeOnce<T>(options: WriteOnceOptions<T>): Promise<T> {
  const { operation, logger } = options;
  const sleep = options.sleep ?? realSleep;
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return await options.send();
    } catch (error) {
      const unknown = writeOutcomeUnknown(error);
      if (!unknown && !isThrottling(error)) throw error;
      if (unknown && options.lookBefore) {
        logger.info(
          `${operation} got no answer (${errorMessage(error)}); looking whether ECS applied it before sending it again.`,
        );
        const applied = await options.lookBefore();
        if (applied !== undefined) {
          logger.info(`${operation} had been applied; its answer was lost on the way. Not sending it again.`);
          return applied;
        }
      }
      if (attempt >= maxAttempts) throw error;
      const delay = backoffDelay(attempt, { random: options.random });
      logger.info(
        `${operation} ${unknown ? 'was not applied' : 'was throttled'} (attempt ${attempt}: ${errorMessage(error)}); sending it again in ${(delay / 1000).toFixed(1)} s.`,
      );
      await sleep(delay);
    }
  }
}
