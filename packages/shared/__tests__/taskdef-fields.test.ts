import { describe, expect, it } from '@jest/globals';
import {
  CONTAINER_DEFINITION_KEYS,
  canonicalTaskDefinition,
  cpuUnits,
  editDistance,
  memoryMiB,
  nearestKey,
  READ_ONLY_TASK_DEFINITION_FIELDS,
  sameTaskDefinition,
  stripReadOnlyFields,
  TASK_DEFINITION_KEYS,
  taskDefinitionDifferences,
} from '../src/taskdef/fields.js';

describe('stripReadOnlyFields', () => {
  it('removes exactly the fields DescribeTaskDefinition adds, and says which', () => {
    const described = {
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop:7',
      family: 'shop',
      revision: 7,
      status: 'ACTIVE',
      requiresAttributes: [{ name: 'ecs.capability.task-eni' }],
      compatibilities: ['EC2', 'FARGATE'],
      registeredAt: '2024-01-01T00:00:00Z',
      registeredBy: 'arn:aws:iam::123456789012:root',
      containerDefinitions: [{ name: 'web', environment: [{ name: 'EMPTY', value: '' }] }],
      somethingNew: { kept: true },
    };
    expect(stripReadOnlyFields(described)).toEqual({
      definition: {
        family: 'shop',
        containerDefinitions: [{ name: 'web', environment: [{ name: 'EMPTY', value: '' }] }],
        somethingNew: { kept: true },
      },
      removed: [
        'taskDefinitionArn',
        'revision',
        'status',
        'requiresAttributes',
        'compatibilities',
        'registeredAt',
        'registeredBy',
      ],
    });
  });

  it('knows every read-only field of the ECS TaskDefinition shape, none of which RegisterTaskDefinition takes', () => {
    expect([...READ_ONLY_TASK_DEFINITION_FIELDS]).toEqual([
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
      'registeredAt',
      'registeredBy',
      'deregisteredAt',
      'deleteRequestedAt',
    ]);
    for (const field of READ_ONLY_TASK_DEFINITION_FIELDS) expect(TASK_DEFINITION_KEYS).not.toContain(field);
  });
});

