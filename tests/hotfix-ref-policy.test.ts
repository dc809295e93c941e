/**
 * hotfix.yml builds only what its policy allows: the `ref-policy` job's steps
 * run in bash as the runner runs them (`bash -e {0}`), on allowed and refused
 * refs, and the resolving step against a real git repository (a local bare
 * one, reached as the step reaches GitHub: `git ls-remote <server>/<repo>.git`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { workflow } from './workflow-files.js';

const { doc } = workflow('.github/workflows/hotfix.yml');
const policyJob = doc.jobs['ref-policy'];
const stepRun = (id: string): string => policyJob.steps.find((s: { id?: string }) => s.id === id).run;

interface StepResult {
  status: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** One `run:` script with bash, as the runner does, with only `env`, PATH and the command files. */
function runStep(script: string, env: Record<string, string>): StepResult {
  const dir = mkdtempSync(join(tmpdir(), 'berth-hotfix-'));
  const file = join(dir, 'step.sh');
  const output = join(dir, 'output');
  const summary = join(dir, 'summary');
  writeFileSync(file, script);
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-e', file], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      ...env,
    },
    encoding: 'utf8',
  });
  const outputs = Object.fromEntries(
    readFileSync(output, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { status: result.status, stdout: result.stdout, outputs, summary: readFileSync(summary, 'utf8') };
}

const DEFAULT_POLICY = 'hotfix/* main';
const policy = (ref: string, allowed = DEFAULT_POLICY) =>
  runStep(stepRun('policy'), { REF: ref, ALLOWED_REFS: allowed });

describe('hotfix.yml ref policy', () => {
  it('judges the ref in a job that cannot mint an OIDC token, before the build that can', () => {
    expect(policyJob.permissions).toEqual({ contents: 'read' });
    expect(doc.jobs.build.needs).toBe('ref-policy');
    // What was checked is what is built and recorded: the resolved commit, not the name.
    expect(doc.jobs.build.with.ref).toBe('${{ needs.ref-policy.outputs.sha }}');
    expect(doc.jobs.deploy.with.ref).toBe('${{ needs.ref-policy.outputs.sha }}');
    expect(doc.jobs.deploy.with['hotfix-source']).toBe(
      '${{ needs.ref-policy.outputs.ref }}@${{ needs.ref-policy.outputs.sha }}',
    );
    expect(doc.on.workflow_call.outputs.sha.value).toBe('${{ jobs.ref-policy.outputs.sha }}');
    // A dispatch cannot widen the policy.
    expect(doc.on.workflow_dispatch.inputs['allowed-refs']).toBeUndefined();
    expect(policyJob.steps[0].env.ALLOWED_REFS).toBe(
      "${{ inputs.allowed-refs || vars.BERTH_HOTFIX_REFS || 'hotfix/* main' }}",
    );
  });

  it.each([
    ['hotfix/login-fix', 'hotfix/login-fix', 'any'],
    ['main', 'main', 'any'],
    ['refs/heads/hotfix/x', 'hotfix/x', 'branch'],
    ['refs/heads/main', 'main', 'branch'],
  ])('allows %s by default', (ref, name, kind) => {
    const result = policy(ref);
    expect([result.status, result.outputs]).toEqual([0, { name, kind }]);
  });

  it.each([
    ['refs/pull/1/head', /only a branch or a tag of this repository can be built, not refs\/pull\/1\/head/],
    ['refs/pull/1/merge', /pull request and other refs are never built/],
    ['refs/remotes/origin/main', /only a branch or a tag/],
    ['feature/x', /feature\/x is not allowed for hotfixes; the policy allows: hotfix\/\* main/],
    ['hotfix/a/b', /hotfix\/a\/b is not allowed/], // `*` stays within one path segment, as in GitHub's branch filters
    ['mainline', /mainline is not allowed/],
    ['refs/tags/v1.2.3', /v1\.2\.3 is not allowed/],
    ['0123456789abcdef0123456789abcdef01234567', /looks like a commit SHA/],
    ['deadbee', /looks like a commit SHA/],
    ['octocat:hotfix/x', /A fork's branch cannot be built/],
    ['hotfix/../main', /is not a branch or tag name/],
    ['-uhotfix/x', /is not a branch or tag name/],
    ['hotfix/x.lock', /is not a branch or tag name/],
    ['', /Input ref is empty/],
    ['hotfix/x\n::warning::fake', /is not a branch or tag name/],
  ])('refuses %j', (ref, message) => {
    const result = policy(ref);
    expect(result.status).toBe(1);
    expect(result.outputs).toEqual({});
    const lines = result.stdout.split('\n').filter(Boolean);
    // One error annotation and nothing the runner would read as another command.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^::error title=Hotfix ref refused::/);
    expect(lines[0]).toMatch(message);
  });

  it.each([
    ['release/2.x', 'release/*', true],
    ['release/2.x', 'hotfix/*, release/*', true],
    ['v1.2.3', 'v*', true],
    ['team/a/hotfix', 'team/**', true],
    ['team/a/hotfix', 'team/*', false],
    ['main', 'hotfix/*\nrelease/*', false],
    ['release/1', 'hotfix/*\nrelease/*', true],
    ['mainXbranch', 'main.branch', false], // `.` is literal in a pattern
  ])('%s against the policy %j: allowed %s', (ref, allowed, expected) => {
    expect(policy(ref, allowed).status).toBe(expected ? 0 : 1);
  });
});

describe('hotfix.yml ref resolution', () => {
  /** A bare repository at <server>/acme/shop.git with a branch, an annotated tag, and a name that is both. */
  function repository(): { server: string; commits: Record<string, string> } {
    const root = mkdtempSync(join(tmpdir(), 'berth-hotfix-git-'));
    const work = join(root, 'work');
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: work,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'a',
          GIT_AUTHOR_EMAIL: 'a@example.com',
          GIT_COMMITTER_NAME: 'a',
          GIT_COMMITTER_EMAIL: 'a@example.com',
        },
      }).trim();
    execFileSync('git', ['init', '-q', '-b', 'main', work]);
    git('commit', '-q', '--allow-empty', '-m', 'one');
    const main = git('rev-parse', 'HEAD');
    git('checkout', '-q', '-b', 'hotfix/login');
    git('commit', '-q', '--allow-empty', '-m', 'fix');
    const hotfix = git('rev-parse', 'HEAD');
    git('tag', '-a', '-m', 'release', 'v1.0.1');
    git('branch', 'both');
    git('tag', 'both', main);
    execFileSync('git', ['clone', '-q', '--bare', work, join(root, 'acme', 'shop.git')]);
    // A pull request head, as GitHub stores it in the base repository.
    execFileSync('git', [
      '--git-dir',
      join(root, 'acme', 'shop.git'),
      'update-ref',
      'refs/pull/1/head',
      main,
    ]);
    return { server: `file://${root}`, commits: { main, hotfix } };
  }

  const resolve = (server: string, name: string, kind = 'any') =>
    runStep(stepRun('resolve'), {
      NAME: name,
      KIND: kind,
      TOKEN: 'ghs_not-used-by-file-urls',
      GITHUB_SERVER_URL: server,
      GITHUB_REPOSITORY: 'acme/shop',
    });

  it('resolves a branch and an annotated tag to the commits they name, and records them', () => {
    const { server, commits } = repository();
    const branch = resolve(server, 'hotfix/login');
    expect([branch.status, branch.outputs]).toEqual([
      0,
      { ref: 'refs/heads/hotfix/login', sha: commits.hotfix },
    ]);
    expect(branch.summary).toContain(
      `Building \`refs/heads/hotfix/login\` at \`${commits.hotfix}\` of acme/shop`,
    );
    // The tag object is peeled to the commit it tags.
    const tag = resolve(server, 'v1.0.1', 'tag');
    expect([tag.status, tag.outputs]).toEqual([0, { ref: 'refs/tags/v1.0.1', sha: commits.hotfix }]);
  });

  it('refuses a name that is both a branch and a tag unless the ref says which', () => {
    const { server, commits } = repository();
    const ambiguous = resolve(server, 'both');
    expect(ambiguous.status).toBe(1);
    expect(ambiguous.stdout).toMatch(/both is both a branch and a tag of acme\/shop/);
    expect(resolve(server, 'both', 'tag').outputs).toEqual({ ref: 'refs/tags/both', sha: commits.main });
  });

  it('refuses a name the repository does not have', () => {
    const { server } = repository();
    const missing = resolve(server, 'hotfix/nope');
    expect([missing.status, missing.outputs]).toEqual([1, {}]);
    expect(missing.stdout).toMatch(/hotfix\/nope is not a branch or tag of acme\/shop/);
  });
});
