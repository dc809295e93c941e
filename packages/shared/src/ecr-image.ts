import type { ECRClient } from '@aws-sdk/client-ecr';
import { awsErrorName, ConfigurationError, errorMessage, isAccessDenied, wrapError } from './errors.js';

/**
 * Container image references as Docker and ECS read them
 * (`[registry/]repository[:tag][@digest]`), following the grammar of
 * distribution/reference, and the ECR helpers that pin a tag to its digest.
 */
export interface ImageReference {
  /** `host[:port]` when the reference names one; undefined means Docker Hub. */
  registry?: string;
  /** The path after the registry, e.g. `shop/web` or `library/nginx` as written (`nginx`). */
  repository: string;
  tag?: string;
  /** `algorithm:hex`, e.g. `sha256:…`. */
  digest?: string;
}

/** Why a string is not an image reference; `reason` completes "… is not a valid image reference: <reason>". */
export class InvalidImageReferenceError extends Error {
  override name = 'InvalidImageReferenceError';
  constructor(
    readonly reference: string,
    readonly reason: string,
  ) {
    super(`${JSON.stringify(reference)} is not a valid image reference: ${reason}`);
  }
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const MAX_NAME_LENGTH = 255;

/** A fragment that looks like another tool's placeholder (`${X}`, `{{ x }}`, `<x>`, `$$$X$$$`), if any. */
export function findPlaceholder(text: string): string | undefined {
  return /\$\{[^}]*\}|\{\{[^}]*\}\}|<[^>]*>|\$\$\$[A-Za-z0-9_]+\$\$\$/.exec(text)?.[0];
}

function invalidHost(host: string): boolean {
  let hostname = host;
  const ipv6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(host);
  if (ipv6) return false;
  const port = /^(.*):(\d+)$/.exec(host);
  if (port) {
    hostname = port[1];
    if (Number(port[2]) > 65535) return true;
  }
  return hostname === '' || !hostname.split('.').every((part) => DOMAIN_COMPONENT.test(part));
}

/**
 * Parses `[registry/]repository[:tag][@digest]`. Throws InvalidImageReferenceError
 * with a reason a user can act on (placeholders left unfilled are called out).
 */
export function parseImageReference(text: string): ImageReference {
  const fail = (reason: string): never => {
    throw new InvalidImageReferenceError(text, reason);
  };
  if (text === '') fail('it is empty');
  const placeholder = findPlaceholder(text);
  if (placeholder)
    fail(`it contains \`${placeholder}\`, which looks like a placeholder that was never filled`);
  if (/\s/.test(text)) fail('it contains whitespace');
  const at = text.split('@');
  if (at.length > 2) fail('it contains more than one `@`');
  const [nameAndTag, digest] = at as [string, string | undefined];
  if (digest !== undefined && !DIGEST.test(digest)) {
    fail(`\`${digest}\` is not a digest (expected \`sha256:\` followed by 64 hexadecimal digits)`);
  }
  if (digest?.startsWith('sha256:') && digest.length !== 'sha256:'.length + 64) {
    fail(`\`${digest}\` is not a digest (a sha256 digest has exactly 64 hexadecimal digits)`);
  }

  let name = nameAndTag;
  let tag: string | undefined;
  const lastColon = nameAndTag.lastIndexOf(':');
  if (lastColon > nameAndTag.lastIndexOf('/')) {
    name = nameAndTag.slice(0, lastColon);
    tag = nameAndTag.slice(lastColon + 1);
    if (!TAG.test(tag)) {
      fail(
        `\`${tag}\` is not a valid tag (letters, digits, \`_\`, \`.\` and \`-\`, at most 128, not starting with \`.\` or \`-\`)`,
      );
    }
  }
  if (name === '') fail('the repository name is missing');
  if (name.length > MAX_NAME_LENGTH) fail(`the name is longer than ${MAX_NAME_LENGTH} characters`);

  let registry: string | undefined;
  let repository = name;
  const slash = name.indexOf('/');
  if (slash !== -1) {
    const first = name.slice(0, slash);
    if (
      first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first !== first.toLowerCase()
    ) {
      registry = first;
      repository = name.slice(slash + 1);
      if (invalidHost(registry)) fail(`\`${registry}\` is not a valid registry host`);
    }
  }
  if (repository === '') fail('the repository name is missing');
  for (const component of repository.split('/')) {
    if (PATH_COMPONENT.test(component)) continue;
    if (PATH_COMPONENT.test(component.toLowerCase()))
      fail(`the repository \`${repository}\` must be lowercase`);
    fail(
      component === ''
        ? `the repository \`${repository}\` has an empty path component`
        : `\`${component}\` is not a valid repository name component (lowercase letters and digits, separated by \`.\`, \`_\`, \`__\` or \`-\`)`,
    );
  }
  return { registry, repository, tag, digest };
}

