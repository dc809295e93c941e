import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { iamProblems, mergeIam, resolvePolicyFiles } from './iam/scenario-iam.js';
import type { Scenario } from './world.js';

export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_ACCOUNT_ID = '123456789012';

/** A scenario that does not validate; `problems` lists each one with its path. */
export class ScenarioError extends Error {
  constructor(
    readonly problems: string[],
    source?: string,
  ) {
    super(
      `Invalid scenario${source ? ` ${source}` : ''}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
    this.name = 'ScenarioError';
  }
}

type Spec =
  | { kind: 'string'; pattern?: RegExp; hint?: string }
  | { kind: 'number'; min?: number; max?: number; integer?: boolean }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'array'; of: Spec }
  | { kind: 'record'; of: Spec }
  /** `open`: unknown keys allowed (free-form AWS shapes such as task definitions). */
  | { kind: 'object'; fields: Record<string, Spec>; required?: string[]; open?: boolean };

const str = (pattern?: RegExp, hint?: string): Spec => ({ kind: 'string', pattern, hint });
const num = (min?: number, max?: number, integer = false): Spec => ({ kind: 'number', min, max, integer });
const bool: Spec = { kind: 'boolean' };
const oneOf = (...values: string[]): Spec => ({ kind: 'enum', values });
const list = (of: Spec): Spec => ({ kind: 'array', of });
const obj = (fields: Record<string, Spec>, required: string[] = []): Spec => ({
  kind: 'object',
  fields,
  required,
});
const freeForm: Spec = { kind: 'object', fields: {}, open: true };

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const ISO_HINT = 'an ISO-8601 time such as 2025-01-31T12:00:00Z';
const SCAN_STATUSES = [
  'IN_PROGRESS',
  'COMPLETE',
  'FAILED',
  'UNSUPPORTED_IMAGE',
  'ACTIVE',
  'PENDING',
  'SCAN_ELIGIBILITY_EXPIRED',
  'FINDINGS_UNAVAILABLE',
  'LIMIT_EXCEEDED',
  'IMAGE_ARCHIVED',
];

const scanFields = {
  findings: list(freeForm),
  enhancedFindings: list(freeForm),
  scanStatus: oneOf(...SCAN_STATUSES),
  scanStatusDescription: str(),
  scanSeconds: num(0),
};

const imageSpec = obj({
  tags: list(str(/^[\w][\w.-]{0,127}$/, 'a Docker tag')),
  digest: str(DIGEST, 'sha256: followed by 64 lower-case hex digits'),
  manifest: str(),
  manifestMediaType: str(),
  sizeBytes: num(0, undefined, true),
  pushedAt: str(),
  ...scanFields,
});

const repositorySpec = obj(
  {
    name: str(/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, 'an ECR repository name'),
    imageTagMutability: oneOf('MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION'),
    imageTagMutabilityExclusionFilters: list(
      obj({ filterType: oneOf('WILDCARD'), filter: str(/^[0-9a-zA-Z._*-]{1,128}$/) }, [
        'filterType',
        'filter',
      ]),
    ),
    scanOnPush: bool,
    scanType: oneOf('BASIC', 'ENHANCED'),
    images: list(imageSpec),
    scanResults: list(obj({ tags: list(str()), digest: str(DIGEST), ...scanFields })),
    createdAt: str(),
  },
  ['name'],
);

const behaviourSpec = obj({
  healthyAfterSeconds: num(0),
  healthCheckFailsAfterSeconds: num(0),
  healthCheckHangs: bool,
  failHealthCheck: bool,
  startSeconds: num(0),
  pullError: str(),
  exitCode: num(0, 255, true),
  exitAfterSeconds: num(0),
  outOfMemory: bool,
  logLines: list(str()),
  runSeconds: num(0),
});

const serviceSpec = obj(
  {
    cluster: str(),
    serviceName: str(),
    taskDefinition: str(),
    desiredCount: num(0, undefined, true),
    launchType: str(),
    deploymentConfiguration: freeForm,
    deploymentController: freeForm,
    networkConfiguration: freeForm,
    loadBalancers: list(freeForm),
    propagateTags: str(),
    enableExecuteCommand: bool,
    steady: bool,
  },
  ['serviceName', 'taskDefinition'],
);

// ── IAM (policies attached to roles; see iam/scenario-iam.ts) ─────────────────────────
const iamSpec = obj({
  enforce: bool,
  roles: list(
    obj(
      {
        roleArn: str(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'an IAM role ARN'),
        placeholders: freeForm,
        policies: list(obj({ name: str(), file: str(), document: freeForm })),
      },
      ['roleArn', 'policies'],
    ),
  ),
});
// ── end IAM ────────────────────────────────────────────────────────────────────

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

const REGIONAL_FIELDS = {
  settings: obj({ serviceDeploymentsApi: oneOf('enabled', 'access-denied', 'unavailable') }),
  clusters: list(str()),
  taskDefinitions: list(freeForm),
  services: list(serviceSpec),
  repositories: list(repositorySpec),
  behaviours: { kind: 'record', of: behaviourSpec } as Spec,
  alarms: list(str()),
  logs: list(
    obj(
      {
        group: str(),
        stream: str(),
        messages: list(str()),
        startTime: str(),
        intervalSeconds: num(0),
      },
      ['group', 'stream', 'messages'],
    ),
  ),
  secrets: list(str()),
  placementFailures: list(
    obj(
      {
        cluster: str(),
        launchType: oneOf('FARGATE', 'EC2'),
        reason: oneOf('capacity-unavailable', 'no-container-instances', 'vcpu-limit'),
        untilSeconds: num(0),
      },
      ['reason'],
    ),
  ),
};

// PutReplicationConfiguration's shape (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ReplicationConfiguration.html).
const replicationSpec = obj(
  {
    rules: list(
      obj(
        {
          destinations: list(
            obj(
              {
                region: str(REGION_PATTERN, 'an AWS region such as us-west-2'),
                registryId: str(/^\d{12}$/, 'twelve digits'),
              },
              ['region', 'registryId'],
            ),
          ),
          repositoryFilters: list(
            obj({ filter: str(), filterType: oneOf('PREFIX_MATCH') }, ['filter', 'filterType']),
          ),
        },
        ['destinations'],
      ),
    ),
    delaySeconds: num(0),
    failureCode: str(),
  },
  ['rules'],
);

const SCENARIO_SPEC = obj({
  region: str(REGION_PATTERN, 'an AWS region such as us-east-1'),
  accountId: str(/^\d{12}$/, 'twelve digits'),
  ...REGIONAL_FIELDS,
  trust: list(
    obj(
      {
        roleArn: str(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'an IAM role ARN'),
        audience: str(),
        subjects: list(str()),
        maxSessionDurationSeconds: num(3600, 43200, true),
      },
      ['roleArn', 'subjects'],
    ),
  ),
  iam: iamSpec,
  codedeploy: obj({
    applications: list(freeForm),
    deploymentGroups: list(freeForm),
    hooks: {
      kind: 'record',
      of: obj({ status: oneOf('Succeeded', 'Failed', 'Pending'), afterSeconds: num(0) }),
    },
  }),
  regions: { kind: 'record', of: obj(REGIONAL_FIELDS) },
  replication: replicationSpec,
});

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function check(value: unknown, spec: Spec, path: string, problems: string[]): void {
  const at = path || '(top level)';
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') problems.push(`${at}: expected a string, got ${describe(value)}`);
      else if (spec.pattern && !spec.pattern.test(value)) {
        problems.push(`${at}: ${JSON.stringify(value)} is not ${spec.hint ?? `matching ${spec.pattern}`}`);
      }
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value))
        problems.push(`${at}: expected a number, got ${describe(value)}`);
      else if (spec.integer && !Number.isInteger(value))
        problems.push(`${at}: expected a whole number, got ${value}`);
      else if (spec.min !== undefined && value < spec.min)
        problems.push(`${at}: must be at least ${spec.min}, got ${value}`);
      else if (spec.max !== undefined && value > spec.max)
        problems.push(`${at}: must be at most ${spec.max}, got ${value}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${at}: expected true or false, got ${describe(value)}`);
      return;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        problems.push(`${at}: expected one of ${spec.values.join(', ')}, got ${describe(value)}`);
      }
      return;
    case 'array':
      if (!Array.isArray(value)) {
        problems.push(`${at}: expected a list, got ${describe(value)}`);
        return;
      }
      for (const [index, item] of value.entries()) check(item, spec.of, `${path}[${index}]`, problems);
      return;
    case 'record':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push(`${at}: expected a mapping, got ${describe(value)}`);
        return;
      }
      for (const [key, item] of Object.entries(value))
        check(item, spec.of, `${path}[${JSON.stringify(key)}]`, problems);
      return;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push(`${at}: expected a mapping, got ${describe(value)}`);
        return;
      }
      const record = value as Record<string, unknown>;
      for (const key of spec.required ?? []) {
        if (record[key] === undefined || record[key] === null)
          problems.push(`${path ? `${path}.` : ''}${key}: is required`);
      }
      for (const [key, item] of Object.entries(record)) {
        const field = spec.fields[key];
        const childPath = path ? `${path}.${key}` : key;
        if (!field) {
          if (!spec.open) {
            problems.push(
              `${childPath}: unknown key (known keys here: ${Object.keys(spec.fields).join(', ')})`,
            );
          }
          continue;
        }
        if (item === undefined || item === null) continue;
        check(item, field, childPath, problems);
      }
    }
  }
}

export function sha256Digest(bytes: string | Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Checks what the shapes alone cannot: times, digests against manifests, duplicate names and tags. */
function checkMeaning(scenario: Scenario, problems: string[]): void {
  const isTime = (text: string | undefined) => text === undefined || !Number.isNaN(Date.parse(text));
  const names = new Set<string>();
  scenario.repositories?.forEach((repository, r) => {
    const at = `repositories[${r}]`;
    if (names.has(repository.name))
      problems.push(`${at}.name: repository ${repository.name} is declared twice`);
    names.add(repository.name);
    if (!isTime(repository.createdAt))
      problems.push(`${at}.createdAt: ${JSON.stringify(repository.createdAt)} is not ${ISO_HINT}`);
    const withExclusion = repository.imageTagMutability?.endsWith('_WITH_EXCLUSION');
    if (repository.imageTagMutabilityExclusionFilters?.length && !withExclusion) {
      problems.push(
        `${at}.imageTagMutabilityExclusionFilters: only allowed with imageTagMutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION`,
      );
    }
    if (withExclusion && !repository.imageTagMutabilityExclusionFilters?.length) {
      problems.push(
        `${at}.imageTagMutabilityExclusionFilters: ${repository.imageTagMutability} needs at least one filter`,
      );
    }
    const tags = new Map<string, number>();
    repository.images?.forEach((image, i) => {
      const imageAt = `${at}.images[${i}]`;
      if (!isTime(image.pushedAt))
        problems.push(`${imageAt}.pushedAt: ${JSON.stringify(image.pushedAt)} is not ${ISO_HINT}`);
      for (const tag of image.tags ?? []) {
        const other = tags.get(tag);
        if (other !== undefined)
          problems.push(`${imageAt}.tags: tag ${tag} is also on images[${other}]; a tag names one image`);
        tags.set(tag, i);
      }
      if (image.manifest !== undefined) {
        try {
          JSON.parse(image.manifest);
        } catch {
          problems.push(
            `${imageAt}.manifest: is not JSON text (give the manifest exactly as the registry stores it)`,
          );
          return;
        }
        if (image.digest && image.digest !== sha256Digest(image.manifest)) {
          problems.push(
            `${imageAt}.digest: ${image.digest} is not the sha256 of the manifest (${sha256Digest(image.manifest)}); omit the digest to derive it`,
          );
        }
      }
    });
  });
  scenario.logs?.forEach((log, i) => {
    if (!isTime(log.startTime))
      problems.push(`logs[${i}].startTime: ${JSON.stringify(log.startTime)} is not ${ISO_HINT}`);
  });
}

/** Validates a parsed scenario (or fragment) and returns it typed; throws ScenarioError listing every problem. */
export function validateScenario(value: unknown, source?: string): Scenario {
  const problems: string[] = [];
  if (value === undefined || value === null) return {};
  check(value, SCENARIO_SPEC, '', problems);
  if (problems.length === 0) checkMeaning(value as Scenario, problems);
  if (problems.length === 0) problems.push(...iamProblems((value as Scenario).iam, value as Scenario));
  if (problems.length > 0) throw new ScenarioError(problems, source);
  return value as Scenario;
}

/**
 * A scenario from an object, YAML/JSON text, or a path to a YAML/JSON file;
 * validated, with region and account defaults filled in.
 */
export function loadScenario(input: Scenario | string | undefined): Scenario {
  const scenario = readScenario(input);
  scenario.region ??= DEFAULT_REGION;
  scenario.accountId ??= DEFAULT_ACCOUNT_ID;
  return scenario;
}

/** Like loadScenario, without defaults: for fragments merged into a running emulator. */
export function readScenario(input: Scenario | string | undefined): Scenario {
  let parsed: unknown = input ?? {};
  let source: string | undefined;
  if (typeof input === 'string') {
    const looksLikePath = !input.includes('\n') && /\.(ya?ml|json)$/i.test(input.trim());
    if (looksLikePath || (!input.includes('\n') && existsSync(input))) {
      if (!existsSync(input)) throw new ScenarioError([`file ${input} does not exist`]);
      source = input;
      parsed = parseText(readFileSync(input, 'utf8'), source);
      resolvePolicyFiles(parsed, dirname(resolve(input)));
    } else {
      parsed = parseText(input, undefined);
    }
  } else if (input !== undefined) {
    parsed = structuredClone(input);
  }
  return validateScenario(parsed, source);
}

function parseText(text: string, source: string | undefined): unknown {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new ScenarioError([`not valid YAML or JSON: ${(error as Error).message}`], source);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ScenarioError(
      [
        `expected a mapping at the top level, got ${describe(value)} (a file path must exist and end in .yaml, .yml or .json)`,
      ],
      source,
    );
  }
  return value;
}

/**
 * Merges a fragment into a scenario (the control API's `seed`): lists are
 * appended, repositories with the same name merged (images appended, settings
 * replaced), behaviours from the fragment take precedence.
 */
export function mergeScenario(base: Scenario, fragment: Scenario): Scenario {
  if (fragment.region && fragment.region !== base.region) {
    throw new ScenarioError([
      `region: a seed cannot change the region (${base.region} → ${fragment.region})`,
    ]);
  }
  if (fragment.accountId && fragment.accountId !== base.accountId) {
    throw new ScenarioError([
      `accountId: a seed cannot change the account (${base.accountId} → ${fragment.accountId})`,
    ]);
  }
  if (fragment.regions) {
    throw new ScenarioError([
      'regions: a seed cannot add regions; declare them in the scenario the emulator starts with (seed a region through its own control: `emulator.region(name).seed(…)`)',
    ]);
  }
  const merged: Scenario = structuredClone(base);
  const add = structuredClone(fragment);
  if (add.replication) merged.replication = add.replication;
  if (add.settings) merged.settings = { ...merged.settings, ...add.settings };
  if (add.clusters) merged.clusters = [...new Set([...(merged.clusters ?? []), ...add.clusters])];
  if (add.taskDefinitions)
    merged.taskDefinitions = [...(merged.taskDefinitions ?? []), ...add.taskDefinitions];
  if (add.services) merged.services = [...(merged.services ?? []), ...add.services];
  if (add.behaviours)
    merged.behaviours = { ...add.behaviours, ...withoutKeys(merged.behaviours, add.behaviours) };
  if (add.trust) merged.trust = [...(merged.trust ?? []), ...add.trust];
  if (add.alarms) merged.alarms = [...new Set([...(merged.alarms ?? []), ...add.alarms])];
  if (add.logs) merged.logs = [...(merged.logs ?? []), ...add.logs];
  if (add.secrets) merged.secrets = [...new Set([...(merged.secrets ?? []), ...add.secrets])];
  if (add.placementFailures)
    merged.placementFailures = [...(merged.placementFailures ?? []), ...add.placementFailures];
  if (add.iam) merged.iam = mergeIam(merged.iam, add.iam);
  if (add.codedeploy) {
    const base = merged.codedeploy ?? {};
    merged.codedeploy = {
      applications: [...(base.applications ?? []), ...(add.codedeploy.applications ?? [])],
      deploymentGroups: [...(base.deploymentGroups ?? []), ...(add.codedeploy.deploymentGroups ?? [])],
      hooks: { ...add.codedeploy.hooks, ...withoutKeys(base.hooks, add.codedeploy.hooks ?? {}) },
    };
  }
  for (const repository of add.repositories ?? []) {
    merged.repositories ??= [];
    const existing = merged.repositories.find((r) => r.name === repository.name);
    if (!existing) {
      merged.repositories.push(repository);
      continue;
    }
    const { images, scanResults, ...settings } = repository;
    Object.assign(existing, settings);
    if (images) existing.images = [...(existing.images ?? []), ...images];
    if (scanResults) existing.scanResults = [...scanResults, ...(existing.scanResults ?? [])];
  }
  return merged;
}

function withoutKeys<T>(
  record: Record<string, T> | undefined,
  remove: Record<string, unknown>,
): Record<string, T> {
  const result: Record<string, T> = {};
  for (const [key, value] of Object.entries(record ?? {})) if (!(key in remove)) result[key] = value;
  return result;
}

/** `*` glob → RegExp (the only wildcard scenarios, trust subjects and ECR filters use). */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

export function globMatch(glob: string, text: string): boolean {
  return globToRegExp(glob).test(text);
}
