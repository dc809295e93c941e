import {
  CONTAINER_DEFINITION_KEYS,
  cpuUnits,
  memoryMiB,
  nearestKey,
  TASK_DEFINITION_KEYS,
} from '../fields.js';
import { placeholderNames } from '../placeholders.js';
import type { Problem } from '../problem.js';
import { isJsonObject, type JsonObject } from '../read.js';
import { MAX_TASK_DEFINITION_BYTES } from '../structure.js';
import { contextOf, describeValue, listOf, placeholderHint } from './common.js';

/**
 * Task-level rules. Each documents where its expected values come from: the
 * RegisterTaskDefinition request
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html)
 * and the task definition parameters page
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html).
 */

const error = (message: string): Problem => ({ message });
const warning = (message: string): Problem => ({ message, severity: 'warning' });

/**
 * Members RegisterTaskDefinition does not know. The SDK drops unknown members
 * without a word, so a typo (`networkmode`) would register a definition
 * without the setting: an error, with the nearest known key.
 */
export function unknownTaskKeys(definition: JsonObject): Problem[] {
  return Object.keys(definition)
    .filter((key) => !(TASK_DEFINITION_KEYS as readonly string[]).includes(key))
    .map((key) => {
      const inContainer = (CONTAINER_DEFINITION_KEYS as readonly string[]).includes(key);
      const suggestion = inContainer ? undefined : nearestKey(key, TASK_DEFINITION_KEYS);
      return error(
        `Unknown top-level key \`${key}\`${
          inContainer
            ? '; it belongs inside a container definition.'
            : suggestion
              ? `; did you mean \`${suggestion}\`?`
              : '.'
        } RegisterTaskDefinition does not know it, so it would be dropped without a word; move, rename or remove it.`,
      );
    });
}

/** `family`: required; "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed." */
export function family(definition: JsonObject): Problem[] {
  const value = definition.family;
  if (value === undefined)
    return [error('`family` is missing; name the task definition family, e.g. `"family": "shop-web"`.')];
  if (typeof value !== 'string' || value === '') {
    return [
      error(
        `\`family\` is ${value === '' ? 'empty' : describeValue(value)}; name the task definition family, e.g. \`"family": "shop-web"\`.`,
      ),
    ];
  }
  if (/^[A-Za-z0-9_-]{1,255}$/.test(value)) return [];
  const placeholder = placeholderNames(value)[0];
  return [
    error(
      `\`family\` ${JSON.stringify(value)} may only contain letters, digits, \`-\` and \`_\` (at most 255)${
        placeholder
          ? `; it still contains the placeholder \`\${${placeholder}}\`: give it a value with \`vars\` (\`${placeholder}=…\`)`
          : ''
      }.`,
    ),
  ];
}

/** Valid values of networkMode, pidMode and ipcMode (RegisterTaskDefinition request parameters). */
export const KNOWN_MODE_VALUES: Readonly<Record<'networkMode' | 'pidMode' | 'ipcMode', readonly string[]>> = {
  networkMode: ['awsvpc', 'bridge', 'host', 'none'],
  pidMode: ['host', 'task'],
  ipcMode: ['host', 'task', 'none'],
};

export function modes(definition: JsonObject): Problem[] {
  const problems: Problem[] = [];
  for (const [field, known] of Object.entries(KNOWN_MODE_VALUES)) {
    const value = definition[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') {
      problems.push(
        error(
          `\`${field}\` is ${value === '' ? 'an empty string' : describeValue(value)}, which RegisterTaskDefinition rejects; remove it or set ${listOf(known)}.`,
        ),
      );
    } else if (!known.includes(value)) {
      problems.push(warning(`\`${field}\` ${JSON.stringify(value)} is not one of ${listOf(known)}.`));
    }
  }
  return problems;
}

/** Task `cpu` / `memory`: CPU units or vCPU, MiB or GB, as the parameters page writes them. */
export function taskSizeFormat(definition: JsonObject): Problem[] {
  const problems: Problem[] = [];
  const { cpu, memory } = definition;
  if (cpu !== undefined && cpu !== '' && cpuUnits(cpu) === undefined) {
    problems.push(
      error(
        `\`cpu\` ${describeValue(cpu)} is not a CPU size; write CPU units such as "1024" or "1 vCPU"${placeholderHint(cpu)}.`,
      ),
    );
  }
  if (memory !== undefined && memory !== '' && memoryMiB(memory) === undefined) {
    problems.push(
      error(
        `\`memory\` ${describeValue(memory)} is not a memory size; write MiB such as "2048" or "2 GB"${placeholderHint(memory)}.`,
      ),
    );
  }
  return problems;
}

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
}

