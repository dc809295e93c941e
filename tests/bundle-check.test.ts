/**
 * The check `npm run bundle` and `check-dist` run on every bundle: test-only
 * code (packages/testkit, packages/emulator, test libraries) must never ship.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
// @ts-expect-error: a plain .mjs script without type declarations
import { findTestOnlyCode, testOnlyMarkers } from '../scripts/bundle-check.mjs';

const ROOT = join(import.meta.dirname, '..');
const markers: string[] = testOnlyMarkers(ROOT);

describe('bundle check', () => {
  it('knows the test helpers the structure review found in bundles, and no product function', () => {
    expect(markers).toEqual(
      expect.arrayContaining([
        'function recordingLogger(',
        'function manualClock(',
        'function startEmulator(',
        'function mockClient(',
      ]),
    );
    // A name product code declares too (shared's `run`) is never a marker.
    expect(markers).not.toContain('function run(');
  });

  it('finds the recording logger in the text of the module that declares it', () => {
    const source = readFileSync(join(ROOT, 'packages', 'testkit', 'src', 'doubles.ts'), 'utf8');
    expect(findTestOnlyCode(source, markers)).toEqual(
      expect.arrayContaining(['function recordingLogger(', 'function manualClock(']),
    );
  });

  const dists = readdirSync(join(ROOT, 'actions'))
    .map((name) => join(ROOT, 'actions', name, 'dist', 'index.js'))
    .filter((path) => existsSync(path));

  it.each(dists)('%s carries no test-only code', (path) => {
    expect(findTestOnlyCode(readFileSync(path, 'utf8'), markers)).toEqual([]);
  });

  it('aws-auth bundles the STS client and no other (lazy clients)', () => {
    const dir = join(ROOT, 'actions', 'aws-auth', 'dist');
    if (!existsSync(join(dir, 'index.js'))) throw new Error(`${dir} is not built: run \`npm run bundle\`.`);
    const text = readdirSync(dir)
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(join(dir, file), 'utf8'))
      .join('\n');
    expect(text).toContain('STSClient');
    for (const other of ['ECSClient', 'ECRClient', 'CloudWatchLogsClient']) expect(text).not.toContain(other);
  });
});
