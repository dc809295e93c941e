/**
 * Runs the AWS deploy action (aws-actions/amazon-ecs-deploy-task-definition v2.6.3, its
 * unmodified committed bundle in ../shared/opponents) against the emulator as the runner
 * runs it: INPUT_* variables, GITHUB_OUTPUT. An independent client of the emulator: if its
 * shapes were not ECS's or CodeDeploy's, this bundle would fail where it succeeds on AWS.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REGION } from './ecs-helpers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const AWS_DEPLOY_ACTION = join(
  HERE,
  '..',
  '..',
  '..',
  '..',
  'shared',
  'opponents',
  'amazon-ecs-deploy-task-definition',
  'dist',
  'index.js',
);

/** Whether ../shared (and the bundle) is present; tests skip with a notice where it is not. */
export function awsDeployActionPresent(): boolean {
  const present = existsSync(AWS_DEPLOY_ACTION);
  if (!present)
    console.warn(
      `The AWS deploy action's bundle is not at ${AWS_DEPLOY_ACTION} (../shared is missing); skipping.`,
    );
  return present;
}

export interface AwsActionRun {
  code: number;
  stdout: string;
  outputs: Record<string, string>;
  /** Removes the workspace. */
  cleanup(): void;
}

/** `files` are written into a fresh workspace; `inputs` are the action's inputs by action.yml name. */
export async function runAwsDeployAction(
  url: string,
  files: Record<string, string>,
  inputs: Record<string, string>,
): Promise<AwsActionRun> {
  const workspace = mkdtempSync(join(tmpdir(), 'berth-aws-action-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(workspace, name), content);
  const output = join(workspace, 'github-output');
  writeFileSync(output, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: workspace,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: output,
    AWS_ENDPOINT_URL: url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'AKIDAWSACTIONTEST',
    AWS_SECRET_ACCESS_KEY: 'not-checked',
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, [AWS_DEPLOY_ACTION], { env, timeout: 180_000 }, (error, out) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out }),
    );
  });
  const outputs: Record<string, string> = {};
  // GITHUB_OUTPUT heredoc form: name<<delimiter / value / delimiter.
  const lines = readFileSync(output, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    }
  }
  return { code, stdout, outputs, cleanup: () => rmSync(workspace, { recursive: true, force: true }) };
}
