import { ConfigurationError } from '@berth/shared/errors';
import { normaliseTaskDefinition } from '@berth/shared/taskdef/normalise';
import { findPlaceholders, unfilledPlaceholdersWarning } from '@berth/shared/taskdef/placeholders';
import type { Problem } from '@berth/shared/taskdef/problem';
import { isJsonObject, type JsonObject, type TaskDefinitionDocument } from '@berth/shared/taskdef/read';
import { checkTaskDefinitionStructure } from '@berth/shared/taskdef/structure';
import { validateTaskDefinition } from '@berth/shared/taskdef/validate';
import { fillPlaceholders, missingPlaceholdersMessage } from './template.js';

/**
 * renderTaskDefinition(): the whole render as a pure function of the source
 * document and the inputs. It fills placeholders, cleans what
 * RegisterTaskDefinition would reject, applies the requested edits and
 * validates the result. Input contradictions (a container that does not
 * exist, an unknown placeholder) throw a ConfigurationError; problems in the
 * definition are returned in `errors` so they can all be reported at once.
 */

export interface RenderOptions {
  /** `container-name`: the container `image` and the edits apply to. */
  containerName?: string;
  /** `image` for the target container. */
  image?: string;
  /** `images`: container → image. */
  images?: ReadonlyMap<string, string>;
  environment?: ReadonlyMap<string, string>;
  secrets?: ReadonlyMap<string, string>;
  dockerLabels?: ReadonlyMap<string, string>;
  command?: readonly string[];
  cpu?: string;
  memory?: string;
  taskRoleArn?: string;
  executionRoleArn?: string;
  /** `vars`; templating is off when undefined or empty. */
  vars?: ReadonlyMap<string, string>;
}

export interface ContainerImage {
  container: string;
  /** As the source had it (undefined when it had none). */
  before?: string;
  /** As rendered (before pinning). */
  after?: string;
  /** True when an input set this container's image. */
  fromInput: boolean;
}

export interface RenderResult {
  definition: JsonObject;
  family: string;
  images: ContainerImage[];
  /** The container the edits applied to, when there was one. */
  target?: string;
  /** Read-only fields removed, in API order. */
  removedReadOnly: string[];
  /** Paths of `null` values removed (null means "not set" to ECS). */
  removedNulls: string[];
  /** Tags with the reserved `aws:` prefix removed. */
  removedTags: string[];
  /** What the inputs changed, one line each (no secret values). */
  changes: string[];
  /** Normalisations worth a log line (unwrapped output, tags map, numbers as strings). */
  notes: string[];
  errors: Problem[];
  warnings: Problem[];
}

function containerNames(definition: JsonObject): string[] {
  if (!Array.isArray(definition.containerDefinitions)) return [];
  return definition.containerDefinitions
    .filter(isJsonObject)
    .map((container) => container.name)
    .filter((name): name is string => typeof name === 'string');
}

function findContainer(definition: JsonObject, name: string): JsonObject | undefined {
  if (!Array.isArray(definition.containerDefinitions)) return undefined;
  return definition.containerDefinitions.find((c): c is JsonObject => isJsonObject(c) && c.name === name);
}

function nameList(names: readonly string[]): string {
  return names.length === 0 ? 'no containers' : names.map((name) => `\`${name}\``).join(', ');
}

/** Which container `image` and the edits apply to; throws when that cannot be decided. */
function resolveTarget(definition: JsonObject, options: RenderOptions, file: string): string | undefined {
  const names = containerNames(definition);
  if (options.containerName !== undefined) {
    if (!names.includes(options.containerName)) {
      throw new ConfigurationError(
        `\`container-name\`: container \`${options.containerName}\` not found; ${file} defines ${nameList(names)}. Set \`container-name\` to one of them.`,
      );
    }
    return options.containerName;
  }
  const needs = [
    options.image !== undefined ? '`image`' : '',
    options.environment?.size ? '`environment-variables`' : '',
    options.secrets?.size ? '`secrets`' : '',
    options.dockerLabels?.size ? '`docker-labels`' : '',
    options.command ? '`command`' : '',
  ].filter(Boolean);
  if (needs.length === 0) return undefined;
  if (names.length === 1) return names[0];
  throw new ConfigurationError(
    `\`container-name\` is required: ${file} defines ${names.length} containers (${nameList(names)}) and ${needs.join(', ')} must know which one to change. Set \`container-name\` to one of them${options.image !== undefined ? ', or use `images` (`container=image`, one per line)' : ''}.`,
  );
}

