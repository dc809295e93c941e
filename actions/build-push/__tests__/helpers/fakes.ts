import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildFiles, BuildRequest } from '../../src/builders/types.js';
import type { Exec, ExecOptions, ExecResult } from '../../src/exec.js';
import { nodeTempFiles, type TempFiles } from '../../src/temp-files.js';

export interface ExecCall {
  command: string;
  args: string[];
  options: ExecOptions;
}

export type ExecScript = (
  call: ExecCall,
) => Partial<ExecResult> | undefined | Promise<Partial<ExecResult> | undefined>;

/** An Exec that records every call and answers from `script` (exit 0 with empty output by default). */
export function fakeExec(script: ExecScript = () => undefined): Exec & { calls: ExecCall[] } {
  const calls: ExecCall[] = [];
  const exec = (async (command: string, args: readonly string[], options: ExecOptions = {}) => {
    const call = { command, args: [...args], options };
    calls.push(call);
    const answer = (await script(call)) ?? {};
    return { exitCode: answer.exitCode ?? 0, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' };
  }) as Exec & { calls: ExecCall[] };
  exec.calls = calls;
  return exec;
}

const created: string[] = [];

/** A temporary folder removed by `removeTempFolders()` (call it in afterAll). */
export function tempFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempFolders(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Real temp files in a private folder, with a record of what was written (path → mode). */
export function recordingTempFiles(): TempFiles & {
  written: Map<string, number>;
  dirs: string[];
  base: string;
} {
  const base = tempFolder('berth-bp-test-');
  const real = nodeTempFiles(base);
  const written = new Map<string, number>();
  const dirs: string[] = [];
  return {
    base,
    written,
    dirs,
    makeDir: async () => {
      const dir = await real.makeDir();
      dirs.push(dir);
      return dir;
    },
    writePrivate: async (path, content) => {
      await real.writePrivate(path, content);
      written.set(path, statSync(path).mode & 0o777);
    },
    read: real.read,
    remove: real.remove,
  };
}

export function exists(path: string): boolean {
  return existsSync(path);
}

/** An ECR image name for plans. */
export const ECR_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop';

/** A build request with nothing optional set, pushing `sha-abc1234` and `v1.2.3` to ECR_IMAGE. */
export function buildRequest(overrides: Partial<BuildRequest> = {}): BuildRequest {
  return {
    context: '.',
    buildArgs: new Map(),
    secrets: new Map(),
    labels: new Map(),
    platforms: [],
    cache: 'none',
    push: true,
    imageName: ECR_IMAGE,
    tags: ['sha-abc1234', 'v1.2.3'],
    insecureRegistry: false,
    ...overrides,
  };
}

/** Build files under /tmp/b, with a prepared secret file for `id`. */
export function buildFiles(id: string): BuildFiles {
  return {
    dir: '/tmp/b',
    metadataFile: '/tmp/b/metadata.json',
    digestFile: '/tmp/b/digest',
    secretFiles: new Map([[id, '/tmp/b/secret-0']]),
  };
}
