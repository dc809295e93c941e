/**
 * The task definition to deploy: a file read as data and checked before any
 * AWS call, then reused when the family's latest ACTIVE revision is the same
 * definition, or registered; or an existing revision described as it is.
 */
import {
  DescribeTaskDefinitionCommand,
  type ECSClient,
  RegisterTaskDefinitionCommand,
  type RegisterTaskDefinitionCommandInput,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import {
  awsErrorName,
  CONTAINER_DEFINITION_KEYS,
  ConfigurationError,
  checkTaskDefinitionStructure,
  ECS_NAME,
  isJsonObject,
  type JsonObject,
  type Logger,
  nearestKey,
  readTaskDefinitionFile,
  type Sleep,
  stripReadOnlyFields,
  TASK_DEFINITION_KEYS,
  taskDefinitionDifferences,
  writeOnce,
} from '@berth/shared';
import { type AdviceContext, explainEcsError } from './advice.js';

/** A task definition file, read and checked, ready to compare and register. */
export interface PreparedTaskDefinition {
  /** As shown to the user (the input's value). */
  file: string;
  family: string;
  /** The definition without read-only fields, nulls or tags: what RegisterTaskDefinition gets besides tags. */
  definition: JsonObject;
  tags: Tag[];
  /** Read-only fields that were present and dropped (describe-task-definition output). */
  removedReadOnly: string[];
}

/** Drops `null` members of objects, at any depth: console exports write absent values as null. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isJsonObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) if (item !== null) result[key] = withoutNulls(item);
  return result;
}

function unknownKeyError(
  file: string,
  where: string,
  key: string,
  known: readonly string[],
): ConfigurationError {
  const suggestion = nearestKey(key, known);
  return new ConfigurationError(
    `Input \`task-definition\`: ${file} has an unknown field \`${key}\`${where}, which RegisterTaskDefinition would silently drop. ` +
      (suggestion
        ? `Did you mean \`${suggestion}\`?`
        : 'Remove it, or check the spelling against the ECS API.'),
  );
}

function toTags(file: string, value: unknown): Tag[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((t) => isJsonObject(t) && typeof t.key === 'string')) {
    throw new ConfigurationError(
      `Input \`task-definition\`: \`tags\` in ${file} must be a list of \`{"key": …, "value": …}\` objects (as ECS writes them), not ${Array.isArray(value) ? 'a list of something else' : typeof value === 'object' ? 'a map' : typeof value}.`,
    );
  }
  return value.map((t) => ({
    key: String(t.key),
    value: t.value === undefined ? undefined : String(t.value),
  }));
}

/**
 * Checks what a definition must have to register, and that every field is
 * one ECS knows (the SDK drops unknown members without a word, so a typo such
 * as `enviroment` would deploy a container without its environment).
 */
export function checkDefinition(file: string, definition: JsonObject): { family: string } {
  for (const key of Object.keys(definition)) {
    if (!(TASK_DEFINITION_KEYS as readonly string[]).includes(key)) {
      throw unknownKeyError(file, '', key, TASK_DEFINITION_KEYS);
    }
  }
  // Types with JSON paths, and prototype keys, before any field is used.
  checkTaskDefinitionStructure(definition, 'task-definition');
  const family = definition.family;
  if (typeof family !== 'string' || !ECS_NAME.test(family)) {
    throw new ConfigurationError(
      `Input \`task-definition\`: ${file} needs a \`family\` of letters, digits, \`-\` and \`_\` (at most 255)${family === undefined ? '' : `, got ${JSON.stringify(family)}`}.`,
    );
  }
  const containers = definition.containerDefinitions;
  if (!Array.isArray(containers) || containers.length === 0) {
    throw new ConfigurationError(
      `Input \`task-definition\`: ${file} has no \`containerDefinitions\`; a task definition needs at least one container with a \`name\` and an \`image\`.`,
    );
  }
  containers.forEach((container, index) => {
    if (!isJsonObject(container)) {
      throw new ConfigurationError(
        `Input \`task-definition\`: containerDefinitions[${index}] in ${file} is not an object.`,
      );
    }
    const label =
      typeof container.name === 'string'
        ? `container \`${container.name}\``
        : `containerDefinitions[${index}]`;
    for (const key of Object.keys(container)) {
      if (!(CONTAINER_DEFINITION_KEYS as readonly string[]).includes(key)) {
        throw unknownKeyError(file, ` in ${label}`, key, CONTAINER_DEFINITION_KEYS);
      }
    }
    if (typeof container.name !== 'string' || container.name === '') {
      throw new ConfigurationError(
        `Input \`task-definition\`: containerDefinitions[${index}] in ${file} has no \`name\`.`,
      );
    }
    // ECS refuses other names with "Container.name contains invalid characters." (API_ContainerDefinition.html).
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(container.name)) {
      throw new ConfigurationError(
        `Input \`task-definition\`: ${label} in ${file}: a container name may only contain letters, digits, \`-\` and \`_\` (at most 255), got ${JSON.stringify(container.name)}.`,
      );
    }
    if (typeof container.image !== 'string' || container.image.trim() === '') {
      throw new ConfigurationError(
        `Input \`task-definition\`: ${label} in ${file} has no \`image\`. Render the file with render-taskdef (\`image\` input) before deploying it.`,
      );
    }
  });
  return { family };
}

/**
 * ECS's task definition size quota (64 KiB, service-quotas.html); over it
 * RegisterTaskDefinition answers "Actual length: '…'. Max allowed length is
 * '65536' bytes." Measured on the request as the SDK sends it (compact JSON).
 */
export const MAX_REGISTER_REQUEST_BYTES = 65536;

function checkSize(file: string, definition: JsonObject, tags: Tag[]): void {
  const request = tags.length > 0 ? { ...definition, tags } : definition;
  const bytes = Buffer.byteLength(JSON.stringify(request), 'utf8');
  if (bytes > MAX_REGISTER_REQUEST_BYTES) {
    throw new ConfigurationError(
      `Input \`task-definition\`: ${file} makes a RegisterTaskDefinition request of ${bytes} bytes; ECS accepts at most ${MAX_REGISTER_REQUEST_BYTES} (64 KiB). Move large values out of the definition (secrets, \`environmentFiles\`) or split the containers.`,
    );
  }
}

/** Reads, unwraps, strips and checks a task definition file; no AWS call. */
export function prepareTaskDefinitionFile(path: string, baseDir?: string): PreparedTaskDefinition {
  const loaded = readTaskDefinitionFile(path, { inputName: 'task-definition', baseDir });
  const { definition: stripped, removed } = stripReadOnlyFields(
    withoutNulls(loaded.definition) as JsonObject,
  );
  const { tags: inlineTags, ...definition } = stripped;
  const tags = toTags(path, inlineTags ?? (loaded.wrapperTags === null ? undefined : loaded.wrapperTags));
  const { family } = checkDefinition(path, definition);
  checkSize(path, definition, tags);
  return { file: path, family, definition, tags, removedReadOnly: removed };
}

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
