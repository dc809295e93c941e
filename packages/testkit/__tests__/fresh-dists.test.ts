import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import {
  bundleSources,
  type DistState,
  distState,
  importSpecifiers,
  staleReason,
  writeStamp,
} from '@berth/testkit/fresh-dists.js';
import { afterAll, describe, expect, it } from '@jest/globals';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A small repository laid out like Berth's: one action over a shared package. */
function repository(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-fresh-dists-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

describe('importSpecifiers', () => {
  it('finds static, re-export, side-effect and dynamic imports, not words in strings', () => {
    const source = [
      "import { a } from './a.js';",
      'import type { B } from "./b.js";',
      "import {\n  c,\n  d,\n} from '@berth/shared';",
      "export * from './e.js';",
      "export { f } from './f.js';",
      "import './g.js';",
      "const h = await import('./h.js');",
      "const text = 'we import nothing from here';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual([
      './a.js',
      './b.js',
      '@berth/shared',
      './e.js',
      './f.js',
      './g.js',
      './h.js',
    ]);
  });
});

describe('bundleSources', () => {
  it('follows relative and workspace imports (main and exports map), not unused shared files', () => {
    const root = repository({
      'actions/web/package.json': '{}',
      'actions/web/src/index.ts': "import { main } from './main.js';\nmain();\n",
      'actions/web/src/main.ts':
        "import { run } from '@berth/shared';\nimport { sts } from '@berth/shared/aws';\n",
      'actions/web/src/unused.ts': 'export {};\n',
      'packages/shared/package.json': JSON.stringify({
        main: 'src/index.ts',
        exports: { '.': './src/index.ts', './aws': { types: './src/aws/index.ts' } },
      }),
      'packages/shared/src/index.ts': "export * from './run.js';\n",
      'packages/shared/src/run.ts': "import '@actions/core';\nexport const run = 1;\n",
      'packages/shared/src/aws/index.ts': "export { sts } from './sts.js';\n",
      'packages/shared/src/aws/sts.ts': 'export const sts = 1;\n',
      'packages/shared/src/logs.ts': 'export const logs = 1;\n',
      'package-lock.json': '{}',
    });
    expect(bundleSources(root, 'web').map((file) => relative(root, file))).toEqual([
      'actions/web/package.json',
      'actions/web/src/index.ts',
      'actions/web/src/main.ts',
      'package-lock.json',
      'packages/shared/src/aws/index.ts',
      'packages/shared/src/aws/sts.ts',
      'packages/shared/src/index.ts',
      'packages/shared/src/run.ts',
    ]);
  });

  it("reaches deploy-ecs's own sources and the shared modules it imports by sub-path in this repository", async () => {
    const { REPO_ROOT } = await import('@berth/testkit/paths.js');
    const sources = bundleSources(REPO_ROOT, 'deploy-ecs').map((file) => relative(REPO_ROOT, file));
    expect(sources).toEqual(
      expect.arrayContaining([
        'actions/deploy-ecs/src/index.ts',
        'actions/deploy-ecs/src/main.ts',
        'packages/shared/src/deployment/transaction.ts',
        'packages/shared/src/taskdef/read.ts',
        'package-lock.json',
      ]),
    );
    expect(sources.some((file) => file.startsWith('packages/testkit/'))).toBe(false);
    expect(sources.some((file) => file.includes('__tests__'))).toBe(false);
    // Sub-path imports only: the barrel is not a source of deploy-ecs's bundle.
    expect(sources).not.toContain('packages/shared/src/index.ts');
  });
});

describe('staleReason', () => {
  const base: DistState = {
    dist: 'dist-1',
    distMtimeMs: 2_000,
    sources: 'sources-1',
    newestSource: { file: 'actions/web/src/main.ts', mtimeMs: 1_000 },
  };
  it.each<[string, Partial<DistState>, string | undefined]>([
    ['no dist at all', { dist: undefined, distMtimeMs: undefined }, 'no dist/index.js'],
    ['stamp matches sources and dist', { stamp: { sources: 'sources-1', dist: 'dist-1' } }, undefined],
    [
      'stamp matches the dist, sources changed (even with an older mtime)',
      { stamp: { sources: 'sources-0', dist: 'dist-1' } },
      'its sources changed since it was built',
    ],
    [
      'stamp of another dist, a source newer than the dist',
      { stamp: { sources: 'sources-1', dist: 'dist-0' }, newestSource: { file: 'a.ts', mtimeMs: 3_000 } },
      'a.ts is newer than it',
    ],
    ['no stamp, dist newer than every source', {}, undefined],
    [
      'no stamp, a source newer than the dist',
      { newestSource: { file: 'packages/shared/src/run.ts', mtimeMs: 2_001 } },
      'packages/shared/src/run.ts is newer than it',
    ],
  ])('%s', (_name, change, reason) => {
    expect(staleReason({ ...base, ...change })).toBe(reason);
  });
});

describe('distState and writeStamp on disk', () => {
  it('a source edit after the stamp makes the dist stale, whatever the file times say', () => {
    const root = repository({
      'actions/web/src/index.ts': "import './main.js';\n",
      'actions/web/src/main.ts': 'export const version = 1;\n',
      'actions/web/dist/index.js': 'built\n',
    });
    // The dist is older than its sources: stale by time.
    utimesSync(join(root, 'actions/web/dist/index.js'), 1_000, 1_000);
    expect(staleReason(distState(root, 'web'))).toMatch(/is newer than it$/);
    writeStamp(root, 'web');
    expect(staleReason(distState(root, 'web'))).toBeUndefined();
    writeFileSync(join(root, 'actions/web/src/main.ts'), 'export const version = 2;\n');
    utimesSync(join(root, 'actions/web/src/main.ts'), 500, 500);
    expect(staleReason(distState(root, 'web'))).toBe('its sources changed since it was built');
  });
});
