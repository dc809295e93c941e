/**
 * A JSON object and its guard, apart from read.ts: modules an action reads its
 * inputs with (paths, placeholders) import this and load no YAML parser at start.
 */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
