import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  AssumeRoleWithWebIdentityCommand,
  type AssumeRoleWithWebIdentityCommandOutput,
  ExpiredTokenException,
  GetCallerIdentityCommand,
  InvalidIdentityTokenException,
  STSClient,
} from '@aws-sdk/client-sts';
import { makeUnsignedJwt } from '../src/sts/index.js';
import { clientConfig, rejection, useEmulator } from './helpers/emulator.js';

const ACCOUNT = '123456789012';
const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/github-deploy`;
const CUSTOM_AUD_ROLE = `arn:aws:iam::${ACCOUNT}:role/custom-audience`;

function token(claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return makeUnsignedJwt({
    iss: 'https://token.actions.githubusercontent.com',
    aud: 'sts.amazonaws.com',
    sub: 'repo:acme/shop:ref:refs/heads/main',
    iat: now,
    exp: now + 300,
    ...claims,
  });
}

function credentialsOf(output: AssumeRoleWithWebIdentityCommandOutput) {
  const c = output.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

describe('STS AssumeRoleWithWebIdentity with trust rules', () => {
  const emulator = useEmulator({
    scenario: {
      trust: [
        {
          roleArn: DEPLOY_ROLE,
          subjects: ['repo:acme/shop:ref:refs/heads/main', 'repo:acme/shop:environment:*'],
          maxSessionDurationSeconds: 7200,
        },
        { roleArn: CUSTOM_AUD_ROLE, audience: 'berth-ci', subjects: ['repo:acme/*'] },
      ],
    },
  });
  let sts: STSClient;
  beforeAll(() => {
    // AssumeRoleWithWebIdentity is unsigned: a client without credentials works, as with GitHub OIDC.
    sts = new STSClient({ endpoint: emulator().url, region: 'us-east-1', maxAttempts: 1 });
  });
  const assume = (
    input: Partial<{
      RoleArn: string;
      RoleSessionName: string;
      WebIdentityToken: string;
      DurationSeconds: number;
    }>,
  ) =>
    sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: DEPLOY_ROLE,
        RoleSessionName: 'berth-acme-shop-4242',
        WebIdentityToken: token(),
        ...input,
      }),
    );

  it('issues temporary credentials for a subject the role trusts', async () => {
    const before = emulator().control.now().getTime();
    const result = await assume({ DurationSeconds: 900 });
    expect(result.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(result.Credentials?.SecretAccessKey).toHaveLength(40);
    expect(result.Credentials?.SessionToken?.length).toBeGreaterThan(100);
    const expiration = result.Credentials!.Expiration!.getTime();
    expect(expiration - before).toBeGreaterThanOrEqual(899_000);
    expect(expiration - before).toBeLessThan(905_000);
    expect(result.AssumedRoleUser).toEqual({
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/github-deploy/berth-acme-shop-4242`,
      AssumedRoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}:berth-acme-shop-4242$/),
    });
    expect(result.SubjectFromWebIdentityToken).toBe('repo:acme/shop:ref:refs/heads/main');
    expect(result.Audience).toBe('sts.amazonaws.com');
    expect(result.Provider).toBe('token.actions.githubusercontent.com');
  });

  it('matches `*` globs in subjects and audiences given as a list', async () => {
    const result = await assume({
      WebIdentityToken: token({
        sub: 'repo:acme/shop:environment:production',
        aud: ['x', 'sts.amazonaws.com'],
      }),
    });
    expect(result.SubjectFromWebIdentityToken).toBe('repo:acme/shop:environment:production');
    const custom = await assume({
      RoleArn: CUSTOM_AUD_ROLE,
      WebIdentityToken: token({ aud: 'berth-ci', sub: 'repo:acme/other:ref:refs/heads/x' }),
    });
    expect(custom.Audience).toBe('berth-ci');
  });

  it.each([
    [
      'a subject the role does not trust',
      { WebIdentityToken: token({ sub: 'repo:acme/shop:ref:refs/heads/feature' }) },
    ],
    ['another repository', { WebIdentityToken: token({ sub: 'repo:evil/shop:ref:refs/heads/main' }) }],
    ['a role without trust rules', { RoleArn: `arn:aws:iam::${ACCOUNT}:role/unknown` }],
  ])('answers AccessDenied (403) for %s', async (_what, input) => {
    const error = await rejection(assume(input));
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    expect(error.$metadata.httpStatusCode).toBe(403);
  });

  it.each(['not-a-jwt', 'a.b', 'abc.def.ghi', `${Buffer.from('{}').toString('base64url')}.!!!.x`])(
    'answers InvalidIdentityToken for the malformed token %j',
    async (bad) => {
      const error = await rejection(assume({ WebIdentityToken: bad }));
      expect(error).toBeInstanceOf(InvalidIdentityTokenException);
      expect(error.$metadata.httpStatusCode).toBe(400);
    },
  );

  it('answers ExpiredTokenException for a token past `exp` and IAM’s five minutes of skew', async () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html
    const error = await rejection(
      assume({ WebIdentityToken: token({ exp: Math.floor(Date.now() / 1000) - 360 }) }),
    );
    expect(error).toBeInstanceOf(ExpiredTokenException);
  });

  it('caps DurationSeconds at the role’s maximum and at STS’s bounds', async () => {
    await expect(assume({ DurationSeconds: 7200 })).resolves.toBeDefined();
    const above = await rejection(assume({ DurationSeconds: 7201 }));
    expect(above.name).toBe('ValidationError');
    expect(above.message).toBe(
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
    const below = await rejection(assume({ DurationSeconds: 600 }));
    expect(below.name).toBe('ValidationError');
    expect(below.message).toContain("Value '600' at 'durationSeconds' failed to satisfy constraint");
    const bad = await rejection(assume({ RoleSessionName: 'has space' }));
    expect(bad.name).toBe('ValidationError');
  });

  it('reflects the assumed role in GetCallerIdentity and a default user otherwise', async () => {
    const assumed = await assume({});
    const asRole = new STSClient(clientConfig(emulator(), { credentials: credentialsOf(assumed) }));
    const identity = await asRole.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Account: ACCOUNT,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/github-deploy/berth-acme-shop-4242`,
      UserId: assumed.AssumedRoleUser!.AssumedRoleId,
    });
    const asUser = new STSClient(clientConfig(emulator()));
    const user = await asUser.send(new GetCallerIdentityCommand({}));
    expect(user).toMatchObject({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/berth-emulator` });
    expect(user.UserId).toMatch(/^AIDA/);
    // The call log names the caller.
    const [last] = emulator().control.calls({ operation: 'GetCallerIdentity' }).slice(-1);
    expect(last.callerArn).toBe(`arn:aws:iam::${ACCOUNT}:user/berth-emulator`);
  });

  it('fails every service with an expired-token error once emulator-issued credentials expire', async () => {
    const assumed = await assume({ DurationSeconds: 900 });
    const credentials = credentialsOf(assumed);
    const ecr = new ECRClient(clientConfig(emulator(), { credentials, maxAttempts: 1 }));
    const logs = new CloudWatchLogsClient(clientConfig(emulator(), { credentials, maxAttempts: 1 }));
    const sts2 = new STSClient(clientConfig(emulator(), { credentials, maxAttempts: 1 }));
    await ecr.send(new DescribeRepositoriesCommand({}));
    emulator().control.advance(901);

    const ecrError = await rejection(ecr.send(new DescribeRepositoriesCommand({})));
    expect(ecrError.name).toBe('ExpiredTokenException');
    expect(ecrError.message).toBe('The security token included in the request is expired');
    expect(ecrError.$metadata.httpStatusCode).toBe(403);
    const logsError = await rejection(logs.send(new DescribeLogGroupsCommand({})));
    expect(logsError.name).toBe('ExpiredTokenException');
    // STS itself answers with the Query error code ExpiredToken, as AWS does.
    const stsError = await rejection(sts2.send(new GetCallerIdentityCommand({})));
    expect(stsError.name).toBe('ExpiredToken');

    // Refreshing (AssumeRoleWithWebIdentity is unsigned) always works and the new keys are good.
    const fresh = await assume({});
    const refreshed = new ECRClient(clientConfig(emulator(), { credentials: credentialsOf(fresh) }));
    await expect(refreshed.send(new DescribeRepositoriesCommand({}))).resolves.toBeDefined();
  });
});

