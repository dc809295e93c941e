import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, UserAgent } from '@smithy/types';
import { retry, type Sleep } from './backoff.js';
import { untilAborted } from './deadline.js';
import { awsErrorName, ConfigurationError, errorMessage, isAccessDenied, isTransient } from './errors.js';
import { claimText, decodeJwtPayload } from './jwt.js';
import * as runner from './runner.js';
import { inert } from './untrusted.js';

/** What AssumeRoleWithWebIdentity is asked for. */
export interface WebIdentityRequest {
  roleArn: string;
  roleSessionName: string;
  /** The GitHub ID token: a credential, never to be printed. */
  webIdentityToken: string;
  durationSeconds: number;
}

/** What AssumeRoleWithWebIdentity answers (the parts Berth uses). */
export interface WebIdentityCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`, when STS says. */
  assumedRoleArn?: string;
}

export type AssumeRoleWithWebIdentity = (request: WebIdentityRequest) => Promise<WebIdentityCredentials>;

export interface OidcOptions {
  /** `role-to-assume`: the IAM role ARN. */
  roleArn: string;
  /** `audience`: the `aud` claim requested from GitHub (sts.amazonaws.com unless the provider says otherwise). */
  audience: string;
  /** `role-session-name`; derived from the repository and run id when omitted. */
  roleSessionName?: string;
  /** `role-duration-seconds`. */
  durationSeconds: number;
  region: string;
  customUserAgent: string | UserAgent;
  env?: NodeJS.ProcessEnv;
  /** Assume again this long before the credentials expire (default 300 s, at most half the session). */
  refreshBeforeExpirySeconds?: number;
  /** Attempts per role assumption, the first included (default 5). */
  maxAttempts?: number;
  /** Seam: the GitHub ID token for an audience (default: asked of the runner's token endpoint). */
  getIdToken?: (audience: string) => Promise<string>;
  /** Seam: the STS call (default an unsigned Query call to STS in `region`, sts-query.ts). */
  assumeRole?: AssumeRoleWithWebIdentity;
  /** The step deadline's signal: an assumption still waiting for STS is abandoned when it fires. */
  signal?: AbortSignal;
  sleep?: Sleep;
  random?: () => number;
  /** Seam: epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Seam: masks a value in the log (default runner.setSecret). */
  setSecret?: (secret: string) => void;
  info?: (message: string) => void;
  warning?: (message: string) => void;
}

/** Credentials from the provider: always temporary, always with an expiry. */
export interface OidcCredentials extends AwsCredentialIdentity {
  readonly sessionToken: string;
  readonly expiration: Date;
  readonly accountId: string;
}

/** An SDK credential provider that also says which role and session it assumes. */
export interface OidcCredentialProvider extends AwsCredentialIdentityProvider {
  (identityProperties?: Record<string, unknown>): Promise<OidcCredentials>;
  readonly roleArn: string;
  readonly roleSessionName: string;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** The account of an IAM role ARN, or undefined when it is not one. */
export function roleAccountId(roleArn: string): string | undefined {
  return ROLE_ARN.exec(roleArn)?.[1];
}

/** Throws a ConfigurationError unless `roleArn` is an IAM role ARN. */
export function validateRoleArn(roleArn: string): void {
  if (!ROLE_ARN.test(roleArn)) {
    throw new ConfigurationError(
      `Input \`role-to-assume\` must be an IAM role ARN such as \`arn:aws:iam::123456789012:role/github-deploy\`, got ${JSON.stringify(roleArn)}.`,
    );
  }
}

/** Throws a ConfigurationError unless `name` is a valid RoleSessionName. */
export function validateRoleSessionName(name: string): void {
  if (!SESSION_NAME.test(name)) {
    throw new ConfigurationError(
      `Input \`role-session-name\` must be 2 to 64 characters of letters, digits and \`_+=,.@-\`, got ${JSON.stringify(name)}. ` +
        'Leave it empty to use `berth-<owner>-<repo>-<run id>`.',
    );
  }
}

/**
 * `berth-<owner>-<repo>-<run id>` with anything STS refuses replaced by `-`,
 * the repository shortened (never the run id) to fit 64 characters.
 */
export function defaultRoleSessionName(env: NodeJS.ProcessEnv = process.env): string {
  const clean = (text: string) => text.replace(/[^\w+=,.@-]/g, '-');
  const runId = clean(env.GITHUB_RUN_ID ?? '').slice(0, 20);
  const suffix = runId ? `-${runId}` : '';
  const room = 64 - 'berth'.length - suffix.length - 1;
  const repository = clean(env.GITHUB_REPOSITORY ?? '')
    .slice(0, room)
    .replace(/-+$/, '');
  return `berth${repository ? `-${repository}` : ''}${suffix}`;
}

