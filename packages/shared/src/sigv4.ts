import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4 for one request whose body is a string and whose
 * URL has no query string (the STS Query protocol's form POST), as documented in
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html.
 * Pure: the date is given, nothing is read from the environment.
 */

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RequestToSign {
  method: string;
  url: URL;
  /** Header names in any case; `host` is added from the URL. */
  headers: Record<string, string>;
  body: string;
}

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** `20150830T123600Z`: the ISO 8601 basic format SigV4 uses. */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[:-]|\.\d{3}/g, '');
}

/** kSigning = HMAC chain over date, region, service and `aws4_request`, keyed by `AWS4` + the secret. */
export function signingKey(secretAccessKey: string, day: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, day);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

/**
 * Headers left out of the signature, as the SDK leaves them: a proxy on the
 * way may rewrite them, which would break a signature that covered them.
 */
const UNSIGNED_HEADERS = new Set(['user-agent', 'x-amzn-trace-id', 'expect']);

/**
 * The headers to send: the given ones plus `x-amz-date`, `x-amz-security-token`
 * (temporary credentials) and `authorization`. All but UNSIGNED_HEADERS are signed.
 */
/**
 * SigV4's canonical URI for every service but S3: each path segment URI-encoded
 * twice. `pathname` is already encoded once by URL, so it is encoded once more.
 */
export function canonicalUri(pathname: string): string {
  if (!pathname || pathname === '/') return '/';
  return pathname
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

export function signRequest(
  request: RequestToSign,
  credentials: SigningCredentials,
  scope: { region: string; service: string; date: Date },
): Record<string, string> {
  const stamp = amzDate(scope.date);
  const day = stamp.slice(0, 8);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  headers.host = request.url.host;
  headers['x-amz-date'] = stamp;
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(headers)
    .filter((name) => !UNSIGNED_HEADERS.has(name))
    .sort();
  // Canonical values: surrounding space trimmed, inner runs of spaces collapsed to one.
  const canonicalHeaders = names
    .map((name) => `${name}:${headers[name].trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(request.url.pathname),
    '',
    canonicalHeaders,
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', stamp, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac(
    'sha256',
    signingKey(credentials.secretAccessKey, day, scope.region, scope.service),
  )
    .update(stringToSign, 'utf8')
    .digest('hex');
  const { host: _host, ...sent } = headers;
  return {
    ...sent,
    authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}
