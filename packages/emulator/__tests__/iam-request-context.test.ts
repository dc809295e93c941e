/**
 * The request context of the calls Berth makes, as the Service Authorization Reference
 * describes them (expected values from its pages, not from the code):
 * - ECS: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
 *   DescribeClusters: resource type cluster, no ecs:cluster key; DescribeTaskDefinition and
 *   ListTaskDefinitions: no resource type (`*`); ListTasks: ecs:cluster; TagResource: ecs:CreateAction.
 * - ECR: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html
 * - iam:PassRole with iam:PassedToService: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
 * - Tag on create: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html
 */
import { authorizationRequests, type CallFacts, type ResourceLookup } from '../src/iam/request-context.js';

const facts: CallFacts = {
  region: 'eu-west-1',
  accountId: '123456789012',
  principalArn: 'arn:aws:iam::123456789012:role/shop-dev-deploy',
  now: Date.parse('2026-12-01T00:00:00Z'),
};
const lookup: ResourceLookup = {
  taskDefinitionArn: (ref) =>
    ref === 'web' ? 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:4' : undefined,
  nextTaskDefinitionRevision: (family) => (family === 'web' ? 5 : 1),
  repositoryScanType: (name) => (name === 'enhanced' ? 'ENHANCED' : 'BASIC'),
};
const ecs = (path: string) => `arn:aws:ecs:eu-west-1:123456789012:${path}`;

async function requests(service: string, operation: string, input: unknown) {
  return (await authorizationRequests(service, operation, input, facts, lookup)).map(
    ({ action, resource, context }) => {
      const {
        'aws:PrincipalArn': _p,
        'aws:PrincipalAccount': _a,
        'aws:PrincipalType': _t,
        'aws:RequestedRegion': _r,
        'aws:SecureTransport': _s,
        'aws:CurrentTime': _c,
        'aws:EpochTime': _e,
        ...keys
      } = context;
      return { action, resource, keys };
    },
  );
}

