import { stripReadOnlyFields } from './fields.js';
import { CONTAINER_INTEGER_FIELDS, jsonPath, visitPath } from './paths.js';
import { containerProblem, type Problem } from './problem.js';
import { isJsonObject, type JsonObject, type TaskDefinitionDocument } from './read.js';

/**
 * A task definition as RegisterTaskDefinition takes it, whatever wrote the
 * file: describe-task-definition output (read-only fields, `aws:` tags, tags
 * beside the definition), console exports (nulls for absent values), and the
 * value types people write by hand (`"8080"` for a port, a `tags` map). Pure:
 * render-taskdef and deploy-ecs both run it, then the same validation.
 */

export interface NormalisedTaskDefinition {
  definition: JsonObject;
  /** Read-only fields removed, in API order. */
  removedReadOnly: string[];
  /** Paths of `null` values removed (null means "not set" to ECS). */
  removedNulls: string[];
  /** Tags with the reserved `aws:` prefix removed. */
  removedTags: string[];
  /** What was converted, worth a log line. */
  notes: string[];
  /** Conversions the user should fix in the file. */
  warnings: Problem[];
}

function removeNulls(value: unknown, path: (string | number)[], removed: string[]): unknown {
  if (Array.isArray(value)) return value.map((item, index) => removeNulls(item, [...path, index], removed));
  if (!isJsonObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === null) {
      removed.push(jsonPath([...path, key]));
      continue;
    }
    result[key] = removeNulls(item, [...path, key], removed);
  }
  return result;
}

interface TagOutcome {
  tags?: unknown;
  removed: string[];
}

/**
 * Tags as RegisterTaskDefinition wants them: a `[{key, value}]` list, the
 * wrapper's tags merged in (they win: they are what ECS holds), and `aws:`
 * tags dropped — "You can't edit or delete tag keys or values with this
 * prefix" (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html).
 */
function normaliseTags(inner: unknown, outer: unknown, notes: string[]): TagOutcome {
  const toList = (tags: unknown, where: string): unknown => {
    if (!isJsonObject(tags)) return tags;
    notes.push(
      `Converted the \`tags\` map${where} to the \`[{"key": …, "value": …}]\` list RegisterTaskDefinition expects.`,
    );
    return Object.entries(tags).map(([key, value]) => ({
      key,
      value: typeof value === 'number' || typeof value === 'boolean' ? String(value) : value,
    }));
  };
  const innerList = toList(inner, '');
  const outerList = toList(outer, ' beside `taskDefinition`');
  if (!Array.isArray(innerList) && innerList !== undefined) return { tags: innerList, removed: [] };
  if (!Array.isArray(outerList) || outerList.length === 0) {
    return innerList === undefined ? { removed: [] } : dropAwsTags(innerList as unknown[]);
  }
  const merged = new Map<string, unknown>();
  const unkeyed: unknown[] = [];
  for (const tag of [...((innerList as unknown[] | undefined) ?? []), ...outerList]) {
    if (isJsonObject(tag) && typeof tag.key === 'string') merged.set(tag.key, tag);
    else unkeyed.push(tag);
  }
  return dropAwsTags([...merged.values(), ...unkeyed]);
}

function dropAwsTags(tags: unknown[]): TagOutcome {
  const removed: string[] = [];
  const kept = tags.filter((tag) => {
    if (isJsonObject(tag) && typeof tag.key === 'string' && tag.key.toLowerCase().startsWith('aws:')) {
      removed.push(tag.key);
      return false;
    }
    return true;
  });
  return { tags: kept, removed };
}

const INTEGER_STRING = /^-?\d+$/;

/**
 * Numbers written as strings where ECS wants integers, and the reverse for
 * task `cpu`/`memory` (String in RegisterTaskDefinition). The SDK would send
 * `"8080"` as it is and ECS would refuse the request.
 */
function normaliseTypes(definition: JsonObject, notes: string[], warnings: Problem[]): void {
  for (const field of ['cpu', 'memory'] as const) {
    if (typeof definition[field] === 'number') {
      definition[field] = String(definition[field]);
      notes.push(
        `Wrote task-level \`${field}\` as the string "${definition[field]}" (RegisterTaskDefinition takes a string).`,
      );
    }
  }
  if (
    isJsonObject(definition.ephemeralStorage) &&
    typeof definition.ephemeralStorage.sizeInGiB === 'string'
  ) {
    const value = definition.ephemeralStorage.sizeInGiB;
    if (INTEGER_STRING.test(value)) definition.ephemeralStorage.sizeInGiB = Number(value);
  }
  if (!Array.isArray(definition.containerDefinitions)) return;
  for (const container of definition.containerDefinitions) {
    if (!isJsonObject(container)) continue;
    const label = typeof container.name === 'string' ? container.name : '?';
    const warn = (message: string) => warnings.push(containerProblem(label, message));
    for (const pattern of CONTAINER_INTEGER_FIELDS) {
      visitPath(container, pattern, (value, path, set) => {
        if (typeof value === 'string' && INTEGER_STRING.test(value.trim())) {
          set(Number(value.trim()));
          warn(
            `\`${path}\` is the string ${JSON.stringify(value)}; rendered as the number ${Number(value.trim())}. Remove the quotes in the file.`,
          );
        }
      });
    }
    if (container.essential === 'true' || container.essential === 'false') {
      warn(
        `\`essential\` is the string "${container.essential}"; rendered as ${container.essential}. Remove the quotes in the file.`,
      );
      container.essential = container.essential === 'true';
    }
    if (Array.isArray(container.environment)) {
      container.environment.forEach((entry, index) => {
        if (isJsonObject(entry) && (typeof entry.value === 'number' || typeof entry.value === 'boolean')) {
          warn(
            `\`environment[${index}].value\` (\`${String(entry.name)}\`) is the ${typeof entry.value} ${entry.value}; rendered as the string "${entry.value}". Quote it in the file.`,
          );
          entry.value = String(entry.value);
        }
      });
    }
  }
}

/** Normalises a copy of the document's definition; the document is not changed. */
export function normaliseTaskDefinition(
  document: Pick<TaskDefinitionDocument, 'definition' | 'wrapperTags' | 'wrapped'>,
): NormalisedTaskDefinition {
  const notes: string[] = [];
  const warnings: Problem[] = [];
  if (document.wrapped)
    notes.push('Unwrapped `aws ecs describe-task-definition` output (`{"taskDefinition": …}`).');
  const stripped = stripReadOnlyFields(structuredClone(document.definition));
  const removedNulls: string[] = [];
  const definition = removeNulls(stripped.definition, [], removedNulls) as JsonObject;
  const wrapperTags = document.wrapperTags === null ? undefined : structuredClone(document.wrapperTags);
  const tags = normaliseTags(definition.tags, wrapperTags, notes);
  if (tags.tags !== undefined) definition.tags = tags.tags;
  normaliseTypes(definition, notes, warnings);
  return {
    definition,
    removedReadOnly: stripped.removed,
    removedNulls,
    removedTags: tags.removed,
    notes,
    warnings,
  };
}
