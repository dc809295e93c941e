import { type AwsInputs, readAwsInputs } from '@berth/shared/aws';
import { parseCommandInput } from '@berth/shared/command';
import { InvalidImageReferenceError, parseImageReference } from '@berth/shared/ecr-image';
import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { cpuUnits, memoryMiB } from '@berth/shared/taskdef/fields';
import { parseServiceReference, type ServiceReference } from './service-reference.js';
import { PLACEHOLDER_NAME } from './template.js';

/** Every input of action.yml, parsed and checked; keys match action.yml in camelCase. */
export interface Inputs {
  taskDefinition?: string;
  taskDefinitionFamily?: string;
  /** Render what this service runs now. */
  service?: ServiceReference;
  containerName?: string;
  image?: string;
  images: Map<string, string>;
  pinDigest: boolean;
  environmentVariables: Map<string, string>;
  secrets: Map<string, string>;
  dockerLabels: Map<string, string>;
  command?: string[];
  /** Warnings found while parsing `command` (shell operators ECS will not interpret). */
  commandWarnings: string[];
  cpu?: string;
  memory?: string;
  taskRoleArn?: string;
  executionRoleArn?: string;
  vars: Map<string, string>;
  aws: AwsInputs;
}

const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
const FAMILY_REVISION = /^[A-Za-z0-9_-]{1,255}:[1-9]\d*$/;
const TASK_DEFINITION_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}(?::[1-9]\d*)?$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ENV_NAME = /^[^\s=]+$/;

function checkImage(input: string, image: string, container?: string): void {
  try {
    parseImageReference(image);
  } catch (error) {
    if (!(error instanceof InvalidImageReferenceError)) throw error;
    throw new ConfigurationError(
      `Input \`${input}\`${container ? ` (container \`${container}\`)` : ''}: ${JSON.stringify(image)} is not a valid image reference: ${error.reason}. Expected \`registry/repository:tag\` or \`registry/repository@sha256:…\`.`,
    );
  }
}

function checkRole(input: string, value: string | undefined): void {
  if (value === undefined || ROLE_ARN.test(value) || ROLE_NAME.test(value)) return;
  throw new ConfigurationError(
    `Input \`${input}\` must be an IAM role ARN such as \`arn:aws:iam::123456789012:role/shop-task\` (or a role name), got ${JSON.stringify(value)}.`,
  );
}

