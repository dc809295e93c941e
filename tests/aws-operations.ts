import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { REPO_ROOT } from '@berth/testkit/paths.js';

const SHARED_SRC = join(REPO_ROOT, 'packages', 'shared', 'src');
const IAM_PREFIX: Record<string, string> = {
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-ecr': 'ecr',
  '@aws-sdk/client-sts': 'sts',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-codedeploy': 'codedeploy',
};

interface Import {
  from: string;
  names: string[];
}

function importsOf(text: string): Import[] {
  const found: Import[] = [];
  const pattern =
    /import\s+(type\s+)?(?:([\w$]+)\s*,?\s*)?(?:\{([^}]*)\}|\*\s+as\s+[\w$]+)?\s*from\s*['"]([^'"]+)['"]/g;
  for (const match of text.matchAll(pattern)) {
    if (match[1]) continue; // `import type` brings in no code
    const names = (match[3] ?? '')
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n && !n.startsWith('type '))
      .map((n) => n.split(/\s+as\s+/)[0].trim());
    found.push({ from: match[4], names });
  }
  for (const match of text.matchAll(/export\s+\*\s+from\s*['"]([^'"]+)['"]/g))
    found.push({ from: match[1], names: [] });
  // Code loaded on demand is code the action can run: `const { A } = await import('pkg')`
  // and `await import('./module.js')` count as imports.
  for (const match of text.matchAll(
    /(?:\{([\w$\s,:]*)\}\s*=\s*)?await\s+import\(\s*['"]([^'"]+)['"]\s*\)/g,
  )) {
    const names = (match[1] ?? '')
      .split(',')
      .map((n) => n.split(':')[0].trim())
      .filter(Boolean);
    found.push({ from: match[2], names });
  }
  return found;
}

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listTs(path) : name.endsWith('.ts') ? [path] : [];
  });
}

let sharedExports: Map<string, string> | undefined;
/** Which shared module declares each exported name. */
function sharedExportIndex(): Map<string, string> {
  if (sharedExports) return sharedExports;
  sharedExports = new Map();
  for (const file of listTs(SHARED_SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/export\s+(?:async\s+)?(?:function\*?|class|const|let|var)\s+([\w$]+)/g))
      sharedExports.set(m[1], file);
  }
  return sharedExports;
}

function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier).replace(/\.js$/, '');
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

/**
 * The AWS operations an action's code can call, as IAM actions (`ecs:UpdateService`):
 * every `new XCommand(` and `paginateX(` in the files reachable from its entry point,
 * following relative imports (static and `await import()`), `@berth/shared/<module>`
 * sub-paths and, for the `@berth/shared` barrel, the modules that define the names it imports.
 */
export function awsOperationsOf(action: string): { operations: string[]; files: string[] } {
  const entry = join(REPO_ROOT, 'actions', action, 'src', 'index.ts');
  const seen = new Set<string>();
  const queue = [entry];
  const operations = new Set<string>();
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const commandPackage = new Map<string, string>();
    for (const { from, names } of importsOf(text)) {
      if (from.startsWith('.')) {
        const target = resolveRelative(file, from);
        if (target) queue.push(target);
      } else if (from.startsWith('@berth/shared/')) {
        const target = resolveRelative(
          join(SHARED_SRC, 'index.ts'),
          `./${from.slice('@berth/shared/'.length)}`,
        );
        if (target) queue.push(target);
      } else if (from === '@berth/shared') {
        for (const name of names) {
          const target = sharedExportIndex().get(name);
          if (target) queue.push(target);
        }
      } else if (IAM_PREFIX[from]) {
        for (const name of names) commandPackage.set(name, IAM_PREFIX[from]);
      }
    }
    for (const m of text.matchAll(/new\s+([A-Z]\w+)Command\s*\(/g)) {
      const prefix = commandPackage.get(`${m[1]}Command`);
      if (prefix) operations.add(`${prefix}:${m[1]}`);
    }
    for (const m of text.matchAll(/\bpaginate([A-Z]\w+)\s*\(/g)) {
      const prefix = commandPackage.get(`paginate${m[1]}`);
      if (prefix) operations.add(`${prefix}:${m[1]}`);
    }
  }
  return {
    operations: [...operations].sort(),
    files: [...seen].map((f) => f.slice(REPO_ROOT.length + 1)).sort(),
  };
}
