import {
  DescribeImageScanFindingsCommand,
  type DescribeImageScanFindingsResponse,
  DescribeImagesCommand,
  type ECRClient,
  type ImageIdentifier,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr';
import {
  awsErrorName,
  type Clock,
  ConfigurationError,
  errorMessage,
  isAccessDenied,
  isDeadlineError,
  type Logger,
  type StepDeadline,
  wrapError,
} from '@berth/shared';
import { formatImage, shortDigest } from '../images.js';
import {
  defaultAdvisoryUrl,
  type Finding,
  type FixState,
  list,
  normaliseSeverity,
  record,
  type SourceName,
  text,
  titleFrom,
} from '../normalise.js';

export type EcrSender = Pick<ECRClient, 'send'>;

/** Scan states that end the wait without findings; `allow-unscanned` decides whether that passes. */
export const UNSCANNED_STATUSES = [
  'FAILED',
  'UNSUPPORTED_IMAGE',
  'SCAN_ELIGIBILITY_EXPIRED',
  'FINDINGS_UNAVAILABLE',
  'LIMIT_EXCEEDED',
  'IMAGE_ARCHIVED',
] as const;

const WAITING_STATUSES = new Set(['IN_PROGRESS', 'PENDING']);

/** What each unscanned state means and what to do about it. */
const UNSCANNED_ADVICE: Record<string, string> = {
  FAILED: 'Re-run the scan (`aws ecr start-image-scan`) or check the image in the ECR console.',
  UNSUPPORTED_IMAGE:
    'ECR cannot scan this image (its operating system or media type is not supported); scan it with Trivy or Grype and use `source: trivy` or `source: grype`.',
  SCAN_ELIGIBILITY_EXPIRED:
    'Enhanced scanning stopped monitoring this image (its scan duration lapsed); push it again or extend the continuous scan duration in the Amazon Inspector settings.',
  FINDINGS_UNAVAILABLE:
    'Amazon Inspector has no findings for this image (it may have been deleted and re-pushed, or Inspector was disabled); check Inspector for the repository.',
  LIMIT_EXCEEDED: 'The scan quota for this image was exceeded; wait for it to reset, then run again.',
  IMAGE_ARCHIVED: 'The image is archived; restore it before scanning.',
  NOT_STARTED:
    'The image has no scan. Set `start-scan: true` (the default) or enable scan on push for the repository.',
};

export interface EcrImage {
  /** Full reference: `<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag]@sha256:…`. */
  reference: string;
  repository: string;
  registryId?: string;
  digest: string;
  tags: string[];
}

export type EcrScanResult =
  | {
      kind: 'scanned';
      scanType: 'BASIC' | 'ENHANCED';
      status: string;
      image: EcrImage;
      findings: Finding[];
      notes: string[];
    }
  | { kind: 'unscanned'; status: string; reason: string; advice: string; image: EcrImage };

export interface EcrSourceOptions {
  client: EcrSender;
  region: string;
  repository: string;
  imageDigest?: string;
  imageTag?: string;
  startScan: boolean;
  /** 0 checks once and does not wait. */
  waitTimeoutMs: number;
  clock: Clock;
  logger: Logger;
  /** Delays between polls; the last one repeats. */
  pollDelaysMs?: number[];
  /**
   * The step's deadline, whose signal the client's calls carry: a call it cuts
   * short ends the wait as a timeout, the same as a scan that outlives the wait.
   */
  deadline?: StepDeadline;
}

/** The scan did not finish in time (or the deadline cut a call short): the gate cannot judge the image. */
export class ScanWaitTimedOutError extends ConfigurationError {
  override name = 'ScanWaitTimedOutError';
}

const DEFAULT_POLL_DELAYS_MS = [2_000, 4_000, 8_000, 15_000];
const PAGE_SIZE = 1000;

function registryHost(registryId: string | undefined, region: string): string | undefined {
  if (!registryId) return undefined;
  return `${registryId}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

/** Turns ECR errors the user can fix into ConfigurationErrors with the permission or value to change. */
function ecrError(
  operation: string,
  permission: string,
  image: string,
  repository: string,
  error: unknown,
): Error {
  const name = awsErrorName(error);
  if (name === 'RepositoryNotFoundException') {
    return new ConfigurationError(
      `Input \`repository\`: ECR has no repository \`${repository}\` in this account and region (${errorMessage(error)}). Check the name, \`aws-region\` and the role's account.`,
    );
  }
  if (name === 'ImageNotFoundException') {
    return new ConfigurationError(
      `Image \`${image}\` not found in ECR (${errorMessage(error)}). Check \`image-digest\` / \`image-tag\`, and that the push finished before this step.`,
    );
  }
  if (isAccessDenied(error)) {
    return wrapError(
      operation,
      error,
      `Allow \`${permission}\` on repository \`${repository}\` for the role this step uses.`,
    );
  }
  return wrapError(operation, error);
}

