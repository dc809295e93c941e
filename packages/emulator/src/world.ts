/**
 * The contract between the emulator's server (protocols, clock, faults,
 * control endpoints, ECR, STS, CloudWatch Logs) and its ECS engine. Each AWS
 * service is a ServiceModule; they share one World.
 */

import type { ScenarioIam } from './iam/scenario-iam.js';

/** An AWS error as the wire protocol returns it; the SDK raises the class named by `code`. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

/**
 * Emulated time: real elapsed time multiplied by the time scale, plus manual
 * advances from the control API. All state machines read time only here.
 */
export interface EmulatedClock {
  /** Emulated epoch milliseconds. */
  now(): number;
  /** Emulated epoch milliseconds at the emulator's start (scenario times count from here). */
  readonly startMs: number;
  /** Jump forward (control endpoint `advance`). */
  advance(ms: number): void;
  readonly timeScale: number;
}

/** What a task running an image does; looked up by the image reference of each container. */
export interface ImageBehaviour {
  /**
   * Seconds (emulated) from the container's start until its health check command
   * passes (default 0: the first check passes). The container is HEALTHY at the first
   * check after that, as the definition's healthCheck schedules checks.
   */
  healthyAfterSeconds?: number;
  /** The health check passes until the container has run this long, then fails. */
  healthCheckFailsAfterSeconds?: number;
  /** Failing checks hang until the health check's timeout instead of failing at once. */
  healthCheckHangs?: boolean;
  /** The health check never passes (the container turns UNHEALTHY after its retries). */
  failHealthCheck?: boolean;
  /** Seconds from placement to RUNNING, replacing the launch type's default (FARGATE about 25 s, EC2 about 7 s). */
  startSeconds?: number;
  /** Fail to pull: the task stops with `CannotPullContainerError: <pullError>`. */
  pullError?: string;
  /** The essential container exits with this code after `exitAfterSeconds` (default 3). */
  exitCode?: number;
  exitAfterSeconds?: number;
  /** The container is killed for exceeding its memory after `exitAfterSeconds`: exit code 137, OutOfMemoryError. */
  outOfMemory?: boolean;
  /** Lines written to the container's awslogs stream when it starts. */
  logLines?: string[];
  /** For RunTask / one-off tasks: seconds until the container exits on its own (default 5, exit code `exitCode ?? 0`). */
  runSeconds?: number;
}

/** Capacity that is not there: tasks of a cluster (and launch type) cannot be placed. */
export interface ScenarioPlacementFailure {
  /** Cluster name glob (default every cluster). */
  cluster?: string;
  /** FARGATE or EC2 (default both). */
  launchType?: 'FARGATE' | 'EC2';
  reason: 'capacity-unavailable' | 'no-container-instances' | 'vcpu-limit';
  /** Emulated seconds after the emulator's start at which capacity returns (default never). */
  untilSeconds?: number;
}

export interface ScenarioImage {
  tags?: string[];
  /** sha256:… ; derived from the manifest when omitted. */
  digest?: string;
  /** Raw manifest JSON text; a small OCI manifest is generated when omitted. */
  manifest?: string;
  manifestMediaType?: string;
  sizeBytes?: number;
  pushedAt?: string;
  /** Basic scan findings (ECR `findings[]` shape, at least name + severity). */
  findings?: Array<Record<string, unknown>>;
  /** Enhanced scan findings (Inspector `enhancedFindings[]` shape). */
  enhancedFindings?: Array<Record<string, unknown>>;
  /** Override the scan status (IN_PROGRESS, COMPLETE, ACTIVE, FAILED, UNSUPPORTED_IMAGE, …). */
  scanStatus?: string;
  scanStatusDescription?: string;
  /** Emulated seconds a scan stays IN_PROGRESS before COMPLETE (default 3). */
  scanSeconds?: number;
}

