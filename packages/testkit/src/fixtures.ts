import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BERTH_ROOT } from './runner.js';

/** A file of a fixture repository: copied from Berth's tree (`from`, relative to its root) or written (`content`). */
export type FixtureFile = { from: string; executable?: boolean } | { content: string; executable?: boolean };

/**
 * Builds a caller's repository tree in a fresh temporary folder: what `actions/checkout`
 * materialises for the workflow under test. Returns its path.
 */
export function fixtureRepository(files: Record<string, FixtureFile>, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, 'berth-repo-'));
  for (const [path, file] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    if ('from' in file) copyFileSync(resolve(BERTH_ROOT, file.from), target);
    else writeFileSync(target, file.content);
    if (file.executable) chmodSync(target, 0o755);
  }
  return dir;
}