describe('ECS', () => {
  it('DescribeClusters authorises each cluster ARN and carries no ecs:cluster key', async () => {
    expect(await requests('ecs', 'DescribeClusters', { clusters: ['dev', ecs('cluster/batch')] })).toEqual([
      { action: 'ecs:DescribeClusters', resource: ecs('cluster/dev'), keys: {} },
      { action: 'ecs:DescribeClusters', resource: ecs('cluster/batch'), keys: {} },
    ]);
  });

  it('UpdateService: the service ARN, ecs:cluster and ecs:task-definition', async () => {
    expect(
      await requests('ecs', 'UpdateService', { cluster: 'dev', service: 'web', taskDefinition: 'web' }),
    ).toEqual([
      {
        action: 'ecs:UpdateService',
        resource: ecs('service/dev/web'),
        keys: { 'ecs:cluster': ecs('cluster/dev'), 'ecs:task-definition': ecs('task-definition/web:4') },
      },
    ]);
  });

  it('DescribeTaskDefinition and ListTaskDefinitions have no resource type: `*`', async () => {
    expect(await requests('ecs', 'DescribeTaskDefinition', { taskDefinition: 'web' })).toEqual([
      { action: 'ecs:DescribeTaskDefinition', resource: '*', keys: {} },
    ]);
    expect(await requests('ecs', 'ListTaskDefinitions', {})).toEqual([
      { action: 'ecs:ListTaskDefinitions', resource: '*', keys: {} },
    ]);
  });

  it('ListTasks on a cluster: `*` with ecs:cluster', async () => {
    expect(await requests('ecs', 'ListTasks', { cluster: 'dev' })).toEqual([
      { action: 'ecs:ListTasks', resource: '*', keys: { 'ecs:cluster': ecs('cluster/dev') } },
    ]);
  });

  it('RegisterTaskDefinition: the new revision, iam:PassRole per role, ecs:TagResource with ecs:CreateAction for its tags', async () => {
    const result = await requests('ecs', 'RegisterTaskDefinition', {
      family: 'web',
      taskRoleArn: 'arn:aws:iam::123456789012:role/shop-dev-web-task',
      executionRoleArn: 'arn:aws:iam::123456789012:role/shop-dev-web-execution',
      tags: [{ key: 'team', value: 'shop' }],
    });
    expect(result).toEqual([
      {
        action: 'ecs:RegisterTaskDefinition',
        resource: ecs('task-definition/web:5'),
        keys: { 'aws:RequestTag/team': 'shop', 'aws:TagKeys': ['team'] },
      },
      {
        action: 'iam:PassRole',
        resource: 'arn:aws:iam::123456789012:role/shop-dev-web-task',
        keys: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      },
      {
        action: 'iam:PassRole',
        resource: 'arn:aws:iam::123456789012:role/shop-dev-web-execution',
        keys: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      },
      {
        action: 'ecs:TagResource',
        resource: ecs('task-definition/web:5'),
        keys: {
          'ecs:CreateAction': 'RegisterTaskDefinition',
          'aws:RequestTag/team': 'shop',
          'aws:TagKeys': ['team'],
        },
      },
    ]);
  });

  // The ECS infrastructure role of a managed EBS volume is passed to ECS itself, which assumes it
  // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/infrastructure_IAM_role.html).
  it('RunTask and UpdateService with a managed EBS volume pass its infrastructure role to ecs.amazonaws.com', async () => {
    const volumeConfigurations = [
      {
        name: 'data',
        managedEBSVolume: {
          roleArn: 'arn:aws:iam::123456789012:role/shop-dev-ecs-infrastructure',
          sizeInGiB: 20,
        },
      },
    ];
    const passRole = {
      action: 'iam:PassRole',
      resource: 'arn:aws:iam::123456789012:role/shop-dev-ecs-infrastructure',
      keys: { 'iam:PassedToService': 'ecs.amazonaws.com' },
    };
    const run = await requests('ecs', 'RunTask', {
      cluster: 'dev',
      taskDefinition: 'web',
      volumeConfigurations,
    });
    expect(run).toContainEqual(passRole);
    expect(run.filter((r) => r.action === 'iam:PassRole')).toHaveLength(1);
    const update = await requests('ecs', 'UpdateService', {
      cluster: 'dev',
      service: 'web',
      volumeConfigurations,
    });
    expect(update).toContainEqual(passRole);
    expect(await requests('ecs', 'UpdateService', { cluster: 'dev', service: 'web' })).toHaveLength(1);
  });

  it('TagResource on its own carries no ecs:CreateAction', async () => {
    expect(
      await requests('ecs', 'TagResource', {
        resourceArn: ecs('service/dev/web'),
        tags: [{ key: 'a', value: 'b' }],
      }),
    ).toEqual([
      {
        action: 'ecs:TagResource',
        resource: ecs('service/dev/web'),
        keys: { 'aws:RequestTag/a': 'b', 'aws:TagKeys': ['a'] },
      },
    ]);
  });

  it('DescribeServiceDeployments: the deployment ARN with ecs:cluster and ecs:service', async () => {
    const deployment = ecs('service-deployment/dev/web/abc123');
    expect(
      await requests('ecs', 'DescribeServiceDeployments', { serviceDeploymentArns: [deployment] }),
    ).toEqual([
      {
        action: 'ecs:DescribeServiceDeployments',
        resource: deployment,
        keys: { 'ecs:cluster': ecs('cluster/dev'), 'ecs:service': ecs('service/dev/web') },
      },
    ]);
  });
});

describe('ECR and CloudWatch Logs', () => {
  it('GetAuthorizationToken has no resource type; repository actions authorise the repository', async () => {
    expect(await requests('ecr', 'GetAuthorizationToken', {})).toEqual([
      { action: 'ecr:GetAuthorizationToken', resource: '*', keys: {} },
    ]);
    expect(await requests('ecr', 'PutImage', { repositoryName: 'shop/web', imageManifest: '{}' })).toEqual([
      {
        action: 'ecr:PutImage',
        resource: 'arn:aws:ecr:eu-west-1:123456789012:repository/shop/web',
        keys: {},
      },
    ]);
  });

  it('enhanced-scanning findings also need inspector2:ListFindings', async () => {
    expect(
      (await requests('ecr', 'DescribeImageScanFindings', { repositoryName: 'enhanced' })).map(
        (r) => r.action,
      ),
    ).toEqual(['ecr:DescribeImageScanFindings', 'inspector2:ListFindings']);
    expect(
      (await requests('ecr', 'DescribeImageScanFindings', { repositoryName: 'basic' })).map((r) => r.action),
    ).toEqual(['ecr:DescribeImageScanFindings']);
  });

  it('GetLogEvents authorises the log stream', async () => {
    expect(
      await requests('logs', 'GetLogEvents', { logGroupName: '/ecs/web', logStreamName: 'web/app/1' }),
    ).toEqual([
      {
        action: 'logs:GetLogEvents',
        resource: 'arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/web:log-stream:web/app/1',
        keys: {},
      },
    ]);
  });
});
