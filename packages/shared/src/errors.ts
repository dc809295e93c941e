import { isDeadlineError } from './deadline.js';
import { POLICIES_OF_ACTION, POLICY_GRANTS } from './iam-grants.js';

/**
 * A mistake the user can fix (bad input, a missing resource they named, a
 * policy that denies us). `run()` prints only the message: a stack trace would
 * suggest a bug in Berth and bury the advice.
 */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/**
 * The step did its work correctly and the outcome is a failure: the gate found
 * what it forbids, the deployment failed or was rolled back, the rollback did
 * not restore the service. `run()` prints only the message, like a
 * ConfigurationError; anything that is neither is a bug or an outage and keeps
 * its stack under debug logging.
 */
export class OutcomeError extends Error {
  override name = 'OutcomeError';
  /**
   * The failure's one error annotation was raised while it happened (deploy-ecs
   * says so as soon as ECS starts rolling back, minutes before the rollback
   * ends): `run()` then fails the step with a plain line, not a second annotation.
   */
  readonly annotated: boolean;

  constructor(message: string, options: { annotated?: boolean } = {}) {
    super(message);
    this.annotated = options.annotated ?? false;
  }
}

/** True for the two kinds of failure that are not Berth's bug: print the message, not a stack. */
export function isExpectedFailure(error: unknown): boolean {
  return error instanceof ConfigurationError || error instanceof OutcomeError;
}

/** Best-effort message of anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** The AWS error name (`ThrottlingException`, `AccessDeniedException`, …) or undefined. */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; Code?: unknown; __type?: unknown };
  const name = typeof e.name === 'string' ? e.name : typeof e.Code === 'string' ? e.Code : undefined;
  return name === 'Error' ? undefined : name;
}

/** HTTP status the SDK recorded for a failed call, when it has one. */
export function awsHttpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const meta = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return meta?.httpStatusCode;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

export function isThrottling(error: unknown): boolean {
  const name = awsErrorName(error);
  return (name !== undefined && THROTTLING.has(name)) || awsHttpStatus(error) === 429;
}

/**
 * Failures worth retrying: throttling, 5xx, dropped or refused connections,
 * timeouts. Only a failure without an HTTP answer is judged by its message, so
 * a 400 that mentions "network" (ECS: "Network Configuration must be
 * provided…") is not retried.
 */
export function isTransient(error: unknown): boolean {
  // The step's own deadline is final; its message ("`timeout-minutes` passed") must not read as a network time-out.
  if (isDeadlineError(error)) return false;
  if (isThrottling(error)) return true;
  const name = awsErrorName(error);
  if (
    name &&
    /^(ServerException|ServiceUnavailable|InternalFailure|InternalError|ServiceException|TimeoutError|RequestTimeout)/.test(
      name,
    )
  ) {
    return true;
  }
  const status = awsHttpStatus(error);
  if (status !== undefined) return status >= 500;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return /socket hang up|ECONNRESET|ECONNREFUSED|network|timed? ?out/i.test(errorMessage(error));
}

/** True for the errors AWS returns when the caller's policy does not allow an action. */
export function isAccessDenied(error: unknown): boolean {
  const name = awsErrorName(error) ?? '';
  return (
    /AccessDenied|UnauthorizedOperation|NotAuthorized|Forbidden/i.test(name) || awsHttpStatus(error) === 403
  );
}

/** The parts of AWS's denial message (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html). */
export interface AccessDenial {
  principal: string;
  action: string;
  resource?: string;
  explicit: boolean;
}

const DENIAL =
  /User: (\S+) is not authorized to perform: ([\w-]+:[\w*]+)(?: on resource: (\S+?))?(?: because no [\w -]+ allows the [\w-]+:[\w*]+ action| with an explicit deny in an? [\w -]+policy)/;

export function parseAccessDenial(message: string): AccessDenial | undefined {
  const match = DENIAL.exec(message);
  if (!match) return undefined;
  return {
    principal: match[1],
    action: match[2],
    resource: match[3],
    explicit: / with an explicit deny /.test(match[0]),
  };
}

/**
 * Advice for an AWS denial met by a Berth action: the missing permission, the resource,
 * and which of Berth's documented policies grants it (iam-grants.ts). undefined when
 * the text is not an AWS denial message.
 */
export function accessDeniedAdvice(actionName: string, message: string): string | undefined {
  const denial = parseAccessDenial(message);
  if (!denial) return undefined;
  const on = denial.resource ? ` on \`${denial.resource}\`` : '';
  if (denial.explicit) {
    return (
      `Denied explicitly: a Deny statement in a policy of ${denial.principal} refuses \`${denial.action}\`${on}. ` +
      "Berth's policies contain no Deny; find the statement that does (IAM policy simulator) and exempt this call."
    );
  }
  const granting = (POLICIES_OF_ACTION[actionName] ?? Object.keys(POLICY_GRANTS)).filter(
    (policy) => POLICY_GRANTS[policy]?.[denial.action],
  );
  const other = Object.keys(POLICY_GRANTS).filter((policy) => POLICY_GRANTS[policy][denial.action]);
  const policies = granting.length > 0 ? granting : other;
  if (policies.length === 0)
    return `Missing permission: \`${denial.action}\`${on}. No Berth policy grants it.`;
  const where = policies
    .map(
      (policy) =>
        `statement \`${POLICY_GRANTS[policy][denial.action]}\` of docs/iam/templates/${policy}.json (per environment: docs/iam/<environment>/${policy}.json)`,
    )
    .join(', or ');
  return (
    `Missing permission: \`${denial.action}\`${on}. Berth's policy grants it in ${where}; ` +
    "attach it to the role this step uses and check that its Resource and Condition name this environment's resources."
  );
}

/**
 * Wraps a lower failure as "Could not <operation>: <cause>" and keeps
 * ConfigurationError-ness, so user mistakes stay stack-free all the way up.
 */
export function wrapError(operation: string, error: unknown, advice?: string): Error {
  const message = `Could not ${operation}: ${errorMessage(error)}${advice ? ` ${advice}` : ''}`;
  const wrapped =
    error instanceof ConfigurationError || isAccessDenied(error)
      ? new ConfigurationError(message)
      : new Error(message);
  (wrapped as Error & { cause?: unknown }).cause = error;
  return wrapped;
}

/** An older region, endpoint or SDK that does not know the operation (the caller falls back to older calls). */
export function isUnsupported(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? '';
  return /UnknownOperation|UnsupportedFeature|InvalidAction|NotImplemented|UnrecognizedClient/i.test(name);
}
