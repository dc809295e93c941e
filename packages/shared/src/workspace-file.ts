import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigurationError, errorMessage } from './errors.js';
import { quoteValue } from './names.js';

/**
 * Every file an input names is read through here: the path resolves, after
 * following every link (realpath), inside GITHUB_WORKSPACE or RUNNER_TEMP;
 * only a regular file (or, for a build context, a directory) is accepted; and
 * a size limit counts the bytes actually read, because `stat` is no witness
 * (a link to /proc/self/environ has size 0 and reads the environment).
 * A step that could be pointed at any readable file would quote it in its
 * errors; the runner masks whole secret values, not a prefix of one.
 */

export interface WorkspaceRoots {
  /** GITHUB_WORKSPACE (the checkout): relative paths resolve against it. */
  workspace: string;
  /** RUNNER_TEMP: where earlier steps (render-taskdef, scanners) write files for later ones. */
  runnerTemp?: string;
}

/** The roots from the runner's environment; the working directory stands in for an unset workspace. */
export function workspaceRoots(env: NodeJS.ProcessEnv = process.env): WorkspaceRoots {
  return {
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    runnerTemp: env.RUNNER_TEMP || undefined,
  };
}

function realRoots(roots: WorkspaceRoots): string[] {
  const real: string[] = [];
  for (const root of [roots.workspace, roots.runnerTemp]) {
    if (!root) continue;
    try {
      real.push(realpathSync(root));
    } catch {
      // A root that does not exist contains nothing.
    }
  }
  return real;
}

function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function outsideError(inputName: string, value: string, roots: WorkspaceRoots, real?: string): never {
  const where = roots.runnerTemp ? 'the workspace or RUNNER_TEMP' : 'the workspace';
  throw new ConfigurationError(
    `Input \`${inputName}\`: ${quoteValue(value)} ${real ? 'leads' : 'is'} outside ${where}${real ? ' (through a symbolic link or `..`)' : ''}; Berth reads only files of the checkout or of earlier steps. Give a path relative to the repository root, e.g. \`${inputName}: deploy/${inputName === 'context' ? '.' : 'file.json'}\`.`,
  );
}

export type WorkspaceEntryKind = 'file' | 'directory';

export interface ResolveOptions {
  roots?: WorkspaceRoots;
  /** What must be there: a regular file (default) or a directory. */
  kind?: WorkspaceEntryKind;
  /** The advice for a path that does not exist. */
  missingHint?: string;
  /** The path as the user wrote it, when `value` is already resolved (messages quote this). */
  shown?: string;
}

export interface ResolvedWorkspacePath {
  /** The real path (links followed). */
  path: string;
  /** The path as the user wrote it, for messages. */
  shown: string;
}

/**
 * Resolves `value` (relative to the workspace, or absolute) to its real path
 * and checks that it lies inside the workspace or RUNNER_TEMP and is the kind
 * asked for. Throws a ConfigurationError naming the input otherwise.
 */