describe('STS without trust rules (the convenient default)', () => {
  const emulator = useEmulator({ scenario: { accountId: '210987654321' } });
  const assume = (roleArn: string, aud: string) =>
    new STSClient({ endpoint: emulator().url, region: 'us-east-1', maxAttempts: 1 }).send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: roleArn,
        RoleSessionName: 'anything',
        WebIdentityToken: token({ aud, sub: 'whatever' }),
      }),
    );

  it('lets any role of the scenario account be assumed with audience sts.amazonaws.com', async () => {
    const result = await assume('arn:aws:iam::210987654321:role/any/path/deployer', 'sts.amazonaws.com');
    expect(result.AssumedRoleUser?.Arn).toBe('arn:aws:sts::210987654321:assumed-role/deployer/anything');
  });

  it('still refuses other accounts and other audiences', async () => {
    expect((await rejection(assume(`arn:aws:iam::${ACCOUNT}:role/deployer`, 'sts.amazonaws.com'))).name).toBe(
      'AccessDenied',
    );
    // An audience the provider does not list: https://github.com/aws-actions/configure-aws-credentials/issues/1309
    expect((await rejection(assume('arn:aws:iam::210987654321:role/deployer', 'other'))).name).toBe(
      'InvalidIdentityTokenException',
    );
  });
});