/** Finds the image and pins it to its digest, so a tag moved mid-wait cannot change what is gated. */
export async function describeEcrImage(options: EcrSourceOptions): Promise<EcrImage> {
  const { client, repository, imageDigest, imageTag, region } = options;
  const asked = `${repository}${imageTag ? `:${imageTag}` : ''}${imageDigest ? `@${imageDigest}` : ''}`;
  const imageId: ImageIdentifier = imageDigest ? { imageDigest } : { imageTag };
  let detail: Record<string, unknown> | undefined;
  try {
    const response = await client.send(
      new DescribeImagesCommand({ repositoryName: repository, imageIds: [imageId] }),
    );
    detail = record(response.imageDetails?.[0]);
  } catch (error) {
    throw ecrError(`describe image \`${asked}\``, 'ecr:DescribeImages', asked, repository, error);
  }
  const digest = text(detail?.imageDigest);
  if (!detail || !digest) {
    throw new ConfigurationError(
      `Image \`${asked}\` not found in ECR: DescribeImages returned nothing. Check \`image-digest\` / \`image-tag\`.`,
    );
  }
  const tags = list(detail.imageTags).filter((t): t is string => typeof t === 'string');
  const registryId = text(detail.registryId);
  const tag = imageTag ?? tags[0];
  return {
    reference: formatImage({ registry: registryHost(registryId, region), repository, tag, digest }),
    repository,
    registryId,
    digest,
    tags,
  };
}

function attribute(finding: Record<string, unknown>, key: string): string | undefined {
  for (const a of list(finding.attributes)) {
    const pair = record(a);
    if (pair?.key === key) return text(pair.value);
  }
  return undefined;
}

/**
 * ECR basic scanning findings (`imageScanFindings.findings[]`). Basic
 * scanning reports no fixed versions, so every finding's fix state is unknown.
 */
export function normaliseBasicFindings(
  findings: unknown[],
  image: string | undefined,
  origin: string,
): Finding[] {
  const result: Finding[] = [];
  for (const entry of findings) {
    const f = record(entry);
    const id = text(f?.name);
    if (!f || !id) continue;
    result.push({
      id,
      severity: normaliseSeverity(f.severity),
      package: attribute(f, 'package_name') ?? '(unknown package)',
      installedVersion: attribute(f, 'package_version') ?? '',
      fixState: 'unknown',
      title: titleFrom(text(f.description), id),
      url: text(f.uri) ?? defaultAdvisoryUrl(id),
      source: 'ecr-basic',
      image,
      origins: [origin],
    });
  }
  return result;
}

function packageVersion(pkg: Record<string, unknown>): string {
  const version = text(pkg.version) ?? '';
  const release = text(pkg.release);
  const epoch = typeof pkg.epoch === 'number' && pkg.epoch > 0 ? `${pkg.epoch}:` : '';
  return `${epoch}${version}${release ? `-${release}` : ''}`;
}

/**
 * ECR enhanced scanning (Amazon Inspector) findings (`enhancedFindings[]`,
 * the same per-finding shape as Inspector's ListFindings): one finding per
 * vulnerable package. Findings Inspector closed or suppressed are not counted
 * (they are reported in `skipped`).
 */
