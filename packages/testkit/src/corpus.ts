/**
 * The real-world corpus (../shared/corpus beside the repository root): files other people wrote,
 * run through the code that reads them in production. It lies outside the repository, so where
 * the whole folder is absent (a user's clone) a sweep skips with a visible notice; where the folder
 * is present, a file a test names must be there (a missing one fails, it never passes silently).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from '@jest/globals';
import { REPO_ROOT } from './paths.js';

/** Where the corpus lives: beside the repository root. */
export const CORPUS_ROOT = join(REPO_ROOT, '..', 'shared', 'corpus');

export interface CorpusFolder {
  /** Absolute path of the folder (e.g. …/corpus/taskdefs). */
  dir: string;
  present: boolean;
  /** The folder's file names, sorted; empty when absent. */
  files(filter?: RegExp): string[];
  /** The path of a named file; throws when the folder is present and the file is not. */
  path(name: string): string;
  /** The file's text (same rule as path()). */
  read(name: string): string;
  /** `describe` when present, else `describe.skip` after a notice naming the folder. */
  describe: typeof describe | typeof describe.skip;
}

/** One folder of the corpus (`taskdefs`, `ecs-api`, `scans`, …). */
export function corpusFolder(name: string, root = CORPUS_ROOT): CorpusFolder {
  const dir = join(root, name);
  const present = existsSync(dir);
  if (!present) console.warn(`notice: ${dir} is absent; its corpus tests are skipped.`);
  const path = (file: string) => {
    const full = join(dir, file);
    if (present && !existsSync(full))
      throw new Error(`The corpus file ${full} a test names is missing; restore it or update the test.`);
    return full;
  };
  return {
    dir,
    present,
    files: (filter) =>
      present
        ? readdirSync(dir)
            .filter((file) => !filter || filter.test(file))
            .sort()
        : [],
    path,
    read: (file) => readFileSync(path(file), 'utf8'),
    describe: present ? describe : describe.skip,
  };
}

/**
 * The recorded API answers use two date forms: Placebo recordings write `{"__class__":
 * "datetime", year, month, …}` and wrap the answer in `data`; the CLI writes ISO-8601 text.
 * revive() turns both into Date, as the SDK's deserialiser hands them to the code.
 */
export function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/.test(value))
    return new Date(value);
  if (value && typeof value === 'object') {
    const record = value as Record<string, any>;
    if (record.__class__ === 'datetime') {
      return new Date(
        Date.UTC(
          record.year,
          record.month - 1,
          record.day,
          record.hour ?? 0,
          record.minute ?? 0,
          record.second ?? 0,
          (record.microsecond ?? 0) / 1000,
        ),
      );
    }
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, revive(item)]));
  }
  return value;
}

/** A recorded API answer, revived and unwrapped from Placebo's `data`. */
export function recordedAnswer(folder: CorpusFolder, name: string): Record<string, any> {
  const parsed = revive(JSON.parse(folder.read(name))) as Record<string, any>;
  return (parsed.data ?? parsed) as Record<string, any>;
}
