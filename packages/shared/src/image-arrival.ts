/**
 * Waiting until an image digest exists in a registry: ECR replication copies a pushed image
 * to other regions some time after the push
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html), and a region
 * whose service pulls `<its registry>/<repository>@<digest>` before the copy arrived fails
 * with CannotPullContainerError. So a further region's deploy waits here first, saying what it
 * waits for, and gives up with the region and the digest named.
 */
import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import type { Clock } from './clock.js';
import { formatDuration } from './duration.js';
import type { EcrClientLike } from './ecr-retag.js';
import { awsErrorName, OutcomeError, wrapError } from './errors.js';
import type { Logger } from './logger.js';

export interface ImageArrival {
  ecr: EcrClientLike;
  /** The registry waited on, for the messages (`123456789012.dkr.ecr.us-west-2.amazonaws.com`). */
  registry: string;
  /** The region of that registry (its ECR API answers only for it). */
  region: string;
  repository: { repositoryName: string; registryId?: string };
  digest: string;
  timeoutMs: number;
  /** Time between looks (default 10 s of the clock's time). */
  pollMs?: number;
  clock: Pick<Clock, 'now' | 'sleep'>;
  logger: Pick<Logger, 'info'>;
}

export const DEFAULT_ARRIVAL_POLL_MS = 10_000;

/** Not there (yet): the image, or the whole repository, which replication creates with the first copy. */
const NOT_THERE = new Set(['ImageNotFoundException', 'RepositoryNotFoundException']);

/** Whether the digest is in the registry now; throws what is not "not there". */
async function present(arrival: ImageArrival): Promise<boolean> {
  try {
    const { imageDetails } = await arrival.ecr.send(
      new DescribeImagesCommand({ ...arrival.repository, imageIds: [{ imageDigest: arrival.digest }] }),
    );
    return (imageDetails ?? []).some((detail) => detail.imageDigest === arrival.digest);
  } catch (error) {
    if (NOT_THERE.has(awsErrorName(error) ?? '')) return false;
    throw wrapError(
      `look for ${arrival.digest} in ${arrival.registry}/${arrival.repository.repositoryName} (DescribeImages)`,
      error,
    );
  }
}

/**
 * Resolves once `digest` is in the repository (the first look usually finds it); one progress
 * line per look; an OutcomeError naming the region, registry and digest when the timeout passes.
 * Returns the milliseconds waited.
 */
export async function waitForImageArrival(arrival: ImageArrival): Promise<number> {
  const started = arrival.clock.now();
  const pollMs = arrival.pollMs ?? DEFAULT_ARRIVAL_POLL_MS;
  const where = `${arrival.registry}/${arrival.repository.repositoryName}`;
  for (let look = 1; ; look++) {
    if (await present(arrival)) {
      const waited = arrival.clock.now() - started;
      arrival.logger.info(
        look > 1
          ? `${arrival.digest} arrived in ${where} (${arrival.region}) after ${formatDuration(waited)}.`
          : `${arrival.digest} is in ${where} (${arrival.region}).`,
      );
      return waited;
    }
    const waited = arrival.clock.now() - started;
    const left = arrival.timeoutMs - waited;
    if (left <= 0) {
      throw new OutcomeError(
        `${arrival.digest} did not arrive in ${where} (region ${arrival.region}) within ${formatDuration(arrival.timeoutMs)}. ` +
          'Check the source registry’s replication (`aws ecr describe-registry` in the build region lists its rules; ' +
          `\`aws ecr describe-image-replication-status --repository-name ${arrival.repository.repositoryName} --image-id imageDigest=${arrival.digest}\` there says whether the copy FAILED and why), ` +
          'or raise the wait.',
      );
    }
    arrival.logger.info(
      `Waiting for ${arrival.digest} in ${where} (${arrival.region}): not there after ${formatDuration(waited)}; ${formatDuration(left)} left.`,
    );
    await arrival.clock.sleep(Math.min(pollMs, left));
  }
}
