/**
 * Managed EBS volumes (`service-managed-ebs-volume[-name]` for UpdateService,
 * `run-task-managed-ebs-volume[-name]` for RunTask), checked by the API
 * reference before any call:
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ServiceManagedEBSVolumeConfiguration.html
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskManagedEBSVolumeConfiguration.html
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_EBSTagSpecification.html
 * - ranges the ECS pages leave to EC2: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVolume.html
 * and, once the task definition is known, against its volumes: the name must be
 * a volume with `configuredAtLaunch: true` (ServiceVolumeConfiguration /
 * TaskVolumeConfiguration: "must match the volume name from the Volume object
 * in the task definition").
 */
import type {
  ServiceManagedEBSVolumeConfiguration,
  ServiceVolumeConfiguration,
  TaskDefinition,
  TaskManagedEBSVolumeConfiguration,
  TaskVolumeConfiguration,
} from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@berth/shared/errors';
import { roleAccountId } from '@berth/shared/oidc';
import { checkTagList } from './ecs-tags.js';
import { JsonPath, parseJsonInput, showJson } from './json-input.js';

export type EbsKind = 'service' | 'run-task';

export const VOLUME_TYPES = ['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1', 'standard'] as const;
type VolumeType = (typeof VOLUME_TYPES)[number];

/** sizeInGiB per volume type (the `sizeInGiB` lists of both configuration pages). */
export const SIZE_GIB: Record<VolumeType, [number, number]> = {
  gp2: [1, 16384],
  gp3: [1, 16384],
  io1: [4, 16384],
  io2: [4, 16384],
  st1: [125, 16384],
  sc1: [125, 16384],
  standard: [1, 1024],
};

/** iops per volume type (the `iops` lists); absent: not supported (EC2 CreateVolume: "not supported for gp2, st1, sc1, or standard"). */
export const IOPS: Partial<Record<VolumeType, [number, number]>> = {
  gp3: [3000, 16000],
  io1: [100, 64000],
  io2: [100, 256000],
};

/** throughput: gp3 only, "with a maximum of 1,000 MiB/s"; EC2 CreateVolume's minimum is 125. */
export const THROUGHPUT_MIBPS: [number, number] = [125, 1000];
/** volumeInitializationRate: EC2 CreateVolume's range (100–300 MiB/s); only with a snapshot. */
export const INITIALIZATION_RATE_MIBPS: [number, number] = [100, 300];

const FILESYSTEMS = ['ext3', 'ext4', 'xfs', 'ntfs'] as const;
const COMMON_FIELDS = [
  'roleArn',
  'encrypted',
  'kmsKeyId',
  'volumeType',
  'sizeInGiB',
  'snapshotId',
  'volumeInitializationRate',
  'iops',
  'throughput',
  'tagSpecifications',
  'filesystemType',
] as const;
const SNAPSHOT = /^snap-[0-9a-f]{8,17}$/;
const VOLUME_NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** EBSTagSpecification: "AmazonECSCreated and AmazonECSManaged are reserved tags that can't be used." */
const RESERVED_VOLUME_TAGS = ['AmazonECSCreated', 'AmazonECSManaged'];

const INPUTS: Record<EbsKind, { name: string; config: string }> = {
  service: { name: 'service-managed-ebs-volume-name', config: 'service-managed-ebs-volume' },
  'run-task': { name: 'run-task-managed-ebs-volume-name', config: 'run-task-managed-ebs-volume' },
};

export type ManagedEbsVolume<K extends EbsKind> = K extends 'service'
  ? ServiceVolumeConfiguration & { managedEBSVolume: ServiceManagedEBSVolumeConfiguration }
  : TaskVolumeConfiguration & { managedEBSVolume: TaskManagedEBSVolumeConfiguration };

