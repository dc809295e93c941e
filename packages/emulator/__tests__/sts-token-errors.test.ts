/**
 * How STS refuses a GitHub OIDC token, driven through the real STS client over HTTP.
 * Every expected code and message below is AWS's, from the pages cited beside it:
 * - codes and HTTP statuses: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_Errors
 * - the five minutes IAM allows after `exp`: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_oidc.html
 * - the messages, as real STS answered them in public reports (cited per test).
 */
import {
  AssumeRoleWithWebIdentityCommand,
  ExpiredTokenException,
  InvalidIdentityTokenException,
  STSClient,
} from '@aws-sdk/client-sts';
import { makeUnsignedJwt } from '../src/sts/index.js';
import { rejection, useEmulator } from './helpers/emulator.js';

const ACCOUNT = '123456789012';
const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/github-deploy`;
const CUSTOM_AUD_ROLE = `arn:aws:iam::${ACCOUNT}:role/custom-audience`;

const nowSeconds = () => Math.floor(Date.now() / 1000);

function token(claims: Record<string, unknown> = {}): string {
  return makeUnsignedJwt({
    iss: 'https://token.actions.githubusercontent.com',
    aud: 'sts.amazonaws.com',
    sub: 'repo:acme/shop:ref:refs/heads/main',
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
    ...claims,
  });
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('AssumeRoleWithWebIdentity refuses tokens as STS does', () => {
  const emulator = useEmulator({
    scenario: {
      trust: [
        { roleArn: DEPLOY_ROLE, subjects: ['repo:acme/shop:ref:refs/heads/main'] },
        { roleArn: CUSTOM_AUD_ROLE, audience: 'berth-ci', subjects: ['repo:acme/*'] },
      ],
    },
  });
  const assume = (WebIdentityToken: string, RoleArn = DEPLOY_ROLE) =>
    new STSClient({ endpoint: emulator().url, region: 'us-east-1', maxAttempts: 1 }).send(
      new AssumeRoleWithWebIdentityCommand({ RoleArn, RoleSessionName: 'berth-test', WebIdentityToken }),
    );

  it('answers a wrong audience with InvalidIdentityToken "Incorrect token audience" (400)', async () => {
    // https://github.com/aws-actions/configure-aws-credentials/issues/1309 and #775: a token whose
    // `aud` the OIDC provider does not list → "(InvalidIdentityToken) … Incorrect token audience".
    const error = await rejection(assume(token({ aud: 'https://github.com/acme' })));
    expect(error).toBeInstanceOf(InvalidIdentityTokenException);
    expect(error.name).toBe('InvalidIdentityTokenException');
    expect(error.message).toBe('Incorrect token audience');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('answers a token without `aud` with InvalidIdentityToken "Missing a required claim: aud"', async () => {
    // https://github.com/aws/aws-sdk-ruby/issues/2698 (Aws::STS::Errors::InvalidIdentityToken).
    const error = await rejection(assume(token({ aud: undefined })));
    expect(error).toBeInstanceOf(InvalidIdentityTokenException);
    expect(error.message).toBe('Missing a required claim: aud');
  });

  it('answers an audience the provider lists but the role does not trust with AccessDenied', async () => {
    // `berth-ci` is a client ID of the provider (another role trusts it), so the token is valid and
    // the role's trust policy condition on `aud` decides: https://repost.aws/knowledge-center/iam-idp-access-error
    const error = await rejection(assume(token({ aud: 'berth-ci' })));
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    expect(error.$metadata.httpStatusCode).toBe(403);
  });

  it('answers an untrusted `sub` with AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity" (403)', async () => {
    // https://repost.aws/knowledge-center/iam-idp-access-error: the trust policy's `sub` condition is not met.
    const error = await rejection(assume(token({ sub: 'repo:acme/shop:pull_request' })));
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe('Not authorized to perform sts:AssumeRoleWithWebIdentity');
    expect(error.$metadata.httpStatusCode).toBe(403);
  });

  it('answers an expired token with ExpiredTokenException and the real message (400)', async () => {
    // https://github.com/aws/aws-sdk-java-v2/issues/5709: "Token expired: current date/time 1731098245
    // must be before the expiration date/time 1731095240 (Service: Sts, Status Code: 400 …)".
    const exp = nowSeconds() - 3600;
    const error = await rejection(assume(token({ iat: exp - 300, exp })));
    expect(error).toBeInstanceOf(ExpiredTokenException);
    expect(error.message).toMatch(
      new RegExp(`^Token expired: current date/time (\\d+) must be before the expiration date/time ${exp}$`),
    );
    const current = Number(/date\/time (\d+) must/.exec(error.message)![1]);
    expect(Math.abs(current - nowSeconds())).toBeLessThanOrEqual(5);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('accepts a token within the five minutes of clock skew IAM allows after `exp`', async () => {
    // id_roles_providers_oidc: "IAM provides a five minute window beyond the expiration time".
    const result = await assume(token({ exp: nowSeconds() - 120 }));
    expect(result.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const error = await rejection(assume(token({ exp: nowSeconds() - 310 })));
    expect(error).toBeInstanceOf(ExpiredTokenException);
  });

  it.each([
    ['an opaque access token', 'gho_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['two parts', `${encode({ alg: 'none' })}.${encode({ sub: 'x' })}`],
    ['a payload that is not JSON', `${encode({ alg: 'none' })}.bm90IGpzb24.`],
    ['characters outside base64url', `${encode({ alg: 'none' })}.!!!.sig`],
    ['no issuer', token({ iss: undefined })],
  ])('answers a malformed token (%s) with InvalidIdentityToken "not a valid JWT"', async (_what, bad) => {
    // The message real STS gives, quoted in public logs (Vault on EKS, Cognito's classic flow):
    // "InvalidIdentityToken: The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)".
    const error = await rejection(assume(bad));
    expect(error).toBeInstanceOf(InvalidIdentityTokenException);
    expect(error.message).toBe(
      'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
    );
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('answers an issuer the account has no OIDC provider for with InvalidIdentityToken naming it', async () => {
    // https://github.com/aws-actions/configure-aws-credentials/issues/721 and
    // https://github.com/treeverse/dvc.org/pull/5273: "No OpenIDConnect provider found in your account for <iss>".
    const error = await rejection(assume(token({ iss: 'https://vstoken.actions.githubusercontent.com' })));
    expect(error).toBeInstanceOf(InvalidIdentityTokenException);
    expect(error.message).toBe(
      'No OpenIDConnect provider found in your account for https://vstoken.actions.githubusercontent.com',
    );
  });
});

describe('AssumeRoleWithWebIdentity without trust rules (provider audience sts.amazonaws.com)', () => {
  const emulator = useEmulator({ scenario: { accountId: ACCOUNT } });

  it('answers any other audience with InvalidIdentityToken "Incorrect token audience"', async () => {
    // https://github.com/awslabs/amazon-eks-irsa-cfn/pull/18: audience sts.amazon.com instead of sts.amazonaws.com.
    const sts = new STSClient({ endpoint: emulator().url, region: 'us-east-1', maxAttempts: 1 });
    const error = await rejection(
      sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: DEPLOY_ROLE,
          RoleSessionName: 'berth-test',
          WebIdentityToken: token({ aud: 'sts.amazon.com' }),
        }),
      ),
    );
    expect(error).toBeInstanceOf(InvalidIdentityTokenException);
    expect(error.message).toBe('Incorrect token audience');
  });
});
