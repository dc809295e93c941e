import { ConfigurationError } from '@berth/shared/errors';
import { buildahCacheRepository } from './cache.js';
import type { BuildFiles, BuildPlan, BuildRequest, Invocation } from './types.js';
import { imageRef } from './types.js';

export type BuildahTool = 'buildah' | 'podman';

function tlsArgs(request: BuildRequest): string[] {
  return request.insecureRegistry ? ['--tls-verify=false'] : [];
}

/** buildx's annotation levels (`manifest:`, `index:`, `manifest-descriptor:`, …, `manifest[linux/amd64]:`). */
const ANNOTATION_LEVEL =
  /^((?:manifest|index|manifest-descriptor|index-descriptor)(?:\[[^\]]*\])?(?:,(?:manifest|index|manifest-descriptor|index-descriptor)(?:\[[^\]]*\])?)*):/;

/** buildah annotates the image manifest only: a `manifest:` level is that, any other level cannot be done. */
function buildahAnnotationKey(key: string, tool: BuildahTool): string {
  const level = ANNOTATION_LEVEL.exec(key)?.[1];
  if (level === undefined) return key;
  if (level === 'manifest') return key.slice(level.length + 1);
  throw new ConfigurationError(
    `Input \`annotations\`: \`${key}\` asks for the level \`${level}\`, which needs docker buildx; ${tool} sets annotations on the image manifest only. Drop the level (or use \`manifest:\`).`,
  );
}

/** An attestation asked for; `false` (often set for ECR and Lambda) asks for none. */
function attestationAsked(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value.toLowerCase() !== 'false';
}

/** buildah `--cache-from`/`--cache-to` for explicit entries or the `cache` mode; warnings for what it cannot do. */
function buildahCacheArgs(tool: BuildahTool, request: BuildRequest, warnings: string[]): string[] {
  const from = request.cacheFrom ?? [];
  const to = request.cacheTo ?? [];
  if (from.length > 0 || to.length > 0) {
    return [
      '--layers',
      ...from.flatMap((entry) => ['--cache-from', buildahCacheRepository('cache-from', entry, tool)]),
      ...to.flatMap((entry) => ['--cache-to', buildahCacheRepository('cache-to', entry, tool)]),
    ];
  }
  switch (request.cache) {
    case 'registry':
      return [
        '--layers',
        '--cache-from',
        request.imageName,
        ...(request.push ? ['--cache-to', request.imageName] : []),
      ];
    case 'gha':
      warnings.push(
        `\`cache: gha\` needs docker buildx; ${tool} builds without a remote cache. Use \`cache: registry\` (or \`none\`) with ${tool}.`,
      );
      return [];
    case 'none':
      return [];
  }
}

/**
 * The buildah (or podman: same flags) runs for the request. Secrets are files
 * (mode 0600) named by `--secret id=<id>,src=<file>`; several platforms build
 * into a manifest list (`--manifest`) that `manifest push --all` sends with
 * every image; the pushed digest lands in `--digestfile`.
 */
export function buildahPlan(tool: BuildahTool, request: BuildRequest, files: BuildFiles): BuildPlan {
  const warnings: string[] = [];
  const primary = imageRef(request, request.tags[0]);
  const multiPlatform = request.platforms.length > 1;
  const build = ['build'];
  if (request.file) build.push('--file', request.file);
  if (request.target) build.push('--target', request.target);
  if (attestationAsked(request.provenance) || attestationAsked(request.sbom)) {
    const which = attestationAsked(request.provenance) ? 'provenance' : 'sbom';
    throw new ConfigurationError(
      `Input \`${which}\` asks for a BuildKit attestation, which only docker buildx makes; ${tool} cannot attach one to the image. ` +
        `Remove \`${which}\` (or set it to \`false\`), use \`builder: docker\` where a Docker daemon runs, or make an SBOM in a separate step (e.g. syft on \`image-uri\`).`,
    );
  }
  for (const [key, value] of request.buildArgs) build.push('--build-arg', `${key}=${value}`);
  for (const [name, value] of request.buildContexts ?? []) build.push('--build-context', `${name}=${value}`);
  // buildah reads secrets from files only (buildah-build(1): --secret=id=id,src=path): values get 0600 temporary files.
  for (const id of [...request.secrets.keys(), ...(request.envSecrets?.keys() ?? [])]) {
    const file = files.secretFiles.get(id);
    if (!file) throw new Error(`No file was prepared for build secret \`${id}\`.`);
    build.push('--secret', `id=${id},src=${file}`);
  }
  for (const [id, path] of request.fileSecrets ?? []) build.push('--secret', `id=${id},src=${path}`);
  for (const entry of request.ssh ?? []) build.push('--ssh', entry);
  if (request.platforms.length > 0) build.push('--platform', request.platforms.join(','));
  for (const [key, value] of request.labels) build.push('--label', `${key}=${value}`);
  for (const [key, value] of request.annotations ?? []) {
    build.push('--annotation', `${buildahAnnotationKey(key, tool)}=${value}`);
  }
  if (request.noCache) build.push('--no-cache');
  // docker's --pull is "always attempt to pull"; buildah's bare --pull only pulls what is newer or missing.
  if (request.pull) build.push('--pull=always');
  build.push(...buildahCacheArgs(tool, request, warnings));
  build.push(...tlsArgs(request));

  const steps: Invocation[] = [];
  const cleanup: Invocation[] = [];
  if (multiPlatform) {
    // A list of that name left by an earlier run would collect this run's images too.
    steps.push({ command: tool, args: ['manifest', 'rm', primary], optional: true });
    build.push('--manifest', primary);
  } else {
    for (const tag of request.tags) build.push('--tag', imageRef(request, tag));
  }
  build.push(request.context);
  steps.push({ command: tool, args: build });

  if (request.push) {
    const push = multiPlatform
      ? [
          'manifest',
          'push',
          '--all',
          ...tlsArgs(request),
          '--digestfile',
          files.digestFile,
          primary,
          `docker://${primary}`,
        ]
      : ['push', ...tlsArgs(request), '--digestfile', files.digestFile, primary, `docker://${primary}`];
    steps.push({ command: tool, args: push });
    if (multiPlatform) cleanup.push({ command: tool, args: ['manifest', 'rm', primary], optional: true });
  }
  return {
    steps,
    cleanup,
    digestFrom: request.push ? 'digestfile' : 'none',
    needsSecretFiles: request.secrets.size > 0 || (request.envSecrets?.size ?? 0) > 0,
    warnings,
  };
}
