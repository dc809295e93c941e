/**
 * What RegisterTaskDefinition accepts, what DescribeTaskDefinition adds, and
 * a canonical form for asking "is this the same task definition?".
 * Field lists follow the ECS API model (@aws-sdk/client-ecs).
 */

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fields DescribeTaskDefinition returns that RegisterTaskDefinition rejects. */
export const READ_ONLY_TASK_DEFINITION_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
] as const;

/**
 * The jq filter that turns `aws ecs describe-task-definition --query taskDefinition`
 * output into `register-task-definition --cli-input-json` input: one `del()` of
 * every read-only field, generated so the printed hint cannot drift from the list.
 */
export function readOnlyFieldsJqFilter(): string {
  return `del(${READ_ONLY_TASK_DEFINITION_FIELDS.map((field) => `.${field}`).join(', ')})`;
}

/** Top-level members of RegisterTaskDefinitionRequest. */
export const TASK_DEFINITION_KEYS = [
  'family',
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'containerDefinitions',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'tags',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
] as const;

/** Members of ContainerDefinition. */
export const CONTAINER_DEFINITION_KEYS = [
  'name',
  'image',
  'repositoryCredentials',
  'cpu',
  'memory',
  'memoryReservation',
  'links',
  'portMappings',
  'essential',
  'restartPolicy',
  'entryPoint',
  'command',
  'environment',
  'environmentFiles',
  'mountPoints',
  'volumesFrom',
  'linuxParameters',
  'secrets',
  'dependsOn',
  'startTimeout',
  'stopTimeout',
  'versionConsistency',
  'hostname',
  'user',
  'workingDirectory',
  'disableNetworking',
  'privileged',
  'readonlyRootFilesystem',
  'dnsServers',
  'dnsSearchDomains',
  'extraHosts',
  'dockerSecurityOptions',
  'interactive',
  'pseudoTerminal',
  'dockerLabels',
  'ulimits',
  'logConfiguration',
  'healthCheck',
  'systemControls',
  'resourceRequirements',
  'firelensConfiguration',
  'credentialSpecs',
] as const;

export interface StripResult {
  definition: JsonObject;
  /** The read-only fields that were present and removed, in list order. */
  removed: string[];
}

/** A copy without the read-only fields DescribeTaskDefinition adds. */
export function stripReadOnlyFields(definition: JsonObject): StripResult {
  const removed = READ_ONLY_TASK_DEFINITION_FIELDS.filter((field) => field in definition);
  const copy: JsonObject = {};
  for (const [key, value] of Object.entries(definition)) {
    if (!(READ_ONLY_TASK_DEFINITION_FIELDS as readonly string[]).includes(key)) copy[key] = value;
  }
  return { definition: copy, removed: [...removed] };
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[rows - 1][cols - 1];
}

/**
 * The known key closest to `key` when it is plausibly a typo: compared
 * case-insensitively, within 1 edit for keys up to 4 characters, 2 up to 12, else 3
 * (typos are a letter or two; `logConfiguration` is not `proxyConfiguration`).
 */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = key.length <= 4 ? 1 : key.length <= 12 ? 2 : 3;
  return bestDistance <= allowed ? best : undefined;
}

/** CPU units of a task-level `cpu` value (`1024`, `"1024"`, `"1 vCPU"`, `"0.25 vcpu"`); undefined if unreadable. */
export function cpuUnits(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const vcpu = /^(\d+(?:\.\d+)?)\s*vcpus?$/i.exec(text);
  if (vcpu) {
    const units = Number(vcpu[1]) * 1024;
    return Number.isInteger(units) ? units : undefined;
  }
  return undefined;
}

/** MiB of a task-level `memory` value (`2048`, `"2048"`, `"2 GB"`, `"0.5GB"`); undefined if unreadable. */
export function memoryMiB(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const gb = /^(\d+(?:\.\d+)?)\s*gb$/i.exec(text);
  if (gb) {
    const mib = Number(gb[1]) * 1024;
    return Number.isInteger(mib) ? mib : undefined;
  }
  return undefined;
}

function isEmpty(value: unknown): boolean {
  return (
    value === null ||
    value === undefined ||
    (Array.isArray(value) && value.length === 0) ||
    (isObject(value) && Object.keys(value).length === 0)
  );
}

