#!/usr/bin/env node
// Bundles every actions/<name>/src/index.ts into actions/<name>/dist with ncc.
// `--check` builds into a temporary folder instead and fails when any committed
// dist differs from the fresh build (CI runs it so a stale dist cannot land).
// Either way a bundle that contains test-only code (testkit, the emulator,
// aws-sdk-client-mock) fails the run: see bundle-check.mjs.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { transform } from 'esbuild';
import { findTestOnlyCode, testOnlyMarkers } from './bundle-check.mjs';

const root = new URL('..', import.meta.url).pathname;
const check = process.argv.includes('--check');
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const ncc = createRequire(import.meta.url)('@vercel/ncc');

/**
 * Packages without an `exports` map resolve to their `module` (ESM) build
 * before `main` (ncc's default is `main` alone). The AWS SDK clients ship a
 * dist-es build that webpack tree-shakes to the commands an action sends; their
 * dist-cjs is every command's schema in one file. deploy-ecs's index.js: 986 KB
 * with `main`, 811 KB with `module` first (issue 15: ≤ 1.0 MB each).
 */
const MAIN_FIELDS = ['module', 'main'];

/**
 * ncc's build of `entry` written to `out` as its CLI writes it (index.js, then
 * every asset: chunks, licenses.txt, package.json); the API, not the CLI,
 * because only the API takes `mainFields`.
 */
async function build(entry, out) {
  const { code, assets } = await ncc(entry, {
    minify: true,
    license: 'licenses.txt',
    quiet: true,
    target: 'es2023',
    mainFields: MAIN_FIELDS,
  });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'index.js'), code);
  for (const [name, asset] of Object.entries(assets)) {
    mkdirSync(dirname(join(out, name)), { recursive: true });
    writeFileSync(join(out, name), asset.source, { mode: asset.permissions });
  }
}

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path).map((p) => join(name, p)) : [name];
  });
}

/**
 * ncc minifies index.js but writes the chunks of dynamic imports (the code an
 * action loads once its inputs are checked) as they come from webpack, twice
 * their size. esbuild minifies them with names kept, as ncc keeps function and
 * class names in index.js (the SDK and error handling read `.name`).
 */
async function minifyChunks(dir) {
  for (const file of listFiles(dir).filter((file) => /^\d+\.index\.js$/.test(file))) {
    const path = join(dir, file);
    const { code } = await transform(readFileSync(path, 'utf8'), {
      minify: true,
      keepNames: true,
      format: 'esm',
      platform: 'node',
      target: 'es2023',
    });
    writeFileSync(path, code);
  }
}

const actions = readdirSync(join(root, 'actions')).filter(
  (name) =>
    existsSync(join(root, 'actions', name, 'src', 'index.ts')) && (only.length === 0 || only.includes(name)),
);

let stale = 0;
let polluted = 0;
const markers = testOnlyMarkers(root);
for (const name of actions) {
  const dir = join(root, 'actions', name);
  const out = check ? mkdtempSync(join(tmpdir(), `berth-dist-${name}-`)) : join(dir, 'dist');
  if (!check) rmSync(out, { recursive: true, force: true });
  await build(join(dir, 'src', 'index.ts'), out);
  for (const file of listFiles(out).filter((file) => file.endsWith('.js'))) {
    const found = findTestOnlyCode(readFileSync(join(out, file), 'utf8'), markers);
    if (found.length > 0) {
      polluted++;
      console.error(
        `actions/${name}/dist/${file} contains test-only code (${found.join(', ')}): production sources must not import @berth/testkit, @berth/emulator or test libraries.`,
      );
    }
  }
  await minifyChunks(out);
  if (!check) {
    const kib = (file) => statSync(join(out, file)).size / 1024;
    const chunks = listFiles(out).filter((file) => /^\d+\.index\.js$/.test(file));
    const chunkKib = chunks.reduce((sum, file) => sum + kib(file), 0);
    console.log(
      `bundled ${relative(root, out)} (index.js ${kib('index.js').toFixed(0)} KiB${chunks.length ? ` + ${chunks.length} chunks ${chunkKib.toFixed(0)} KiB loaded on demand` : ''})`,
    );
    continue;
  }
  const committed = join(dir, 'dist');
  const fresh = listFiles(out).sort();
  const existing = listFiles(committed).sort();
  const differing = [...new Set([...fresh, ...existing])].filter((file) => {
    const a = join(out, file);
    const b = join(committed, file);
    return !existsSync(a) || !existsSync(b) || !readFileSync(a).equals(readFileSync(b));
  });
  rmSync(out, { recursive: true, force: true });
  if (differing.length > 0) {
    stale++;
    console.error(
      `actions/${name}/dist is stale: ${differing.join(', ')} differ from a fresh build. Run \`npm run bundle\` and commit dist.`,
    );
  } else {
    console.log(`actions/${name}/dist is up to date`);
  }
}
if ((check && stale > 0) || polluted > 0) process.exit(1);
