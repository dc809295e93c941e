/**
 * runner.ts speaks the runner's protocol without @actions/core in the bundle.
 * The reference is @actions/core itself (GitHub's library, a dependency of
 * the test tree only): each command is issued by both, and what reaches stdout,
 * GITHUB_OUTPUT, GITHUB_ENV and GITHUB_STEP_SUMMARY must be the same bytes
 * (the random heredoc delimiters aside, which are compared by shape).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { requestIdToken } from '../src/oidc.js';
import * as runner from '../src/runner.js';

const ENV_NAMES = [
  'GITHUB_OUTPUT',
  'GITHUB_ENV',
  'GITHUB_STEP_SUMMARY',
  'INPUT_MY_INPUT',
  'BERTH_RUNNER_TEST',
];
let saved: Record<string, string | undefined>;
let dir: string;

beforeEach(() => {
  saved = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));
  dir = mkdtempSync(join(tmpdir(), 'berth-runner-'));
});

afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  process.exitCode = undefined;
});

/** What `issue` writes to stdout and to each command file, with the delimiters made comparable. */
function observe(issue: () => void): { stdout: string; files: Record<string, string> } {
  const files: Record<string, string> = {};
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_ENV']) {
    const path = join(dir, `${name}-${Math.random()}`);
    writeFileSync(path, '');
    process.env[name] = path;
  }
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => chunks.push(String(chunk)) > 0) as typeof process.stdout.write;
  try {
    issue();
  } finally {
    process.stdout.write = write;
  }
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_ENV']) {
    files[name] = readFileSync(process.env[name]!, 'utf8').replace(
      /ghadelimiter_[0-9a-f-]{36}/g,
      'DELIMITER',
    );
  }
  return { stdout: chunks.join(''), files };
}

const UNTRUSTED = 'a % b\r\nc: d, e::f';
const PROPERTIES = {
  title: 'T: 1, 2',
  file: 'src/a,b.ts',
  startLine: 3,
  endLine: 4,
  startColumn: 5,
  endColumn: 6,
};

describe('runner commands match @actions/core', () => {
  it.each<[string, (api: typeof runner | typeof core) => void]>([
    ['info', (api) => api.info(UNTRUSTED)],
    ['debug', (api) => api.debug(UNTRUSTED)],
    ['notice without properties', (api) => api.notice(UNTRUSTED)],
    ['warning with every property', (api) => api.warning(UNTRUSTED, PROPERTIES)],
    ['error with a title only', (api) => api.error(UNTRUSTED, { title: 'x' })],
    ['error with empty properties', (api) => api.error(UNTRUSTED, {})],
    [
      'a group',
      (api) => {
        api.startGroup(UNTRUSTED);
        api.endGroup();
      },
    ],
    ['a secret mask', (api) => api.setSecret('s3cr%t\nline')],
    ['an output in GITHUB_OUTPUT', (api) => api.setOutput('digest', 'sha256:1\nline 2')],
    ['a non-string output', (api) => api.setOutput('count', 3 as unknown as string)],
    ['a variable in GITHUB_ENV', (api) => api.exportVariable('BERTH_RUNNER_TEST', 'v=1')],
  ])('%s', (_name, issue) => {
    const ours = observe(() => issue(runner));
    const theirs = observe(() => issue(core));
    expect(ours).toEqual(theirs);
    // The comparison must have seen something: every case prints or writes.
    expect(ours.stdout + Object.values(ours.files).join('')).not.toBe('');
  });

  it('falls back to the stdout commands without the command files, as @actions/core does', () => {
    const issue = (api: typeof runner | typeof core) => {
      delete process.env.GITHUB_OUTPUT;
      delete process.env.GITHUB_ENV;
      api.setOutput('name', 'value');
      api.exportVariable('BERTH_RUNNER_TEST', 'x');
    };
    const capture = (api: typeof runner | typeof core) => {
      const chunks: string[] = [];
      const write = process.stdout.write;
      process.stdout.write = ((chunk: string) =>
        chunks.push(String(chunk)) > 0) as typeof process.stdout.write;
      try {
        issue(api);
      } finally {
        process.stdout.write = write;
      }
      return chunks.join('');
    };
    expect(capture(runner)).toBe(capture(core));
    expect(capture(runner)).toContain('::set-output name=name::value');
  });

  it('sets the exit code and an error annotation on setFailed', () => {
    const ours = observe(() => runner.setFailed(UNTRUSTED));
    expect(process.exitCode).toBe(1);
    process.exitCode = undefined;
    const theirs = observe(() => core.setFailed(UNTRUSTED));
    expect(process.exitCode).toBe(1);
    expect(ours).toEqual(theirs);
  });

  it('fails with a plain line and no annotation when the failure was annotated already', () => {
    const ours = observe(() => runner.setFailed('deploy-ecs: rolled back', { annotate: false }));
    expect(process.exitCode).toBe(1);
    process.exitCode = undefined;
    expect(ours).toEqual(observe(() => core.info('Error: deploy-ecs: rolled back')));
    expect(ours.stdout).not.toContain('::error');
  });

  it('reads inputs as @actions/core does (INPUT_ upper-cased, spaces as _, trimmed)', () => {
    process.env.INPUT_MY_INPUT = '  value \n';
    expect(runner.getInput('my input')).toBe(core.getInput('my input'));
    expect(runner.getInput('My Input')).toBe('value');
    expect(runner.getInput('absent')).toBe(core.getInput('absent'));
  });
});

