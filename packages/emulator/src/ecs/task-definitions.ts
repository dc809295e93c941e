/**
 * Task definitions: RegisterTaskDefinition, DescribeTaskDefinition,
 * ListTaskDefinitions, ListTaskDefinitionFamilies, DeregisterTaskDefinition.
 *
 * References:
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTaskDefinitions.html
 *   (`familyPrefix` is the full family name, despite its name; sort is by family then revision)
 * - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html
 *   ("Invalid 'cpu' setting for task…" and the Fargate CPU/memory table)
 * - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html
 *   ("Task definition size": 64 KiB, not adjustable)
 */
import { AwsError } from '../world.js';
import type { TaskDefinitionState } from './types.js';
import { clone, paginate } from './util.js';

/** Members of ContainerDefinition in the ECS API model. */
const CONTAINER_MEMBERS = new Set([
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
]);

/**
 * Valid Fargate task sizes: CPU units → allowed memory (MiB). From the
 * developer guide's table (task-cpu-memory-error), which matches what
 * RegisterTaskDefinition accepts when probed (8 vCPU in 4 GiB steps, 16 vCPU
 * in 8 GiB steps).
 */
const FARGATE_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

function clientError(message: string): AwsError {
  return new AwsError('ClientException', message);
}

/**
 * ECS's task definition size quota, 64 KiB (service-quotas.html). Over it,
 * RegisterTaskDefinition answers ClientException "Actual length: '66420'. Max
 * allowed length is '65536' bytes." (CloudTrail record quoted in
 * https://github.com/awsdocs/amazon-ecs-developer-guide/pull/149, which set the
 * documented quota to 64 KiB). Measured here on the request as JSON, which is
 * what the SDK sends (compact, UTF-8).
 */
export const TASK_DEFINITION_MAX_BYTES = 65536;

function checkSize(input: Record<string, any>): void {
  const length = Buffer.byteLength(JSON.stringify(input), 'utf8');
  if (length > TASK_DEFINITION_MAX_BYTES) {
    throw clientError(
      `Actual length: '${length}'. Max allowed length is '${TASK_DEFINITION_MAX_BYTES}' bytes.`,
    );
  }
}

/**
 * Family and container names: "Up to 255 letters (uppercase and lowercase),
 * numbers, underscores, and hyphens are allowed"
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html#ECS-RegisterTaskDefinition-request-family,
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html#ECS-Type-ContainerDefinition-name).
 * ECS's refusals, as observed: "Family contains invalid characters."
 * (https://github.com/aws/amazon-ecs-cli/issues/37, https://github.com/aws/aws-cli/issues/6774) and
 * "Container.name contains invalid characters."
 * (https://github.com/hashicorp/terraform-provider-aws/issues/5950, https://github.com/ansible/ansible/issues/22860).
 * No public record shows the answer to a valid-character name over 255; it is
 * given the same message here.
 */
const NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** `1 vCPU` → `1024`, `.25 vcpu` → `256`, `512` → `512` (ECS converts on registration). */
export function normalizeCpu(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value).trim();
  const vcpu = /^([0-9]*\.?[0-9]+)\s*vcpu$/i.exec(text);
  if (vcpu) return String(Math.round(Number(vcpu[1]) * 1024));
  if (/^[0-9]+$/.test(text)) return text;
  throw clientError(
    "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
  );
}

/** `2 GB` → `2048`, `512` → `512`. */
export function normalizeMemory(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value).trim();
  const gb = /^([0-9]*\.?[0-9]+)\s*gb$/i.exec(text);
  if (gb) return String(Math.round(Number(gb[1]) * 1024));
  const mib = /^([0-9]+)\s*(mib|mb)?$/i.exec(text);
  if (mib) return mib[1];
  throw clientError(
    "Invalid 'memory' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
  );
}

export interface RegisterContext {
  region: string;
  accountId: string;
  now: number;
  callerArn: string;
  isEcrImage(image: string): boolean;
}

export class TaskDefinitionStore {
  /** family → revisions in order (index = revision - 1). */
  private families = new Map<string, TaskDefinitionState[]>();

  clear(): void {
    this.families.clear();
  }

  all(): TaskDefinitionState[] {
    return [...this.families.values()].flat();
  }

