import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { parseEcrRegistry } from '@berth/shared/ecr-image';
import { ConfigurationError, wrapError } from '@berth/shared/errors';

/**
 * Loopback registries (127.0.0.0/8, localhost, ::1) are spoken to over plain
 * HTTP: they exist for tests and local mirrors, and Docker treats them the
 * same way. Every other registry needs TLS.
 */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[')
    ? registry.slice(1, registry.indexOf(']'))
    : registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `<account>.dkr.ecr.<region>.amazonaws.com` (`.com.cn` in China regions). */
export function defaultRegistryHost(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** The ECR registry id (account) for API calls: the host's account for ECR hosts, the caller's own otherwise. */
export function registryIdOf(registry: string): string | undefined {
  return parseEcrRegistry(registry)?.accountId;
}

/** An ECR host in another region than the API calls go to cannot work; say so before anything happens. */
export function checkRegistryRegion(registry: string, region: string): void {
  const ecr = parseEcrRegistry(registry);
  if (ecr && ecr.region !== region) {
    throw new ConfigurationError(
      `Input \`registry\` (${registry}) is in ${ecr.region} but the ECR API calls go to ${region}. Set \`aws-region: ${ecr.region}\`, or push to the registry of ${region}.`,
    );
  }
}

/** The registry input, else the caller's own private registry (GetCallerIdentity + region). */
export async function resolveRegistry(
  input: string | undefined,
  sts: Pick<STSClient, 'send'>,
  region: string,
): Promise<string> {
  if (input) return input;
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Account) throw new Error('GetCallerIdentity returned no account');
    return defaultRegistryHost(identity.Account, region);
  } catch (error) {
    throw wrapError(
      'find your AWS account for the default registry (GetCallerIdentity)',
      error,
      'Give the step AWS credentials (`role-to-assume`, or an earlier aws-auth step), or set `registry` explicitly.',
    );
  }
}
