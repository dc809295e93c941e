/**
 * `secret-files` and `secret-envs` resolved before anything happens: each
 * file must exist, each variable must be set. Errors name the input, the id
 * and the file or variable, never a value.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError } from '@berth/shared';

export interface ResolvedSecrets {
  /** id → absolute path. */
  files: Map<string, string>;
  /** id → variable name and its value. */
  envs: Map<string, { name: string; value: string }>;
}

export function resolveBuildSecrets(
  inputs: { secretFiles: ReadonlyMap<string, string>; secretEnvs: ReadonlyMap<string, string> },
  env: NodeJS.ProcessEnv,
  workspace: string,
  isFile: (path: string) => boolean = (path) => existsSync(path) && statSync(path).isFile(),
): ResolvedSecrets {
  const files = new Map<string, string>();
  for (const [id, path] of inputs.secretFiles) {
    const absolute = isAbsolute(path) ? path : resolve(workspace, path);
    if (!isFile(absolute)) {
      throw new ConfigurationError(
        `Input \`secret-files\`: secret \`${id}\` names ${JSON.stringify(path)}, which is not a file (looked for ${absolute}). Write the file in an earlier step, or fix the path (relative to the workspace).`,
      );
    }
    files.set(id, absolute);
  }
  const envs = new Map<string, { name: string; value: string }>();
  for (const [id, name] of inputs.secretEnvs) {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new ConfigurationError(
        `Input \`secret-envs\`: secret \`${id}\` reads the environment variable ${name}, which is not set or empty. Set it in the step's \`env\`, e.g. \`${name}: \${{ secrets.${name} }}\`.`,
      );
    }
    envs.set(id, { name, value });
  }
  return { files, envs };
}