export function normaliseEnhancedFindings(
  findings: unknown[],
  image: string | undefined,
  origin: string,
): { findings: Finding[]; skipped: Record<string, number> } {
  const result: Finding[] = [];
  const skipped: Record<string, number> = {};
  for (const entry of findings) {
    const f = record(entry);
    if (!f) continue;
    const status = text(f.status)?.toUpperCase();
    if (status && status !== 'ACTIVE') {
      skipped[status] = (skipped[status] ?? 0) + 1;
      continue;
    }
    const details = record(f.packageVulnerabilityDetails) ?? {};
    const id = text(details.vulnerabilityId) ?? text(f.title)?.split(/\s/)[0] ?? text(f.findingArn);
    if (!id) continue;
    const aliases = list(details.relatedVulnerabilities).filter(
      (a): a is string => typeof a === 'string' && a !== id,
    );
    const packages = list(details.vulnerablePackages).map(record);
    for (const pkg of packages.length > 0 ? packages : [undefined]) {
      const fixedIn = text(pkg?.fixedInVersion);
      const fixAvailable = text(f.fixAvailable)?.toUpperCase();
      let fix: { fixState: FixState; fixedVersion?: string };
      if (fixedIn && fixedIn !== 'NotAvailable') fix = { fixState: 'fixed', fixedVersion: fixedIn };
      else if (fixedIn === 'NotAvailable' || fixAvailable === 'NO') fix = { fixState: 'not-fixed' };
      else if (fixAvailable === 'YES') fix = { fixState: 'fixed' };
      else fix = { fixState: 'unknown' };
      result.push({
        id,
        severity: normaliseSeverity(f.severity),
        package: text(pkg?.name) ?? text(pkg?.filePath) ?? '(unknown package)',
        installedVersion: pkg ? packageVersion(pkg) : '',
        ...fix,
        title: text(f.title) ?? titleFrom(text(f.description), id),
        url: text(details.sourceUrl) ?? text(list(details.referenceUrls)[0]) ?? defaultAdvisoryUrl(id),
        source: 'ecr-enhanced',
        image,
        aliases: aliases.length > 0 ? aliases : undefined,
        origins: [origin],
      });
    }
  }
  return { findings: result, skipped };
}

/** Per-severity counts of raw severities, to check ECR's own `findingSeverityCounts`. */
function rawSeverityCounts(findings: unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) {
    const severity = text(record(f)?.severity);
    if (severity) counts[severity] = (counts[severity] ?? 0) + 1;
  }
  return counts;
}

/**
 * Normalises one complete DescribeImageScanFindings answer (all pages'
 * findings concatenated). Exported for the corpus tests, which feed it the
 * recorded responses a user's account returns.
 */
export function normaliseScanFindingsResponse(
  response: DescribeImageScanFindingsResponse | Record<string, unknown>,
  image: string | undefined,
  origin: string,
): { scanType: 'BASIC' | 'ENHANCED'; findings: Finding[]; notes: string[] } {
  const r = response as Record<string, unknown>;
  const scan = record(r.imageScanFindings) ?? {};
  const basic = list(scan.findings);
  const enhanced = list(scan.enhancedFindings);
  const status = text(record(r.imageScanStatus)?.status);
  const scanType = enhanced.length > 0 || status === 'ACTIVE' ? 'ENHANCED' : 'BASIC';
  const notes: string[] = [];
  const findings: Finding[] = normaliseBasicFindings(basic, image, origin);
  if (enhanced.length > 0) {
    const normalised = normaliseEnhancedFindings(enhanced, image, origin);
    findings.push(...normalised.findings);
    for (const [state, count] of Object.entries(normalised.skipped)) {
      notes.push(
        `${count} enhanced finding${count === 1 ? ' is' : 's are'} ${state} in Amazon Inspector and not counted.`,
      );
    }
  }
  const reported = record(scan.findingSeverityCounts);
  if (reported && scanType === 'BASIC') {
    const actual = rawSeverityCounts(basic);
    const keys = new Set([
      ...Object.keys(actual),
      ...Object.keys(reported).filter((k) => /^[A-Z]+$/.test(k)),
    ]);
    const differing = [...keys].filter((k) => (actual[k] ?? 0) !== (Number(reported[k]) || 0));
    if (differing.length > 0) {
      notes.push(
        `ECR's findingSeverityCounts (${differing.map((k) => `${k} ${Number(reported[k]) || 0}`).join(', ')}) differ from the findings returned (${differing.map((k) => `${k} ${actual[k] ?? 0}`).join(', ')}); the gate uses the findings themselves.`,
      );
    }
  }
  return { scanType, findings, notes };
}