/** Fargate task sizes: CPU units → the memory values (MiB) allowed with it (the parameters page's table). */
export const FARGATE_TASK_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, range(1024, 4096, 1024)],
  [1024, range(2048, 8192, 1024)],
  [2048, range(4096, 16384, 1024)],
  [4096, range(8192, 30720, 1024)],
  [8192, range(16384, 61440, 4096)],
  [16384, range(32768, 122880, 8192)],
]);

function fargateMemoryText(memories: readonly number[]): string {
  if (memories.length <= 4) return listOf(memories);
  const step = memories[1] - memories[0];
  return `${memories[0]} to ${memories[memories.length - 1]} in steps of ${step}`;
}

/** The Fargate cpu/memory check alone. */
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
    return `\`cpu\` ${units} is not a Fargate task size; Fargate accepts ${listOf([...FARGATE_TASK_SIZES.keys()])} CPU units (0.25 to 16 vCPU).`;
  }
  if (!memories.includes(mib)) {
    return `\`cpu\` ${units} with \`memory\` ${mib} is not a Fargate task size; with ${units} CPU units Fargate accepts \`memory\` ${fargateMemoryText(memories)} (MiB).`;
  }
  return undefined;
}

/** Fargate: task `cpu` and `memory` are required and must be one of the table's pairs. */
export function fargateSize(definition: JsonObject): Problem[] {
  if (!contextOf(definition).fargate) return [];
  const problem = checkFargateSize(definition.cpu, definition.memory);
  return problem ? [error(problem)] : [];
}

/** Fargate: "the awsvpc network mode is required" (parameters page, Network mode). */
export function fargateNetworkMode(definition: JsonObject): Problem[] {
  if (!contextOf(definition).fargate) return [];
  const networkMode = definition.networkMode;
  if (networkMode === undefined) {
    return [
      error('Fargate needs `"networkMode": "awsvpc"` (without it ECS uses `bridge`, which Fargate rejects).'),
    ];
  }
  if (typeof networkMode === 'string' && networkMode !== '' && networkMode !== 'awsvpc') {
    return [
      error(
        `\`networkMode\` is ${JSON.stringify(networkMode)}, but Fargate runs only \`awsvpc\`; set \`"networkMode": "awsvpc"\`.`,
      ),
    ];
  }
  return [];
}

/** Windows on Fargate starts at 1 vCPU (parameters page, Task size: "1 vCPU is the minimum for Windows"). */
export function fargateWindowsCpu(definition: JsonObject): Problem[] {
  if (!contextOf(definition).fargate) return [];
  const os = isJsonObject(definition.runtimePlatform)
    ? definition.runtimePlatform.operatingSystemFamily
    : undefined;
  const units = cpuUnits(definition.cpu);
  if (typeof os === 'string' && os.startsWith('WINDOWS') && units !== undefined && units < 1024) {
    return [
      error(`\`cpu\` ${units} is too small for Windows on Fargate, which needs at least 1024 (1 vCPU).`),
    ];
  }
  return [];
}

/** EphemeralStorage.sizeInGiB: "The minimum supported value is 21 GiB and the maximum supported value is 200 GiB." */
export function fargateEphemeralStorage(definition: JsonObject): Problem[] {
  if (!contextOf(definition).fargate) return [];
  const storage = isJsonObject(definition.ephemeralStorage)
    ? definition.ephemeralStorage.sizeInGiB
    : undefined;
  if (storage !== undefined && (typeof storage !== 'number' || storage < 21 || storage > 200)) {
    return [
      error(`\`ephemeralStorage.sizeInGiB\` is ${describeValue(storage)}; Fargate accepts 21 to 200 (GiB).`),
    ];
  }
  return [];
}

/** `containerDefinitions` is required and holds at least one container. */
export function containerList(definition: JsonObject): Problem[] {
  const containers = definition.containerDefinitions;
  if (containers === undefined)
    return [error('`containerDefinitions` is missing; a task definition needs at least one container.')];
  if (!Array.isArray(containers))
    return [
      error(`\`containerDefinitions\` must be a list of containers, got ${describeValue(containers)}.`),
    ];
  if (containers.length === 0)
    return [error('`containerDefinitions` is empty; a task definition needs at least one container.')];
  return containers.flatMap((container, index) =>
    isJsonObject(container)
      ? []
      : [error(`\`containerDefinitions[${index}]\` must be an object, got ${describeValue(container)}.`)],
  );
}

