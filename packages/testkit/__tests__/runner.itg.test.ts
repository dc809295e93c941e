import { type RunningEmulator, startEmulator } from '@berth/emulator';
import { fixtureRepository } from '../src/fixtures.js';
import { runWorkflow } from '../src/runner.js';
import type { ApprovalDecision, WorkflowRunOptions } from '../src/types.js';

// The harness's own behaviour, on small workflows whose expected outcomes come from GitHub's
// documentation: docs.github.com "Workflow syntax for GitHub Actions" (needs, if, outputs,
// continue-on-error, timeout-minutes, strategy.matrix, concurrency, environment),
// "Contexts reference" (steps.<id>.outcome/conclusion, needs.<id>.result) and "Reusing
// workflows" (inputs, outputs, permissions).
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ timeScale: 60 });
});
afterAll(async () => {
  await emulator.stop();
});

function repo(files: Record<string, string>): string {
  return fixtureRepository(
    Object.fromEntries(Object.entries(files).map(([path, content]) => [path, { content }])),
  );
}

function run(files: Record<string, string>, workflow: string, options: Partial<WorkflowRunOptions> = {}) {
  return runWorkflow(workflow, {
    emulator,
    repository: { name: 'acme/shop', dir: repo(files) },
    event: { name: 'push' },
    ...options,
  });
}

