/**
 * Berth's fetch-based STS calls, each checked against AWS's own JavaScript SDK as the
 * independent reference: the SDK's endpoint rules, its SigV4 signer, and its Query-protocol
 * decoder reading the same bytes from a server on 127.0.0.1. Answer bodies are the examples
 * of the STS API reference:
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DeadlineExceededError } from '@berth/shared/deadline';
import {
  awsErrorName,
  awsHttpStatus,
  ConfigurationError,
  errorMessage,
  isAccessDenied,
  isTransient,
} from '@berth/shared/errors';
import { signingKey, signRequest } from '@berth/shared/sigv4';
import {
  getCallerIdentity,
  parseStsError,
  parseWebIdentityAnswer,
  StsServiceError,
  stsEndpoint,
  stsQuery,
} from '@berth/shared/sts-query';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';

describe('stsEndpoint', () => {
  // The SDK's STS endpoint rules with regional endpoints (Berth's clients never use the global one).
  const sdkEndpoint = (region: string, fips: boolean, dualStack: boolean) =>
    new STSClient({ region }).config
      .endpointProvider({ Region: region, UseFIPS: fips, UseDualStack: dualStack, UseGlobalEndpoint: false })
      .url.toString();

  const regions = [
    'eu-west-1',
    'us-east-1',
    'ap-southeast-7',
    'mx-central-1',
    'cn-north-1',
    'cn-northwest-1',
    'us-gov-west-1',
    'us-gov-east-1',
    'us-iso-east-1',
    'us-isob-east-1',
    'eu-isoe-west-1',
    'us-isof-south-1',
    'eusc-de-east-1',
  ];
  const cases = regions.flatMap((region) =>
    [false, true].flatMap((fips) => [false, true].map((dualStack) => [region, fips, dualStack] as const)),
  );

  it.each(cases)('%s fips=%s dualstack=%s resolves as the SDK does', (region, fips, dualStack) => {
    const env = {
      AWS_USE_FIPS_ENDPOINT: String(fips),
      AWS_USE_DUALSTACK_ENDPOINT: String(dualStack),
    };
    expect(stsEndpoint(region, env).toString()).toBe(sdkEndpoint(region, fips, dualStack));
  });

  it('is the regional endpoint the STS documentation lists', () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_region-endpoints.html
    expect(stsEndpoint('us-east-2', {}).host).toBe('sts.us-east-2.amazonaws.com');
    expect(stsEndpoint('cn-north-1', {}).host).toBe('sts.cn-north-1.amazonaws.com.cn');
  });

  // https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
  it('refuses a configured endpoint with a query string or fragment (the request is signed without one)', () => {
    expect(() => stsEndpoint('eu-west-1', { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1111/?a=1' })).toThrow(
      ConfigurationError,
    );
    expect(() => stsEndpoint('eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:1111/#x' })).toThrow(
      /AWS_ENDPOINT_URL has a query string or fragment/,
    );
  });

  it('takes AWS_ENDPOINT_URL_STS before AWS_ENDPOINT_URL, and neither when told to ignore them', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:1111', AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:2222' };
    expect(stsEndpoint('eu-west-1', env).origin).toBe('http://127.0.0.1:2222');
    expect(stsEndpoint('eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:1111' }).origin).toBe(
      'http://127.0.0.1:1111',
    );
    expect(stsEndpoint('eu-west-1', { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }).origin).toBe(
      'https://sts.eu-west-1.amazonaws.com',
    );
  });
});

const bytes = (data: SourceData) =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** A hash for @smithy/signature-v4 from node:crypto (the SDK passes its own wrapper of the same). */
class Sha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData) {
    this.#hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.#hash.digest());
  }
}

describe('signRequest', () => {
  it('derives the signing key of the SigV4 documentation example', () => {
    // "Examples of how to derive a signing key for Signature Version 4" (AWS General Reference).
    expect(
      signingKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam').toString('hex'),
    ).toBe('f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
  });

  it.each([
    ['https://sts.eu-west-1.amazonaws.com/', 'eu-west-1', 'session-token'],
    ['http://127.0.0.1:4566/', 'us-gov-west-1', undefined],
    // A path behind a proxy: SigV4 encodes each segment twice for every service but S3.
    ["http://127.0.0.1:4566/sts proxy/a%2Fb/(x)'", 'eu-west-1', undefined],
  ])('signs %s as @smithy/signature-v4 does', async (endpoint, region, sessionToken) => {
    const credentials = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      sessionToken,
    };
    const url = new URL(endpoint);
    const date = new Date(Date.UTC(2026, 11, 2, 4, 30, 15));
    const body = 'Action=GetCallerIdentity&Version=2011-06-15';
    const headers = {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'user-agent': 'lang/js  berth/0.1.0 aws-auth ',
    };
    const ours = signRequest({ method: 'POST', url, headers, body }, credentials, {
      region,
      service: 'sts',
      date,
    });
    const signer = new SignatureV4({
      credentials,
      region,
      service: 'sts',
      sha256: Sha256,
      applyChecksum: false,
    });
    // applyChecksum off: the SDK's signer adds x-amz-content-sha256, which STS does not need.
    const reference = await signer.sign(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query: {},
        headers: { ...headers, host: url.host },
        body,
      },
      { signingDate: date },
    );
    expect(ours.authorization).toBe(reference.headers.authorization);
    expect(ours['x-amz-date']).toBe(reference.headers['x-amz-date']);
    expect(ours['x-amz-security-token']).toBe(sessionToken);
  });
});