/**
 * Waits for the image's scan and returns its findings, all pages. Polls
 * DescribeImageScanFindings itself: the SDK's scan waiter accepts only
 * COMPLETE and would hang under enhanced scanning, whose finished state is
 * ACTIVE. Starts a basic scan when none exists (scan on push off).
 */
export async function fetchEcrFindings(options: EcrSourceOptions): Promise<EcrScanResult> {
  const { client, repository, clock, logger, startScan } = options;
  const image = await describeEcrImage(options);
  const label = `${repository}@${shortDigest(image.digest)}`;
  const imageId = { imageDigest: image.digest };
  const delays = options.pollDelaysMs ?? DEFAULT_POLL_DELAYS_MS;
  const started = clock.now();
  const deadline = started + options.waitTimeoutMs;
  let scanStarted = false;
  let lastStatus = 'NOT_STARTED';
  const timedOut = () =>
    new ScanWaitTimedOutError(
      `The ECR scan of \`${image.reference}\` did not finish within ${options.waitTimeoutMs / 60_000} minute(s) (last status ${lastStatus}). Raise \`wait-timeout-minutes\`, or check the scan in the ECR console.`,
    );
  try {
    return await waitForScan();
  } catch (error) {
    if (options.deadline && isDeadlineError(error, options.deadline)) throw timedOut();
    throw error;
  }

  async function waitForScan(): Promise<EcrScanResult> {
    for (let poll = 0; ; poll++) {
      let first: DescribeImageScanFindingsResponse | undefined;
      try {
        first = await client.send(
          new DescribeImageScanFindingsCommand({
            repositoryName: repository,
            imageId,
            maxResults: PAGE_SIZE,
          }),
        );
      } catch (error) {
        if (awsErrorName(error) !== 'ScanNotFoundException') {
          throw ecrError(
            `read the scan findings of \`${image.reference}\``,
            'ecr:DescribeImageScanFindings',
            image.reference,
            repository,
            error,
          );
        }
        if (!startScan) {
          return {
            kind: 'unscanned',
            status: 'NOT_STARTED',
            reason: `ECR has no scan for \`${image.reference}\` and \`start-scan\` is false.`,
            advice: UNSCANNED_ADVICE.NOT_STARTED,
            image,
          };
        }
        if (!scanStarted) {
          const outcome = await startImageScan(options, image);
          if (outcome) return outcome;
          scanStarted = true;
        }
      }

      const status = text(first?.imageScanStatus?.status) ?? (first ? 'UNKNOWN' : 'NOT_STARTED');
      lastStatus = status;
      if (first && (status === 'COMPLETE' || status === 'ACTIVE')) {
        return collectAllPages(options, image, first);
      }
      if (first && !WAITING_STATUSES.has(status)) {
        const description = text(first.imageScanStatus?.description);
        return {
          kind: 'unscanned',
          status,
          reason: `The ECR scan of \`${image.reference}\` ended with status ${status}${description ? `: ${description}` : '.'}`,
          advice: UNSCANNED_ADVICE[status] ?? 'Check the image scan in the ECR console.',
          image,
        };
      }

      const now = clock.now();
      if (now >= deadline) throw timedOut();
      const wait = Math.min(delays[Math.min(poll, delays.length - 1)], deadline - now);
      logger.info(
        `Waiting for the ECR scan of ${label}: ${lastStatus}, ${formatDuration(now - started)} of ${formatDuration(options.waitTimeoutMs)} (next check in ${Math.ceil(wait / 1000)} s)`,
      );
      await clock.sleep(wait);
    }
  }
}

