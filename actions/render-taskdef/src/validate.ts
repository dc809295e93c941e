import {
  CONTAINER_DEFINITION_KEYS,
  cpuUnits,
  InvalidImageReferenceError,
  isJsonObject,
  type JsonObject,
  MAX_TASK_DEFINITION_BYTES,
  memoryMiB,
  nearestKey,
  parseImageReference,
  quoteValue,
  TASK_DEFINITION_KEYS,
} from '@berth/shared';

/**
 * Checks a rendered task definition before anything registers it. Each
 * problem names the container and the field and says how to fix it; all of
 * them are collected so one run reports everything.
 */

export interface Problem {
  /** The container the problem is in; undefined for task-level problems. */
  container?: string;
  message: string;
}

export interface ValidationResult {
  errors: Problem[];
  warnings: Problem[];
}

export { MAX_TASK_DEFINITION_BYTES } from '@berth/shared';

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
}

/** Fargate task sizes: CPU units → the memory values (MiB) allowed with it (AWS's current table). */
export const FARGATE_TASK_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
]);

/**
 * Container health check bounds from the ECS API reference (HealthCheck).
 * `timeout` is 2–60 there (the issue text said 120, which is `startTimeout`'s
 * Fargate bound); Berth follows the API so a value it accepts registers.
 */
export const HEALTH_CHECK_BOUNDS = {
  interval: [5, 300],
  timeout: [2, 60],
  retries: [1, 10],
  startPeriod: [0, 300],
} as const;

export const DEPENDS_ON_CONDITIONS = ['START', 'COMPLETE', 'SUCCESS', 'HEALTHY'] as const;

const KNOWN_VALUES: Record<string, readonly string[]> = {
  networkMode: ['awsvpc', 'bridge', 'host', 'none'],
  pidMode: ['host', 'task'],
  ipcMode: ['host', 'task', 'none'],
};

const FAMILY_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const S3_OBJECT_ARN = /^arn:aws[a-z-]*:s3:::[^/]+\/.+/;

/** Integer fields of a container definition, as paths below the container (`*` = every list item). */
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

const list = (items: readonly (string | number)[], last = 'or'): string => {
  const shown = items.map((item) => `\`${item}\``);
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} ${last} ${shown[shown.length - 1]}`;
};

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (isJsonObject(value)) return 'an object';
  return String(value);
}

function fargateMemoryText(memories: readonly number[]): string {
  if (memories.length <= 4) return list(memories);
  const step = memories[1] - memories[0];
  return `${memories[0]} to ${memories[memories.length - 1]} in steps of ${step}`;
}

/** The Fargate cpu/memory check alone (also used by tests as a table). */
export function checkFargateSize(cpu: unknown, memory: unknown): string | undefined {
  if (cpu === undefined || memory === undefined || cpu === '' || memory === '') {
    const missing = [
      cpu === undefined || cpu === '' ? '`cpu`' : '',
      memory === undefined || memory === '' ? '`memory`' : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return `Fargate needs task-level ${missing}; add for example \`"cpu": "256", "memory": "512"\` (or set the \`cpu\` and \`memory\` inputs).`;
  }
  const units = cpuUnits(cpu);
  const mib = memoryMiB(memory);
  if (units === undefined)
    return `\`cpu\` ${describeValue(cpu)} is not a CPU size; write CPU units such as "1024" or "1 vCPU".`;
  if (mib === undefined)
    return `\`memory\` ${describeValue(memory)} is not a memory size; write MiB such as "2048" or "2 GB".`;
  const memories = FARGATE_TASK_SIZES.get(units);
  if (!memories) {
    return `\`cpu\` ${units} is not a Fargate task size; Fargate accepts ${list([...FARGATE_TASK_SIZES.keys()])} CPU units (0.25 to 16 vCPU).`;
  }
  if (!memories.includes(mib)) {
    return `\`cpu\` ${units} with \`memory\` ${mib} is not a Fargate task size; with ${units} CPU units Fargate accepts \`memory\` ${fargateMemoryText(memories)} (MiB).`;
  }
  return undefined;
}

