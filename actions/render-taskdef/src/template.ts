/**
 * Berth's templating: `${NAME}` in any string value of the task definition
 * (never in keys) is replaced from `vars`; `$${NAME}` writes a literal
 * `${NAME}`. Only `${` + identifier + `}` is Berth's syntax: `$NAME`,
 * `${NAME:-x}`, `${A//,/ }`, `{{name}}`, `<name>` and `$$$NAME$$$` belong to
 * shells and other tools and are left exactly as they are.
 */
import { jsonPath } from '@berth/shared/taskdef/paths';
import { PLACEHOLDER_TOKEN } from '@berth/shared/taskdef/placeholders';

export { jsonPath } from '@berth/shared/taskdef/paths';
export { PLACEHOLDER_NAME } from '@berth/shared/taskdef/placeholders';

export interface MissingPlaceholder {
  name: string;
  /** Where in the file, e.g. `containerDefinitions[0].image`. */
  path: string;
}

export interface TemplateResult<T> {
  data: T;
  /** Placeholders with no value in `vars`, in document order. */
  missing: MissingPlaceholder[];
  /** `vars` keys that no placeholder used. */
  unused: string[];
  /** Number of placeholders replaced. */
  replaced: number;
}

/** Replaces placeholders in one string; calls `onMissing` for names `vars` lacks (left as written). */
export function fillString(
  text: string,
  vars: ReadonlyMap<string, string>,
  onMissing: (name: string) => void,
  onUsed: (name: string) => void = () => {},
): string {
  if (!text.includes('${')) return text;
  return text.replace(PLACEHOLDER_TOKEN, (match, name: string | undefined) => {
    if (name === undefined) return '${';
    const value = vars.get(name);
    if (value === undefined) {
      onMissing(name);
      return match;
    }
    onUsed(name);
    return value;
  });
}

/** Fills every string value of `data` (a parsed JSON/YAML document); returns a new structure. */
export function fillPlaceholders<T>(data: T, vars: ReadonlyMap<string, string>): TemplateResult<T> {
  const missing: MissingPlaceholder[] = [];
  const used = new Set<string>();
  let replaced = 0;
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (typeof value === 'string') {
      return fillString(
        value,
        vars,
        (name) => missing.push({ name, path: jsonPath(path) }),
        (name) => {
          used.add(name);
          replaced++;
        },
      );
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (typeof value === 'object' && value !== null) {
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) result[key] = walk(item, [...path, key]);
      return result;
    }
    return value;
  };
  const filled = walk(data, []) as T;
  return { data: filled, missing, unused: [...vars.keys()].filter((key) => !used.has(key)), replaced };
}

/** The one error for all unknown placeholders (undefined when there are none). */
export function missingPlaceholdersMessage(missing: readonly MissingPlaceholder[]): string | undefined {
  if (missing.length === 0) return undefined;
  const names = [...new Set(missing.map((item) => item.name))];
  const where = missing.map((item) => `\`\${${item.name}}\` at ${item.path}`).join(', ');
  const example = names[0];
  return (
    `\`vars\`: the task definition uses ${names.length === 1 ? 'a placeholder' : `${names.length} placeholders`} that \`vars\` does not define: ${where}. ` +
    `Add ${names.map((name) => `\`${name}=…\``).join(', ')} to \`vars\`, or write \`$\${${example}}\` where the file means a literal \`\${${example}}\` (for example a variable the container resolves at run time).`
  );
}