function checkConfiguration(
  kind: EbsKind,
  value: unknown,
  path: JsonPath,
): ServiceManagedEBSVolumeConfiguration & TaskManagedEBSVolumeConfiguration {
  const fields = kind === 'run-task' ? [...COMMON_FIELDS, 'terminationPolicy'] : [...COMMON_FIELDS];
  const what =
    kind === 'run-task' ? 'TaskManagedEBSVolumeConfiguration' : 'ServiceManagedEBSVolumeConfiguration';
  const given = path.object(value, fields, `a ${what}`);
  if (given.roleArn === undefined) {
    throw path.error(
      '`roleArn` is required: the ECS infrastructure role that creates and attaches the volume.',
      'Add e.g. `"roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRole"` (a role ECS can assume, with the AmazonECSInfrastructureRolePolicyForVolumes policy).',
    );
  }
  const roleArn = path.at('roleArn').string(given.roleArn);
  if (roleAccountId(roleArn) === undefined) {
    throw path
      .at('roleArn')
      .error(`${showJson(roleArn)} is not an IAM role ARN (\`arn:aws:iam::<account>:role/<name>\`).`);
  }
  const config: ServiceManagedEBSVolumeConfiguration & TaskManagedEBSVolumeConfiguration = { roleArn };
  if (given.encrypted !== undefined) config.encrypted = path.at('encrypted').boolean(given.encrypted);
  if (given.kmsKeyId !== undefined) config.kmsKeyId = path.at('kmsKeyId').string(given.kmsKeyId);
  if (given.filesystemType !== undefined)
    config.filesystemType = path.at('filesystemType').oneOf(given.filesystemType, FILESYSTEMS);

  // No volumeType: ECS creates gp3 (the default in the console and the developer guide), so gp3's ranges apply.
  const typed = given.volumeType !== undefined;
  const type: VolumeType = typed ? path.at('volumeType').oneOf(given.volumeType, VOLUME_TYPES) : 'gp3';
  if (typed) config.volumeType = type;
  const label = typed ? `volume type ${type}` : 'volume type gp3 (the default)';

  if (given.snapshotId !== undefined) {
    const snapshot = path.at('snapshotId').string(given.snapshotId);
    if (!SNAPSHOT.test(snapshot))
      throw path.at('snapshotId').error(`${showJson(snapshot)} is not a snapshot id (\`snap-…\`).`);
    config.snapshotId = snapshot;
  }
  if (given.sizeInGiB !== undefined) {
    const [min, max] = SIZE_GIB[type];
    config.sizeInGiB = path.at('sizeInGiB').integer(given.sizeInGiB, min, max, label);
  }
  if (config.sizeInGiB === undefined && config.snapshotId === undefined) {
    throw path.error(
      'give `sizeInGiB` or `snapshotId` ("You must specify either a volume size or a snapshot ID").',
      'Add e.g. `"sizeInGiB": 20`.',
    );
  }
  const iopsRange = IOPS[type];
  if (given.iops !== undefined) {
    if (!iopsRange)
      throw path
        .at('iops')
        .error(`\`iops\` is not supported for ${label}; remove it or use gp3, io1 or io2.`);
    config.iops = path.at('iops').integer(given.iops, iopsRange[0], iopsRange[1], label);
  } else if (type === 'io1' || type === 'io2') {
    throw path.error(`\`iops\` is required for ${label} (${iopsRange?.[0]}–${iopsRange?.[1]}).`);
  }
  if (given.throughput !== undefined) {
    if (type !== 'gp3')
      throw path.at('throughput').error(`\`throughput\` is only supported for gp3 volumes, not ${label}.`);
    config.throughput = path.at('throughput').integer(given.throughput, ...THROUGHPUT_MIBPS, 'MiB/s');
  }
  if (given.volumeInitializationRate !== undefined) {
    if (config.snapshotId === undefined) {
      throw path
        .at('volumeInitializationRate')
        .error('applies only to a volume created from a snapshot; set `snapshotId` or remove it.');
    }
    config.volumeInitializationRate = path
      .at('volumeInitializationRate')
      .integer(given.volumeInitializationRate, ...INITIALIZATION_RATE_MIBPS, 'MiB/s');
  }
  if (given.tagSpecifications !== undefined) {
    const at = path.at('tagSpecifications');
    config.tagSpecifications = at.array(given.tagSpecifications, 'EBS tag specifications').map((item, i) => {
      const spec = at.at(i).object(item, ['resourceType', 'tags', 'propagateTags'], 'an EBSTagSpecification');
      const resourceType = at
        .at(i)
        .at('resourceType')
        .oneOf(spec.resourceType, ['volume'] as const);
      const out: NonNullable<typeof config.tagSpecifications>[number] = { resourceType };
      if (spec.tags !== undefined) {
        out.tags = checkTagList(spec.tags, at.at(i).at('tags'));
        const reserved = out.tags.find((t) => RESERVED_VOLUME_TAGS.includes(t.key ?? ''));
        if (reserved) {
          throw at
            .at(i)
            .at('tags')
            .error(`\`${reserved.key}\` is a tag ECS reserves for the volumes it manages; use another key.`);
        }
      }
      if (spec.propagateTags !== undefined) {
        // "Tags can only propagate to a SERVICE specified in ServiceVolumeConfiguration."
        const allowed =
          kind === 'service'
            ? (['TASK_DEFINITION', 'SERVICE', 'NONE'] as const)
            : (['TASK_DEFINITION', 'NONE'] as const);
        out.propagateTags = at.at(i).at('propagateTags').oneOf(spec.propagateTags, allowed);
      }
      return out;
    });
  }
  if (kind === 'run-task' && given.terminationPolicy !== undefined) {
    const at = path.at('terminationPolicy');
    const policy = at.object(
      given.terminationPolicy,
      ['deleteOnTermination'],
      'a termination policy `{"deleteOnTermination": true}`',
    );
    config.terminationPolicy = {
      deleteOnTermination: at.at('deleteOnTermination').boolean(policy.deleteOnTermination),
    };
  }
  return config;
}

