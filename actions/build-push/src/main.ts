/**
 * Wiring: inputs → tags → registry and repository facts → one of three paths
 * (promote an existing image, reuse the image the first tag names, or build
 * and push) → outputs and the job summary. Decisions live in tags.ts,
 * @berth/shared's ecr-tag-rules and builders/; effects come in `effects`.
 */

import type { STSClient } from '@aws-sdk/client-sts';
import { type Clock, systemClock } from '@berth/shared/clock';
import { isDeadlineError } from '@berth/shared/deadline';
import type { EcrClientLike } from '@berth/shared/ecr-retag';
import type { ActionEffects } from '@berth/shared/effects';
import { ConfigurationError, errorMessage } from '@berth/shared/errors';
import * as core from '@berth/shared/runner';
import { addVerdict } from '@berth/shared/summary';
import { resolveWorkspacePath } from '@berth/shared/workspace-file';
import { resolveBuildSecrets } from './build-secrets.js';
import type { Exec } from './exec.js';
import { labelContext, readEventPayload, readRunContext, tagContext } from './github-context.js';
import { getInputs, type Inputs } from './inputs.js';
import { imageLabels } from './oci-labels.js';
import { type BuildPushResult, outputsOf } from './result.js';
import { buildSummary } from './summary.js';
import { planTags } from './tags.js';
import { nodeTempFiles, type TempFiles } from './temp-files.js';

export const ACTION_NAME = 'build-push';

export interface AwsClients {
  region: string;
  ecr(): EcrClientLike;
  sts(): Pick<STSClient, 'send'>;
}

/** The shared effects, and the ones only a build has; each optional one has a real default. */
export interface Effects extends ActionEffects {
  /** Runs the builder (docker, buildah, podman); @actions/exec by default. */
  exec?: Exec;
  /** Secret files, digest and metadata files; under `files.temp` by default. */
  tempFiles?: TempFiles;
  /** Masks a value in the log (the runner's add-mask by default). */
  setSecret?(secret: string): void;
  /** Tag and label dates: real time even when BERTH_TIME_SCALE speeds `clock` up (default the system clock). */
  wallClock?: Pick<Clock, 'now'>;
}

/**
 * A build context on disk and the Dockerfile must exist, and lie inside the
 * workspace or RUNNER_TEMP once links are followed, before anything happens:
 * the builder would otherwise send `/` or read `/etc/passwd` as a Dockerfile.
 * URLs (git, https) are the builder's business.
 */
function checkBuildFiles(inputs: Inputs, workspace: string, runnerTemp: string | undefined): void {
  const roots = { workspace, runnerTemp };
  if (!/^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(inputs.context)) {
    resolveWorkspacePath('context', inputs.context, {
      roots,
      kind: 'directory',
      missingHint: 'Check out the repository first (actions/checkout) or fix the path.',
    });
  }
  if (inputs.file) {
    resolveWorkspacePath('file', inputs.file, {
      roots,
      missingHint: 'It is relative to the workspace, e.g. `file: docker/Containerfile`.',
    });
  }
}

async function buildPush(effects: Effects): Promise<BuildPushResult> {
  const { logger } = effects;
  const files = effects.tempFiles ?? nodeTempFiles(effects.files.temp);
  const setSecret = effects.setSecret ?? core.setSecret;
  // 1. Everything that can be checked without touching anything.
  const inputs = getInputs(effects.inputs);
  for (const value of inputs.secrets.values()) if (value !== '') setSecret(value);
  const run = readRunContext(effects.env, await readEventPayload(files, effects.env.GITHUB_EVENT_PATH));
  const now = new Date((effects.wallClock ?? systemClock(1)).now());
  const buildMode = inputs.source === undefined;
  // Promotion that only waits for the digest to arrive (`wait-minutes`, `tags` empty): no tag is computed or written.
  const waitOnly = !buildMode && inputs.waitMinutes > 0 && inputs.tags.length === 0;
  const planned = planTags(inputs.tags, inputs.flavor, tagContext(run, now, inputs), {
    allowLatest: inputs.allowLatest,
  });
  const tagPlan = waitOnly ? { ...planned, tags: [], notes: [] } : planned;
  const tags = tagPlan.tags;
  for (const note of tagPlan.notes) logger.info(note);
  const workspace = effects.env.GITHUB_WORKSPACE || effects.files.workspace;
  if (buildMode) checkBuildFiles(inputs, workspace, effects.env.RUNNER_TEMP || undefined);
  const buildSecrets = buildMode
    ? resolveBuildSecrets(inputs, effects.env, {
        workspace,
        runnerTemp: effects.env.RUNNER_TEMP || undefined,
      })
    : undefined;
  for (const { value } of buildSecrets?.envs.values() ?? []) setSecret(value);
  const labels = imageLabels(labelContext(run, now, tagPlan.version), inputs.labels);
  if (!buildMode && !inputs.push) {
    throw new ConfigurationError(
      'Input `push` is `false` but `source` asks to re-tag an existing image in the registry. Remove one of them.',
    );
  }
  if (tags.length > 0) logger.info(`Tags: ${tags.join(', ')}`);

  // 2–3. The AWS SDK and the builders load only now: a wrong input above fails without parsing them.
  const { publish } = await import('./publish.js');
  return publish(effects, { inputs, run, tagPlan, buildMode, buildSecrets, labels, files, setSecret });
}

/** The build, then outputs and the summary: what `index.ts` runs through `run()`. */
export async function main(effects: Effects): Promise<BuildPushResult> {
  let result: BuildPushResult;
  try {
    result = await buildPush(effects);
  } catch (error) {
    if (!isDeadlineError(error)) throw error;
    const message = `Timed out: an AWS call was still unanswered when \`timeout-minutes\` passed, and was abandoned (${errorMessage(error)}). A promotion's tags may be partly written: run the step again, it keeps tags already on the image.`;
    await effects.summary((summary) =>
      addVerdict(summary, { headline: 'Build and push timed out', facts: [['Why', message]] }),
    );
    throw new Error(message, { cause: error });
  }
  if (result.dockerConfig) effects.exportVariable('DOCKER_CONFIG', result.dockerConfig);
  for (const [name, value] of Object.entries(outputsOf(result))) effects.setOutput(name, value);
  await effects.summary(buildSummary(result));
  return result;
}
