/**
 * One way to print: every place the product writes to the step's log
 * (the printing calls of the runner protocol, process.stdout/stderr, console) passes
 * its text through `inert()` (packages/shared/src/untrusted.ts). A new direct
 * call that does not is caught here, before it ships a channel for commands.
 * Likewise every read of a file's content goes through the workspace helper
 * (packages/shared/src/workspace-file.ts), which keeps reads inside the
 * workspace or RUNNER_TEMP and caps them.
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

// runner.ts is the protocol itself (as @actions/core was): it writes what its callers,
// checked here, made inert; runner.test.ts holds it to @actions/core's bytes.
const PROTOCOL = join(ROOT, 'packages', 'shared', 'src', 'runner.ts');

const PRODUCT_SOURCES = [
  ...readdirSync(join(ROOT, 'actions')).map((action) => join(ROOT, 'actions', action, 'src')),
  join(ROOT, 'packages', 'shared', 'src'),
]
  .flatMap(sources)
  .filter((file) => file !== PROTOCOL);

const SINK =
  /(core|runner)\.(info|notice|warning|error|debug|setFailed|startGroup|group)\(|process\.(stdout|stderr)\.write\(|console\.(log|info|warn|error|debug)\(/;

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

/** Where file content may be read: the workspace helper, and build-push's own temporary files. */
const CONTENT_READERS = ['packages/shared/src/workspace-file.ts', 'actions/build-push/src/temp-files.ts'];
// Calls of node:fs, not a seam's declaration (`readFile(path: string…`) or use (`deps.readFile(`).
const CONTENT_READ = /(?<!\.)\b(readFileSync|readFile|openSync|createReadStream)\((?!\w+: )/;

describe('file reads', () => {
  it('read file content only through the workspace helper', () => {
    const readers = PRODUCT_SOURCES.filter((file) => CONTENT_READ.test(readFileSync(file, 'utf8'))).map(
      (file) => relative(ROOT, file),
    );
    expect(readers.filter((file) => !CONTENT_READERS.includes(file))).toEqual([]);
  });
});
