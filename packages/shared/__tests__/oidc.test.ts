import {
  ExpiredTokenException,
  IDPCommunicationErrorException,
  InvalidIdentityTokenException,
  STSServiceException,
} from '@aws-sdk/client-sts';
import { ConfigurationError } from '@berth/shared/errors';
import {
  defaultRoleSessionName,
  isTransientWebIdentityError,
  type OidcOptions,
  oidcCredentialProvider,
  type WebIdentityCredentials,
  type WebIdentityRequest,
} from '@berth/shared/oidc';
import { githubClaims, unsignedJwt } from '@berth/testkit/jwt.js';
import { describe, expect, it, jest } from '@jest/globals';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const meta = { $metadata: { httpStatusCode: 400 } };

const idpCommunication = () =>
  new IDPCommunicationErrorException({ message: 'Could not contact the identity provider.', ...meta });
const verificationKey = () =>
  new InvalidIdentityTokenException({
    message:
      "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
    ...meta,
  });
const throttling = () =>
  new STSServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', ...meta });
const accessDenied = () =>
  new STSServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    $metadata: { httpStatusCode: 403 },
  });

type Step = Error | 'ok';

/**
 * The provider with every effect replaced: a manual clock (sleep advances
 * it), an ID-token source that issues a distinct token each time, and an STS
 * that follows `script` (errors to throw, then success).
 */