/**
 * Worth another attempt: GitHub's OIDC keys briefly unreachable from AWS
 * (IDPCommunicationError, "Couldn't retrieve verification key"), a token that
 * expired on the way (a new one is fetched), throttling, 5xx and network errors.
 */
export function isTransientWebIdentityError(error: unknown): boolean {
  if (error instanceof ConfigurationError || isAccessDenied(error)) return false;
  const name = awsErrorName(error) ?? '';
  if (/^IDPCommunicationError/.test(name) || /^ExpiredToken/.test(name)) return true;
  if (/^InvalidIdentityToken/.test(name)) {
    return /Couldn't retrieve verification key/i.test(errorMessage(error));
  }
  return isTransient(error);
}

const ID_TOKEN_ADVICE =
  'Add `permissions: id-token: write` to the job (or the workflow) so GitHub issues an OIDC ID token; ' +
  'list `contents: read` too, since `permissions` replaces the defaults:\n' +
  '  permissions:\n    id-token: write\n    contents: read\n' +
  'Workflows triggered by pull requests from forks never receive an ID token; deploy from `push` or ' +
  '`workflow_dispatch` runs instead.';

/** A failure to get the ID token; passed through unchanged by the error description. */
class IdTokenError extends Error {
  override name = 'IdTokenError';
}

function githubIdToken(env: NodeJS.ProcessEnv): (audience: string) => Promise<string> {
  return async (audience) => {
    const missing = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'].filter(
      (name) => !env[name],
    );
    if (missing.length > 0) {
      throw new ConfigurationError(
        `Cannot get a GitHub OIDC ID token: ${missing.join(' and ')} not set. ${ID_TOKEN_ADVICE}`,
      );
    }
    return requestIdToken(env.ACTIONS_ID_TOKEN_REQUEST_URL!, env.ACTIONS_ID_TOKEN_REQUEST_TOKEN!, audience);
  };
}

/** Attempts at the runner's token endpoint: it answers within a second, and a 5xx is usually passing. */
const ID_TOKEN_ATTEMPTS = 3;

class IdTokenHttpError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`the token endpoint answered HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

/**
 * GitHub's OIDC token request, as documented for custom actions: GET
 * ACTIONS_ID_TOKEN_REQUEST_URL with `&audience=`, the request token as a
 * bearer token, and the ID token in the JSON answer's `value`. Node's fetch
 * does it, so no HTTP client is bundled for this one request.
 * https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#updating-your-actions-for-oidc
 */
export async function requestIdToken(
  requestUrl: string,
  requestToken: string,
  audience: string,
  options: { sleep?: Sleep } = {},
): Promise<string> {
  const url = `${requestUrl}&audience=${encodeURIComponent(audience)}`;
  const token = await retry(
    async () => {
      const response = await fetch(url, {
        headers: { Authorization: `Bearer ${requestToken}`, Accept: 'application/json' },
      });
      // The body of a failure is the endpoint's own words, never a token.
      if (!response.ok) throw new IdTokenHttpError(response.status, (await response.text()).trim());
      const body = (await response.json()) as { value?: unknown };
      if (typeof body.value !== 'string' || body.value === '') {
        throw new Error('the token endpoint answered without an ID token (`value`)');
      }
      return body.value;
    },
    {
      maxAttempts: ID_TOKEN_ATTEMPTS,
      isRetryable: (error) =>
        !(error instanceof IdTokenHttpError) || error.status >= 500 || error.status === 429,
      sleep: options.sleep,
    },
  );
  // As @actions/core's getIDToken does: the token is masked before anything can print it.
  runner.setSecret(token);
  return token;
}

/**
 * The real STS call, over Node's fetch (sts-query.ts): unsigned on purpose (the
 * ID token is the proof, and there is nothing to sign with yet), to the
 * regional endpoint or AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_STS as the SDK
 * resolved it. One attempt per call: retries are the provider's, bounded in one place.
 */
export function stsWebIdentityAssumer(
  region: string,
  customUserAgent: string | UserAgent,
  signal?: AbortSignal,
): AssumeRoleWithWebIdentity {
  return async (request) => {
    // Loaded on the first assumption, not at start: a step that fails on an input never parses it.
    const { parseWebIdentityAnswer, stsQuery } = await import('./sts-query.js');
    const xml = await stsQuery({
      region,
      customUserAgent,
      signal,
      action: 'AssumeRoleWithWebIdentity',
      params: {
        RoleArn: request.roleArn,
        RoleSessionName: request.roleSessionName,
        WebIdentityToken: request.webIdentityToken,
        DurationSeconds: String(request.durationSeconds),
      },
    });
    return parseWebIdentityAnswer(xml);
  };
}

function causeText(error: unknown): string {
  const name = awsErrorName(error);
  const message = errorMessage(error).replace(/\s+/g, ' ').trim();
  return name && !message.includes(name) && !(error instanceof ConfigurationError)
    ? `${name}: ${message}`
    : message;
}

function accessDeniedAdvice(roleArn: string, token: string | undefined, audience: string): string {
  const claims = token === undefined ? undefined : decodeJwtPayload(token);
  const sub = claimText(claims, 'sub');
  const aud = claimText(claims, 'aud') ?? audience;
  const lines = claims
    ? [
        'GitHub presented an ID token with these claims:',
        ...['sub', 'aud', 'repository'].map((name) => `  ${name}: ${claimText(claims, name) ?? '(absent)'}`),
      ]
    : ['The ID token GitHub presented could not be decoded, so its claims cannot be shown.'];
  const account = roleAccountId(roleArn) ?? '<account>';
  const partition = roleArn.split(':')[1] || 'aws';
  const repository = claimText(claims, 'repository');
  lines.push(
    `The trust policy of ${roleArn} must allow this \`sub\` for the federated principal ` +
      `\`arn:${partition}:iam::${account}:oidc-provider/${GITHUB_OIDC_HOST}\` with sts:AssumeRoleWithWebIdentity, for example:`,
    '  "Condition": {',
    '    "StringEquals": {',
    `      "${GITHUB_OIDC_HOST}:aud": ${JSON.stringify(aud)},`,
    `      "${GITHUB_OIDC_HOST}:sub": ${JSON.stringify(sub ?? 'repo:<owner>/<repo>:ref:refs/heads/main')}`,
    '    }',
    '  }',
    `Use "StringLike" with ${JSON.stringify(`repo:${repository ?? '<owner>/<repo>'}:*`)} to allow every branch, tag and environment of the repository.`,
  );
  return lines.join('\n');
}

