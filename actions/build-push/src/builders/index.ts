import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '@berth/shared/logger';
import { type Exec, tail } from '../exec.js';
import type { TempFiles } from '../temp-files.js';
import { buildahPlan } from './buildah.js';
import {
  buildxPlan,
  createBuilderInvocation,
  digestFromMetadata,
  needsContainerBuilder,
  parseBuildxDriver,
} from './buildx.js';
import type { DetectedBuilder } from './detect.js';
import type { BuildFiles, BuildPlan, BuildRequest, Invocation } from './types.js';

export * from './buildah.js';
export * from './buildx.js';
export * from './cache.js';
export * from './detect.js';
export * from './types.js';

export interface BuildDependencies {
  exec: Exec;
  files: TempFiles;
  logger: Logger;
  /** Suffix for names this run creates (temporary buildx builder); random unless a test fixes it. */
  uniqueSuffix?: () => string;
}

export interface BuildOutcome {
  /** The pushed digest (undefined when not pushed). */
  digest?: string;
  /** Build steps the builder reported as taken from its cache. */
  cachedSteps: number;
  warnings: string[];
}

/** Counts the steps a builder log reports as cached (buildx `CACHED`, buildah/podman `Using cache`). */
export function countCachedSteps(log: string): number {
  return log.split('\n').filter((line) => /\bCACHED\b|Using cache\b/.test(line)).length;
}

function describe(step: Invocation): string {
  return [
    step.command,
    ...step.args.slice(0, step.args[0] === 'buildx' || step.args[0] === 'manifest' ? 2 : 1),
  ].join(' ');
}

async function planFor(
  builder: DetectedBuilder,
  request: BuildRequest,
  files: BuildFiles,
  deps: BuildDependencies,
): Promise<BuildPlan> {
  if (builder.name !== 'docker') return buildahPlan(builder.name, request, files);
  const inspect = await deps.exec('docker', ['buildx', 'inspect'], { silent: true });
  const driver = inspect.exitCode === 0 ? parseBuildxDriver(inspect.stdout) : undefined;
  if (!needsContainerBuilder(driver, request))
    return buildxPlan(request, files, { ghaScope: scopeOf(request) });
  const name = `berth-${(deps.uniqueSuffix ?? (() => randomBytes(4).toString('hex')))()}`;
  deps.logger.info(
    `The current buildx builder uses the \`docker\` driver, which cannot export a cache or build several platforms; building on a temporary docker-container builder \`${name}\`.`,
  );
  const plan = buildxPlan(request, files, { builderInstance: name, ghaScope: scopeOf(request) });
  return { ...plan, steps: [createBuilderInvocation(name), ...plan.steps] };
}

function scopeOf(request: BuildRequest): string {
  return request.imageName.slice(request.imageName.indexOf('/') + 1);
}

/**
 * Builds (and pushes the first tag) with the detected builder. Temporary
 * files (secrets included) are removed whatever happens.
 */
export async function runBuild(
  builder: DetectedBuilder,
  request: BuildRequest,
  deps: BuildDependencies,
): Promise<BuildOutcome> {
  const dir = await deps.files.makeDir();
  try {
    const secretFiles = new Map<string, string>();
    if (builder.name !== 'docker') {
      let index = 0;
      const values = [
        ...request.secrets,
        ...[...(request.envSecrets ?? [])].map(([id, { value }]) => [id, value] as const),
      ];
      for (const [id, value] of values) {
        const path = join(dir, `secret-${index++}`);
        await deps.files.writePrivate(path, value);
        secretFiles.set(id, path);
      }
    }
    const files: BuildFiles = {
      dir,
      metadataFile: join(dir, 'metadata.json'),
      digestFile: join(dir, 'digest'),
      secretFiles,
    };
    const plan = await planFor(builder, request, files, deps);
    for (const warning of plan.warnings) deps.logger.warning(warning);
    let log = '';
    try {
      for (const step of plan.steps) {
        const result = await deps.exec(step.command, step.args, step.env ? { env: step.env } : {});
        log += `${result.stdout}\n${result.stderr}\n`;
        if (result.exitCode === 0) continue;
        if (step.optional) {
          deps.logger.debug(`${describe(step)} failed (ignored): ${tail(result, 2)}`);
          continue;
        }
        const pushing = step.args.includes('push') || step.args.includes('--push');
        throw new Error(
          `\`${describe(step)}\` failed with exit code ${result.exitCode}: ${tail(result)}` +
            (pushing
              ? ' Check that the repository exists and that the role may push to it (ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:BatchCheckLayerAvailability, ecr:PutImage).'
              : ''),
        );
      }
    } finally {
      for (const step of plan.cleanup) {
        const result = await deps.exec(step.command, step.args, { silent: true });
        if (result.exitCode !== 0)
          deps.logger.debug(`${describe(step)} failed (ignored): ${tail(result, 2)}`);
      }
    }
    let digest: string | undefined;
    if (plan.digestFrom === 'metadata') {
      digest = digestFromMetadata((await deps.files.read(files.metadataFile)) ?? '');
    } else if (plan.digestFrom === 'digestfile') {
      const text = (await deps.files.read(files.digestFile))?.trim();
      digest = text && /^sha256:[a-f0-9]{64}$/.test(text) ? text : undefined;
    }
    if (plan.digestFrom !== 'none' && !digest) {
      throw new Error(
        `${builder.name} pushed the image but did not report its digest; cannot continue without it.`,
      );
    }
    return { digest, cachedSteps: countCachedSteps(log), warnings: plan.warnings };
  } finally {
    await deps.files.remove(dir);
  }
}