function sortByKey<T>(items: T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function canonicalValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalValue).filter((item) => !isEmpty(item));
  if (!isObject(value)) return value;
  const result: JsonObject = {};
  for (const key of Object.keys(value).sort()) {
    const item = canonicalValue(value[key]);
    if (!isEmpty(item)) result[key] = item;
  }
  return result;
}

const nameOf = (item: unknown): string =>
  isObject(item) ? String(item.name ?? item.key ?? '') : String(item);

function canonicalContainer(container: unknown, networkMode: unknown): unknown {
  if (!isObject(container)) return container;
  const copy: JsonObject = { ...container };
  if (copy.essential === true) delete copy.essential;
  if (copy.cpu === 0) delete copy.cpu;
  for (const list of ['environment', 'secrets']) {
    if (Array.isArray(copy[list])) copy[list] = sortByKey(copy[list] as unknown[], nameOf);
  }
  if (Array.isArray(copy.portMappings)) {
    copy.portMappings = (copy.portMappings as unknown[]).map((mapping) => {
      if (!isObject(mapping)) return mapping;
      const port: JsonObject = { ...mapping };
      if (port.protocol === 'tcp') delete port.protocol;
      if ((networkMode === 'awsvpc' || networkMode === 'host') && port.hostPort === port.containerPort) {
        delete port.hostPort;
      }
      return port;
    });
  }
  return copy;
}

/**
 * A canonical form of a task definition for comparison: read-only fields,
 * nulls, empty lists and empty objects dropped; keys sorted; containers,
 * environment, secrets, tags and compatibilities sorted; `cpu`/`memory` as
 * plain numbers in strings ("1 vCPU" → "1024"); and the values ECS fills in
 * on registration treated as absent (`essential: true`, container `cpu: 0`,
 * port `protocol: "tcp"`, `hostPort` equal to `containerPort` in awsvpc/host
 * mode). Two definitions with equal canonical forms register the same task.
 */
export function canonicalTaskDefinition(definition: JsonObject): JsonObject {
  const { definition: stripped } = stripReadOnlyFields(definition);
  const copy: JsonObject = { ...stripped };
  const cpu = cpuUnits(copy.cpu);
  if (cpu !== undefined) copy.cpu = String(cpu);
  const memory = memoryMiB(copy.memory);
  if (memory !== undefined) copy.memory = String(memory);
  if (Array.isArray(copy.containerDefinitions)) {
    copy.containerDefinitions = sortByKey(
      copy.containerDefinitions.map((container) => canonicalContainer(container, copy.networkMode)),
      nameOf,
    );
  }
  if (Array.isArray(copy.tags)) copy.tags = sortByKey(copy.tags as unknown[], nameOf);
  if (Array.isArray(copy.requiresCompatibilities)) {
    copy.requiresCompatibilities = [...(copy.requiresCompatibilities as unknown[])].map(String).sort();
  }
  return canonicalValue(copy) as JsonObject;
}

function collectDifferences(a: unknown, b: unknown, path: string, out: string[], limit: number): void {
  if (out.length >= limit) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(`${path || '(root)'}: ${a.length} items vs ${b.length}`);
      return;
    }
    a.forEach((item, index) => {
      collectDifferences(item, b[index], `${path}[${index}]`, out, limit);
    });
    return;
  }
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      collectDifferences(a[key], b[key], path ? `${path}.${key}` : key, out, limit);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(path || '(root)');
}

/**
 * Where two task definitions differ once both are canonical (paths into the
 * canonical form, e.g. `containerDefinitions[0].image`); empty when they
 * would register the same task. At most `limit` paths.
 */
export function taskDefinitionDifferences(a: JsonObject, b: JsonObject, limit = 20): string[] {
  const out: string[] = [];
  collectDifferences(canonicalTaskDefinition(a), canonicalTaskDefinition(b), '', out, limit);
  return out;
}

/** True when the two definitions differ only in read-only fields, key order and ECS defaults. */
export function sameTaskDefinition(a: JsonObject, b: JsonObject): boolean {
  return taskDefinitionDifferences(a, b, 1).length === 0;
}
