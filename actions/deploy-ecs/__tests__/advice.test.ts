import { ConfigurationError } from '@berth/shared/errors';
import { type EcsOperation, explainEcsError, fieldNamed } from '../src/advice.js';

const awsError = (name: string, message: string, status = 400) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

const context = {
  cluster: 'shop',
  service: 'web',
  region: 'eu-west-1',
  taskDefinition: 'deploy/td.json',
  roles: ['arn:aws:iam::123456789012:role/web-task', 'arn:aws:iam::123456789012:role/web-exec'],
};

describe('explainEcsError', () => {
  it.each<[string, EcsOperation, Error, RegExp, boolean]>([
    [
      'iam:PassRole denied on register',
      'RegisterTaskDefinition',
      awsError(
        'AccessDeniedException',
        'User: arn:aws:sts::123456789012:assumed-role/deploy/x is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/web-exec',
      ),
      /must be allowed `iam:PassRole` on `arn:aws:iam::123456789012:role\/web-task` and `arn:aws:iam::123456789012:role\/web-exec` \(with the condition `iam:PassedToService: ecs-tasks.amazonaws.com`\)/,
      true,
    ],
    [
      'update denied',
      'UpdateService',
      awsError('AccessDeniedException', 'not authorized to perform: ecs:UpdateService'),
      /Allow ecs:UpdateService for the role this step uses on service `web` in cluster `shop` \(eu-west-1\)/,
      true,
    ],
    [
      'unknown cluster',
      'DescribeServices',
      awsError('ClusterNotFoundException', 'Cluster not found.'),
      /Cluster `shop` was not found in eu-west-1\. Check the `cluster` input and the region/,
      true,
    ],
    [
      'unknown service',
      'UpdateService',
      awsError('ServiceNotFoundException', 'Service not found.'),
      /Service `web` was not found in cluster `shop`/,
      true,
    ],
    [
      'inactive service',
      'UpdateService',
      awsError('ServiceNotActiveException', 'Service was not ACTIVE.'),
      /is not ACTIVE/,
      true,
    ],
    [
      'unknown revision',
      'DescribeTaskDefinition',
      awsError('ClientException', 'Unable to describe task definition.'),
      /`task-definition`: deploy\/td.json is not registered \(Unable to describe task definition\.\)/,
      true,
    ],
    [
      'refused registration names the field',
      'RegisterTaskDefinition',
      awsError(
        'ClientException',
        "Invalid setting for container 'app'. At least one of 'memory' or 'memoryReservation' must be specified.",
      ),
      /ECS refused to register the task definition from deploy\/td.json: .* Fix `memoryReservation` in the file/,
      true,
    ],
    [
      'run-task network advice',
      'RunTask',
      awsError(
        'InvalidParameterException',
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
      ),
      /ECS refused to run the task: .* Set `run-task-subnets`/,
      true,
    ],
    [
      'strategy advice',
      'UpdateService',
      awsError('InvalidParameterException', 'The BLUE_GREEN deployment strategy requires a load balancer.'),
      /Check `strategy` and its settings/,
      true,
    ],
    [
      'outage stays an outage',
      'UpdateService',
      awsError('ServerException', 'Service Unavailable.', 500),
      /^Could not update the service: Service Unavailable\.$/,
      false,
    ],
  ])('%s', (_label, operation, error, message, configuration) => {
    const explained = explainEcsError(operation, error, context);
    expect(explained.message).toMatch(message);
    expect(explained instanceof ConfigurationError).toBe(configuration);
    expect((explained as Error & { cause?: unknown }).cause).toBe(error);
  });
});

describe('fieldNamed', () => {
  it.each([
    ['Container.image should not be null or empty.', 'image'],
    ["At least one of 'memory' or 'memoryReservation' must be specified.", 'memoryReservation'],
    ['Invalid networkMode value', 'networkMode'],
    ['Something else went wrong', undefined],
  ])('%s → %s', (message, field) => {
    expect(fieldNamed(message)).toBe(field);
  });
});
