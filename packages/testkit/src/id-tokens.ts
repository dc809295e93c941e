/**
 * The job's OIDC ID token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN), served by the
 * harness on 127.0.0.1 the way the Actions runtime serves it: a GET with the job's request
 * token as a bearer, `audience` in the query, answered `{"value":"<jwt>"}`. The JWT is
 * unsigned (`alg: none`), which the emulator's STS accepts; its claims are the ones GitHub
 * documents (docs.github.com "OpenID Connect reference"), including job_workflow_ref/sha.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeUnsignedJwt } from '@berth/emulator';

export interface IdTokenIssuer {
  /** Registers a job's claims; returns the env the job's steps get. */
  forJob(claims: Record<string, string>): { url: string; requestToken: string };
  /** Every token issued: audience, claims and the token itself (tests assert them, and that none is printed). */
  issued: Array<{ audience: string; claims: Record<string, string>; token: string }>;
  /** Every request: the audience asked for and whether its bearer was a job's request token. */
  requests: Array<{ audience: string | undefined; authorized: boolean }>;
  stop(): Promise<void>;
}

export async function startIdTokenIssuer(now: () => number = Date.now): Promise<IdTokenIssuer> {
  const jobs = new Map<string, Record<string, string>>();
  const issued: IdTokenIssuer['issued'] = [];
  const requests: IdTokenIssuer['requests'] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const bearer = /^bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const claims = bearer ? jobs.get(bearer) : undefined;
    requests.push({
      audience: url.searchParams.get('audience') ?? undefined,
      authorized: claims !== undefined,
    });
    if (request.method !== 'GET' || url.pathname !== '/token' || !claims) {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end('{"message":"Bad credentials"}');
      return;
    }
    const audience = url.searchParams.get('audience') ?? 'https://github.com/' + claims.repository_owner;
    const issuedAt = Math.floor(now() / 1000);
    const token = makeUnsignedJwt({
      iss: 'https://token.actions.githubusercontent.com',
      aud: audience,
      ...claims,
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + 300,
    });
    issued.push({ audience, claims, token });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ value: token }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    forJob(claims) {
      const requestToken = randomUUID();
      jobs.set(requestToken, claims);
      // The runtime's URL already has a query; callers append `&audience=…`.
      return { url: `http://127.0.0.1:${port}/token?api-version=2.0`, requestToken };
    },
    issued,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
