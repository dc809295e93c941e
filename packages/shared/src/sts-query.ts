/**
 * The two STS calls Berth makes without the AWS SDK, over Node's fetch and
 * STS's Query protocol: AssumeRoleWithWebIdentity (unsigned: the ID token is the
 * proof) and GetCallerIdentity (SigV4). The SDK's STS client with its protocol
 * and credential stack is half a megabyte of bundle for two form POSTs; aws-auth
 * has to stay under 0.5 MB (issue 15). What the SDK gave and users rely on is
 * kept: the regional endpoint and the endpoint variables, per-attempt timeouts,
 * the error names the SDK reports, Berth's user agent.
 * https://docs.aws.amazon.com/STS/latest/APIReference/CommonParameters.html
 */
import type { UserAgent } from '@smithy/types';
import { retry, type Sleep } from './backoff.js';
import { ConfigurationError, isTransient } from './errors.js';
import { type SigningCredentials, signRequest } from './sigv4.js';

/** The STS API version every Query request names. */
export const STS_API_VERSION = '2011-06-15';

/**
 * One attempt's limit: the connection and request timeouts every Berth SDK
 * client has (aws.ts, 10 s + 30 s), so one silent connection cannot hold a step.
 */
const ATTEMPT_TIMEOUT_MS = 40_000;

interface Partition {
  match: RegExp;
  dnsSuffix: string;
  dualStackDnsSuffix: string;
  /** GovCloud's standard endpoints are FIPS endpoints already. */
  fipsIsStandard?: boolean;
}

/**
 * The partitions and DNS suffixes of AWS's endpoint rules (the SDK's
 * partitions.json); an unknown region falls back to `aws`, as the SDK's does.
 * https://docs.aws.amazon.com/general/latest/gr/sts.html
 */
const PARTITIONS: Partition[] = [
  {
    match: /^cn-\w+-\d+$/,
    dnsSuffix: 'amazonaws.com.cn',
    dualStackDnsSuffix: 'api.amazonwebservices.com.cn',
  },
  {
    match: /^us-gov-\w+-\d+$/,
    dnsSuffix: 'amazonaws.com',
    dualStackDnsSuffix: 'api.aws',
    fipsIsStandard: true,
  },
  { match: /^us-iso-\w+-\d+$/, dnsSuffix: 'c2s.ic.gov', dualStackDnsSuffix: 'api.aws.ic.gov' },
  { match: /^us-isob-\w+-\d+$/, dnsSuffix: 'sc2s.sgov.gov', dualStackDnsSuffix: 'api.aws.scloud' },
  { match: /^eu-isoe-\w+-\d+$/, dnsSuffix: 'cloud.adc-e.uk', dualStackDnsSuffix: 'api.cloud-aws.adc-e.uk' },
  { match: /^us-isof-\w+-\d+$/, dnsSuffix: 'csp.hci.ic.gov', dualStackDnsSuffix: 'api.aws.hci.ic.gov' },
  { match: /^eusc-(de)-\w+-\d+$/, dnsSuffix: 'amazonaws.eu', dualStackDnsSuffix: 'api.amazonwebservices.eu' },
];
const AWS_PARTITION: Partition = { match: /./, dnsSuffix: 'amazonaws.com', dualStackDnsSuffix: 'api.aws' };

const isTrue = (value: string | undefined) => value?.trim().toLowerCase() === 'true';

/**
 * The STS endpoint for `region`, as the SDK resolves it with regional endpoints:
 * `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL` (both ignored under
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), else `sts[-fips].<region>.<suffix>`
 * following `AWS_USE_FIPS_ENDPOINT` and `AWS_USE_DUALSTACK_ENDPOINT`.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-endpoints.html
 */
export function stsEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): URL {
  if (!isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)) {
    const configured = env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL;
    if (configured) {
      const url = new URL(configured);
      // The request is signed without a query string and sent to this URL as it is.
      if (url.search || url.hash) {
        throw new ConfigurationError(
          `${env.AWS_ENDPOINT_URL_STS ? 'AWS_ENDPOINT_URL_STS' : 'AWS_ENDPOINT_URL'} has a query string or fragment (${url.origin}${url.pathname}…); an STS endpoint is a scheme, host, port and optional path: remove the part from \`?\` or \`#\`.`,
        );
      }
      return url;
    }
  }
  const partition = PARTITIONS.find((candidate) => candidate.match.test(region)) ?? AWS_PARTITION;
  const fips = isTrue(env.AWS_USE_FIPS_ENDPOINT);
  const dualStack = isTrue(env.AWS_USE_DUALSTACK_ENDPOINT);
  const suffix = dualStack ? partition.dualStackDnsSuffix : partition.dnsSuffix;
  const host = fips && !(partition.fipsIsStandard && !dualStack) ? 'sts-fips' : 'sts';
  return new URL(`https://${host}.${region}.${suffix}/`);
}

