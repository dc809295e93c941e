/**
 * The check `npm run bundle` and `check-dist` run on every bundle: test-only
 * code (packages/testkit, packages/emulator, test libraries) must never ship.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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

  /** Every .js file of an action's dist: index.js and each chunk it can load. */
  const distFiles = (name: string) => {
    const dir = join(ROOT, 'actions', name, 'dist');
    if (!existsSync(join(dir, 'index.js'))) throw new Error(`${dir} is not built: run \`npm run bundle\`.`);
    return readdirSync(dir)
      .filter((file) => file.endsWith('.js'))
      .map((file) => join(dir, file));
  };

  it('aws-auth carries no AWS SDK client: its two STS calls go over fetch (sts-query.ts)', () => {
    const text = distFiles('aws-auth')
      .map((path) => readFileSync(path, 'utf8'))
      .join('\n');
    expect(text).toContain('AssumeRoleWithWebIdentity');
    expect(text).toContain('GetCallerIdentity');
    for (const client of [
      'STSClient',
      'ECSClient',
      'ECRClient',
      'CloudWatchLogsClient',
      'CodeDeployClient',
    ]) {
      expect(text).not.toContain(client);
    }
  });

  // Issue 15, "Size": every dist/index.js at most 1.0 MB; aws-auth at most 0.5 MB with every
  // chunk it can load counted, since a step that passes its inputs loads them.
  it.each(dists)('%s is at most 1,000,000 bytes', (path) => {
    expect(statSync(path).size).toBeLessThanOrEqual(1_000_000);
  });

  it('aws-auth, index.js and all its chunks together, is at most 500,000 bytes', () => {
    const total = distFiles('aws-auth').reduce((sum, path) => sum + statSync(path).size, 0);
    expect(total).toBeLessThanOrEqual(500_000);
  });
});