export function resolveWorkspacePath(
  inputName: string,
  value: string,
  options: ResolveOptions = {},
): ResolvedWorkspacePath {
  const roots = options.roots ?? workspaceRoots();
  const kind = options.kind ?? 'file';
  const path = value;
  // From here on `value` is what messages quote.
  value = options.shown ?? value;
  if (path.includes('\0')) {
    throw new ConfigurationError(`Input \`${inputName}\`: ${quoteValue(value)} contains a NUL character.`);
  }
  const absolute = isAbsolute(path) ? resolve(path) : resolve(roots.workspace, path);
  const allowed = realRoots(roots);
  // Refuse by the written path first, so nothing outside is even looked at.
  if (
    !allowed.some((root) => inside(absolute, root)) &&
    ![roots.workspace, roots.runnerTemp].some((r) => r && inside(absolute, resolve(r)))
  ) {
    outsideError(inputName, value, roots);
  }
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConfigurationError(
        `Input \`${inputName}\`: ${quoteValue(value)} does not exist (looked for ${absolute}).${options.missingHint ? ` ${options.missingHint}` : ' Paths are relative to the workspace; check the path and that the repository is checked out (actions/checkout) before this step.'}`,
      );
    }
    if (code === 'ELOOP') {
      throw new ConfigurationError(
        `Input \`${inputName}\`: ${quoteValue(value)} is a loop of symbolic links.`,
      );
    }
    throw new ConfigurationError(
      `Input \`${inputName}\`: could not read ${quoteValue(value)}: ${errorMessage(error)}`,
    );
  }
  if (!allowed.some((root) => inside(real, root))) outsideError(inputName, value, roots, real);
  const stats = statSync(real);
  if (kind === 'file' && !stats.isFile()) {
    throw new ConfigurationError(
      stats.isDirectory()
        ? `Input \`${inputName}\`: ${quoteValue(value)} is a directory; give the path of a file inside it.`
        : `Input \`${inputName}\`: ${quoteValue(value)} is not a regular file.`,
    );
  }
  if (kind === 'directory' && !stats.isDirectory()) {
    throw new ConfigurationError(`Input \`${inputName}\`: ${quoteValue(value)} is not a directory.`);
  }
  return { path: real, shown: value };
}

/**
 * A directory Berth writes into (the record folder): it or its nearest
 * existing ancestor must resolve inside the workspace or RUNNER_TEMP, so a
 * link planted by an earlier step cannot send the write elsewhere.
 */
export function checkWritableDirectory(what: string, directory: string, roots: WorkspaceRoots): void {
  let existing = resolve(directory);
  for (;;) {
    try {
      existing = realpathSync(existing);
      break;
    } catch {
      const parent = dirname(existing);
      if (parent === existing) break;
      existing = parent;
    }
  }
  if (!realRoots(roots).some((root) => inside(existing, root))) {
    throw new ConfigurationError(
      `${what} ${quoteValue(directory)} resolves to ${existing}, outside the workspace and RUNNER_TEMP; refusing to write there.`,
    );
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
    : `${Math.ceil(bytes / 1024)} KiB`;
}

export interface ReadWorkspaceFileOptions {
  roots?: WorkspaceRoots;
  /** At most this many bytes are read; a longer file is refused. */
  maxBytes: number;
  /** What the file is, for the size message (`task definition files`, `reports`). */
  what?: string;
  missingHint?: string;
  /** The path as the user wrote it, when `value` is already resolved. */
  shown?: string;
}

export interface WorkspaceFile extends ResolvedWorkspacePath {
  text: string;
  bytes: number;
}

/**
 * Reads a file an input names, contained and capped: at most `maxBytes` are
 * read from the open file (never trusting its stat size), and one more byte
 * than allowed is an error naming the limit.
 */
export function readWorkspaceFile(
  inputName: string,
  value: string,
  options: ReadWorkspaceFileOptions,
): WorkspaceFile {
  const resolved = resolveWorkspacePath(inputName, value, {
    roots: options.roots,
    kind: 'file',
    missingHint: options.missingHint,
    shown: options.shown,
  });
  // Messages quote the path as written.
  value = resolved.shown;
  let fd: number;
  try {
    fd = openSync(resolved.path, 'r');
  } catch (error) {
    throw new ConfigurationError(
      `Input \`${inputName}\`: could not read ${quoteValue(value)}: ${errorMessage(error)}`,
    );
  }
  try {
    if (!fstatSync(fd).isFile()) {
      throw new ConfigurationError(`Input \`${inputName}\`: ${quoteValue(value)} is not a regular file.`);
    }
    const limit = options.maxBytes;
    const buffer = Buffer.alloc(Math.min(limit + 1, 64 * 1024));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
      total += n;
      if (total > limit) {
        throw new ConfigurationError(
          `Input \`${inputName}\`: ${quoteValue(value)} is larger than ${formatBytes(limit)}, the limit for ${options.what ?? 'this file'}. Check that the path names the right file.`,
        );
      }
    }
    return { ...resolved, text: Buffer.concat(chunks).toString('utf8'), bytes: total };
  } finally {
    closeSync(fd);
  }
}
