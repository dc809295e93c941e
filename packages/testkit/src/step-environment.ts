/**
 * What a step's process gets from the runner: the default environment variables
 * (docs.github.com "Store information in variables" → Default environment variables), the
 * command files of this step, and the claims of the job's OIDC ID token.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Fresh GITHUB_OUTPUT / GITHUB_ENV / GITHUB_PATH / GITHUB_STATE / GITHUB_STEP_SUMMARY files for one step. */
export function commandFiles(runnerTemp: string): Record<string, string> {
  const dir = join(runnerTemp, '_runner_file_commands', randomUUID());
  mkdirSync(dir, { recursive: true });
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_PATH: join(dir, 'path'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  return files;
}

export interface RunnerEnvironmentInput {
  /** The github context of the job. */
  github: Record<string, string>;
  workspace: string;
  runnerTemp: string;
  eventFile: string;
  /** Directories earlier steps added with GITHUB_PATH, newest first. */
  addedPath: string[];
  /** The runner machine's own settings. */
  machine: Record<string, string>;
  /** The workflow, job, GITHUB_ENV and step variables (and INPUT_* for actions), in that order. */
  env: Record<string, string>;
  files: Record<string, string>;
}

/** The whole environment of a step's process; nothing of the test process leaks in but PATH and HOME. */
export function runnerEnvironment(input: RunnerEnvironmentInput): Record<string, string> {
  const { github } = input;
  return {
    PATH: [...input.addedPath, process.env.PATH ?? '/usr/bin:/bin'].join(':'),
    HOME: process.env.HOME ?? input.runnerTemp,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: github.event_name,
    GITHUB_EVENT_PATH: input.eventFile,
    GITHUB_REF: github.ref,
    GITHUB_REF_NAME: github.ref_name,
    GITHUB_REF_TYPE: github.ref_type,
    GITHUB_SHA: github.sha,
    GITHUB_REPOSITORY: github.repository,
    GITHUB_REPOSITORY_OWNER: github.repository_owner,
    GITHUB_ACTOR: github.actor,
    GITHUB_TRIGGERING_ACTOR: github.triggering_actor,
    GITHUB_RUN_ID: github.run_id,
    GITHUB_RUN_NUMBER: github.run_number,
    GITHUB_RUN_ATTEMPT: github.run_attempt,
    GITHUB_WORKFLOW: github.workflow,
    GITHUB_WORKFLOW_REF: github.workflow_ref,
    GITHUB_WORKFLOW_SHA: github.workflow_sha,
    GITHUB_JOB: github.job,
    GITHUB_SERVER_URL: github.server_url,
    GITHUB_API_URL: github.api_url,
    GITHUB_GRAPHQL_URL: github.graphql_url,
    GITHUB_WORKSPACE: input.workspace,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_NAME: 'berth-harness',
    RUNNER_TEMP: input.runnerTemp,
    RUNNER_ENVIRONMENT: 'github-hosted',
    ...input.machine,
    ...input.env,
    ...input.files,
  };
}

/**
 * The claims GitHub puts in a job's ID token (docs.github.com "OpenID Connect reference"):
 * the `sub` names the environment when the job has one, and job_workflow_ref/sha name the
 * file that defines the job — for a called workflow the called file, which is how Berth's
 * reusable workflows find Berth.
 */
export function idTokenClaims(input: {
  repository: string;
  github: Record<string, string>;
  environment?: string;
  jobWorkflowRef: string;
  jobWorkflowSha: string;
}): Record<string, string> {
  const { repository, github, environment } = input;
  const sub = environment
    ? `repo:${repository}:environment:${environment}`
    : github.event_name === 'pull_request'
      ? `repo:${repository}:pull_request`
      : `repo:${repository}:ref:${github.ref}`;
  return {
    sub,
    repository,
    repository_owner: github.repository_owner,
    ref: github.ref,
    sha: github.sha,
    actor: github.actor,
    event_name: github.event_name,
    run_id: github.run_id,
    workflow_ref: github.workflow_ref,
    job_workflow_ref: input.jobWorkflowRef,
    job_workflow_sha: input.jobWorkflowSha,
    ...(environment ? { environment } : {}),
  };
}