/** Checks the rendered definition; never throws. */
export function validateTaskDefinition(definition: JsonObject): ValidationResult {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const taskError = (message: string) => errors.push({ message });
  const taskWarning = (message: string) => warnings.push({ message });

  for (const key of Object.keys(definition)) {
    if ((TASK_DEFINITION_KEYS as readonly string[]).includes(key)) continue;
    const inContainer = (CONTAINER_DEFINITION_KEYS as readonly string[]).includes(key);
    const suggestion = inContainer ? undefined : nearestKey(key, TASK_DEFINITION_KEYS);
    taskWarning(
      `Unknown top-level key \`${key}\`${
        inContainer
          ? '; it belongs inside a container definition.'
          : suggestion
            ? `; did you mean \`${suggestion}\`?`
            : '.'
      } RegisterTaskDefinition does not know it, so it will not take effect.`,
    );
  }

  const family = definition.family;
  if (family === undefined)
    taskError('`family` is missing; name the task definition family, e.g. `"family": "shop-web"`.');
  else if (typeof family !== 'string' || family === '') {
    taskError(
      `\`family\` is ${family === '' ? 'empty' : describeValue(family)}; name the task definition family, e.g. \`"family": "shop-web"\`.`,
    );
  } else if (!FAMILY_NAME.test(family)) {
    const placeholder = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(family)?.[1];
    taskError(
      `\`family\` ${JSON.stringify(family)} may only contain letters, digits, \`-\` and \`_\` (at most 255)${
        placeholder
          ? `; it still contains the placeholder \`\${${placeholder}}\`: give it a value with \`vars\` (\`${placeholder}=…\`)`
          : ''
      }.`,
    );
  }

  for (const field of ['networkMode', 'pidMode', 'ipcMode'] as const) {
    const value = definition[field];
    if (value === undefined) continue;
    const known = KNOWN_VALUES[field];
    if (typeof value !== 'string' || value === '') {
      taskError(
        `\`${field}\` is ${value === '' ? 'an empty string' : describeValue(value)}, which RegisterTaskDefinition rejects; remove it or set ${list(known)}.`,
      );
    } else if (!known.includes(value)) {
      taskWarning(`\`${field}\` ${JSON.stringify(value)} is not one of ${list(known)}.`);
    }
  }

  for (const field of ['cpu', 'memory'] as const) {
    const value = definition[field];
    if (value === undefined || value === '') continue;
    if ((field === 'cpu' ? cpuUnits(value) : memoryMiB(value)) === undefined) {
      taskError(
        field === 'cpu'
          ? `\`cpu\` ${describeValue(value)} is not a CPU size; write CPU units such as "1024" or "1 vCPU".`
          : `\`memory\` ${describeValue(value)} is not a memory size; write MiB such as "2048" or "2 GB".`,
      );
    }
  }

  const compatibilities = Array.isArray(definition.requiresCompatibilities)
    ? definition.requiresCompatibilities
    : [];
  const fargate = compatibilities.includes('FARGATE');
  const networkMode = definition.networkMode;
  if (fargate) {
    const sizeProblem = checkFargateSize(definition.cpu, definition.memory);
    if (sizeProblem) taskError(sizeProblem);
    if (
      networkMode !== undefined &&
      networkMode !== 'awsvpc' &&
      typeof networkMode === 'string' &&
      networkMode !== ''
    ) {
      taskError(
        `\`networkMode\` is ${JSON.stringify(networkMode)}, but Fargate runs only \`awsvpc\`; set \`"networkMode": "awsvpc"\`.`,
      );
    } else if (networkMode === undefined) {
      taskError(
        'Fargate needs `"networkMode": "awsvpc"` (without it ECS uses `bridge`, which Fargate rejects).',
      );
    }
    const os = isJsonObject(definition.runtimePlatform)
      ? definition.runtimePlatform.operatingSystemFamily
      : undefined;
    const units = cpuUnits(definition.cpu);
    if (typeof os === 'string' && os.startsWith('WINDOWS') && units !== undefined && units < 1024) {
      taskError(`\`cpu\` ${units} is too small for Windows on Fargate, which needs at least 1024 (1 vCPU).`);
    }
    const storage = isJsonObject(definition.ephemeralStorage)
      ? definition.ephemeralStorage.sizeInGiB
      : undefined;
    if (storage !== undefined && (typeof storage !== 'number' || storage < 21 || storage > 200)) {
      taskError(
        `\`ephemeralStorage.sizeInGiB\` is ${describeValue(storage)}; Fargate accepts 21 to 200 (GiB).`,
      );
    }
  }

  const volumes = Array.isArray(definition.volumes) ? definition.volumes : [];
  const volumeNames = new Set(
    volumes
      .filter(isJsonObject)
      .map((volume) => volume.name)
      .filter((name) => typeof name === 'string'),
  );

  const containers = definition.containerDefinitions;
  if (containers === undefined) {
    taskError('`containerDefinitions` is missing; a task definition needs at least one container.');
    return { errors, warnings };
  }
  if (!Array.isArray(containers)) {
    taskError(`\`containerDefinitions\` must be a list of containers, got ${describeValue(containers)}.`);
    return { errors, warnings };
  }
  if (containers.length === 0) {
    taskError('`containerDefinitions` is empty; a task definition needs at least one container.');
    return { errors, warnings };
  }

  const names: string[] = [];
  containers.forEach((container, index) => {
    names.push(isJsonObject(container) && typeof container.name === 'string' ? container.name : `#${index}`);
  });
  const nameList = list(
    names.filter((name) => !name.startsWith('#')),
    'and',
  );
  const seen = new Map<string, number[]>();
  names.forEach((name, index) => {
    seen.set(name, [...(seen.get(name) ?? []), index]);
  });
  for (const [name, indexes] of seen) {
    if (indexes.length > 1 && !name.startsWith('#')) {
      taskError(
        `Container name \`${name}\` is used ${indexes.length} times (${indexes.map((i) => `containerDefinitions[${i}]`).join(', ')}); container names must be unique.`,
      );
    }
  }

  const taskMemory = definition.memory !== undefined && definition.memory !== '';
  let essentialCount = 0;
  containers.forEach((container, index) => {
    if (!isJsonObject(container)) {
      taskError(`\`containerDefinitions[${index}]\` must be an object, got ${describeValue(container)}.`);
      return;
    }
    // A name that breaks the naming rule is shown quoted in its own error, never as the label of others.
    const label =
      typeof container.name === 'string' && CONTAINER_NAME.test(container.name)
        ? container.name
        : `#${index}`;
    const error = (message: string) =>
      errors.push({ container: label, message: `Container \`${label}\`: ${message}` });
    const warn = (message: string) =>
      warnings.push({ container: label, message: `Container \`${label}\`: ${message}` });

    if (typeof container.name !== 'string' || container.name === '') {
      errors.push({
        container: label,
        message: `\`containerDefinitions[${index}]\` has no \`name\`; every container needs a unique name.`,
      });
    } else if (!CONTAINER_NAME.test(container.name)) {
      error(
        `the name ${quoteValue(container.name)} may only contain letters, digits, \`-\` and \`_\` (at most 255).`,
      );
    }

    for (const key of Object.keys(container)) {
      if ((CONTAINER_DEFINITION_KEYS as readonly string[]).includes(key)) continue;
      const suggestion = nearestKey(key, CONTAINER_DEFINITION_KEYS);
      warn(
        `unknown key \`${key}\`${suggestion ? `; did you mean \`${suggestion}\`?` : '.'} It will not take effect.`,
      );
    }

    const image = container.image;
    if (image === undefined || image === '') {
      error(
        `\`image\` is ${image === '' ? 'empty' : 'missing'}; give it one with the \`images\` input (\`${label}=registry/repository:tag\`) or \`image\` with \`container-name: ${label}\`.`,
      );
    } else if (typeof image !== 'string') {
      error(`\`image\` must be a string, got ${describeValue(image)}.`);
    } else {
      try {
        parseImageReference(image);
      } catch (cause) {
        if (!(cause instanceof InvalidImageReferenceError)) throw cause;
        error(
          `\`image\` ${JSON.stringify(image)} is not a valid image reference: ${cause.reason}. Set the image with the \`images\` input (\`${label}=registry/repository:tag\`)${cause.reason.includes('placeholder') ? ' or fill the placeholder' : ''}.`,
        );
      }
    }

    if (container.essential === undefined || container.essential === true) essentialCount++;
    else if (container.essential !== false)
      error(`\`essential\` must be true or false, got ${describeValue(container.essential)}.`);

    for (const pattern of CONTAINER_INTEGER_FIELDS) {
      visitPath(container, pattern, (value, path) => {
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          error(`\`${path}\` must be a whole number, got ${describeValue(value)}.`);
        }
      });
    }

    if (!taskMemory && container.memory === undefined && container.memoryReservation === undefined) {
      error(
        'set `memory` or `memoryReservation` (MiB): without a task-level `memory`, ECS requires one of them on every container.',
      );
    }

    checkList(container, 'environment', error, (entry, path) => {
      if (typeof entry.name !== 'string' || entry.name === '')
        error(`\`${path}.name\` must be a non-empty string.`);
      if ('valueFrom' in entry) {
        error(
          `\`${path}\` (\`${String(entry.name)}\`) has \`valueFrom\`, which environment variables do not support; move it to \`secrets\` (Secrets Manager or SSM), or load an S3 file with \`environmentFiles\`.`,
        );
      } else if (entry.value !== undefined && typeof entry.value !== 'string') {
        error(`\`${path}.value\` must be a string, got ${describeValue(entry.value)}.`);
      }
    });
    const envNames = new Map<string, number>();
    if (Array.isArray(container.environment)) {
      for (const entry of container.environment) {
        if (isJsonObject(entry) && typeof entry.name === 'string')
          envNames.set(entry.name, (envNames.get(entry.name) ?? 0) + 1);
      }
    }
    for (const [name, count] of envNames) {
      if (count > 1) warn(`environment variable \`${name}\` is set ${count} times; keep one.`);
    }

    checkList(container, 'secrets', error, (entry, path) => {
      if (typeof entry.name !== 'string' || entry.name === '')
        error(`\`${path}.name\` must be a non-empty string.`);
      if (typeof entry.valueFrom !== 'string' || entry.valueFrom === '') {
        error(`\`${path}.valueFrom\` must be the ARN or name of a Secrets Manager secret or SSM parameter.`);
      }
      if (typeof entry.name === 'string' && entry.name !== '' && envNames.has(entry.name)) {
        error(`\`${entry.name}\` is both an environment variable and a secret; keep one of them.`);
      }
    });

    checkList(container, 'environmentFiles', error, (entry, path) => {
      const value = entry.value;
      if (typeof value !== 'string' || !S3_OBJECT_ARN.test(value)) {
        const s3Uri = typeof value === 'string' ? /^s3:\/\/([^/]+)\/(.+)$/.exec(value) : null;
        error(
          `\`${path}.value\` must be the ARN of an S3 object, got ${describeValue(value)}${
            s3Uri
              ? `; write it as \`arn:aws:s3:::${s3Uri[1]}/${s3Uri[2]}\``
              : ' (e.g. `arn:aws:s3:::bucket/app.env`)'
          }.`,
        );
      }
      if (entry.type !== undefined && entry.type !== 's3')
        error(`\`${path}.type\` must be "s3", got ${describeValue(entry.type)}.`);
    });

    checkList(container, 'portMappings', error, (entry, path) => {
      if (
        (networkMode === 'awsvpc' || networkMode === 'host') &&
        entry.hostPort !== undefined &&
        entry.containerPort !== undefined
      ) {
        if (entry.hostPort !== entry.containerPort && typeof entry.hostPort === 'number') {
          error(
            `\`${path}.hostPort\` is ${entry.hostPort} but \`containerPort\` is ${String(entry.containerPort)}; with \`networkMode: ${networkMode}\` the host port must equal the container port (or be left out).`,
          );
        }
      }
    });

    const health = container.healthCheck;
    if (health !== undefined) {
      if (!isJsonObject(health)) error(`\`healthCheck\` must be an object, got ${describeValue(health)}.`);
      else checkHealthCheck(health, error, warn);
    }

    checkList(container, 'dependsOn', error, (entry, path) => {
      const target = entry.containerName;
      if (typeof target !== 'string' || !names.includes(target)) {
        error(
          `\`${path}.containerName\` names ${describeValue(target)}, which is not a container of this task definition (${nameList}).`,
        );
      } else if (target === container.name) {
        error(`\`${path}\` makes the container depend on itself.`);
      }
      if (
        typeof entry.condition !== 'string' ||
        !(DEPENDS_ON_CONDITIONS as readonly string[]).includes(entry.condition)
      ) {
        error(
          `\`${path}.condition\` is ${describeValue(entry.condition)}; use ${list(DEPENDS_ON_CONDITIONS)}.`,
        );
      } else if (entry.condition === 'HEALTHY' && typeof target === 'string') {
        const other = containers.find((c) => isJsonObject(c) && c.name === target);
        if (isJsonObject(other) && !isJsonObject(other.healthCheck)) {
          warn(
            `\`${path}\` waits for \`${target}\` to be HEALTHY, but \`${target}\` has no \`healthCheck\`, so the task will not start.`,
          );
        }
      }
    });

    checkList(container, 'mountPoints', error, (entry, path) => {
      if (typeof entry.sourceVolume !== 'string' || !volumeNames.has(entry.sourceVolume)) {
        error(
          `\`${path}.sourceVolume\` names ${describeValue(entry.sourceVolume)}, which is not in \`volumes\`${
            volumeNames.size > 0 ? ` (${list([...volumeNames] as string[], 'and')})` : ' (there are none)'
          }.`,
        );
      }
    });

    checkList(container, 'volumesFrom', error, (entry, path) => {
      if (typeof entry.sourceContainer !== 'string' || !names.includes(entry.sourceContainer)) {
        error(
          `\`${path}.sourceContainer\` names ${describeValue(entry.sourceContainer)}, which is not a container of this task definition (${nameList}).`,
        );
      }
    });
  });

  if (essentialCount === 0) {
    taskError('No container is essential; mark at least one with `"essential": true` (ECS requires one).');
  }

  const proxy = definition.proxyConfiguration;
  if (
    isJsonObject(proxy) &&
    proxy.containerName !== undefined &&
    !names.includes(String(proxy.containerName))
  ) {
    taskError(
      `\`proxyConfiguration.containerName\` names ${describeValue(proxy.containerName)}, which is not a container of this task definition (${nameList}); add that container or fix the name.`,
    );
  }

  if (Array.isArray(definition.tags)) {
    definition.tags.forEach((tag, index) => {
      if (!isJsonObject(tag) || typeof tag.key !== 'string' || tag.key === '') {
        taskError(`\`tags[${index}]\` must be an object with a non-empty \`key\` and a \`value\`.`);
      } else if (tag.value !== undefined && typeof tag.value !== 'string') {
        taskError(
          `\`tags[${index}].value\` (\`${tag.key}\`) must be a string, got ${describeValue(tag.value)}.`,
        );
      }
    });
  } else if (definition.tags !== undefined) {
    taskError(
      `\`tags\` must be a list of \`{"key": …, "value": …}\`, got ${describeValue(definition.tags)}.`,
    );
  }

  const size = Buffer.byteLength(JSON.stringify(definition));
  if (size > MAX_TASK_DEFINITION_BYTES) {
    taskError(`The task definition is ${Math.ceil(size / 1024)} KiB; ECS accepts at most 64 KiB.`);
  }

  return { errors, warnings };
}

