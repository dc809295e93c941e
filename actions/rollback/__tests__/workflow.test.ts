/**
 * Workflows are code: the rollback workflow and the example that calls it
 * pass actionlint, declare what the issue asks for (inputs, permissions,
 * environment, concurrency, timeout), pin third-party actions by SHA, keep
 * expressions out of `run:` scripts — and their scripts do what they say.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadActionManifest } from '@berth/testkit/action-manifest.js';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

const WORKFLOW = '.github/workflows/rollback.yml';
const EXAMPLE = 'examples/rollback.yml';
const ACTIONLINT = join(REPO_ROOT, 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const load = (path: string) => parse(read(path)) as any;

async function actionlint(path: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [ACTIONLINT, path], {
      cwd: REPO_ROOT,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}

// Issue 10's six inputs, then issue 17's: the region (a second region is rolled back on its own), the
// promotion tag to move back and the verify command for the restored revision.
const INPUTS = [
  'environment',
  'service',
  'cluster',
  'to',
  'reason',
  'dry-run',
  'aws-region',
  'promotion-tag',
  'container-name',
  'verify-command',
];

describe('actionlint', () => {
  it.each([WORKFLOW, EXAMPLE])('passes on %s', async (path) => {
    const result = await actionlint(path);
    expect([result.code, result.output]).toEqual([0, expect.stringContaining('passed lint checks')]);
  });

  it('is really checking: an expression moved into run: fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-actionlint-'));
    const broken = join(dir, 'rollback.yml');
    writeFileSync(
      broken,
      read(WORKFLOW).replace(
        'run: |\n          {',
        'run: |\n          echo "${{ github.event.issue.title }}"\n          {',
      ),
    );
    const result = await actionlint(broken);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/potentially untrusted/);
  });
});

describe('.github/workflows/rollback.yml', () => {
  const workflow = load(WORKFLOW);
  const job = workflow.jobs.rollback;
  const steps: Step[] = job.steps;
  const dispatch = workflow.on.workflow_dispatch.inputs;
  const call = workflow.on.workflow_call.inputs;

  it('takes the same inputs from workflow_dispatch and workflow_call, typed, with the issue’s required and defaults', () => {
    expect(Object.keys(dispatch)).toEqual(INPUTS);
    expect(Object.keys(call)).toEqual(INPUTS);
    const shape = (spec: any) => ({
      type: spec.type,
      required: spec.required ?? false,
      default: spec.default,
    });
    expect(Object.fromEntries(INPUTS.map((name) => [name, shape(dispatch[name])]))).toEqual({
      environment: { type: 'environment', required: true, default: undefined },
      service: { type: 'string', required: true, default: undefined },
      cluster: { type: 'string', required: false, default: '' },
      to: { type: 'string', required: false, default: 'last-successful' },
      reason: { type: 'string', required: true, default: undefined },
      'dry-run': { type: 'boolean', required: false, default: false },
      'aws-region': { type: 'string', required: false, default: '' },
      'promotion-tag': { type: 'string', required: false, default: '' },
      'container-name': { type: 'string', required: false, default: '' },
      'verify-command': { type: 'string', required: false, default: '' },
    });
    // workflow_call has no `environment` type: the name travels as a string.
    for (const name of INPUTS) {
      expect([name, shape(call[name])]).toEqual([
        name,
        {
          ...shape(dispatch[name]),
          type: dispatch[name].type === 'environment' ? 'string' : dispatch[name].type,
        },
      ]);
      expect(call[name].description).toBe(dispatch[name].description);
    }
  });

  it('reads only contents at the top, and the job adds only id-token and deployments: write', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(workflow.jobs)).toEqual(['rollback']);
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write', deployments: 'write' });
  });

  it('runs in the chosen environment, one per environment, service and region, never cancelling, with a timeout', () => {
    expect(job.environment).toBe('${{ inputs.environment }}');
    // Issue 17: the region is part of the group, so a region matrix does not cancel its queued regions
    // (`aws-region: all` makes one job per region; deploy.yml's group is the same text).
    expect(job.concurrency).toEqual({
      group:
        "berth-${{ inputs.environment }}-${{ inputs.service }}${{ (matrix.region || inputs.aws-region) != '' && format('-{0}', matrix.region || inputs.aws-region) || '' }}",
      'cancel-in-progress': false,
    });
    const rollback = steps.find((step) => step.id === 'rollback')!;
    expect(job['timeout-minutes']).toBeGreaterThan(Number(rollback.with!['timeout-minutes']));
  });

  it('shares its concurrency group with deploy.yml, so a rollback waits for a running deploy', () => {
    const deploy = load('.github/workflows/deploy.yml');
    expect(deploy.jobs.deploy.concurrency.group).toBe(job.concurrency.group);
  });

  it('checks out Berth at the commit this workflow was loaded from and uses the action by path', () => {
    const locate = steps.findIndex((step) => step.id === 'berth');
    const checkout = steps[locate + 1];
    expect(checkout.uses).toMatch(/^actions\/checkout@/);
    expect(checkout.with).toEqual({
      repository: '${{ steps.berth.outputs.repository }}',
      ref: '${{ steps.berth.outputs.sha }}',
      path: '.berth',
      'persist-credentials': false,
    });
    expect(steps[locate + 2]).toMatchObject({ id: 'rollback', uses: './.berth/actions/rollback' });
  });

  it('passes the inputs to the action, the role and region from the environment’s variables', () => {
    const rollback = steps.find((step) => step.id === 'rollback')!;
    const declared = Object.keys(loadActionManifest('rollback').inputs);
    for (const name of Object.keys(rollback.with!))
      expect([name, declared.includes(name)]).toEqual([name, true]);
    // The matrix region: the `aws-region` input (each region of `all`), else the environment's variable.
    expect(job.env.AWS_REGION).toBe('${{ matrix.region || vars.AWS_REGION }}');
    expect(rollback.with).toMatchObject({
      service: '${{ inputs.service }}',
      to: '${{ inputs.to }}',
      reason: '${{ inputs.reason }}',
      'dry-run': '${{ inputs.dry-run }}',
      'role-to-assume': '${{ vars.AWS_DEPLOY_ROLE_ARN }}',
      // The job's AWS_REGION: the `aws-region` input, else the environment's variable.
      'aws-region': '${{ env.AWS_REGION }}',
    });
  });

  it('keeps the record as an artifact and writes the outcome to the run summary, also when the rollback failed', () => {
    const upload = steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'))!;
    expect(upload.if).toBe("always() && steps.rollback.outputs.record != ''");
    expect(upload.with!.path).toBe('${{ steps.rollback.outputs.record }}');
    const outcome = steps.find((step) => step.name === 'Outcome in the run summary')!;
    expect(outcome.if).toBe('always()');
    expect(outcome.run).toContain('$GITHUB_STEP_SUMMARY');
  });

  it('exposes status and the task definitions to callers', () => {
    expect(Object.keys(workflow.on.workflow_call.outputs)).toEqual([
      'status',
      'from-task-definition',
      'to-task-definition',
    ]);
  });
});

describe.each([WORKFLOW, EXAMPLE])('%s as code', (path) => {
  const text = read(path);
  const workflow = load(path);
  const allSteps: Step[] = Object.values(workflow.jobs).flatMap((job: any) => job.steps ?? []);

  it('pins every third-party action by full commit SHA with a version comment', () => {
    const uses = text.split('\n').filter((line) => /^\s*(-\s+)?uses:/.test(line));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) {
      const target = line.replace(/^\s*(-\s+)?uses:\s*/, '');
      if (target.startsWith('./') || target.startsWith('OWNER/berth/')) continue;
      expect(target).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
    }
  });

  it('has no ${{ }} expression inside any run: script', () => {
    for (const step of allSteps) if (step.run) expect(step.run).not.toContain('${{');
  });

  it('reads only contents at the top level', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });
});

