import { ConfigurationError } from '../errors.js';
import { quoteValue } from '../names.js';
import { CONTAINER_DEFINITION_KEYS, nearestKey, TASK_DEFINITION_KEYS } from './fields.js';

/**
 * The shape of a task definition, checked before anything reads it field by
 * field: every problem names the input and the JSON path
 * (`task-definition: containerDefinitions[0].portMappings must be a list`),
 * an unknown key's "did you mean" comes before the errors it causes, and keys
 * that would rewrite an object's prototype are refused rather than dropped.
 *
 * The expected types are the member types of RegisterTaskDefinition and
 * ContainerDefinition in the ECS API reference
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html).
 * `cpu`/`memory` are left to the size rules, which accept the console's "1 vCPU" / "2 GB".
 */

type Shape =
  | 'string'
  | 'boolean'
  | 'integer'
  | 'object'
  | 'list of strings'
  | 'list of objects'
  | 'map of strings';

/** Top-level members of RegisterTaskDefinitionRequest and their API types. */
export const TASK_DEFINITION_SHAPES: Readonly<Record<string, Shape>> = {
  family: 'string',
  taskRoleArn: 'string',
  executionRoleArn: 'string',
  networkMode: 'string',
  containerDefinitions: 'list of objects',
  volumes: 'list of objects',
  placementConstraints: 'list of objects',
  requiresCompatibilities: 'list of strings',
  tags: 'list of objects',
  pidMode: 'string',
  ipcMode: 'string',
  proxyConfiguration: 'object',
  inferenceAccelerators: 'list of objects',
  ephemeralStorage: 'object',
  runtimePlatform: 'object',
  enableFaultInjection: 'boolean',
};

/** Members of ContainerDefinition and their API types (integers left to the integer rules). */
export const CONTAINER_DEFINITION_SHAPES: Readonly<Record<string, Shape>> = {
  name: 'string',
  image: 'string',
  repositoryCredentials: 'object',
  links: 'list of strings',
  portMappings: 'list of objects',
  essential: 'boolean',
  restartPolicy: 'object',
  entryPoint: 'list of strings',
  command: 'list of strings',
  environment: 'list of objects',
  environmentFiles: 'list of objects',
  mountPoints: 'list of objects',
  volumesFrom: 'list of objects',
  linuxParameters: 'object',
  secrets: 'list of objects',
  dependsOn: 'list of objects',
  versionConsistency: 'string',
  hostname: 'string',
  user: 'string',
  workingDirectory: 'string',
  disableNetworking: 'boolean',
  privileged: 'boolean',
  readonlyRootFilesystem: 'boolean',
  dnsServers: 'list of strings',
  dnsSearchDomains: 'list of strings',
  extraHosts: 'list of objects',
  dockerSecurityOptions: 'list of strings',
  interactive: 'boolean',
  pseudoTerminal: 'boolean',
  dockerLabels: 'map of strings',
  ulimits: 'list of objects',
  logConfiguration: 'object',
  healthCheck: 'object',
  systemControls: 'list of objects',
  resourceRequirements: 'list of objects',
  firelensConfiguration: 'object',
  credentialSpecs: 'list of strings',
};

/**
 * ECS's limit on a task definition: "Task definition size: 64 KiB" (not
 * adjustable), https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html.
 * Measured as the compact JSON of the RegisterTaskDefinition request.
 */
export const MAX_TASK_DEFINITION_BYTES = 64 * 1024;

