import {
  DescribeClustersCommand,
  type DescribeClustersCommandOutput,
  type ECSClient,
  type RunTaskCommandInput,
  type Service,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { buildDeploymentRecord } from '@berth/shared/deployment/build-record';
import { followTask } from '@berth/shared/deployment/follow-task';
import { runContext } from '@berth/shared/deployment/record';
import { failureLine, imagesOf, printTaskReport } from '@berth/shared/deployment/report';
import { readService } from '@berth/shared/deployment/service';
import { ConfigurationError, OutcomeError } from '@berth/shared/errors';
import { inGroup } from '@berth/shared/logger';
import { type AdviceContext, explainEcsError } from './advice.js';
import type { RunTaskInputs } from './inputs.js';
import { describeVolume } from './managed-ebs.js';
import { planRunTask } from './plan.js';
import { resolveTaskDefinition, type Step } from './step.js';
import { writeRecordAndSummary } from './summary.js';
import { tagAfterSuccess } from './tag-images.js';
import { runTaskOnce } from './writes.js';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * What the RunTask request adds to the task, for the log: which containers are
 * overridden and how (environment variable names, never their values), tags,
 * managed tags and the EBS volume.
 */
export function describeRunTaskRequest(request: RunTaskCommandInput): string[] {
  const lines: string[] = [];
  for (const override of request.overrides?.containerOverrides ?? []) {
    const parts: string[] = [];
    if (override.command) parts.push(`command ${JSON.stringify(override.command)}`);
    if (override.environment?.length)
      parts.push(`environment ${override.environment.map((e) => e.name).join(', ')}`);
    if (override.environmentFiles?.length)
      parts.push(`${override.environmentFiles.length} environment file(s)`);
    for (const field of ['cpu', 'memory', 'memoryReservation'] as const)
      if (override[field] !== undefined) parts.push(`${field} ${override[field]}`);
    if (override.resourceRequirements?.length)
      parts.push(override.resourceRequirements.map((r) => `${r.type} ${r.value}`).join(', '));
    lines.push(`Container ${override.name}: ${parts.length ? parts.join('; ') : 'no change'}.`);
  }
  if (request.tags?.length)
    lines.push(`Tags: ${request.tags.map((t) => `${t.key}=${t.value ?? ''}`).join(', ')}.`);
  if (request.enableECSManagedTags !== undefined)
    lines.push(`ECS managed tags ${request.enableECSManagedTags ? 'on' : 'off'}.`);
  if (request.propagateTags) lines.push(`Tags propagated from ${request.propagateTags}.`);
  for (const volume of request.volumeConfigurations ?? []) lines.push(`${describeVolume(volume)}.`);
  return lines;
}

/** Fails with advice when the cluster does not exist or is not ACTIVE (one read call). */
export async function checkCluster(ecs: ECSClient, cluster: string, context: AdviceContext): Promise<void> {
  let out: DescribeClustersCommandOutput;
  try {
    out = await ecs.send(new DescribeClustersCommand({ clusters: [cluster] }));
  } catch (error) {
    throw explainEcsError('DescribeClusters', error, context);
  }
  const found = out.clusters?.[0];
  if (!found || (found.status && found.status !== 'ACTIVE')) {
    const why = found ? `it is ${found.status}` : (out.failures?.[0]?.reason ?? 'MISSING');
    throw new ConfigurationError(
      `Cluster \`${cluster}\` cannot run tasks${context.region ? ` in ${context.region}` : ''} (${why}). Check the \`cluster\` input and the region (\`aws-region\`).`,
    );
  }
}

/** cluster (or the service it borrows from) → task definition → RunTask → follow → tag → record, summary. */
export async function runOneOffTask(inputs: RunTaskInputs, step: Step): Promise<void> {
  const { effects, aws, progress, outputs, prepared } = step;
  const { logger, clock } = effects;
  const { cluster } = inputs;
  const ecs = aws.ecs();
  const context: AdviceContext = { cluster, service: inputs.service, region: aws.region };
  progress.doing = `reading cluster ${cluster}`;

  const service = await inGroup(logger, `Cluster ${cluster}`, async (): Promise<Service | undefined> => {
    if (inputs.service) {
      const found = await readService(ecs, {
        cluster,
        service: inputs.service,
        region: aws.region,
        explain: (error) => explainEcsError('DescribeServices', error, context),
      });
      logger.info(`Borrowing launch settings and network configuration from service ${inputs.service}.`);
      return found;
    }
    await checkCluster(ecs, cluster, context);
    return undefined;
  });
  // Check the request against the file before registering anything.
  if (prepared) planRunTask(inputs, prepared.definition as TaskDefinition, 'pending', service);

  const resolved = await resolveTaskDefinition(inputs, step, context);
  outputs['task-definition-arn'] = resolved.arn;
  const attempted = { taskDefinitionArn: resolved.arn, images: imagesOf(resolved.definition) };
  progress.to = attempted;
  progress.doing = `starting a task of ${resolved.arn}`;
  const family = resolved.definition.family ?? '';

  const launched = await inGroup(logger, 'Run task', async () => {
    const request = planRunTask(inputs, resolved.definition, resolved.arn, service);
    logger.info(
      `Running ${resolved.arn} in cluster ${cluster}${request.launchType ? ` (${request.launchType})` : ''}, started by ${request.startedBy}.`,
    );
    for (const line of describeRunTaskRequest(request)) logger.info(line);
    progress.writeInFlight = 'RunTask';
    const out = await runTaskOnce(
      {
        ecs,
        writes: aws.ecsWrites(),
        maxAttempts: inputs.aws.maxAttempts,
        sleep: (ms) => clock.sleep(ms),
        logger,
      },
      request,
      context,
    );
    progress.writeInFlight = undefined;
    // Every task RunTask started (the AWS deploy action's `run-task-arn` is this JSON array).
    const arns = (out?.tasks ?? []).map((t) => t.taskArn).filter((a): a is string => typeof a === 'string');
    outputs['run-task-arns'] = JSON.stringify(arns);
    const started = out?.tasks?.[0];
    const arn = started?.taskArn;
    if (!arn) {
      const failure = out?.failures?.[0];
      throw new OutcomeError(
        `ECS did not start the task: ${failure?.reason ?? 'no task and no reason returned'}${failure?.detail ? ` (${failure.detail})` : ''}${failure?.arn ? ` [${failure.arn}]` : ''}.`,
      );
    }
    logger.info(`Started task ${arn}.`);
    return { arn, started };
  });
  const taskArn = launched.arn;
  progress.taskArn = taskArn;
  progress.doing = `following task ${taskArn}`;
  outputs['run-task-arn'] = taskArn;

  const parts = {
    cluster,
    service: inputs.service,
    region: aws.region,
    to: attempted,
    requestedReason: inputs.reason,
    startedAt: progress.startedAt,
    run: runContext(effects.env),
  };
  if (!inputs.wait) {
    logger.info('Not waiting for the task to stop (wait: false).');
    const record = buildDeploymentRecord('run-task', {
      ...parts,
      status: 'started',
      endedAt: clock.now(),
      task: { taskArn },
    });
    await writeRecordAndSummary(step, record, family);
    return;
  }

  const result = await inGroup(logger, `Task ${taskArn.split('/').pop()}`, () =>
    followTask({
      ecs,
      logs: aws.logs(),
      clock,
      logger,
      cluster,
      taskArn,
      definition: resolved.definition,
      timeoutMs: inputs.timeoutMinutes * 60_000,
      deadline: step.deadline,
      initialTask: launched.started,
    }),
  );
  printTaskReport(result, logger);

  await tagAfterSuccess(step, inputs.tagDeployedImage, result.outcome, attempted.images);
  const record = buildDeploymentRecord('run-task', {
    ...parts,
    status: result.outcome,
    reason: result.reason,
    endedAt: result.endedAt,
    ending: {
      events: result.statuses.map((s) => ({ at: iso(s.at), message: s.message })),
      failedTasks: result.failedTasks,
      likelyCause: result.likelyCause,
    },
    task: { taskArn, exitCode: result.exitCode },
  });
  outputs['exit-code'] = result.exitCode === undefined ? '' : String(result.exitCode);
  outputs.status = result.outcome;
  const failure = result.outcome === 'succeeded' ? undefined : { failedTasks: result.failedTasks };
  await writeRecordAndSummary(step, record, family, { failure });
  if (result.outcome !== 'succeeded') {
    throw new OutcomeError(
      failureLine(
        result.outcome === 'timed-out' ? 'Task timed out' : 'Task failed',
        result.reason,
        result.likelyCause,
      ),
    );
  }
}
