import { GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import type { EcrClientLike } from '@berth/shared/ecr-retag';
import { ConfigurationError, isAccessDenied, wrapError } from '@berth/shared/errors';
import type { BuilderName, Invocation } from './builders/types.js';
import { type Exec, tail } from './exec.js';

export interface RegistryCredentials {
  username: string;
  password: string;
  expiresAt?: Date;
}

/**
 * ECR registry credentials from GetAuthorizationToken. `mask` is called with
 * the token and the password before this function returns anything, so no
 * later log line can show them.
 */
export async function ecrCredentials(
  ecr: EcrClientLike,
  mask: (secret: string) => void,
): Promise<RegistryCredentials> {
  let data: { authorizationToken?: string; expiresAt?: Date } | undefined;
  try {
    const response = await ecr.send(new GetAuthorizationTokenCommand({}));
    data = response.authorizationData?.[0];
  } catch (error) {
    throw wrapError(
      'get an ECR login token (GetAuthorizationToken)',
      error,
      isAccessDenied(error)
        ? 'Allow `ecr:GetAuthorizationToken` (resource `*`) for the role this step uses.'
        : undefined,
    );
  }
  if (!data?.authorizationToken) throw new Error('GetAuthorizationToken returned no token.');
  mask(data.authorizationToken);
  const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new Error('GetAuthorizationToken returned a token that is not `user:password`.');
  const password = decoded.slice(colon + 1);
  mask(password);
  return { username: decoded.slice(0, colon), password, expiresAt: data.expiresAt };
}

function tlsArgs(builder: BuilderName, insecure: boolean): string[] {
  return insecure && builder !== 'docker' ? ['--tls-verify=false'] : [];
}

/** `<builder> login --username AWS --password-stdin <registry>`; the password goes to stdin, never argv. */
export function loginInvocation(
  builder: BuilderName,
  registry: string,
  username: string,
  insecure: boolean,
): Invocation {
  return {
    command: builder,
    args: ['login', '--username', username, '--password-stdin', ...tlsArgs(builder, insecure), registry],
  };
}

export function logoutInvocation(builder: BuilderName, registry: string): Invocation {
  return { command: builder, args: ['logout', registry] };
}

export async function registryLogin(
  exec: Exec,
  builder: BuilderName,
  registry: string,
  credentials: RegistryCredentials,
  insecure: boolean,
): Promise<void> {
  const step = loginInvocation(builder, registry, credentials.username, insecure);
  const result = await exec(step.command, step.args, { input: credentials.password, silent: true });
  if (result.exitCode !== 0) {
    throw new ConfigurationError(
      `Could not log in to ${registry} with ${builder}: ${tail(result)}. Check that \`registry\` names the registry of \`aws-region\` (or the account you can push to).`,
    );
  }
}

/** Best effort: a failed logout is reported, never fatal. */
export async function registryLogout(
  exec: Exec,
  builder: BuilderName,
  registry: string,
): Promise<string | undefined> {
  const step = logoutInvocation(builder, registry);
  const result = await exec(step.command, step.args, { silent: true });
  return result.exitCode === 0 ? undefined : tail(result, 2);
}
