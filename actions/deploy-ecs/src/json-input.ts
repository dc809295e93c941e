/**
 * Small strict readers for inputs written as JSON (`run-task-tags`,
 * `run-task-container-overrides`, the managed EBS volumes): each failure is a
 * ConfigurationError naming the input, the place in the value and the fix.
 */
import { ConfigurationError } from '@berth/shared/errors';

const shorten = (text: string) => (text.length > 120 ? `${text.slice(0, 120)}…` : text);

/** A value as it appears in a message: JSON, cut short. */
export function showJson(value: unknown): string {
  return shorten(JSON.stringify(value) ?? String(value));
}

/** `raw` parsed as JSON; a syntax error names the input and what was expected. */
export function parseJsonInput(input: string, raw: string, expected: string, example: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ConfigurationError(
      `Input \`${input}\` must be ${expected} in JSON, but it is not valid JSON (${(error as Error).message}). Example: \`${example}\`.`,
    );
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where a problem is, e.g. `run-task-tags[2].key`, and the error that says so. */
export class JsonPath {
  constructor(
    readonly input: string,
    readonly path = '',
  ) {}

  at(part: string | number): JsonPath {
    return new JsonPath(
      this.input,
      typeof part === 'number' ? `${this.path}[${part}]` : `${this.path}.${part}`,
    );
  }

  error(problem: string, fix?: string): ConfigurationError {
    const where = this.path === '' ? '' : ` at \`${this.path.replace(/^\./, '')}\``;
    return new ConfigurationError(`Input \`${this.input}\`${where}: ${problem}${fix ? ` ${fix}` : ''}`);
  }

  object(value: unknown, allowed: readonly string[], what: string): Record<string, unknown> {
    if (!isObject(value)) throw this.error(`expected ${what} (a JSON object), got ${showJson(value)}.`);
    const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
    if (unknown.length > 0) {
      throw this.error(
        `${unknown.map((k) => `\`${k}\``).join(', ')} ${unknown.length === 1 ? 'is not a field' : 'are not fields'} of ${what}.`,
        `Its fields are ${allowed.map((k) => `\`${k}\``).join(', ')} (names are case-sensitive).`,
      );
    }
    return value;
  }

  array(value: unknown, what: string): unknown[] {
    if (!Array.isArray(value)) throw this.error(`expected a JSON array of ${what}, got ${showJson(value)}.`);
    return value;
  }

  string(value: unknown): string {
    if (typeof value !== 'string') throw this.error(`expected a string, got ${showJson(value)}.`);
    return value;
  }

  boolean(value: unknown): boolean {
    if (typeof value !== 'boolean')
      throw this.error(`expected \`true\` or \`false\`, got ${showJson(value)}.`);
    return value;
  }

  /** A whole number within [min, max] (inclusive). */
  integer(value: unknown, min: number, max: number, why?: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw this.error(`expected a whole number, got ${showJson(value)}.`);
    }
    if (value < min || value > max) {
      throw this.error(
        `${value} is out of range: it must be between ${min} and ${max}${why ? ` (${why})` : ''}.`,
      );
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      throw this.error(
        `${showJson(value)} is not one of ${allowed.map((a) => `\`${a}\``).join(', ')} (case-sensitive).`,
      );
    }
    return value as T;
  }
}