/**
 * STS's Query error codes whose SDK exception has another name: the SDK
 * reports the modeled name (`awsQueryError` in the STS model), users and
 * Berth's advice see that name.
 */
const MODELED_ERROR_NAMES: Record<string, string> = {
  IDPCommunicationError: 'IDPCommunicationErrorException',
  IDPRejectedClaim: 'IDPRejectedClaimException',
  InvalidIdentityToken: 'InvalidIdentityTokenException',
  MalformedPolicyDocument: 'MalformedPolicyDocumentException',
  PackedPolicyTooLarge: 'PackedPolicyTooLargeException',
};

/** An error STS answered, shaped as the SDK's service exceptions are (name, `$fault`, `$metadata`). */
export class StsServiceError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number; requestId?: string; attempts?: number };
  constructor(name: string, message: string, status: number, requestId?: string) {
    super(message);
    this.name = name;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status, requestId };
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (whole, entity: string) => {
    if (entity[0] !== '#') return ENTITIES[entity.toLowerCase()] ?? whole;
    const code =
      entity[1].toLowerCase() === 'x' ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1));
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** The text of the first `<name>` element inside `xml` (STS answers are flat enough for that), entity-decoded. */
export function xmlText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(xml);
  return match ? decodeXmlText(match[1]) : undefined;
}

/** The `<name>…</name>` part of `xml`, or undefined. */
export function xmlElement(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return match?.[1];
}

/**
 * The error of a non-2xx answer: `<ErrorResponse><Error><Code>…<Message>…`
 * with `<RequestId>`, as documented for the Query protocol; a body without a
 * code (a proxy's page) is reported by its status only, since it is not STS's text.
 * https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
 */
export function parseStsError(status: number, body: string, requestIdHeader?: string): StsServiceError {
  const error = xmlElement(body, 'Error');
  const code = error === undefined ? undefined : xmlText(error, 'Code');
  const requestId = xmlText(body, 'RequestId') ?? requestIdHeader;
  if (!code) {
    return new StsServiceError(
      status >= 500 ? 'InternalFailure' : `Http${status}`,
      `STS answered HTTP ${status} without an error code`,
      status,
      requestId,
    );
  }
  const message = (error === undefined ? undefined : xmlText(error, 'Message')) ?? code;
  return new StsServiceError(MODELED_ERROR_NAMES[code] ?? code, message, status, requestId);
}

/** `berth/0.1.0 deploy-ecs` from the SDK-style pairs every Berth client carries. */
function userAgentText(customUserAgent: string | UserAgent): string {
  if (typeof customUserAgent === 'string') return customUserAgent;
  return customUserAgent.map(([name, version]) => (version ? `${name}/${version}` : name)).join(' ');
}

export interface StsCall {
  region: string;
  action: string;
  /** The action's parameters, sent as form fields beside Action and Version. */
  params?: Record<string, string>;
  customUserAgent: string | UserAgent;
  /** Signs the request when given; AssumeRoleWithWebIdentity is sent without. */
  credentials?: SigningCredentials;
  /** The step deadline's signal: a waiting call is abandoned when it fires. */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Seam: the signing time (default now). */
  now?: () => Date;
  /** Seam: per-attempt limit in ms (default 40 s). */
  timeoutMs?: number;
}

/**
 * A failure with no HTTP answer (refused, reset, DNS, timeout): its `code` is what `isTransient` reads.
 * Only the network layer's own message is quoted: fetch's other errors (an invalid header value)
 * quote the request, which carries the session token.
 */
function networkError(error: unknown, endpoint: URL): Error {
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return error;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const detail = code && typeof cause?.message === 'string' ? cause.message : 'the request could not be sent';
  return Object.assign(new Error(`Could not reach STS at ${endpoint.origin}: ${detail}`, { cause: error }), {
    code,
  });
}

