import {
  ECSClient,
  ListServiceDeploymentsCommand,
  type Service,
  type ServiceDeploymentBrief,
} from '@aws-sdk/client-ecs';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { mockClient } from 'aws-sdk-client-mock';
import {
  chooseServiceDeployment,
  identifyDeployment,
  listServiceDeployments,
  primaryDeployment,
} from '../src/deployment/identify.js';

const TD1 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:1';
const TD2 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const SD = (id: string) => `arn:aws:ecs:us-east-1:123456789012:service-deployment/shop/web/${id}`;
const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds));

const brief = (id: string, seconds: number, status = 'PENDING'): ServiceDeploymentBrief =>
  ({ serviceDeploymentArn: SD(id), createdAt: at(seconds), status }) as ServiceDeploymentBrief;

describe('chooseServiceDeployment', () => {
  it.each<[string, ServiceDeploymentBrief[], number | undefined, string | undefined]>([
    [
      'the one created with our deployment',
      [brief('theirs', 40), brief('ours', 30), brief('old', 0, 'SUCCESSFUL')],
      30,
      SD('ours'),
    ],
    ['within a little clock skew', [brief('ours', 31), brief('old', 0)], 30, SD('ours')],
    ['not one from before our update', [brief('old', 10)], 30, undefined],
    [
      'someone else a moment later loses to ours',
      [brief('theirs', 31.5), brief('ours', 30.2)],
      30,
      SD('ours'),
    ],
    ['nothing listed', [], 30, undefined],
    ['without our creation time, the newest', [brief('a', 1), brief('b', 5)], undefined, SD('b')],
  ])('%s', (_label, briefs, seconds, expected) => {
    expect(
      chooseServiceDeployment(briefs, seconds === undefined ? undefined : at(seconds))?.serviceDeploymentArn,
    ).toBe(expected);
  });
});