describe('job summary matches @actions/core', () => {
  type Builder = typeof core.summary | runner.JobSummary;
  const build = (summary: Builder) =>
    summary
      .addHeading('Deploy', 3)
      .addHeading('bad level', 9)
      .addTable([
        [
          { data: 'Item', header: true },
          { data: 'Value', header: true, colspan: '2' },
        ],
        ['a', 'b'],
      ])
      .addRaw('raw', true)
      .addList(['x', 'y'])
      .addList(['1'], true)
      .addCodeBlock('code', 'json')
      .addCodeBlock('plain')
      .addDetails('Events', '<pre>e</pre>')
      .addSeparator()
      .addBreak()
      .addQuote('q', 'https://example.com')
      .addLink('l', 'https://example.com/x');

  it('builds the same HTML and writes it to GITHUB_STEP_SUMMARY the same way', async () => {
    const texts: string[] = [];
    for (const summary of [runner.summary, core.summary] as Builder[]) {
      const path = join(dir, `summary-${texts.length}.md`);
      writeFileSync(path, 'before\n');
      process.env.GITHUB_STEP_SUMMARY = path;
      summary.emptyBuffer();
      build(summary);
      expect(summary.isEmptyBuffer()).toBe(false);
      await summary.write();
      expect(summary.isEmptyBuffer()).toBe(true);
      texts.push(readFileSync(path, 'utf8'));
    }
    expect(texts[0]).toBe(texts[1]);
    expect(texts[0]).toMatch(/^before\n<h3>Deploy<\/h3>\n<h1>bad level<\/h1>\n<table>/);
  });

  it("fails to write without GITHUB_STEP_SUMMARY, with @actions/core's message", async () => {
    // @actions/core's singleton remembers the first path it wrote to, so its words are the reference here.
    delete process.env.GITHUB_STEP_SUMMARY;
    await expect(runner.summary.emptyBuffer().addRaw('x').write()).rejects.toThrow(
      'Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.',
    );
  });
});

describe('requestIdToken', () => {
  /** GitHub's token endpoint as documented: bearer request token in, `{"value": <jwt>}` out. */
  async function endpoint(answers: Array<[number, string]>) {
    const requests: Array<{ url: string; authorization?: string }> = [];
    const server = createServer((request, response) => {
      requests.push({ url: request.url ?? '', authorization: request.headers.authorization });
      const [status, body] = answers.shift() ?? [500, 'no more answers'];
      response.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?api-version=2.0`;
    return { url, requests, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('asks with the audience and the bearer token, masks the token and returns it', async () => {
    const server = await endpoint([[200, JSON.stringify({ value: 'h.e30.s' })]]);
    const chunks: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => chunks.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      await expect(requestIdToken(server.url, 'request-token', 'sts.amazonaws.com')).resolves.toBe('h.e30.s');
    } finally {
      process.stdout.write = write;
      await server.close();
    }
    expect(server.requests).toEqual([
      { url: '/token?api-version=2.0&audience=sts.amazonaws.com', authorization: 'Bearer request-token' },
    ]);
    expect(chunks.join('')).toBe('::add-mask::h.e30.s\n');
  });

  it('tries again after a 5xx and gives up on a 4xx at once', async () => {
    const server = await endpoint([
      [503, 'busy'],
      [200, JSON.stringify({ value: 'h.e30.s' })],
      [403, 'forbidden'],
    ]);
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      const sleep = async () => {};
      await expect(requestIdToken(server.url, 't', 'aud', { sleep })).resolves.toBe('h.e30.s');
      await expect(requestIdToken(server.url, 't', 'aud', { sleep })).rejects.toThrow(
        'the token endpoint answered HTTP 403: forbidden',
      );
    } finally {
      process.stdout.write = write;
      await server.close();
    }
    expect(server.requests).toHaveLength(3);
  });
});
