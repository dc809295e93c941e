/**
 * RunTask's client token, as "Ensuring idempotency" documents it
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html):
 * - the token is up to 64 ASCII characters in the range 33-126;
 * - it is scoped to the cluster: the same token in another cluster is a separate request;
 * - a retry of a request that succeeded, with the same token and the same parameters,
 *   returns the original request's result and starts nothing;
 * - the same token with one or more parameters changed fails with ConflictException;
 * - a token lives 24 hours.
 * The API reference's `clientToken` member says the same:
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html#ECS-RunTask-request-clientToken
 */
import { AwsError } from '../world.js';
import type { ClusterState } from './types.js';

export const CLIENT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
const CLIENT_TOKEN = /^[\x21-\x7e]{1,64}$/;

/** What a successful RunTask with a client token answered: its tasks' ids and shapes at the time. */
export interface RememberedRun {
  taskIds: string[];
  tasks: unknown[];
}

interface Remembered extends RememberedRun {
  fingerprint: string;
  at: number;
}

/** The request's members other than the token, in a form that ignores key order. */
function fingerprint(input: Record<string, unknown>): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value as Record<string, unknown>)
          .sort()
          .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
      );
    }
    return value;
  };
  const { clientToken: _token, ...rest } = input;
  return JSON.stringify(canonical(rest));
}

export class RunTaskTokens {
  // Keyed by the cluster object, so a deleted-and-recreated cluster (or an emulator reset) starts afresh.
  private readonly byCluster = new WeakMap<ClusterState, Map<string, Remembered>>();

  /**
   * What an earlier successful RunTask with this token answered, when `input`
   * repeats it; undefined when the token is new (or absent, or expired).
   */
  replay(cluster: ClusterState, input: Record<string, unknown>, now: number): RememberedRun | undefined {
    const token = input.clientToken;
    if (token === undefined || token === null) return undefined;
    if (typeof token !== 'string' || !CLIENT_TOKEN.test(token)) {
      // The limits are documented; the wording of this refusal is the emulator's.
      throw new AwsError(
        'InvalidParameterException',
        'clientToken must be 1 to 64 ASCII characters in the range 33-126.',
      );
    }
    const remembered = this.byCluster.get(cluster)?.get(token);
    if (!remembered || now - remembered.at >= CLIENT_TOKEN_TTL_MS) return undefined;
    if (remembered.fingerprint !== fingerprint(input)) {
      // ECS_Idempotency.html names the exception; its message is not documented.
      throw new AwsError(
        'ConflictException',
        `The client token ${token} was already used in this cluster for a RunTask request with different parameters.`,
      );
    }
    return { taskIds: remembered.taskIds, tasks: remembered.tasks };
  }

  /** Remembers a successful RunTask that carried a client token. */
  remember(cluster: ClusterState, input: Record<string, unknown>, run: RememberedRun, now: number): void {
    const token = input.clientToken;
    if (typeof token !== 'string') return;
    let tokens = this.byCluster.get(cluster);
    if (!tokens) {
      tokens = new Map();
      this.byCluster.set(cluster, tokens);
    }
    tokens.set(token, { ...run, fingerprint: fingerprint(input), at: now });
  }
}
