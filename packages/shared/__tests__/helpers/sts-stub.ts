import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwtPayload } from '../../src/jwt.js';

/** Who may assume a role: `sub` patterns with `*` wildcards, as a trust policy's StringLike. */
export interface StubTrust {
  roleArn: string;
  subjects: string[];
  audience?: string;
  maxSessionDurationSeconds?: number;
}

/** An error the stub answers with instead of handling the next AssumeRoleWithWebIdentity. */
export interface StubFault {
  code: string;
  message: string;
  status?: number;
}

export interface StubCall {
  action: string;
  params: Record<string, string>;
  /** The Authorization header (absent for an unsigned call). */
  authorization?: string;
  userAgent?: string;
}

export interface IssuedSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  sessionName: string;
  expiration: Date;
}

export interface StsStub {
  /** The value for AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_STS. */
  url: string;
  calls: StubCall[];
  sessions: IssuedSession[];
  /** Answered, in order, by the next AssumeRoleWithWebIdentity calls. */
  faults: StubFault[];
  count(action: string): number;
  close(): Promise<void>;
}

export interface StsStubOptions {
  trust: StubTrust[];
  /** GetCallerIdentity answers with this account instead of the role's (a misconfigured endpoint). */
  callerAccountOverride?: string;
  /** Epoch ms for credential expiry (default Date.now). */
  now?: () => number;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function globMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(value);
}

interface Reply {
  status: number;
  body: string;
}

function xmlError(status: number, code: string, message: string): Reply {
  return {
    status,
    body:
      `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${escapeXml(code)}</Code>` +
      `<Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  };
}

function xmlResult(action: string, body: string): Reply {
  return {
    status: 200,
    body:
      `<${action}Response xmlns="${XMLNS}"><${action}Result>${body}</${action}Result>` +
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

const roleAccount = (roleArn: string) => /^arn:aws:iam::(\d{12}):/.exec(roleArn)?.[1] ?? '000000000000';
const roleName = (roleArn: string) =>
  roleArn
    .slice(roleArn.indexOf(':role/') + ':role/'.length)
    .split('/')
    .pop()!;

/**
 * STS on 127.0.0.1 speaking the Query protocol (form POST in, XML out) for
 * AssumeRoleWithWebIdentity (checked against `trust` like a role trust
 * policy would) and GetCallerIdentity (identifies the caller by the access
 * key in the SigV4 Authorization header). Every call is recorded.
 */
export async function startStsStub(options: StsStubOptions): Promise<StsStub> {
  const now = options.now ?? Date.now;
  const calls: StubCall[] = [];
  const sessions: IssuedSession[] = [];
  const faults: StubFault[] = [];

  function assumeRoleWithWebIdentity(params: Record<string, string>): Reply {
    const fault = faults.shift();
    if (fault) return xmlError(fault.status ?? 400, fault.code, fault.message);
    const trust = options.trust.find((rule) => rule.roleArn === params.RoleArn);
    const claims = decodeJwtPayload(params.WebIdentityToken ?? '');
    // STS's order and wording (see packages/emulator/src/sts/index.ts for the sources): a token that is
    // not a JWT, then an audience the account's OIDC provider does not list (its client IDs: the
    // audiences the trust rules name), then the role's trust policy (`sub` and `aud` conditions).
    if (!claims) {
      return xmlError(
        400,
        'InvalidIdentityToken',
        'The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)',
      );
    }
    const sub = String(claims.sub ?? '');
    const audiences = Array.isArray(claims.aud) ? claims.aud.map(String) : [String(claims.aud ?? '')];
    const providerAudiences = new Set(options.trust.map((rule) => rule.audience ?? 'sts.amazonaws.com'));
    if (!audiences.some((aud) => providerAudiences.has(aud))) {
      return xmlError(400, 'InvalidIdentityToken', 'Incorrect token audience');
    }
    if (
      !trust?.subjects.some((pattern) => globMatch(pattern, sub)) ||
      !audiences.includes(trust.audience ?? 'sts.amazonaws.com')
    ) {
      return xmlError(403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
    }
    const duration = Number(params.DurationSeconds ?? 3600);
    if (duration > (trust.maxSessionDurationSeconds ?? 3600)) {
      return xmlError(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    const session: IssuedSession = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64url'),
      sessionToken: `FwoGZXIvYXdzE${randomBytes(48).toString('base64url')}`,
      roleArn: trust.roleArn,
      sessionName: params.RoleSessionName ?? '',
      expiration: new Date(Math.floor(now() / 1000) * 1000 + duration * 1000),
    };
    sessions.push(session);
    const account = roleAccount(trust.roleArn);
    return xmlResult(
      'AssumeRoleWithWebIdentity',
      `<SubjectFromWebIdentityToken>${escapeXml(sub)}</SubjectFromWebIdentityToken>` +
        `<Audience>${escapeXml(audiences[0])}</Audience>` +
        `<AssumedRoleUser><Arn>arn:aws:sts::${account}:assumed-role/${escapeXml(roleName(trust.roleArn))}/${escapeXml(session.sessionName)}</Arn>` +
        `<AssumedRoleId>AROA${account}:${escapeXml(session.sessionName)}</AssumedRoleId></AssumedRoleUser>` +
        `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${session.secretAccessKey}</SecretAccessKey>` +
        `<SessionToken>${session.sessionToken}</SessionToken><Expiration>${session.expiration.toISOString()}</Expiration></Credentials>` +
        `<Provider>arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com</Provider>`,
    );
  }

  function getCallerIdentity(authorization: string | undefined): Reply {
    const accessKeyId = /Credential=([A-Z0-9]+)\//.exec(authorization ?? '')?.[1];
    const session = sessions.find((candidate) => candidate.accessKeyId === accessKeyId);
    if (!session)
      return xmlError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    const account = options.callerAccountOverride ?? roleAccount(session.roleArn);
    return xmlResult(
      'GetCallerIdentity',
      `<Arn>arn:aws:sts::${account}:assumed-role/${escapeXml(roleName(session.roleArn))}/${escapeXml(session.sessionName)}</Arn>` +
        `<UserId>AROA${account}:${escapeXml(session.sessionName)}</UserId><Account>${account}</Account>`,
    );
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      const action = params.Action ?? '';
      calls.push({
        action,
        params,
        authorization: request.headers.authorization,
        userAgent:
          `${request.headers['user-agent'] ?? ''} ${request.headers['x-amz-user-agent'] ?? ''}`.trim(),
      });
      const reply =
        request.method !== 'POST'
          ? xmlError(400, 'InvalidAction', 'STS takes form POSTs.')
          : action === 'AssumeRoleWithWebIdentity'
            ? assumeRoleWithWebIdentity(params)
            : action === 'GetCallerIdentity'
              ? getCallerIdentity(request.headers.authorization)
              : xmlError(400, 'InvalidAction', `Could not find operation ${action}`);
      response.statusCode = reply.status;
      response.setHeader('content-type', 'text/xml');
      response.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    sessions,
    faults,
    count: (action) => calls.filter((call) => call.action === action).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