function harness(
  options: { script?: Step[]; overrides?: Partial<OidcOptions>; claims?: Record<string, unknown> } = {},
) {
  let clock = START;
  const script = [...(options.script ?? [])];
  const events: string[] = [];
  const tokens: string[] = [];
  const requests: WebIdentityRequest[] = [];
  const sleeps: number[] = [];
  const getIdToken = jest.fn(async (audience: string) => {
    const token = unsignedJwt({
      ...githubClaims({ aud: audience }),
      jti: `jti-${tokens.length + 1}`,
      ...options.claims,
    });
    tokens.push(token);
    return token;
  });
  let issued = 0;
  const assumeRole = jest.fn(async (request: WebIdentityRequest): Promise<WebIdentityCredentials> => {
    requests.push(request);
    const step = script.shift() ?? 'ok';
    if (step instanceof Error) throw step;
    issued++;
    return {
      accessKeyId: `ASIAKEY${issued}`,
      secretAccessKey: `secret-${issued}`,
      sessionToken: `session-token-${issued}`,
      expiration: new Date(clock + request.durationSeconds * 1000),
      assumedRoleArn: `arn:aws:sts::123456789012:assumed-role/deploy/${request.roleSessionName}`,
    };
  });
  const provider = oidcCredentialProvider({
    roleArn: ROLE,
    audience: 'sts.amazonaws.com',
    durationSeconds: 3600,
    region: 'eu-west-1',
    customUserAgent: 'berth/0.1.0 test',
    env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '4242' },
    getIdToken,
    assumeRole,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 0,
    setSecret: (secret) => events.push(`mask ${secret}`),
    info: (message) => events.push(`info ${message}`),
    warning: (message) => events.push(`warning ${message}`),
    ...options.overrides,
  });
  return {
    provider,
    getIdToken,
    assumeRole,
    tokens,
    requests,
    sleeps,
    events,
    advance: (ms: number) => {
      clock += ms;
    },
    now: () => clock,
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('oidcCredentialProvider', () => {
  it('exchanges a GitHub ID token for role credentials', async () => {
    const h = harness();
    const credentials = await h.provider();
    expect(credentials).toEqual({
      accessKeyId: 'ASIAKEY1',
      secretAccessKey: 'secret-1',
      sessionToken: 'session-token-1',
      expiration: new Date(START + 3600_000),
      accountId: '123456789012',
    });
    expect(h.getIdToken.mock.calls).toEqual([['sts.amazonaws.com']]);
    expect(h.requests).toEqual([
      {
        roleArn: ROLE,
        roleSessionName: 'berth-acme-shop-4242',
        webIdentityToken: h.tokens[0],
        durationSeconds: 3600,
      },
    ]);
    expect(h.provider.roleArn).toBe(ROLE);
    expect(h.provider.roleSessionName).toBe('berth-acme-shop-4242');
  });

  it('masks the ID token and every credential before logging anything about them', async () => {
    const h = harness();
    await h.provider();
    expect(h.events).toEqual([
      `mask ${h.tokens[0]}`,
      'mask ASIAKEY1',
      'mask secret-1',
      'mask session-token-1',
      `info Assumed ${ROLE} as session berth-acme-shop-4242; the credentials expire at 2026-01-01T13:00:00.000Z.`,
    ]);
  });

  it('uses the given session name, duration and audience', async () => {
    const h = harness({
      overrides: {
        roleSessionName: 'deploy@prod',
        durationSeconds: 900,
        audience: 'https://github.com/acme',
      },
    });
    await h.provider();
    expect(h.getIdToken.mock.calls).toEqual([['https://github.com/acme']]);
    expect(h.requests[0]).toMatchObject({ roleSessionName: 'deploy@prod', durationSeconds: 900 });
  });

  it('caches: two calls, one assumption; concurrent callers share one', async () => {
    const h = harness();
    const first = await h.provider();
    const second = await h.provider();
    expect(second).toBe(first);
    expect(h.assumeRole).toHaveBeenCalledTimes(1);

    h.advance(56 * MINUTE);
    const concurrent = await Promise.all([h.provider(), h.provider(), h.provider()]);
    expect(h.assumeRole).toHaveBeenCalledTimes(2);
    expect(new Set(concurrent).size).toBe(1);
    expect(concurrent[0].accessKeyId).toBe('ASIAKEY2');
  });

  it('assumes again with a new ID token once inside the refresh window (default 5 minutes)', async () => {
    const h = harness();
    const first = await h.provider();
    h.advance(54 * MINUTE); // 6 minutes left: still good
    expect(await h.provider()).toBe(first);
    expect(h.assumeRole).toHaveBeenCalledTimes(1);

    h.advance(2 * MINUTE); // 4 minutes left: refresh
    const second = await h.provider();
    expect(h.assumeRole).toHaveBeenCalledTimes(2);
    expect(second.accessKeyId).toBe('ASIAKEY2');
    expect(second.expiration).toEqual(new Date(START + 56 * MINUTE + 3600_000));
    expect(h.tokens).toHaveLength(2);
    expect(h.requests[1].webIdentityToken).toBe(h.tokens[1]);
    expect(h.tokens[1]).not.toBe(h.tokens[0]);
    expect(h.events).toContain(
      `info The credentials for ${ROLE} expire at 2026-01-01T13:00:00.000Z; assuming the role again.`,
    );
  });

  it('honours a configured refresh window', async () => {
    const h = harness({ overrides: { refreshBeforeExpirySeconds: 600 } });
    await h.provider();
    h.advance(49 * MINUTE); // 11 minutes left
    await h.provider();
    expect(h.assumeRole).toHaveBeenCalledTimes(1);
    h.advance(2 * MINUTE); // 9 minutes left
    await h.provider();
    expect(h.assumeRole).toHaveBeenCalledTimes(2);
  });

  it('keeps a refresh window of at most half the session, so short sessions are not re-assumed on every call', async () => {
    const h = harness({ overrides: { durationSeconds: 900, refreshBeforeExpirySeconds: 3600 } });
    await h.provider();
    h.advance(7 * MINUTE); // 8 minutes of 15 left
    await h.provider();
    expect(h.assumeRole).toHaveBeenCalledTimes(1);
    h.advance(1 * MINUTE); // 7 minutes left: under half
    await h.provider();
    expect(h.assumeRole).toHaveBeenCalledTimes(2);
  });

  it('survives a two-hour wait with one-hour sessions, never handing out expired credentials', async () => {
    const h = harness();
    for (let minute = 0; minute <= 120; minute++) {
      const credentials = await h.provider();
      expect(credentials.expiration.getTime()).toBeGreaterThan(h.now() + 4 * MINUTE);
      h.advance(MINUTE);
    }
    // Assumed at 0, 55 and 110 minutes, each with its own ID token.
    expect(h.assumeRole).toHaveBeenCalledTimes(3);
    expect(new Set(h.requests.map((request) => request.webIdentityToken)).size).toBe(3);
  });

  it('retries transient failures with jittered backoff and a new ID token each time', async () => {
    const h = harness({ script: [idpCommunication(), verificationKey(), throttling(), 'ok'] });
    const credentials = await h.provider();
    expect(credentials.accessKeyId).toBe('ASIAKEY1');
    expect(h.assumeRole).toHaveBeenCalledTimes(4);
    expect(h.sleeps).toEqual([500, 1000, 2000]);
    expect(new Set(h.requests.map((request) => request.webIdentityToken)).size).toBe(4);
    expect(h.events.filter((event) => event.startsWith('info Assuming'))).toEqual([
      `info Assuming ${ROLE} failed (attempt 1): IDPCommunicationErrorException: Could not contact the identity provider.; retrying in 0.5 s.`,
      `info Assuming ${ROLE} failed (attempt 2): InvalidIdentityTokenException: Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements; retrying in 1.0 s.`,
      `info Assuming ${ROLE} failed (attempt 3): Throttling: Rate exceeded; retrying in 2.0 s.`,
    ]);
  });

  it('gives up after maxAttempts and says what failed', async () => {
    const h = harness({
      script: [idpCommunication(), idpCommunication(), idpCommunication(), idpCommunication()],
      overrides: { maxAttempts: 3 },
    });
    const error = await rejection(h.provider());
    expect(error).not.toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(
      `Could not assume role ${ROLE}: IDPCommunicationErrorException: Could not contact the identity provider.`,
    );
    expect(h.assumeRole).toHaveBeenCalledTimes(3);
    expect(h.sleeps).toEqual([500, 1000]);
  });

  it('explains AccessDenied with the token claims and the trust policy, never the token', async () => {
    const h = harness({ script: [accessDenied()], claims: { sub: 'repo:acme/shop:environment:production' } });
    const error = await rejection(h.provider());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(h.assumeRole).toHaveBeenCalledTimes(1);
    expect(error.message).toBe(
      [
        `Could not assume role ${ROLE}: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity.`,
        'GitHub presented an ID token with these claims:',
        '  sub: repo:acme/shop:environment:production',
        '  aud: sts.amazonaws.com',
        '  repository: acme/shop',
        `The trust policy of ${ROLE} must allow this \`sub\` for the federated principal ` +
          '`arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com` with sts:AssumeRoleWithWebIdentity, for example:',
        '  "Condition": {',
        '    "StringEquals": {',
        '      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",',
        '      "token.actions.githubusercontent.com:sub": "repo:acme/shop:environment:production"',
        '    }',
        '  }',
        'Use "StringLike" with "repo:acme/shop:*" to allow every branch, tag and environment of the repository.',
      ].join('\n'),
    );
    const [header, payload, signature] = h.tokens[0].split('.');
    expect(error.message).not.toContain(h.tokens[0]);
    expect(error.message).not.toContain(payload);
    expect(error.message).not.toContain(header);
    expect(signature).toBe('');
  });

  it('says so when the token of an AccessDenied cannot be decoded', async () => {
    const h = harness({ script: [accessDenied()], overrides: { getIdToken: async () => 'opaque-token' } });
    const error = await rejection(h.provider());
    expect(error.message).toContain(
      'The ID token GitHub presented could not be decoded, so its claims cannot be shown.',
    );
    expect(error.message).toContain(
      '"token.actions.githubusercontent.com:sub": "repo:<owner>/<repo>:ref:refs/heads/main"',
    );
    expect(error.message).not.toContain('opaque-token');
  });

  it.each([
    [
      'an identity token AWS rejects',
      new InvalidIdentityTokenException({
        message:
          'No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com',
        ...meta,
      }),
      `Could not assume role ${ROLE}: InvalidIdentityTokenException: No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com.\n` +
        'AWS rejected the GitHub ID token: the account of the role needs an IAM OIDC identity provider for ' +
        'https://token.actions.githubusercontent.com whose audiences include "sts.amazonaws.com" (the `audience` input).',
    ],
    [
      // STS's answer to a token whose `aud` the account's OIDC provider does not list:
      // https://github.com/aws-actions/configure-aws-credentials/issues/1309
      'a token audience the OIDC provider does not list',
      new InvalidIdentityTokenException({ message: 'Incorrect token audience', ...meta }),
      `Could not assume role ${ROLE}: InvalidIdentityTokenException: Incorrect token audience.\n` +
        'The ID token\'s audience "sts.amazonaws.com" (the `audience` input) is not one of the audiences (client IDs) ' +
        'of the IAM OIDC identity provider for https://token.actions.githubusercontent.com in account 123456789012. ' +
        'Set `audience` to an audience the provider lists (`sts.amazonaws.com` unless the provider was set up otherwise), ' +
        'or add "sts.amazonaws.com" to the provider\'s audiences.',
    ],
    [
      // https://github.com/aws/aws-sdk-ruby/issues/2698
      'a token without an audience',
      new InvalidIdentityTokenException({ message: 'Missing a required claim: aud', ...meta }),
      `Could not assume role ${ROLE}: InvalidIdentityTokenException: Missing a required claim: aud.\n` +
        'The ID token\'s audience "sts.amazonaws.com" (the `audience` input) is not one of the audiences (client IDs) ' +
        'of the IAM OIDC identity provider for https://token.actions.githubusercontent.com in account 123456789012. ' +
        'Set `audience` to an audience the provider lists (`sts.amazonaws.com` unless the provider was set up otherwise), ' +
        'or add "sts.amazonaws.com" to the provider\'s audiences.',
    ],
    [
      'a duration over the role maximum',
      new STSServiceException({
        name: 'ValidationError',
        $fault: 'client',
        message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        ...meta,
      }),
      `Could not assume role ${ROLE}: ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.\n` +
        "Lower `role-duration-seconds`, or raise the role's maximum session duration in IAM.",
    ],
  ])('explains %s without retrying', async (_what, failure, message) => {
    const h = harness({ script: [failure] });
    const error = await rejection(h.provider());
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(message);
    expect(h.assumeRole).toHaveBeenCalledTimes(1);
  });

  it('wraps any other failure as "Could not assume role <arn>: <cause>" with the cause kept', async () => {
    const bug = new TypeError('fetch failed oddly');
    const h = harness({ script: [bug] });
    const error = await rejection(h.provider());
    expect(error).not.toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(`Could not assume role ${ROLE}: TypeError: fetch failed oddly`);
    expect((error as Error & { cause?: unknown }).cause).toBe(bug);
  });

  it.each([
    [{}, 'ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN not set'],
    [{ ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' }, 'ACTIONS_ID_TOKEN_REQUEST_URL not set'],
    [{ ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token' }, 'ACTIONS_ID_TOKEN_REQUEST_TOKEN not set'],
  ])(
    'without the ID-token environment (%j) tells the user to grant id-token: write',
    async (env, missing) => {
      const h = harness({ overrides: { env, getIdToken: undefined } });
      const error = await rejection(h.provider());
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.message).toBe(
        `Cannot get a GitHub OIDC ID token: ${missing}. ` +
          'Add `permissions: id-token: write` to the job (or the workflow) so GitHub issues an OIDC ID token; ' +
          'list `contents: read` too, since `permissions` replaces the defaults:\n' +
          '  permissions:\n    id-token: write\n    contents: read\n' +
          'Workflows triggered by pull requests from forks never receive an ID token; deploy from `push` or ' +
          '`workflow_dispatch` runs instead.',
      );
      expect(h.assumeRole).not.toHaveBeenCalled();
    },
  );

  it('reports a failure to fetch the ID token as such', async () => {
    const h = harness({
      overrides: {
        getIdToken: async () => {
          throw new Error(
            'Error message: Failed to get ID Token. \n \n Error Code : 403\n \n Error Message: Forbidden',
          );
        },
      },
    });
    const error = await rejection(h.provider());
    expect(error.message).toBe(
      'Could not get a GitHub OIDC ID token for audience "sts.amazonaws.com": Error message: Failed to get ID Token. Error Code : 403 Error Message: Forbidden',
    );
    expect(h.assumeRole).not.toHaveBeenCalled();
  });

  it('keeps serving still-valid credentials when a refresh fails, and fails once they are nearly expired', async () => {
    const h = harness({ script: ['ok', accessDenied(), accessDenied()] });
    const first = await h.provider();
    h.advance(56 * MINUTE);
    expect(await h.provider()).toBe(first);
    expect(
      h.events.some((event) => event.startsWith(`warning Could not assume role ${ROLE}: AccessDenied`)),
    ).toBe(true);
    expect(h.events.at(-1)).toMatch(/\nUsing the current credentials until 2026-01-01T13:00:00.000Z\.$/);
    h.advance(3.5 * MINUTE); // 30 seconds left
    await expect(h.provider()).rejects.toThrow(ConfigurationError);
  });

  it.each([
    [
      'deploy',
      'Input `role-to-assume` must be an IAM role ARN such as `arn:aws:iam::123456789012:role/github-deploy`, got "deploy".',
    ],
    [
      'arn:aws:iam::12345:role/deploy',
      'Input `role-to-assume` must be an IAM role ARN such as `arn:aws:iam::123456789012:role/github-deploy`, got "arn:aws:iam::12345:role/deploy".',
    ],
    [
      'arn:aws:iam::123456789012:user/deploy',
      'Input `role-to-assume` must be an IAM role ARN such as `arn:aws:iam::123456789012:role/github-deploy`, got "arn:aws:iam::123456789012:user/deploy".',
    ],
  ])('rejects role %j before any call', (roleArn, message) => {
    const h = harness();
    expect(() =>
      oidcCredentialProvider({
        ...baseOptions(),
        roleArn,
        getIdToken: h.getIdToken,
        assumeRole: h.assumeRole,
      }),
    ).toThrow(new ConfigurationError(message));
    expect(h.getIdToken).not.toHaveBeenCalled();
  });

  it.each([
    'arn:aws:iam::123456789012:role/deploy',
    'arn:aws-us-gov:iam::123456789012:role/path/to/deploy',
    'arn:aws-cn:iam::123456789012:role/a+b=c,d.e@f-g_h',
  ])('accepts role %j', (roleArn) => {
    expect(() => oidcCredentialProvider({ ...baseOptions(), roleArn })).not.toThrow();
  });

  it.each(['x', 'a'.repeat(65), 'has space', 'slash/es', 'colon:s'])(
    'rejects session name %j',
    (roleSessionName) => {
      expect(() => oidcCredentialProvider({ ...baseOptions(), roleSessionName })).toThrow(
        new ConfigurationError(
          `Input \`role-session-name\` must be 2 to 64 characters of letters, digits and \`_+=,.@-\`, got ${JSON.stringify(roleSessionName)}. ` +
            'Leave it empty to use `berth-<owner>-<repo>-<run id>`.',
        ),
      );
    },
  );

  it('rejects an empty audience', () => {
    expect(() => oidcCredentialProvider({ ...baseOptions(), audience: '' })).toThrow(
      new ConfigurationError('Input `audience` must not be empty; the default is `sts.amazonaws.com`.'),
    );
  });
});

function baseOptions(): OidcOptions {
  return {
    roleArn: ROLE,
    audience: 'sts.amazonaws.com',
    durationSeconds: 3600,
    region: 'eu-west-1',
    customUserAgent: 'berth/0.1.0 test',
    env: {},
    getIdToken: async () => 'never',
    assumeRole: async () => Promise.reject(new Error('no call expected')),
  };
}

describe('defaultRoleSessionName', () => {
  it.each([
    [{ GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '4242' }, 'berth-acme-shop-4242'],
    [{ GITHUB_REPOSITORY: 'acme/shop.web_v2', GITHUB_RUN_ID: '1' }, 'berth-acme-shop.web_v2-1'],
    [{ GITHUB_REPOSITORY: 'odd org/répo:x', GITHUB_RUN_ID: '7' }, 'berth-odd-org-r-po-x-7'],
    [{ GITHUB_REPOSITORY: 'acme/shop' }, 'berth-acme-shop'],
    [{ GITHUB_RUN_ID: '4242' }, 'berth-4242'],
    [{}, 'berth'],
    [
      { GITHUB_REPOSITORY: `acme/${'x'.repeat(100)}`, GITHUB_RUN_ID: '12345678901' },
      `berth-acme-${'x'.repeat(64 - 'berth-acme-'.length - '-12345678901'.length)}-12345678901`,
    ],
    [
      { GITHUB_REPOSITORY: `acme/${'x'.repeat(47)}-y`, GITHUB_RUN_ID: '1234' },
      `berth-acme-${'x'.repeat(47)}-1234`,
    ],
  ])('%j → %j', (env, expected) => {
    const name = defaultRoleSessionName(env);
    expect(name).toBe(expected);
    expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
  });
});

describe('isTransientWebIdentityError', () => {
  it.each([
    ['IDPCommunicationError', true, idpCommunication()],
    ['InvalidIdentityToken: verification key', true, verificationKey()],
    [
      'InvalidIdentityToken: other',
      false,
      new InvalidIdentityTokenException({ message: 'Incorrect token audience', ...meta }),
    ],
    [
      'ExpiredToken (a new token is fetched)',
      true,
      new ExpiredTokenException({ message: 'Token expired', ...meta }),
    ],
    ['Throttling', true, throttling()],
    [
      'a 503',
      true,
      new STSServiceException({
        name: 'ServiceUnavailable',
        $fault: 'server',
        message: '',
        $metadata: { httpStatusCode: 503 },
      }),
    ],
    [
      'a refused connection',
      true,
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    ],
    ['AccessDenied', false, accessDenied()],
    ['a ConfigurationError', false, new ConfigurationError('Cannot get a GitHub OIDC ID token')],
    ['a bug', false, new TypeError('x is not a function')],
  ])('%s → %j', (_what, expected, error) => {
    expect(isTransientWebIdentityError(error)).toBe(expected);
  });
});
