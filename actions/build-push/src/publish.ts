/**
 * Steps 2 and 3 of build-push, loaded by main.ts once every input has been
 * checked (so a wrong input fails without parsing the AWS SDK): registry and
 * repository facts, then one of three paths — promote an existing image,
 * reuse the image the first tag names, or build and push.
 */
import { DescribeImagesCommand, DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { ecr } from '@berth/shared/aws-clients/ecr';
import { sts } from '@berth/shared/aws-clients/sts';
import { stepDeadline } from '@berth/shared/deadline';
import {
  currentTagDigests,
  type EcrClientLike,
  getImageManifest,
  type ImageManifest,
  imageIdFrom,
  putImageTags,
} from '@berth/shared/ecr-retag';
import {
  planTagUpdates,
  type RepositoryTagRules,
  type TagDecision,
  tagRefusalError,
} from '@berth/shared/ecr-tag-rules';
import {
  awsErrorName,
  ConfigurationError,
  errorMessage,
  isAccessDenied,
  wrapError,
} from '@berth/shared/errors';
import { waitForImageArrival } from '@berth/shared/image-arrival';
import { inGroup, type Logger } from '@berth/shared/logger';
import type { resolveBuildSecrets } from './build-secrets.js';
import { detectBuilder, runBuild } from './builders/index.js';
import type { BuildRequest } from './builders/types.js';
import { leaveDockerConfig } from './docker-config.js';
import { actionsExecutor } from './exec.js';
import type { RunContext } from './github-context.js';
import { shouldLogout } from './github-context.js';
import type { Inputs } from './inputs.js';
import { ecrCredentials, type RegistryCredentials, registryLogin, registryLogout } from './login.js';
import type { AwsClients, Effects } from './main.js';
import type { imageLabels } from './oci-labels.js';
import { checkRegistryRegion, isLoopbackRegistry, registryIdOf, resolveRegistry } from './registry.js';
import type { BuildPushResult, TagOutcome } from './result.js';
import type { planTags } from './tags.js';
import type { TempFiles } from './temp-files.js';

/** What main.ts established before anything was touched. */
export interface Plan {
  inputs: Inputs;
  run: RunContext;
  tagPlan: ReturnType<typeof planTags>;
  /** False when `source` asks to promote an existing image. */
  buildMode: boolean;
  buildSecrets?: ReturnType<typeof resolveBuildSecrets>;
  labels: ReturnType<typeof imageLabels>;
  files: TempFiles;
  setSecret(secret: string): void;
}

interface Target {
  ecr: EcrClientLike;
  registry: string;
  repo: { repositoryName: string; registryId?: string };
  image: string;
  rules: RepositoryTagRules;
}

async function describeRepository(target: Omit<Target, 'rules'>): Promise<RepositoryTagRules> {
  try {
    const response = await target.ecr.send(
      new DescribeRepositoriesCommand({
        repositoryNames: [target.repo.repositoryName],
        registryId: target.repo.registryId,
      }),
    );
    const repository = response.repositories?.[0];
    if (!repository) throw new Error('DescribeRepositories returned no repository');
    return repository;
  } catch (error) {
    if (awsErrorName(error) === 'RepositoryNotFoundException') {
      throw new ConfigurationError(
        `Input \`repository\`: \`${target.repo.repositoryName}\` does not exist in ${target.registry}. ` +
          `Create it (\`aws ecr create-repository --repository-name ${target.repo.repositoryName} --image-tag-mutability IMMUTABLE\`) or fix the name.`,
      );
    }
    throw wrapError(
      `read repository \`${target.repo.repositoryName}\` (DescribeRepositories)`,
      error,
      isAccessDenied(error)
        ? 'The role needs ecr:DescribeRepositories, ecr:DescribeImages and ecr:BatchGetImage on the repository besides the push permissions.'
        : undefined,
    );
  }
}

async function imageSize(target: Target, digest: string): Promise<number | undefined> {
  try {
    const response = await target.ecr.send(
      new DescribeImagesCommand({
        repositoryName: target.repo.repositoryName,
        registryId: target.repo.registryId,
        imageIds: [{ imageDigest: digest }],
      }),
    );
    return response.imageDetails?.[0]?.imageSizeInBytes;
  } catch {
    return undefined;
  }
}

function describeDecision(decision: TagDecision): string {
  switch (decision.action) {
    case 'create':
      return `${decision.tag}: new tag`;
    case 'keep':
      return `${decision.tag}: already on this image`;
    case 'move':
      return `${decision.tag}: moves from ${decision.currentDigest} (${decision.reason})`;
    case 'refuse':
      return `${decision.tag}: refused (${decision.reason})`;
  }
}

/** Puts every tag that is not already on `manifest` there; refuses before the first write when one may not move. */
async function applyTags(
  target: Target,
  manifest: ImageManifest,
  tags: readonly string[],
  current: ReadonlyMap<string, string>,
  logger: Logger,
): Promise<Array<{ tag: string; outcome: TagOutcome }>> {
  const decisions = planTagUpdates(target.rules, tags, current, manifest.digest);
  for (const decision of decisions) logger.info(describeDecision(decision));
  const refusal = tagRefusalError(target.repo.repositoryName, decisions);
  if (refusal) throw refusal;
  const toWrite = decisions.filter((decision) => decision.action === 'create' || decision.action === 'move');
  const written = await putImageTags(
    target.ecr,
    target.repo,
    manifest,
    toWrite.map((decision) => decision.tag),
  );
  return decisions.map((decision) => {
    const result = written.find((entry) => entry.tag === decision.tag);
    if (decision.action === 'keep' || result?.outcome === 'already-tagged')
      return { tag: decision.tag, outcome: 'kept' };
    return { tag: decision.tag, outcome: decision.action === 'move' ? 'moved' : 'created' };
  });
}

export async function publish(effects: Effects, plan: Plan): Promise<BuildPushResult> {
  const { inputs, run, tagPlan, buildMode, buildSecrets, labels, files, setSecret } = plan;
  const { logger } = effects;
  const exec = effects.exec ?? actionsExecutor;
  const tags = tagPlan.tags;
  // 2. Where the image goes and what the repository allows. Every AWS call from here on ends by the step's deadline.
  const deadline = stepDeadline(effects.clock, inputs.timeoutMinutes * 60_000);
  const { aws, registry } = await connect(inputs, effects, deadline.signal);
  const repo = { repositoryName: inputs.repository, registryId: registryIdOf(registry) };
  const base = { registry, repo, image: `${registry}/${inputs.repository}` };
  const common = {
    registry,
    repository: inputs.repository,
    image: base.image,
    tags,
    platforms: inputs.platforms,
    cache: (inputs.cacheFrom.length + inputs.cacheTo.length > 0
      ? 'cache-from/cache-to'
      : inputs.cache) as BuildPushResult['cache'],
    version: tagPlan.version,
    labels,
    annotations: inputs.annotations,
    dockerConfig: undefined as string | undefined,
  };

  let target: Target | undefined;
  let current = new Map<string, string>();
  if (inputs.push && aws) {
    const withClient = { ...base, ecr: aws.ecr() };
    target = { ...withClient, rules: await describeRepository(withClient) };
    current = await currentTagDigests(target.ecr, repo, tags);
  }

  // One ECR login token for the builder and the docker config left for later steps.
  let credentials: RegistryCredentials | undefined;
  const login = async (client: AwsClients) => {
    credentials ??= await ecrCredentials(client.ecr(), setSecret);
    return credentials;
  };
  if (inputs.dockerConfig && aws) {
    // Exported by runAction once the step's own login and logout are over.
    common.dockerConfig = await leaveDockerConfig(
      { files, env: effects.env, logger, setSecret },
      registry,
      await login(aws),
    );
  } else if (inputs.dockerConfig) {
    logger.warning(
      '`docker-config: true` but there is no AWS access (push is false); no docker config was written.',
    );
  }

  // 3a. Promotion: no build, the tested image gets the new tags.
  if (!buildMode && target) {
    const source = inputs.source!;
    if (inputs.waitMinutes > 0) {
      await inGroup(logger, `Wait for ${source}`, () =>
        waitForImageArrival({
          ecr: target.ecr,
          registry,
          region: aws!.region,
          repository: repo,
          digest: source,
          timeoutMs: inputs.waitMinutes * 60_000,
          clock: effects.clock,
          logger,
        }),
      );
    }
    const manifest = await inGroup(logger, `Promote ${source}`, async () => {
      const found = await getImageManifest(target.ecr, repo, imageIdFrom(source), 'source');
      logger.info(`${source} is ${found.digest} (${found.mediaType})`);
      return found;
    });
    const tagOutcomes = await inGroup(logger, 'Tag', () =>
      applyTags(target, manifest, tags, current, logger),
    );
    return {
      ...common,
      mode: 'promote',
      source,
      digest: manifest.digest,
      manifestMediaType: manifest.mediaType,
      tagOutcomes,
      builder: 'none',
      sizeBytes: await imageSize(target, manifest.digest),
    };
  }

  // 3b. Build once: the first tag already names an image (a re-run of the same commit).
  const existing = current.get(tags[0]);
  if (target && inputs.skipIfExists && tagPlan.firstTagIdentifiesBuild && existing) {
    const manifest = await getImageManifest(target.ecr, repo, { imageDigest: existing }, 'tags');
    logger.notice(
      `${base.image}:${tags[0]} already exists (${existing}); not building it again (skip-if-exists).`,
    );
    const tagOutcomes = await inGroup(logger, 'Tag', () =>
      applyTags(target, manifest, tags, current, logger),
    );
    return {
      ...common,
      mode: 'reuse',
      digest: existing,
      manifestMediaType: manifest.mediaType,
      tagOutcomes,
      builder: 'none',
      sizeBytes: await imageSize(target, existing),
    };
  }

  // 3c. Build. A new build has a new digest, so an existing tag that may not move fails now, before any work.
  if (target) {
    const refusal = tagRefusalError(
      inputs.repository,
      planTagUpdates(target.rules, tags, current, undefined),
    );
    if (refusal) throw refusal;
  }
  const builder = await inGroup(logger, 'Find a builder', async () => {
    const found = await detectBuilder(exec, inputs.builder);
    for (const probe of found.probes) logger.info(`${probe.builder}: ${probe.detail}`);
    return found;
  });
  const insecure = isLoopbackRegistry(registry);
  let loggedIn = false;
  if (aws) {
    try {
      await registryLogin(exec, builder.name, registry, await login(aws), insecure);
      loggedIn = true;
    } catch (error) {
      if (inputs.push) throw error;
      logger.warning(`Building without logging in to ${registry} (push is false): ${errorMessage(error)}`);
    }
  }
  let outcome: Awaited<ReturnType<typeof runBuild>>;
  try {
    const request: BuildRequest = {
      context: inputs.context,
      file: inputs.file,
      target: inputs.target,
      buildArgs: inputs.buildArgs,
      secrets: inputs.secrets,
      fileSecrets: buildSecrets?.files,
      envSecrets: buildSecrets?.envs,
      ssh: inputs.ssh,
      buildContexts: inputs.buildContexts,
      labels,
      annotations: inputs.annotations,
      noCache: inputs.noCache,
      pull: inputs.pull,
      platforms: inputs.platforms,
      cache: inputs.cache,
      cacheFrom: inputs.cacheFrom,
      cacheTo: inputs.cacheTo,
      provenance: inputs.provenance,
      sbom: inputs.sbom,
      push: inputs.push,
      imageName: base.image,
      tags,
      insecureRegistry: insecure,
    };
    outcome = await inGroup(logger, `Build with ${builder.name}`, () =>
      runBuild(builder, request, { exec: exec, files: files, logger }),
    );
  } finally {
    if (loggedIn && shouldLogout(run)) {
      const problem = await registryLogout(exec, builder.name, registry);
      if (problem) logger.warning(`Could not log out of ${registry}: ${problem}`);
    }
  }

  if (!target || !outcome.digest) {
    return {
      ...common,
      mode: 'build-only',
      tagOutcomes: tags.map((tag) => ({ tag, outcome: 'local' as const })),
      builder: builder.name,
      builderVersion: builder.version,
      cachedSteps: outcome.cachedSteps,
    };
  }
  const digest = outcome.digest;
  logger.info(`Pushed ${base.image}:${tags[0]} → ${digest}`);
  const rest = tags.slice(1);
  let restOutcomes: Array<{ tag: string; outcome: TagOutcome }> = [];
  let mediaType: string | undefined;
  if (rest.length > 0) {
    const manifest = await getImageManifest(target.ecr, repo, { imageDigest: digest }, 'tags');
    mediaType = manifest.mediaType;
    restOutcomes = await inGroup(logger, 'Tag', () => applyTags(target, manifest, rest, current, logger));
  }
  return {
    ...common,
    mode: 'build',
    digest,
    manifestMediaType: mediaType,
    tagOutcomes: [{ tag: tags[0], outcome: 'pushed' }, ...restOutcomes],
    builder: builder.name,
    builderVersion: builder.version,
    cachedSteps: outcome.cachedSteps,
    sizeBytes: await imageSize(target, digest),
  };
}

/**
 * The AWS clients and the registry. Pushing needs both; a build with
 * `push: false` (a pull request from a fork, say) goes on without AWS, naming
 * its image after `registry` or `localhost`.
 */
async function connect(
  inputs: Inputs,
  effects: Effects,
  signal: AbortSignal,
): Promise<{ aws?: AwsClients; registry: string }> {
  const withoutAws = (error: unknown) => {
    const registry = inputs.registry ?? 'localhost';
    effects.logger.warning(
      `No AWS access (${errorMessage(error)}); push is false, so the image is built as ${registry}/${inputs.repository} without a registry login.`,
    );
    return { registry };
  };
  let aws: AwsClients;
  try {
    aws = effects.aws(inputs.aws, { signal, clients: { ecr, sts } });
  } catch (error) {
    // A malformed aws-region or role-to-assume is a mistake to report even when nothing is pushed.
    const configured = inputs.aws.region !== undefined || inputs.aws.roleToAssume !== undefined;
    if (inputs.push || configured) throw error;
    return withoutAws(error);
  }
  try {
    const registry = await resolveRegistry(inputs.registry, aws.sts(), aws.region);
    checkRegistryRegion(registry, aws.region);
    return { aws, registry };
  } catch (error) {
    // Credentials that do not work (a fork's pull request gets no OIDC token) only matter when pushing.
    if (inputs.push) throw error;
    return withoutAws(error);
  }
}
