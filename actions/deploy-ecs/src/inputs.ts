import { existsSync } from 'node:fs';
import type { ContainerOverride, Tag } from '@aws-sdk/client-ecs';
import { AWS_INPUT_NAMES, type AwsInputs, readAwsInputs } from '@berth/shared/aws';
import { parseCommandInput } from '@berth/shared/command';
import { ConfigurationError } from '@berth/shared/errors';
import {
  GITHUB_DEPLOYMENT_INPUT_NAMES,
  type GitHubDeploymentInputs,
  readGitHubDeploymentInputs,
} from '@berth/shared/github-deployment';
import { InputReader, parseList } from '@berth/shared/inputs';
import { alarmNameProblem } from '@berth/shared/names';
import { NOTIFY_INPUT_NAMES, type NotifyInputs, readNotifyInputs } from '@berth/shared/notify';
import {
  CODEDEPLOY_INPUT_NAMES,
  type CodeDeployInputs,
  codedeployInputsSet,
  readCodeDeployInputs,
} from './codedeploy/inputs.js';
import { parseContainerOverrides } from './container-overrides.js';
import { checkStartedBy, parseRunTaskTags } from './ecs-tags.js';
import { type ManagedEbsVolume, parseManagedEbsVolume } from './managed-ebs.js';

export const STRATEGIES = ['unchanged', 'rolling', 'blue-green', 'canary', 'linear'] as const;
export type StrategyInput = (typeof STRATEGIES)[number];

export const CIRCUIT_BREAKER_MODES = ['rollback', 'detect', 'unchanged'] as const;
export type CircuitBreakerMode = (typeof CIRCUIT_BREAKER_MODES)[number];

export const LAUNCH_TYPES = ['FARGATE', 'EC2', 'EXTERNAL', 'MANAGED_INSTANCES'] as const;
export type LaunchTypeInput = (typeof LAUNCH_TYPES)[number];

export const PROPAGATE_TAGS = ['TASK_DEFINITION', 'SERVICE', 'NONE'] as const;
export type PropagateTagsInput = (typeof PROPAGATE_TAGS)[number];

export interface CapacityProviderItem {
  capacityProvider: string;
  weight: number;
  base?: number;
}

/** What `task-definition` names: a file to register, or a registered revision to deploy as it is. */
export type TaskDefinitionSource = { kind: 'file'; path: string } | { kind: 'registered'; reference: string };

/** The inputs both modes read. */
interface CommonInputs {
  cluster: string;
  taskDefinition: TaskDefinitionSource;
  reuseUnchangedRevision: boolean;
  wait: boolean;
  timeoutMinutes: number;
  enableExecuteCommand?: boolean;
  propagateTags?: PropagateTagsInput;
  /** ECS managed tags (`aws:ecs:clusterName`, `aws:ecs:serviceName`) on the service's or the one-off task's tasks. */
  enableEcsManagedTags?: boolean;
  capacityProviderStrategy: CapacityProviderItem[];
  tagDeployedImage?: string;
  /** Why the deploy was made, kept in the record. */
  reason?: string;
  /** The GitHub Deployment this deploy leaves (on by default). */
  github: GitHubDeploymentInputs;
  notify: NotifyInputs;
  aws: AwsInputs;
}

/** Deploy a task definition to a service (the default). */
export interface ServiceInputs extends CommonInputs {
  mode: 'service';
  service: string;
  circuitBreaker: CircuitBreakerMode;
  alarms: string[];
  strategy: StrategyInput;
  bakeTimeMinutes?: number;
  canaryPercent?: number;
  canaryBakeMinutes?: number;
  linearStepPercent?: number;
  linearStepBakeMinutes?: number;
  desiredCount?: number;
  minimumHealthyPercent?: number;
  maximumPercent?: number;
  forceNewDeployment: boolean;
  /** Run during the bake time of a blue/green, canary or linear deployment; a failure stops it with ROLLBACK. */
  verifyCommand?: string;
  verifyWorkingDirectory?: string;
  /** How to deploy a service with the CODE_DEPLOY controller (unset for others; checked once the controller is known). */
  codedeploy: CodeDeployInputs;
  /** `hotfix` marks the record of a change that skipped the pipeline. */
  recordKind: 'deploy' | 'hotfix';
  /** UpdateService `volumeConfigurations` (one managed EBS volume). */
  serviceManagedEbsVolume?: ManagedEbsVolume<'service'>;
}