export interface ScenarioRepository {
  name: string;
  imageTagMutability?: 'MUTABLE' | 'IMMUTABLE' | 'IMMUTABLE_WITH_EXCLUSION' | 'MUTABLE_WITH_EXCLUSION';
  imageTagMutabilityExclusionFilters?: Array<{ filterType: 'WILDCARD'; filter: string }>;
  scanOnPush?: boolean;
  /** Registry scanning type: BASIC (default) or ENHANCED (Inspector). */
  scanType?: 'BASIC' | 'ENHANCED';
  images?: ScenarioImage[];
  /**
   * Scan results for images pushed while the emulator runs (PutImage or the
   * backing registry), matched by tag glob or digest; first match wins.
   * Images that match nothing scan clean.
   */
  scanResults?: ScenarioScanResult[];
  /** ISO time the repository was created (default: the emulator's start). */
  createdAt?: string;
}

export interface ScenarioScanResult {
  /** Tag globs (`v1.*`, `*`); the result applies when any tag of the image matches. */
  tags?: string[];
  /** Exact digest to match. */
  digest?: string;
  findings?: Array<Record<string, unknown>>;
  enhancedFindings?: Array<Record<string, unknown>>;
  scanStatus?: string;
  scanStatusDescription?: string;
  scanSeconds?: number;
}

/** Log events present at start (CloudWatch Logs), e.g. to exercise paging without ECS. */
export interface ScenarioLogStream {
  group: string;
  stream: string;
  messages: string[];
  /** ISO time of the first message (default: 10 minutes before the emulator's start). */
  startTime?: string;
  /** Seconds between messages (default 1). */
  intervalSeconds?: number;
}

export interface ScenarioService {
  cluster?: string;
  serviceName: string;
  taskDefinition: string;
  desiredCount?: number;
  launchType?: string;
  deploymentConfiguration?: Record<string, unknown>;
  deploymentController?: { type: string };
  networkConfiguration?: Record<string, unknown>;
  /** Target groups the service registers its tasks in (CODE_DEPLOY services: the blue target group). */
  loadBalancers?: Array<Record<string, unknown>>;
  propagateTags?: string;
  enableExecuteCommand?: boolean;
  /** Start with the tasks already RUNNING and the first deployment COMPLETED (default true). */
  steady?: boolean;
}

export interface TrustRule {
  roleArn: string;
  /** Allowed `aud` claim (default sts.amazonaws.com). */
  audience?: string;
  /** Allowed `sub` claims; `*` wildcards allowed (`repo:acme/shop:*`). */
  subjects: string[];
  /** Cap on DurationSeconds the role allows (default 3600; AWS max 43200). */
  maxSessionDurationSeconds?: number;
}

/**
 * The primary region's ECR replication configuration (PutReplicationConfiguration's shape),
 * plus how the emulator carries it out.
 */
export interface ScenarioReplication {
  rules: Array<{
    destinations: Array<{ region: string; registryId: string }>;
    repositoryFilters?: Array<{ filter: string; filterType: 'PREFIX_MATCH' }>;
  }>;
  /** Emulated seconds from a push until the copy exists in each destination (default 60). */
  delaySeconds?: number;
  /** Broken replication: every copy ends FAILED with this failure code after the delay instead of arriving. */
  failureCode?: string;
}

/** A further region of the same account: its own ECS and ECR state (IAM and STS are global). */
export type ScenarioRegion = Pick<
  Scenario,
  | 'clusters'
  | 'taskDefinitions'
  | 'services'
  | 'repositories'
  | 'behaviours'
  | 'alarms'
  | 'logs'
  | 'secrets'
  | 'placementFailures'
  | 'settings'
>;

export interface Scenario {
  region?: string;
  accountId?: string;
  settings?: {
    /** How ListServiceDeployments/DescribeServiceDeployments/DescribeServiceRevisions/StopServiceDeployment answer. */
    serviceDeploymentsApi?: 'enabled' | 'access-denied' | 'unavailable';
  };
  clusters?: string[];
  /** RegisterTaskDefinition inputs (optionally with `tags`), registered in order. */
  taskDefinitions?: Array<Record<string, unknown>>;
  services?: ScenarioService[];
  repositories?: ScenarioRepository[];
  /** Image reference or glob with `*` wildcards (`*:broken`, `shop@sha256:*`) → behaviour; first match wins. */
  behaviours?: Record<string, ImageBehaviour>;
  trust?: TrustRule[];
  /** CloudWatch alarm names that exist (state OK until triggered through the control API). */
  alarms?: string[];
  logs?: ScenarioLogStream[];
  /**
   * Secrets Manager secrets and SSM parameters the task execution role can read
   * (ARNs, names or `*` globs). A task whose definition refers to anything else
   * fails to initialise, as on AWS.
   */
  secrets?: string[];
  placementFailures?: ScenarioPlacementFailure[];
  /** Identity policies attached to roles; with it the emulator enforces IAM (iam/scenario-iam.ts). */
  iam?: ScenarioIam;
  /** Further regions by name, each a world of its own that calls signed for it reach (server.ts). */
  regions?: Record<string, ScenarioRegion>;
  /** ECR replication from this (the primary) region's registry to other regions. */
  replication?: ScenarioReplication;
  /** CodeDeploy (ECS blue/green): applications and deployment groups to create, and what hook functions answer. */
  codedeploy?: ScenarioCodeDeploy;
}