describe('editDistance and nearestKey', () => {
  it.each([
    ['', '', 0],
    ['abc', 'abc', 0],
    ['abc', 'abd', 1],
    ['abc', 'acb', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ])('%s → %s = %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });

  it.each([
    ['containerDefinition', TASK_DEFINITION_KEYS, 'containerDefinitions'],
    ['ContainerDefinitions', TASK_DEFINITION_KEYS, 'containerDefinitions'],
    ['executionRoleARN', TASK_DEFINITION_KEYS, 'executionRoleArn'],
    ['requiredCompatibilities', TASK_DEFINITION_KEYS, 'requiresCompatibilities'],
    ['netwrokMode', TASK_DEFINITION_KEYS, 'networkMode'],
    ['famliy', TASK_DEFINITION_KEYS, 'family'],
    ['version', TASK_DEFINITION_KEYS, undefined],
    ['logConfiguration', TASK_DEFINITION_KEYS, undefined],
    ['enviroment', CONTAINER_DEFINITION_KEYS, 'environment'],
    ['portMapping', CONTAINER_DEFINITION_KEYS, 'portMappings'],
    ['healthcheck', CONTAINER_DEFINITION_KEYS, 'healthCheck'],
    ['xyz', CONTAINER_DEFINITION_KEYS, undefined],
  ])('%s → %s', (key, known, expected) => {
    expect(nearestKey(key, known)).toBe(expected);
  });
});

describe('cpuUnits and memoryMiB', () => {
  it.each([
    ['256', 256],
    [1024, 1024],
    ['1 vCPU', 1024],
    ['0.25 vcpu', 256],
    ['2vCPU', 2048],
    ['16 vCPUs', 16384],
    ['0.3 vCPU', undefined],
    ['one', undefined],
    ['', undefined],
    [1.5, undefined],
  ])('cpu %j → %s', (value, units) => {
    expect(cpuUnits(value)).toBe(units);
  });

  it.each([
    ['512', 512],
    [2048, 2048],
    ['2 GB', 2048],
    ['0.5GB', 512],
    ['120 gb', 122880],
    ['2 GiB', undefined],
    ['lots', undefined],
  ])('memory %j → %s', (value, mib) => {
    expect(memoryMiB(value)).toBe(mib);
  });
});

describe('canonicalTaskDefinition and sameTaskDefinition', () => {
  const rendered = {
    family: 'shop',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '1 vCPU',
    memory: '2 GB',
    containerDefinitions: [
      {
        name: 'web',
        image: 'repo@sha256:1',
        portMappings: [{ containerPort: 8080 }],
        environment: [
          { name: 'B', value: '2' },
          { name: 'A', value: '' },
        ],
      },
      { name: 'envoy', image: 'envoy:1', essential: false },
    ],
    tags: [
      { key: 'z', value: '1' },
      { key: 'a', value: '2' },
    ],
  };
  // What DescribeTaskDefinition returns for the same registration.
  const described = {
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop:3',
    revision: 3,
    status: 'ACTIVE',
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [{ name: 'ecs.capability.task-eni' }],
    registeredAt: '2024-01-01T00:00:00.000Z',
    containerDefinitions: [
      {
        name: 'envoy',
        image: 'envoy:1',
        cpu: 0,
        essential: false,
        environment: [],
        mountPoints: [],
        volumesFrom: [],
        portMappings: [],
      },
      {
        environment: [
          { name: 'A', value: '' },
          { name: 'B', value: '2' },
        ],
        essential: true,
        cpu: 0,
        image: 'repo@sha256:1',
        name: 'web',
        portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
        mountPoints: [],
        volumesFrom: [],
        systemControls: [],
      },
    ],
    family: 'shop',
    networkMode: 'awsvpc',
    volumes: [],
    placementConstraints: [],
    requiresCompatibilities: ['FARGATE'],
    cpu: '1024',
    memory: '2048',
    tags: [
      { key: 'a', value: '2' },
      { key: 'z', value: '1' },
    ],
  };

  it('treats a described definition as the same as the one registered', () => {
    expect(taskDefinitionDifferences(rendered, described)).toEqual([]);
    expect(sameTaskDefinition(rendered, described)).toBe(true);
  });

  it('keeps an empty-string environment value significant', () => {
    const without = structuredClone(described);
    (without.containerDefinitions[1].environment as unknown[]).splice(0, 1);
    expect(taskDefinitionDifferences(rendered, without)).toEqual([
      'containerDefinitions[1].environment: 2 items vs 1',
    ]);
  });

  it.each([
    [
      'an image',
      (d: typeof described) => (d.containerDefinitions[1].image = 'repo@sha256:2'),
      ['containerDefinitions[1].image'],
    ],
    ['the memory', (d: typeof described) => (d.memory = '4096'), ['memory']],
    [
      'an env value',
      (d: typeof described) => (d.containerDefinitions[1].environment[1].value = '3'),
      ['containerDefinitions[1].environment[1].value'],
    ],
    [
      'a host port',
      (d: typeof described) => (d.containerDefinitions[1].portMappings[0].hostPort = 9090),
      ['containerDefinitions[1].portMappings[0].hostPort'],
    ],
  ])('notices a different %s', (_what, change, paths) => {
    const other = structuredClone(described);
    change(other);
    expect(taskDefinitionDifferences(rendered, other)).toEqual(paths);
    expect(sameTaskDefinition(rendered, other)).toBe(false);
  });

  it('sorts keys and normalises cpu/memory', () => {
    expect(Object.keys(canonicalTaskDefinition(rendered))).toEqual([
      'containerDefinitions',
      'cpu',
      'family',
      'memory',
      'networkMode',
      'requiresCompatibilities',
      'tags',
    ]);
    expect(canonicalTaskDefinition(rendered)).toMatchObject({ cpu: '1024', memory: '2048' });
  });
});
