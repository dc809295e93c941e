/**
 * Amazon ECR (AWS JSON 1.1, target prefix AmazonEC2ContainerRegistry_V20150921):
 * repositories, images, tag mutability, scans and authorization tokens.
 * API reference: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/Welcome.html
 *
 * Images live in memory, or, with a backing registry, are mirrored from a
 * real OCI registry before every request so that images pushed with
 * buildah/docker show up here; PutImage and BatchDeleteImage write through.
 */
import { derivedRandom, randomString } from '../clock.js';
import { globMatch } from '../scenario.js';
import {
  AwsError,
  type ImageCatalog,
  type Scenario,
  type ScenarioImage,
  type ScenarioRepository,
  type ScenarioScanResult,
  type ServiceModule,
  type World,
} from '../world.js';
import { generateManifest, manifestDigest, manifestFacts } from './manifest.js';
import { RegistryClient, RegistryError } from './registry.js';
import {
  checkReplicationConfiguration,
  DEFAULT_REPLICATION_SECONDS,
  destinationsFor,
  type Replica,
  type ReplicationConfiguration,
  type ReplicationDestination,
  type ReplicationStatus,
} from './replication.js';
import {
  DEFAULT_SCAN_SECONDS,
  hasFindings,
  normalizeBasicFinding,
  normalizeEnhancedFinding,
  type ScanState,
  type ScanType,
  scanStatusAt,
  severityCounts,
  startScan,
} from './scan.js';

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921';

type Mutability = NonNullable<ScenarioRepository['imageTagMutability']>;
type ExclusionFilter = { filterType: 'WILDCARD'; filter: string };

/** What a scan of an image finds, decided when the image appears. */
interface ScanPlan {
  findings?: Array<Record<string, unknown>>;
  enhancedFindings?: Array<Record<string, unknown>>;
  status?: string;
  description?: string;
  seconds?: number;
}

interface Image {
  digest: string;
  /** Manifest text exactly as pushed. */
  manifest: string;
  mediaType: string;
  artifactMediaType?: string;
  sizeBytes: number;
  pushedAt: number;
  lastRecordedPullTime?: number;
  /** Tags in the order they were attached. */
  tags: string[];
  /** `registry`: mirrored from (and written to) the backing registry. */
  origin: 'memory' | 'registry';
  plan: ScanPlan;
  scan?: ScanState;
  /** One entry per replication destination, from the push on (DescribeImageReplicationStatus). */
  replication?: ReplicationStatus[];
}

interface Repository {
  name: string;
  createdAt: number;
  mutability: Mutability;
  exclusionFilters: ExclusionFilter[];
  scanOnPush: boolean;
  scanType: ScanType;
  scanResults: ScenarioScanResult[];
  resourceTags: Array<{ Key: string; Value: string }>;
  images: Map<string, Image>;
  tagIndex: Map<string, string>;
  /** Registry tags removed through the ECR API that the registry cannot untag (tag → digest it pointed at). */
  hiddenRegistryTags: Map<string, string>;
}

/** Hands a replicated image to the destination region's registry; a failure code when it cannot take it. */
export type ReplicaDelivery = (destination: ReplicationDestination, replica: Replica) => string | undefined;

export interface EcrOptions {
  seed: number;
  /** URL of a backing OCI registry (`http://127.0.0.1:5000`). */
  registryUrl?: string;
  /** Where replicated images go (the server's region router); without it every copy fails. */
  replicate?: ReplicaDelivery;
}

export interface EcrModule extends ServiceModule {
  catalog: ImageCatalog;
  /** Mirrors the backing registry's tags into the in-memory view (no-op without one). */
  sync(): Promise<void>;
  /** Adds a scenario fragment's repositories and images without clearing anything. */
  seed(fragment: Scenario): void;
  registry?: RegistryClient;
  /** A replicated image arriving from another region's registry (its repository is created when missing). */
  receiveReplica(replica: Replica): void;
}

const REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[\w][\w.-]{0,299}$/;
const MUTABILITIES: Mutability[] = [
  'MUTABLE',
  'IMMUTABLE',
  'IMMUTABLE_WITH_EXCLUSION',
  'MUTABLE_WITH_EXCLUSION',
];
const DAY_MS = 86_400_000;

const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);

