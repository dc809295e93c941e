/**
 * `tag-deployed-image`: after a successful deploy, the deployed ECR images
 * get one more tag (e.g. `prod`) through the ECR API — the manifest is copied
 * byte for byte, so the tag names exactly the digest that runs. Tagging is a
 * courtesy after the fact: every problem is a warning that says how to fix it,
 * never a failure of a deployment that succeeded.
 */
import { DescribeRepositoriesCommand, type ECRClient, type Repository } from '@aws-sdk/client-ecr';
import type { AwsContext } from '@berth/shared/aws';
import type { ImageMap } from '@berth/shared/deployment/record';
import { ecrRepositoryArn, parseEcrRegistry, parseImageReference } from '@berth/shared/ecr-image';
import { currentTagDigests, type EcrImageId, getImageManifest, putImageTags } from '@berth/shared/ecr-retag';
import { decideTag } from '@berth/shared/ecr-tag-rules';
import { errorMessage, isAccessDenied } from '@berth/shared/errors';
import { inGroup, type Logger } from '@berth/shared/logger';

export interface TagTarget {
  /** Containers running this image. */
  containers: string[];
  image: string;
  registryId: string;
  region: string;
  repository: string;
  partition: string;
  source: EcrImageId;
}

export interface TagPlan {
  targets: TagTarget[];
  /** Images that cannot be tagged through ECR, with the reason (logged as notices). */
  skipped: Array<{ container: string; image: string; reason: string }>;
}

/** Which images to tag: private ECR images by digest (or tag), one entry per repository and image. */
export function planImageTags(images: ImageMap): TagPlan {
  const targets = new Map<string, TagTarget>();
  const skipped: TagPlan['skipped'] = [];
  for (const [container, image] of Object.entries(images)) {
    let reference: ReturnType<typeof parseImageReference>;
    try {
      reference = parseImageReference(image);
    } catch (error) {
      skipped.push({ container, image, reason: errorMessage(error) });
      continue;
    }
    const registry = parseEcrRegistry(reference.registry);
    if (!registry) {
      skipped.push({
        container,
        image,
        reason: `${reference.registry ?? 'Docker Hub'} is not a private ECR registry, so the ECR API cannot tag it`,
      });
      continue;
    }
    const source: EcrImageId = reference.digest
      ? { imageDigest: reference.digest }
      : { imageTag: reference.tag ?? 'latest' };
    const key = `${registry.host}/${reference.repository}@${reference.digest ?? reference.tag ?? 'latest'}`;
    const existing = targets.get(key);
    if (existing) {
      existing.containers.push(container);
      continue;
    }
    targets.set(key, {
      containers: [container],
      image,
      registryId: registry.accountId,
      region: registry.region,
      repository: reference.repository,
      partition: registry.partition,
      source,
    });
  }
  return { targets: [...targets.values()], skipped };
}

/** The warning for a tag that may not move, with the command that lets it. */
export function immutableTagAdvice(
  target: TagTarget,
  tag: string,
  current: string,
  because: string,
  mode?: string,
): string {
  const fix =
    mode === 'MUTABLE_WITH_EXCLUSION'
      ? `remove the exclusion filter that matches \`${tag}\` from the repository`
      : `let this tag move with an exclusion filter (keep any filters you already have): \`aws ecr put-image-tag-mutability --repository-name ${target.repository} --image-tag-mutability IMMUTABLE_WITH_EXCLUSION --image-tag-mutability-exclusion-filters filterType=WILDCARD,filter=${tag}\``;
  return (
    `Could not tag ${target.repository} (${target.containers.join(', ')}) as \`${tag}\`: the tag already points at ${current} and cannot be moved, because ${because}. ` +
    `The deployment itself succeeded. To fix, ${fix}.`
  );
}

export interface TagResult {
  image: string;
  outcome: 'tagged' | 'already-tagged' | 'refused' | 'failed';
  digest?: string;
}

/** Tags every deployed ECR image; returns what happened to each, never throws. */
export async function tagDeployedImages(options: {
  images: ImageMap;
  tag: string;
  ecrFor: (region: string) => ECRClient;
  logger: Logger;
}): Promise<TagResult[]> {
  const { tag, logger } = options;
  const plan = planImageTags(options.images);
  for (const skip of plan.skipped) {
    logger.notice(`Not tagging ${skip.image} (container ${skip.container}) as \`${tag}\`: ${skip.reason}.`);
  }
  const results: TagResult[] = [];
  for (const target of plan.targets) {
    const ecr = options.ecrFor(target.region);
    const repo = { repositoryName: target.repository, registryId: target.registryId };
    try {
      let repository: Repository | undefined;
      try {
        repository = (
          await ecr.send(new DescribeRepositoriesCommand({ ...repo, repositoryNames: [target.repository] }))
        ).repositories?.[0];
      } catch (error) {
        // Without ecr:DescribeRepositories we cannot predict immutability; PutImage will tell.
        logger.debug(`DescribeRepositories ${target.repository}: ${errorMessage(error)}`);
      }
      const manifest = await getImageManifest(ecr, repo, target.source, 'tag-deployed-image');
      const current = (await currentTagDigests(ecr, repo, [tag])).get(tag);
      const decision = decideTag(repository ?? {}, tag, current, manifest.digest);
      if (decision.action === 'keep') {
        logger.info(`${target.repository}: \`${tag}\` already points at ${manifest.digest}.`);
        results.push({ image: target.image, outcome: 'already-tagged', digest: manifest.digest });
        continue;
      }
      if (decision.action === 'refuse') {
        logger.warning(
          immutableTagAdvice(target, tag, current ?? '?', decision.reason, repository?.imageTagMutability),
        );
        results.push({ image: target.image, outcome: 'refused', digest: manifest.digest });
        continue;
      }
      const [result] = await putImageTags(ecr, repo, manifest, [tag]);
      logger.info(
        `${target.repository}: tagged ${manifest.digest} as \`${tag}\`${decision.action === 'move' ? ` (moved from ${current})` : ''}.`,
      );
      results.push({ image: target.image, outcome: result?.outcome ?? 'tagged', digest: manifest.digest });
    } catch (error) {
      const arn = ecrRepositoryArn(
        {
          accountId: target.registryId,
          region: target.region,
          partition: target.partition,
          host: '',
          fips: false,
          dualStack: false,
        },
        target.repository,
      );
      const cause = (error as { cause?: unknown }).cause;
      const denied =
        isAccessDenied(error) ||
        isAccessDenied(cause) ||
        /not authorized|AccessDenied/i.test(errorMessage(error));
      const advice = denied
        ? ` Allow ecr:BatchGetImage, ecr:DescribeImages, ecr:DescribeRepositories and ecr:PutImage on ${arn} for the role this step uses.`
        : '';
      logger.warning(
        `Could not tag ${target.image} as \`${tag}\`: ${errorMessage(error)}${advice} The deployment itself succeeded.`,
      );
      results.push({ image: target.image, outcome: 'failed' });
    }
  }
  return results;
}

/** `tag-deployed-image`, after a success only; a tag that cannot be set is a warning, never a failure. */
export async function tagAfterSuccess(
  step: { effects: { logger: Logger }; aws: Pick<AwsContext, 'ecrIn'> },
  tag: string | undefined,
  outcome: string,
  images: ImageMap,
): Promise<void> {
  const { logger } = step.effects;
  if (outcome !== 'succeeded' || !tag) return;
  await inGroup(logger, `Tag deployed images as ${tag}`, () =>
    tagDeployedImages({ images, tag, ecrFor: (region) => step.aws.ecrIn(region), logger }),
  );
}