/**
 * STS answers a token whose `aud` the account's OIDC provider does not list with
 * InvalidIdentityToken "Incorrect token audience" (and a token without `aud` with
 * "Missing a required claim: aud"), before any trust policy is read; every other
 * InvalidIdentityToken is about the provider itself ("No OpenIDConnect provider
 * found in your account for …") or the token.
 */
function invalidIdentityTokenAdvice(message: string, roleArn: string, audience: string): string {
  const account = roleAccountId(roleArn) ?? '<account>';
  if (/Incorrect token audience|Missing a required claim: aud/i.test(message)) {
    return (
      `The ID token's audience ${JSON.stringify(audience)} (the \`audience\` input) is not one of the audiences ` +
      `(client IDs) of the IAM OIDC identity provider for https://${GITHUB_OIDC_HOST} in account ${account}. ` +
      'Set `audience` to an audience the provider lists (`sts.amazonaws.com` unless the provider was set up ' +
      `otherwise), or add ${JSON.stringify(audience)} to the provider's audiences.`
    );
  }
  return (
    `AWS rejected the GitHub ID token: the account of the role needs an IAM OIDC identity provider for ` +
    `https://${GITHUB_OIDC_HOST} whose audiences include ${JSON.stringify(audience)} (the \`audience\` input).`
  );
}

/** Turns a final AssumeRoleWithWebIdentity failure into an error that says what to fix. */
export function describeAssumeRoleFailure(
  error: unknown,
  context: { roleArn: string; audience: string; token?: string },
): Error {
  if (error instanceof ConfigurationError || error instanceof IdTokenError) return error;
  const { roleArn, audience, token } = context;
  const cause = causeText(error);
  const prefix = `Could not assume role ${roleArn}: ${cause}${/[.!?]$/.test(cause) ? '' : '.'}`;
  let advice: string | undefined;
  const name = awsErrorName(error) ?? '';
  if (isAccessDenied(error)) {
    advice = accessDeniedAdvice(roleArn, token, audience);
  } else if (/^InvalidIdentityToken/.test(name)) {
    advice = invalidIdentityTokenAdvice(errorMessage(error), roleArn, audience);
  } else if (
    /^(ValidationError|InvalidParameter)/.test(name) &&
    /DurationSeconds|MaxSessionDuration/i.test(errorMessage(error))
  ) {
    advice = "Lower `role-duration-seconds`, or raise the role's maximum session duration in IAM.";
  }
  // Anything else is an outage or a bug, not the user's to fix: keep its stack for debug.
  const described =
    advice === undefined
      ? new Error(`Could not assume role ${roleArn}: ${cause}`)
      : new ConfigurationError(`${prefix}\n${advice}`);
  (described as Error & { cause?: unknown }).cause = error;
  return described;
}