describe('the workflow harness', () => {
  it('runs jobs in needs order with outputs, env files and status functions', async () => {
    const result = await run(
      {
        'sub/dir/.keep': '',
        '.github/workflows/ci.yml': `
on: push
env:
  GREETING: hello
jobs:
  second:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - env:
          FROM_FIRST: \${{ needs.first.outputs.word }}
        run: test "$FROM_FIRST" = "$GREETING world"
  first:
    runs-on: ubuntu-latest
    outputs:
      word: \${{ steps.say.outputs.word }}
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
      - id: say
        run: |
          echo "word=$GREETING world" >> "$GITHUB_OUTPUT"
          echo "EXPORTED=yes" >> "$GITHUB_ENV"
          echo "::warning file=app.js,line=3::careful%0Anow"
      - run: test "$EXPORTED" = yes
      - working-directory: sub/dir
        run: test "$(basename "$PWD")" = dir
      - id: broken
        continue-on-error: true
        run: exit 3
      - if: steps.broken.outcome == 'failure' && steps.broken.conclusion == 'success'
        id: seen
        run: echo "continue-on-error kept the job green"
      - run: exit 1
      - id: skipped-by-default
        run: echo never
      - id: on-failure
        if: failure()
        run: echo "ran because a step failed"
      - if: always()
        run: echo "always runs"
  third:
    needs: [first]
    if: always() && needs.first.result == 'failure'
    runs-on: ubuntu-latest
    steps:
      - run: echo cleanup
  fourth:
    needs: first
    runs-on: ubuntu-latest
    steps:
      - run: echo "not reached"
`,
      },
      '.github/workflows/ci.yml',
    );
    const first = result.job('first');
    expect(first.result).toBe('failure');
    expect(first.outputs).toEqual({ word: 'hello world' });
    expect(first.steps.map((s) => [s.id, s.outcome, s.conclusion])).toEqual([
      ['__actions_checkout', 'success', 'success'],
      ['say', 'success', 'success'],
      ['__run', 'success', 'success'],
      ['__run_2', 'success', 'success'],
      ['broken', 'failure', 'success'],
      ['seen', 'success', 'success'],
      ['__run_3', 'failure', 'failure'],
      ['skipped-by-default', 'skipped', 'skipped'],
      ['on-failure', 'success', 'success'],
      ['__run_4', 'success', 'success'],
    ]);
    expect(first.steps.find((s) => s.id === 'on-failure')?.log).toEqual(['ran because a step failed']);
    expect(first.steps[1].annotations).toEqual([
      { level: 'warning', message: 'careful\nnow', properties: { file: 'app.js', line: '3' } },
    ]);
    // A failed need skips the default `if: success()`; `always()` still runs.
    expect(result.job('second').result).toBe('skipped');
    expect(result.job('fourth').result).toBe('skipped');
    expect(result.job('third').result).toBe('success');
    expect(result.conclusion).toBe('failure');
  });

  it('expands a matrix (include/exclude as documented) and records concurrency groups', async () => {
    const result = await run(
      {
        '.github/workflows/m.yml': `
on: push
concurrency:
  group: ci-\${{ github.ref }}
  cancel-in-progress: true
jobs:
  test:
    name: test \${{ matrix.os }} \${{ matrix.node }}
    runs-on: \${{ matrix.os }}
    concurrency: test-\${{ matrix.os }}-\${{ matrix.node }}
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest]
        node: [20, 24]
        exclude:
          - os: windows-latest
            node: 20
        include:
          - os: ubuntu-latest
            experimental: true
          - os: macos-latest
            node: 24
    steps:
      - run: echo "\${{ matrix.os }}/\${{ matrix.node }}/\${{ matrix.experimental }}"
`,
      },
      '.github/workflows/m.yml',
    );
    expect(result.conclusion).toBe('success');
    expect(result.jobs.map((job) => job.matrix)).toEqual([
      { os: 'ubuntu-latest', node: 20, experimental: true },
      { os: 'ubuntu-latest', node: 24, experimental: true },
      { os: 'windows-latest', node: 24 },
      { os: 'macos-latest', node: 24 },
    ]);
    expect(result.jobs.map((job) => job.name)).toContain('test windows-latest 24');
    expect(result.concurrency.map((c) => c.group)).toEqual([
      'ci-refs/heads/main',
      'test-ubuntu-latest-20',
      'test-ubuntu-latest-24',
      'test-windows-latest-24',
      'test-macos-latest-24',
    ]);
  });

  it("enforces a reusable workflow contract with GitHub's parser: an undeclared input fails the run", async () => {
    const files = {
      '.github/workflows/called.yml': `
on:
  workflow_call:
    inputs:
      name:
        type: string
        required: true
      loud:
        type: boolean
        default: false
    outputs:
      greeting:
        value: \${{ jobs.greet.outputs.greeting }}
jobs:
  greet:
    runs-on: ubuntu-latest
    outputs:
      greeting: \${{ steps.g.outputs.greeting }}
    steps:
      - id: g
        env:
          NAME: \${{ inputs.name }}
          LOUD: \${{ inputs.loud }}
        run: echo "greeting=hello $NAME (loud=$LOUD)" >> "$GITHUB_OUTPUT"
`,
      '.github/workflows/good.yml': `
on: push
jobs:
  call:
    uses: ./.github/workflows/called.yml
    with:
      name: mona
  after:
    needs: call
    runs-on: ubuntu-latest
    steps:
      - env:
          GOT: \${{ needs.call.outputs.greeting }}
        run: test "$GOT" = "hello mona (loud=false)"
`,
      '.github/workflows/needs-secret.yml': `
on:
  workflow_call:
    secrets:
      DEPLOY_KEY:
        required: true
jobs:
  use:
    runs-on: ubuntu-latest
    steps:
      - env:
          KEY: \${{ secrets.DEPLOY_KEY }}
          OTHER: \${{ secrets.OTHER }}
        run: echo "key=$KEY other=$OTHER"
`,
      '.github/workflows/pass-secret.yml': `
on: push
jobs:
  named:
    uses: ./.github/workflows/needs-secret.yml
    secrets:
      DEPLOY_KEY: \${{ secrets.DEPLOY_KEY }}
  inherited:
    uses: ./.github/workflows/needs-secret.yml
    secrets: inherit
`,
      '.github/workflows/undeclared.yml': `
on: push
jobs:
  call:
    uses: ./.github/workflows/called.yml
    with:
      name: mona
      colour: blue
`,
      '.github/workflows/missing.yml': `
on: push
jobs:
  call:
    uses: ./.github/workflows/called.yml
`,
      '.github/workflows/secret.yml': `
on: push
jobs:
  call:
    uses: ./.github/workflows/called.yml
    with:
      name: mona
    secrets:
      token: \${{ secrets.GITHUB_TOKEN }}
`,
      '.github/workflows/mistyped.yml': `
on: push
jobs:
  call:
    uses: ./.github/workflows/called.yml
    with:
      name: mona
      loud: "yes"
`,
    };
    const good = await run(files, '.github/workflows/good.yml');
    expect(good.conclusion).toBe('success');
    expect(good.job('call / greet').outputs.greeting).toBe('hello mona (loud=false)');
    await expect(run(files, '.github/workflows/undeclared.yml')).rejects.toThrow(
      'Invalid input, colour is not defined in the referenced workflow.',
    );
    await expect(run(files, '.github/workflows/missing.yml')).rejects.toThrow(
      'Input name is required, but not provided while calling.',
    );
    await expect(run(files, '.github/workflows/mistyped.yml')).rejects.toThrow(
      /input loud is declared boolean/,
    );
  });

  it('gives an ID token only with id-token: write, and a called workflow no more than its caller allows', async () => {
    const files = {
      '.github/workflows/called.yml': `
on: workflow_call
jobs:
  inner:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - run: echo hi
`,
      '.github/workflows/caller.yml': `
on: push
permissions:
  contents: read
jobs:
  call:
    uses: ./.github/workflows/called.yml
`,
      '.github/workflows/token.yml': `
on: push
jobs:
  with-token:
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - run: |
          curl -fsS -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com" > /dev/null
  without:
    runs-on: ubuntu-latest
    steps:
      - run: test -z "$ACTIONS_ID_TOKEN_REQUEST_URL"
`,
    };
    await expect(run(files, '.github/workflows/caller.yml')).rejects.toThrow(
      "The nested job 'call / inner' is requesting 'id-token: write', but is only allowed 'id-token: none'.",
    );
    const token = await run(files, '.github/workflows/token.yml');
    expect(token.conclusion).toBe('success');
    expect(token.idTokens).toEqual([
      {
        audience: 'sts.amazonaws.com',
        claims: expect.objectContaining({
          sub: 'repo:acme/shop:ref:refs/heads/main',
          job_workflow_ref: 'acme/shop/.github/workflows/token.yml@refs/heads/main',
        }),
        // The issuer keeps the token it handed out (an unsigned JWT of those claims).
        token: expect.stringMatching(/^eyJ[\w-]+\.eyJ[\w-]+\.$/),
      },
    ]);
  });

  it('gates an environment on its reviewers: approve, reject, or wait until the test decides', async () => {
    const files = {
      '.github/workflows/env.yml': `
on: push
jobs:
  ship:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - env:
          WHERE: \${{ vars.WHERE }}
          TOKEN: \${{ secrets.PROD_TOKEN }}
        run: |
          test "$WHERE" = prod-cluster
          echo "token is $TOKEN"
`,
    };
    const environments = {
      production: {
        reviewers: ['alice'],
        vars: { WHERE: 'prod-cluster' },
        secrets: { PROD_TOKEN: 's3cr3t-value' },
      },
    };
    let decide: ((decision: ApprovalDecision) => void) | undefined;
    let announce: () => void = () => {};
    const asked = new Promise<void>((resolve) => {
      announce = resolve;
    });
    const lines: string[] = [];
    const pending = run(files, '.github/workflows/env.yml', {
      environments,
      approve: () =>
        new Promise((resolve) => {
          decide = resolve;
          announce();
        }),
      onLog: (line) => lines.push(line),
    });
    // The job waits: nothing of it has run until the reviewer decides.
    await asked;
    expect(lines.at(-1)).toBe('⏸ ship: waiting for approval to deploy to production (reviewers: alice)');
    decide?.({ decision: 'approve', reviewer: 'alice' });
    const approved = await pending;
    expect(approved.job('ship').result).toBe('success');
    expect(approved.approvals).toEqual([
      expect.objectContaining({ environment: 'production', decision: 'approve', reviewer: 'alice' }),
    ]);
    // Secrets are masked in the log.
    expect(approved.log.join('\n')).toContain('token is ***');
    expect(approved.log.join('\n')).not.toContain('s3cr3t-value');

    const rejected = await run(files, '.github/workflows/env.yml', {
      environments,
      approve: async () => ({ decision: 'reject', reviewer: 'alice', comment: 'not today' }),
    });
    expect(rejected.job('ship')).toMatchObject({ result: 'failure', steps: [] });
    expect(rejected.conclusion).toBe('failure');
    // A reviewer gate without a handler is not silently approved.
    await expect(run(files, '.github/workflows/env.yml', { environments })).rejects.toThrow(
      /no `approve` handler/,
    );
  });

  it("fails a step that outlives timeout-minutes (on the emulator's clock) and honours continue-on-error", async () => {
    const result = await run(
      {
        '.github/workflows/t.yml': `
on: push
jobs:
  slow:
    runs-on: ubuntu-latest
    steps:
      - id: sleepy
        timeout-minutes: 0.05
        continue-on-error: true
        run: sleep 30
      - run: echo "next step runs"
`,
      },
      '.github/workflows/t.yml',
    );
    expect(result.job('slow').steps.map((s) => [s.outcome, s.conclusion])).toEqual([
      ['failure', 'success'],
      ['success', 'success'],
    ]);
    expect(result.log.join('\n')).toContain('The action has timed out.');
  });

  it('cancels the rest of a matrix after a failure (fail-fast) and fails a job that outlives its timeout-minutes', async () => {
    const result = await run(
      {
        '.github/workflows/f.yml': `
on: push
jobs:
  matrix:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        n: [1, 2, 3]
    steps:
      - run: test \${{ matrix.n }} != 2
  slow:
    runs-on: ubuntu-latest
    timeout-minutes: 0.05
    steps:
      - run: sleep 30
      - run: echo never, the job is cancelled
`,
      },
      '.github/workflows/f.yml',
    );
    expect(result.jobs.filter((job) => job.id === 'matrix').map((job) => [job.path, job.result])).toEqual([
      ['matrix (1)', 'success'],
      ['matrix (2)', 'failure'],
      ['matrix (3)', 'cancelled'],
    ]);
    const slow = result.job('slow');
    expect(slow.result).toBe('failure');
    expect(slow.failureReason).toBe('The job has exceeded the maximum execution time of 0.05 minutes.');
    expect(slow.steps.map((step) => [step.outcome, step.conclusion])).toEqual([
      ['failure', 'failure'],
      ['skipped', 'skipped'],
    ]);
  });

  it.each([
    [
      'a job container',
      'jobs:\n  j:\n    runs-on: ubuntu-latest\n    container: node:24\n    steps:\n      - run: echo',
      /container/,
    ],
    [
      'hashFiles()',
      "jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ hashFiles('x') }}",
      /hashFiles/,
    ],
    [
      '::set-output',
      'jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "::set-output name=a::b"',
      /set-output/,
    ],
    [
      'an unknown action',
      'jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: someone/else@v1',
      /someone\/else/,
    ],
    [
      'a pin the harness has not vendored',
      'jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4',
      /vendors actions\/checkout only at/,
    ],
    [
      'a PowerShell step',
      'jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - shell: pwsh\n        run: echo',
      /shell pwsh/,
    ],
    [
      'an input checkout does not declare',
      'jobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n        with:\n          depth: 1',
      /unexpected input\(s\) depth/,
    ],
  ])('fails the run loudly on %s', async (_name, jobs, message) => {
    await expect(
      run({ '.github/workflows/u.yml': `on: push\n${jobs}\n` }, '.github/workflows/u.yml'),
    ).rejects.toThrow(message);
  });
});
