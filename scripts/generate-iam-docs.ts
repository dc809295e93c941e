/**
 * Writes docs/iam/<role>/<policy>.json from the templates in docs/iam/templates
 * (the single source; packages/emulator/src/iam/berth-policies.ts says which role
 * gets which policy with which example names). tests/iam-policies.itg.test.ts fails when
 * the committed documents differ from what this writes.
 *
 *   node --import tsx scripts/generate-iam-docs.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import { generatedPolicyDocs } from '../packages/emulator/src/iam/berth-policies.js';

const written: string[] = [];
for (const [path, text] of generatedPolicyDocs()) {
  const target = join(REPO_ROOT, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  written.push(target);
  console.log(`wrote ${path}`);
}
// The repository's formatter lays the JSON out; the freshness test compares the parsed documents.
execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', ...written], {
  stdio: 'inherit',
});