/** One Query call; resolves to the answer's XML, rejects with a StsServiceError on an error answer. */
export async function stsQuery(call: StsCall): Promise<string> {
  const endpoint = stsEndpoint(call.region, call.env);
  const body = new URLSearchParams({
    Action: call.action,
    Version: STS_API_VERSION,
    ...call.params,
  }).toString();
  const base: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    'user-agent': `lang/js md/nodejs#${process.versions.node} ${userAgentText(call.customUserAgent)}`,
  };
  const headers = call.credentials
    ? signRequest({ method: 'POST', url: endpoint, headers: base, body }, call.credentials, {
        region: call.region,
        service: 'sts',
        date: call.now?.() ?? new Date(),
      })
    : base;
  const timeout = AbortSignal.timeout(call.timeoutMs ?? ATTEMPT_TIMEOUT_MS);
  const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
  let response: Response;
  let text: string;
  try {
    // Never follow a redirect: it would resend the body (the web identity token) and the
    // security token header to wherever it points. The SDK's HTTP handler follows none either.
    response = await fetch(endpoint, { method: 'POST', headers, body, signal, redirect: 'manual' });
    text = await response.text();
  } catch (error) {
    // The step's deadline (or the caller's signal) ended the wait: its own error, never retried as a network fault.
    if (call.signal?.aborted) throw call.signal.reason ?? error;
    throw networkError(error, endpoint);
  }
  if (!response.ok) {
    throw parseStsError(response.status, text, response.headers.get('x-amzn-requestid') ?? undefined);
  }
  return text;
}

/** What GetCallerIdentity answers. */
export interface CallerIdentity {
  account: string;
  arn: string;
  userId?: string;
}

export interface GetCallerIdentityOptions extends Omit<StsCall, 'action' | 'params' | 'credentials'> {
  credentials: SigningCredentials;
  /** Attempts, the first included (the `max-attempts` input). */
  maxAttempts: number;
  sleep?: Sleep;
  random?: () => number;
}

/**
 * GetCallerIdentity, signed with `credentials`, retried with backoff on
 * throttling, 5xx and network failures as the SDK's retry strategy would.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
export async function getCallerIdentity(options: GetCallerIdentityOptions): Promise<CallerIdentity> {
  const { maxAttempts, sleep, random, ...call } = options;
  const xml = await retry(() => stsQuery({ ...call, action: 'GetCallerIdentity' }), {
    maxAttempts,
    isRetryable: (error) => !options.signal?.aborted && isTransient(error),
    sleep,
    random,
  });
  const result = xmlElement(xml, 'GetCallerIdentityResult') ?? '';
  const account = xmlText(result, 'Account');
  const arn = xmlText(result, 'Arn');
  if (!account || !arn) throw new Error('STS answered GetCallerIdentity without an Account or Arn');
  return { account, arn, userId: xmlText(result, 'UserId') };
}

/** What AssumeRoleWithWebIdentity answers (the parts Berth uses). */
export interface WebIdentitySession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  assumedRoleArn?: string;
}

/** What a credential value may hold: visible ASCII, as AWS issues them. */
const CREDENTIAL_TEXT = /^[\x21-\x7e]+$/;

/**
 * The credentials of an AssumeRoleWithWebIdentity answer.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
 */

export function parseWebIdentityAnswer(xml: string): WebIdentitySession {
  const result = xmlElement(xml, 'AssumeRoleWithWebIdentityResult') ?? '';
  const credentials = xmlElement(result, 'Credentials') ?? '';
  const accessKeyId = xmlText(credentials, 'AccessKeyId');
  const secretAccessKey = xmlText(credentials, 'SecretAccessKey');
  const sessionToken = xmlText(credentials, 'SessionToken');
  const expiration = xmlText(credentials, 'Expiration');
  if (
    !accessKeyId ||
    !secretAccessKey ||
    !sessionToken ||
    !expiration ||
    Number.isNaN(Date.parse(expiration))
  ) {
    throw new Error('STS answered AssumeRoleWithWebIdentity without complete credentials');
  }
  // Credentials go into headers: a value with a space or control character (an entity in the
  // XML could make one) would be refused by fetch with an error that quotes it.
  if (![accessKeyId, secretAccessKey, sessionToken].every((value) => CREDENTIAL_TEXT.test(value))) {
    throw new Error('STS answered AssumeRoleWithWebIdentity with credentials that are not printable ASCII');
  }
  const user = xmlElement(result, 'AssumedRoleUser');
  return {
    accessKeyId,
    secretAccessKey,
    sessionToken,
    expiration: new Date(expiration),
    assumedRoleArn: user === undefined ? undefined : xmlText(user, 'Arn'),
  };
}