describe('identifyDeployment', () => {
  const ecs = new ECSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(ecs);
  beforeEach(() => mock.reset());

  const before: Service = {
    serviceName: 'web',
    currentServiceDeployment: SD('old'),
    deployments: [
      {
        id: 'ecs-svc/1',
        status: 'PRIMARY',
        taskDefinition: TD1,
        createdAt: at(0),
        rolloutState: 'COMPLETED',
      },
    ],
  };
  const after = (o: Partial<Service> = {}): Service => ({
    serviceName: 'web',
    deployments: [
      {
        id: 'ecs-svc/2',
        status: 'PRIMARY',
        taskDefinition: TD2,
        createdAt: at(30),
        rolloutState: 'IN_PROGRESS',
      },
      { id: 'ecs-svc/1', status: 'ACTIVE', taskDefinition: TD1, createdAt: at(0), rolloutState: 'COMPLETED' },
    ],
    ...o,
  });
  const options = (service: Service) => ({
    ecs,
    cluster: 'shop',
    service: 'web',
    before,
    after: service,
    taskDefinitionArn: TD2,
    logger: recordingLogger(),
  });

  it('takes the ARN from the UpdateService response when it changed', async () => {
    const found = await identifyDeployment(options(after({ currentServiceDeployment: SD('ours') })));
    expect(found).toMatchObject({
      target: { deploymentId: 'ecs-svc/2', serviceDeploymentArn: SD('ours'), taskDefinitionArn: TD2 },
      started: true,
      arnSource: 'update-response',
    });
    expect(mock.calls()).toHaveLength(0);
    expect(primaryDeployment(after())?.id).toBe('ecs-svc/2');
  });

  it('lists service deployments when the response does not say', async () => {
    mock
      .on(ListServiceDeploymentsCommand)
      .resolves({ serviceDeployments: [brief('theirs', 45), brief('ours', 30)] });
    const found = await identifyDeployment(options(after({ currentServiceDeployment: SD('old') })));
    expect(found).toMatchObject({ target: { serviceDeploymentArn: SD('ours') }, arnSource: 'list' });
    expect(mock.commandCalls(ListServiceDeploymentsCommand)[0].args[0].input).toMatchObject({
      cluster: 'shop',
      service: 'web',
      createdAt: { after: at(-30) },
    });
  });

  it.each([
    ['denied', Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' })],
    ['unavailable', Object.assign(new Error('Unknown operation'), { name: 'UnknownOperationException' })],
  ])('falls back with one notice when the API is %s', async (_label, error) => {
    mock.on(ListServiceDeploymentsCommand).rejects(error);
    const opts = options(after());
    const found = await identifyDeployment(opts);
    expect(found).toMatchObject({
      target: { deploymentId: 'ecs-svc/2' },
      serviceDeploymentsApi: false,
      arnSource: 'none',
    });
    expect(found.target.serviceDeploymentArn).toBeUndefined();
    expect(
      opts.logger.lines.filter((l) => l.startsWith('notice: The service deployments API is not available')),
    ).toHaveLength(1);
  });

  it('never fails a started deployment because the lookup failed', async () => {
    mock
      .on(ListServiceDeploymentsCommand)
      .rejects(Object.assign(new Error('boom'), { name: 'ServerException' }));
    const opts = options(after());
    const found = await identifyDeployment(opts);
    expect(found.target.deploymentId).toBe('ecs-svc/2');
    expect(opts.logger.text()).toMatch(/warning: Could not list the service deployments \(boom\)/);
  });

  it('does not list when the caller knows the API is not available', async () => {
    const opts = { ...options(after({ currentServiceDeployment: SD('old') })), serviceDeploymentsApi: false };
    const found = await identifyDeployment(opts);
    expect(found).toEqual({
      target: { deploymentId: 'ecs-svc/2', taskDefinitionArn: TD2 },
      primary: after().deployments![0],
      started: true,
      arnSource: 'none',
      serviceDeploymentsApi: false,
    });
    expect(mock.calls()).toHaveLength(0);
    expect(opts.logger.lines).toEqual([]);
  });

  it('still takes a new ARN from the response when the API is not available', async () => {
    const found = await identifyDeployment({
      ...options(after({ currentServiceDeployment: SD('ours') })),
      serviceDeploymentsApi: false,
    });
    expect(found.target.serviceDeploymentArn).toBe(SD('ours'));
    expect(found.arnSource).toBe('update-response');
    expect(mock.calls()).toHaveLength(0);
  });

  it('knows when ECS started no new deployment', async () => {
    const same = { ...before, currentServiceDeployment: SD('old') };
    const found = await identifyDeployment(options(same));
    expect(found).toMatchObject({
      started: false,
      target: { deploymentId: 'ecs-svc/1', serviceDeploymentArn: SD('old') },
    });
  });
});

describe('listServiceDeployments', () => {
  const ecs = new ECSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(ecs);
  beforeEach(() => mock.reset());

  it('filters by status, pages up to the limit and sorts newest first (the API promises no order)', async () => {
    mock
      .on(ListServiceDeploymentsCommand, { nextToken: undefined })
      .resolves({
        serviceDeployments: [
          { serviceDeploymentArn: SD('old'), createdAt: new Date(1000) },
          { serviceDeploymentArn: SD('new'), createdAt: new Date(3000) },
        ],
        nextToken: 'p2',
      })
      .on(ListServiceDeploymentsCommand, { nextToken: 'p2' })
      .resolves({
        serviceDeployments: [{ serviceDeploymentArn: SD('mid'), createdAt: new Date(2000) }],
        nextToken: 'p3',
      });
    const listed = await listServiceDeployments(ecs, 'shop', 'web', ['SUCCESSFUL'], 2);
    expect(listed.items.map((d) => d.serviceDeploymentArn)).toEqual([SD('new'), SD('mid'), SD('old')]);
    expect(listed.truncated).toBe(true);
    expect(mock.commandCalls(ListServiceDeploymentsCommand)[0].args[0].input).toMatchObject({
      cluster: 'shop',
      service: 'web',
      status: ['SUCCESSFUL'],
      maxResults: 100,
    });
  });
});
