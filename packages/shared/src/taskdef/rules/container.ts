import { InvalidImageReferenceError, parseImageReference } from '../../ecr-image.js';
import { quoteValue } from '../../names.js';
import { CONTAINER_DEFINITION_KEYS, nearestKey } from '../fields.js';
import { CONTAINER_INTEGER_FIELDS, visitPath } from '../paths.js';
import { isJsonObject } from '../read.js';
import { checkList, describeValue, eachContainer, listOf, placeholderHint } from './common.js';

/**
 * Container rules, one per ContainerDefinition concern
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html,
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html).
 */

/** `name`: required; "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed." */
export const containerName = eachContainer(({ container, index, label }, _context, report) => {
  if (typeof container.name !== 'string' || container.name === '') {
    report.raw({
      container: label,
      message: `\`containerDefinitions[${index}]\` has no \`name\`; every container needs a unique name.`,
    });
  } else if (label !== container.name) {
    report.error(
      `the name ${quoteValue(container.name)} may only contain letters, digits, \`-\` and \`_\` (at most 255).`,
    );
  }
});

/** Members ContainerDefinition does not know: dropped by the SDK without a word (so an error). */
export const unknownContainerKeys = eachContainer(({ container }, _context, report) => {
  for (const key of Object.keys(container)) {
    if ((CONTAINER_DEFINITION_KEYS as readonly string[]).includes(key)) continue;
    const suggestion = nearestKey(key, CONTAINER_DEFINITION_KEYS);
    report.error(
      `unknown key \`${key}\`${suggestion ? `; did you mean \`${suggestion}\`?` : '.'} ECS does not know it, so it would be dropped without a word; rename or remove it.`,
    );
  }
});

/** `image`: required, a `repository-url/image:tag` or `…@digest` reference. */
export const image = eachContainer(({ container, label }, _context, report) => {
  const value = container.image;
  if (value === undefined || value === '') {
    report.error(
      `\`image\` is ${value === '' ? 'empty' : 'missing'}; give it one with the \`images\` input (\`${label}=registry/repository:tag\`) or \`image\` with \`container-name: ${label}\`.`,
    );
    return;
  }
  if (typeof value !== 'string') {
    report.error(`\`image\` must be a string, got ${describeValue(value)}.`);
    return;
  }
  try {
    parseImageReference(value);
  } catch (cause) {
    if (!(cause instanceof InvalidImageReferenceError)) throw cause;
    report.error(
      `\`image\` ${JSON.stringify(value)} is not a valid image reference: ${cause.reason}. Set the image with the \`images\` input (\`${label}=registry/repository:tag\`)${cause.reason.includes('placeholder') ? ' or fill the placeholder' : ''}.`,
    );
  }
});

/** `essential`: Type Boolean. */
export const essentialType = eachContainer(({ container }, _context, report) => {
  const value = container.essential;
  if (value !== undefined && typeof value !== 'boolean')
    report.error(`\`essential\` must be true or false, got ${describeValue(value)}.`);
});

/** The Integer members (ports, health check, limits…) hold whole numbers. */
export const integerFields = eachContainer(({ container }, _context, report) => {
  for (const pattern of CONTAINER_INTEGER_FIELDS) {
    visitPath(container, pattern, (value, path) => {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        report.error(
          `\`${path}\` must be a whole number, got ${describeValue(value)}${placeholderHint(value)}.`,
        );
      }
    });
  }
});

/** "If you don't specify a task-level memory value, you must specify a non-zero integer for one or both of memory or memoryReservation in a container definition." */
export const containerMemory = eachContainer(({ container }, context, report) => {
  if (context.taskMemory || container.memory !== undefined || container.memoryReservation !== undefined)
    return;
  report.error(
    'set `memory` or `memoryReservation` (MiB): without a task-level `memory`, ECS requires one of them on every container.',
  );
});

