import type { BuilderName } from './builders/types.js';
import type { CacheMode } from './inputs.js';

/**
 * - `build`: built and pushed;
 * - `build-only`: built, not pushed (`push: false`);
 * - `reuse`: the first tag existed, so no build (`skip-if-exists`);
 * - `promote`: `source` given, existing image re-tagged.
 */
export type Mode = 'build' | 'build-only' | 'reuse' | 'promote';

/** What happened to one tag. */
export type TagOutcome = 'pushed' | 'created' | 'moved' | 'kept' | 'local';

export interface BuildPushResult {
  mode: Mode;
  registry: string;
  repository: string;
  /** `registry/repository`. */
  image: string;
  digest?: string;
  tags: string[];
  tagOutcomes: Array<{ tag: string; outcome: TagOutcome }>;
  builder: BuilderName | 'none';
  builderVersion?: string;
  platforms: string[];
  /** The `cache` mode, or `cache-from/cache-to` when explicit entries replaced it. */
  cache: CacheMode | 'cache-from/cache-to';
  cachedSteps?: number;
  sizeBytes?: number;
  source?: string;
  manifestMediaType?: string;
  /** The image version (`version` output, OCI version label). */
  version?: string;
  /** The labels the image carries (OCI defaults and the `labels` input). */
  labels?: ReadonlyMap<string, string>;
  /** The `annotations` input. */
  annotations?: ReadonlyMap<string, string>;
  /** DOCKER_CONFIG folder left for later steps (`docker-config: true`). */
  dockerConfig?: string;
}

const pairs = (map: ReadonlyMap<string, string> | undefined) => [...(map ?? [])].map(([k, v]) => `${k}=${v}`);

/**
 * metadata-action's `json` output shape (its README, "outputs"): full
 * references in `tags`, bare tags in `tag-names`, labels as an object.
 */
export function metadataJson(
  result: Pick<BuildPushResult, 'image' | 'tags' | 'labels' | 'annotations'>,
): string {
  return JSON.stringify({
    tags: result.tags.map((tag) => `${result.image}:${tag}`),
    'tag-names': [...result.tags],
    labels: Object.fromEntries(result.labels ?? []),
    annotations: pairs(result.annotations),
  });
}

/** The `registry/repository@sha256:…` reference render-taskdef should pin, when there is a digest. */
export function imageUri(result: Pick<BuildPushResult, 'image' | 'digest'>): string {
  return result.digest ? `${result.image}@${result.digest}` : '';
}

/** The action's outputs, by their action.yml names. */
export function outputsOf(result: BuildPushResult): Record<string, string> {
  return {
    image: result.image,
    digest: result.digest ?? '',
    'image-uri': imageUri(result),
    tags: result.tags.join('\n'),
    skipped: String(result.mode === 'reuse' || result.mode === 'promote'),
    registry: result.registry,
    builder: result.builder,
    version: result.version ?? '',
    labels: pairs(result.labels).join('\n'),
    annotations: pairs(result.annotations).join('\n'),
    json: metadataJson(result),
    'docker-config': result.dockerConfig ?? '',
  };
}