/** The answers of the STS API reference's examples. */
const WEB_IDENTITY_ANSWER = `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>
    <Audience>client.5498841531868486423.1548@apps.example.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23Z</Expiration>
      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <SourceIdentity>SourceIdentityValue</SourceIdentity>
    <Provider>www.amazon.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`;

const CALLER_IDENTITY_ANSWER = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/my-role-name/my-role-session-name</Arn>
    <UserId>ARO123EXAMPLE123:my-role-session-name</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>`;

/** A Query error answer as STS writes it (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html). */
const errorAnswer = (code: string, message: string) =>
  `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${message}</Message>
  </Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>`;

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}
interface Received {
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
}

let server: Server;
let url: string;
let answers: Answer[] = [];
let received: Received[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ params: Object.fromEntries(new URLSearchParams(body)), headers: request.headers });
      const answer = answers.shift() ?? {
        status: 500,
        body: errorAnswer('InternalFailure', 'no answer queued'),
      };
      response.writeHead(answer.status, { 'content-type': 'text/xml', ...answer.headers }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  answers = [];
  received = [];
});

const env = () => ({ AWS_ENDPOINT_URL_STS: url });
const credentials = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' };
const sdk = () =>
  new STSClient({ region: 'eu-west-1', endpoint: url, maxAttempts: 1, credentials: { ...credentials } });

describe('answers, read as the SDK reads them', () => {
  it('AssumeRoleWithWebIdentity: the credentials and the assumed role', async () => {
    answers.push({ status: 200, body: WEB_IDENTITY_ANSWER }, { status: 200, body: WEB_IDENTITY_ANSWER });
    const reference = await sdk().send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: 'arn:aws:iam::123456789012:role/r',
        RoleSessionName: 's',
        WebIdentityToken: 't',
      }),
    );
    const xml = await stsQuery({
      region: 'eu-west-1',
      action: 'AssumeRoleWithWebIdentity',
      params: { RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 's', WebIdentityToken: 't' },
      customUserAgent: [['berth', '0.1.0'], ['aws-auth']],
      env: env(),
    });
    expect(parseWebIdentityAnswer(xml)).toEqual({
      accessKeyId: reference.Credentials?.AccessKeyId,
      secretAccessKey: reference.Credentials?.SecretAccessKey,
      sessionToken: reference.Credentials?.SessionToken,
      expiration: reference.Credentials?.Expiration,
      assumedRoleArn: reference.AssumedRoleUser?.Arn,
    });
    // Same form fields as the SDK sends; unsigned, with Berth's user agent.
    expect(received[1].params).toEqual(received[0].params);
    expect(received[1].headers.authorization).toBeUndefined();
    expect(received[1].headers['user-agent']).toMatch(/ berth\/0\.1\.0 aws-auth$/);
  });

  it('GetCallerIdentity: account, ARN and user id, signed with the credentials', async () => {
    answers.push(
      { status: 200, body: CALLER_IDENTITY_ANSWER },
      { status: 200, body: CALLER_IDENTITY_ANSWER },
    );
    const reference = await sdk().send(new GetCallerIdentityCommand({}));
    const identity = await getCallerIdentity({
      region: 'eu-west-1',
      credentials,
      customUserAgent: [['berth', '0.1.0'], ['aws-auth']],
      maxAttempts: 1,
      env: env(),
    });
    expect(identity).toEqual({ account: reference.Account, arn: reference.Arn, userId: reference.UserId });
    expect(received[1].params).toEqual(received[0].params);
    expect(received[1].headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE\/\d{8}\/eu-west-1\/sts\/aws4_request, SignedHeaders=[a-z;-]*x-amz-security-token[a-z;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(received[1].headers['x-amz-security-token']).toBe('token');
  });

  it.each([
    ['IDPCommunicationError', "The identity provider couldn't be reached.", 400],
    ['InvalidIdentityToken', 'Incorrect token audience', 400],
    ['IDPRejectedClaim', 'Token rejected', 403],
    ['ExpiredTokenException', 'Token expired: current date/time 1 must be before 0', 400],
    ['AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403],
    ['Throttling', 'Rate exceeded', 400],
    [
      'ValidationError',
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      400,
    ],
    ['RegionDisabledException', 'STS is not activated in this region', 403],
    ['InternalFailure', 'We encountered an internal error &amp; will retry.', 500],
  ])('the error %s has the name, message and status the SDK gives it', async (code, message, status) => {
    answers.push({ status, body: errorAnswer(code, message) }, { status, body: errorAnswer(code, message) });
    const reference = await sdk()
      .send(new GetCallerIdentityCommand({}))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    const ours = await stsQuery({
      region: 'eu-west-1',
      action: 'GetCallerIdentity',
      customUserAgent: 'test',
      credentials,
      env: env(),
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(ours).toBeInstanceOf(StsServiceError);
    expect(awsErrorName(ours)).toBe(awsErrorName(reference));
    expect(errorMessage(ours)).toBe(errorMessage(reference));
    expect(awsHttpStatus(ours)).toBe(awsHttpStatus(reference));
    expect(isTransient(ours)).toBe(isTransient(reference));
    expect(isAccessDenied(ours)).toBe(isAccessDenied(reference));
  });

  it('refuses credentials that are not printable ASCII, without quoting them', () => {
    const bent = WEB_IDENTITY_ANSWER.replace(
      /<SessionToken>([^<]*)<\/SessionToken>/,
      '<SessionToken>AQo&#10;bent</SessionToken>',
    );
    expect(() => parseWebIdentityAnswer(bent)).toThrow(/not printable ASCII$/);
  });

  it('reports a 5xx answer without an STS error body by its status, as transient', () => {
    const error = parseStsError(502, '<html><body>Bad gateway</body></html>');
    expect(error.message).toBe('STS answered HTTP 502 without an error code');
    expect(isTransient(error)).toBe(true);
    expect(isTransient(parseStsError(404, 'not found'))).toBe(false);
  });
});

describe('stsQuery, what it never does', () => {
  it('follows no redirect: the body and the security token stay with the endpoint', async () => {
    answers.push({ status: 307, body: '', headers: { location: `${url}/elsewhere` } });
    const error = await stsQuery({
      region: 'eu-west-1',
      action: 'GetCallerIdentity',
      customUserAgent: 'test',
      credentials,
      env: env(),
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(received).toHaveLength(1);
    expect(awsHttpStatus(error)).toBe(307);
  });

  it("stops on the step's deadline with the deadline's error, which is never retried", async () => {
    const controller = new AbortController();
    controller.abort(new DeadlineExceededError(60_000));
    const sleeps: number[] = [];
    const error = await getCallerIdentity({
      region: 'eu-west-1',
      credentials,
      customUserAgent: 'test',
      maxAttempts: 3,
      env: env(),
      signal: controller.signal,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect(isTransient(error)).toBe(false);
    expect(sleeps).toEqual([]);
    expect(received).toHaveLength(0);
  });
});

describe('getCallerIdentity', () => {
  it('retries throttling with backoff and answers once STS does', async () => {
    answers.push(
      { status: 400, body: errorAnswer('Throttling', 'Rate exceeded') },
      { status: 503, body: errorAnswer('ServiceUnavailable', 'Service unavailable') },
      { status: 200, body: CALLER_IDENTITY_ANSWER },
    );
    const sleeps: number[] = [];
    const identity = await getCallerIdentity({
      region: 'eu-west-1',
      credentials,
      customUserAgent: 'test',
      maxAttempts: 3,
      env: env(),
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0,
    });
    expect(identity.account).toBe('123456789012');
    expect(received).toHaveLength(3);
    // backoff.ts: half of 1 s, then half of 2 s, with the random part at 0.
    expect(sleeps).toEqual([500, 1000]);
  });

  it('does not retry AccessDenied and stops after max-attempts', async () => {
    answers.push({ status: 403, body: errorAnswer('AccessDenied', 'no') });
    const options = {
      region: 'eu-west-1',
      credentials,
      customUserAgent: 'test',
      env: env(),
      sleep: async () => {},
    };
    await expect(getCallerIdentity({ ...options, maxAttempts: 5 })).rejects.toThrow('no');
    expect(received).toHaveLength(1);
    answers.push(
      ...Array.from({ length: 3 }, () => ({ status: 400, body: errorAnswer('Throttling', 'Rate exceeded') })),
    );
    await expect(getCallerIdentity({ ...options, maxAttempts: 2 })).rejects.toThrow('Rate exceeded');
    expect(received).toHaveLength(3);
  });

  it('reports a refused connection as a transient network failure naming the endpoint', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await stsQuery({
      region: 'eu-west-1',
      action: 'GetCallerIdentity',
      customUserAgent: 'test',
      env: { AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}` },
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(errorMessage(error)).toContain(`Could not reach STS at http://127.0.0.1:${port}: `);
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    expect(isTransient(error)).toBe(true);
  });
});