function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function pageOffset(token: string | undefined): number {
  if (!token) return 0;
  try {
    const offset = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')).o;
    if (Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw invalidParameter("Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid token'");
}

function maxResultsOf(value: unknown, fallback = 100, max = 1000): number {
  if (value === undefined || value === null) return fallback;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at 'maxResults' failed to satisfy constraint: Member must have value ${
        (value as number) < 1 ? 'greater than or equal to 1' : `less than or equal to ${max}`
      }`,
    );
  }
  return value as number;
}

function imageIdText(id: { imageDigest?: string; imageTag?: string }): string {
  return `{imageDigest:'${id.imageDigest ?? 'null'}', imageTag:'${id.imageTag ?? 'null'}'}`;
}

/** `host/repo[:tag][@sha256:…]` → parts; undefined without a registry host. */
export function parseImageReference(
  image: string,
): { host: string; repository: string; tag?: string; digest?: string } | undefined {
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const host = image.slice(0, slash);
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost') return undefined;
  let rest = image.slice(slash + 1);
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { host, repository: rest, tag, digest };
}

export function createEcr(world: World, options: EcrOptions): EcrModule {
  const repositories = new Map<string, Repository>();
  const registry = options.registryUrl ? new RegistryClient(options.registryUrl) : undefined;
  const ecrHost = `${world.accountId}.dkr.ecr.${world.region}.amazonaws.com`;
  const repositoryHost = registry?.host ?? ecrHost;
  let manifestRandom = derivedRandom(options.seed, 'ecr-manifests');
  const tokenRandom = derivedRandom(options.seed, 'ecr-tokens');
  let registryScanType: ScanType | undefined;

  const repositoryArn = (name: string) => `arn:aws:ecr:${world.region}:${world.accountId}:repository/${name}`;

  function repositoryNotFound(name: string, registryId: string): AwsError {
    return new AwsError(
      'RepositoryNotFoundException',
      `The repository with name '${name}' does not exist in the registry with id '${registryId}'`,
    );
  }

  function getRepository(input: { repositoryName?: string; registryId?: string }): Repository {
    const registryId = input.registryId ?? world.accountId;
    if (!input.repositoryName) {
      throw invalidParameter(
        "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must not be null'",
      );
    }
    const repository = registryId === world.accountId ? repositories.get(input.repositoryName) : undefined;
    if (!repository) throw repositoryNotFound(input.repositoryName, registryId);
    return repository;
  }

  function imageNotFound(repository: Repository, id: { imageDigest?: string; imageTag?: string }): AwsError {
    return new AwsError(
      'ImageNotFoundException',
      `The image with imageId ${imageIdText(id)} does not exist within the repository with name '${repository.name}' in the registry with id '${world.accountId}'`,
    );
  }

  /** The image an imageId names, or the BatchGetImage/BatchDeleteImage failure code and reason. */
  function lookup(
    repository: Repository,
    id: { imageDigest?: string; imageTag?: string } | undefined,
  ): Image | { failureCode: string; failureReason: string } {
    if (!id || (!id.imageDigest && !id.imageTag)) {
      return {
        failureCode: 'MissingDigestAndTag',
        failureReason: 'Invalid request parameters: image digest or image tag is required',
      };
    }
    if (id.imageDigest && !DIGEST.test(id.imageDigest)) {
      return { failureCode: 'InvalidImageDigest', failureReason: 'Invalid image digest' };
    }
    if (id.imageTag && !TAG.test(id.imageTag))
      return { failureCode: 'InvalidImageTag', failureReason: 'Invalid image tag' };
    const digest = id.imageDigest ?? repository.tagIndex.get(id.imageTag!);
    const image = digest ? repository.images.get(digest) : undefined;
    if (!image) return { failureCode: 'ImageNotFound', failureReason: 'Requested image not found' };
    if (id.imageTag && id.imageDigest && !image.tags.includes(id.imageTag)) {
      return {
        failureCode: 'ImageTagDoesNotMatchDigest',
        failureReason: 'Invalid image tag for image digest',
      };
    }
    return image;
  }

  function requireImage(
    repository: Repository,
    id: { imageDigest?: string; imageTag?: string } | undefined,
  ): Image {
    const found = lookup(repository, id);
    if ('failureCode' in found) {
      if (found.failureCode === 'MissingDigestAndTag') {
        throw invalidParameter(
          "Invalid parameter at 'imageId' failed to satisfy constraint: 'image digest or image tag is required'",
        );
      }
      throw imageNotFound(repository, id ?? {});
    }
    return found;
  }

  /** Whether PutImage may move `tag` to another image (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html). */
  function tagIsImmutable(repository: Repository, tag: string): boolean {
    const excluded = repository.exclusionFilters.some((filter) => globMatch(filter.filter, tag));
    switch (repository.mutability) {
      case 'IMMUTABLE':
        return true;
      case 'IMMUTABLE_WITH_EXCLUSION':
        return !excluded;
      case 'MUTABLE_WITH_EXCLUSION':
        return excluded;
      default:
        return false;
    }
  }

  function removeTag(repository: Repository, tag: string): void {
    const digest = repository.tagIndex.get(tag);
    if (!digest) return;
    repository.tagIndex.delete(tag);
    const image = repository.images.get(digest);
    if (image) image.tags = image.tags.filter((t) => t !== tag);
  }

  function setTag(repository: Repository, tag: string, digest: string): void {
    if (repository.tagIndex.get(tag) === digest) return;
    removeTag(repository, tag);
    repository.tagIndex.set(tag, digest);
    repository.images.get(digest)?.tags.push(tag);
  }

  function deleteImage(repository: Repository, image: Image): void {
    for (const tag of image.tags) repository.tagIndex.delete(tag);
    repository.images.delete(image.digest);
  }

  /** The scanResults entry of the repository matching an image being pushed. */
  function planFor(repository: Repository, digest: string, tags: string[]): ScanPlan {
    const match = repository.scanResults.find(
      (result) =>
        (result.digest !== undefined && result.digest === digest) ||
        (result.tags ?? []).some((glob) => tags.some((tag) => globMatch(glob, tag))),
    );
    if (!match) return {};
    return {
      findings: match.findings,
      enhancedFindings: match.enhancedFindings,
      status: match.scanStatus,
      description: match.scanStatusDescription,
      seconds: match.scanSeconds,
    };
  }

  function runScan(repository: Repository, image: Image, now: number, alreadyDone = false): void {
    const type = repository.scanType;
    const context = {
      accountId: world.accountId,
      region: world.region,
      repositoryName: repository.name,
      digest: image.digest,
      tags: image.tags,
      pushedAt: image.pushedAt,
      observedAt: now + (image.plan.seconds ?? DEFAULT_SCAN_SECONDS) * 1000,
    };
    image.scan = startScan({
      type,
      now,
      seconds: image.plan.seconds,
      status: image.plan.status,
      description: image.plan.description,
      alreadyDone,
      findings: (image.plan.findings ?? []).map(normalizeBasicFinding),
      enhancedFindings: (image.plan.enhancedFindings ?? []).map((finding, index) =>
        normalizeEnhancedFinding(finding, index, context),
      ),
    });
  }

  /** After a push: enhanced repositories scan every image, basic ones when scan-on-push is on; replication starts. */
  function scanOnPush(repository: Repository, image: Image): void {
    if (repository.scanType === 'ENHANCED' || repository.scanOnPush)
      runScan(repository, image, world.clock.now());
    replicateOnPush(repository, image);
  }

  // ---- replication (ecr/replication.ts has the rules) ----

  let replicationConfiguration: ReplicationConfiguration | undefined;

  /** A pushed image starts one copy per destination its repository matches, due after the scenario's delay. */
  function replicateOnPush(repository: Repository, image: Image): void {
    const destinations = destinationsFor(replicationConfiguration, repository.name);
    if (destinations.length === 0) return;
    const delayMs = (world.scenario.replication?.delaySeconds ?? DEFAULT_REPLICATION_SECONDS) * 1000;
    const dueAt = world.clock.now() + delayMs;
    image.replication = destinations.map((destination) => ({ ...destination, status: 'IN_PROGRESS', dueAt }));
  }

  /** Copies that are due arrive (or fail, when the scenario breaks replication). */
  function tick(now: number): void {
    for (const repository of repositories.values()) {
      for (const image of repository.images.values()) {
        for (const copy of image.replication ?? []) {
          if (copy.status !== 'IN_PROGRESS' || copy.dueAt > now) continue;
          const broken = world.scenario.replication?.failureCode;
          const failureCode =
            broken ??
            (options.replicate
              ? options.replicate(copy, {
                  repositoryName: repository.name,
                  manifest: image.manifest,
                  mediaType: image.mediaType,
                  tags: [...image.tags],
                })
              : 'DESTINATION_UNAVAILABLE');
          copy.status = failureCode ? 'FAILED' : 'COMPLETE';
          if (failureCode) copy.failureCode = failureCode;
        }
      }
    }
  }

  function receiveReplica(replica: Replica): void {
    const now = world.clock.now();
    const repository =
      repositories.get(replica.repositoryName) ?? addRepository({ name: replica.repositoryName }, now);
    const digest = manifestDigest(replica.manifest);
    if (!repository.images.has(digest)) {
      const facts = manifestFacts(replica.manifest, replica.mediaType);
      repository.images.set(digest, {
        digest,
        manifest: replica.manifest,
        mediaType: facts.mediaType,
        artifactMediaType: facts.artifactMediaType,
        sizeBytes: facts.sizeBytes,
        pushedAt: now,
        tags: [],
        origin: 'memory',
        plan: planFor(repository, digest, replica.tags),
      });
      const image = repository.images.get(digest)!;
      if (repository.scanType === 'ENHANCED' || repository.scanOnPush) runScan(repository, image, now);
    }
    // A tag the destination holds on another image stays there when it is immutable there.
    for (const tag of replica.tags) {
      const current = repository.tagIndex.get(tag);
      if (current && current !== digest && tagIsImmutable(repository, tag)) continue;
      setTag(repository, tag, digest);
    }
  }

  function addRepository(spec: ScenarioRepository, createdAt: number): Repository {
    const repository: Repository = {
      name: spec.name,
      createdAt: spec.createdAt ? Date.parse(spec.createdAt) : createdAt,
      mutability: spec.imageTagMutability ?? 'MUTABLE',
      exclusionFilters: spec.imageTagMutabilityExclusionFilters ?? [],
      scanOnPush: spec.scanOnPush ?? false,
      scanType: spec.scanType ?? 'BASIC',
      scanResults: spec.scanResults ?? [],
      resourceTags: [],
      images: new Map(),
      tagIndex: new Map(),
      hiddenRegistryTags: new Map(),
    };
    repositories.set(repository.name, repository);
    return repository;
  }

  function addScenarioImage(repository: Repository, spec: ScenarioImage, pushedAt: number): void {
    const manifest = spec.manifest ?? generateManifest(manifestRandom, spec.sizeBytes);
    const digest = spec.digest ?? manifestDigest(manifest);
    const facts = manifestFacts(manifest, spec.manifestMediaType);
    const image: Image = {
      digest,
      manifest,
      mediaType: facts.mediaType,
      artifactMediaType: facts.artifactMediaType,
      sizeBytes: spec.sizeBytes ?? facts.sizeBytes,
      pushedAt: spec.pushedAt ? Date.parse(spec.pushedAt) : pushedAt,
      tags: [],
      origin: 'memory',
      plan: {},
    };
    const existing = repository.images.get(digest);
    const target = existing ?? image;
    if (!existing) repository.images.set(digest, image);
    for (const tag of spec.tags ?? []) setTag(repository, tag, digest);
    const declared = spec.findings || spec.enhancedFindings || spec.scanStatus;
    target.plan = declared
      ? {
          findings: spec.findings,
          enhancedFindings: spec.enhancedFindings,
          status: spec.scanStatus,
          description: spec.scanStatusDescription,
          seconds: spec.scanSeconds,
        }
      : planFor(repository, digest, target.tags);
    // A scenario image was scanned before the emulator started, if scanning applies to it.
    if (declared || repository.scanType === 'ENHANCED' || repository.scanOnPush) {
      const scannedAt =
        spec.scanStatus === 'IN_PROGRESS' || spec.scanStatus === 'PENDING'
          ? world.clock.now()
          : target.pushedAt;
      runScan(repository, target, scannedAt, true);
    }
  }

  function seed(fragment: Scenario): void {
    const now = world.clock.now();
    if (fragment.replication) replicationConfiguration = { rules: fragment.replication.rules };
    for (const spec of fragment.repositories ?? []) {
      let repository = repositories.get(spec.name);
      if (!repository) repository = addRepository(spec, now);
      else {
        if (spec.imageTagMutability) repository.mutability = spec.imageTagMutability;
        if (spec.imageTagMutabilityExclusionFilters)
          repository.exclusionFilters = spec.imageTagMutabilityExclusionFilters;
        if (spec.scanOnPush !== undefined) repository.scanOnPush = spec.scanOnPush;
        if (spec.scanType) repository.scanType = spec.scanType;
        if (spec.scanResults) repository.scanResults = [...spec.scanResults, ...repository.scanResults];
      }
      const images = spec.images ?? [];
      // Scenario images without pushedAt were pushed a day apart, the last one a day before the start.
      for (const [index, image] of images.entries()) {
        addScenarioImage(repository, image, now - (images.length - index) * DAY_MS);
      }
    }
  }

  function load(scenario: Scenario): void {
    repositories.clear();
    registryScanType = undefined;
    replicationConfiguration = scenario.replication ? { rules: scenario.replication.rules } : undefined;
    manifestRandom = derivedRandom(options.seed, 'ecr-manifests');
    seed(scenario);
  }

  // ---- backing registry mirror ----

  let syncing: Promise<void> = Promise.resolve();

  async function syncRepository(repository: Repository): Promise<void> {
    if (!registry) return;
    const tags = await registry.tags(repository.name);
    const heads = await Promise.all(
      tags.map(async (tag) => [tag, await registry.head(repository.name, tag)] as const),
    );
    const current = new Map<string, string>();
    for (const [tag, head] of heads) {
      if (!head) continue;
      if (repository.hiddenRegistryTags.get(tag) === head.digest) continue;
      repository.hiddenRegistryTags.delete(tag);
      current.set(tag, head.digest);
    }
    for (const image of repository.images.values()) {
      if (image.origin !== 'registry') continue;
      for (const tag of [...image.tags]) if (current.get(tag) !== image.digest) removeTag(repository, tag);
    }
    for (const [tag, digest] of current) {
      if (!repository.images.has(digest)) {
        const fetched = await registry.get(repository.name, digest);
        if (!fetched) continue;
        const manifest = fetched.body.toString('utf8');
        const facts = manifestFacts(manifest, fetched.mediaType || undefined);
        const image: Image = {
          digest,
          manifest,
          mediaType: facts.mediaType,
          artifactMediaType: facts.artifactMediaType,
          sizeBytes: facts.sizeBytes,
          pushedAt: world.clock.now(),
          tags: [],
          origin: 'registry',
          plan: planFor(repository, digest, [tag]),
        };
        repository.images.set(digest, image);
        setTag(repository, tag, digest);
        scanOnPush(repository, image);
        continue;
      }
      setTag(repository, tag, digest);
    }
  }

  function sync(): Promise<void> {
    if (!registry) return Promise.resolve();
    const run = syncing.then(async () => {
      for (const repository of repositories.values()) await syncRepository(repository);
    });
    syncing = run.catch(() => undefined);
    return run.catch((error) => {
      throw new AwsError(
        'ServerException',
        `The backing registry ${registry.baseUrl} failed: ${(error as Error).message}`,
        500,
      );
    });
  }

  // ---- shapes ----

  function repositoryShape(repository: Repository) {
    return {
      repositoryArn: repositoryArn(repository.name),
      registryId: world.accountId,
      repositoryName: repository.name,
      repositoryUri: `${repositoryHost}/${repository.name}`,
      createdAt: new Date(repository.createdAt),
      imageTagMutability: repository.mutability,
      imageTagMutabilityExclusionFilters: repository.exclusionFilters.length
        ? repository.exclusionFilters
        : undefined,
      imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
      encryptionConfiguration: { encryptionType: 'AES256' },
    };
  }

  function findingsSummary(scan: ScanState, now: number) {
    if (!hasFindings(scan, now)) return undefined;
    const list = scan.type === 'ENHANCED' ? scan.enhancedFindings : scan.findings;
    return {
      findingSeverityCounts: severityCounts(list),
      imageScanCompletedAt: new Date(scan.readyAt),
      vulnerabilitySourceUpdatedAt: new Date(scan.readyAt - 3_600_000),
    };
  }

  function imageDetail(repository: Repository, image: Image) {
    const now = world.clock.now();
    return {
      registryId: world.accountId,
      repositoryName: repository.name,
      imageDigest: image.digest,
      imageTags: image.tags.length ? [...image.tags] : undefined,
      imageSizeInBytes: image.sizeBytes,
      imagePushedAt: new Date(image.pushedAt),
      imageScanStatus: image.scan ? scanStatusAt(image.scan, now) : undefined,
      imageScanFindingsSummary: image.scan ? findingsSummary(image.scan, now) : undefined,
      imageManifestMediaType: image.mediaType,
      artifactMediaType: image.artifactMediaType,
      lastRecordedPullTime: image.lastRecordedPullTime ? new Date(image.lastRecordedPullTime) : undefined,
      imageStatus: 'ACTIVE',
    };
  }

  function sortedImages(repository: Repository, tagStatus: string | undefined): Image[] {
    const status = tagStatus ?? 'ANY';
    if (!['TAGGED', 'UNTAGGED', 'ANY'].includes(status)) {
      throw invalidParameter(
        `Invalid parameter at 'filter.tagStatus' failed to satisfy constraint: 'Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]'`,
      );
    }
    return [...repository.images.values()]
      .filter((image) => status === 'ANY' || (status === 'TAGGED') === image.tags.length > 0)
      .sort((a, b) => a.pushedAt - b.pushedAt || (a.digest < b.digest ? -1 : 1));
  }

  // ---- operations ----

  function validateMutability(mutability: unknown, filters: unknown): void {
    if (mutability !== undefined && !MUTABILITIES.includes(mutability as Mutability)) {
      throw invalidParameter(
        `Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [${MUTABILITIES.join(', ')}]'`,
      );
    }
    const withExclusion = typeof mutability === 'string' && mutability.endsWith('_WITH_EXCLUSION');
    const list = (filters ?? []) as ExclusionFilter[];
    if (list.length > 0 && !withExclusion) {
      throw invalidParameter(
        'Image tag mutability exclusion filters can only be specified with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION',
      );
    }
    if (withExclusion && list.length === 0) {
      throw invalidParameter(`Image tag mutability exclusion filters are required with ${mutability}`);
    }
    for (const filter of list) {
      if (filter.filterType !== 'WILDCARD' || !/^[0-9a-zA-Z._*-]{1,128}$/.test(filter.filter ?? '')) {
        throw invalidParameter(`Invalid image tag mutability exclusion filter: ${JSON.stringify(filter)}`);
      }
    }
  }

  async function putImage(input: any) {
    const repository = getRepository(input);
    const manifest: string = input.imageManifest;
    if (typeof manifest !== 'string' || manifest.length === 0) {
      throw invalidParameter(
        "Invalid parameter at 'imageManifest' failed to satisfy constraint: 'must not be null'",
      );
    }
    let facts: ReturnType<typeof manifestFacts>;
    try {
      facts = manifestFacts(manifest, input.imageManifestMediaType);
    } catch {
      throw invalidParameter(
        "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
      );
    }
    const declared = (JSON.parse(manifest) as { mediaType?: unknown }).mediaType;
    if (
      input.imageManifestMediaType &&
      typeof declared === 'string' &&
      declared !== input.imageManifestMediaType
    ) {
      throw invalidParameter(
        `Invalid parameter at 'imageManifestMediaType' failed to satisfy constraint: 'Manifest media type ${declared} does not match ${input.imageManifestMediaType}'`,
      );
    }
    // The digest is the sha256 of the manifest bytes as sent (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutImage.html).
    const digest = manifestDigest(manifest);
    if (input.imageDigest && input.imageDigest !== digest) {
      throw new AwsError(
        'ImageDigestDoesNotMatchException',
        `The provided image digest '${input.imageDigest}' does not match the digest of the image manifest, '${digest}'`,
      );
    }
    const tag: string | undefined = input.imageTag;
    if (tag !== undefined && !TAG.test(tag)) {
      throw invalidParameter(
        `Invalid parameter at 'imageTag' failed to satisfy constraint: 'must satisfy regular expression '[a-zA-Z0-9-_.]+''`,
      );
    }
    const existing = repository.images.get(digest);
    const current = tag ? repository.tagIndex.get(tag) : undefined;
    // Nothing would change: same tag on the same manifest, or an untagged push of a known manifest.
    if ((tag && current === digest) || (!tag && existing)) {
      throw new AwsError(
        'ImageAlreadyExistsException',
        tag
          ? `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${repository.name}' in registry with id '${world.accountId}'`
          : `Image with digest '${digest}' already exists in the repository with name '${repository.name}' in registry with id '${world.accountId}'`,
      );
    }
    // The tag names another image and the repository (or its exclusion filters) keeps it where it is.
    if (tag && current && current !== digest && tagIsImmutable(repository, tag)) {
      throw new AwsError(
        'ImageTagAlreadyExistsException',
        `The image tag '${tag}' already exists in the '${repository.name}' repository and cannot be overwritten because the repository is immutable.`,
      );
    }

    const fake = [...repositories.values()].some((r) => r.images.get(digest)?.origin === 'memory');
    const origin: Image['origin'] = registry && !fake ? 'registry' : 'memory';
    if (origin === 'registry' && registry) {
      try {
        await registry.put(repository.name, tag ?? digest, Buffer.from(manifest, 'utf8'), facts.mediaType);
      } catch (error) {
        if (error instanceof RegistryError && /BLOB_UNKNOWN/.test(error.code)) {
          throw new AwsError(
            'LayersNotFoundException',
            'The specified layers could not be found, or the specified layer is not valid for this repository.',
          );
        }
        if (
          error instanceof RegistryError &&
          /MANIFEST_INVALID|MANIFEST_UNVERIFIED|UNSUPPORTED/.test(error.code)
        ) {
          throw invalidParameter(`Invalid parameter at 'imageManifest': ${error.message}`);
        }
        throw new AwsError(
          'ServerException',
          `The backing registry refused the manifest: ${(error as Error).message}`,
          500,
        );
      }
      if (tag) repository.hiddenRegistryTags.delete(tag);
    }

    let image = existing;
    if (!image) {
      image = {
        digest,
        manifest,
        mediaType: facts.mediaType,
        artifactMediaType: facts.artifactMediaType,
        sizeBytes: facts.sizeBytes,
        pushedAt: world.clock.now(),
        tags: [],
        origin,
        plan: planFor(repository, digest, tag ? [tag] : []),
      };
      repository.images.set(digest, image);
    }
    if (tag) setTag(repository, tag, digest);
    if (!existing) scanOnPush(repository, image);
    return {
      image: {
        registryId: world.accountId,
        repositoryName: repository.name,
        imageId: { imageDigest: digest, imageTag: tag },
        imageManifest: manifest,
        imageManifestMediaType: facts.mediaType,
      },
    };
  }

  async function batchDeleteImage(input: any) {
    const repository = getRepository(input);
    const imageIds: Array<{ imageDigest?: string; imageTag?: string }> = input.imageIds ?? [];
    if (imageIds.length === 0) {
      throw invalidParameter(
        "Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length greater than or equal to 1'",
      );
    }
    const deleted: Array<{ imageDigest: string; imageTag?: string }> = [];
    const failures: Array<{ imageId: unknown; failureCode: string; failureReason: string }> = [];
    for (const id of imageIds) {
      const found = lookup(repository, id);
      if ('failureCode' in found) {
        failures.push({ imageId: id, ...found });
        continue;
      }
      const image = found;
      const wholeImage = !id.imageTag || image.tags.length === 1;
      if (image.origin === 'registry' && registry) {
        if (wholeImage) await registry.delete(repository.name, image.digest).catch(() => false);
        else repository.hiddenRegistryTags.set(id.imageTag!, image.digest);
      }
      if (wholeImage) {
        const tags = id.imageTag ? [id.imageTag] : image.tags;
        if (tags.length === 0) deleted.push({ imageDigest: image.digest });
        for (const tag of tags) deleted.push({ imageDigest: image.digest, imageTag: tag });
        deleteImage(repository, image);
      } else {
        removeTag(repository, id.imageTag!);
        deleted.push({ imageDigest: image.digest, imageTag: id.imageTag });
      }
    }
    return { imageIds: deleted, failures };
  }

  function describeImageScanFindings(input: any) {
    const repository = getRepository(input);
    const image = requireImage(repository, input.imageId);
    const now = world.clock.now();
    const imageId = { imageDigest: image.digest, imageTag: input.imageId?.imageTag };
    if (!image.scan) {
      throw new AwsError(
        'ScanNotFoundException',
        `Image scan does not exist for the image with '${imageIdText(input.imageId ?? {})}' in the repository with name '${repository.name}' in the registry with id '${world.accountId}'`,
      );
    }
    const scan = image.scan;
    const base = {
      registryId: world.accountId,
      repositoryName: repository.name,
      imageId,
      imageScanStatus: scanStatusAt(scan, now),
    };
    if (!hasFindings(scan, now)) return base;
    const enhanced = scan.type === 'ENHANCED';
    const all = enhanced ? scan.enhancedFindings : scan.findings;
    // Enhanced findings come at most 100 a page whatever maxResults says (https://github.com/boto/boto3/issues/3449).
    const pageSize = Math.min(maxResultsOf(input.maxResults), enhanced ? 100 : 1000);
    const offset = pageOffset(input.nextToken);
    const page = all.slice(offset, offset + pageSize);
    return {
      ...base,
      imageScanFindings: {
        ...findingsSummary(scan, now),
        ...(enhanced ? { enhancedFindings: page } : { findings: page }),
      },
      nextToken: offset + pageSize < all.length ? pageToken(offset + pageSize) : undefined,
    };
  }

  function startImageScan(input: any) {
    const repository = getRepository(input);
    const image = requireImage(repository, input.imageId);
    if (repository.scanType === 'ENHANCED') {
      throw new AwsError(
        'ValidationException',
        'StartImageScan is not supported for repositories configured for enhanced scanning; Amazon Inspector scans them continuously.',
      );
    }
    const now = world.clock.now();
    // Basic scanning allows one scan per image per 24 hours (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-basic.html).
    if (image.scan && now - image.scan.startedAt < DAY_MS) {
      throw new AwsError(
        'LimitExceededException',
        'The scan quota per image has been exceeded. Wait and try again.',
      );
    }
    runScan(repository, image, now);
    return {
      registryId: world.accountId,
      repositoryName: repository.name,
      imageId: { imageDigest: image.digest, imageTag: input.imageId?.imageTag },
      imageScanStatus: scanStatusAt(image.scan!, now),
    };
  }

  function registryScanning() {
    const list = [...repositories.values()];
    const type: ScanType =
      registryScanType ?? (list.some((r) => r.scanType === 'ENHANCED') ? 'ENHANCED' : 'BASIC');
    const filters = (repos: Repository[]) => repos.map((r) => ({ filter: r.name, filterType: 'WILDCARD' }));
    const rules =
      type === 'ENHANCED'
        ? [
            {
              scanFrequency: 'CONTINUOUS_SCAN',
              repositoryFilters: filters(list.filter((r) => r.scanType === 'ENHANCED')),
            },
          ]
        : [{ scanFrequency: 'SCAN_ON_PUSH', repositoryFilters: filters(list.filter((r) => r.scanOnPush)) }];
    return { scanType: type, rules: rules.filter((rule) => rule.repositoryFilters.length > 0) };
  }

  const source = () => ({ region: world.region, registryId: world.accountId });

  const operations: ServiceModule['operations'] = {
    // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutReplicationConfiguration.html
    PutReplicationConfiguration(input: any) {
      replicationConfiguration = checkReplicationConfiguration(input.replicationConfiguration, source());
      return { replicationConfiguration };
    },
    // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeRegistry.html
    DescribeRegistry() {
      return {
        registryId: world.accountId,
        replicationConfiguration: replicationConfiguration ?? { rules: [] },
      };
    },
    // https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImageReplicationStatus.html
    DescribeImageReplicationStatus(input: any) {
      const repository = getRepository(input);
      const image = requireImage(repository, input.imageId);
      return {
        repositoryName: repository.name,
        imageId: { imageDigest: image.digest, imageTag: input.imageId?.imageTag },
        replicationStatuses: (image.replication ?? []).map(({ region, registryId, status, failureCode }) => ({
          region,
          registryId,
          status,
          failureCode,
        })),
      };
    },
    CreateRepository(input: any) {
      const name: string = input.repositoryName;
      if (!name || !REPOSITORY_NAME.test(name) || name.length < 2 || name.length > 256) {
        throw invalidParameter(
          `Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''`,
        );
      }
      if (input.registryId && input.registryId !== world.accountId)
        throw repositoryNotFound(name, input.registryId);
      if (repositories.has(name)) {
        throw new AwsError(
          'RepositoryAlreadyExistsException',
          `The repository with name '${name}' already exists in the registry with id '${world.accountId}'`,
        );
      }
      validateMutability(input.imageTagMutability, input.imageTagMutabilityExclusionFilters);
      const repository = addRepository(
        {
          name,
          imageTagMutability: input.imageTagMutability,
          imageTagMutabilityExclusionFilters: input.imageTagMutabilityExclusionFilters,
          scanOnPush: input.imageScanningConfiguration?.scanOnPush,
          scanType: registryScanType,
        },
        world.clock.now(),
      );
      repository.resourceTags = (input.tags ?? []).map((tag: { Key: string; Value: string }) => ({
        Key: tag.Key,
        Value: tag.Value,
      }));
      return { repository: repositoryShape(repository) };
    },

    DescribeRepositories(input: any) {
      const registryId = input.registryId ?? world.accountId;
      if (input.repositoryNames?.length) {
        if (input.maxResults !== undefined || input.nextToken !== undefined) {
          throw invalidParameter(
            'maxResults and nextToken cannot be used when repositoryNames are specified',
          );
        }
        return {
          repositories: (input.repositoryNames as string[]).map((name) => {
            const repository = registryId === world.accountId ? repositories.get(name) : undefined;
            if (!repository) throw repositoryNotFound(name, registryId);
            return repositoryShape(repository);
          }),
        };
      }
      const list =
        registryId === world.accountId
          ? [...repositories.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
          : [];
      const limit = maxResultsOf(input.maxResults);
      const offset = pageOffset(input.nextToken);
      return {
        repositories: list.slice(offset, offset + limit).map(repositoryShape),
        nextToken: offset + limit < list.length ? pageToken(offset + limit) : undefined,
      };
    },

    DeleteRepository(input: any) {
      const repository = getRepository(input);
      if (repository.images.size > 0 && !input.force) {
        throw new AwsError(
          'RepositoryNotEmptyException',
          `The repository with name '${repository.name}' in registry with id '${world.accountId}' cannot be deleted because it still contains images`,
        );
      }
      repositories.delete(repository.name);
      return { repository: repositoryShape(repository) };
    },

    PutImageTagMutability(input: any) {
      const repository = getRepository(input);
      validateMutability(input.imageTagMutability, input.imageTagMutabilityExclusionFilters);
      repository.mutability = input.imageTagMutability;
      repository.exclusionFilters = input.imageTagMutabilityExclusionFilters ?? [];
      return {
        registryId: world.accountId,
        repositoryName: repository.name,
        imageTagMutability: repository.mutability,
        imageTagMutabilityExclusionFilters: repository.exclusionFilters.length
          ? repository.exclusionFilters
          : undefined,
      };
    },

    PutImageScanningConfiguration(input: any) {
      const repository = getRepository(input);
      repository.scanOnPush = Boolean(input.imageScanningConfiguration?.scanOnPush);
      return {
        registryId: world.accountId,
        repositoryName: repository.name,
        imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
      };
    },

    GetRegistryScanningConfiguration() {
      return { registryId: world.accountId, scanningConfiguration: registryScanning() };
    },

    PutRegistryScanningConfiguration(input: any) {
      const type: ScanType = input.scanType === 'ENHANCED' ? 'ENHANCED' : 'BASIC';
      registryScanType = type;
      for (const repository of repositories.values()) {
        const rules: Array<{ scanFrequency?: string; repositoryFilters?: Array<{ filter: string }> }> =
          input.rules ?? [];
        const matching = rules.filter((rule) =>
          (rule.repositoryFilters ?? []).some((f) => globMatch(f.filter, repository.name)),
        );
        repository.scanType = type === 'ENHANCED' && matching.length > 0 ? 'ENHANCED' : 'BASIC';
        if (type === 'BASIC' && matching.some((rule) => rule.scanFrequency === 'SCAN_ON_PUSH'))
          repository.scanOnPush = true;
      }
      return { registryScanningConfiguration: { scanType: type, rules: input.rules ?? [] } };
    },

    DescribeImages(input: any) {
      const repository = getRepository(input);
      if (input.imageIds?.length) {
        if (input.maxResults !== undefined || input.nextToken !== undefined) {
          throw invalidParameter('maxResults and nextToken cannot be used when imageIds are specified');
        }
        const seen = new Set<string>();
        const details = [];
        for (const id of input.imageIds) {
          const image = requireImage(repository, id);
          if (seen.has(image.digest)) continue;
          seen.add(image.digest);
          details.push(imageDetail(repository, image));
        }
        return { imageDetails: details };
      }
      const list = sortedImages(repository, input.filter?.tagStatus);
      const limit = maxResultsOf(input.maxResults);
      const offset = pageOffset(input.nextToken);
      return {
        imageDetails: list.slice(offset, offset + limit).map((image) => imageDetail(repository, image)),
        nextToken: offset + limit < list.length ? pageToken(offset + limit) : undefined,
      };
    },

    ListImages(input: any) {
      const repository = getRepository(input);
      const ids: Array<{ imageDigest: string; imageTag?: string }> = [];
      for (const image of sortedImages(repository, input.filter?.tagStatus)) {
        if (image.tags.length === 0) ids.push({ imageDigest: image.digest });
        for (const tag of image.tags) ids.push({ imageDigest: image.digest, imageTag: tag });
      }
      const limit = maxResultsOf(input.maxResults);
      const offset = pageOffset(input.nextToken);
      return {
        imageIds: ids.slice(offset, offset + limit),
        nextToken: offset + limit < ids.length ? pageToken(offset + limit) : undefined,
      };
    },

    BatchGetImage(input: any) {
      const repository = getRepository(input);
      const imageIds: Array<{ imageDigest?: string; imageTag?: string }> = input.imageIds ?? [];
      const accepted: string[] | undefined = input.acceptedMediaTypes?.length
        ? input.acceptedMediaTypes
        : undefined;
      const images = [];
      const failures = [];
      const now = world.clock.now();
      for (const id of imageIds) {
        const found = lookup(repository, id);
        if ('failureCode' in found) {
          failures.push({ imageId: id, ...found });
          continue;
        }
        if (accepted && !accepted.includes(found.mediaType)) {
          failures.push({
            imageId: id,
            failureCode: 'UnsupportedImageType',
            failureReason: `The image's media type ${found.mediaType} is not among the accepted media types`,
          });
          continue;
        }
        found.lastRecordedPullTime = now;
        images.push({
          registryId: world.accountId,
          repositoryName: repository.name,
          imageId: { imageDigest: found.digest, imageTag: id.imageTag },
          imageManifest: found.manifest,
          imageManifestMediaType: found.mediaType,
        });
      }
      return { images, failures };
    },

    PutImage: putImage,
    BatchDeleteImage: batchDeleteImage,

    GetAuthorizationToken(input: any) {
      const expiresAt = new Date(world.clock.now() + 12 * 3_600_000);
      const proxyEndpoint = registry ? registry.baseUrl : `https://${ecrHost}`;
      const ids: string[] = input.registryIds?.length ? input.registryIds : [world.accountId];
      return {
        authorizationData: ids.map(() => ({
          authorizationToken: Buffer.from(`AWS:${randomString(tokenRandom, 64)}`).toString('base64'),
          expiresAt,
          proxyEndpoint,
        })),
      };
    },

    StartImageScan: startImageScan,
    DescribeImageScanFindings: describeImageScanFindings,

    ListTagsForResource(input: any) {
      const name = /:repository\/(.+)$/.exec(input.resourceArn ?? '')?.[1];
      const repository = name ? repositories.get(name) : undefined;
      if (!repository) {
        throw invalidParameter(
          `Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'`,
        );
      }
      return { tags: repository.resourceTags };
    },
  };

  const catalog: ImageCatalog = {
    isEcrImage(image) {
      const reference = parseImageReference(image);
      return reference !== undefined && (reference.host === ecrHost || reference.host === registry?.host);
    },
    resolveDigest(image) {
      const reference = parseImageReference(image);
      if (!reference || (reference.host !== ecrHost && reference.host !== registry?.host)) return undefined;
      const repository = repositories.get(reference.repository);
      if (!repository) return undefined;
      if (reference.digest) return repository.images.has(reference.digest) ? reference.digest : undefined;
      return repository.tagIndex.get(reference.tag ?? 'latest');
    },
    aliases(image) {
      const digest = catalog.resolveDigest(image);
      const reference = parseImageReference(image);
      if (!digest || !reference) return [];
      const tags = repositories.get(reference.repository)?.images.get(digest)?.tags ?? [];
      return [
        `${reference.host}/${reference.repository}@${digest}`,
        ...tags.map((tag) => `${reference.host}/${reference.repository}:${tag}`),
      ];
    },
  };

  return {
    targetPrefix: ECR_TARGET_PREFIX,
    operations,
    catalog,
    sync,
    seed,
    load,
    tick,
    receiveReplica,
    registry,
    snapshot: () => {
      const now = world.clock.now();
      return {
        registryHost: repositoryHost,
        backingRegistry: registry?.baseUrl,
        repositories: [...repositories.values()].map((repository) => ({
          name: repository.name,
          imageTagMutability: repository.mutability,
          scanType: repository.scanType,
          scanOnPush: repository.scanOnPush,
          images: sortedImages(repository, 'ANY').map((image) => ({
            digest: image.digest,
            tags: image.tags,
            origin: image.origin,
            pushedAt: new Date(image.pushedAt).toISOString(),
            scan: image.scan ? scanStatusAt(image.scan, now).status : undefined,
          })),
        })),
      };
    },
  };
}
