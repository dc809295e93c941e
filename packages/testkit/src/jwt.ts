/**
 * Unsigned JWTs (`alg: none`) with the claims GitHub puts in its OIDC ID tokens
 * (docs.github.com, "OpenID Connect reference"). The encoder is the emulator's, the one
 * its STS reads, so tests and the fake OIDC endpoint hand STS the same kind of token.
 */
import { makeUnsignedJwt } from '@berth/emulator';

export interface GithubClaims {
  sub: string;
  aud: string | string[];
  repository: string;
  [claim: string]: unknown;
}

export function githubClaims(overrides: Partial<GithubClaims> = {}): GithubClaims {
  return {
    iss: 'https://token.actions.githubusercontent.com',
    sub: 'repo:acme/shop:ref:refs/heads/main',
    aud: 'sts.amazonaws.com',
    repository: 'acme/shop',
    repository_owner: 'acme',
    ref: 'refs/heads/main',
    run_id: '4242',
    iat: 1_700_000_000,
    exp: 1_700_000_300,
    ...overrides,
  };
}

export function unsignedJwt(claims: Record<string, unknown>): string {
  return makeUnsignedJwt(claims);
}
