#!/usr/bin/env node
// Rewrites `import {…} from '@berth/shared'` (the barrel) into sub-path imports
// (`@berth/shared/aws`, `@berth/shared/deployment/follow`), one per module that
// declares the names, so a bundle only carries the modules an action uses.
//
//   node scripts/codemod-shared-imports.mjs actions/deploy-ecs [more files or folders…] [--check]
//
// Which module declares a name is asked of TypeScript (the barrel's exports,
// followed through every `export *` to the declaration), never guessed from
// text. `import type {…}`, inline `type` modifiers and `as` renames are kept.
// Idempotent: a file without barrel imports is left untouched. `--check` only
// lists the files it would change and exits 1 when there are any.
// Run `npx biome check --write` on the changed files afterwards to sort imports.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED_SRC = join(ROOT, 'packages', 'shared', 'src');
const BARREL = '@berth/shared';

/** name → sub-path (`aws`, `deployment/follow`) of the module that declares it. */
export function declaringModules(sharedSrc = SHARED_SRC) {
  const index = join(sharedSrc, 'index.ts');
  const program = ts.createProgram([index], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(index));
  const map = new Map();
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const file = target.declarations?.[0]?.getSourceFile().fileName;
    if (!file) continue;
    map.set(exported.name, relative(sharedSrc, file).replace(/\\/g, '/').replace(/\.ts$/, ''));
  }
  return map;
}

/**
 * The text of `source` with its barrel imports replaced, or undefined when it
 * has none. Throws on an import it cannot rewrite (namespace, default, a name
 * no module declares), naming the file.
 */
export function rewriteImports(fileName, source, modules) {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits = [];
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    if (!ts.isStringLiteral(statement.moduleSpecifier) || statement.moduleSpecifier.text !== BARREL) continue;
    const clause = statement.importClause;
    if (!clause) {
      edits.push({ start: statement.getStart(), end: statement.getEnd(), text: '' });
      continue;
    }
    if (clause.name || !clause.namedBindings || !ts.isNamedImports(clause.namedBindings)) {
      throw new Error(`${fileName}: \`${statement.getText()}\` is not a named import; rewrite it by hand.`);
    }
    const wholeType = clause.isTypeOnly;
    const byModule = new Map();
    for (const element of clause.namedBindings.elements) {
      const imported = (element.propertyName ?? element.name).text;
      const module = modules.get(imported);
      if (!module) throw new Error(`${fileName}: no module of @berth/shared exports \`${imported}\`.`);
      const spec = `${element.isTypeOnly && !wholeType ? 'type ' : ''}${
        element.propertyName ? `${imported} as ${element.name.text}` : imported
      }`;
      const list = byModule.get(module) ?? [];
      list.push({ spec, type: wholeType || element.isTypeOnly });
      byModule.set(module, list);
    }
    const lines = [...byModule]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([module, specs]) => {
        // A group of type-only names becomes `import type`, as a type-only barrel import was.
        const allTypes = specs.every((s) => s.type);
        const names = specs.map((s) => (allTypes ? s.spec.replace(/^type /, '') : s.spec)).join(', ');
        return `import ${allTypes ? 'type ' : ''}{ ${names} } from '${BARREL}/${module}';`;
      });
    edits.push({ start: statement.getStart(), end: statement.getEnd(), text: lines.join('\n') });
  }
  if (edits.length === 0) return undefined;
  let text = source;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  }
  return text;
}

function tsFiles(path) {
  if (statSync(path).isFile()) return path.endsWith('.ts') ? [path] : [];
  return readdirSync(path).flatMap((name) =>
    name === 'node_modules' || name === 'dist' ? [] : tsFiles(join(path, name)),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const targets = args.filter((arg) => !arg.startsWith('--'));
  if (targets.length === 0) {
    console.error('Usage: node scripts/codemod-shared-imports.mjs <file or folder>… [--check]');
    process.exit(2);
  }
  const modules = declaringModules();
  let changed = 0;
  for (const target of targets) {
    const path = resolve(target);
    if (!existsSync(path)) throw new Error(`${target} does not exist.`);
    for (const file of tsFiles(path)) {
      const source = readFileSync(file, 'utf8');
      const rewritten = rewriteImports(file, source, modules);
      if (rewritten === undefined || rewritten === source) continue;
      changed++;
      if (!check) writeFileSync(file, rewritten);
      console.log(`${check ? 'would rewrite' : 'rewrote'} ${relative(ROOT, file)}`);
    }
  }
  if (check && changed > 0) process.exit(1);
}