/** Keys that name or replace an object's prototype when assigned: never data in a task definition. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isObject(value)) return 'an object';
  if (typeof value === 'string') return `the string ${quoteValue(value)}`;
  return `${typeof value === 'number' ? 'the number' : typeof value === 'boolean' ? 'the boolean' : 'a'} ${String(value)}`;
}

function shapeProblem(shape: Shape, value: unknown, path: string): string | undefined {
  const bad = (expected: string, detail = kindOf(value)) => `${path} must be ${expected}, got ${detail}`;
  switch (shape) {
    case 'string':
      return typeof value === 'string' ? undefined : bad('a string');
    case 'boolean':
      return typeof value === 'boolean' ? undefined : bad('`true` or `false`');
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : bad('a whole number');
    case 'object':
      return isObject(value) ? undefined : bad('an object');
    case 'list of strings': {
      if (!Array.isArray(value)) return bad('an array (a list of strings)');
      const index = value.findIndex((item) => typeof item !== 'string');
      return index < 0 ? undefined : `${path}[${index}] must be a string, got ${kindOf(value[index])}`;
    }
    case 'list of objects': {
      if (!Array.isArray(value)) return bad('an array');
      const index = value.findIndex((item) => !isObject(item));
      return index < 0 ? undefined : `${path}[${index}] must be an object, got ${kindOf(value[index])}`;
    }
    case 'map of strings': {
      if (!isObject(value)) return bad('an object of string values');
      const key = Object.keys(value).find((k) => typeof value[k] !== 'string');
      return key === undefined ? undefined : `${path}.${key} must be a string, got ${kindOf(value[key])}`;
    }
  }
}

/** JSON paths (`containerDefinitions[0].environment`) of every prototype key in `value`. */
export function prototypeKeyPaths(value: unknown, path = ''): string[] {
  const found: string[] = [];
  const walk = (node: unknown, at: string, depth: number) => {
    if (depth > 64) return;
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        walk(item, `${at}[${index}]`, depth + 1);
      });
      return;
    }
    if (!isObject(node)) return;
    for (const key of Object.keys(node)) {
      const next = at ? `${at}.${key}` : key;
      if ((PROTOTYPE_KEYS as readonly string[]).includes(key)) found.push(next);
      else walk(node[key], next, depth + 1);
    }
  };
  walk(value, path, 0);
  return found;
}

export interface StructureReport {
  /** Unknown keys with the known key they resemble, in document order: shown first. */
  suggestions: string[];
  /** Problems that stop the definition from being read at all. */
  errors: string[];
}

/** The shape problems of a task definition, without throwing. */
export function taskDefinitionStructure(definition: Record<string, unknown>): StructureReport {
  const suggestions: string[] = [];
  const errors: string[] = [];
  const suggest = (key: string, at: string, known: readonly string[], present: Record<string, unknown>) => {
    const near = nearestKey(key, known);
    if (near && !(near in present)) suggestions.push(`unknown key \`${at}\`; did you mean \`${near}\`?`);
  };
  for (const path of prototypeKeyPaths(definition)) {
    errors.push(
      `\`${path}\` is not allowed: \`__proto__\`, \`constructor\` and \`prototype\` are not task definition fields (and would change how the file is read)`,
    );
  }
  for (const key of Object.keys(definition)) {
    if (!(TASK_DEFINITION_KEYS as readonly string[]).includes(key)) {
      if (!(CONTAINER_DEFINITION_KEYS as readonly string[]).includes(key)) {
        suggest(key, key, TASK_DEFINITION_KEYS, definition);
      }
      continue;
    }
    const shape = TASK_DEFINITION_SHAPES[key];
    const problem =
      shape && definition[key] !== undefined ? shapeProblem(shape, definition[key], key) : undefined;
    if (problem) errors.push(problem);
  }
  if (definition.containerDefinitions === undefined) {
    errors.push('`containerDefinitions` is missing; a task definition needs at least one container');
  }
  const containers = Array.isArray(definition.containerDefinitions) ? definition.containerDefinitions : [];
  containers.forEach((container, index) => {
    if (!isObject(container)) return;
    for (const key of Object.keys(container)) {
      const at = `containerDefinitions[${index}].${key}`;
      if (!(CONTAINER_DEFINITION_KEYS as readonly string[]).includes(key)) {
        suggest(key, at, CONTAINER_DEFINITION_KEYS, container);
        continue;
      }
      const shape = CONTAINER_DEFINITION_SHAPES[key];
      const problem =
        shape && container[key] !== undefined ? shapeProblem(shape, container[key], at) : undefined;
      if (problem) errors.push(problem);
    }
  });
  return { suggestions, errors: errors.map((e) => e.replace(/^([A-Za-z][\w.[\]]*) must/, '`$1` must')) };
}

/**
 * Throws one ConfigurationError listing, for `inputName`, the "did you mean"
 * of unknown keys first and then every shape error, when there is any error.
 * Unknown keys alone do not throw: the caller decides what they mean.
 */
export function checkTaskDefinitionStructure(definition: Record<string, unknown>, inputName: string): void {
  const { suggestions, errors } = taskDefinitionStructure(definition);
  if (errors.length === 0) return;
  const lines = [...suggestions, ...errors].map(
    (problem) => `Input \`${inputName}\`: ${problem}${problem.endsWith('?') ? '' : '.'}`,
  );
  throw new ConfigurationError(lines.join('\n'));
}