  register(input: Record<string, any>, ctx: RegisterContext): TaskDefinitionState {
    validateMembers(input);
    checkSize(input);
    const family = input.family;
    if (typeof family !== 'string' || family.length === 0) throw clientError('Family can not be blank.');
    if (!NAME.test(family)) throw clientError('Family contains invalid characters.');
    const containers = input.containerDefinitions;
    if (!Array.isArray(containers) || containers.length === 0)
      throw clientError('Container list cannot be empty.');

    const requiresCompatibilities: string[] = Array.isArray(input.requiresCompatibilities)
      ? input.requiresCompatibilities
      : [];
    const fargate = requiresCompatibilities.includes('FARGATE');
    const cpu = normalizeCpu(input.cpu);
    const memory = normalizeMemory(input.memory);
    const networkMode: string | undefined = input.networkMode;

    const names = new Set<string>();
    for (const container of containers) {
      if (!container || typeof container !== 'object')
        throw clientError('Container definition is not valid.');
      if (typeof container.name !== 'string' || container.name.length === 0) {
        throw clientError('Container.name should not be null or empty.');
      }
      if (!NAME.test(container.name)) throw clientError('Container.name contains invalid characters.');
      if (typeof container.image !== 'string' || container.image.trim().length === 0) {
        throw clientError('Container.image should not be null or empty.');
      }
      if (names.has(container.name))
        throw clientError('Container names must be unique within a task definition.');
      names.add(container.name);
    }
    if (!containers.some((c: any) => c.essential !== false)) {
      throw clientError('At least one essential container is required in a task definition.');
    }

    if (fargate) {
      if (networkMode !== 'awsvpc') throw clientError("Fargate only supports network mode 'awsvpc'.");
      if (cpu === undefined) throw clientError("Fargate requires that 'cpu' be defined at the task level.");
      if (memory === undefined)
        throw clientError("Fargate requires that 'memory' be defined at the task level.");
      const allowed = FARGATE_SIZES[Number(cpu)];
      if (!allowed) {
        throw clientError(
          "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
        );
      }
      if (!allowed.includes(Number(memory))) {
        throw clientError(`No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory`);
      }
      const usesAwslogs = containers.some((c: any) => c.logConfiguration?.logDriver === 'awslogs');
      if (usesAwslogs && !input.executionRoleArn) {
        throw clientError(
          'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
        );
      }
    } else if (cpu !== undefined) {
      const units = Number(cpu);
      if (units < 128 || units > 196608) {
        throw clientError(
          "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.",
        );
      }
    }

    const revisions = this.families.get(family) ?? [];
    const revision = revisions.length + 1;
    const arn = `arn:aws:ecs:${ctx.region}:${ctx.accountId}:task-definition/${family}:${revision}`;
    const effectiveNetworkMode = networkMode ?? 'bridge';
    const body: Record<string, any> = {
      containerDefinitions: containers.map((c: any) => normalizeContainer(c, effectiveNetworkMode)),
      family,
      taskRoleArn: input.taskRoleArn,
      executionRoleArn: input.executionRoleArn,
      networkMode: effectiveNetworkMode,
      volumes: clone(input.volumes ?? []),
      placementConstraints: clone(input.placementConstraints ?? []),
      runtimePlatform: clone(input.runtimePlatform),
      requiresCompatibilities: clone(input.requiresCompatibilities),
      cpu,
      memory,
      inferenceAccelerators: clone(input.inferenceAccelerators),
      pidMode: input.pidMode,
      ipcMode: input.ipcMode,
      proxyConfiguration: clone(input.proxyConfiguration),
      ephemeralStorage: clone(input.ephemeralStorage),
      enableFaultInjection: input.enableFaultInjection,
    };
    for (const key of Object.keys(body)) if (body[key] === undefined || body[key] === '') delete body[key];

    const state: TaskDefinitionState = {
      arn,
      family,
      revision,
      status: 'ACTIVE',
      body,
      registeredAt: ctx.now,
      registeredBy: ctx.callerArn,
      compatibilities: compatibilitiesOf(effectiveNetworkMode, cpu, memory),
      requiresAttributes: requiresAttributesOf(input, containers, effectiveNetworkMode, ctx.isEcrImage),
      tags: clone(input.tags ?? []),
    };
    revisions.push(state);
    this.families.set(family, revisions);
    return state;
  }

