import { ConfigurationError } from './errors.js';
import * as core from './runner.js';

/** Reads one raw input by its action.yml name ('' when unset). */
export type RawInputGetter = (name: string) => string;

const TRUE_WORDS = new Set(['true', 'True', 'TRUE']);
const FALSE_WORDS = new Set(['false', 'False', 'FALSE']);

function show(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…` : value);
}

/**
 * The strict parsers behind every action's `getInputs()`. Each method reads
 * one input and throws a ConfigurationError naming the input, the value and
 * the fix. The reader remembers which names were read, so a test can check
 * that `getInputs()` and action.yml agree.
 */
export class InputReader {
  readonly names = new Set<string>();

  constructor(private readonly getRaw: RawInputGetter = (name) => core.getInput(name)) {}

  /** The trimmed raw value ('' when unset). */
  raw(name: string): string {
    this.names.add(name);
    return (this.getRaw(name) ?? '').trim();
  }

  required(name: string, hint?: string): string {
    const value = this.raw(name);
    if (value === '') {
      throw new ConfigurationError(`Input \`${name}\` is required${hint ? `: ${hint}` : '.'}`);
    }
    return value;
  }

  optional(name: string): string | undefined {
    const value = this.raw(name);
    return value === '' ? undefined : value;
  }

  /** Like `optional` but with a default for the unset case. */
  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === '') return fallback;
    if (TRUE_WORDS.has(value)) return true;
    if (FALSE_WORDS.has(value)) return false;
    throw new ConfigurationError(`Input \`${name}\` must be \`true\` or \`false\`, got ${show(value)}.`);
  }

  integer(name: string, options: { min?: number; max?: number }): number | undefined;
  integer(name: string, options: { min?: number; max?: number; fallback: number }): number;
  integer(name: string, options: { min?: number; max?: number; fallback?: number }): number | undefined {
    const value = this.raw(name);
    if (value === '') return options.fallback;
    if (!/^[-+]?\d+$/.test(value)) {
      throw new ConfigurationError(`Input \`${name}\` must be a whole number, got ${show(value)}.`);
    }
    const parsed = Number(value);
    const { min, max } = options;
    if (min === undefined && max === undefined && !Number.isSafeInteger(parsed)) {
      throw new ConfigurationError(`Input \`${name}\` is too large for a whole number, got ${value}.`);
    }
    if (
      (min !== undefined && parsed < min) ||
      (max !== undefined && parsed > max) ||
      !Number.isSafeInteger(parsed)
    ) {
      const range =
        min !== undefined && max !== undefined
          ? `between ${min} and ${max}`
          : min !== undefined
            ? `at least ${min}`
            : `at most ${max}`;
      throw new ConfigurationError(`Input \`${name}\` must be ${range}, got ${value}.`);
    }
    return parsed;
  }

  /** One of `allowed` (case-insensitive; returned as spelled in `allowed`). */
  enumeration<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  enumeration<T extends string>(name: string, allowed: readonly T[]): T | undefined;
  enumeration<T extends string>(name: string, allowed: readonly T[], fallback?: T): T | undefined {
    const value = this.raw(name);
    if (value === '') return fallback;
    const match = allowed.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
    if (match === undefined) {
      throw new ConfigurationError(
        `Input \`${name}\` must be one of ${allowed.map((a) => `\`${a}\``).join(', ')}, got ${show(value)}.`,
      );
    }
    return match;
  }

  /** Items separated by newlines or commas; blanks and `#` comment lines dropped. */
  list(name: string): string[] {
    return parseList(this.raw(name));
  }

  /** Multiline `KEY=VALUE`; see parseKeyValues. */
  keyValues(name: string): Map<string, string> {
    return parseKeyValues(name, this.raw(name));
  }
}

export function parseList(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Multiline `KEY=VALUE` pairs in the order given. The value is everything
 * after the first `=` (so it may contain `=`) and is kept verbatim, including
 * an empty value. Blank lines and lines starting with `#` are ignored. A line
 * without `=`, an empty key or a repeated key is an error naming the line.
 */
export function parseKeyValues(name: string, raw: string): Map<string, string> {
  const result = new Map<string, string>();
  const lines = raw.split(/\r?\n/);
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const where = `Input \`${name}\` line ${index + 1}`;
    const eq = trimmed.indexOf('=');
    if (eq === -1) {
      throw new ConfigurationError(
        `${where}: expected KEY=VALUE, got ${show(trimmed)}. Write it as \`${trimmed}=<value>\`.`,
      );
    }
    const key = trimmed.slice(0, eq).trim();
    const value = trimmed.slice(eq + 1).trim();
    if (key === '') {
      throw new ConfigurationError(`${where}: the key before \`=\` is empty in ${show(trimmed)}.`);
    }
    if (result.has(key)) {
      throw new ConfigurationError(`${where}: \`${key}\` is given twice; keep one of them.`);
    }
    result.set(key, value);
  });
  return result;
}
