// Releases (issue 19): the version checks and notes of scripts/release.mjs, the repository's
// CHANGELOG.md, and .github/workflows/release.yml's shape (actionlint and the permission rules
// run over it in workflows.test.ts with every other workflow).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWorkflow } from '@berth/testkit/github-parser.js';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import semver from 'semver';
import {
  changelogSection,
  majorTagToMove,
  parseVersion,
  releaseProblems,
  topEntry,
} from '../scripts/release.mjs';
import { workflow } from './workflow-files.js';

// Keep a Changelog 1.1.0's own layout (https://keepachangelog.com/en/1.1.0/).
const KEEP_A_CHANGELOG = `# Changelog

## [Unreleased]

### Added
- Something new.

## [1.1.0] - 2019-02-15

### Added
- Danish translation.

### Fixed
- Typos.

## [1.0.0] - 2017-06-20

### Added
- First release.

[unreleased]: https://github.com/olivierlacan/keep-a-changelog/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/olivierlacan/keep-a-changelog/compare/v1.0.0...v1.1.0
`;

describe('parseVersion', () => {
  // The semver package (npm's own parser) is the reference for what is a semantic version.
  it.each([
    '1.2.3',
    'v1.2.3',
    'refs/tags/v1.2.3',
    '0.0.0',
    '1.0.0-rc.1',
    '1.0.0-alpha.beta+exp.sha.5114f85',
    '01.2.3',
    '1.2',
    '1.2.3.4',
    'v1',
    '1.0.0-01',
    '',
    'latest',
    '1.2.3 ',
  ])('%j is a version exactly when semver says so', (input) => {
    const bare = input.trim().replace(/^refs\/tags\//, '');
    const expected = semver.valid(bare.replace(/^v/, ''), { loose: false });
    if (expected === null) expect(() => parseVersion(input)).toThrow(/not a semantic version/);
    else expect(parseVersion(input).version.split('+')[0]).toBe(expected); // semver.valid drops build metadata
  });

  it('names the tag, the major version and whether it is a pre-release', () => {
    expect(parseVersion('refs/tags/v2.3.4')).toEqual({
      version: '2.3.4',
      tag: 'v2.3.4',
      major: 2,
      minor: 3,
      patch: 4,
      prerelease: false,
    });
    expect(parseVersion('2.0.0-rc.1').prerelease).toBe(true);
  });
});

describe('changelogSection', () => {
  it('reads one version’s section of a Keep a Changelog file, with its date', () => {
    expect(changelogSection(KEEP_A_CHANGELOG, '1.1.0')).toEqual({
      heading: '## [1.1.0] - 2019-02-15',
      date: '2019-02-15',
      body: '### Added\n- Danish translation.\n\n### Fixed\n- Typos.',
    });
    expect(changelogSection(KEEP_A_CHANGELOG, '1.0.0')?.body).toBe('### Added\n- First release.');
    expect(changelogSection(KEEP_A_CHANGELOG, '1.0')).toBeUndefined();
    expect(changelogSection(KEEP_A_CHANGELOG, '2.0.0')).toBeUndefined();
    expect(topEntry(KEEP_A_CHANGELOG)).toBe('Unreleased');
  });
});

describe('releaseProblems', () => {
  const facts = {
    packageVersion: '1.1.0',
    changelog: KEEP_A_CHANGELOG,
    existingTags: ['v1.0.0'],
    newTag: true,
  };

  it('accepts a version package.json and a dated changelog section name', () => {
    expect(releaseProblems(parseVersion('v1.1.0'), facts)).toEqual([]);
  });

  it('refuses a version package.json does not name, one without a section, and a tag made already', () => {
    expect(releaseProblems(parseVersion('1.2.0'), facts)).toEqual([
      expect.stringContaining('package.json says version 1.1.0, the release is 1.2.0'),
      expect.stringContaining('CHANGELOG.md has no section for 1.2.0'),
    ]);
    expect(releaseProblems(parseVersion('1.0.0'), { ...facts, packageVersion: '1.0.0' })).toEqual([
      expect.stringContaining('The tag v1.0.0 exists already'),
    ]);
    // A pushed tag exists by definition: only a dispatched release makes one.
    expect(
      releaseProblems(parseVersion('1.0.0'), { ...facts, packageVersion: '1.0.0', newTag: false }),
    ).toEqual([]);
  });

  it('refuses an undated or empty section', () => {
    const undated = '## [Unreleased]\n\n## [1.1.0]\n\n### Fixed\n- x\n';
    expect(releaseProblems(parseVersion('1.1.0'), { ...facts, changelog: undated })).toEqual([
      expect.stringContaining('has no date'),
    ]);
    const empty = '## [1.1.0] - 2026-12-02\n\n## [1.0.0] - 2026-11-01\n- x\n';
    expect(releaseProblems(parseVersion('1.1.0'), { ...facts, changelog: empty })).toEqual([
      expect.stringContaining('is empty'),
    ]);
  });
});

describe('majorTagToMove', () => {
  it.each([
    ['1.2.0', ['v1.0.0', 'v1.1.0'], 'v1'],
    ['1.0.0', [], 'v1'],
    ['2.0.0', ['v1.9.0', 'v1'], 'v2'],
    ['1.1.1', ['v1.2.0', 'v1.1.0'], undefined], // a fix for an older minor must not take v1 back
    ['1.2.1', ['v1.2.0', 'v1.3.0-rc.1'], 'v1'], // pre-releases do not count
    ['1.3.0-rc.1', ['v1.2.0'], undefined], // a pre-release never moves it
    ['1.2.0', ['v1.2.0', 'v1', 'not-a-version'], 'v1'], // re-run for the same version
  ])('%s with tags %j moves %s', (version, tags, expected) => {
    expect(majorTagToMove(parseVersion(version), tags)).toBe(expected);
  });
});

describe('the release script as the workflow runs it', () => {
  const setup = (packageVersion: string, changelog: string, tags: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-release-'));
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(join(REPO_ROOT, 'scripts', 'release.mjs'), join(dir, 'scripts', 'release.mjs'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'berth', version: packageVersion }));
    writeFileSync(join(dir, 'CHANGELOG.md'), changelog);
    const git = (...args: string[]) =>
      spawnSync('git', args, {
        cwd: dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@example.com',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@example.com',
        },
      });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'release');
    for (const tag of tags) git('tag', tag);
    const output = join(dir, 'github-output');
    writeFileSync(output, '');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(dir, 'scripts', 'release.mjs'), ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, GITHUB_OUTPUT: output },
      });
    return { run, output: () => readFileSync(output, 'utf8') };
  };

  it('checks a pushed tag and writes the version, tag and major tag for the release job', () => {
    const repo = setup('1.1.0', KEEP_A_CHANGELOG, ['v1.0.0', 'v1.1.0']);
    const result = repo.run('check', 'refs/tags/v1.1.0');
    expect(result.status).toBe(0);
    expect(repo.output()).toBe('version=1.1.0\ntag=v1.1.0\nprerelease=false\nmajor-tag=v1\n');
    const notes = repo.run('notes', '1.1.0');
    expect(notes.stdout).toBe('### Added\n- Danish translation.\n\n### Fixed\n- Typos.\n');
  });

  it('fails a dispatched version whose tag exists, naming the problem as an error annotation, and writes no output', () => {
    const repo = setup('1.1.0', KEEP_A_CHANGELOG, ['v1.1.0']);
    const result = repo.run('check', '1.1.0', '--new-tag');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('::error::The tag v1.1.0 exists already');
    expect(repo.output()).toBe('');
    expect(repo.run('check', 'v1.1').stderr).toContain('::error::"v1.1" is not a semantic version');
  });
});

