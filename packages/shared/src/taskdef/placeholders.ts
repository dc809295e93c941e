import { isJsonObject, type JsonObject } from './json.js';
import { jsonPath, stringValues } from './paths.js';
import { containerProblem, type Problem } from './problem.js';

/**
 * Berth's placeholders: `${NAME}` in a string value, filled from
 * render-taskdef's `vars`; `$${NAME}` is the escape for a literal `${NAME}`.
 * Other syntaxes (`$NAME`, `${NAME:-x}`, `{{x}}`, `<x>`, `$$$X$$$`) belong to
 * shells and other tools and are never read as Berth's.
 */

/** What a `vars` key and a placeholder name may be. */
export const PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A placeholder, or the `$${` escape (group 1 undefined), in the order they appear. */
export const PLACEHOLDER_TOKEN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface FoundPlaceholder {
  name: string;
  /** Where in the definition, e.g. `containerDefinitions[0].image`. */
  path: string;
}

/** Names of the placeholders in one string (escapes skipped), in order. */
export function placeholderNames(text: string): string[] {
  if (!text.includes('${')) return [];
  return [...text.matchAll(PLACEHOLDER_TOKEN)]
    .map((match) => match[1])
    .filter((name): name is string => name !== undefined);
}

/** Every placeholder left in the definition's string values, in document order. */
export function findPlaceholders(definition: JsonObject): FoundPlaceholder[] {
  return stringValues(definition).flatMap(({ path, value }) =>
    placeholderNames(value).map((name) => ({ name, path })),
  );
}

const shown = (found: readonly FoundPlaceholder[]) =>
  found.map((item) => `\`\${${item.name}}\` at ${item.path}`).join(', ');

/**
 * The warning when placeholders remain and `vars` was not given: they are
 * registered as written, which is right only where the container itself
 * resolves them at run time (a fluent-bit `${ECS_TASK_ID}`).
 */
export function unfilledPlaceholdersWarning(found: readonly FoundPlaceholder[]): Problem | undefined {
  if (found.length === 0) return undefined;
  const names = [...new Set(found.map((item) => item.name))];
  return {
    message: `The task definition still holds ${found.length === 1 ? 'a placeholder' : `${found.length} placeholders`} and \`vars\` was not given: ${shown(found)}. They are registered as written; give ${names.length === 1 ? 'it a value' : 'them values'} with \`vars\` (${names.map((name) => `\`${name}=…\``).join(', ')}) unless the container resolves ${names.length === 1 ? 'it' : 'them'} at run time.`,
  };
}

/**
 * `${NAME}` left in fields where ECS refuses it, one message for all of them:
 * the fields (the first five), the placeholders, why and the fix.
 */
export function placeholdersRefusedMessage(
  found: readonly FoundPlaceholder[],
  why: string,
): string | undefined {
  if (found.length === 0) return undefined;
  const paths = [...new Set(found.map((item) => item.path))];
  const names = [...new Set(found.map((item) => item.name))];
  const fields =
    paths.length <= 5
      ? paths.map((path) => `\`${path}\``).join(', ')
      : `${paths
          .slice(0, 5)
          .map((path) => `\`${path}\``)
          .join(', ')} and ${paths.length - 5} more`;
  const one = paths.length === 1;
  return `${fields} still ${one ? 'holds' : 'hold'} ${names.length === 1 ? 'the placeholder' : 'the placeholders'} ${names.map((name) => `\`\${${name}}\``).join(', ')}, which ${why}; give ${names.length === 1 ? 'it a value' : 'them values'} with \`vars\` (${names.map((name) => `\`${name}=…\``).join(', ')}).`;
}

/**
 * Fields that name an AWS resource by ARN or name, where `$`, `{` and `}` are
 * never valid: IAM role names allow `[\w+=,.@-]`
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html), SSM
 * parameter names `a-zA-Z0-9_.-/`
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html),
 * Secrets Manager names `/_+=.@-` and alphanumerics
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html).
 */
const TASK_ARN_FIELDS = ['taskRoleArn', 'executionRoleArn'] as const;
const CONTAINER_ARN_PATHS: readonly (readonly (string | '*')[])[] = [
  ['secrets', '*', 'valueFrom'],
  ['repositoryCredentials', 'credentialsParameter'],
  ['logConfiguration', 'secretOptions', '*', 'valueFrom'],
];

function valuesAt(node: unknown, parts: readonly string[], path: (string | number)[]): [string, unknown][] {
  if (parts.length === 0) return [[jsonPath(path), node]];
  const [head, ...rest] = parts;
  if (head === '*') {
    return Array.isArray(node) ? node.flatMap((item, index) => valuesAt(item, rest, [...path, index])) : [];
  }
  return isJsonObject(node) && head in node ? valuesAt(node[head], rest, [...path, head]) : [];
}

/** Rule: no `${…}` left in a role ARN or a secret reference (they cannot resolve to an AWS resource). */
export function placeholdersInArns(definition: JsonObject): Problem[] {
  const why = 'no IAM role, secret or parameter name can contain';
  const problems: Problem[] = [];
  const inTask = TASK_ARN_FIELDS.flatMap((field) => {
    const value = definition[field];
    return typeof value === 'string' ? placeholderNames(value).map((name) => ({ name, path: field })) : [];
  });
  const taskMessage = placeholdersRefusedMessage(inTask, why);
  if (taskMessage) problems.push({ message: taskMessage });
  const containers = Array.isArray(definition.containerDefinitions) ? definition.containerDefinitions : [];
  containers.forEach((container, index) => {
    if (!isJsonObject(container)) return;
    const found = CONTAINER_ARN_PATHS.flatMap((parts) =>
      valuesAt(container, parts, []).flatMap(([path, value]) =>
        typeof value === 'string' ? placeholderNames(value).map((name) => ({ name, path })) : [],
      ),
    );
    const message = placeholdersRefusedMessage(found, why);
    const label = typeof container.name === 'string' ? container.name : `#${index}`;
    if (message) problems.push(containerProblem(label, message));
  });
  return problems;
}
