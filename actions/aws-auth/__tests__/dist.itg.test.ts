/**
 * The bundled action (dist/index.js) run as the GitHub runner runs it, with GitHub's ID-token
 * endpoint served by the test kit and STS by the emulator, behind the test kit's recording proxy
 * (what goes over the wire: parameters, signatures, user agent); the real SDK reaches STS through
 * AWS_ENDPOINT_URL.
 */
import { type RunningEmulator, startEmulator } from '@berth/emulator';
import { type ActionResult, runAction } from '@berth/testkit/action-runner.js';
import { type IdTokenIssuer, startIdTokenIssuer } from '@berth/testkit/id-tokens.js';
import { type StsWire, startStsWire } from '@berth/testkit/sts-wire.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';

const ROLE = 'arn:aws:iam::123456789012:role/github-deploy';
const DENIED_ROLE = 'arn:aws:iam::123456789012:role/other-team';
const TRUST = [
  { roleArn: ROLE, subjects: ['repo:acme/shop:*'], maxSessionDurationSeconds: 7200 },
  { roleArn: DENIED_ROLE, subjects: ['repo:acme/other:*'] },
];
/** The claims GitHub gives a job of acme/shop on main (docs.github.com, "OpenID Connect reference"). */
const JOB_CLAIMS = {
  sub: 'repo:acme/shop:ref:refs/heads/main',
  repository: 'acme/shop',
  repository_owner: 'acme',
  ref: 'refs/heads/main',
  run_id: '4242',
};

let emulator: RunningEmulator;
let idTokens: IdTokenIssuer;
let job: { url: string; requestToken: string };
let sts: StsWire;

beforeAll(async () => {
  emulator = await startEmulator({ scenario: { trust: TRUST } });
  idTokens = await startIdTokenIssuer(() => emulator.control.now().getTime());
  job = idTokens.forJob(JOB_CLAIMS);
  sts = await startStsWire(emulator.url);
}, 180_000);

afterAll(async () => {
  await idTokens?.stop();
  await sts?.close();
  await emulator?.stop();
});

beforeEach(() => {
  idTokens.requests.length = 0;
  sts.calls.length = 0;
  sts.faults.length = 0;
});

function runAwsAuth(
  inputs: Record<string, string>,
  env: Record<string, string | undefined> = {},
  stsUrl?: string,
) {
  return runAction({
    action: 'aws-auth',
    inputs: { 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', ...inputs },
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: job.url,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: job.requestToken,
      AWS_ENDPOINT_URL: stsUrl ?? sts.url,
      ...env,
    },
    timeoutMs: 60_000,
  });
}

/** The failure message (the `::error::` annotation), with a check that it is the only one. */
function failureMessage(result: ActionResult): string {
  const errors = result.annotations.filter((annotation) => annotation.level === 'error');
  expect(errors).toHaveLength(1);
  return errors[0].message;
}

/** A stack frame, printed raw or inside a `::debug::` command (where newlines are %0A). */
const STACK_LINE = /(?:^|%0A)\s+at (?:.+ \()?(?:file:\/\/)?\/[^\s)]+:\d+:\d+/m;

