import { ConfigurationError } from '@berth/shared/errors';
import { readWorkspaceFile, type WorkspaceRoots } from '@berth/shared/workspace-file';
import { fileError } from './normalise.js';

/**
 * The text of a file an input names (the allowlist, a report, an exception
 * file): inside the workspace or RUNNER_TEMP once links are followed, at most
 * `maxBytes`; every failure is a ConfigurationError naming the input and the
 * file as the user wrote it.
 */
export function readInputFile(
  input: string,
  path: string,
  options: { shown: string; roots: WorkspaceRoots; maxBytes: number; what: string; hint?: string },
): string {
  try {
    return readWorkspaceFile(input, path, {
      roots: options.roots,
      maxBytes: options.maxBytes,
      what: options.what,
      shown: options.shown,
    }).text;
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw new ConfigurationError(
      `Input \`${input}\`: cannot read \`${options.shown}\`: ${fileError(error)}${options.hint ? `. ${options.hint}` : ''}`,
    );
  }
}