function checkList(
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

function checkHealthCheck(
  health: JsonObject,
  error: (message: string) => void,
  warn: (message: string) => void,
): void {
  const command = health.command;
  if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === 'string')) {
    error(
      '`healthCheck.command` must be a non-empty list of strings, e.g. ["CMD-SHELL", "curl -f http://localhost/ || exit 1"].',
    );
  } else if (!['CMD', 'CMD-SHELL', 'NONE'].includes(command[0])) {
    error(
      `\`healthCheck.command\` must start with \`CMD\` or \`CMD-SHELL\`, got ${JSON.stringify(command[0])}${
        command[0] === '' ? '' : `; e.g. ${JSON.stringify(['CMD', ...command])}`
      }.`,
    );
  } else if (command[0] === 'CMD-SHELL' && command.length > 2) {
    warn(
      `\`healthCheck.command\` has ${command.length - 1} strings after \`CMD-SHELL\`; the shell runs only the first (${JSON.stringify(command[1])}). Join them into one string.`,
    );
  }
  for (const [field, [min, max]] of Object.entries(HEALTH_CHECK_BOUNDS)) {
    const value = health[field];
    if (value === undefined || typeof value !== 'number' || !Number.isInteger(value)) continue;
    if (value < min || value > max) {
      error(
        `\`healthCheck.${field}\` is ${value}; ECS accepts ${min} to ${max}${field === 'retries' ? '' : ' (seconds)'}.`,
      );
    }
  }
}