/** What a lifecycle hook's Lambda function reports (PutLifecycleEventHookExecutionStatus) when CodeDeploy invokes it. */
export interface ScenarioHookBehaviour {
  /** Succeeded (default), Failed, or Pending: the function never reports; a test reports through the API. */
  status?: 'Succeeded' | 'Failed' | 'Pending';
  /** Emulated seconds from invocation to the report (default 5). */
  afterSeconds?: number;
}

export interface ScenarioCodeDeploy {
  /** CreateApplication inputs. */
  applications?: Array<Record<string, unknown>>;
  /** CreateDeploymentGroup inputs, created after the ECS services. */
  deploymentGroups?: Array<Record<string, unknown>>;
  /** Lambda function name or `*` glob → what the hook reports; first match wins. */
  hooks?: Record<string, ScenarioHookBehaviour>;
}

export interface LogEvent {
  timestamp: number;
  message: string;
}

/** CloudWatch Logs storage, written by ECS tasks, read through GetLogEvents/FilterLogEvents. */
export interface LogSink {
  put(group: string, stream: string, events: LogEvent[]): void;
}

/** ECR images as ECS sees them (to pull and to record digests). */
export interface ImageCatalog {
  /** The digest an image reference resolves to when it names an ECR image of this emulator, else undefined. */
  resolveDigest(image: string): string | undefined;
  /** True when the reference points at this emulator's ECR registry host (`<account>.dkr.ecr.<region>.amazonaws.com`). */
  isEcrImage(image: string): boolean;
  /**
   * Other names of the same image: `host/repo:tag` for every tag on its digest. Berth pins
   * images by digest, so behaviours written for a tag must still find the pinned image.
   */
  aliases(image: string): string[];
}

export interface World {
  region: string;
  accountId: string;
  clock: EmulatedClock;
  /** Seeded PRNG in [0, 1): the only source of randomness, so a seed makes runs repeatable. */
  random(): number;
  scenario: Scenario;
  logs: LogSink;
  images: ImageCatalog;
  /** Current state of CloudWatch alarms (control endpoint `alarm` sets them). */
  alarmState(name: string): 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  /** Mode of the service deployments APIs (scenario setting, changeable at run time). */
  serviceDeploymentsApi(): 'enabled' | 'access-denied' | 'unavailable';
}

export interface RequestContext {
  /** The operation name, e.g. `UpdateService`. */
  operation: string;
  /** Identity making the call (assumed-role ARN when STS credentials are used, else a default user). */
  callerArn: string;
  /** Access key id from the request's SigV4 signature, when signed. */
  accessKeyId?: string;
}

/**
 * Handles one operation. Return the output shape as plain data: the server
 * writes `Date` values as epoch seconds (AWS JSON 1.1 timestamps), drops
 * `undefined`, and turns a thrown AwsError into `{"__type", "message"}` with its status.
 */
export type OperationHandler = (input: any, context: RequestContext) => unknown | Promise<unknown>;

export interface ServiceModule {
  /** X-Amz-Target prefix, e.g. `AmazonEC2ContainerServiceV20141113`. */
  targetPrefix: string;
  operations: Record<string, OperationHandler>;
  /** Advance internal state machines to `now` (emulated ms); the server calls it before every request. */
  tick?(now: number): void;
  /** Load the scenario's part for this service (called at start and on reset). */
  load?(scenario: Scenario): void;
  /** A JSON-able dump of state for `GET /_emulator/state`. */
  snapshot?(): unknown;
}
