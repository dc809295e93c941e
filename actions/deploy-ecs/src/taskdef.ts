/**
 * The task definition to deploy: a file prepared by taskdef-file.ts, reused
 * when the family's latest ACTIVE revision is the same definition, or
 * registered; or an existing revision described as it is.
 */
import {
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { Sleep } from '@berth/shared/backoff';
import { awsErrorName, ConfigurationError } from '@berth/shared/errors';
import type { Logger } from '@berth/shared/logger';
import { taskDefinitionDifferences } from '@berth/shared/taskdef/fields';
import type { JsonObject } from '@berth/shared/taskdef/read';
import { writeOnce } from '@berth/shared/write-once';
import { type AdviceContext, explainEcsError } from './advice.js';
import type { PreparedTaskDefinition } from './taskdef-file.js';

/** Task definition members as the comparison sees them: the definition plus its tags. */
function comparable(definition: object, tags: Tag[] | undefined): JsonObject {
  return { ...(definition as JsonObject), tags: tags ?? [] };
}

export interface ResolvedTaskDefinition {
  arn: string;
  definition: TaskDefinition;
  /** How we got it: a new revision, the same latest revision reused, or the revision the input named. */
  origin: 'registered' | 'reused' | 'existing';
}

/** The roles a definition names, for iam:PassRole advice. */
function rolesOf(definition: JsonObject | TaskDefinition): string[] {
  const d = definition as { taskRoleArn?: unknown; executionRoleArn?: unknown };
  return [d.taskRoleArn, d.executionRoleArn].filter((r): r is string => typeof r === 'string' && r !== '');
}

/** The family's latest ACTIVE revision with its tags, or undefined when the family has none. */
async function latestRevision(
  ecs: ECSClient,
  family: string,
  context: AdviceContext,
): Promise<{ definition: TaskDefinition; tags: Tag[] } | undefined> {
  try {
    const out = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: family, include: ['TAGS'] }),
    );
    return out.taskDefinition ? { definition: out.taskDefinition, tags: out.tags ?? [] } : undefined;
  } catch (error) {
    // A family without an ACTIVE revision is a ClientException ("Unable to describe task definition").
    if (awsErrorName(error) === 'ClientException') return undefined;
    throw explainEcsError('DescribeTaskDefinition', error, { ...context, taskDefinition: family });
  }
}

/**
 * Registers the prepared definition, or reuses the family's latest ACTIVE
 * revision when it is the same definition (read-only fields, key order and
 * ECS's defaults aside) and `reuse` is on.
 */
export async function registerOrReuse(options: {
  ecs: ECSClient;
  /** The client for the write: no SDK retry (see writeOnce); `ecs` when omitted. */
  writes?: ECSClient;
  prepared: PreparedTaskDefinition;
  reuse: boolean;
  logger: Logger;
  context: AdviceContext;
  /** Attempts for the write (the `max-attempts` input; default 1). */
  maxAttempts?: number;
  sleep?: Sleep;
  /** Told when the write is sent (true) and when its answer came (false). */
  onWrite?: (inFlight: boolean) => void;
}): Promise<ResolvedTaskDefinition> {
  const { ecs, prepared, logger, context } = options;
  if (prepared.removedReadOnly.length > 0) {
    logger.info(`Ignoring read-only fields in ${prepared.file}: ${prepared.removedReadOnly.join(', ')}.`);
  }
  for (const note of prepared.notes) logger.info(note);
  for (const warning of prepared.warnings)
    logger.warning(warning, { title: `Task definition ${prepared.file}` });
  // The latest revision before our write, when known: a lost answer is ours only if a newer one appeared.
  let knownRevision: number | undefined;
  if (options.reuse) {
    const latest = await latestRevision(ecs, prepared.family, context);
    knownRevision = latest ? (latest.definition.revision ?? 0) : 0;
    if (latest?.definition.taskDefinitionArn) {
      const differences = taskDefinitionDifferences(
        comparable(latest.definition, latest.tags),
        comparable(prepared.definition, prepared.tags),
        5,
      );
      if (differences.length === 0) {
        logger.info(
          `${prepared.file} is the same as the latest ACTIVE revision ${latest.definition.taskDefinitionArn}; reusing it (reuse-unchanged-revision).`,
        );
        return { arn: latest.definition.taskDefinitionArn, definition: latest.definition, origin: 'reused' };
      }
      logger.info(
        `${prepared.file} differs from ${latest.definition.taskDefinitionArn} in ${differences.join(', ')}; registering a new revision.`,
      );
    } else {
      logger.info(`Family ${prepared.family} has no ACTIVE revision yet; registering its first.`);
    }
  }
  const request = {
    ...prepared.definition,
    ...(prepared.tags.length > 0 ? { tags: prepared.tags } : {}),
  } as unknown as RegisterTaskDefinitionCommandInput;
  // After a lost answer: the family's latest revision is ours when it is newer than the one
  // known before and the same definition (ECS numbers revisions in order; nobody else registers
  // an identical definition in the same second by chance, and if they did it is equally good).
  const lookBefore = async () => {
    const latest = await latestRevision(ecs, prepared.family, context);
    if (!latest?.definition.taskDefinitionArn) return undefined;
    if (knownRevision !== undefined && (latest.definition.revision ?? 0) <= knownRevision) return undefined;
    const differences = taskDefinitionDifferences(
      comparable(latest.definition, latest.tags),
      comparable(prepared.definition, prepared.tags),
      1,
    );
    return differences.length === 0 ? { taskDefinition: latest.definition, $metadata: {} } : undefined;
  };
  try {
    options.onWrite?.(true);
    const out = await writeOnce({
      operation: 'RegisterTaskDefinition',
      send: () => (options.writes ?? ecs).send(new RegisterTaskDefinitionCommand(request)),
      lookBefore,
      maxAttempts: options.maxAttempts ?? 1,
      logger,
      sleep: options.sleep,
    });
    options.onWrite?.(false);
    const definition = out.taskDefinition;
    if (!definition?.taskDefinitionArn)
      throw new Error('RegisterTaskDefinition returned no task definition ARN');
    logger.info(`Registered ${definition.taskDefinitionArn}.`);
    return { arn: definition.taskDefinitionArn, definition, origin: 'registered' };
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw explainEcsError('RegisterTaskDefinition', error, {
      ...context,
      taskDefinition: prepared.file,
      roles: rolesOf(prepared.definition),
    });
  }
}

/** An existing revision (`family:revision` or ARN), described as it is; nothing is registered. */
export async function describeExisting(
  ecs: ECSClient,
  reference: string,
  logger: Logger,
  context: AdviceContext,
): Promise<ResolvedTaskDefinition> {
  let definition: TaskDefinition | undefined;
  try {
    definition = (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: reference })))
      .taskDefinition;
  } catch (error) {
    throw explainEcsError('DescribeTaskDefinition', error, { ...context, taskDefinition: reference });
  }
  if (!definition?.taskDefinitionArn) {
    throw new ConfigurationError(`Input \`task-definition\`: ${reference} is not registered.`);
  }
  if (definition.status && definition.status !== 'ACTIVE') {
    logger.warning(
      `${definition.taskDefinitionArn} is ${definition.status}; ECS still deploys it, but it cannot be used for new services and may be deleted.`,
    );
  }
  logger.info(`Deploying the existing revision ${definition.taskDefinitionArn} (nothing registered).`);
  return { arn: definition.taskDefinitionArn, definition, origin: 'existing' };
}