/**
 * The volume configuration of `kind` from its two inputs: both or neither
 * (the AWS deploy action drops a name without a configuration with a warning;
 * Berth refuses it, since the user meant something).
 */
export function parseManagedEbsVolume<K extends EbsKind>(
  kind: K,
  nameRaw: string | undefined,
  configRaw: string | undefined,
): ManagedEbsVolume<K> | undefined {
  const inputs = INPUTS[kind];
  if (nameRaw === undefined && configRaw === undefined) return undefined;
  if (nameRaw === undefined) {
    throw new ConfigurationError(
      `Input \`${inputs.config}\` is set but \`${inputs.name}\` is not: name the task definition volume (one with \`configuredAtLaunch: true\`) it configures.`,
    );
  }
  if (configRaw === undefined) {
    throw new ConfigurationError(
      `Input \`${inputs.name}\` is set but \`${inputs.config}\` is not: give the volume's configuration as JSON, e.g. \`{"roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRole", "sizeInGiB": 20}\`.`,
    );
  }
  if (!VOLUME_NAME.test(nameRaw)) {
    throw new ConfigurationError(
      `Input \`${inputs.name}\` must be a task definition volume name (up to 255 letters, numbers, \`-\`, \`_\`), got ${showJson(nameRaw)}.`,
    );
  }
  const parsed = parseJsonInput(
    inputs.config,
    configRaw,
    'an object',
    '{"roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRole", "sizeInGiB": 20, "volumeType": "gp3"}',
  );
  const managedEBSVolume = checkConfiguration(kind, parsed, new JsonPath(inputs.config));
  return { name: nameRaw, managedEBSVolume } as ManagedEbsVolume<K>;
}

/** Refuses a volume the task definition does not declare with `configuredAtLaunch: true`. */
export function checkVolumeInTaskDefinition(
  kind: EbsKind,
  volume: { name?: string },
  definition: Pick<TaskDefinition, 'volumes' | 'family'>,
): void {
  const input = INPUTS[kind].name;
  const volumes = definition.volumes ?? [];
  const atLaunch = volumes.filter((v) => v.configuredAtLaunch === true).map((v) => `\`${v.name}\``);
  const found = volumes.find((v) => v.name === volume.name);
  const family = definition.family ?? 'the task definition';
  const choices =
    atLaunch.length > 0
      ? `Volumes configured at launch: ${atLaunch.join(', ')}.`
      : 'It has no volume with `configuredAtLaunch: true`; add one (e.g. `{"name": "data", "configuredAtLaunch": true}`) and mount it.';
  if (!found) {
    throw new ConfigurationError(
      `Input \`${input}\`: task definition ${family} has no volume ${showJson(volume.name)}. ${choices}`,
    );
  }
  if (found.configuredAtLaunch !== true) {
    throw new ConfigurationError(
      `Input \`${input}\`: volume ${showJson(volume.name)} of task definition ${family} is not \`configuredAtLaunch: true\`, so ECS cannot attach a managed EBS volume to it. Set \`"configuredAtLaunch": true\` on it in the task definition. ${atLaunch.length > 0 ? choices : ''}`.trim(),
    );
  }
}

/** What the log says about a volume: name, type and size (the role ARN is not a secret, but adds nothing). */
export function describeVolume(volume: {
  name?: string;
  managedEBSVolume?: ServiceManagedEBSVolumeConfiguration;
}): string {
  const c = volume.managedEBSVolume ?? { roleArn: undefined };
  const size = c.sizeInGiB !== undefined ? `${c.sizeInGiB} GiB` : `from ${c.snapshotId}`;
  return `EBS volume ${volume.name}: ${c.volumeType ?? 'gp3'}, ${size}`;
}
