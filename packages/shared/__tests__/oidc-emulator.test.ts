/**
 * Berth's OIDC provider against the emulator's STS, which refuses tokens with
 * the codes and messages real STS uses (packages/emulator/src/sts/index.ts
 * cites them). Proves each refusal reaches the advice that fixes it: a wrong
 * audience gets audience advice, an untrusted `sub` gets trust-policy advice.
 */
import { type RunningEmulator, startEmulator } from '@berth/emulator';
import { ConfigurationError } from '@berth/shared/errors';
import { type OidcOptions, oidcCredentialProvider } from '@berth/shared/oidc';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const ROLE = 'arn:aws:iam::123456789012:role/github-deploy';
let emulator: RunningEmulator;
const savedEndpoint = process.env.AWS_ENDPOINT_URL_STS;

beforeAll(async () => {
  emulator = await startEmulator({
    scenario: { trust: [{ roleArn: ROLE, subjects: ['repo:acme/shop:ref:refs/heads/main'] }] },
  });
  process.env.AWS_ENDPOINT_URL_STS = emulator.url;
});

afterAll(async () => {
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
  else process.env.AWS_ENDPOINT_URL_STS = savedEndpoint;
  await emulator?.stop();
});

function options(audience: string, claims: Record<string, unknown> = {}): OidcOptions {
  return {
    roleArn: ROLE,
    audience,
    durationSeconds: 900,
    region: 'eu-west-1',
    customUserAgent: [['berth', '0.1.0'], ['oidc-emulator-test']],
    env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '7' },
    // GitHub puts the requested audience in `aud`, as the emulator's token helper does.
    getIdToken: async (aud) => emulator.control.oidcToken({ aud, ...claims }),
    maxAttempts: 2,
    sleep: async () => {},
    setSecret: () => {},
    info: () => {},
  };
}

async function failure(opts: OidcOptions): Promise<Error> {
  return oidcCredentialProvider(opts)().then(
    () => new Error('expected a rejection'),
    (caught: unknown) => caught as Error,
  );
}

describe('oidcCredentialProvider against the emulator’s STS', () => {
  it('assumes the role for a trusted subject and the default audience', async () => {
    const credentials = await oidcCredentialProvider(options('sts.amazonaws.com'))();
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(credentials.accountId).toBe('123456789012');
  });

  it('gives a wrong audience the audience advice, not the trust-policy advice', async () => {
    const before = emulator.control.calls({ operation: 'AssumeRoleWithWebIdentity' }).length;
    const error = await failure(options('https://github.com/acme'));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(
      `Could not assume role ${ROLE}: InvalidIdentityTokenException: Incorrect token audience.\n` +
        'The ID token\'s audience "https://github.com/acme" (the `audience` input) is not one of the audiences ' +
        '(client IDs) of the IAM OIDC identity provider for https://token.actions.githubusercontent.com in account ' +
        '123456789012. Set `audience` to an audience the provider lists (`sts.amazonaws.com` unless the provider ' +
        'was set up otherwise), or add "https://github.com/acme" to the provider\'s audiences.',
    );
    // Not retried: another token with the same audience would be refused the same way.
    const calls = emulator.control.calls({ operation: 'AssumeRoleWithWebIdentity' }).slice(before);
    expect(calls.map((call) => call.errorCode)).toEqual(['InvalidIdentityToken']);
  });

  it('gives an untrusted `sub` the trust-policy advice with the token’s claims', async () => {
    const error = await failure(options('sts.amazonaws.com', { sub: 'repo:acme/shop:pull_request' }));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(
      `Could not assume role ${ROLE}: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity.\n`,
    );
    expect(error.message).toContain('  sub: repo:acme/shop:pull_request\n');
    expect(error.message).toContain(`The trust policy of ${ROLE} must allow this \`sub\``);
  });

  it('fetches a new token when STS says the token expired, and reports the expiry when it persists', async () => {
    const before = emulator.control.calls({ operation: 'AssumeRoleWithWebIdentity' }).length;
    // Past `exp` and IAM's five minutes of skew on every attempt.
    const error = await failure(options('sts.amazonaws.com', { expiresInSeconds: -600 }));
    const calls = emulator.control.calls({ operation: 'AssumeRoleWithWebIdentity' }).slice(before);
    expect(calls.map((call) => call.errorCode)).toEqual(['ExpiredTokenException', 'ExpiredTokenException']);
    expect(error.message).toMatch(
      new RegExp(
        `^Could not assume role ${ROLE}: ExpiredTokenException: Token expired: current date/time \\d+ must be before the expiration date/time \\d+$`,
      ),
    );
  });
});
