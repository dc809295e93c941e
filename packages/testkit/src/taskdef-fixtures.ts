import type { JsonObject } from '@berth/shared/taskdef/read';

// Task definitions for the task-definition pipeline's tests (shared validate, render-taskdef).

/** A valid Fargate task definition with one container `web`; tests change one thing at a time. */
export function fargateTask(overrides: JsonObject = {}, web: JsonObject = {}): JsonObject {
  return {
    family: 'shop-web',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    executionRoleArn: 'arn:aws:iam::123456789012:role/exec',
    containerDefinitions: [
      {
        name: 'web',
        image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1',
        essential: true,
        portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
        environment: [
          { name: 'A', value: '1' },
          { name: 'EMPTY', value: '' },
        ],
        ...web,
      },
    ],
    ...overrides,
  };
}

/** Two containers `app` and `envoy` on EC2 bridge networking. */
export function twoContainerTask(overrides: JsonObject = {}): JsonObject {
  return {
    family: 'mesh',
    networkMode: 'bridge',
    memory: '1024',
    containerDefinitions: [
      { name: 'app', image: 'app:1', essential: true },
      { name: 'envoy', image: 'envoy:1', essential: true },
    ],
    ...overrides,
  };
}
