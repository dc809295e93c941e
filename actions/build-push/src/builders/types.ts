import type { CacheMode } from '../inputs.js';
import type { CacheEntry } from './cache.js';

export type BuilderName = 'docker' | 'buildah' | 'podman';

/** Everything a builder needs to build (and maybe push) one image; independent of the builder. */
export interface BuildRequest {
  context: string;
  file?: string;
  target?: string;
  buildArgs: ReadonlyMap<string, string>;
  /** id → value. Values never go on a command line. */
  secrets: ReadonlyMap<string, string>;
  /** id → absolute path of a file the user named (`secret-files`). */
  fileSecrets?: ReadonlyMap<string, string>;
  /** id → the environment variable holding the value (`secret-envs`) and that value. */
  envSecrets?: ReadonlyMap<string, { name: string; value: string }>;
  /** `default` or `<id>=<socket or keys>` (`ssh`). */
  ssh?: readonly string[];
  /** name → value (`build-contexts`). */
  buildContexts?: ReadonlyMap<string, string>;
  labels: ReadonlyMap<string, string>;
  /** `[<level>:]key` → value. */
  annotations?: ReadonlyMap<string, string>;
  noCache?: boolean;
  pull?: boolean;
  platforms: readonly string[];
  cache: CacheMode;
  /** Explicit cache entries; when either list is non-empty both replace `cache`. */
  cacheFrom?: readonly CacheEntry[];
  cacheTo?: readonly CacheEntry[];
  provenance?: string;
  sbom?: string;
  push: boolean;
  /** `registry/repository`. */
  imageName: string;
  /** Tags to give the image; the builder pushes the first, the rest are added through the ECR API. */
  tags: readonly string[];
  /** Plain-HTTP registry (loopback hosts): buildah/podman get `--tls-verify=false`. */
  insecureRegistry: boolean;
}

/** Where the build's temporary files live (made by the caller, removed afterwards). */
export interface BuildFiles {
  dir: string;
  /** buildx `--metadata-file`. */
  metadataFile: string;
  /** buildah/podman `--digestfile`. */
  digestFile: string;
  /** Secret id → file (mode 0600) holding its value (`secrets`, `secret-envs`), for buildah/podman. */
  secretFiles: ReadonlyMap<string, string>;
}

/** One program run: the arguments are safe to log, `env` may carry secret values. */
export interface Invocation {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** A failure is logged and ignored (clean-ups). */
  optional?: boolean;
}

/** The program runs for one build, in order, and where the digest ends up. */
export interface BuildPlan {
  steps: Invocation[];
  /** Run whatever happened, last. */
  cleanup: Invocation[];
  /** Read the pushed digest from here: `metadata` (buildx JSON), `digestfile` (plain text) or none. */
  digestFrom: 'metadata' | 'digestfile' | 'none';
  /** Secrets that must be written to `BuildFiles.secretFiles` before the steps run. */
  needsSecretFiles: boolean;
  /** Things the builder cannot do with these inputs, to warn about. */
  warnings: string[];
}

export function imageRef(request: Pick<BuildRequest, 'imageName'>, tag: string): string {
  return `${request.imageName}:${tag}`;
}

/** The registry host of the image (`registry/repository` → `registry`). */
export function registryOf(request: Pick<BuildRequest, 'imageName'>): string {
  return request.imageName.slice(0, request.imageName.indexOf('/'));
}

/** Whether the build imports or exports a remote cache (explicit entries, or `cache` other than `none`). */
export function hasRemoteCache(request: Pick<BuildRequest, 'cache' | 'cacheFrom' | 'cacheTo'>): boolean {
  return (
    (request.cacheFrom?.length ?? 0) > 0 || (request.cacheTo?.length ?? 0) > 0 || request.cache !== 'none'
  );
}
