/**
 * The README's migration tables: every build-push input or output they name
 * exists in action.yml, and every input and output of the three actions they
 * replace has a row. The upstream names are those of each action's own
 * action.yml (docker/build-push-action v6, docker/metadata-action v5,
 * aws-actions/amazon-ecr-login v2), written out here as the reference.
 * The README's complete workflows pass actionlint.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadActionManifest } from '@berth/testkit/action-manifest.js';
import { afterAll, describe, expect, it } from '@jest/globals';
import { removeTempFolders, tempFolder } from './helpers/fakes.js';

afterAll(removeTempFolders);

const ROOT = new URL('../../../', import.meta.url).pathname;
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const manifest = loadActionManifest('build-push');

const UPSTREAM: Record<string, { inputs: string[]; outputs: string[] }> = {
  'docker/build-push-action': {
    inputs: [
      'add-hosts',
      'allow',
      'annotations',
      'attests',
      'build-args',
      'build-contexts',
      'builder',
      'cache-from',
      'cache-to',
      'call',
      'cgroup-parent',
      'context',
      'file',
      'labels',
      'load',
      'network',
      'no-cache',
      'no-cache-filters',
      'outputs',
      'platforms',
      'provenance',
      'pull',
      'push',
      'sbom',
      'secrets',
      'secret-envs',
      'secret-files',
      'shm-size',
      'ssh',
      'tags',
      'target',
      'ulimit',
      'github-token',
    ],
    outputs: ['imageid', 'digest', 'metadata'],
  },
  'docker/metadata-action': {
    inputs: [
      'context',
      'images',
      'tags',
      'flavor',
      'labels',
      'annotations',
      'sep-tags',
      'sep-labels',
      'sep-annotations',
      'bake-target',
      'github-token',
    ],
    outputs: [
      'version',
      'tags',
      'tag-names',
      'labels',
      'annotations',
      'json',
      'bake-file-tags',
      'bake-file-labels',
      'bake-file-annotations',
      'bake-file',
    ],
  },
  'aws-actions/amazon-ecr-login': {
    inputs: ['http-proxy', 'mask-password', 'registries', 'registry-type', 'skip-logout'],
    outputs: ['registry', 'docker_username_<registry>', 'docker_password_<registry>'],
  },
};

interface Row {
  theirs: string;
  ours: string;
}

/** The rows of the table under `### <action>`. */
function table(action: string): Row[] {
  const start = readme.indexOf(`### ${action}\n`);
  if (start < 0) throw new Error(`README has no section ### ${action}`);
  const end = readme.indexOf('\n#', start + 4);
  return readme
    .slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))
    .slice(1)
    .map((line) => {
      const [theirs, ours] = line.split(' | ').map((cell) => cell.replace(/^\| /, ''));
      return { theirs, ours };
    });
}

/** The names in a cell's code spans (`push: false` names `push`). */
const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1].split(':')[0]);

describe.each(Object.keys(UPSTREAM))('migration table for %s', (action) => {
  const rows = table(action);

  it('names only build-push inputs and outputs that action.yml declares', () => {
    for (const row of rows) {
      const isOutput = row.theirs.startsWith('output');
      for (const name of codeSpans(row.ours)) {
        const declared = isOutput ? manifest.outputs : manifest.inputs;
        expect([row.theirs, name, name in declared || name in manifest.inputs]).toEqual([
          row.theirs,
          name,
          true,
        ]);
      }
    }
  });

  it('has a row for every input and output of the action it replaces', () => {
    const inputs = rows
      .filter((row) => !row.theirs.startsWith('output'))
      .flatMap((row) => codeSpans(row.theirs));
    const outputs = rows
      .filter((row) => row.theirs.startsWith('output'))
      .flatMap((row) => codeSpans(row.theirs));
    expect(new Set(inputs)).toEqual(new Set(UPSTREAM[action].inputs));
    expect(new Set(outputs)).toEqual(new Set(UPSTREAM[action].outputs));
  });
});

describe('README workflows', () => {
  it('every complete workflow (a block starting with `name:`) passes actionlint', () => {
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1])
      .filter((y) => y.startsWith('name:'));
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const dir = tempFolder('berth-bp-readme-');
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    for (const [i, yaml] of blocks.entries())
      writeFileSync(join(dir, '.github', 'workflows', `readme-${i}.yml`), yaml);
    const cli = join(ROOT, 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');
    const run = spawnSync(process.execPath, [cli, '.github/workflows/*.yml'], { cwd: dir, encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`).toMatch(/passed lint checks/);
    expect(run.status).toBe(0);
  });
});