  /** Resolves `family`, `family:revision` or a task definition ARN; `family` means the latest ACTIVE revision. */
  find(reference: string): TaskDefinitionState | undefined {
    let ref = reference;
    if (ref.startsWith('arn:')) {
      const marker = ':task-definition/';
      const at = ref.indexOf(marker);
      if (at < 0) return undefined;
      ref = ref.slice(at + marker.length);
    }
    const colon = ref.lastIndexOf(':');
    if (colon > 0) {
      const family = ref.slice(0, colon);
      const revision = Number(ref.slice(colon + 1));
      if (!Number.isInteger(revision)) return undefined;
      return this.families.get(family)?.[revision - 1];
    }
    const revisions = this.families.get(ref) ?? [];
    for (let i = revisions.length - 1; i >= 0; i--) if (revisions[i].status === 'ACTIVE') return revisions[i];
    return undefined;
  }

  describe(reference: string): TaskDefinitionState {
    const found = this.find(reference);
    if (!found) throw clientError('Unable to describe task definition.');
    return found;
  }

  deregister(reference: string, now: number): TaskDefinitionState {
    const bare = reference.startsWith('arn:')
      ? reference.slice(reference.indexOf(':task-definition/') + 17)
      : reference;
    if (!bare.includes(':')) {
      throw clientError(`Invalid revision number. Number: ${bare}`);
    }
    const found = this.find(reference);
    if (!found) throw clientError('The specified task definition does not exist.');
    if (found.status === 'ACTIVE') {
      found.status = 'INACTIVE';
      found.deregisteredAt = now;
    }
    return found;
  }

  list(input: Record<string, any>): { taskDefinitionArns: string[]; nextToken?: string } {
    const status = input.status ?? 'ACTIVE';
    if (status !== 'ACTIVE' && status !== 'INACTIVE' && status !== 'DELETE_IN_PROGRESS') {
      throw new AwsError('InvalidParameterException', `Invalid status: ${String(status)}`);
    }
    const sort = input.sort ?? 'ASC';
    if (sort !== 'ASC' && sort !== 'DESC')
      throw new AwsError('InvalidParameterException', `Invalid sort: ${sort}`);
    let items = this.all().filter((td) => td.status === status);
    if (input.familyPrefix) items = items.filter((td) => td.family === input.familyPrefix);
    items.sort((a, b) => (a.family === b.family ? a.revision - b.revision : a.family < b.family ? -1 : 1));
    if (sort === 'DESC') items.reverse();
    const { page, nextToken } = paginate(items, input, {
      defaultMax: 100,
      limit: 100,
      scope: `ltd:${status}:${sort}:${input.familyPrefix ?? ''}`,
    });
    return { taskDefinitionArns: page.map((td) => td.arn), nextToken };
  }

  listFamilies(input: Record<string, any>): { families: string[]; nextToken?: string } {
    const status = input.status ?? 'ALL';
    if (!['ACTIVE', 'INACTIVE', 'ALL'].includes(status)) {
      throw new AwsError('InvalidParameterException', `Invalid status: ${String(status)}`);
    }
    let families = [...this.families.entries()]
      .filter(([, revisions]) => {
        const active = revisions.some((r) => r.status === 'ACTIVE');
        return status === 'ALL' || (status === 'ACTIVE' ? active : !active);
      })
      .map(([family]) => family)
      .sort();
    if (input.familyPrefix) families = families.filter((f) => f.startsWith(input.familyPrefix));
    const { page, nextToken } = paginate(families, input, {
      defaultMax: 100,
      limit: 100,
      scope: `ltdf:${status}:${input.familyPrefix ?? ''}`,
    });
    return { families: page, nextToken };
  }
}

/**
 * The AWS JSON 1.1 front end binds the body to the request shape before ECS
 * sees it. Members the shape does not have are ignored (measured on another
 * JSON 1.1 service: `{"Foo": 1}` → 200), and the AWS SDK v3 drops them before
 * sending anyway (ecs-sdk.test.ts). A value of the wrong JSON type fails with
 * SerializationException and Jackson's wording ("STRING_VALUE can not be
 * converted to an Integer", "Start of structure or map found where not
 * expected.", "Expected list or null", …); the SDK sends such values as given.
 */
type Shape =
  | 'string'
  | 'integer'
  | 'boolean'
  | { list: Shape }
  | { struct: Record<string, Shape> }
  | { map: Shape };