/** Run a one-off task (`run-task: true`); a `service` only lends its launch settings and network. */
export interface RunTaskInputs extends CommonInputs {
  mode: 'run-task';
  service?: string;
  runTaskSubnets: string[];
  runTaskSecurityGroups: string[];
  runTaskAssignPublicIp?: boolean;
  runTaskLaunchType?: LaunchTypeInput;
  runTaskCommand?: string[];
  /** Warnings about `run-task-command` (shell operators ECS passes literally). */
  commandWarnings: string[];
  /** RunTask `overrides.containerOverrides` as given (checked against the task definition in plan.ts). */
  runTaskContainerOverrides?: ContainerOverride[];
  runTaskTags?: Tag[];
  runTaskStartedBy: string;
  /** RunTask `volumeConfigurations` (one managed EBS volume). */
  runTaskManagedEbsVolume?: ManagedEbsVolume<'run-task'>;
}

/**
 * Neither `service` nor `run-task`: register the task definition (or reuse an
 * identical revision) and output its ARN, as the AWS deploy action does
 * without a service. No service or task call.
 */
export interface RegisterOnlyInputs extends CommonInputs {
  mode: 'register-only';
}

/** Every input of action.yml, parsed and checked, by mode; keys match action.yml in camelCase. */
export type Inputs = ServiceInputs | RunTaskInputs | RegisterOnlyInputs;

/** Every input as read, before the mode decides which of them apply. */
type ParsedInputs = Omit<ServiceInputs, 'mode' | 'service'> &
  Omit<RunTaskInputs, 'mode' | 'service'> & { runTask: boolean; service?: string };

/**
 * RunTask's `startedBy` when `run-task-started-by` is not given (action.yml's default): the AWS
 * deploy action's, so a ListTasks filter written for it keeps finding the tasks after a migration.
 */
export const DEFAULT_STARTED_BY = 'GitHub-Actions';

/** Every input name this action reads, in action.yml order. */
export const INPUT_NAMES = [
  'cluster',
  'service',
  'task-definition',
  'reuse-unchanged-revision',
  'wait',
  'timeout-minutes',
  'circuit-breaker',
  'alarms',
  'strategy',
  'bake-time-minutes',
  'canary-percent',
  'canary-bake-minutes',
  'linear-step-percent',
  'linear-step-bake-minutes',
  'desired-count',
  'minimum-healthy-percent',
  'maximum-percent',
  'force-new-deployment',
  'verify-command',
  'verify-working-directory',
  ...CODEDEPLOY_INPUT_NAMES,
  'service-managed-ebs-volume-name',
  'service-managed-ebs-volume',
  'enable-execute-command',
  'propagate-tags',
  'enable-ecs-managed-tags',
  'run-task',
  'run-task-subnets',
  'run-task-security-groups',
  'run-task-assign-public-ip',
  'run-task-launch-type',
  'capacity-provider-strategy',
  'run-task-command',
  'run-task-container-overrides',
  'run-task-tags',
  'run-task-started-by',
  'run-task-managed-ebs-volume-name',
  'run-task-managed-ebs-volume',
  'tag-deployed-image',
  'record-kind',
  'reason',
  ...GITHUB_DEPLOYMENT_INPUT_NAMES,
  ...NOTIFY_INPUT_NAMES,
  ...AWS_INPUT_NAMES,
] as const;

const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;
const SERVICE_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/(?:[A-Za-z0-9_-]{1,255}\/)?[A-Za-z0-9_-]{1,255}$/;
const FAMILY_REVISION = /^[A-Za-z0-9_-]{1,255}:[1-9]\d*$/;
const TASK_DEFINITION_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:[1-9]\d*$/;
const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;
const TAG = /^\w[\w.-]{0,127}$/;

const show = (value: string) => JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);

/**
 * Whether `task-definition` is a file or a registered revision. A path that
 * exists is a file; otherwise `family:revision` or a task definition ARN is a
 * registered revision; anything else is a missing file (the likelier mistake),
 * and the message says both ways to write it.
 */
