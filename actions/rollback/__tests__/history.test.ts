import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  ListTaskDefinitionsCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { listFamily, readServiceState } from '../src/history.js';

const TD = (n: number, family = 'web') => `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${n}`;
const SD = (id: string) => `arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/${id}`;
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop';
const DIGEST = (n: number) => `sha256:${String(n).repeat(64)}`;
const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };

function clients() {
  const ecs = new ECSClient({ region: 'us-east-1', credentials });
  const ecr = new ECRClient({ region: 'us-east-1', credentials });
  return { ecs, ecr, ecsMock: mockClient(ecs), ecrMock: mockClient(ecr) };
}

const steady = (revision: number): Service => ({
  serviceName: 'web',
  status: 'ACTIVE',
  taskDefinition: TD(revision),
  deployments: [
    { id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: TD(revision), rolloutState: 'COMPLETED' },
  ],
});

describe('listFamily', () => {
  it('reads every page, keeps only the exact family (the prefix also matches web-worker), newest first', async () => {
    const { ecs, ecsMock } = clients();
    ecsMock
      .on(ListTaskDefinitionsCommand, { nextToken: undefined })
      .resolves({ taskDefinitionArns: [TD(9), TD(3, 'web-worker'), TD(8)], nextToken: 'p2' })
      .on(ListTaskDefinitionsCommand, { nextToken: 'p2' })
      .resolves({ taskDefinitionArns: [TD(2), TD(10)] });
    const family = await listFamily(ecs, 'web');
    expect(family.map((r) => r.revision)).toEqual([10, 9, 8, 2]);
    expect(ecsMock.commandCalls(ListTaskDefinitionsCommand)[0].args[0].input).toEqual({
      familyPrefix: 'web',
      status: 'ACTIVE',
      sort: 'DESC',
      maxResults: 100,
      nextToken: undefined,
    });
  });
});

describe('readServiceState', () => {
  const describeDefinitions = (
    ecsMock: ReturnType<typeof clients>['ecsMock'],
    images: (n: number) => string,
  ) =>
    ecsMock.on(DescribeTaskDefinitionCommand).callsFake((input: { taskDefinition: string }) => {
      const n = Number(input.taskDefinition.split(':').pop());
      return {
        taskDefinition: {
          taskDefinitionArn: TD(n),
          status: 'ACTIVE',
          containerDefinitions: [{ name: 'web', image: images(n) }],
        },
      };
    });

  it.each([
    ['UnknownOperationException', ''],
    [
      'AccessDeniedException',
      'User: arn:aws:sts::123456789012:assumed-role/deploy/gha is not authorized to perform: ecs:ListServiceDeployments',
    ],
  ])(
    'marks the service deployments API unavailable on %s and reads the family instead',
    async (name, message) => {
      const { ecs, ecr, ecsMock } = clients();
      ecsMock.on(DescribeServicesCommand).resolves({ services: [steady(7)] });
      describeDefinitions(ecsMock, (n) => `${REPO}@${DIGEST(n)}`);
      ecsMock
        .on(ListServiceDeploymentsCommand)
        .rejects(Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } }));
      ecsMock.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [TD(7), TD(6)] });
      const logger = recordingLogger();
      const state = await readServiceState(
        { ecs, ecrFor: () => ecr, logger, cluster: 'prod', service: 'web' },
        { kind: 'last-successful' },
      );
      expect(state.history).toMatchObject({
        deploymentsApi: 'unavailable',
        unavailableBecause: message ? `${name}: ${message}` : name,
        family: [
          { arn: TD(7), revision: 7 },
          { arn: TD(6), revision: 6 },
        ],
      });
      expect(state.current).toEqual({ taskDefinitionArn: TD(7), images: { web: `${REPO}@${DIGEST(7)}` } });
    },
  );

  it('does not hide other failures of the deployments API', async () => {
    const { ecs, ecr, ecsMock } = clients();
    ecsMock.on(DescribeServicesCommand).resolves({ services: [steady(7)] });
    describeDefinitions(ecsMock, (n) => `${REPO}@${DIGEST(n)}`);
    ecsMock
      .on(ListServiceDeploymentsCommand)
      .rejects(Object.assign(new Error('bad cluster'), { name: 'ClusterNotFoundException' }));
    await expect(
      readServiceState(
        { ecs, ecrFor: () => ecr, logger: recordingLogger(), cluster: 'prod', service: 'web' },
        { kind: 'last-successful' },
      ),
    ).rejects.toThrow('Could not read the deployment history of service `web`: bad cluster');
  });

  it('builds the history of SUCCESSFUL deployments from their service revisions, with the digests ECS ran', async () => {
    const { ecs, ecr, ecsMock } = clients();
    ecsMock.on(DescribeServicesCommand).resolves({ services: [steady(7)] });
    describeDefinitions(ecsMock, (n) => `${REPO}:v${n}`);
    ecsMock.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        {
          serviceDeploymentArn: SD('a'),
          status: 'SUCCESSFUL',
          targetServiceRevisionArn: 'rev/6',
          createdAt: new Date(1000),
        },
        {
          serviceDeploymentArn: SD('b'),
          status: 'SUCCESSFUL',
          targetServiceRevisionArn: 'rev/7',
          createdAt: new Date(2000),
        },
      ],
    });
    ecsMock.on(DescribeServiceRevisionsCommand).callsFake((input: { serviceRevisionArns: string[] }) => ({
      serviceRevisions: input.serviceRevisionArns.map((arn) => {
        const n = Number(arn.split('/').pop());
        return {
          serviceRevisionArn: arn,
          taskDefinition: TD(n),
          containerImages: [{ containerName: 'web', image: `${REPO}:v${n}`, imageDigest: DIGEST(n) }],
        };
      }),
    }));
    const state = await readServiceState(
      { ecs, ecrFor: () => ecr, logger: recordingLogger(), cluster: 'prod', service: 'web' },
      { kind: 'last-successful' },
    );
    expect(state.history.deploymentsApi).toBe('available');
    expect(
      state.history.deployments.map((d) => [d.serviceDeploymentArn, d.taskDefinitionArn, d.digests.web]),
    ).toEqual([
      [SD('b'), TD(7), DIGEST(7)],
      [SD('a'), TD(6), DIGEST(6)],
    ]);
    expect(ecsMock.commandCalls(ListTaskDefinitionsCommand)).toHaveLength(0);
  });

  it('image: describes revisions newest first, resolves the tag once per repository, and stops at the first match', async () => {
    const { ecs, ecr, ecsMock, ecrMock } = clients();
    ecsMock.on(DescribeServicesCommand).resolves({ services: [steady(9)] });
    describeDefinitions(ecsMock, (n) => `${REPO}@${DIGEST(n)}`);
    ecsMock
      .on(ListTaskDefinitionsCommand)
      .resolves({ taskDefinitionArns: [TD(9), TD(8), TD(7), TD(6), TD(5)] });
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST(7) }] });
    const state = await readServiceState(
      { ecs, ecrFor: () => ecr, logger: recordingLogger(), cluster: 'prod', service: 'web' },
      { kind: 'image', tag: 'v7' },
    );
    expect(state.history.imageSearch).toMatchObject({
      scanned: 3,
      match: { revision: { revision: 7 }, matchedBy: 'resolved-tag' },
    });
    // The running revision, then 9, 8, 7 — and not 6 or 5.
    expect(
      ecsMock.commandCalls(DescribeTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition),
    ).toEqual([TD(9), TD(9), TD(8), TD(7)]);
    expect(ecrMock.commandCalls(DescribeImagesCommand)).toHaveLength(1);
  });
});