/** StartImageScan; returns an unscanned result when ECR refuses to scan this image. */
async function startImageScan(
  options: EcrSourceOptions,
  image: EcrImage,
): Promise<EcrScanResult | undefined> {
  const { client, repository, logger } = options;
  try {
    const response = await client.send(
      new StartImageScanCommand({ repositoryName: repository, imageId: { imageDigest: image.digest } }),
    );
    logger.info(
      `Started a basic scan of ${image.reference} (status ${response.imageScanStatus?.status ?? 'unknown'}).`,
    );
    return undefined;
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'UnsupportedImageTypeException') {
      return {
        kind: 'unscanned',
        status: 'UNSUPPORTED_IMAGE',
        reason: `ECR refused to scan \`${image.reference}\`: ${errorMessage(error)}`,
        advice: UNSCANNED_ADVICE.UNSUPPORTED_IMAGE,
        image,
      };
    }
    if (name === 'LimitExceededException') {
      // Basic scanning allows one scan per image per day: one exists or is under way.
      logger.info(`ECR did not start another scan (${errorMessage(error)}); waiting for the existing one.`);
      return undefined;
    }
    if (name === 'ValidationException' || name === 'InvalidParameterException') {
      return {
        kind: 'unscanned',
        status: 'NOT_STARTED',
        reason: `ECR has no scan for \`${image.reference}\` and would not start one: ${errorMessage(error)}`,
        advice:
          'Under enhanced scanning, Amazon Inspector scans the images its scan rules select: check that the repository matches a continuous or on-push rule.',
        image,
      };
    }
    throw ecrError(
      `start a scan of \`${image.reference}\``,
      'ecr:StartImageScan',
      image.reference,
      repository,
      error,
    );
  }
}

async function collectAllPages(
  options: EcrSourceOptions,
  image: EcrImage,
  first: DescribeImageScanFindingsResponse,
): Promise<EcrScanResult> {
  const { client, repository, logger } = options;
  const basic = [...(first.imageScanFindings?.findings ?? [])];
  const enhanced = [...(first.imageScanFindings?.enhancedFindings ?? [])];
  let nextToken = first.nextToken;
  let pages = 1;
  while (nextToken) {
    let page: DescribeImageScanFindingsResponse;
    try {
      page = await client.send(
        new DescribeImageScanFindingsCommand({
          repositoryName: repository,
          imageId: { imageDigest: image.digest },
          maxResults: PAGE_SIZE,
          nextToken,
        }),
      );
    } catch (error) {
      throw ecrError(
        `read page ${pages + 1} of the scan findings of \`${image.reference}\``,
        'ecr:DescribeImageScanFindings',
        image.reference,
        repository,
        error,
      );
    }
    basic.push(...(page.imageScanFindings?.findings ?? []));
    enhanced.push(...(page.imageScanFindings?.enhancedFindings ?? []));
    nextToken = page.nextToken;
    pages++;
  }
  const status = first.imageScanStatus?.status ?? 'COMPLETE';
  const merged = {
    ...first,
    imageScanFindings: { ...first.imageScanFindings, findings: basic, enhancedFindings: enhanced },
  };
  const { scanType, findings, notes } = normaliseScanFindingsResponse(
    merged,
    image.reference,
    image.reference,
  );
  const source: SourceName = scanType === 'ENHANCED' ? 'ecr-enhanced' : 'ecr-basic';
  logger.info(
    `ECR ${scanType.toLowerCase()} scan of ${image.reference}: ${status}, ${basic.length + enhanced.length} findings in ${pages} page${pages === 1 ? '' : 's'} (${source}).`,
  );
  return { kind: 'scanned', scanType, status, image, findings, notes };
}
