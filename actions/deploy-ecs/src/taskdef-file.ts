/**
 * A task definition file read as data and checked, with no AWS module on its
 * import path: main() runs it before the AWS SDK loads, so a bad file fails
 * the step in milliseconds and changes nothing. Registration is taskdef.ts.
 */
import type { Tag } from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@berth/shared/errors';
import { normaliseTaskDefinition } from '@berth/shared/taskdef/normalise';
import { isJsonObject, type JsonObject, readTaskDefinitionFile } from '@berth/shared/taskdef/read';
import { checkTaskDefinitionStructure } from '@berth/shared/taskdef/structure';
import { validateTaskDefinition, validationErrorMessage } from '@berth/shared/taskdef/validate';

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
  /** What normalising converted (a tags map, numbers written as strings), for the log. */
  notes: string[];
  /** Problems that do not stop registration, as render-taskdef reports them. */
  warnings: string[];
}

/**
 * Reads, normalises and validates a task definition file with the same
 * pipeline render-taskdef runs (`@berth/shared` taskdef), so a file deployed
 * directly has passed the checks a rendered one has; no AWS call.
 */
export function prepareTaskDefinitionFile(path: string, baseDir?: string): PreparedTaskDefinition {
  const loaded = readTaskDefinitionFile(path, { inputName: 'task-definition', baseDir });
  const normalised = normaliseTaskDefinition(loaded);
  // A wrong type or a typo'd key stops here, named with its JSON path, before any rule reads fields.
  checkTaskDefinitionStructure(normalised.definition, 'task-definition');
  const { errors, warnings } = validateTaskDefinition(normalised.definition);
  if (errors.length > 0) {
    // deploy-ecs has no inputs that edit the definition: the fix is in the file.
    throw new ConfigurationError(validationErrorMessage(errors, path, 'task-definition', false));
  }
  const { tags, ...definition } = normalised.definition;
  return {
    file: path,
    family: String(definition.family),
    definition,
    // The tags rule has checked `tags` is a list of `{key, value}` with string values.
    tags: Array.isArray(tags)
      ? tags
          .filter(isJsonObject)
          .map((tag) => ({ key: String(tag.key), value: tag.value as string | undefined }))
      : [],
    removedReadOnly: normalised.removedReadOnly,
    notes: normalised.notes,
    warnings: [...normalised.warnings, ...warnings].map((problem) => problem.message),
  };
}
