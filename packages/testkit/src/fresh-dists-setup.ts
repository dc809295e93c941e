/**
 * jest globalSetup of the integration and end-to-end tiers: rebuilds every actions/<name>/dist
 * older than its sources (fresh-dists.ts) with `scripts/bundle.mjs <name>…` and says which.
 *
 * Under CI=true it rebuilds nothing: CI runs `npm run check-dist` before the tests, and that step
 * must stay the one that fails a commit whose dist is stale. Rebuilding here would hide it.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundledActions, distState, staleReason, writeStamp } from './fresh-dists.js';
import { REPO_ROOT } from './paths.js';

export default function freshDists(): void {
  if (process.env.CI === 'true') {
    console.log('CI=true: testing the committed dists as they are (`npm run check-dist` proves them fresh).');
    return;
  }
  const actions = bundledActions(REPO_ROOT, readdirSync(join(REPO_ROOT, 'actions')));
  const stale = actions
    .map((action) => ({ action, reason: staleReason(distState(REPO_ROOT, action)) }))
    .filter((entry): entry is { action: string; reason: string } => entry.reason !== undefined);
  if (stale.length === 0) return;
  for (const { action, reason } of stale) console.log(`rebuilding actions/${action}/dist: ${reason}`);
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'scripts', 'bundle.mjs'), ...stale.map((entry) => entry.action)],
    { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  for (const { action } of stale) writeStamp(REPO_ROOT, action);
}