/** Container names are unique within a task definition (ContainerDefinition `name`). */
export function uniqueContainerNames(definition: JsonObject): Problem[] {
  const seen = new Map<string, number[]>();
  contextOf(definition).names.forEach((name, index) => {
    seen.set(name, [...(seen.get(name) ?? []), index]);
  });
  return [...seen]
    .filter(([name, indexes]) => indexes.length > 1 && !name.startsWith('#'))
    .map(([name, indexes]) =>
      error(
        `Container name \`${name}\` is used ${indexes.length} times (${indexes.map((i) => `containerDefinitions[${i}]`).join(', ')}); container names must be unique.`,
      ),
    );
}

/** "All tasks must have at least one essential container" (ContainerDefinition `essential`, default true). */
export function essentialContainer(definition: JsonObject): Problem[] {
  const essential = contextOf(definition).containers.filter(
    ({ container }) => container.essential === undefined || container.essential === true,
  );
  return essential.length > 0
    ? []
    : [error('No container is essential; mark at least one with `"essential": true` (ECS requires one).')];
}

/** ProxyConfiguration `containerName`: "The name of the container that will serve as the App Mesh proxy." */
export function proxyContainer(definition: JsonObject): Problem[] {
  const proxy = definition.proxyConfiguration;
  const { names, nameList } = contextOf(definition);
  if (
    !isJsonObject(proxy) ||
    proxy.containerName === undefined ||
    names.includes(String(proxy.containerName))
  )
    return [];
  return [
    error(
      `\`proxyConfiguration.containerName\` names ${describeValue(proxy.containerName)}, which is not a container of this task definition (${nameList}); add that container or fix the name.`,
    ),
  ];
}

/**
 * Tags: key 1–128 and value 0–256 characters of letters, numbers, spaces and
 * `_ . : / = + - @` (ECS Tag, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html,
 * patterns `^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$` and `…*)$`), at most 50 per resource.
 */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
export const MAX_TAGS = 50;

export function tags(definition: JsonObject): Problem[] {
  const value = definition.tags;
  if (value === undefined) return [];
  if (!Array.isArray(value))
    return [error(`\`tags\` must be a list of \`{"key": …, "value": …}\`, got ${describeValue(value)}.`)];
  const problems: Problem[] = [];
  if (value.length > MAX_TAGS)
    problems.push(error(`\`tags\` has ${value.length} tags; ECS allows at most ${MAX_TAGS}.`));
  value.forEach((tag, index) => {
    if (!isJsonObject(tag) || typeof tag.key !== 'string' || tag.key === '') {
      problems.push(error(`\`tags[${index}]\` must be an object with a non-empty \`key\` and a \`value\`.`));
      return;
    }
    if (tag.value !== undefined && typeof tag.value !== 'string') {
      problems.push(
        error(`\`tags[${index}].value\` (\`${tag.key}\`) must be a string, got ${describeValue(tag.value)}.`),
      );
      return;
    }
    for (const [part, text, max] of [
      ['key', tag.key, 128],
      ['value', tag.value ?? '', 256],
    ] as const) {
      const path = `tags[${index}].${part}`;
      if ([...text].length > max) {
        problems.push(error(`\`${path}\` is ${[...text].length} characters; ECS allows at most ${max}.`));
      } else if (!TAG_TEXT.test(text)) {
        problems.push(
          error(
            `\`${path}\` ${JSON.stringify(text)} holds characters ECS does not allow in tags (only letters, numbers, spaces and \`_ . : / = + - @\`)${placeholderHint(text)}.`,
          ),
        );
      }
    }
  });
  return problems;
}

/**
 * "Task definition size: 64 KiB" (not adjustable,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html); over it
 * RegisterTaskDefinition answers "Max allowed length is '65536' bytes". Measured on the request
 * as the SDK sends it (compact JSON, tags included).
 */
export function sizeLimit(definition: JsonObject): Problem[] {
  const bytes = Buffer.byteLength(JSON.stringify(definition), 'utf8');
  if (bytes <= MAX_TASK_DEFINITION_BYTES) return [];
  return [
    error(
      `The task definition makes a RegisterTaskDefinition request of ${bytes} bytes; ECS accepts at most 64 KiB (${MAX_TASK_DEFINITION_BYTES} bytes). Move large values out of the definition (secrets, \`environmentFiles\`) or split the containers.`,
    ),
  ];
}