describe('CHANGELOG.md', () => {
  const changelog = readFileSync(join(REPO_ROOT, 'CHANGELOG.md'), 'utf8');
  const packageVersion = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version;

  it('has a section for package.json’s version, or that version is being prepared under Unreleased', () => {
    const released = changelogSection(changelog, packageVersion);
    if (released) expect(released.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    else expect(topEntry(changelog)).toBe('Unreleased');
  });

  it('lists its versions newest first, each dated and valid, after Unreleased', () => {
    const headings = [...changelog.matchAll(/^## \[([^\]]+)\](?: - (\S+))?/gm)];
    expect(headings.length).toBeGreaterThan(0);
    expect(headings[0][1]).toBe('Unreleased');
    const versions = headings.slice(1).map((h) => {
      expect(h[2]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      return parseVersion(h[1]).version;
    });
    expect(versions).toEqual([...versions].sort(semver.rcompare));
    expect(changelogSection(changelog, 'Unreleased')?.body).toContain('### Added');
  });
});

describe('.github/workflows/release.yml', () => {
  const { doc } = workflow('.github/workflows/release.yml');

  it('is accepted by GitHub’s workflow parser', async () => {
    const source = {
      repository: 'acme/berth',
      ref: 'refs/tags/v1.0.0',
      sha: '0'.repeat(40),
      root: REPO_ROOT,
      path: '.github/workflows/release.yml',
    };
    await expect(loadWorkflow(source, () => source)).resolves.toBeDefined();
  });

  it('runs on a semantic version tag or a dispatched version', () => {
    const patterns: string[] = doc.on.push.tags;
    // GitHub's filter syntax: + is "one or more of the preceding", [0-9] a range.
    const matches = (tag: string) =>
      patterns.some((p) => new RegExp(`^${p.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`).test(tag));
    expect(['v1.2.3', 'v10.0.1', 'v1.0.0-rc.1'].every(matches)).toBe(true);
    expect(['v1', 'v1.2', '1.2.3', 'latest'].some(matches)).toBe(false);
    expect(doc.on.workflow_dispatch.inputs.version.required).toBe(true);
  });

  it('refuses a stale dist and runs the tests before anything is released', () => {
    const check = doc.jobs.check.steps.map((s: any) => String(s.run ?? ''));
    const bundle = check.findIndex(
      (r: string) => r.includes('npm run bundle') && r.includes('git diff --exit-code'),
    );
    expect(bundle).toBeGreaterThan(-1);
    expect(check.some((r: string) => r.includes('release.mjs check'))).toBe(true);
    expect(check.findIndex((r: string) => r.trim() === 'npm test')).toBeGreaterThan(bundle);
    expect(doc.jobs.release.needs).toBe('check');
  });

  it('grants contents: write to the release job only', () => {
    expect(doc.permissions).toEqual({ contents: 'read' });
    expect(doc.jobs.check.permissions).toBeUndefined();
    expect(doc.jobs.release.permissions).toEqual({ contents: 'write' });
  });
});
