/**
 * `secret-files` and `secret-envs` resolved before anything happens: each
 * file must exist inside the workspace or RUNNER_TEMP once links are
 * followed (like `file`: a build must not be handed /proc/self/environ or a
 * runner credential), each variable must be set. Errors name the input, the
 * id and the file or variable, never a value.
 */
import { ConfigurationError } from '@berth/shared/errors';
import { resolveWorkspacePath, type WorkspaceRoots } from '@berth/shared/workspace-file';

export interface ResolvedSecrets {
  /** id → absolute path. */
  files: Map<string, string>;
  /** id → variable name and its value. */
  envs: Map<string, { name: string; value: string }>;
}

export function resolveBuildSecrets(
  inputs: { secretFiles: ReadonlyMap<string, string>; secretEnvs: ReadonlyMap<string, string> },
  env: NodeJS.ProcessEnv,
  roots: WorkspaceRoots,
): ResolvedSecrets {
  const files = new Map<string, string>();
  for (const [id, path] of inputs.secretFiles) {
    const resolved = resolveWorkspacePath('secret-files', path, {
      roots,
      missingHint: `Secret \`${id}\`: write the file in an earlier step (in the workspace or RUNNER_TEMP), or fix the path (relative to the workspace).`,
    });
    files.set(id, resolved.path);
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
