/**
 * STS over the Query protocol: AssumeRoleWithWebIdentity and GetCallerIdentity.
 * Semantics from https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 * and https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html.
 * IAM is modelled only as trust rules: which role accepts which token audience and subjects.
 *
 * How a web identity token is refused, in the order STS checks it (each rule cites its source):
 * 1. Not a JWT → InvalidIdentityToken "The ID Token provided is not a valid JWT. (You may see this
 *    error if you sent an Access Token)" (real STS answers, quoted in public logs, e.g. the Cognito
 *    troubleshooting text and Vault/EKS reports; the API reference names the code:
 *    https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_Errors).
 * 2. An issuer the account has no IAM OIDC identity provider for → InvalidIdentityToken
 *    "No OpenIDConnect provider found in your account for <iss>"
 *    (https://github.com/aws-actions/configure-aws-credentials/issues/721,
 *    https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/2315).
 * 3. No `aud` claim → InvalidIdentityToken "Missing a required claim: aud"
 *    (https://github.com/aws/aws-sdk-ruby/issues/2698, https://gitlab.com/gitlab-org/gitlab/-/issues/342243).
 * 4. `exp` passed → ExpiredTokenException (HTTP 400) "Token expired: current date/time <now> must be
 *    before the expiration date/time <exp>" (https://github.com/aws/aws-sdk-java-v2/issues/5709,
 *    https://github.com/parseablehq/parseable/issues/604), with the five minutes of clock skew IAM
 *    allows after `exp` (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html).
 * 5. An audience the provider does not list among its client IDs → InvalidIdentityToken
 *    "Incorrect token audience" (https://github.com/aws-actions/configure-aws-credentials/issues/1309,
 *    https://github.com/awslabs/amazon-eks-irsa-cfn/pull/18).
 * 6. A token the role's trust policy does not accept (its `sub`/`aud` conditions, or no statement for
 *    the provider) → AccessDenied (HTTP 403) "Not authorized to perform sts:AssumeRoleWithWebIdentity"
 *    (https://repost.aws/knowledge-center/iam-idp-access-error).
 * The account's one OIDC provider is GitHub's (https://token.actions.githubusercontent.com); its client
 * IDs are the audiences the trust rules name (sts.amazonaws.com without rules), as a provider created
 * for those roles would list them.
 */
import type { CredentialStore } from '../identity.js';
import { stableUniqueId } from '../identity.js';
import { AwsError, type RequestContext, type ServiceModule, type TrustRule, type World } from '../world.js';

export const STS_TARGET_PREFIX = 'AWSSecurityTokenServiceV20110615';

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const DEFAULT_AUDIENCE = 'sts.amazonaws.com';
/** The one IAM OIDC identity provider the emulated account has: GitHub Actions'. */
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';
/** IAM accepts a token up to five minutes after its `exp` to allow for clock skew (id_roles_providers_oidc). */
const EXPIRY_LEEWAY_SECONDS = 300;
/** IAM's default maximum session duration for a role (1 hour). */
const DEFAULT_MAX_SESSION_SECONDS = 3600;

export interface WebIdentityClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  [claim: string]: unknown;
}

/** Decodes a JWT (signature not checked); undefined when it is not three base64url parts with JSON header and payload. */
export function decodeJwt(
  token: string,
): { header: Record<string, unknown>; claims: WebIdentityClaims } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts;
  const base64url = /^[A-Za-z0-9_-]+={0,2}$/;
  if (!base64url.test(header) || !base64url.test(payload) || (signature !== '' && !base64url.test(signature)))
    return undefined;
  try {
    const decodedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (
      typeof decodedHeader !== 'object' ||
      decodedHeader === null ||
      typeof claims !== 'object' ||
      claims === null
    ) {
      return undefined;
    }
    return { header: decodedHeader, claims };
  } catch {
    return undefined;
  }
}

/** An unsigned JWT (`alg: none`) with the given claims: what tests and the fake OIDC endpoint hand to STS. */
export function makeUnsignedJwt(claims: WebIdentityClaims): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}

/** IAM `StringLike`: `*` any run of characters, `?` one character. */
function stringLike(pattern: string, text: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(text);
}

const accessDenied = () =>
  new AwsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);
const invalidIdentityToken = (message: string) => new AwsError('InvalidIdentityToken', message);
const NOT_A_JWT =
  'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)';

/** The token's `aud` claim as a list (a JWT may carry one audience or several). */
function audiencesOf(claims: WebIdentityClaims): string[] {
  if (Array.isArray(claims.aud)) return claims.aud.filter((aud): aud is string => typeof aud === 'string');
  return typeof claims.aud === 'string' ? [claims.aud] : [];
}

