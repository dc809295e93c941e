import { buildxCacheTo } from './cache.js';
import type { BuildFiles, BuildPlan, BuildRequest, Invocation } from './types.js';
import { hasRemoteCache, imageRef, registryOf } from './types.js';

/** Name of the environment variable that carries secret number `index` to buildx. */
export function secretEnvName(index: number): string {
  return `BERTH_BUILD_SECRET_${index}`;
}

export interface BuildxOptions {
  /** Build on this buildx builder instance (`--builder`); the current one when undefined. */
  builderInstance?: string;
  /** GitHub Actions cache scope for `cache: gha` (the repository name keeps images apart). */
  ghaScope?: string;
}

function cacheArgs(request: BuildRequest, options: BuildxOptions): string[] {
  const from = request.cacheFrom ?? [];
  const to = request.cacheTo ?? [];
  if (from.length > 0 || to.length > 0) {
    return [
      ...from.flatMap((entry) => ['--cache-from', entry.text]),
      ...buildxCacheTo(to, registryOf(request)).flatMap((entry) => ['--cache-to', entry]),
    ];
  }
  switch (request.cache) {
    case 'registry': {
      const ref = imageRef(request, 'buildcache');
      const from = ['--cache-from', `type=registry,ref=${ref}`];
      return request.push
        ? [...from, '--cache-to', `type=registry,ref=${ref},mode=max,image-manifest=true,oci-mediatypes=true`]
        : from;
    }
    case 'gha': {
      const scope = options.ghaScope ? `,scope=${options.ghaScope}` : '';
      const from = ['--cache-from', `type=gha${scope}`];
      return request.push ? [...from, '--cache-to', `type=gha${scope},mode=max`] : from;
    }
    case 'none':
      return [];
  }
}

/**
 * `docker buildx build` for the request. Secrets travel as `--secret
 * id=<id>,env=BERTH_BUILD_SECRET_<n>` with the value in the child's
 * environment only; the digest comes back through `--metadata-file`.
 */
export function buildxPlan(request: BuildRequest, files: BuildFiles, options: BuildxOptions = {}): BuildPlan {
  const args = ['buildx', 'build'];
  if (options.builderInstance) args.push('--builder', options.builderInstance);
  if (request.file) args.push('--file', request.file);
  if (request.target) args.push('--target', request.target);
  for (const [key, value] of request.buildArgs) args.push('--build-arg', `${key}=${value}`);
  for (const [name, value] of request.buildContexts ?? []) args.push('--build-context', `${name}=${value}`);
  const env: Record<string, string> = {};
  [...request.secrets].forEach(([id, value], index) => {
    env[secretEnvName(index)] = value;
    args.push('--secret', `id=${id},env=${secretEnvName(index)}`);
  });
  // The user's own files and variables are named as docker documents it; only the name is on the command line.
  for (const [id, path] of request.fileSecrets ?? []) args.push('--secret', `id=${id},src=${path}`);
  for (const [id, { name }] of request.envSecrets ?? []) args.push('--secret', `id=${id},env=${name}`);
  for (const entry of request.ssh ?? []) args.push('--ssh', entry);
  if (request.platforms.length > 0) args.push('--platform', request.platforms.join(','));
  for (const [key, value] of request.labels) args.push('--label', `${key}=${value}`);
  for (const [key, value] of request.annotations ?? []) args.push('--annotation', `${key}=${value}`);
  if (request.noCache) args.push('--no-cache');
  if (request.pull) args.push('--pull');
  args.push(...cacheArgs(request, options));
  if (request.provenance !== undefined) args.push('--provenance', request.provenance);
  if (request.sbom !== undefined) args.push('--sbom', request.sbom);
  args.push('--metadata-file', files.metadataFile);
  if (request.push) {
    args.push('--tag', imageRef(request, request.tags[0]), '--push');
  } else {
    for (const tag of request.tags) args.push('--tag', imageRef(request, tag));
    // A single-platform image can be loaded into the local image store; a multi-platform one cannot.
    if (request.platforms.length <= 1) args.push('--load');
  }
  args.push(request.context);
  const step: Invocation = { command: 'docker', args };
  if (Object.keys(env).length > 0) step.env = env;
  return {
    steps: [step],
    cleanup: options.builderInstance
      ? [{ command: 'docker', args: ['buildx', 'rm', options.builderInstance], optional: true }]
      : [],
    digestFrom: request.push ? 'metadata' : 'none',
    needsSecretFiles: false,
    warnings: [],
  };
}

/**
 * A builder instance that can export caches and build for several platforms.
 * The default `docker` driver can do neither (unless the containerd image
 * store is on), so such builds get a temporary docker-container builder.
 */
export function needsContainerBuilder(driver: string | undefined, request: BuildRequest): boolean {
  if (driver !== 'docker') return false;
  return hasRemoteCache(request) || request.platforms.length > 1;
}

export function createBuilderInvocation(name: string): Invocation {
  return { command: 'docker', args: ['buildx', 'create', '--name', name, '--driver', 'docker-container'] };
}

/** The driver of the current buildx builder from `docker buildx inspect` output. */
export function parseBuildxDriver(inspectOutput: string): string | undefined {
  return /^Driver:\s*(\S+)/m.exec(inspectOutput)?.[1];
}

/** `containerimage.digest` from the `--metadata-file` JSON. */
export function digestFromMetadata(text: string): string | undefined {
  try {
    const metadata = JSON.parse(text) as Record<string, unknown>;
    const digest = metadata['containerimage.digest'];
    return typeof digest === 'string' && digest.startsWith('sha256:') ? digest : undefined;
  } catch {
    return undefined;
  }
}
