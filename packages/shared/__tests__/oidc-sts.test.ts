/**
 * The OIDC provider with the real STS client over HTTP: the emulator's STS, behind the test kit's
 * recording proxy on 127.0.0.1, reached through AWS_ENDPOINT_URL_STS as the SDK resolves it on its
 * own. Proves the call is unsigned, carries Berth's user agent, and that wire errors
 * (Query-protocol XML) are classified and explained.
 */

import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { type RunningEmulator, startEmulator } from '@berth/emulator';
import { createAwsContext } from '@berth/shared/aws-context';
import { ConfigurationError } from '@berth/shared/errors';
import { type OidcOptions, oidcCredentialProvider } from '@berth/shared/oidc';
import { BERTH_VERSION } from '@berth/shared/version';
import { githubClaims, unsignedJwt } from '@berth/testkit/jwt.js';
import { type StsWire, startStsWire } from '@berth/testkit/sts-wire.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';

const ROLE = 'arn:aws:iam::210987654321:role/deploy';
const AWS_ENV = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_STS',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
];

let emulator: RunningEmulator;
let stub: StsWire;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  emulator = await startEmulator({
    scenario: { trust: [{ roleArn: ROLE, subjects: ['repo:acme/shop:*'] }] },
  });
  stub = await startStsWire(emulator.url);
  for (const name of AWS_ENV) {
    saved[name] = process.env[name];
    delete process.env[name];
  }
  process.env.AWS_ENDPOINT_URL_STS = stub.url;
});

afterAll(async () => {
  for (const name of AWS_ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await stub.close();
  await emulator.stop();
});

beforeEach(() => {
  stub.calls.length = 0;
  stub.faults.length = 0;
});

function options(
  sub = 'repo:acme/shop:ref:refs/heads/main',
): OidcOptions & { tokens: string[]; log: string[] } {
  const tokens: string[] = [];
  const log: string[] = [];
  return {
    roleArn: ROLE,
    audience: 'sts.amazonaws.com',
    durationSeconds: 1800,
    region: 'eu-west-1',
    customUserAgent: [['berth', '0.1.0'], ['oidc-test']],
    env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '77' },
    getIdToken: async (audience) => {
      // Issued now and valid for five minutes, as GitHub's are.
      const iat = Math.floor(emulator.control.now().getTime() / 1000);
      const token = unsignedJwt(
        githubClaims({ sub, aud: audience, jti: String(tokens.length), iat, exp: iat + 300 }),
      );
      tokens.push(token);
      return token;
    },
    sleep: async () => {},
    setSecret: () => {},
    info: (message) => log.push(message),
    tokens,
    log,
  };
}

describe('oidcCredentialProvider with the real STS client', () => {
  it('assumes the role with an unsigned AssumeRoleWithWebIdentity call carrying the berth user agent', async () => {
    const opts = options();
    const credentials = await oidcCredentialProvider(opts)();
    const session = stub.sessions().at(-1)!;
    expect(credentials).toEqual({
      accessKeyId: session.accessKeyId,
      secretAccessKey: session.secretAccessKey,
      sessionToken: session.sessionToken,
      expiration: session.expiration,
      accountId: '210987654321',
    });
    expect(stub.calls).toHaveLength(1);
    const [call] = stub.calls;
    expect(call.action).toBe('AssumeRoleWithWebIdentity');
    expect(call.authorization).toBeUndefined();
    expect(call.userAgent).toMatch(/ berth\/0\.1\.0 oidc-test\b/);
    expect(call.params).toMatchObject({
      RoleArn: ROLE,
      RoleSessionName: 'berth-acme-shop-77',
      DurationSeconds: '1800',
      WebIdentityToken: opts.tokens[0],
    });
  });

  it.each([
    ['IDPCommunicationError', "The identity provider couldn't be reached."],
    ['InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider"],
    ['Throttling', 'Rate exceeded'],
    ['InternalFailure', 'Internal failure', 500],
  ])('retries %s as it arrives on the wire', async (code, message, status = 400) => {
    stub.faults.push({ code, message, status });
    const opts = options();
    const credentials = await oidcCredentialProvider(opts)();
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(stub.count('AssumeRoleWithWebIdentity')).toBe(2);
    expect(opts.log[0]).toContain(`Assuming ${ROLE} failed (attempt 1):`);
    expect(opts.log[0]).toContain(message);
  });

  it('explains an AccessDenied answered by STS, with the claims of the token it was given', async () => {
    const opts = options('repo:evil/fork:pull_request');
    const error = await oidcCredentialProvider(opts)().then(
      () => new Error('expected a rejection'),
      (caught: unknown) => caught as Error,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(
      `Could not assume role ${ROLE}: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity.\n`,
    );
    expect(error.message).toContain(
      '  sub: repo:evil/fork:pull_request\n  aud: sts.amazonaws.com\n  repository: acme/shop\n',
    );
    expect(error.message).toContain(
      '"token.actions.githubusercontent.com:sub": "repo:evil/fork:pull_request"',
    );
    expect(error.message).not.toContain(opts.tokens[0]);
    expect(stub.count('AssumeRoleWithWebIdentity')).toBe(1);
  });

  it('gives every client of createAwsContext the assumed credentials (GetCallerIdentity is signed with them)', async () => {
    const opts = options();
    const context = createAwsContext({
      actionName: 'aws-auth',
      inputs: {
        region: 'eu-west-1',
        roleToAssume: ROLE,
        audience: 'sts.amazonaws.com',
        roleDurationSeconds: 900,
        maxAttempts: 2,
      },
      env: opts.env,
      oidc: { getIdToken: opts.getIdToken, setSecret: () => {}, info: () => {} },
    });
    const identity = await context.sts().send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe('210987654321');
    expect(identity.Arn).toBe('arn:aws:sts::210987654321:assumed-role/deploy/berth-acme-shop-77');
    const signed = stub.calls.find((call) => call.action === 'GetCallerIdentity')!;
    expect(signed.authorization).toContain(`Credential=${stub.sessions().at(-1)!.accessKeyId}/`);
    expect(signed.userAgent).toMatch(new RegExp(` berth/${BERTH_VERSION.replace(/\./g, '\\.')} aws-auth\\b`));
    expect(
      stub.calls.find((call) => call.action === 'AssumeRoleWithWebIdentity')!.params.DurationSeconds,
    ).toBe('900');
  });
});