describe('examples/rollback.yml', () => {
  const example = load(EXAMPLE);
  const reusable = load(WORKFLOW);

  it('calls Berth’s reusable workflow, granting the id-token and deployments it needs', () => {
    const job = example.jobs.rollback;
    expect(job.uses).toBe('OWNER/berth/.github/workflows/rollback.yml@v1');
    expect(job.permissions).toEqual({ contents: 'read', 'id-token': 'write', deployments: 'write' });
  });

  it('passes only inputs the reusable workflow declares, and every required one', () => {
    const passed = Object.keys(example.jobs.rollback.with);
    const declared = reusable.on.workflow_call.inputs;
    for (const name of passed) expect([name, name in declared]).toEqual([name, true]);
    for (const [name, spec] of Object.entries<any>(declared)) {
      if (spec.required) expect([name, passed.includes(name)]).toEqual([name, true]);
    }
  });

  it('asks the operator for the environment (type environment) and a required reason', () => {
    const inputs = example.on.workflow_dispatch.inputs;
    expect(inputs.environment).toMatchObject({ type: 'environment', required: true });
    expect(inputs.reason).toMatchObject({ type: 'string', required: true });
    expect(inputs['dry-run']).toMatchObject({ type: 'boolean', default: false });
  });
});

/** Runs one step's script with bash the way the runner does (`bash -e {0}`), with only `env` (and PATH). */
function runScript(
  script: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-step-'));
  const file = join(dir, 'step.sh');
  writeFileSync(file, script);
  // Asynchronous: the locate script calls an HTTP server running in this process.
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

const base64url = (value: string) => Buffer.from(value).toString('base64url');

describe('the workflow’s scripts', () => {
  const steps: Step[] = load(WORKFLOW).jobs.rollback.steps;

  it('locates Berth from the OIDC token’s job_workflow_ref and job_workflow_sha claims', async () => {
    const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
    // Padding and the URL-safe alphabet both matter: this payload has `-`/`_` and needs `=`.
    const claims = {
      sub: 'repo:acme/shop:environment:production',
      job_workflow_ref: 'acme-platform/berth/.github/workflows/rollback.yml@refs/tags/v1',
      job_workflow_sha: sha,
      note: '??>>~~',
    };
    const token = `${base64url('{"alg":"RS256"}')}.${base64url(JSON.stringify(claims))}.c2lnbmF0dXJl`;
    let seen: { url?: string; auth?: string } = {};
    const server = createServer((request, response) => {
      seen = { url: request.url, auth: request.headers.authorization };
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ count: 1, value: token }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const output = join(mkdtempSync(join(tmpdir(), 'berth-out-')), 'output');
    writeFileSync(output, '');
    try {
      const result = await runScript(steps.find((step) => step.id === 'berth')!.run!, {
        ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
        GITHUB_OUTPUT: output,
      });
      expect([result.status, result.stderr]).toEqual([0, '']);
      expect(result.stdout).toBe(`::add-mask::${token}\n`);
    } finally {
      server.close();
    }
    expect(seen).toEqual({ url: '/token?api-version=2.0&audience=berth', auth: 'bearer request-token' });
    expect(readFileSync(output, 'utf8')).toBe(`repository=acme-platform/berth\nsha=${sha}\n`);
  });

  it('fails when no token can be had', async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'berth-out-')), 'output');
    // No server: curl fails, the token is empty.
    const result = await runScript(steps.find((step) => step.id === 'berth')!.run!, {
      ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token?x=1',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
      GITHUB_OUTPUT: output,
    });
    expect(result.status).not.toBe(0);
  });

  it('writes the outcome to the run summary from environment variables only', async () => {
    const step = steps.find((s) => s.name === 'Outcome in the run summary')!;
    const summary = join(mkdtempSync(join(tmpdir(), 'berth-summary-')), 'summary.md');
    writeFileSync(summary, '');
    const result = await runScript(step.run!, {
      GITHUB_STEP_SUMMARY: summary,
      ENVIRONMENT: 'production',
      SERVICE: 'web',
      STATUS: 'succeeded',
      FROM: 'arn:…/web:42',
      TO: 'arn:…/web:41',
      REASON: 'checkout 500s; `rm -rf /` $(whoami)',
      ACTOR: 'octocat',
    });
    expect(result.status).toBe(0);
    expect(readFileSync(summary, 'utf8')).toBe(
      [
        '### Rollback of `web` in `production`: succeeded',
        '',
        '- from: `arn:…/web:42`',
        '- to: `arn:…/web:41`',
        '- requested by octocat: checkout 500s; `rm -rf /` $(whoami)',
        '',
      ].join('\n'),
    );
  });
});