/** Reads and checks every input; contradictions between inputs are errors here, before any file or AWS call. */
export function getInputs(reader: InputReader = new InputReader()): Inputs {
  const taskDefinition = reader.optional('task-definition');
  const taskDefinitionFamily = reader.optional('task-definition-family');
  const serviceInput = reader.optional('service');
  const sources = [
    taskDefinition !== undefined && '`task-definition`',
    taskDefinitionFamily !== undefined && '`task-definition-family`',
    serviceInput !== undefined && '`service`',
  ].filter(Boolean);
  if (sources.length > 1) {
    throw new ConfigurationError(
      `Inputs ${sources.join(' and ')} cannot be used together: render either a file, a registered family or what a service runs. Keep one of them.`,
    );
  }
  if (sources.length === 0) {
    throw new ConfigurationError(
      'No task definition to render: set `task-definition` (a JSON or YAML file in the repository), `task-definition-family` (a registered family, `family:revision` or task definition ARN) or `service` (`cluster/service`, what it runs now).',
    );
  }
  const service = serviceInput === undefined ? undefined : parseServiceReference(serviceInput);
  if (
    taskDefinitionFamily !== undefined &&
    !FAMILY.test(taskDefinitionFamily) &&
    !FAMILY_REVISION.test(taskDefinitionFamily) &&
    !TASK_DEFINITION_ARN.test(taskDefinitionFamily)
  ) {
    throw new ConfigurationError(
      `Input \`task-definition-family\` must be a family (\`shop-web\`), \`family:revision\` (\`shop-web:42\`) or a task definition ARN, got ${JSON.stringify(taskDefinitionFamily)}.`,
    );
  }

  const containerName = reader.optional('container-name');
  if (containerName !== undefined && !CONTAINER_NAME.test(containerName)) {
    throw new ConfigurationError(
      `Input \`container-name\` must be a container name (letters, digits, \`-\`, \`_\`), got ${JSON.stringify(containerName)}.`,
    );
  }
  const image = reader.optional('image');
  if (image !== undefined) checkImage('image', image);
  const images = reader.keyValues('images');
  for (const [container, value] of images) {
    if (!CONTAINER_NAME.test(container)) {
      throw new ConfigurationError(
        `Input \`images\`: ${JSON.stringify(container)} is not a container name; write one \`container=image\` per line.`,
      );
    }
    if (value === '')
      throw new ConfigurationError(`Input \`images\`: the image for container \`${container}\` is empty.`);
    checkImage('images', value, container);
  }
  if (image !== undefined && images.size > 0) {
    throw new ConfigurationError(
      'Inputs `image` and `images` cannot be used together; put every image in `images` (`container=image`, one per line).',
    );
  }
  if (containerName !== undefined && images.has(containerName) && image !== undefined) {
    throw new ConfigurationError(
      `Container \`${containerName}\` gets an image from both \`image\` and \`images\`; keep one.`,
    );
  }

  const pinDigest = reader.boolean('pin-digest', true);
  const environmentVariables = reader.keyValues('environment-variables');
  for (const name of environmentVariables.keys()) {
    if (!ENV_NAME.test(name)) {
      throw new ConfigurationError(
        `Input \`environment-variables\`: ${JSON.stringify(name)} is not a variable name.`,
      );
    }
  }
  const secrets = reader.keyValues('secrets');
  for (const [name, valueFrom] of secrets) {
    if (!ENV_NAME.test(name))
      throw new ConfigurationError(`Input \`secrets\`: ${JSON.stringify(name)} is not a variable name.`);
    if (valueFrom === '') {
      throw new ConfigurationError(
        `Input \`secrets\`: \`${name}\` has no value; write \`${name}=<Secrets Manager ARN or SSM parameter name or ARN>\`.`,
      );
    }
    if (environmentVariables.has(name)) {
      throw new ConfigurationError(
        `\`${name}\` is in both \`environment-variables\` and \`secrets\`; a variable comes from one of them.`,
      );
    }
  }
  const dockerLabels = reader.keyValues('docker-labels');

  const rawCommand = reader.optional('command');
  const parsedCommand = rawCommand === undefined ? undefined : parseCommandInput(rawCommand);

  const cpu = reader.optional('cpu');
  if (cpu !== undefined && cpuUnits(cpu) === undefined) {
    throw new ConfigurationError(
      `Input \`cpu\` must be CPU units such as \`1024\` or \`1 vCPU\`, got ${JSON.stringify(cpu)}.`,
    );
  }
  const memory = reader.optional('memory');
  if (memory !== undefined && memoryMiB(memory) === undefined) {
    throw new ConfigurationError(
      `Input \`memory\` must be MiB such as \`2048\` or \`2 GB\`, got ${JSON.stringify(memory)}.`,
    );
  }
  const taskRoleArn = reader.optional('task-role-arn');
  checkRole('task-role-arn', taskRoleArn);
  const executionRoleArn = reader.optional('execution-role-arn');
  checkRole('execution-role-arn', executionRoleArn);

  const vars = reader.keyValues('vars');
  for (const key of vars.keys()) {
    if (!PLACEHOLDER_NAME.test(key)) {
      throw new ConfigurationError(
        `Input \`vars\`: ${JSON.stringify(key)} cannot be a placeholder name; use letters, digits and \`_\`, not starting with a digit (it fills \`\${NAME}\`).`,
      );
    }
  }

  return {
    taskDefinition,
    taskDefinitionFamily,
    service,
    containerName,
    image,
    images,
    pinDigest,
    environmentVariables,
    secrets,
    dockerLabels,
    command: parsedCommand?.command,
    commandWarnings: parsedCommand?.warnings ?? [],
    cpu,
    memory,
    taskRoleArn,
    executionRoleArn,
    vars,
    aws: readAwsInputs(reader),
  };
}

/** The region: `aws-region`, then AWS_REGION / AWS_DEFAULT_REGION, then the hint (an image's registry). */
export function regionFor(aws: AwsInputs, env: NodeJS.ProcessEnv, hint?: string): string | undefined {
  return aws.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? hint;
}