describe('aws-auth (bundled) against a local ID-token endpoint and STS', () => {
  it('assumes the role, verifies it, exports masked credentials and sets the outputs', async () => {
    const result = await runAwsAuth({ 'allowed-account-ids': '123456789012, 210987654321' });
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({ exitCode: 0, stderr: '' });

    const session = sts.sessions().at(-1)!;
    expect(result.outputs).toEqual({
      'aws-account-id': '123456789012',
      'assumed-role-arn': 'arn:aws:sts::123456789012:assumed-role/github-deploy/berth-acme-shop-4242',
      expiration: session.expiration.toISOString(),
    });
    expect(result.exportedEnv).toEqual({
      AWS_ACCESS_KEY_ID: session.accessKeyId,
      AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
      AWS_SESSION_TOKEN: session.sessionToken,
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
    });
    expect(sts.calls[0].params.RoleSessionName).toBe('berth-acme-shop-4242');

    // One ID token, asked for with the runner's bearer token and the default audience.
    expect(idTokens.requests).toEqual([{ audience: 'sts.amazonaws.com', authorized: true }]);
    // STS: an unsigned exchange, then GetCallerIdentity signed with the new credentials.
    expect(sts.calls.map((call) => call.action)).toEqual(['AssumeRoleWithWebIdentity', 'GetCallerIdentity']);
    expect(sts.calls[0].authorization).toBeUndefined();
    expect(sts.calls[0].params).toMatchObject({ RoleArn: ROLE, DurationSeconds: '3600' });
    expect(sts.calls[1].authorization).toContain(`Credential=${session.accessKeyId}/`);
    expect(sts.calls[1].userAgent).toMatch(/ berth\/\d+\.\d+\.\d+ aws-auth\b/);
  });

  it('masks every secret before any other use and never prints one anywhere else', async () => {
    const result = await runAwsAuth({});
    expect(result.exitCode).toBe(0);
    const session = sts.sessions().at(-1)!;
    const token = idTokens.issued.at(-1)!.token;
    const lines = result.stdout.split('\n');
    const firstMask = lines.findIndex((line) => line.startsWith('::add-mask::'));
    expect(firstMask).toBeGreaterThanOrEqual(0);
    for (const secret of [token, session.accessKeyId, session.secretAccessKey, session.sessionToken]) {
      const mentions = lines.flatMap((line, index) => (line.includes(secret) ? [index] : []));
      expect(mentions.length).toBeGreaterThan(0);
      // Every line that holds the secret is a mask command, so it never shows in the log.
      expect(mentions.map((index) => lines[index])).toEqual(mentions.map(() => `::add-mask::${secret}`));
      expect(result.summary).not.toContain(secret);
      expect(Object.values(result.outputs).join('\n')).not.toContain(secret);
    }
    // The credentials are masked before the step logs the session or exports anything.
    const credentialMasks = [session.accessKeyId, session.secretAccessKey, session.sessionToken].map(
      (secret) => lines.indexOf(`::add-mask::${secret}`),
    );
    const firstUse = lines.findIndex((line) => line.includes('Signed in to account'));
    expect(Math.max(...credentialMasks)).toBeLessThan(firstUse);

    expect(result.summary).toMatch(/^<h3>Signed in to AWS account \d{12} as /);
    for (const fact of [
      '123456789012',
      ROLE,
      'berth-acme-shop-4242',
      'eu-west-1',
      session.expiration.toISOString(),
    ]) {
      expect(result.summary).toContain(fact);
    }
  });

  it('passes role-session-name and role-duration-seconds through, and can skip the export', async () => {
    const result = await runAwsAuth({
      'role-session-name': 'deploy-prod',
      'role-duration-seconds': '7200',
      'export-credentials': 'false',
    });
    expect(result.exitCode).toBe(0);
    expect(result.exportedEnv).toEqual({});
    expect(result.outputs['assumed-role-arn']).toBe(
      'arn:aws:sts::123456789012:assumed-role/github-deploy/deploy-prod',
    );
    expect(sts.calls[0].params).toMatchObject({ RoleSessionName: 'deploy-prod', DurationSeconds: '7200' });
    const expiresIn = Date.parse(result.outputs.expiration) - Date.now();
    expect(expiresIn).toBeGreaterThan(7000 * 1000);
    expect(expiresIn).toBeLessThanOrEqual(7200 * 1000);
  });

  it('retries a transient IDPCommunicationError and succeeds', async () => {
    sts.faults.push({ code: 'IDPCommunicationError', message: "The identity provider couldn't be reached." });
    const result = await runAwsAuth({});
    expect(result.exitCode).toBe(0);
    expect(sts.count('AssumeRoleWithWebIdentity')).toBe(2);
    expect(idTokens.requests).toHaveLength(2);
    expect(result.stdout).toContain(`Assuming ${ROLE} failed (attempt 1): IDPCommunicationErrorException`);
  });

  it('explains AccessDenied with the token claims and the role, without the token or a stack trace', async () => {
    const result = await runAwsAuth({ 'role-to-assume': DENIED_ROLE });
    expect(result.exitCode).toBe(1);
    const message = failureMessage(result);
    expect(message).toContain(
      `aws-auth: Could not assume role ${DENIED_ROLE}: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity.\n`,
    );
    expect(message).toContain(
      'GitHub presented an ID token with these claims:\n' +
        '  sub: repo:acme/shop:ref:refs/heads/main\n' +
        '  aud: sts.amazonaws.com\n' +
        '  repository: acme/shop\n',
    );
    expect(message).toContain(`The trust policy of ${DENIED_ROLE} must allow this \`sub\``);
    expect(message).toContain(
      '"token.actions.githubusercontent.com:sub": "repo:acme/shop:ref:refs/heads/main"',
    );
    const token = idTokens.issued.at(-1)!.token;
    expect(result.stdout.split('\n').filter((line) => line.includes(token))).toEqual([
      `::add-mask::${token}`,
    ]);
    expect(result.stdout).not.toMatch(STACK_LINE);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(sts.count('AssumeRoleWithWebIdentity')).toBe(1);
    expect(sts.count('GetCallerIdentity')).toBe(0);
    expect(result.exportedEnv).toEqual({});
    expect(result.outputs).toEqual({});
  });

  it('asks GitHub for the configured audience and explains a token AWS rejects for it', async () => {
    const result = await runAwsAuth({ audience: 'https://github.com/acme' });
    expect(result.exitCode).toBe(1);
    expect(idTokens.requests).toEqual([{ audience: 'https://github.com/acme', authorized: true }]);
    expect(failureMessage(result)).toBe(
      `aws-auth: Could not assume role ${ROLE}: InvalidIdentityTokenException: Incorrect token audience.\n` +
        'The ID token\'s audience "https://github.com/acme" (the `audience` input) is not one of the audiences ' +
        '(client IDs) of the IAM OIDC identity provider for https://token.actions.githubusercontent.com in account ' +
        '123456789012. Set `audience` to an audience the provider lists (`sts.amazonaws.com` unless the provider ' +
        'was set up otherwise), or add "https://github.com/acme" to the provider\'s audiences.',
    );
    expect(sts.count('AssumeRoleWithWebIdentity')).toBe(1);
  });

  it('reports an STS outage as "Could not assume role" and keeps its stack for debug only', async () => {
    sts.faults.push({ code: 'InternalFailure', message: 'We encountered an internal error.', status: 500 });
    const result = await runAwsAuth({ 'max-attempts': '1' });
    expect(result.exitCode).toBe(1);
    expect(failureMessage(result)).toBe(
      `aws-auth: Could not assume role ${ROLE}: InternalFailure: We encountered an internal error.`,
    );
    const debugLines = result.stdout.split('\n').filter((line) => line.startsWith('::debug::'));
    expect(debugLines.some((line) => STACK_LINE.test(line))).toBe(true);
    const otherLines = result.stdout.split('\n').filter((line) => !line.startsWith('::debug::'));
    expect(otherLines.some((line) => STACK_LINE.test(line))).toBe(false);
    expect(sts.count('AssumeRoleWithWebIdentity')).toBe(1);
  });

  it('without ACTIONS_ID_TOKEN_REQUEST_URL tells the user to grant id-token: write', async () => {
    const result = await runAwsAuth({}, { ACTIONS_ID_TOKEN_REQUEST_URL: undefined });
    expect(result.exitCode).toBe(1);
    const message = failureMessage(result);
    expect(message).toMatch(
      /^aws-auth: Cannot get a GitHub OIDC ID token: ACTIONS_ID_TOKEN_REQUEST_URL not set\. /,
    );
    expect(message).toContain('Add `permissions: id-token: write` to the job');
    expect(message).toContain('pull requests from forks never receive an ID token');
    expect(result.stdout).not.toMatch(STACK_LINE);
    expect(idTokens.requests).toHaveLength(0);
    expect(sts.calls).toHaveLength(0);
  });

  it.each([
    [
      'a bad role-duration-seconds',
      { 'role-duration-seconds': '100' },
      'aws-auth: Input `role-duration-seconds` must be between 900 and 43200, got 100.',
    ],
    [
      'a bad allowed-account-ids',
      { 'allowed-account-ids': '123456789012\nacme-prod' },
      'aws-auth: Input `allowed-account-ids` must list 12-digit AWS account IDs, got "acme-prod". ' +
        'Quote IDs in YAML so leading zeros survive, e.g. `allowed-account-ids: "012345678901, 123456789012"`.',
    ],
    [
      'a role in an account that is not allowed',
      { 'allowed-account-ids': '111111111111' },
      `aws-auth: Account 123456789012 (the account of ${ROLE}) is not in \`allowed-account-ids\` (111111111111). ` +
        'Assume a role in one of those accounts, or add the account to `allowed-account-ids` if it is the right one.',
    ],
    [
      'a role that is not an ARN',
      { 'role-to-assume': 'github-deploy' },
      'aws-auth: Input `role-to-assume` must be an IAM role ARN such as `arn:aws:iam::123456789012:role/github-deploy`, got "github-deploy".',
    ],
  ])('fails on %s with a clear message and no call made', async (_what, inputs, message) => {
    const result = await runAwsAuth(inputs);
    expect(result.exitCode).toBe(1);
    expect(failureMessage(result)).toBe(message);
    expect(result.stdout).not.toMatch(STACK_LINE);
    expect(idTokens.requests).toHaveLength(0);
    expect(sts.calls).toHaveLength(0);
    expect(result.exportedEnv).toEqual({});
  });

  it('fails when GetCallerIdentity reports an account that is not allowed, exporting nothing', async () => {
    // An endpoint that answers GetCallerIdentity for another account than the role's.
    const elsewhere = await startStsWire(emulator.url);
    elsewhere.rewrite = (action, body) =>
      action === 'GetCallerIdentity' ? body.replaceAll('123456789012', '999999999999') : body;
    try {
      const result = await runAwsAuth({ 'allowed-account-ids': '123456789012' }, {}, elsewhere.url);
      expect(result.exitCode).toBe(1);
      expect(failureMessage(result)).toMatch(
        /^aws-auth: Account 999999999999 \(reported by GetCallerIdentity for arn:aws:sts::999999999999:assumed-role\/github-deploy\/berth-acme-shop-4242\) is not in `allowed-account-ids` \(123456789012\)\./,
      );
      expect(elsewhere.count('GetCallerIdentity')).toBe(1);
      expect(result.exportedEnv).toEqual({});
      expect(result.outputs).toEqual({});
    } finally {
      await elsewhere.close();
    }
  });
});