/** The reference as text; the inverse of parseImageReference. */
export function formatImageReference(reference: ImageReference): string {
  const name = reference.registry ? `${reference.registry}/${reference.repository}` : reference.repository;
  return `${name}${reference.tag !== undefined ? `:${reference.tag}` : ''}${reference.digest ? `@${reference.digest}` : ''}`;
}

/** A private ECR registry host, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
export interface EcrRegistry {
  host: string;
  accountId: string;
  region: string;
  /** `dkr.ecr-fips.` hosts; the API calls then go to the FIPS endpoint too. */
  fips: boolean;
  /** `dkr-ecr.<region>.on.aws` (IPv4 + IPv6) hosts. */
  dualStack: boolean;
  /** ARN partition: aws, aws-cn, aws-us-gov. */
  partition: string;
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr(-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(\.cn)?$/;
const ECR_DUAL_STACK_HOST = /^(\d{12})\.dkr-ecr(-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.on\.aws$/;

/** Recognises private ECR hosts (standard, FIPS, China, dual-stack); undefined for any other registry. */
export function parseEcrRegistry(host: string | undefined): EcrRegistry | undefined {
  if (!host) return undefined;
  const lower = host.toLowerCase();
  const standard = ECR_HOST.exec(lower);
  const dual = standard ? undefined : ECR_DUAL_STACK_HOST.exec(lower);
  const match = standard ?? dual;
  if (!match) return undefined;
  const region = match[3];
  let partition = 'aws';
  if (standard?.[4] === '.cn' || region.startsWith('cn-')) partition = 'aws-cn';
  else if (region.startsWith('us-gov-')) partition = 'aws-us-gov';
  return {
    host: lower,
    accountId: match[1],
    region,
    fips: match[2] !== undefined,
    dualStack: !!dual,
    partition,
  };
}

/** The digest-pinned form: `registry/repository@sha256:…` (the tag is dropped, the digest is what runs). */
export function pinnedReference(reference: ImageReference, digest: string): string {
  return formatImageReference({ registry: reference.registry, repository: reference.repository, digest });
}

/** The ECR repository ARN, for IAM advice. */
export function ecrRepositoryArn(registry: EcrRegistry, repository: string): string {
  return `arn:${registry.partition}:ecr:${registry.region}:${registry.accountId}:repository/${repository}`;
}

/** Why an ECR lookup failed in a way the user can fix. */
export type EcrLookupFailure = 'image-not-found' | 'repository-not-found' | 'access-denied';

/** A ConfigurationError from resolving a tag, with the kind of failure for callers that treat them differently. */
export class EcrLookupError extends ConfigurationError {
  override name = 'EcrLookupError';
  constructor(
    message: string,
    readonly kind: EcrLookupFailure,
  ) {
    super(message);
  }
}

/** The minimal client surface DescribeImages needs (an ECRClient, or a fake in tests). */
export type EcrSender = Pick<ECRClient, 'send'>;

export interface ResolveDigestOptions {
  /** The ECR client for the registry's region. */
  client: EcrSender;
  registry: EcrRegistry;
  repository: string;
  tag: string;
}

/**
 * The digest an ECR tag points at now (DescribeImages). A missing tag or
 * repository and a denied call are ConfigurationErrors that say what to fix.
 */
export async function resolveEcrDigest(options: ResolveDigestOptions): Promise<string> {
  const { client, registry, repository, tag } = options;
  const image = `${registry.host}/${repository}:${tag}`;
  let digest: string | undefined;
  // The command loads with the call: the parsers above are read while inputs are checked,
  // before the AWS SDK may load (issue 15, start-up).
  const { DescribeImagesCommand } = await import('@aws-sdk/client-ecr');
  try {
    const response = await client.send(
      new DescribeImagesCommand({
        registryId: registry.accountId,
        repositoryName: repository,
        imageIds: [{ imageTag: tag }],
      }),
    );
    digest = response.imageDetails?.find((detail) => detail.imageDigest)?.imageDigest;
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'ImageNotFoundException') {
      throw new EcrLookupError(
        `Image \`${image}\` not found: repository \`${repository}\` in registry ${registry.accountId} (${registry.region}) has no tag \`${tag}\`. Push the image first, or check the tag.`,
        'image-not-found',
      );
    }
    if (name === 'RepositoryNotFoundException') {
      throw new EcrLookupError(
        `Image \`${image}\` not found: registry ${registry.accountId} (${registry.region}) has no repository \`${repository}\`. Check the repository name and the account in the image host.`,
        'repository-not-found',
      );
    }
    if (name === 'CredentialsProviderError') {
      throw new ConfigurationError(
        `Could not resolve \`${image}\` to a digest: no AWS credentials (${errorMessage(error)}). Set \`role-to-assume\` (and \`permissions: id-token: write\` in the job), run an auth step first, or set \`pin-digest: false\` to keep the tag.`,
      );
    }
    if (isAccessDenied(error)) {
      throw new EcrLookupError(
        `Could not resolve \`${image}\` to a digest: ${errorMessage(error)} Allow \`ecr:DescribeImages\` on ${ecrRepositoryArn(registry, repository)} for the role this step uses, or set \`pin-digest: false\` to keep the tag.`,
        'access-denied',
      );
    }
    throw wrapError(`resolve \`${image}\` to a digest`, error);
  }
  if (!digest) {
    throw new EcrLookupError(
      `Image \`${image}\` not found: DescribeImages returned no image for tag \`${tag}\` in repository \`${repository}\`. Push the image first, or check the tag.`,
      'image-not-found',
    );
  }
  return digest;
}

export type PinStatus = 'pinned' | 'already-pinned' | 'not-ecr';

export interface PinResult {
  /** The reference to use: digest-pinned for ECR tags, otherwise as given. */
  image: string;
  status: PinStatus;
  digest?: string;
}

/**
 * Pins an ECR image given by tag to its digest. An image that already has a
 * digest (`repo@sha256:…`, `repo:tag@sha256:…`) stays as given, and so does
 * any image that is not in a private ECR registry (it cannot be resolved with
 * the ECR API). `clientFor` is only called when a lookup is needed.
 */
export async function pinImageDigest(
  image: string,
  clientFor: (registry: EcrRegistry) => EcrSender,
): Promise<PinResult> {
  const reference = parseImageReference(image);
  if (reference.digest) return { image, status: 'already-pinned', digest: reference.digest };
  const registry = parseEcrRegistry(reference.registry);
  if (!registry) return { image, status: 'not-ecr' };
  const digest = await resolveEcrDigest({
    client: clientFor(registry),
    registry,
    repository: reference.repository,
    tag: reference.tag ?? 'latest',
  });
  return { image: pinnedReference(reference, digest), status: 'pinned', digest };
}