export function classifyTaskDefinition(
  value: string,
  fileExists: (path: string) => boolean,
): TaskDefinitionSource {
  if (fileExists(value)) return { kind: 'file', path: value };
  if (FAMILY_REVISION.test(value) || TASK_DEFINITION_ARN.test(value))
    return { kind: 'registered', reference: value };
  const looksLikeFamily = NAME.test(value);
  throw new ConfigurationError(
    `Input \`task-definition\`: ${show(value)} is neither a file in the workspace nor a registered task definition. ` +
      `Give the path of a JSON or YAML task definition file (e.g. render-taskdef's \`task-definition\` output, and check out the repository first), ` +
      `or an existing revision as \`family:revision\` (e.g. \`${looksLikeFamily ? value : 'web'}:42\`) or a task definition ARN.`,
  );
}

/** A decimal percentage such as `10`, `2.5`; multiples of 0.1 within [min, max]. */
export function parsePercent(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.replace(/%$/, '').trim();
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(value)) {
    throw new ConfigurationError(
      `Input \`${name}\` must be a percentage such as \`10\` or \`2.5\`, got ${show(raw)}.`,
    );
  }
  if (value < min || value > max || Math.abs(value * 10 - Math.round(value * 10)) > 1e-9) {
    throw new ConfigurationError(
      `Input \`${name}\` must be between ${min} and ${max} in steps of 0.1 (ECS's range), got ${show(raw)}.`,
    );
  }
  return value;
}

/**
 * `capacity-provider-strategy`: items `provider:weight[:base]` (or `provider`
 * alone, weight 1), separated by commas or new lines, e.g.
 * `FARGATE_SPOT:3, FARGATE:1:1`.
 */
export function parseCapacityProviderStrategy(raw: string): CapacityProviderItem[] {
  const items = parseList(raw).map((item) => {
    const parts = item.split(':').map((p) => p.trim());
    const [capacityProvider, weight = '1', base] = parts;
    const number = (text: string, max: number) =>
      /^\d+$/.test(text) && Number(text) <= max ? Number(text) : Number.NaN;
    const parsed: CapacityProviderItem = { capacityProvider, weight: number(weight, 1000) };
    if (base !== undefined) parsed.base = number(base, 100000);
    if (
      parts.length > 3 ||
      !/^[A-Za-z0-9_-]{1,255}$/.test(capacityProvider ?? '') ||
      Number.isNaN(parsed.weight) ||
      (parsed.base !== undefined && Number.isNaN(parsed.base))
    ) {
      throw new ConfigurationError(
        `Input \`capacity-provider-strategy\`: ${show(item)} is not \`provider:weight[:base]\` (weight 0–1000, base 0–100000), e.g. \`FARGATE_SPOT:3, FARGATE:1:1\`.`,
      );
    }
    return parsed;
  });
  const names = items.map((i) => i.capacityProvider);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) {
    throw new ConfigurationError(
      `Input \`capacity-provider-strategy\` names \`${repeated}\` twice; give each provider once.`,
    );
  }
  if (items.filter((i) => i.base !== undefined && i.base > 0).length > 1) {
    throw new ConfigurationError(
      'Input `capacity-provider-strategy`: only one provider may have a base greater than 0 (ECS rule).',
    );
  }
  if (items.length > 0 && items.every((i) => i.weight === 0)) {
    throw new ConfigurationError(
      'Input `capacity-provider-strategy`: at least one provider needs a weight above 0.',
    );
  }
  return items;
}

/** `true`/`false`/`ENABLED`/`DISABLED`, or undefined when unset. */
function assignPublicIp(reader: InputReader): boolean | undefined {
  const value = reader.optional('run-task-assign-public-ip');
  if (value === undefined) return undefined;
  if (/^(true|enabled)$/i.test(value)) return true;
  if (/^(false|disabled)$/i.test(value)) return false;
  throw new ConfigurationError(
    `Input \`run-task-assign-public-ip\` must be \`true\` (ENABLED) or \`false\` (DISABLED), got ${show(value)}.`,
  );
}

function optionalBoolean(reader: InputReader, name: string): boolean | undefined {
  return reader.raw(name) === '' ? undefined : reader.boolean(name, false);
}

function checkEach(name: string, values: string[], pattern: RegExp, example: string): void {
  const bad = values.find((value) => !pattern.test(value));
  if (bad !== undefined) {
    throw new ConfigurationError(
      `Input \`${name}\`: ${show(bad)} is not valid; expected e.g. \`${example}\`.`,
    );
  }
}