/** KeyValuePair `name`/`value` strings; `valueFrom` belongs to `secrets`. */
export const environment = eachContainer(({ container }, _context, report) => {
  checkList(container, 'environment', report.error, (entry, path) => {
    if (typeof entry.name !== 'string' || entry.name === '')
      report.error(`\`${path}.name\` must be a non-empty string.`);
    if ('valueFrom' in entry) {
      report.error(
        `\`${path}\` (\`${String(entry.name)}\`) has \`valueFrom\`, which environment variables do not support; move it to \`secrets\` (Secrets Manager or SSM), or load an S3 file with \`environmentFiles\`.`,
      );
    } else if (entry.value !== undefined && typeof entry.value !== 'string') {
      report.error(`\`${path}.value\` must be a string, got ${describeValue(entry.value)}.`);
    }
  });
  const counts = new Map<string, number>();
  for (const entry of Array.isArray(container.environment) ? container.environment : []) {
    if (isJsonObject(entry) && typeof entry.name === 'string')
      counts.set(entry.name, (counts.get(entry.name) ?? 0) + 1);
  }
  for (const [name, count] of counts) {
    if (count > 1) report.warning(`environment variable \`${name}\` is set ${count} times; keep one.`);
  }
});

function environmentNames(container: Record<string, unknown>): Set<string> {
  const list = Array.isArray(container.environment) ? container.environment : [];
  return new Set(
    list
      .filter(isJsonObject)
      .map((entry) => entry.name)
      .filter((name): name is string => typeof name === 'string'),
  );
}

/** Secret `name` and `valueFrom` are required; a name is an environment variable or a secret, not both. */
export const secrets = eachContainer(({ container }, _context, report) => {
  const envNames = environmentNames(container);
  checkList(container, 'secrets', report.error, (entry, path) => {
    if (typeof entry.name !== 'string' || entry.name === '')
      report.error(`\`${path}.name\` must be a non-empty string.`);
    if (typeof entry.valueFrom !== 'string' || entry.valueFrom === '') {
      report.error(
        `\`${path}.valueFrom\` must be the ARN or name of a Secrets Manager secret or SSM parameter.`,
      );
    }
    if (typeof entry.name === 'string' && entry.name !== '' && envNames.has(entry.name)) {
      report.error(`\`${entry.name}\` is both an environment variable and a secret; keep one of them.`);
    }
  });
});

const S3_OBJECT_ARN = /^arn:aws[a-z-]*:s3:::[^/]+\/.+/;

/** EnvironmentFile: `value` "The Amazon Resource Name (ARN) of the Amazon S3 object", `type` `s3`. */
export const environmentFiles = eachContainer(({ container }, _context, report) => {
  checkList(container, 'environmentFiles', report.error, (entry, path) => {
    const value = entry.value;
    if (typeof value !== 'string' || !S3_OBJECT_ARN.test(value)) {
      const s3Uri = typeof value === 'string' ? /^s3:\/\/([^/]+)\/(.+)$/.exec(value) : null;
      report.error(
        `\`${path}.value\` must be the ARN of an S3 object, got ${describeValue(value)}${
          s3Uri
            ? `; write it as \`arn:aws:s3:::${s3Uri[1]}/${s3Uri[2]}\``
            : ' (e.g. `arn:aws:s3:::bucket/app.env`)'
        }.`,
      );
    }
    if (entry.type !== undefined && entry.type !== 's3')
      report.error(`\`${path}.type\` must be "s3", got ${describeValue(entry.type)}.`);
  });
});

/** PortMapping `hostPort`: "If you use containers in a task with the awsvpc or host network mode, the hostPort can either be left blank or set to the same value as the containerPort." */
export const portMappings = eachContainer(({ container }, { networkMode }, report) => {
  checkList(container, 'portMappings', report.error, (entry, path) => {
    if (networkMode !== 'awsvpc' && networkMode !== 'host') return;
    if (
      typeof entry.hostPort === 'number' &&
      entry.containerPort !== undefined &&
      entry.hostPort !== entry.containerPort
    ) {
      report.error(
        `\`${path}.hostPort\` is ${entry.hostPort} but \`containerPort\` is ${String(entry.containerPort)}; with \`networkMode: ${networkMode}\` the host port must equal the container port (or be left out).`,
      );
    }
  });
});

/**
 * HealthCheck bounds from the API reference: interval 5–300 s, timeout 2–60 s,
 * retries 1–10, startPeriod 0–300 s (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html).
 */
export const HEALTH_CHECK_BOUNDS = {
  interval: [5, 300],
  timeout: [2, 60],
  retries: [1, 10],
  startPeriod: [0, 300],
} as const;

