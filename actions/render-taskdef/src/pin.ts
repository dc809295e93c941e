import {
  EcrLookupError,
  type EcrRegistry,
  type EcrSender,
  parseEcrRegistry,
  parseImageReference,
  pinImageDigest,
} from '@berth/shared/ecr-image';
import { isJsonObject, type JsonObject } from '@berth/shared/taskdef/read';
import type { ContainerImage } from './render.js';

/** What pinning will do with each container's image; decided before any AWS call. */
export interface PinPlanItem {
  container: string;
  image: string;
  action: 'resolve' | 'keep-digest' | 'not-ecr';
  registry?: EcrRegistry;
  fromInput: boolean;
}

/** Pure: which images need a DescribeImages call (ECR images given by tag), which stay as they are. */
export function planPins(images: readonly ContainerImage[]): PinPlanItem[] {
  return images
    .filter((item): item is ContainerImage & { after: string } => typeof item.after === 'string')
    .map((item) => {
      const reference = parseImageReference(item.after);
      const registry = parseEcrRegistry(reference.registry);
      const action = reference.digest ? 'keep-digest' : registry ? 'resolve' : 'not-ecr';
      return { container: item.container, image: item.after, action, registry, fromInput: item.fromInput };
    });
}

export interface PinOutcome {
  container: string;
  image: string;
  /** The pinned reference (or the image unchanged). */
  pinned: string;
  status: 'pinned' | 'already-pinned' | 'not-ecr' | 'not-pinned';
  /** Why an image from the file could not be pinned (left as given). */
  reason?: string;
}

/**
 * Resolves the planned ECR tags to digests. For images the inputs set, any
 * failure fails the step. For images that came from the file, a denied
 * lookup (typically an AWS-owned sidecar image in another account) leaves the
 * tag with a warning; a tag that does not exist still fails, since the task
 * could not start.
 */
export async function pinImages(
  plan: readonly PinPlanItem[],
  clientFor: (registry: EcrRegistry) => EcrSender,
): Promise<PinOutcome[]> {
  const outcomes: PinOutcome[] = [];
  const cache = new Map<string, Promise<string>>();
  for (const item of plan) {
    if (item.action === 'keep-digest') {
      outcomes.push({
        container: item.container,
        image: item.image,
        pinned: item.image,
        status: 'already-pinned',
      });
      continue;
    }
    if (item.action === 'not-ecr') {
      outcomes.push({ container: item.container, image: item.image, pinned: item.image, status: 'not-ecr' });
      continue;
    }
    let pending = cache.get(item.image);
    if (!pending) {
      pending = pinImageDigest(item.image, clientFor).then((result) => result.image);
      cache.set(item.image, pending);
    }
    try {
      outcomes.push({
        container: item.container,
        image: item.image,
        pinned: await pending,
        status: 'pinned',
      });
    } catch (error) {
      const denied = error instanceof EcrLookupError && error.kind === 'access-denied';
      if (item.fromInput || !denied) throw error;
      outcomes.push({
        container: item.container,
        image: item.image,
        pinned: item.image,
        status: 'not-pinned',
        reason: error.message,
      });
    }
  }
  return outcomes;
}

/** Writes the pinned references into the definition (containers matched by name). */
export function applyPins(definition: JsonObject, outcomes: readonly PinOutcome[]): void {
  if (!Array.isArray(definition.containerDefinitions)) return;
  for (const outcome of outcomes) {
    const container = definition.containerDefinitions.find(
      (c) => isJsonObject(c) && c.name === outcome.container,
    );
    if (isJsonObject(container)) container.image = outcome.pinned;
  }
}
