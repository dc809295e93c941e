import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import {
  actionlint,
  berthAction,
  berthCallProblems,
  berthWorkflow,
  usesOf,
  workflow,
  workflowFiles,
} from './workflow-files.js';

const files = workflowFiles();
const lintFindings = actionlint('{.github/workflows,examples}/*.{yml,yaml}');

describe('actionlint', () => {
  it('finds the problems it is meant to find (a control, so a silent linter cannot pass the suite)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-actionlint-'));
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      join(dir, '.github', 'workflows', 'bad.yml'),
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n',
    );
    const findings = actionlint('.github/workflows/*.yml', dir).get('.github/workflows/bad.yml') ?? [];
    expect(findings.some((f) => f.includes('potentially untrusted'))).toBe(true);
  });
});
const SHA_PINNED = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/;

describe.each(files.map((f) => [f.path, f] as const))('%s', (_path, file) => {
  it('passes actionlint', () => {
    expect(lintFindings.get(file.path) ?? []).toEqual([]);
  });

  it('grants only contents: read at the top level', () => {
    expect(file.doc.permissions).toEqual({ contents: 'read' });
  });

  it('pins every third-party action by full commit SHA with a version comment', () => {
    for (const { where, uses, line } of usesOf(file)) {
      if (uses.startsWith('./')) continue;
      if (/^[\w.-]+\/berth\//.test(uses) || uses.startsWith('OWNER/berth/')) continue; // Berth itself, by release tag
      expect({ where, uses, pinned: SHA_PINNED.test(uses) }).toEqual({ where, uses, pinned: true });
      expect({ where, comment: /# v\d/.test(line) }).toEqual({ where, comment: true });
    }
  });

  it('puts no ${{ }} expression inside a run: script', () => {
    for (const [jobId, job] of Object.entries<any>(file.doc.jobs ?? {})) {
      for (const [i, step] of (job.steps ?? []).entries()) {
        if (typeof step.run === 'string') {
          expect({ step: `${jobId}.steps[${i}]`, inlined: step.run.includes('${{') }).toEqual({
            step: `${jobId}.steps[${i}]`,
            inlined: false,
          });
        }
      }
    }
  });

  it('sets a timeout on every job that runs steps', () => {
    for (const [jobId, job] of Object.entries<any>(file.doc.jobs ?? {})) {
      if (job.steps)
        expect({ jobId, timeout: typeof job['timeout-minutes'] }).toEqual({ jobId, timeout: 'number' });
    }
  });

  it('grants each job only the permissions it uses', () => {
    for (const [jobId, job] of Object.entries<any>(file.doc.jobs ?? {})) {
      const steps: any[] = job.steps ?? [];
      // Jobs that run Berth's actions or call its workflows assume a role with OIDC, and
      // Berth's workflows locate their own actions through the OIDC token.
      const usesOidc =
        (typeof job.uses === 'string' && berthWorkflow(job.uses) !== undefined) ||
        steps.some((step) => typeof step.uses === 'string' && berthAction(step.uses) !== undefined);
      // SARIF goes to code scanning from build.yml (which pipeline.yml and hotfix.yml call) and rescan.yml.
      const uploadsSarif =
        (typeof job.uses === 'string' && /\/(build|pipeline|hotfix|rescan)\.yml(@|$)/.test(job.uses)) ||
        steps.some(
          (step) =>
            typeof step.uses === 'string' && step.uses.startsWith('github/codeql-action/upload-sarif@'),
        );
      // deploy-ecs and rollback record GitHub deployments; so do the workflows that run them.
      const recordsDeployments =
        (typeof job.uses === 'string' &&
          ['deploy.yml', 'rollback.yml', 'pipeline.yml', 'hotfix.yml', 'configure.yml'].includes(
            berthWorkflow(job.uses) ?? '',
          )) ||
        steps.some(
          (step) =>
            typeof step.uses === 'string' &&
            ['deploy-ecs', 'rollback'].includes(berthAction(step.uses) ?? ''),
        );
      // release.yml's release job creates the GitHub release and moves the major tag.
      const publishesRelease = steps.some(
        (step) => typeof step.run === 'string' && /\bgh (release create|api .*git\/refs)/.test(step.run),
      );
      for (const [name, level] of Object.entries<string>(job.permissions ?? {})) {
        const allowed =
          (name === 'contents' && level === 'read') ||
          (name === 'contents' && level === 'write' && publishesRelease) ||
          (name === 'id-token' && level === 'write' && usesOidc) ||
          (name === 'deployments' && level === 'write' && recordsDeployments) ||
          (name === 'security-events' && level === 'write' && uploadsSarif);
        expect({ jobId, permission: `${name}: ${level}`, allowed }).toEqual({
          jobId,
          permission: `${name}: ${level}`,
          allowed: true,
        });
      }
    }
  });
});

describe('callers of Berth’s reusable workflows', () => {
  // A called workflow's jobs get at most the calling job's permissions; asking for more fails the
  // whole run before it starts ("The nested job … is requesting 'deployments: write', but is only
  // allowed 'deployments: none'"), so every caller must grant what the called jobs ask for.
  const RANK: Record<string, number> = { none: 0, read: 1, write: 2 };
  it.each(files.map((f) => [f.path, f] as const))(
    '%s grants what each called Berth workflow asks for',
    (_p, file) => {
      for (const [jobId, job] of Object.entries<any>(file.doc.jobs ?? {})) {
        const called = typeof job.uses === 'string' ? berthWorkflow(job.uses) : undefined;
        if (!called) continue;
        const granted: Record<string, string> = job.permissions ?? {};
        for (const [calledJob, spec] of Object.entries<any>(
          workflow(`.github/workflows/${called}`).doc.jobs ?? {},
        )) {
          for (const [name, level] of Object.entries<string>(spec.permissions ?? {})) {
            expect({ jobId, calledJob, name, enough: RANK[granted[name] ?? 'none'] >= RANK[level] }).toEqual({
              jobId,
              calledJob,
              name,
              enough: true,
            });
          }
        }
      }
    },
  );
});

describe('pipeline.yml', () => {
  const { doc } = workflow('.github/workflows/pipeline.yml');
  const jobs = doc.jobs;

  it('chains build → dev → staging → production with needs', () => {
    expect(jobs.dev.needs).toBe('build');
    expect(jobs.staging.needs).toEqual(['build', 'dev']);
    expect(jobs.production.needs).toEqual(['build', 'staging']);
  });

  it('deploys the digest built once to every stage', () => {
    for (const stage of ['dev', 'staging', 'production']) {
      expect(jobs[stage].uses).toBe('./.github/workflows/deploy.yml');
      expect(jobs[stage].with.image).toBe('${{ needs.build.outputs.image-uri }}');
    }
    expect(jobs.build.uses).toBe('./.github/workflows/build.yml');
  });

  it('names environments by inputs with the documented defaults and tags each stage after it succeeds', () => {
    const inputs = doc.on.workflow_call.inputs;
    expect([
      inputs['dev-environment'].default,
      inputs['staging-environment'].default,
      inputs['production-environment'].default,
    ]).toEqual(['dev', 'staging', 'production']);
    expect([
      jobs.dev.with['promotion-tag'],
      jobs.staging.with['promotion-tag'],
      jobs.production.with['promotion-tag'],
    ]).toEqual(['dev', 'staging', 'prod']);
    expect(jobs.production.with['verify-command']).toBe('${{ inputs.production-test-command }}');
  });
});

describe('build.yml', () => {
  const { doc } = workflow('.github/workflows/build.yml');
  it('outputs image-uri, digest and tags from the build step', () => {
    const outputs = doc.on.workflow_call.outputs;
    expect(Object.keys(outputs).sort()).toEqual(['digest', 'image-uri', 'tags']);
    expect(doc.jobs.build.outputs['image-uri']).toBe('${{ steps.build.outputs.image-uri }}');
  });
  it('gates the pushed digest, not a tag', () => {
    const scan = doc.jobs.build.steps.find((s: any) => s.id === 'scan');
    expect(scan.uses).toBe('./.berth/actions/scan-gate');
    expect(scan.with['image-digest']).toBe('${{ steps.build.outputs.digest }}');
  });
});

describe('deploy.yml', () => {
  const { doc } = workflow('.github/workflows/deploy.yml');
  const job = doc.jobs.deploy;
  it('runs in the environment given, one deploy per environment, service and region, never cancelled; rollback.yml shares the group', () => {
    expect(job.environment).toBe('${{ inputs.environment }}');
    const group =
      "berth-${{ inputs.environment }}-${{ inputs.service }}${{ (matrix.region || inputs.aws-region) != '' && format('-{0}', matrix.region || inputs.aws-region) || '' }}";
    expect(job.concurrency).toEqual({ group, 'cancel-in-progress': false });
    expect(workflow('.github/workflows/rollback.yml').doc.jobs.rollback.concurrency).toEqual({
      group,
      'cancel-in-progress': false,
    });
  });
  it('renders pinning the digest, deploys, verifies, and rolls back only when verification fails', () => {
    const ids = job.steps.map((s: any) => s.id ?? s.name);
    expect(ids.indexOf('render')).toBeLessThan(ids.indexOf('deploy'));
    expect(ids.indexOf('deploy')).toBeLessThan(ids.indexOf('verify'));
    const render = job.steps.find((s: any) => s.id === 'render');
    expect(String(render.with['pin-digest'])).toBe('true');
    const rollback = job.steps.find((s: any) => s.uses === './.berth/actions/rollback');
    expect(rollback.if).toBe("failure() && steps.verify.outcome == 'failure'");
    expect(rollback.with.to).toBe('${{ steps.deploy.outputs.previous-task-definition-arn }}');
  });
  it('promotes the digest only after verification', () => {
    const names = job.steps.map((s: any) => s.name ?? s.id);
    expect(names.indexOf('Promote the verified digest')).toBeGreaterThan(names.indexOf('Verify'));
  });
  it('uses Berth actions from the checkout of the same ref', () => {
    const berth = usesOf(workflow('.github/workflows/deploy.yml')).filter(
      (u) => u.uses.includes('actions/') && u.uses.startsWith('./'),
    );
    expect(berth.map((u) => u.uses)).toEqual(
      expect.arrayContaining([
        './.berth/actions/render-taskdef',
        './.berth/actions/deploy-ecs',
        './.berth/actions/rollback',
      ]),
    );
  });
});

describe.each([
  ['.github/workflows/build.yml', 'build'],
  ['.github/workflows/deploy.yml', 'deploy'],
  ['.github/workflows/rollback.yml', 'rollback'],
])('%s: locating Berth', (path, jobName) => {
  it('fails, writing no outputs, when no OIDC token can be had (the runner runs `bash -e`, without pipefail)', () => {
    const step = (workflow(path).doc as any).jobs[jobName].steps.find((s: any) => s.id === 'berth');
    const dir = mkdtempSync(join(tmpdir(), 'berth-locate-'));
    const script = join(dir, 'step.sh');
    const output = join(dir, 'output');
    writeFileSync(script, step.run);
    writeFileSync(output, '');
    // Nothing listens on port 9: curl fails and, without pipefail, the pipeline still succeeds.
    const result = spawnSync('bash', ['--noprofile', '--norc', '-e', script], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token?x=1',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
        GITHUB_OUTPUT: output,
      },
      encoding: 'utf8',
    });
    expect(result.status).not.toBe(0);
    expect(readFileSync(output, 'utf8')).toBe('');
  });
});

describe('hotfix.yml', () => {
  const { doc } = workflow('.github/workflows/hotfix.yml');
  it('is dispatchable and callable, builds a hotfix tag with the critical-only policy and records the reason', () => {
    expect(Object.keys(doc.on).sort()).toEqual(['workflow_call', 'workflow_dispatch']);
    expect(doc.on.workflow_dispatch.inputs.environment.type).toBe('environment');
    expect(doc.on.workflow_dispatch.inputs.reason.required).toBe(true);
    expect(doc.jobs.build.with.tags).toBe('hotfix-{datetime}');
    expect(doc.jobs.build.with['fail-on']).toBe('critical');
    expect(doc.jobs.deploy.with['hotfix-reason']).toBe('${{ inputs.reason }}');
    expect(doc.jobs.deploy.with.environment).toBe('${{ inputs.environment }}');
  });
});

describe('inputs passed to Berth actions and workflows', () => {
  it.each(files.map((f) => [f.path, f] as const))(
    '%s passes only declared inputs, and every required one',
    (_path, file) => {
      expect(berthCallProblems(file.doc)).toEqual([]);
    },
  );
});

describe('deploy.yml status', () => {
  it('says verification-failed when the deploy succeeded but verification failed and was rolled back', () => {
    const { doc } = workflow('.github/workflows/deploy.yml');
    expect(doc.jobs.deploy.outputs.status).toBe(
      "${{ steps.verify.outcome == 'failure' && 'verification-failed' || steps.deploy.outputs.status }}",
    );
  });
});

describe('docs/setup.md', () => {
  const setup = readFileSync(join(REPO_ROOT, 'docs', 'setup.md'), 'utf8');
  it('asks for every variable and secret the workflows and examples read', () => {
    const read = new Set(
      files.flatMap((file) =>
        [...file.text.matchAll(/\b(vars|secrets)\.([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[2]),
      ),
    );
    expect(read.size).toBeGreaterThan(5);
    expect([...read].filter((name) => !setup.includes(`\`${name}`)).sort()).toEqual([]);
  });
});
