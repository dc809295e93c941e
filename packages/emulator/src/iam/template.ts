/**
 * Policy templates: `${Name}` placeholders replaced by values. A placeholder
 * with several values multiplies the string it is in; inside a list the copies
 * join the list, elsewhere the string becomes a list (IAM takes a string or a
 * list for Action, Resource and condition values alike). `${aws:…}`-style IAM
 * policy variables (with a colon) are left alone.
 */
export type PlaceholderValues = Record<string, string | string[]>;

const PLACEHOLDER = /\$\{([A-Za-z][A-Za-z0-9]*)\}/g;

export class TemplateError extends Error {}

export function expandString(text: string, values: PlaceholderValues, where = 'policy'): string[] {
  let results = [''];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const value = values[match[1]];
    if (value === undefined)
      throw new TemplateError(
        `${where}: no value for placeholder \${${match[1]}} (known: ${Object.keys(values).join(', ')})`,
      );
    const options = Array.isArray(value) ? value : [value];
    if (options.length === 0)
      throw new TemplateError(`${where}: placeholder \${${match[1]}} has an empty list of values`);
    const literal = text.slice(last, match.index);
    results = results.flatMap((prefix) => options.map((option) => `${prefix}${literal}${option}`));
    last = (match.index ?? 0) + match[0].length;
  }
  const tail = text.slice(last);
  return [...new Set(results.map((prefix) => `${prefix}${tail}`))];
}

export function instantiate<T>(template: T, values: PlaceholderValues, where = 'policy'): T {
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const expanded = expandString(node, values, where);
      return expanded.length === 1 ? expanded[0] : expanded;
    }
    if (Array.isArray(node))
      return node.flatMap((item) =>
        typeof item === 'string' ? expandString(item, values, where) : [walk(item)],
      );
    if (node && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value)]));
    return node;
  };
  return walk(template) as T;
}
