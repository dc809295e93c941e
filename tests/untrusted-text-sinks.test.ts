/**
 * One way to print: every place the product writes to the step's log
 * (@actions/core's printing calls, process.stdout/stderr, console) passes
 * its text through `inert()` (packages/shared/src/untrusted.ts). A new direct
 * call that does not is caught here, before it ships a channel for commands.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const ROOT = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const PRODUCT_SOURCES = [
  ...readdirSync(join(ROOT, 'actions')).map((action) => join(ROOT, 'actions', action, 'src')),
  join(ROOT, 'packages', 'shared', 'src'),
].flatMap(sources);

const SINK =
  /core\.(info|notice|warning|error|debug|setFailed|startGroup|group)\(|process\.(stdout|stderr)\.write\(|console\.(log|info|warn|error|debug)\(/;

describe('printing sinks', () => {
  it('finds the product sources', () => {
    expect(PRODUCT_SOURCES.length).toBeGreaterThan(50);
  });

  it('every direct print passes its text through inert()', () => {
    const raw: string[] = [];
    for (const file of PRODUCT_SOURCES) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (SINK.test(line) && !/\binert\(/.test(line))
            raw.push(`${relative(ROOT, file)}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(raw).toEqual([]);
  });
});