const KEY_VALUE: Shape = { list: { struct: { name: 'string', value: 'string' } } };
const CONTAINER_SHAPE: Shape = {
  struct: {
    name: 'string',
    image: 'string',
    cpu: 'integer',
    memory: 'integer',
    memoryReservation: 'integer',
    links: { list: 'string' },
    portMappings: {
      list: {
        struct: {
          containerPort: 'integer',
          hostPort: 'integer',
          protocol: 'string',
          name: 'string',
          appProtocol: 'string',
          containerPortRange: 'string',
        },
      },
    },
    essential: 'boolean',
    entryPoint: { list: 'string' },
    command: { list: 'string' },
    environment: KEY_VALUE,
    environmentFiles: { list: { struct: { value: 'string', type: 'string' } } },
    mountPoints: {
      list: { struct: { sourceVolume: 'string', containerPath: 'string', readOnly: 'boolean' } },
    },
    volumesFrom: { list: { struct: { sourceContainer: 'string', readOnly: 'boolean' } } },
    secrets: { list: { struct: { name: 'string', valueFrom: 'string' } } },
    dependsOn: { list: { struct: { containerName: 'string', condition: 'string' } } },
    startTimeout: 'integer',
    stopTimeout: 'integer',
    hostname: 'string',
    user: 'string',
    workingDirectory: 'string',
    disableNetworking: 'boolean',
    privileged: 'boolean',
    readonlyRootFilesystem: 'boolean',
    dnsServers: { list: 'string' },
    dnsSearchDomains: { list: 'string' },
    dockerSecurityOptions: { list: 'string' },
    interactive: 'boolean',
    pseudoTerminal: 'boolean',
    dockerLabels: { map: 'string' },
    logConfiguration: {
      struct: {
        logDriver: 'string',
        options: { map: 'string' },
        secretOptions: { list: { struct: { name: 'string', valueFrom: 'string' } } },
      },
    },
    healthCheck: {
      struct: {
        command: { list: 'string' },
        interval: 'integer',
        timeout: 'integer',
        retries: 'integer',
        startPeriod: 'integer',
      },
    },
    resourceRequirements: { list: { struct: { value: 'string', type: 'string' } } },
  },
};
const REQUEST_SHAPE: Shape = {
  struct: {
    family: 'string',
    taskRoleArn: 'string',
    executionRoleArn: 'string',
    networkMode: 'string',
    containerDefinitions: { list: CONTAINER_SHAPE },
    requiresCompatibilities: { list: 'string' },
    cpu: 'string',
    memory: 'string',
    tags: { list: { struct: { key: 'string', value: 'string' } } },
    pidMode: 'string',
    ipcMode: 'string',
    ephemeralStorage: { struct: { sizeInGiB: 'integer' } },
    runtimePlatform: { struct: { cpuArchitecture: 'string', operatingSystemFamily: 'string' } },
    enableFaultInjection: 'boolean',
  },
};

function serializationError(message: string): AwsError {
  return new AwsError('SerializationException', message);
}

function jsonToken(value: unknown): string {
  if (typeof value === 'string') return 'STRING_VALUE';
  if (typeof value === 'number') return 'NUMBER_VALUE';
  return value ? 'TRUE_VALUE' : 'FALSE_VALUE';
}

function checkShape(value: unknown, shape: Shape): void {
  if (value === null || value === undefined) return;
  if (shape === 'string' || shape === 'integer' || shape === 'boolean') {
    if (Array.isArray(value)) throw serializationError('Start of list found where not expected');
    if (typeof value === 'object')
      throw serializationError('Start of structure or map found where not expected.');
    if (shape === 'string' && typeof value !== 'string') {
      throw serializationError(`${jsonToken(value)} can not be converted to a String`);
    }
    if (shape === 'integer' && !(typeof value === 'number' && Number.isInteger(value))) {
      throw serializationError(`${jsonToken(value)} can not be converted to an Integer`);
    }
    if (shape === 'boolean' && typeof value !== 'boolean') {
      throw serializationError(`${jsonToken(value)} can not be converted to a Boolean`);
    }
    return;
  }
  if ('list' in shape) {
    if (!Array.isArray(value)) {
      if (typeof value === 'object')
        throw serializationError('Start of structure or map found where not expected.');
      throw serializationError('Expected list or null');
    }
    for (const item of value) checkShape(item, shape.list);
    return;
  }
  if (Array.isArray(value)) throw serializationError('Start of list found where not expected');
  if (typeof value !== 'object') throw serializationError('Expected null');
  if ('map' in shape) {
    for (const item of Object.values(value as Record<string, unknown>)) checkShape(item, shape.map);
    return;
  }
  for (const [key, member] of Object.entries(shape.struct))
    checkShape((value as Record<string, unknown>)[key], member);
}

