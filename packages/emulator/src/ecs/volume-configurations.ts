/**
 * `volumeConfigurations` of RunTask, CreateService and UpdateService: managed
 * EBS volumes for task definition volumes declared `configuredAtLaunch`.
 *
 * References (the rules; the error texts are the emulator's, with ECS's code
 * InvalidParameterException):
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskVolumeConfiguration.html and
 *   API_ServiceVolumeConfiguration.html: "The name of the volume. This value must match the volume name
 *   from the Volume object in the task definition."
 * - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskManagedEBSVolumeConfiguration.html and
 *   API_ServiceManagedEBSVolumeConfiguration.html: roleArn required; a size or a snapshot; sizeInGiB per
 *   type (gp2/gp3 1–16,384, io1/io2 4–16,384, st1/sc1 125–16,384, standard 1–1,024); iops (gp3
 *   3,000–16,000, io1 100–64,000, io2 100–256,000; required for io1/io2; not for st1, sc1, standard);
 *   throughput only for gp3, at most 1,000 MiB/s; volumeInitializationRate only with a snapshotId.
 * - https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVolume.html (which ECS maps 1:1):
 *   iops not for gp2; throughput at least 125.
 */
import { AwsError } from '../world.js';

const SIZE: Record<string, [number, number]> = {
  gp2: [1, 16384],
  gp3: [1, 16384],
  io1: [4, 16384],
  io2: [4, 16384],
  st1: [125, 16384],
  sc1: [125, 16384],
  standard: [1, 1024],
};
const IOPS: Record<string, [number, number]> = {
  gp3: [3000, 16000],
  io1: [100, 64000],
  io2: [100, 256000],
};

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

const within = (value: unknown, [min, max]: [number, number]) =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

function checkManagedVolume(name: string, config: Record<string, any>, kind: 'task' | 'service'): void {
  if (typeof config.roleArn !== 'string' || config.roleArn === '') {
    throw invalid(`The managed EBS volume configuration of volume ${name} must specify a roleArn.`);
  }
  const type = config.volumeType ?? 'gp3';
  const size = SIZE[type];
  if (!size)
    throw invalid(`Volume type ${type} is not supported. Use one of gp2, gp3, io1, io2, st1, sc1, standard.`);
  if (config.sizeInGiB === undefined && config.snapshotId === undefined) {
    throw invalid(
      `The managed EBS volume configuration of volume ${name} must specify a sizeInGiB or a snapshotId.`,
    );
  }
  if (config.sizeInGiB !== undefined && !within(config.sizeInGiB, size)) {
    throw invalid(`The sizeInGiB of a ${type} volume must be between ${size[0]} and ${size[1]}.`);
  }
  const iops = IOPS[type];
  if (config.iops !== undefined) {
    if (!iops) throw invalid(`iops is not supported for volume type ${type}.`);
    if (!within(config.iops, iops))
      throw invalid(`The iops of a ${type} volume must be between ${iops[0]} and ${iops[1]}.`);
  } else if (type === 'io1' || type === 'io2') {
    throw invalid(`iops is required for volume type ${type}.`);
  }
  if (config.throughput !== undefined) {
    if (type !== 'gp3') throw invalid(`throughput is supported only for volume type gp3.`);
    if (!within(config.throughput, [125, 1000]))
      throw invalid('The throughput of a gp3 volume must be between 125 and 1000 MiB/s.');
  }
  if (config.volumeInitializationRate !== undefined && config.snapshotId === undefined) {
    throw invalid('volumeInitializationRate can be specified only with a snapshotId.');
  }
  if (kind === 'service' && config.terminationPolicy !== undefined) {
    throw invalid('terminationPolicy is not a parameter of a service volume configuration.');
  }
  for (const spec of config.tagSpecifications ?? []) {
    if (spec?.resourceType !== 'volume')
      throw invalid('The resourceType of an EBS tag specification must be volume.');
    if (kind === 'task' && spec.propagateTags === 'SERVICE') {
      throw invalid('Tags can only propagate to a SERVICE specified in ServiceVolumeConfiguration.');
    }
    for (const tag of spec.tags ?? []) {
      if (tag?.key === 'AmazonECSCreated' || tag?.key === 'AmazonECSManaged') {
        throw invalid(`${tag.key} is a reserved tag that can't be used.`);
      }
    }
  }
}

/** The request's volume configurations checked against the task definition's volumes; [] when none. */
export function checkVolumeConfigurations(
  configurations: unknown,
  taskDefinitionBody: Record<string, any>,
  kind: 'task' | 'service',
): Array<Record<string, any>> {
  if (configurations === undefined || configurations === null) return [];
  if (!Array.isArray(configurations)) throw invalid('volumeConfigurations must be a list.');
  const volumes: Array<Record<string, any>> = taskDefinitionBody.volumes ?? [];
  const seen = new Set<string>();
  for (const configuration of configurations) {
    const name = configuration?.name;
    if (typeof name !== 'string' || name === '') throw invalid('A volume configuration must specify a name.');
    if (seen.has(name)) throw invalid(`The volume ${name} is configured more than once.`);
    seen.add(name);
    const volume = volumes.find((v) => v.name === name);
    if (!volume) throw invalid(`The task definition does not have a volume named ${name}.`);
    if (volume.configuredAtLaunch !== true) {
      throw invalid(
        `The volume ${name} in the task definition is not configured at launch (configuredAtLaunch must be true).`,
      );
    }
    if (!configuration.managedEBSVolume) {
      throw invalid(`The volume configuration of ${name} must specify a managedEBSVolume.`);
    }
    checkManagedVolume(name, configuration.managedEBSVolume, kind);
  }
  return structuredClone(configurations);
}