/** Reads and checks every input; contradictions between inputs are errors here, before any file or AWS call. */
export function getInputs(
  reader: InputReader = new InputReader(),
  fileExists: (path: string) => boolean = existsSync,
): Inputs {
  const cluster = reader.string('cluster', 'default');
  if (!NAME.test(cluster) && !CLUSTER_ARN.test(cluster)) {
    throw new ConfigurationError(
      `Input \`cluster\` must be a cluster name (letters, digits, \`-\`, \`_\`) or cluster ARN, got ${show(cluster)}.`,
    );
  }
  const service = reader.optional('service');
  if (service !== undefined && !NAME.test(service) && !SERVICE_ARN.test(service)) {
    throw new ConfigurationError(
      `Input \`service\` must be a service name (letters, digits, \`-\`, \`_\`) or service ARN, got ${show(service)}.`,
    );
  }
  const taskDefinition = classifyTaskDefinition(
    reader.required(
      'task-definition',
      'give a task definition file (e.g. the `task-definition` output of render-taskdef) or an existing `family:revision`.',
    ),
    fileExists,
  );

  const inputs: ParsedInputs = {
    cluster,
    service,
    taskDefinition,
    reuseUnchangedRevision: reader.boolean('reuse-unchanged-revision', true),
    wait: reader.boolean('wait', true),
    timeoutMinutes: reader.integer('timeout-minutes', { min: 1, max: 360, fallback: 30 }),
    circuitBreaker: reader.enumeration('circuit-breaker', CIRCUIT_BREAKER_MODES, 'rollback'),
    alarms: reader.list('alarms'),
    strategy: reader.enumeration('strategy', STRATEGIES, 'unchanged'),
    bakeTimeMinutes: reader.integer('bake-time-minutes', { min: 0, max: 1440 }),
    canaryPercent: parsePercent('canary-percent', reader.optional('canary-percent'), 0.1, 100),
    canaryBakeMinutes: reader.integer('canary-bake-minutes', { min: 0, max: 1440 }),
    linearStepPercent: parsePercent('linear-step-percent', reader.optional('linear-step-percent'), 3, 100),
    linearStepBakeMinutes: reader.integer('linear-step-bake-minutes', { min: 0, max: 1440 }),
    desiredCount: reader.integer('desired-count', { min: 0, max: 5000 }),
    minimumHealthyPercent: reader.integer('minimum-healthy-percent', { min: 0, max: 100 }),
    maximumPercent: reader.integer('maximum-percent', { min: 100, max: 200 }),
    forceNewDeployment: reader.boolean('force-new-deployment', false),
    verifyCommand: reader.optional('verify-command'),
    verifyWorkingDirectory: reader.optional('verify-working-directory'),
    codedeploy: readCodeDeployInputs(reader),
    serviceManagedEbsVolume: parseManagedEbsVolume(
      'service',
      reader.optional('service-managed-ebs-volume-name'),
      reader.optional('service-managed-ebs-volume'),
    ),
    enableExecuteCommand: optionalBoolean(reader, 'enable-execute-command'),
    propagateTags: reader.enumeration('propagate-tags', PROPAGATE_TAGS),
    enableEcsManagedTags: optionalBoolean(reader, 'enable-ecs-managed-tags'),
    runTask: reader.boolean('run-task', false),
    runTaskSubnets: reader.list('run-task-subnets'),
    runTaskSecurityGroups: reader.list('run-task-security-groups'),
    runTaskAssignPublicIp: assignPublicIp(reader),
    runTaskLaunchType: reader.enumeration('run-task-launch-type', LAUNCH_TYPES),
    capacityProviderStrategy: parseCapacityProviderStrategy(reader.raw('capacity-provider-strategy')),
    commandWarnings: [],
    runTaskContainerOverrides: parseContainerOverrides(reader.optional('run-task-container-overrides')),
    runTaskTags: parseRunTaskTags(reader.optional('run-task-tags')),
    runTaskStartedBy: checkStartedBy(reader.string('run-task-started-by', DEFAULT_STARTED_BY)),
    runTaskManagedEbsVolume: parseManagedEbsVolume(
      'run-task',
      reader.optional('run-task-managed-ebs-volume-name'),
      reader.optional('run-task-managed-ebs-volume'),
    ),
    tagDeployedImage: reader.optional('tag-deployed-image'),
    recordKind: reader.enumeration('record-kind', ['deploy', 'hotfix'] as const, 'deploy'),
    reason: reader.optional('reason'),
    github: readGitHubDeploymentInputs(reader),
    notify: readNotifyInputs(reader),
    aws: readAwsInputs(reader),
  };
  const command = reader.optional('run-task-command');
  if (command !== undefined) {
    const parsed = parseCommandInput(command, 'run-task-command');
    inputs.runTaskCommand = parsed.command;
    inputs.commandWarnings = parsed.warnings;
  }
  checkEach('run-task-subnets', inputs.runTaskSubnets, SUBNET, 'subnet-0123456789abcdef0');
  checkEach('run-task-security-groups', inputs.runTaskSecurityGroups, SECURITY_GROUP, 'sg-0123456789abcdef0');
  for (const alarm of inputs.alarms) {
    const problem = alarmNameProblem(alarm);
    if (problem) {
      throw new ConfigurationError(
        `Input \`alarms\`: ${show(alarm)} is not a CloudWatch alarm name: ${problem}. Give one alarm name per line, e.g. \`shop-5xx-rate\`.`,
      );
    }
  }
  if (inputs.tagDeployedImage !== undefined && !TAG.test(inputs.tagDeployedImage)) {
    throw new ConfigurationError(
      `Input \`tag-deployed-image\` must be a Docker tag (letters, digits, \`_\`, \`.\`, \`-\`, at most 128, not starting with \`.\` or \`-\`), got ${show(inputs.tagDeployedImage)}.`,
    );
  }
  checkContradictions(inputs);
  return byMode(inputs);
}

