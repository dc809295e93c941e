import type { RunningEmulator } from '@berth/emulator';
import type { Annotation } from './workflow-commands.js';

/** `needs.<job>.result` and step conclusions (docs.github.com "Contexts reference"). */
export type Result = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface TriggerEvent {
  /** `push`, `workflow_dispatch`, `schedule`, `pull_request`, … */
  name: string;
  /** Default `refs/heads/main`. */
  ref?: string;
  /** Default a fixed 40-hex commit. */
  sha?: string;
  /** `github.event` (for workflow_dispatch the harness adds `inputs`). */
  payload?: Record<string, unknown>;
  /** workflow_dispatch inputs, as the form sends them. */
  inputs?: Record<string, string | boolean | number>;
}

export interface EnvironmentSettings {
  vars?: Record<string, string>;
  secrets?: Record<string, string>;
  /** Required reviewers: the job waits for `approve` before it starts. */
  reviewers?: string[];
}

export interface ApprovalRequest {
  environment: string;
  /** The job waiting, e.g. `pipeline / production / deploy`. */
  job: string;
  reviewers: string[];
}

export type ApprovalDecision = { decision: 'approve' | 'reject'; reviewer: string; comment?: string };

export interface WorkflowRunOptions {
  /** The emulator the AWS calls go to (AWS_ENDPOINT_URL) and whose OIDC endpoint issues ID tokens. */
  emulator: Pick<RunningEmulator, 'url' | 'world'>;
  /** The caller's repository: its name and its tree (what `actions/checkout` materialises). */
  repository: { name: string; dir: string; refs?: Record<string, string> };
  /** Berth itself: how workflows name it and where its tree is (default `OWNER/berth`, this checkout). */
  berth?: { repository?: string; root?: string; sha?: string };
  event: TriggerEvent;
  actor?: string;
  vars?: Record<string, string>;
  secrets?: Record<string, string>;
  environments?: Record<string, EnvironmentSettings>;
  /** Decides each environment approval; the test may resolve it later ("wait"). */
  approve?: (request: ApprovalRequest) => Promise<ApprovalDecision>;
  /** The runner machine's own environment beyond PATH/HOME (e.g. buildah's storage settings). */
  machineEnv?: Record<string, string>;
  /** Emulated seconds per real second for `timeout-minutes` (default the emulator's time scale). */
  timeScale?: number;
  /** Each log line as it is written (masked). */
  onLog?: (line: string) => void;
  /** Folder for workspaces and the run log (default a fresh temporary folder). */
  workDir?: string;
  runId?: number;
  /** `github.api_url` (GITHUB_API_URL): a GitHub API stand-in (github-api.ts); default nothing answers. */
  githubApiUrl?: string;
}

export interface StepRun {
  id: string;
  name: string;
  uses?: string;
  outcome: Result;
  conclusion: Result;
  outputs: Record<string, string>;
  /** Evaluated `with:` (actions) as the step received it. */
  inputs?: Record<string, string>;
  annotations: Annotation[];
  summary: string;
  /** The step's output as the Actions UI shows it (commands rendered, masks applied). */
  log: string[];
}

export interface JobRun {
  /** `caller job / called job / …`, as the Actions UI names nested jobs. */
  path: string;
  id: string;
  name: string;
  /** The workflow file that defines the job, `repository/path@ref`. */
  workflowRef: string;
  result: Result;
  outputs: Record<string, string>;
  steps: StepRun[];
  environment?: string;
  matrix?: Record<string, unknown>;
  runsOn?: unknown;
  /** Why a job failed without a step failing (rejected approval, timeout). */
  failureReason?: string;
}

export interface ConcurrencyRecord {
  job: string;
  group: string;
  cancelInProgress: boolean;
}

export interface ApprovalRecord extends ApprovalRequest {
  decision: ApprovalDecision['decision'];
  reviewer: string;
}

export interface StandInCall {
  job: string;
  step: string;
  uses: string;
  inputs: Record<string, string>;
}

export interface WorkflowRun {
  conclusion: 'success' | 'failure';
  jobs: JobRun[];
  /** Outputs of the top-level jobs (`needs` of a hypothetical next job). */
  outputs: Record<string, Record<string, string>>;
  concurrency: ConcurrencyRecord[];
  approvals: ApprovalRecord[];
  thirdParty: StandInCall[];
  /** Every ID token a step asked for: its audience and claims. */
  idTokens: Array<{ audience: string; claims: Record<string, string> }>;
  /** Artifacts the upload-artifact stand-in kept: name → files (relative path → content). */
  artifacts: Record<string, Record<string, string>>;
  /** The whole run's log (masked), also written to `logFile`. */
  log: string[];
  logFile: string;
  /** Finds a job by its path (`pipeline / production / deploy`) or a unique suffix of it. */
  job(path: string): JobRun;
}
