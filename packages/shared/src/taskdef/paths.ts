import { isJsonObject, type JsonObject } from './json.js';

/** `a.b[0]["c.d"]` style path from keys and indexes, as problems and notes name a place in the file. */
export function jsonPath(segments: readonly (string | number)[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/**
 * Integer members of a container definition, as paths below the container
 * (`*` = every list item): the Integer-typed members of ContainerDefinition,
 * PortMapping, HealthCheck, Ulimit, LinuxParameters, Tmpfs and
 * ContainerRestartPolicy in the ECS API reference
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html).
 */
export const CONTAINER_INTEGER_FIELDS = [
  'cpu',
  'memory',
  'memoryReservation',
  'startTimeout',
  'stopTimeout',
  'portMappings.*.containerPort',
  'portMappings.*.hostPort',
  'healthCheck.interval',
  'healthCheck.timeout',
  'healthCheck.retries',
  'healthCheck.startPeriod',
  'ulimits.*.softLimit',
  'ulimits.*.hardLimit',
  'linuxParameters.sharedMemorySize',
  'linuxParameters.maxSwap',
  'linuxParameters.swappiness',
  'linuxParameters.tmpfs.*.size',
  'restartPolicy.restartAttemptPeriod',
] as const;

/** Visits the values at a dotted path with `*` for list items; `visit(value, path, set)`. */
export function visitPath(
  root: JsonObject,
  pattern: string,
  visit: (value: unknown, path: string, set: (next: unknown) => void) => void,
): void {
  const walk = (node: unknown, parts: string[], path: string): void => {
    const [head, ...rest] = parts;
    if (head === '*') {
      if (!Array.isArray(node)) return;
      node.forEach((item, index) => {
        if (rest.length === 0) {
          visit(item, `${path}[${index}]`, (next) => {
            node[index] = next;
          });
        } else {
          walk(item, rest, `${path}[${index}]`);
        }
      });
      return;
    }
    if (!isJsonObject(node) || !(head in node)) return;
    const next = path === '' ? head : `${path}.${head}`;
    if (rest.length === 0) {
      visit(node[head], next, (value) => {
        node[head] = value;
      });
    } else {
      walk(node[head], rest, next);
    }
  };
  walk(root, pattern.split('.'), '');
}

/** Every string value with its path, in document order (keys are never values). */
export function stringValues(
  value: unknown,
  path: (string | number)[] = [],
): { path: string; value: string }[] {
  if (typeof value === 'string') return [{ path: jsonPath(path), value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringValues(item, [...path, index]));
  if (isJsonObject(value))
    return Object.entries(value).flatMap(([key, item]) => stringValues(item, [...path, key]));
  return [];
}