/** The inputs only a service deployment reads. */
const SERVICE_ONLY = [
  'circuitBreaker',
  'alarms',
  'strategy',
  'bakeTimeMinutes',
  'canaryPercent',
  'canaryBakeMinutes',
  'linearStepPercent',
  'linearStepBakeMinutes',
  'desiredCount',
  'minimumHealthyPercent',
  'maximumPercent',
  'forceNewDeployment',
  'verifyCommand',
  'verifyWorkingDirectory',
  'codedeploy',
  'recordKind',
  'serviceManagedEbsVolume',
] as const satisfies ReadonlyArray<keyof ServiceInputs>;

/** The inputs only a one-off task reads. */
const RUN_TASK_ONLY = [
  'runTaskSubnets',
  'runTaskSecurityGroups',
  'runTaskAssignPublicIp',
  'runTaskLaunchType',
  'runTaskCommand',
  'commandWarnings',
  'runTaskContainerOverrides',
  'runTaskTags',
  'runTaskStartedBy',
  'runTaskManagedEbsVolume',
] as const satisfies ReadonlyArray<keyof RunTaskInputs>;

/** `keys` of `from`, and only those. */
function pick<T, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, from[key]])) as Pick<T, K>;
}

/** `from` without `keys`. */
function omit<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Omit<T, K> {
  const dropped = new Set<PropertyKey>(keys);
  return Object.fromEntries(Object.entries(from).filter(([key]) => !dropped.has(key))) as Omit<T, K>;
}

/** The inputs of the chosen mode: the other mode's are dropped (checkContradictions saw they were unset). */
function byMode(parsed: ParsedInputs): Inputs {
  const { runTask, service } = parsed;
  const common: CommonInputs = omit(parsed, [...SERVICE_ONLY, ...RUN_TASK_ONLY, 'runTask', 'service']);
  if (runTask) return { ...common, ...pick(parsed, RUN_TASK_ONLY), mode: 'run-task', service };
  // checkContradictions refused every service or task input without a service or task to apply to.
  if (service === undefined) return { ...common, mode: 'register-only' };
  return { ...common, ...pick(parsed, SERVICE_ONLY), mode: 'service', service };
}

