// Finds test-only code in a production bundle. The markers are the functions
// and classes that packages/testkit and packages/emulator declare (walked from
// their sources, so a new helper is covered without editing a list) and that
// no product source (actions/*/src, packages/shared/src) declares as well,
// plus the test libraries' own entry points. One-word names are left out:
// a bundled library may declare the same (octokit's `paginate`). ncc keeps function and class
// names when it minifies, so a bundled helper shows as `function <name>(`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const TEST_ONLY_ROOTS = ['packages/testkit/src', 'packages/emulator/src'];
/** Test libraries, by a function their bundled source always declares. */
const LIBRARY_MARKERS = ['function mockClient(', 'function unstable_mockModule('];

function tsFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === '__tests__') return [];
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

function declaredNames(files, { exportedOnly }) {
  const pattern = exportedOnly
    ? /^export\s+(?:async\s+)?(?:function\*?|class)\s+([A-Za-z_$][\w$]*)/gm
    : /\b(?:function\*?|class)\s+([A-Za-z_$][\w$]*)/g;
  const names = new Set();
  for (const file of files)
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) names.add(match[1]);
  return names;
}

/** The strings whose presence in a bundle means test-only code was bundled. */
export function testOnlyMarkers(root) {
  const testOnly = declaredNames(
    TEST_ONLY_ROOTS.flatMap((dir) => tsFiles(join(root, dir))),
    { exportedOnly: true },
  );
  const productFiles = [
    ...tsFiles(join(root, 'packages', 'shared', 'src')),
    ...readdirSync(join(root, 'actions')).flatMap((name) => tsFiles(join(root, 'actions', name, 'src'))),
  ];
  const product = declaredNames(productFiles, { exportedOnly: false });
  // A one-word name (`paginate`) may be a library's too (octokit has one); a
  // compound name (`recordingLogger`, `startEmulator`) is the helper's own.
  const markers = [...testOnly]
    .filter((name) => !product.has(name) && /[a-z][A-Z]/.test(name))
    .flatMap((name) => [`function ${name}(`, `class ${name} `, `class ${name}{`]);
  return [...markers, ...LIBRARY_MARKERS].sort();
}

/** The markers found in `bundle` (the text of a dist file). */
export function findTestOnlyCode(bundle, markers) {
  return markers.filter((marker) => bundle.includes(marker));
}