function validateMembers(input: Record<string, any>): void {
  checkShape(input, REQUEST_SHAPE);
}

/** Fills the defaults DescribeTaskDefinition shows for a registered container (compare the corpus dumps). */
function normalizeContainer(container: Record<string, any>, networkMode: string): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(clone(container)))
    if (CONTAINER_MEMBERS.has(key)) out[key] = value;
  out.cpu = out.cpu ?? 0;
  out.essential = out.essential ?? true;
  out.environment = out.environment ?? [];
  out.mountPoints = out.mountPoints ?? [];
  out.volumesFrom = out.volumesFrom ?? [];
  out.systemControls = out.systemControls ?? [];
  out.portMappings = (out.portMappings ?? []).map((mapping: Record<string, any>) => {
    const m = { ...mapping };
    if ((networkMode === 'awsvpc' || networkMode === 'host') && m.hostPort === undefined)
      m.hostPort = m.containerPort;
    m.protocol = m.protocol ?? 'tcp';
    return m;
  });
  for (const key of Object.keys(out)) if (out[key] === null) delete out[key];
  return out;
}

function compatibilitiesOf(networkMode: string, cpu?: string, memory?: string): string[] {
  const compatibilities = ['EC2'];
  const fargateSize =
    cpu !== undefined && memory !== undefined && FARGATE_SIZES[Number(cpu)]?.includes(Number(memory));
  if (networkMode === 'awsvpc' && fargateSize) compatibilities.push('FARGATE');
  return compatibilities;
}

/** A plausible `requiresAttributes` list derived from the features the definition uses. */
function requiresAttributesOf(
  input: Record<string, any>,
  containers: Array<Record<string, any>>,
  networkMode: string,
  isEcrImage: (image: string) => boolean,
): Array<{ name: string }> {
  const names = new Set<string>();
  const ecr = containers.some((c) => isEcrImage(String(c.image)));
  const awslogs = containers.some((c) => c.logConfiguration?.logDriver === 'awslogs');
  if (awslogs) names.add('com.amazonaws.ecs.capability.logging-driver.awslogs');
  if (awslogs && input.executionRoleArn) names.add('ecs.capability.execution-role-awslogs');
  if (ecr) names.add('com.amazonaws.ecs.capability.ecr-auth');
  names.add('com.amazonaws.ecs.capability.docker-remote-api.1.19');
  if (input.taskRoleArn) names.add('com.amazonaws.ecs.capability.task-iam-role');
  if (containers.some((c) => c.healthCheck)) names.add('ecs.capability.container-health-check');
  if (ecr && input.executionRoleArn) names.add('ecs.capability.execution-role-ecr-pull');
  const secrets = containers.flatMap((c) => (Array.isArray(c.secrets) ? c.secrets : []));
  if (
    secrets.some((s: any) => String(s.valueFrom).includes(':ssm:') || !String(s.valueFrom).startsWith('arn:'))
  ) {
    names.add('ecs.capability.secrets.ssm.environment-variables');
  }
  if (secrets.some((s: any) => String(s.valueFrom).includes(':secretsmanager:'))) {
    names.add('ecs.capability.secrets.asm.environment-variables');
  }
  names.add('com.amazonaws.ecs.capability.docker-remote-api.1.18');
  if (networkMode === 'awsvpc') names.add('ecs.capability.task-eni');
  return [...names].map((name) => ({ name }));
}

/** DescribeTaskDefinition's `taskDefinition` member. */
export function taskDefinitionShape(td: TaskDefinitionState): Record<string, any> {
  const out: Record<string, any> = {
    taskDefinitionArn: td.arn,
    ...clone(td.body),
    revision: td.revision,
    status: td.status,
    requiresAttributes: clone(td.requiresAttributes),
    compatibilities: [...td.compatibilities],
    registeredAt: td.registeredAt / 1000,
    registeredBy: td.registeredBy,
  };
  if (td.deregisteredAt !== undefined) out.deregisteredAt = td.deregisteredAt / 1000;
  return out;
}