/** The inputs that only make sense when updating a service, with the value that means "not set". */
function serviceOnlyInputs(inputs: ParsedInputs): string[] {
  const set: string[] = [];
  if (inputs.strategy !== 'unchanged') set.push('strategy');
  if (inputs.circuitBreaker !== 'rollback') set.push('circuit-breaker');
  if (inputs.alarms.length > 0) set.push('alarms');
  if (inputs.bakeTimeMinutes !== undefined) set.push('bake-time-minutes');
  if (inputs.canaryPercent !== undefined) set.push('canary-percent');
  if (inputs.canaryBakeMinutes !== undefined) set.push('canary-bake-minutes');
  if (inputs.linearStepPercent !== undefined) set.push('linear-step-percent');
  if (inputs.linearStepBakeMinutes !== undefined) set.push('linear-step-bake-minutes');
  if (inputs.desiredCount !== undefined) set.push('desired-count');
  if (inputs.minimumHealthyPercent !== undefined) set.push('minimum-healthy-percent');
  if (inputs.maximumPercent !== undefined) set.push('maximum-percent');
  if (inputs.forceNewDeployment) set.push('force-new-deployment');
  if (inputs.verifyCommand !== undefined) set.push('verify-command');
  if (inputs.verifyWorkingDirectory !== undefined) set.push('verify-working-directory');
  if (inputs.recordKind !== 'deploy') set.push('record-kind');
  if (inputs.serviceManagedEbsVolume !== undefined) set.push('service-managed-ebs-volume-name');
  set.push(...codedeployInputsSet(inputs.codedeploy));
  return set;
}

function runTaskOnlyInputs(inputs: ParsedInputs): string[] {
  const set: string[] = [];
  if (inputs.runTaskSubnets.length > 0) set.push('run-task-subnets');
  if (inputs.runTaskSecurityGroups.length > 0) set.push('run-task-security-groups');
  if (inputs.runTaskAssignPublicIp !== undefined) set.push('run-task-assign-public-ip');
  if (inputs.runTaskLaunchType !== undefined) set.push('run-task-launch-type');
  if (inputs.runTaskCommand !== undefined) set.push('run-task-command');
  if (inputs.runTaskContainerOverrides !== undefined) set.push('run-task-container-overrides');
  if (inputs.runTaskTags !== undefined) set.push('run-task-tags');
  if (inputs.runTaskStartedBy !== DEFAULT_STARTED_BY) set.push('run-task-started-by');
  if (inputs.runTaskManagedEbsVolume !== undefined) set.push('run-task-managed-ebs-volume-name');
  return set;
}

const names = (list: string[]) => list.map((n) => `\`${n}\``).join(', ');

/** The inputs that act on a service or a task, set where neither `service` nor `run-task` is. */
function serviceOrTaskInputs(inputs: ParsedInputs): string[] {
  const set: string[] = [];
  if (inputs.enableExecuteCommand !== undefined) set.push('enable-execute-command');
  if (inputs.propagateTags !== undefined) set.push('propagate-tags');
  if (inputs.enableEcsManagedTags !== undefined) set.push('enable-ecs-managed-tags');
  if (inputs.capacityProviderStrategy.length > 0) set.push('capacity-provider-strategy');
  if (inputs.tagDeployedImage !== undefined) set.push('tag-deployed-image');
  // Registering deploys nothing: no webhook message and no GitHub deployment to describe.
  if (inputs.notify.webhook !== undefined) set.push('notify-webhook');
  if (inputs.github.environment !== undefined) set.push('environment');
  if (inputs.github.environmentUrl !== undefined) set.push('environment-url');
  if (inputs.github.productionEnvironment !== undefined) set.push('production-environment');
  if (inputs.github.transientEnvironment !== undefined) set.push('transient-environment');
  return set;
}

/**
 * Without `service` and `run-task` the step only registers: every input that
 * would act on a service or a task is a sign the user forgot one of them.
 */
function checkRegisterOnly(inputs: ParsedInputs): void {
  const serviceOnly = serviceOnlyInputs(inputs);
  if (serviceOnly.length > 0) {
    throw new ConfigurationError(
      `${names(serviceOnly)} ${serviceOnly.length === 1 ? 'applies' : 'apply'} to a service deployment, but \`service\` is not set, so this step only registers the task definition. ` +
        'Name the ECS service to deploy (e.g. `service: web`), or remove them.',
    );
  }
  const either = serviceOrTaskInputs(inputs);
  if (either.length > 0) {
    throw new ConfigurationError(
      `${names(either)} ${either.length === 1 ? 'acts' : 'act'} on a service or a one-off task, but neither \`service\` nor \`run-task: true\` is set, so this step only registers the task definition. ` +
        `Set \`service\` (or \`run-task: true\`), or remove ${either.length === 1 ? 'it' : 'them'}.`,
    );
  }
}

