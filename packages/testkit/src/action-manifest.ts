import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './paths.js';

export interface ActionManifest {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string; post?: string };
}

/** Parses actions/<action>/action.yml (tests compare it with what the code reads and writes). */
export function loadActionManifest(action: string): ActionManifest {
  const manifest = parse(
    readFileSync(join(REPO_ROOT, 'actions', action, 'action.yml'), 'utf8'),
  ) as ActionManifest;
  manifest.inputs ??= {};
  manifest.outputs ??= {};
  return manifest;
}

/**
 * Environment for `getInputs()` built from action.yml defaults (as the runner
 * supplies them) plus overrides, in the `INPUT_*` form @actions/core reads.
 */
export function inputEnvironment(
  action: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const { inputs } = loadActionManifest(action);
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(inputs)) {
    // An expression default (`${{ github.token }}`) is the runner's to evaluate; outside a job it is empty.
    if (spec.default !== undefined && !String(spec.default).includes('${{'))
      env[`INPUT_${name.toUpperCase()}`] = String(spec.default);
  }
  for (const [name, value] of Object.entries(overrides)) env[`INPUT_${name.toUpperCase()}`] = value;
  return env;
}