/** HealthCheck `command`: "CMD" to run the command directly or "CMD-SHELL" to run it with the container's default shell. */
export const healthCheck = eachContainer(({ container }, _context, report) => {
  const health = container.healthCheck;
  if (health === undefined) return;
  if (!isJsonObject(health)) {
    report.error(`\`healthCheck\` must be an object, got ${describeValue(health)}.`);
    return;
  }
  const command = health.command;
  if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === 'string')) {
    report.error(
      '`healthCheck.command` must be a non-empty list of strings, e.g. ["CMD-SHELL", "curl -f http://localhost/ || exit 1"].',
    );
  } else if (!['CMD', 'CMD-SHELL', 'NONE'].includes(command[0])) {
    report.error(
      `\`healthCheck.command\` must start with \`CMD\` or \`CMD-SHELL\`, got ${JSON.stringify(command[0])}${
        command[0] === '' ? '' : `; e.g. ${JSON.stringify(['CMD', ...command])}`
      }.`,
    );
  } else if (command[0] === 'CMD-SHELL' && command.length > 2) {
    report.warning(
      `\`healthCheck.command\` has ${command.length - 1} strings after \`CMD-SHELL\`; the shell runs only the first (${JSON.stringify(command[1])}). Join them into one string.`,
    );
  }
  for (const [field, [min, max]] of Object.entries(HEALTH_CHECK_BOUNDS)) {
    const value = health[field];
    if (typeof value !== 'number' || !Number.isInteger(value)) continue;
    if (value < min || value > max) {
      report.error(
        `\`healthCheck.${field}\` is ${value}; ECS accepts ${min} to ${max}${field === 'retries' ? '' : ' (seconds)'}.`,
      );
    }
  }
});

/** ContainerDependency `condition`: START, COMPLETE, SUCCESS or HEALTHY. */
export const DEPENDS_ON_CONDITIONS = ['START', 'COMPLETE', 'SUCCESS', 'HEALTHY'] as const;

/** `dependsOn` names another container of the task, with a known condition. */
export const dependsOn = eachContainer(({ container }, { names, nameList, containers }, report) => {
  checkList(container, 'dependsOn', report.error, (entry, path) => {
    const target = entry.containerName;
    if (typeof target !== 'string' || !names.includes(target)) {
      report.error(
        `\`${path}.containerName\` names ${describeValue(target)}, which is not a container of this task definition (${nameList}).`,
      );
    } else if (target === container.name) {
      report.error(`\`${path}\` makes the container depend on itself.`);
    }
    if (
      typeof entry.condition !== 'string' ||
      !(DEPENDS_ON_CONDITIONS as readonly string[]).includes(entry.condition)
    ) {
      report.error(
        `\`${path}.condition\` is ${describeValue(entry.condition)}; use ${listOf(DEPENDS_ON_CONDITIONS)}.`,
      );
    } else if (entry.condition === 'HEALTHY' && typeof target === 'string') {
      // "HEALTHY … requires that the dependent container has health checks configured."
      const other = containers.find((c) => c.container.name === target)?.container;
      if (other && !isJsonObject(other.healthCheck)) {
        report.warning(
          `\`${path}\` waits for \`${target}\` to be HEALTHY, but \`${target}\` has no \`healthCheck\`, so the task will not start.`,
        );
      }
    }
  });
});

/** MountPoint `sourceVolume`: "This value must match the name of a volume in the task definition." */
export const mountPoints = eachContainer(({ container }, { volumeNames }, report) => {
  checkList(container, 'mountPoints', report.error, (entry, path) => {
    if (typeof entry.sourceVolume !== 'string' || !volumeNames.has(entry.sourceVolume)) {
      report.error(
        `\`${path}.sourceVolume\` names ${describeValue(entry.sourceVolume)}, which is not in \`volumes\`${
          volumeNames.size > 0 ? ` (${listOf([...volumeNames], 'and')})` : ' (there are none)'
        }.`,
      );
    }
  });
});

/** VolumeFrom `sourceContainer`: "The name of another container within the same task definition." */
export const volumesFrom = eachContainer(({ container }, { names, nameList }, report) => {
  checkList(container, 'volumesFrom', report.error, (entry, path) => {
    if (typeof entry.sourceContainer !== 'string' || !names.includes(entry.sourceContainer)) {
      report.error(
        `\`${path}.sourceContainer\` names ${describeValue(entry.sourceContainer)}, which is not a container of this task definition (${nameList}).`,
      );
    }
  });
});
