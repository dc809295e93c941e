/**
 * What the harness does in place of third-party actions (third-party.ts checks their inputs
 * against the vendored action.yml first): checkout materialises a tree, the uploads keep or
 * check what they were given. Each returns whether the step succeeded; what it cannot do
 * truthfully throws UnmodelledError.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UnmodelledError } from './expressions.js';

export interface StandInHost {
  write(line: string): void;
  github: { repository: string; sha: string; ref: string; ref_name: string };
  berth: { repository: string; root: string; sha: string };
  /** The caller's repository: its tree, and trees for other refs. */
  repository: { dir: string; refs?: Record<string, string> };
  /** Artifacts kept so far: name → files. */
  artifacts: Record<string, Record<string, string>>;
}

/** actions/checkout: the caller's fixture tree, or Berth's tree at the commit the workflow names. */
export function checkout(host: StandInHost, inputs: Record<string, string>, workspace: string): boolean {
  const repository = inputs.repository || host.github.repository;
  const ref = inputs.ref ?? '';
  const target = resolve(workspace, inputs.path ?? '');
  if (relative(workspace, target).startsWith('..')) {
    host.write(`    ##[error]Repository path '${target}' is not under '${workspace}'`);
    return false;
  }
  mkdirSync(target, { recursive: true });
  const caller = repository.toLowerCase() === host.github.repository.toLowerCase();
  const sameCommit = ['', host.github.sha, host.github.ref, host.github.ref_name];
  if (repository.toLowerCase() === host.berth.repository.toLowerCase()) {
    if (ref !== host.berth.sha && !(caller && sameCommit.includes(ref))) {
      throw new UnmodelledError(
        `checkout of ${repository} at ${ref || 'its default branch'}: only ${host.berth.sha} (this checkout) is available`,
      );
    }
    // Berth's tree as this checkout has it (with the locally built dist), linked rather than copied.
    for (const entry of readdirSync(host.berth.root)) {
      if (entry === '.git' || entry === 'node_modules') continue;
      symlinkSync(join(host.berth.root, entry), join(target, entry));
    }
    host.write(
      `    checked out ${repository}@${host.berth.sha.slice(0, 7)} into ${relative(workspace, target) || '.'}`,
    );
    return true;
  }
  if (caller) {
    const source = sameCommit.includes(ref) ? host.repository.dir : host.repository.refs?.[ref];
    if (!source)
      throw new UnmodelledError(`checkout of ${repository} at ${ref}: give it in options.repository.refs`);
    cpSync(source, target, { recursive: true, force: true, dereference: false });
    host.write(
      `    checked out ${repository}@${ref || host.github.sha.slice(0, 7)} into ${relative(workspace, target) || '.'}`,
    );
    return true;
  }
  throw new UnmodelledError(
    `checkout of ${repository}: only ${host.github.repository} and ${host.berth.repository} exist here`,
  );
}

/** actions/upload-artifact stand-in: keeps the files (tests read the deployment records from here). */
export function uploadArtifact(
  host: StandInHost,
  inputs: Record<string, string>,
  workspace: string,
): boolean {
  const paths = (inputs.path ?? '')
    .split('\n')
    .map((p) => p.trim())
    .filter(Boolean);
  if (paths.some((p) => p.startsWith('!') || /[*?[]/.test(p)))
    throw new UnmodelledError('upload-artifact path patterns');
  const files: Record<string, string> = {};
  for (const path of paths) {
    const absolute = resolve(workspace, path);
    if (existsSync(absolute) && statSync(absolute).isFile()) files[path] = readFileSync(absolute, 'utf8');
    else if (existsSync(absolute)) throw new UnmodelledError('upload-artifact of a directory');
  }
  if (Object.keys(files).length === 0) {
    const mode = inputs['if-no-files-found'] || 'warn';
    const message = `No files were found with the provided path: ${inputs.path}. No artifacts will be uploaded.`;
    if (mode === 'error') {
      host.write(`    ##[error]${message}`);
      return false;
    }
    if (mode === 'warn') host.write(`    WARNING: ${message}`);
    return true;
  }
  const name = inputs.name || 'artifact';
  if (host.artifacts[name] && inputs.overwrite !== 'true') {
    host.write(
      `    ##[error]Failed to CreateArtifact: an artifact with this name already exists on the workflow run`,
    );
    return false;
  }
  host.artifacts[name] = files;
  host.write(`    kept artifact ${name}: ${Object.keys(files).join(', ')}`);
  return true;
}

/** github/codeql-action/upload-sarif stand-in: the file must be SARIF 2.1.0. */
export function uploadSarif(host: StandInHost, inputs: Record<string, string>, workspace: string): boolean {
  const file = resolve(workspace, inputs.sarif_file ?? '');
  if (!existsSync(file) || !statSync(file).isFile()) {
    host.write(`    ##[error]Path does not exist: ${inputs.sarif_file}`);
    return false;
  }
  const sarif = JSON.parse(readFileSync(file, 'utf8')) as { version?: string; runs?: unknown[] };
  if (sarif.version !== '2.1.0' || !Array.isArray(sarif.runs)) {
    host.write(`    ##[error]Invalid SARIF: version ${sarif.version}`);
    return false;
  }
  host.write(
    `    recorded SARIF upload (${sarif.runs.length} run(s), category ${inputs.category || '(none)'})`,
  );
  return true;
}
