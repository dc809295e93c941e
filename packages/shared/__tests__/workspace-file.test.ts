import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../src/errors.js';
import {
  checkWritableDirectory,
  readWorkspaceFile,
  resolveWorkspacePath,
  type WorkspaceRoots,
} from '../src/workspace-file.js';

let base: string;
let roots: WorkspaceRoots;
let outside: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'berth-workspace-file-'));
  roots = { workspace: join(base, 'workspace'), runnerTemp: join(base, 'runner-temp') };
  outside = join(base, 'outside');
  for (const dir of [roots.workspace, roots.runnerTemp!, outside, join(roots.workspace, 'deploy')]) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(join(roots.workspace, 'deploy', 'td.json'), '{"family":"web"}');
  writeFileSync(join(roots.runnerTemp!, 'rendered.json'), '{"family":"web"}');
  writeFileSync(join(outside, 'secret.txt'), 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI');
  symlinkSync(join(outside, 'secret.txt'), join(roots.workspace, 'link-out.json'));
  symlinkSync(join(roots.workspace, 'deploy', 'td.json'), join(roots.workspace, 'link-in.json'));
  symlinkSync('/proc/self/environ', join(roots.workspace, 'environ.json'));
  symlinkSync(outside, join(roots.workspace, 'dir-out'));
  symlinkSync(join(roots.workspace, 'loop-a'), join(roots.workspace, 'loop-b'));
  symlinkSync(join(roots.workspace, 'loop-b'), join(roots.workspace, 'loop-a'));
  writeFileSync(join(roots.workspace, 'big.json'), 'x'.repeat(2048));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

const read = (value: string, maxBytes = 1024) =>
  readWorkspaceFile('task-definition', value, { roots, maxBytes, what: 'task definition files' });

describe('readWorkspaceFile', () => {
  it('reads files of the workspace and of RUNNER_TEMP, relative or absolute, through links that stay inside', () => {
    expect(read('deploy/td.json').text).toBe('{"family":"web"}');
    expect(read(join(roots.workspace, 'deploy', 'td.json')).text).toBe('{"family":"web"}');
    expect(read(join(roots.runnerTemp!, 'rendered.json')).text).toBe('{"family":"web"}');
    expect(read('link-in.json').path).toBe(join(roots.workspace, 'deploy', 'td.json'));
    expect(read('deploy/../deploy/td.json').text).toBe('{"family":"web"}');
  });

  it.each([
    ['an absolute path outside', () => '/etc/passwd'],
    ['`..` out of the workspace', () => '../outside/secret.txt'],
    ['a symbolic link to a file outside', () => 'link-out.json'],
    ['a symbolic link to /proc/self/environ', () => 'environ.json'],
    ['/proc/self/environ itself', () => '/proc/self/environ'],
    ['a file under a linked folder outside', () => 'dir-out/secret.txt'],
  ])('refuses %s, naming the input, without reading it', (_name, value) => {
    let error: unknown;
    try {
      read(value());
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Input `task-definition`: ".*" (is|leads) outside the workspace or RUNNER_TEMP/);
    expect(message).not.toContain('wJalr');
    expect(message).not.toMatch(/PATH=|HOME=/);
  });

  it('refuses a loop of links, a directory and a missing file with clear errors', () => {
    expect(() => read('loop-a')).toThrow('Input `task-definition`: "loop-a" is a loop of symbolic links.');
    expect(() => read('deploy')).toThrow(
      'Input `task-definition`: "deploy" is a directory; give the path of a file inside it.',
    );
    expect(() => read('nope.json')).toThrow(/^Input `task-definition`: "nope\.json" does not exist/);
  });

  it('counts the bytes read, not the size stat reports', () => {
    expect(() => read('big.json', 2047)).toThrow(
      'Input `task-definition`: "big.json" is larger than 2 KiB, the limit for task definition files. Check that the path names the right file.',
    );
    expect(read('big.json', 2048).bytes).toBe(2048);
  });

  it('enforces the limit on a file whose stat size is 0 (/proc), when the roots allow it', () => {
    // /proc/self/status has stat size 0 but about 1 KiB of text: only counting the bytes read catches it.
    expect(() =>
      readWorkspaceFile('report', '/proc/self/status', { roots: { workspace: '/proc/self' }, maxBytes: 16 }),
    ).toThrow(/"\/proc\/self\/status" is larger than 1 KiB/);
  });
});

describe('resolveWorkspacePath for directories', () => {
  it('accepts the workspace itself and folders inside it, refuses `/` and links out', () => {
    expect(resolveWorkspacePath('context', '.', { roots, kind: 'directory' }).path).toBe(roots.workspace);
    expect(resolveWorkspacePath('context', 'deploy', { roots, kind: 'directory' }).path).toBe(
      join(roots.workspace, 'deploy'),
    );
    expect(() => resolveWorkspacePath('context', '/', { roots, kind: 'directory' })).toThrow(
      /^Input `context`: "\/" is outside the workspace or RUNNER_TEMP/,
    );
    expect(() => resolveWorkspacePath('context', 'dir-out', { roots, kind: 'directory' })).toThrow(
      /^Input `context`: "dir-out" leads outside the workspace or RUNNER_TEMP/,
    );
  });
});

describe('checkWritableDirectory', () => {
  it('allows a folder to be created under RUNNER_TEMP, refuses one that a link sends elsewhere', () => {
    expect(() =>
      checkWritableDirectory('The record folder', join(roots.runnerTemp!, 'new', 'deeper'), roots),
    ).not.toThrow();
    symlinkSync(outside, join(roots.runnerTemp!, 'berth-records'));
    expect(() =>
      checkWritableDirectory('The record folder', join(roots.runnerTemp!, 'berth-records'), roots),
    ).toThrow(
      /^The record folder ".*berth-records" resolves to .*outside, outside the workspace and RUNNER_TEMP/,
    );
  });
});
