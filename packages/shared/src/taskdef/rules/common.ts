import { ECS_NAME } from '../../names.js';
import { placeholderNames } from '../placeholders.js';
import { containerProblem, type Problem } from '../problem.js';
import { isJsonObject, type JsonObject } from '../read.js';

/**
 * What the rules share about one definition, computed once per definition
 * (a rule stays `(definition) => Problem[]` and can be tested alone).
 */
export interface ContainerEntry {
  container: JsonObject;
  index: number;
  /** The name when it follows ECS's naming rule, else `#index`: a bad name is quoted only in its own error. */
  label: string;
}

export interface RuleContext {
  /** The container objects (non-objects are reported by their own rule). */
  containers: ContainerEntry[];
  /** Every container's name (`#index` for a container without one), in order. */
  names: string[];
  /** The named containers as a readable list. */
  nameList: string;
  volumeNames: Set<string>;
  fargate: boolean;
  networkMode: unknown;
  /** True when the task has a `memory` of its own. */
  taskMemory: boolean;
}

/**
 * The context is computed once per validation run (`withRuleContext`), and
 * afresh on every call outside one: a definition edited between two runs
 * never meets a stale context.
 */
let current: { definition: JsonObject; context: RuleContext } | undefined;

export function withRuleContext<T>(definition: JsonObject, run: () => T): T {
  current = { definition, context: computeContext(definition) };
  try {
    return run();
  } finally {
    current = undefined;
  }
}

export function contextOf(definition: JsonObject): RuleContext {
  return current?.definition === definition ? current.context : computeContext(definition);
}

function computeContext(definition: JsonObject): RuleContext {
  const list = Array.isArray(definition.containerDefinitions) ? definition.containerDefinitions : [];
  const names = list.map((container, index) =>
    isJsonObject(container) && typeof container.name === 'string' ? container.name : `#${index}`,
  );
  const containers: ContainerEntry[] = [];
  list.forEach((container, index) => {
    if (!isJsonObject(container)) return;
    const label =
      typeof container.name === 'string' && ECS_NAME.test(container.name) ? container.name : `#${index}`;
    containers.push({ container, index, label });
  });
  const volumes = Array.isArray(definition.volumes) ? definition.volumes : [];
  const context: RuleContext = {
    containers,
    names,
    nameList: listOf(
      names.filter((name) => !name.startsWith('#')),
      'and',
    ),
    volumeNames: new Set(
      volumes
        .filter(isJsonObject)
        .map((volume) => volume.name)
        .filter((name): name is string => typeof name === 'string'),
    ),
    networkMode: definition.networkMode,
    taskMemory: definition.memory !== undefined && definition.memory !== '',
    fargate:
      Array.isArray(definition.requiresCompatibilities) &&
      definition.requiresCompatibilities.includes('FARGATE'),
  };
  return context;
}

/** `a`, `b` or `c` */
export function listOf(items: readonly (string | number)[], last = 'or'): string {
  const shown = items.map((item) => `\`${item}\``);
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} ${last} ${shown[shown.length - 1]}`;
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (isJsonObject(value)) return 'an object';
  return String(value);
}

/** `; it still holds the placeholder `${X}`: give it a value with `vars` (`X=…`)` when the value has one. */
export function placeholderHint(value: unknown): string {
  const names = typeof value === 'string' ? placeholderNames(value) : [];
  if (names.length === 0) return '';
  return `; it still holds the placeholder ${names.map((name) => `\`\${${name}}\``).join(', ')}: give it a value with \`vars\` (${names.map((name) => `\`${name}=…\``).join(', ')})`;
}

/** A rule over each container object, its problems labelled with the container. */
export function eachContainer(
  check: (entry: ContainerEntry, context: RuleContext, report: ContainerReport) => void,
): (definition: JsonObject) => Problem[] {
  return (definition) => {
    const context = contextOf(definition);
    const problems: Problem[] = [];
    for (const entry of context.containers) {
      check(entry, context, {
        error: (message) => problems.push(containerProblem(entry.label, message)),
        warning: (message) =>
          problems.push({ ...containerProblem(entry.label, message), severity: 'warning' }),
        raw: (problem) => problems.push(problem),
      });
    }
    return problems;
  };
}

export interface ContainerReport {
  error(message: string): void;
  warning(message: string): void;
  /** A problem worded on its own (it cannot be labelled with the container). */
  raw(problem: Problem): void;
}

/** Checks each object of a container's list field; a field that is not a list of objects is one error. */
export function checkList(
  container: JsonObject,
  field: string,
  error: (message: string) => void,
  check: (entry: JsonObject, path: string) => void,
): void {
  const value = container[field];
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    error(`\`${field}\` must be a list, got ${describeValue(value)}.`);
    return;
  }
  value.forEach((entry, index) => {
    const path = `${field}[${index}]`;
    if (!isJsonObject(entry)) {
      error(`\`${path}\` must be an object, got ${describeValue(entry)}.`);
      return;
    }
    check(entry, path);
  });
}