/** Inputs that cannot all be meant at once; each message says which to drop. */
function checkContradictions(inputs: ParsedInputs): void {
  if (inputs.runTask) {
    const serviceOnly = serviceOnlyInputs(inputs);
    if (serviceOnly.length > 0) {
      throw new ConfigurationError(
        `${names(serviceOnly)} ${serviceOnly.length === 1 ? 'applies' : 'apply'} to a service deployment, but \`run-task: true\` runs a one-off task. ` +
          `Remove ${serviceOnly.length === 1 ? 'it' : 'them'}, or deploy the service in a separate step.`,
      );
    }
    if (inputs.propagateTags === 'SERVICE') {
      throw new ConfigurationError(
        '`propagate-tags: SERVICE` cannot be used with `run-task: true` (a one-off task has no service); use `TASK_DEFINITION` or `NONE`.',
      );
    }
  } else {
    if (inputs.service === undefined) checkRegisterOnly(inputs);
    const runTaskOnly = runTaskOnlyInputs(inputs);
    if (runTaskOnly.length > 0) {
      throw new ConfigurationError(
        `${names(runTaskOnly)} ${runTaskOnly.length === 1 ? 'applies' : 'apply'} only to a one-off task. Set \`run-task: true\` to run one, or remove ${runTaskOnly.length === 1 ? 'it' : 'them'}.`,
      );
    }
  }
  if (inputs.runTaskLaunchType !== undefined && inputs.capacityProviderStrategy.length > 0) {
    throw new ConfigurationError(
      'Inputs `run-task-launch-type` and `capacity-provider-strategy` cannot be used together (ECS takes one or the other). Remove one of them.',
    );
  }
  const { strategy } = inputs;
  const needs = (input: string, value: unknown, allowed: StrategyInput[]) => {
    if (value !== undefined && !allowed.includes(strategy)) {
      throw new ConfigurationError(
        `Input \`${input}\` only applies to \`strategy: ${allowed.join('` or `strategy: ')}\`, but \`strategy\` is \`${strategy}\`. ` +
          `Set \`strategy: ${allowed[0]}\` or remove \`${input}\`.`,
      );
    }
  };
  needs('canary-percent', inputs.canaryPercent, ['canary']);
  needs('canary-bake-minutes', inputs.canaryBakeMinutes, ['canary']);
  needs('linear-step-percent', inputs.linearStepPercent, ['linear']);
  needs('linear-step-bake-minutes', inputs.linearStepBakeMinutes, ['linear']);
  needs('bake-time-minutes', inputs.bakeTimeMinutes, ['blue-green', 'canary', 'linear']);
  // `unchanged` keeps the service's strategy, checked once it is read (deploy-service.ts).
  needs('verify-command', inputs.verifyCommand, ['blue-green', 'canary', 'linear', 'unchanged']);
  if (inputs.verifyWorkingDirectory !== undefined && inputs.verifyCommand === undefined) {
    throw new ConfigurationError(
      '`verify-working-directory` is where `verify-command` runs; set `verify-command` or remove it.',
    );
  }
  if (inputs.verifyCommand !== undefined && !inputs.wait) {
    throw new ConfigurationError(
      '`verify-command` runs during the bake time, which `wait: false` never reaches. Set `wait: true` or remove `verify-command`.',
    );
  }
  if (
    inputs.minimumHealthyPercent !== undefined &&
    inputs.maximumPercent !== undefined &&
    inputs.minimumHealthyPercent >= inputs.maximumPercent
  ) {
    throw new ConfigurationError(
      `\`minimum-healthy-percent\` (${inputs.minimumHealthyPercent}) must be lower than \`maximum-percent\` (${inputs.maximumPercent}), or ECS can neither stop an old task nor start a new one. ` +
        'For example `minimum-healthy-percent: 100` with `maximum-percent: 200`.',
    );
  }
  if (inputs.tagDeployedImage !== undefined && !inputs.wait) {
    throw new ConfigurationError(
      '`tag-deployed-image` tags the images once the deployment succeeded, which `wait: false` never learns. Set `wait: true` or remove `tag-deployed-image`.',
    );
  }
}
