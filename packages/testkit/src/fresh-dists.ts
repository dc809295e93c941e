/**
 * Which actions/<name>/dist is older than its sources, so the integration tiers never run a stale
 * bundle. An action's sources are the files its src/index.ts reaches through relative and
 * `@berth/<package>` imports (what ncc bundles from this repository), its package.json and the
 * lockfile (the npm code it bundles). A dist is fresh when a stamp written after the last rebuild
 * here names the same sources and the same dist; without a stamp (a fresh clone, a dist built by
 * `npm run bundle`) it is fresh when it is newer than every source file.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')`. */
const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The module specifiers a TypeScript source names. */
export function importSpecifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(SPECIFIER)) found.push(match[1] ?? match[2] ?? match[3]);
  return found;
}

function firstExisting(candidates: string[]): string | undefined {
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

/** `./x.js` → `./x.ts` (or `./x/index.ts`), as TypeScript's NodeNext resolution maps it. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const stem = base.replace(/\.(js|ts|mjs|mts)$/, '');
  return firstExisting([`${stem}.ts`, `${stem}.mts`, base, join(base, 'index.ts')]);
}

/** `@berth/<package>[/<sub>]` → the workspace file it names: the package's `exports`, else `src/<sub>.ts`. */
function resolveWorkspace(root: string, specifier: string): string | undefined {
  const match = /^@berth\/([^/]+)(?:\/(.+))?$/.exec(specifier);
  if (!match) return undefined;
  const [, name, sub] = match;
  const dir = join(root, 'packages', name);
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    main?: string;
    exports?: Record<string, unknown> | string;
  };
  const key = sub ? `./${sub}` : '.';
  const exported =
    typeof manifest.exports === 'string'
      ? key === '.'
        ? manifest.exports
        : undefined
      : manifest.exports?.[key];
  const target = pickTarget(exported);
  if (target) return firstExisting([join(dir, target)]);
  if (!sub) return firstExisting([join(dir, manifest.main ?? 'src/index.ts')]);
  return resolveRelative(join(dir, 'src', 'index.ts'), `./${sub}`);
}

/** An `exports` entry: a path, or conditions of which the first usable path counts. */
function pickTarget(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (entry && typeof entry === 'object') {
    const conditions = entry as Record<string, unknown>;
    for (const condition of ['types', 'import', 'default', 'node']) {
      const target = pickTarget(conditions[condition]);
      if (target) return target;
    }
  }
  return undefined;
}

/** Every repository file an action's bundle is built from (absolute paths, sorted). */
export function bundleSources(root: string, action: string): string[] {
  const entry = join(root, 'actions', action, 'src', 'index.ts');
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
      const target = specifier.startsWith('.')
        ? resolveRelative(file, specifier)
        : resolveWorkspace(root, specifier);
      if (target && !seen.has(target)) queue.push(target);
    }
  }
  for (const extra of [join(root, 'actions', action, 'package.json'), join(root, 'package-lock.json')]) {
    if (existsSync(extra)) seen.add(extra);
  }
  return [...seen].sort();
}

/** A digest of the files' paths (relative to root) and contents. */
export function digestFiles(root: string, files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(root, file));
    hash.update('\0');
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** What the last rebuild here saw: the sources' digest and the dist it produced. */
export interface DistStamp {
  sources: string;
  dist: string;
}

/** What is known about one action's dist now. */
export interface DistState {
  /** Digest of dist/index.js, or undefined when there is none. */
  dist?: string;
  /** Modification time of dist/index.js. */
  distMtimeMs?: number;
  sources: string;
  /** The newest modification time among the sources, and which file it is. */
  newestSource: { file: string; mtimeMs: number };
  stamp?: DistStamp;
}

/** Why a dist must be rebuilt, or undefined when it is fresh. Pure: the decision behind freshDists(). */
export function staleReason(state: DistState): string | undefined {
  if (state.dist === undefined) return 'no dist/index.js';
  if (state.stamp && state.stamp.dist === state.dist) {
    return state.stamp.sources === state.sources ? undefined : 'its sources changed since it was built';
  }
  if (state.distMtimeMs === undefined || state.newestSource.mtimeMs > state.distMtimeMs)
    return `${state.newestSource.file} is newer than it`;
  return undefined;
}

/** The actions with a bundle (actions/<name>/src/index.ts). */
export function bundledActions(root: string, names: string[]): string[] {
  return names.filter((name) => existsSync(join(root, 'actions', name, 'src', 'index.ts'))).sort();
}

function stampPath(root: string, action: string): string {
  return join(root, 'node_modules', '.cache', 'berth-dists', `${action}.json`);
}

function distFile(root: string, action: string): string {
  return join(root, 'actions', action, 'dist', 'index.js');
}

/** Reads the current state of an action's dist and sources from disk. */
export function distState(root: string, action: string): DistState {
  const sources = bundleSources(root, action);
  let newestSource = { file: '', mtimeMs: 0 };
  for (const file of sources) {
    const mtimeMs = statSync(file).mtimeMs;
    if (mtimeMs > newestSource.mtimeMs) newestSource = { file: relative(root, file), mtimeMs };
  }
  const dist = distFile(root, action);
  const stamp = stampPath(root, action);
  return {
    sources: digestFiles(root, sources),
    newestSource,
    ...(existsSync(dist) ? { dist: digestFiles(root, [dist]), distMtimeMs: statSync(dist).mtimeMs } : {}),
    ...(existsSync(stamp) ? { stamp: JSON.parse(readFileSync(stamp, 'utf8')) as DistStamp } : {}),
  };
}

/** Records that the action's dist now matches its sources (after a rebuild or a fresh check). */
export function writeStamp(root: string, action: string): void {
  const state = distState(root, action);
  if (state.dist === undefined)
    throw new Error(`actions/${action}/dist/index.js is missing after the rebuild`);
  const path = stampPath(root, action);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    `${JSON.stringify({ sources: state.sources, dist: state.dist } satisfies DistStamp)}\n`,
  );
}
