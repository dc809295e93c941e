import { DescribeImagesCommand } from '@aws-sdk/client-ecr';
import type { ECSClient, TaskDefinition } from '@aws-sdk/client-ecs';
import { shortName } from '@berth/shared/deployment/arn';
import type { ImageMap } from '@berth/shared/deployment/record';
import { imagesOf } from '@berth/shared/deployment/report';
import {
  type EcrRegistry,
  type EcrSender,
  ecrRepositoryArn,
  parseEcrRegistry,
  parseImageReference,
} from '@berth/shared/ecr-image';
import {
  awsErrorName,
  ConfigurationError,
  errorMessage,
  isAccessDenied,
  wrapError,
} from '@berth/shared/errors';
import type { Logger } from '@berth/shared/logger';
import { readOnlyFieldsJqFilter } from '@berth/shared/taskdef/fields';
import { describeTaskDefinition } from './history.js';

/** How one container's image was checked before the rollback. */
export interface ImageCheck {
  container: string;
  image: string;
  result: 'found' | 'missing' | 'not-ecr' | 'unparseable';
  /** What was looked up: the pinned digest or the tag. */
  by?: 'digest' | 'tag';
  /** The digest ECR holds for it (for a tag: what the tag points at now). */
  digest?: string;
  detail?: string;
}

export interface VerifiedTarget {
  taskDefinitionArn: string;
  images: ImageMap;
  definition: TaskDefinition;
  checks: ImageCheck[];
}

export interface VerifyContext {
  ecs: ECSClient;
  ecrFor(registry: EcrRegistry): EcrSender;
  logger: Logger;
}

/** The commands that put an INACTIVE revision back as a new ACTIVE one. */
export function reRegisterCommands(taskDefinition: string): string {
  const name = shortName(taskDefinition);
  const file = `${name.replace(/[^A-Za-z0-9_-]/g, '-')}.json`;
  return [
    `aws ecs describe-task-definition --task-definition ${name} --query taskDefinition --output json \\`,
    // Generated from the read-only field list, so the hint cannot drift from what register refuses.
    `  | jq '${readOnlyFieldsJqFilter()}' > ${file}`,
    `aws ecs register-task-definition --cli-input-json file://${file}`,
  ].join('\n');
}

/**
 * Checks, before anything changes, that the target can start: its task
 * definition is ACTIVE and every ECR image it references still exists (by
 * digest where pinned, by tag otherwise). Images outside ECR cannot be checked
 * and are reported as such.
 */
export async function verifyTarget(context: VerifyContext, taskDefinition: string): Promise<VerifiedTarget> {
  const { logger } = context;
  const definition = await describeTaskDefinition(context.ecs, taskDefinition);
  const arn = definition.taskDefinitionArn ?? taskDefinition;
  if (definition.status && definition.status !== 'ACTIVE') {
    throw new ConfigurationError(
      `The target task definition ${arn} is ${definition.status}: it was deregistered, and ECS does not start new tasks from it. Register a copy as a new ACTIVE revision and roll back to that one (\`to: ${definition.family ?? '<family>'}:<new revision>\`):\n${reRegisterCommands(arn)}\n(render-taskdef with \`task-definition-family: ${shortName(arn)}\` produces the same file.)`,
    );
  }
  logger.info(`${arn} is ACTIVE.`);
  const images = imagesOf(definition);
  const checks: ImageCheck[] = [];
  for (const [container, image] of Object.entries(images)) {
    const check = await checkImage(context, container, image);
    checks.push(check);
    switch (check.result) {
      case 'found':
        logger.info(
          `${container}: ${image} exists in ECR${check.by === 'tag' && check.digest ? ` (the tag points at ${check.digest})` : ''}.`,
        );
        break;
      case 'not-ecr':
        logger.notice(
          `Container \`${container}\`: ${image} is not in a private ECR registry, so Berth cannot check that it still exists.`,
          { title: 'Image not checked' },
        );
        break;
      case 'unparseable':
        logger.warning(`Container \`${container}\`: ${check.detail}`, { title: 'Image not checked' });
        break;
      default:
        break;
    }
  }
  const missing = checks.filter((check) => check.result === 'missing');
  if (missing.length > 0) {
    const lines = missing.map(
      (check) => `  - container \`${check.container}\`: ${check.image} (${check.detail})`,
    );
    throw new ConfigurationError(
      `The target ${arn} cannot start: ${missing.length === 1 ? 'an image it references no longer exists' : `${missing.length} images it references no longer exist`} in ECR:\n${lines.join('\n')}\nAn ECR lifecycle policy (or someone) deleted ${missing.length === 1 ? 'it' : 'them'}. Nothing was changed. Push the image again under the same digest if you still have it, or roll back to another revision (\`to: <family>:<revision>\`); keep rollback targets with a lifecycle rule that protects your deployed tags.`,
    );
  }
  return { taskDefinitionArn: arn, images, definition, checks };
}

async function checkImage(context: VerifyContext, container: string, image: string): Promise<ImageCheck> {
  let reference: ReturnType<typeof parseImageReference>;
  try {
    reference = parseImageReference(image);
  } catch (error) {
    return { container, image, result: 'unparseable', detail: errorMessage(error) };
  }
  const registry = parseEcrRegistry(reference.registry);
  if (!registry) return { container, image, result: 'not-ecr' };
  const by = reference.digest ? 'digest' : 'tag';
  const tag = reference.tag ?? 'latest';
  const imageId = reference.digest ? { imageDigest: reference.digest } : { imageTag: tag };
  try {
    const out = await context.ecrFor(registry).send(
      new DescribeImagesCommand({
        registryId: registry.accountId,
        repositoryName: reference.repository,
        imageIds: [imageId],
      }),
    );
    const detail = out.imageDetails?.[0];
    if (!detail) {
      return { container, image, result: 'missing', by, detail: 'DescribeImages returned no image' };
    }
    return { container, image, result: 'found', by, digest: detail.imageDigest };
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'ImageNotFoundException') {
      const what = reference.digest ? `digest ${reference.digest}` : `tag \`${tag}\``;
      return {
        container,
        image,
        result: 'missing',
        by,
        detail: `repository \`${reference.repository}\` has no image with ${what}`,
      };
    }
    if (name === 'RepositoryNotFoundException') {
      return {
        container,
        image,
        result: 'missing',
        by,
        detail: `registry ${registry.accountId} (${registry.region}) has no repository \`${reference.repository}\``,
      };
    }
    if (isAccessDenied(error)) {
      throw new ConfigurationError(
        `Could not check that ${image} (container \`${container}\`) still exists: ${errorMessage(error)} Allow \`ecr:DescribeImages\` on ${ecrRepositoryArn(registry, reference.repository)} for the role this step uses.`,
      );
    }
    throw wrapError(`check that ${image} (container \`${container}\`) still exists in ECR`, error);
  }
}

/**
 * Containers whose image is a tag that now points at another digest than the
 * one ECS ran for the target deployment: the rollback would not be exact.
 */
export function movedTags(checks: ImageCheck[], recorded: ImageMap | undefined): string[] {
  if (!recorded) return [];
  return checks
    .filter((check) => check.by === 'tag' && check.digest && recorded[check.container])
    .filter((check) => check.digest !== recorded[check.container])
    .map(
      (check) =>
        `Container \`${check.container}\`: ${check.image} now points at ${check.digest}, but the deployment being restored ran ${recorded[check.container]}. ECS resolves the tag again, so this rollback is not exact; pin images by digest (render-taskdef does) to make rollbacks exact.`,
    );
}
