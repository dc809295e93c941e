/**
 * render-taskdef once its inputs have passed (main.ts loads this module then):
 * the file or live family → the rendered, validated, pinned definition.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { AwsContext } from '@berth/shared/aws';
import { ConfigurationError } from '@berth/shared/errors';
import { inGroup } from '@berth/shared/logger';
import { readTaskDefinitionFile, type TaskDefinitionDocument } from '@berth/shared/taskdef/read';
import { type Inputs, regionFor } from './inputs.js';
import type { Effects } from './main.js';
import { applyPins, type PinOutcome, pinImages, planPins } from './pin.js';
import { type RenderResult, renderTaskDefinition, validationErrorMessage } from './render.js';
import { buildFailureSummaryMarkdown, buildSummaryMarkdown } from './summary.js';

function safeFileName(family: string): string {
  return family.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100) || 'task-definition';
}

function annotationTitle(container: string | undefined): string {
  return container ? `Task definition: container ${container}` : 'Task definition';
}

/**
 * source → render (pure) → pin (ECR) → write → outputs and summary. The AWS
 * SDK loads only on the paths that call AWS (a family or service to fetch, a
 * tag to pin): a file refused for its content exits without parsing it.
 */
export async function renderStep(inputs: Inputs, effects: Effects): Promise<void> {
  const { logger, env } = effects;
  const workspace = effects.files.workspace;

  // AWS only when a step needs it (a family to fetch, an ECR tag to pin), at most one context.
  // Without a region anywhere, the first ECR registry's region will do: pinning needs nothing else.
  let aws: AwsContext | undefined;
  const awsClients = (regionHint?: string): AwsContext => {
    aws ??= effects.aws({ ...inputs.aws, region: regionFor(inputs.aws, env, regionHint) });
    return aws;
  };

  let document: TaskDefinitionDocument;
  let source: string;
  let annotationFile: string | undefined;
  if (inputs.taskDefinition !== undefined) {
    const path = inputs.taskDefinition;
    source = path;
    annotationFile = relative(workspace, join(workspace, path)) || path;
    document = await inGroup(logger, `Read ${path}`, async () => {
      const loaded = readTaskDefinitionFile(path, {
        inputName: 'task-definition',
        roots: { workspace, runnerTemp: env.RUNNER_TEMP || undefined },
      });
      logger.info(
        `Read ${path} as ${loaded.format.toUpperCase()}${loaded.wrapped ? ' (describe-task-definition output)' : ''}.`,
      );
      return loaded;
    });
  } else {
    const fetched = await inGroup(logger, 'Fetch the task definition from ECS', async () => {
      // The ECS reads load with the SDK only on this path: a file to render never parses it.
      const { runningTaskDefinition } = await import('./running-service.js');
      const { fetchTaskDefinition } = await import('./source.js');
      const clients = awsClients();
      let reference = inputs.taskDefinitionFamily!;
      if (inputs.service) {
        reference = await runningTaskDefinition(clients.ecs(), inputs.service, clients.region);
        logger.info(`${inputs.service.cluster}/${inputs.service.service} runs ${reference}.`);
      }
      const result = await fetchTaskDefinition(clients.ecs(), reference, clients.region);
      logger.info(
        `Fetched ${result.revision}${result.status ? ` (${result.status})` : ''} from ECS in ${clients.region}.`,
      );
      if (result.status === 'INACTIVE') {
        logger.warning(
          `${result.revision} is INACTIVE (deregistered); the rendered copy registers as a new ACTIVE revision.`,
          {
            title: annotationTitle(undefined),
          },
        );
      }
      return result;
    });
    document = fetched;
    source = fetched.revision;
  }

  const render: RenderResult = await inGroup(logger, 'Render and validate', async () => {
    const result = renderTaskDefinition(
      document,
      {
        containerName: inputs.containerName,
        image: inputs.image,
        images: inputs.images,
        environment: inputs.environmentVariables,
        secrets: inputs.secrets,
        dockerLabels: inputs.dockerLabels,
        command: inputs.command,
        cpu: inputs.cpu,
        memory: inputs.memory,
        taskRoleArn: inputs.taskRoleArn,
        executionRoleArn: inputs.executionRoleArn,
        vars: inputs.vars,
      },
      inputs.taskDefinition ?? `task definition ${source}`,
      inputs.taskDefinition !== undefined ? 'task-definition' : 'task-definition-family',
    );
    for (const note of result.notes) logger.info(note);
    if (result.removedReadOnly.length > 0) {
      logger.info(
        `Removed read-only fields ${result.removedReadOnly.join(', ')} (ECS sets them; RegisterTaskDefinition rejects them).`,
      );
    }
    if (result.removedNulls.length > 0) {
      logger.info(
        `Removed ${result.removedNulls.length} null value(s) (null means unset): ${result.removedNulls.join(', ')}.`,
      );
    }
    if (result.removedTags.length > 0) {
      logger.info(
        `Removed tags with the reserved \`aws:\` prefix (AWS sets them): ${result.removedTags.join(', ')}.`,
      );
    }
    for (const change of result.changes) logger.info(change);
    return result;
  });

  const warnings = [...inputs.commandWarnings, ...render.warnings.map((warning) => warning.message)];
  for (const warning of inputs.commandWarnings) logger.warning(warning, { title: 'Input command' });
  for (const warning of render.warnings) {
    logger.warning(warning.message, { title: annotationTitle(warning.container), file: annotationFile });
  }
  if (render.errors.length > 0) {
    for (const problem of render.errors) {
      logger.error(problem.message, { title: annotationTitle(problem.container), file: annotationFile });
    }
    await effects.summary((summary) =>
      summary.addRaw(buildFailureSummaryMarkdown(source, render.errors, warnings), true),
    );
    throw new ConfigurationError(
      validationErrorMessage(
        render.errors,
        inputs.taskDefinition ?? source,
        inputs.taskDefinition !== undefined
          ? 'task-definition'
          : inputs.service
            ? 'service'
            : 'task-definition-family',
      ),
    );
  }

  let pins: PinOutcome[] | undefined;
  if (inputs.pinDigest) {
    pins = await inGroup(logger, 'Pin images by digest', async () => {
      const plan = planPins(render.images);
      const firstRegion = plan.find((item) => item.action === 'resolve')?.registry?.region;
      const outcomes =
        firstRegion === undefined
          ? await pinImages(plan, () => {
              throw new Error('no ECR lookups were planned');
            })
          : await pinImages(plan, (registry) =>
              awsClients(firstRegion).ecrIn(registry.region, registry.fips),
            );
      for (const outcome of outcomes) {
        if (outcome.status === 'pinned')
          logger.info(`${outcome.container}: ${outcome.image} → ${outcome.pinned}`);
        else if (outcome.status === 'already-pinned')
          logger.info(`${outcome.container}: ${outcome.image} (digest given)`);
        else if (outcome.status === 'not-ecr') {
          logger.notice(
            `Container \`${outcome.container}\`: ${outcome.image} is not in a private ECR registry, so it is left as given (not pinned by digest). Give it as \`…@sha256:…\` for an immutable definition.`,
            { title: 'Image not pinned' },
          );
        } else {
          const message = `Container \`${outcome.container}\`: ${outcome.image} left as given. ${outcome.reason ?? ''}`;
          warnings.push(message);
          logger.warning(message, { title: 'Image not pinned' });
        }
      }
      return outcomes;
    });
    applyPins(render.definition, pins);
  } else {
    logger.info('pin-digest is false: images are registered as given.');
  }

  const outputPath = await inGroup(logger, 'Write the rendered task definition', async () => {
    const suffix = effects.randomSuffix?.() ?? randomBytes(4).toString('hex');
    const path = join(effects.files.temp, `task-definition-${safeFileName(render.family)}-${suffix}.json`);
    const json = `${JSON.stringify(render.definition, null, 2)}\n`;
    // `wx`: never overwrite a file an earlier step left there.
    writeFileSync(path, json, { flag: 'wx', mode: 0o644 });
    logger.debug(json);
    logger.info(`Wrote ${path}`);
    return path;
  });

  const finalImages: Record<string, string> = {};
  for (const image of render.images) {
    const pinned = pins?.find((pin) => pin.container === image.container)?.pinned;
    const value = pinned ?? image.after;
    if (value !== undefined) finalImages[image.container] = value;
  }
  effects.setOutput('task-definition', outputPath);
  effects.setOutput('images', JSON.stringify(finalImages));
  effects.setOutput('family', render.family);

  await effects.summary((summary) =>
    summary.addRaw(
      buildSummaryMarkdown({ family: render.family, source, output: outputPath, render, pins, warnings }),
      true,
    ),
  );
}