/** Sets entries of a `[{name, <valueKey>}]` list: existing names change in place, new ones are appended in input order. */
export function upsertNamed(
  list: unknown[],
  entries: ReadonlyMap<string, string>,
  valueKey: 'value' | 'valueFrom',
): { list: unknown[]; added: string[]; updated: string[] } {
  const result = list.map((item) => (isJsonObject(item) ? { ...item } : item));
  const added: string[] = [];
  const updated: string[] = [];
  for (const [name, value] of entries) {
    const existing = result.filter((item): item is JsonObject => isJsonObject(item) && item.name === name);
    if (existing.length > 0) {
      for (const item of existing) item[valueKey] = value;
      updated.push(name);
    } else {
      result.push({ name, [valueKey]: value });
      added.push(name);
    }
  }
  return { list: result, added, updated };
}

function describeUpsert(what: string, container: string, added: string[], updated: string[]): string {
  const parts = [
    updated.length ? `updated ${updated.map((n) => `\`${n}\``).join(', ')}` : '',
    added.length ? `added ${added.map((n) => `\`${n}\``).join(', ')}` : '',
  ].filter(Boolean);
  return `Container \`${container}\`: ${what} ${parts.join('; ')}.`;
}

export function renderTaskDefinition(
  document: TaskDefinitionDocument,
  options: RenderOptions,
  file = 'the task definition',
  inputName = 'task-definition',
): RenderResult {
  const changes: string[] = [];
  const warnings: Problem[] = [];
  let source: Pick<TaskDefinitionDocument, 'definition' | 'wrapperTags' | 'wrapped'> = document;
  const templated = options.vars !== undefined && options.vars.size > 0;
  const filledNotes: string[] = [];
  if (templated) {
    // The wrapper's tags are templated too; as they end up in `tags`, their paths are reported there.
    const filled = fillPlaceholders(
      { definition: document.definition, tags: document.wrapperTags },
      options.vars!,
    );
    const message = missingPlaceholdersMessage(
      filled.missing.map((item) => ({ ...item, path: item.path.replace(/^definition\.?/, '') })),
    );
    if (message) throw new ConfigurationError(message);
    source = { ...document, definition: filled.data.definition, wrapperTags: filled.data.tags };
    if (filled.replaced > 0)
      filledNotes.push(
        `Filled ${filled.replaced} placeholder${filled.replaced === 1 ? '' : 's'} from \`vars\`.`,
      );
    for (const name of filled.unused) {
      warnings.push({
        message: `\`vars\`: \`${name}\` is not used by any \`\${${name}}\` placeholder in the task definition.`,
      });
    }
  }

  const normalised = normaliseTaskDefinition(source);
  const definition = normalised.definition;
  // A wrong type or a typo'd key stops here, named with its JSON path, before the edits read fields.
  checkTaskDefinitionStructure(definition, inputName);
  // In the order things happened: unwrapped (normalise's first note), filled, then converted.
  const notes = document.wrapped
    ? [normalised.notes[0], ...filledNotes, ...normalised.notes.slice(1)]
    : [...filledNotes, ...normalised.notes];
  warnings.push(...normalised.warnings);

  const original = new Map<string, string | undefined>();
  for (const name of containerNames(definition)) {
    const image = findContainer(definition, name)?.image;
    original.set(name, typeof image === 'string' ? image : undefined);
  }

  if (options.image !== undefined && options.images && options.images.size > 0) {
    throw new ConfigurationError(
      'Inputs `image` and `images` cannot be used together; put every image in `images` (`container=image`, one per line).',
    );
  }
  const target = resolveTarget(definition, options, file);

  const fromInput = new Set<string>();
  if (options.images && options.images.size > 0) {
    const names = containerNames(definition);
    const unknown = [...options.images.keys()].filter((name) => !names.includes(name));
    if (unknown.length > 0) {
      throw new ConfigurationError(
        `\`images\`: ${unknown.length === 1 ? 'container' : 'containers'} ${nameList(unknown)} not found; ${file} defines ${nameList(names)}. Use those names on the left of \`=\`.`,
      );
    }
    for (const [name, image] of options.images) {
      findContainer(definition, name)!.image = image;
      fromInput.add(name);
    }
  }

  if (target !== undefined) {
    const container = findContainer(definition, target)!;
    if (options.image !== undefined) {
      container.image = options.image;
      fromInput.add(target);
    }
    if (options.environment?.size) {
      if (container.environment !== undefined && !Array.isArray(container.environment)) {
        throw new ConfigurationError(
          `\`environment-variables\`: container \`${target}\` has an \`environment\` that is not a list; fix it in ${file}.`,
        );
      }
      const result = upsertNamed(
        (container.environment as unknown[] | undefined) ?? [],
        options.environment,
        'value',
      );
      container.environment = result.list;
      changes.push(describeUpsert('environment', target, result.added, result.updated));
    }
    if (options.secrets?.size) {
      if (container.secrets !== undefined && !Array.isArray(container.secrets)) {
        throw new ConfigurationError(
          `\`secrets\`: container \`${target}\` has \`secrets\` that are not a list; fix it in ${file}.`,
        );
      }
      const result = upsertNamed(
        (container.secrets as unknown[] | undefined) ?? [],
        options.secrets,
        'valueFrom',
      );
      container.secrets = result.list;
      changes.push(describeUpsert('secrets', target, result.added, result.updated));
    }
    if (options.dockerLabels?.size) {
      if (container.dockerLabels !== undefined && !isJsonObject(container.dockerLabels)) {
        throw new ConfigurationError(
          `\`docker-labels\`: container \`${target}\` has \`dockerLabels\` that are not a map; fix it in ${file}.`,
        );
      }
      const labels: JsonObject = { ...((container.dockerLabels as JsonObject | undefined) ?? {}) };
      const added = [...options.dockerLabels.keys()].filter((key) => !(key in labels));
      const updated = [...options.dockerLabels.keys()].filter((key) => key in labels);
      for (const [key, value] of options.dockerLabels) labels[key] = value;
      container.dockerLabels = labels;
      changes.push(describeUpsert('docker labels', target, added, updated));
    }
    if (options.command) {
      container.command = [...options.command];
      changes.push(`Container \`${target}\`: command set to ${JSON.stringify(options.command)}.`);
    }
  }

  const taskLevel: [keyof RenderOptions, string][] = [
    ['cpu', 'cpu'],
    ['memory', 'memory'],
    ['taskRoleArn', 'taskRoleArn'],
    ['executionRoleArn', 'executionRoleArn'],
  ];
  for (const [option, field] of taskLevel) {
    const value = options[option];
    if (typeof value === 'string') {
      definition[field] = value;
      changes.push(`Task \`${field}\` set to \`${value}\`.`);
    }
  }

  const validation = validateTaskDefinition(definition);
  // Without `vars` nothing is filled: say which placeholders will be registered as written (issue 17).
  if (!templated) {
    const unfilled = unfilledPlaceholdersWarning(findPlaceholders(definition));
    if (unfilled) warnings.push(unfilled);
  }
  const images: ContainerImage[] = containerNames(definition).map((name) => {
    const image = findContainer(definition, name)?.image;
    return {
      container: name,
      before: original.get(name),
      after: typeof image === 'string' ? image : undefined,
      fromInput: fromInput.has(name),
    };
  });
  for (const image of images) {
    if (image.fromInput && image.before !== image.after) {
      changes.unshift(
        `Container \`${image.container}\`: image ${image.before ? `\`${image.before}\`` : '(none)'} → \`${image.after}\`.`,
      );
    }
  }

  return {
    definition,
    family: typeof definition.family === 'string' ? definition.family : '',
    images,
    target,
    removedReadOnly: normalised.removedReadOnly,
    removedNulls: normalised.removedNulls,
    removedTags: normalised.removedTags,
    changes,
    notes,
    errors: validation.errors,
    warnings: [...warnings, ...validation.warnings],
  };
}

export { validationErrorMessage } from '@berth/shared/taskdef/validate';