/**
 * Credentials from GitHub OIDC → STS AssumeRoleWithWebIdentity, for the SDK's
 * `credentials` option. They are cached and assumed again, with a new ID token,
 * `refreshBeforeExpirySeconds` before they expire, so a wait longer than one
 * session keeps working; concurrent callers share one refresh. Every secret is
 * masked before anything else sees it. Options are validated here, so a bad
 * input fails before any call.
 */
export function oidcCredentialProvider(options: OidcOptions): OidcCredentialProvider {
  const env = options.env ?? process.env;
  validateRoleArn(options.roleArn);
  if (options.roleSessionName !== undefined) validateRoleSessionName(options.roleSessionName);
  if (!options.audience) {
    throw new ConfigurationError('Input `audience` must not be empty; the default is `sts.amazonaws.com`.');
  }
  const roleArn = options.roleArn;
  const roleSessionName = options.roleSessionName ?? defaultRoleSessionName(env);
  const getIdToken = options.getIdToken ?? githubIdToken(env);
  // requestIdToken masks the token itself; a substitute source gets it masked here.
  const maskIdToken = options.getIdToken !== undefined;
  const assumeRole =
    options.assumeRole ?? stsWebIdentityAssumer(options.region, options.customUserAgent, options.signal);
  const now = options.now ?? Date.now;
  const setSecret = options.setSecret ?? runner.setSecret;
  const info = options.info ?? ((message: string) => runner.info(inert(message)));
  const warning = options.warning ?? ((message: string) => runner.warning(inert(message)));
  const refreshMs = Math.min(
    (options.refreshBeforeExpirySeconds ?? 300) * 1000,
    (options.durationSeconds * 1000) / 2,
  );

  async function fetchIdToken(): Promise<string> {
    let token: string;
    try {
      // GitHub's token endpoint has no timeout of its own: the step's deadline bounds it.
      token = await untilAborted(getIdToken(options.audience), options.signal);
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      throw new IdTokenError(
        `Could not get a GitHub OIDC ID token for audience ${JSON.stringify(options.audience)}: ${causeText(error)}`,
        { cause: error },
      );
    }
    if (maskIdToken) setSecret(token);
    return token;
  }

  async function assume(): Promise<OidcCredentials> {
    let token: string | undefined;
    let result: WebIdentityCredentials;
    try {
      result = await retry(
        async () => {
          token = await fetchIdToken();
          return assumeRole({
            roleArn,
            roleSessionName,
            webIdentityToken: token,
            durationSeconds: options.durationSeconds,
          });
        },
        {
          maxAttempts: options.maxAttempts ?? 5,
          isRetryable: isTransientWebIdentityError,
          sleep: options.sleep,
          random: options.random,
          onRetry: (error, attempt, delay) =>
            info(
              `Assuming ${roleArn} failed (attempt ${attempt}): ${causeText(error)}; retrying in ${(delay / 1000).toFixed(1)} s.`,
            ),
        },
      );
    } catch (error) {
      throw describeAssumeRoleFailure(error, { roleArn, audience: options.audience, token });
    }
    setSecret(result.accessKeyId);
    setSecret(result.secretAccessKey);
    setSecret(result.sessionToken);
    const accountId =
      /^arn:[^:]+:sts::(\d{12}):/.exec(result.assumedRoleArn ?? '')?.[1] ?? roleAccountId(roleArn)!;
    info(
      `Assumed ${roleArn} as session ${roleSessionName}; the credentials expire at ${result.expiration.toISOString()}.`,
    );
    return {
      accessKeyId: result.accessKeyId,
      secretAccessKey: result.secretAccessKey,
      sessionToken: result.sessionToken,
      expiration: result.expiration,
      accountId,
    };
  }

  let cached: OidcCredentials | undefined;
  let inflight: Promise<OidcCredentials> | undefined;

  async function refresh(): Promise<OidcCredentials> {
    if (cached) {
      info(
        `The credentials for ${roleArn} expire at ${cached.expiration.toISOString()}; assuming the role again.`,
      );
    }
    try {
      cached = await assume();
      return cached;
    } catch (error) {
      // Keep working on credentials that are still good for a while; the next call tries again.
      if (cached && now() < cached.expiration.getTime() - 60_000) {
        warning(
          `${errorMessage(error)}\nUsing the current credentials until ${cached.expiration.toISOString()}.`,
        );
        return cached;
      }
      throw error;
    }
  }

  const provider = async (): Promise<OidcCredentials> => {
    if (cached && now() < cached.expiration.getTime() - refreshMs) return cached;
    inflight ??= refresh().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };
  return Object.assign(provider, { roleArn, roleSessionName });
}
