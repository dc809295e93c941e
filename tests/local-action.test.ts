/**
 * Each action's `src/entrypoint.ts` runs under GitHub's local action runner
 * (@github/local-action). Its CLI is not installed here (it stubs @actions/core,
 * @actions/github, artifact and cache through `npm ls` and an ESM loader, none
 * of which Berth uses), so packages/testkit/local-action-harness.mjs repeats
 * the part that reaches Berth: the dotenv file into process.env, `import()` of
 * the entry point resolved against the action path, `run()` called. The step
 * must find its files under GITHUB_WORKSPACE (not the directory local-action
 * runs from) and write outputs and summary to the files the .env names.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandFile, REPO_ROOT } from '@berth/testkit/action-runner.js';
import { afterAll, describe, expect, it } from '@jest/globals';

const ACTIONS = ['aws-auth', 'build-push', 'deploy-ecs', 'render-taskdef', 'rollback', 'scan-gate'];
const HARNESS = join(REPO_ROOT, 'packages', 'testkit', 'local-action-harness.mjs');
const base = mkdtempSync(join(tmpdir(), 'berth-local-action-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** `npx @github/local-action run actions/<action> src/entrypoint.ts <.env>`, from the repository root. */
function localAction(action: string, env: Record<string, string>) {
  const dir = mkdtempSync(join(base, `${action}-`));
  const files = {
    GITHUB_WORKSPACE: join(dir, 'workspace'),
    RUNNER_TEMP: join(dir, 'temp'),
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
  };
  mkdirSync(files.GITHUB_WORKSPACE);
  mkdirSync(files.RUNNER_TEMP);
  writeFileSync(files.GITHUB_OUTPUT, '');
  writeFileSync(files.GITHUB_STEP_SUMMARY, '');
  const dotenv = join(dir, '.env');
  const write = () =>
    writeFileSync(
      dotenv,
      Object.entries({ ...files, ...env })
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
  return {
    files,
    write,
    run() {
      write();
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', HARNESS, join('actions', action), 'src/entrypoint.ts', dotenv],
        // Only what a developer's shell has: the step's variables come from the .env file.
        { cwd: REPO_ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, encoding: 'utf8' },
      );
      return {
        status: child.status,
        stdout: child.stdout,
        stderr: child.stderr,
        outputs: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
        summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      };
    },
  };
}

describe('GitHub local action runner', () => {
  it.each(ACTIONS)('%s: the entry point exports run() and importing it runs nothing', (action) => {
    const result = localAction(action, { AWS_REGION: 'us-east-1' }).run();
    // No inputs: run() reports the missing input the runner's way and sets exit code 1.
    expect(result.stdout.split('\n')[0]).toBe('local-action-harness: imported');
    expect(result.stdout).toMatch(new RegExp(`^::error::${action}: .*\`[a-z-]+\``, 'm'));
    expect(result.stdout).toContain('local-action-harness: run() returned');
    expect(result.status).toBe(1);
  });

  it('render-taskdef renders a file from GITHUB_WORKSPACE and writes its outputs to the .env files', () => {
    const run = localAction('render-taskdef', {
      'INPUT_TASK-DEFINITION': 'deploy/td.json',
      'INPUT_CONTAINER-NAME': 'app',
      INPUT_IMAGE: 'public.ecr.aws/nginx/nginx:1.27',
      'INPUT_PIN-DIGEST': 'false',
    });
    mkdirSync(join(run.files.GITHUB_WORKSPACE, 'deploy'));
    writeFileSync(
      join(run.files.GITHUB_WORKSPACE, 'deploy', 'td.json'),
      JSON.stringify({
        family: 'web',
        containerDefinitions: [{ name: 'app', image: 'placeholder', memory: 128, essential: true }],
      }),
    );
    const result = run.run();
    expect(result.stderr).not.toMatch(/::error::/);
    expect(result.status).toBe(0);
    expect(result.outputs.family).toBe('web');
    expect(JSON.parse(result.outputs.images)).toEqual({ app: 'public.ecr.aws/nginx/nginx:1.27' });
    const rendered = result.outputs['task-definition'];
    expect(rendered.startsWith(run.files.RUNNER_TEMP)).toBe(true);
    expect(existsSync(rendered)).toBe(true);
    expect(JSON.parse(readFileSync(rendered, 'utf8')).containerDefinitions[0].image).toBe(
      'public.ecr.aws/nginx/nginx:1.27',
    );
    expect(result.summary).toContain('web');
  });
});
