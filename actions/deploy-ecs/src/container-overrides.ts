/**
 * `run-task-container-overrides`: a JSON array of ContainerOverride objects,
 * as the AWS deploy action takes it, checked by the shape in the API reference
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerOverride.html)
 * and, once the task definition is known, against its containers (RunTask
 * refuses an override for a container the task definition does not have).
 */
import type { ContainerOverride, TaskDefinition } from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@berth/shared/errors';
import { JsonPath, parseJsonInput, showJson } from './json-input.js';

/** The largest value of the ECS API's Integer type (a signed 32-bit number). */
const INT32_MAX = 2_147_483_647;
const INPUT = 'run-task-container-overrides';
const FIELDS = [
  'name',
  'command',
  'environment',
  'environmentFiles',
  'cpu',
  'memory',
  'memoryReservation',
  'resourceRequirements',
] as const;

/**
 * RunTask's `overrides`: "A total of 8192 characters are allowed for
 * overrides. This limit includes the JSON formatting characters of the
 * override structure." (API_RunTask.html)
 */
export const MAX_OVERRIDES_CHARACTERS = 8192;

function checkOverride(value: unknown, path: JsonPath): ContainerOverride {
  const given = path.object(value, FIELDS, 'a container override');
  // "If a non-empty container override is specified, the name parameter must be included."
  if (given.name === undefined) {
    throw path.error(
      'a container override needs `name`, the container it applies to.',
      'Add e.g. `"name": "app"`.',
    );
  }
  const override: ContainerOverride = { name: path.at('name').string(given.name) };
  if (given.command !== undefined) {
    const list = path.at('command').array(given.command, 'strings');
    override.command = list.map((word, i) => path.at('command').at(i).string(word));
  }
  if (given.environment !== undefined) {
    const at = path.at('environment');
    override.environment = at.array(given.environment, '`{"name": "…", "value": "…"}`').map((item, i) => {
      const pair = at
        .at(i)
        .object(item, ['name', 'value'], 'an environment variable `{"name": "…", "value": "…"}`');
      return { name: at.at(i).at('name').string(pair.name), value: at.at(i).at('value').string(pair.value) };
    });
  }
  if (given.environmentFiles !== undefined) {
    const at = path.at('environmentFiles');
    override.environmentFiles = at
      .array(given.environmentFiles, '`{"value": "<S3 ARN>", "type": "s3"}`')
      .map((item, i) => {
        const file = at
          .at(i)
          .object(item, ['value', 'type'], 'an environment file `{"value": "<S3 ARN>", "type": "s3"}`');
        return {
          value: at.at(i).at('value').string(file.value),
          type: at
            .at(i)
            .at('type')
            .oneOf(file.type, ['s3'] as const),
        };
      });
  }
  // ContainerOverride's cpu, memory and memoryReservation are the API's Integer: 32 bits.
  for (const field of ['cpu', 'memory', 'memoryReservation'] as const) {
    if (given[field] !== undefined) override[field] = path.at(field).integer(given[field], 0, INT32_MAX);
  }
  if (given.resourceRequirements !== undefined) {
    const at = path.at('resourceRequirements');
    override.resourceRequirements = at
      .array(given.resourceRequirements, 'resource requirements')
      .map((item, i) => {
        const requirement = at
          .at(i)
          .object(item, ['value', 'type'], 'a resource requirement `{"type": "GPU", "value": "1"}`');
        return {
          value: at.at(i).at('value').string(requirement.value),
          type: at
            .at(i)
            .at('type')
            .oneOf(requirement.type, ['GPU', 'InferenceAccelerator'] as const),
        };
      });
  }
  return override;
}

/** The overrides given, each container once; undefined when unset or `[]`. */
export function parseContainerOverrides(raw: string | undefined): ContainerOverride[] | undefined {
  if (raw === undefined) return undefined;
  const parsed = parseJsonInput(
    INPUT,
    raw,
    'an array of container overrides',
    '[{"name": "app", "command": ["npm", "run", "migrate"], "environment": [{"name": "DRY_RUN", "value": "false"}]}]',
  );
  const path = new JsonPath(INPUT);
  const overrides = path
    .array(parsed, 'container overrides')
    .map((item, i) => checkOverride(item, path.at(i)));
  const names = overrides.map((o) => o.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) {
    throw path.error(`container ${showJson(repeated)} has two overrides; merge them into one.`);
  }
  return overrides.length === 0 ? undefined : overrides;
}

/**
 * The overrides RunTask gets: the given ones, with `run-task-command` added to
 * its container's override. Refused when both set that container's command,
 * when an override names a container the task definition lacks, and when the
 * whole exceeds RunTask's 8192 characters.
 */
export function mergeContainerOverrides(
  definition: Pick<TaskDefinition, 'containerDefinitions' | 'family'>,
  given: ContainerOverride[] | undefined,
  command: { container: string; command: string[] } | undefined,
): ContainerOverride[] | undefined {
  const containers = (definition.containerDefinitions ?? []).map((c) => c.name ?? '');
  for (const override of given ?? []) {
    if (!containers.includes(override.name ?? '')) {
      throw new ConfigurationError(
        `Input \`${INPUT}\`: container ${showJson(override.name)} is not in task definition ${definition.family ?? ''}, which defines ${containers.map((c) => `\`${c}\``).join(', ')}. Name one of them.`,
      );
    }
  }
  const merged = (given ?? []).map((o) => structuredClone(o));
  if (command) {
    const existing = merged.find((o) => o.name === command.container);
    if (existing?.command) {
      throw new ConfigurationError(
        `Inputs \`run-task-command\` and \`${INPUT}\` both set the command of container \`${command.container}\`. Keep one of them.`,
      );
    }
    if (existing) existing.command = [...command.command];
    else merged.unshift({ name: command.container, command: [...command.command] });
  }
  if (merged.length === 0) return undefined;
  const size = JSON.stringify({ containerOverrides: merged }).length;
  if (size > MAX_OVERRIDES_CHARACTERS) {
    throw new ConfigurationError(
      `Input \`${INPUT}\`${command ? ' with `run-task-command`' : ''}: the overrides are ${size} characters of JSON; RunTask takes at most ${MAX_OVERRIDES_CHARACTERS}. Move long values into the task definition or an environment file.`,
    );
  }
  return merged;
}
