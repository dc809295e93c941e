// What @github/local-action's `run` command does with an ESM action (github/local-action
// src/commands/run.ts, v7): load the dotenv file into process.env (override), then
// `const { run } = await import(entrypoint)`, refuse an entrypoint without a `run`
// function, and `await run()`. Its @actions/core stubs are left out: Berth does not use
// @actions/core (packages/shared/src/runner.ts writes GITHUB_OUTPUT and the summary itself).
// Run with `node --import tsx` (local-action runs TypeScript entry points with tsx too).
// Usage: node --import tsx local-action-harness.mjs <action path> <entrypoint> <dotenv file>
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [actionPath, entrypoint, dotenvFile] = process.argv.slice(2);
// The dotenv format the tests write: KEY=VALUE lines (keys may hold `-`, as INPUT_ names do).
for (const line of readFileSync(dotenvFile, 'utf8').split('\n')) {
  const match = /^\s*([\w.-]+)\s*=(.*)$/.exec(line);
  if (match) process.env[match[1]] = match[2];
}
const module = await import(pathToFileURL(resolve(actionPath, entrypoint)).href);
if (typeof module.run !== 'function')
  throw new Error(`Entrypoint ${entrypoint} does not export a run() function`);
// Importing the entry point must not have run the step: local-action calls run() itself.
process.stdout.write('local-action-harness: imported\n');
await module.run();
process.stdout.write('local-action-harness: run() returned\n');