export function createSts(world: World, credentials: CredentialStore): ServiceModule {
  function trustRulesFor(roleArn: string): TrustRule[] | 'default' {
    const rules = world.scenario.trust ?? [];
    if (rules.length === 0) return 'default';
    return rules.filter((rule) => rule.roleArn === roleArn);
  }

  /** The client IDs (audiences) of the account's GitHub OIDC provider. */
  function providerAudiences(): Set<string> {
    const rules = world.scenario.trust ?? [];
    if (rules.length === 0) return new Set([DEFAULT_AUDIENCE]);
    return new Set(rules.map((rule) => rule.audience ?? DEFAULT_AUDIENCE));
  }

  function assumeRoleWithWebIdentity(input: Record<string, string>) {
    const roleArn = input.RoleArn;
    const sessionName = input.RoleSessionName;
    const token = input.WebIdentityToken;
    if (!roleArn || !sessionName || !token) {
      const missing = !roleArn ? 'roleArn' : !sessionName ? 'roleSessionName' : 'webIdentityToken';
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value null at '${missing}' failed to satisfy constraint: Member must not be null`,
      );
    }
    const role = ROLE_ARN.exec(roleArn);
    if (!role) throw new AwsError('ValidationError', 'Request ARN is invalid');
    if (!SESSION_NAME.test(sessionName)) {
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: ` +
          'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
      );
    }
    const durationSeconds = input.DurationSeconds === undefined ? 3600 : Number(input.DurationSeconds);
    if (!Number.isInteger(durationSeconds) || durationSeconds < 900 || durationSeconds > 43200) {
      const bound = durationSeconds < 900 ? 'greater than or equal to 900' : 'less than or equal to 43200';
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value '${input.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${bound}`,
      );
    }

    const decoded = decodeJwt(token);
    if (!decoded) throw invalidIdentityToken(NOT_A_JWT);
    const { claims } = decoded;
    if (typeof claims.iss !== 'string' || claims.iss === '') throw invalidIdentityToken(NOT_A_JWT);
    // IAM matches the provider URL with or without a trailing slash; the message repeats the claim.
    if (claims.iss.replace(/\/+$/, '') !== GITHUB_OIDC_ISSUER) {
      throw invalidIdentityToken(`No OpenIDConnect provider found in your account for ${claims.iss}`);
    }
    if (claims.aud === undefined) throw invalidIdentityToken('Missing a required claim: aud');
    // Token lifetimes are the issuer's business and run on real time, so a time scale never expires a fresh token.
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (typeof claims.exp === 'number' && nowSeconds >= claims.exp + EXPIRY_LEEWAY_SECONDS) {
      throw new AwsError(
        'ExpiredTokenException',
        `Token expired: current date/time ${nowSeconds} must be before the expiration date/time ${claims.exp}`,
      );
    }
    const audiences = audiencesOf(claims);
    if (!audiences.some((aud) => providerAudiences().has(aud))) {
      throw invalidIdentityToken('Incorrect token audience');
    }
    const subject = typeof claims.sub === 'string' ? claims.sub : '';

    const [, , roleAccount, roleName] = role;
    const rules = trustRulesFor(roleArn);
    let maxSession = DEFAULT_MAX_SESSION_SECONDS;
    let audience: string;
    if (rules === 'default') {
      if (roleAccount !== world.accountId || !audiences.includes(DEFAULT_AUDIENCE)) throw accessDenied();
      audience = DEFAULT_AUDIENCE;
    } else {
      const match = rules.find(
        (rule) =>
          audiences.includes(rule.audience ?? DEFAULT_AUDIENCE) &&
          rule.subjects.some((pattern) => stringLike(pattern, subject)),
      );
      if (!match) throw accessDenied();
      audience = match.audience ?? DEFAULT_AUDIENCE;
      maxSession = match.maxSessionDurationSeconds ?? DEFAULT_MAX_SESSION_SECONDS;
    }
    if (durationSeconds > maxSession) {
      throw new AwsError(
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }

    const now = world.clock.now();
    const roleId = stableUniqueId('AROA', roleArn);
    const issued = credentials.issue({
      expiration: now + durationSeconds * 1000,
      arn: `arn:${role[1]}:sts::${roleAccount}:assumed-role/${roleName}/${sessionName}`,
      assumedRoleId: `${roleId}:${sessionName}`,
      accountId: roleAccount,
      roleArn,
      sessionName,
      subject,
      audience,
    });
    return {
      Credentials: {
        AccessKeyId: issued.accessKeyId,
        SecretAccessKey: issued.secretAccessKey,
        SessionToken: issued.sessionToken,
        Expiration: new Date(issued.expiration),
      },
      SubjectFromWebIdentityToken: subject,
      AssumedRoleUser: { Arn: issued.arn, AssumedRoleId: issued.assumedRoleId },
      Provider: typeof claims.iss === 'string' ? claims.iss.replace(/^https:\/\//, '') : undefined,
      Audience: audience,
    };
  }

  function getCallerIdentity(_input: unknown, context: RequestContext) {
    const caller = credentials.resolve(context.accessKeyId, world.accountId, world.clock.now());
    return { UserId: caller.userId, Account: caller.accountId, Arn: caller.arn };
  }

  return {
    targetPrefix: STS_TARGET_PREFIX,
    operations: {
      AssumeRoleWithWebIdentity: assumeRoleWithWebIdentity,
      GetCallerIdentity: getCallerIdentity,
    },
    snapshot: () => ({
      trust: world.scenario.trust ?? 'default: any role of the scenario account, audience sts.amazonaws.com',
      sessions: credentials.list().map((session) => ({
        accessKeyId: session.accessKeyId,
        arn: session.arn,
        subject: session.subject,
        expiration: new Date(session.expiration).toISOString(),
        expired: world.clock.now() >= session.expiration,
      })),
    }),
  };
}
