import {
  DescribeImageScanFindingsCommand,
  type DescribeImageScanFindingsResponse,
  DescribeImagesCommand,
  type ImageIdentifier,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr';
import type { Clock } from '@berth/shared/clock';
import type { StepDeadline } from '@berth/shared/deadline';
import { formatDuration } from '@berth/shared/duration';
import type { EcrSender } from '@berth/shared/ecr-image';
import {
  awsErrorName,
  ConfigurationError,
  errorMessage,
  isAccessDenied,
  isTransient,
  OutcomeError,
  wrapError,
} from '@berth/shared/errors';
import type { Logger } from '@berth/shared/logger';
import { pollUntil, transientNotice } from '@berth/shared/poll';
import { normaliseScanFindingsResponse } from '../ecr-findings.js';
import { formatImage, shortDigest } from '../images.js';
import { type Finding, list, record, type SourceName, text } from '../normalise.js';

export type { EcrSender };

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
  /**
   * The step's deadline, whose signal the client's calls carry: a call it cuts
   * short ends the wait as a timeout, the same as a scan that outlives the wait.
   */
  deadline?: StepDeadline;
}

/** The scan did not finish in time (or the deadline cut a call short): the gate cannot judge the image. */
export class ScanWaitTimedOutError extends OutcomeError {
  override name = 'ScanWaitTimedOutError';
}

/** Delays between polls; the last one repeats. */
const POLL_DELAYS_MS = [2_000, 4_000, 8_000, 15_000];
const MAX_BACKOFF_MS = 60_000;
const PAGE_SIZE = 1000;

function registryHost(registryId: string | undefined, region: string): string | undefined {
  if (!registryId) return undefined;
  return `${registryId}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
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
  const started = clock.now();
  let scanStarted = false;
  let lastStatus = 'NOT_STARTED';

  /** One poll: the first page of findings, or the scan started when there is none. */
  const step = async (): Promise<EcrScanResult | undefined> => {
    let first: DescribeImageScanFindingsResponse | undefined;
    try {
      first = await client.send(
        new DescribeImageScanFindingsCommand({ repositoryName: repository, imageId, maxResults: PAGE_SIZE }),
      );
    } catch (error) {
      // Throttling and 5xx only slow the wait down (the poll loop backs off); the rest is explained.
      if (isTransient(error)) throw error;
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
    return undefined;
  };

  const polled = await pollUntil({
    clock,
    timeoutMs: options.waitTimeoutMs,
    deadline: options.deadline,
    intervalMs: (nextPoll) => POLL_DELAYS_MS[Math.min(nextPoll - 1, POLL_DELAYS_MS.length - 1)],
    firstBackoffMs: POLL_DELAYS_MS[1],
    maxBackoffMs: MAX_BACKOFF_MS,
    isTransient,
    onTransient: transientNotice(logger),
    onWait: (wait) =>
      logger.info(
        `Waiting for the ECR scan of ${label}: ${lastStatus}, ${formatDuration(clock.now() - started)} of ${formatDuration(options.waitTimeoutMs)} (next check in ${Math.ceil(wait / 1000)} s)`,
      ),
    step,
  });
  if (polled.done) return polled.value;
  throw new ScanWaitTimedOutError(
    `The ECR scan of \`${image.reference}\` did not finish within ${options.waitTimeoutMs / 60_000} minute(s) (last status ${lastStatus}). Raise \`wait-timeout-minutes\`, or check the scan in the ECR console.`,
  );
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
