import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterNotFoundException, DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { getInputs } from '../src/inputs.js';
import { runningTaskDefinition } from '../src/running-service.js';
import { parseServiceReference } from '../src/service-reference.js';

const ecsMock = mockClient(ECSClient);
afterEach(() => {
  ecsMock.reset();
});
const ecs = () => new ECSClient({ region: 'eu-west-1' });

describe('parseServiceReference', () => {
  it.each([
    ['production/shop-web', { cluster: 'production', service: 'shop-web' }],
    // The long service ARN format: arn:aws:ecs:region:account:service/cluster-name/service-name
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-account-settings.html#ecs-resource-ids).
    [
      'arn:aws:ecs:us-east-2:644160558196:service/dev-redash/redash-server',
      { cluster: 'dev-redash', service: 'redash-server' },
    ],
  ])('%s', (value, expected) => {
    expect(parseServiceReference(value)).toEqual(expected);
  });

  it.each([
    'shop-web',
    'production/shop-web/extra',
    'arn:aws:ecs:us-east-2:644160558196:service/redash-server',
    'production/shop web',
  ])('refuses %s, naming the input and the form', (value) => {
    expect(() => parseServiceReference(value)).toThrow(ConfigurationError);
    expect(() => parseServiceReference(value)).toThrow(/Input `service` must be `cluster\/service`/);
  });
});

describe('the service input', () => {
  const reader = (values: Record<string, string>) => new InputReader((name) => values[name] ?? '');
  it('is one of the three sources, alone', () => {
    expect(getInputs(reader({ service: 'production/shop-web' })).service).toEqual({
      cluster: 'production',
      service: 'shop-web',
    });
    expect(() =>
      getInputs(reader({ service: 'production/shop-web', 'task-definition-family': 'shop-web' })),
    ).toThrow(/Inputs `task-definition-family` and `service` cannot be used together/);
    expect(() => getInputs(reader({}))).toThrow(/`service` \(`cluster\/service`, what it runs now\)/);
  });
});

describe('runningTaskDefinition', () => {
  // A real DescribeServices answer (Cloud Custodian's recorded placebo data, corpus SOURCES.md).
  const corpusFile = join(
    REPO_ROOT,
    '..',
    'shared',
    'corpus',
    'ecs-api',
    'c7n-describe-services-mid-rollout.json',
  );
  (existsSync(corpusFile) ? it : it.skip)(
    'answers the service’s own taskDefinition from a real DescribeServices response mid-rollout',
    async () => {
      const recorded = JSON.parse(readFileSync(corpusFile, 'utf8')).data;
      ecsMock.on(DescribeServicesCommand).resolves(recorded);
      const arn = await runningTaskDefinition(
        ecs(),
        { cluster: 'dev-redash', service: 'redash-server' },
        'us-east-2',
      );
      expect(arn).toBe(recorded.services[0].taskDefinition);
      expect(ecsMock.commandCalls(DescribeServicesCommand)[0].args[0].input).toEqual({
        cluster: 'dev-redash',
        services: ['redash-server'],
      });
    },
  );

  it('says a missing service is missing: DescribeServices reports it in failures[] with reason MISSING, not as an error', async () => {
    // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Failure.html (reason MISSING).
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [],
      failures: [
        { arn: 'arn:aws:ecs:eu-west-1:123456789012:service/production/shop-wbe', reason: 'MISSING' },
      ],
    });
    await expect(
      runningTaskDefinition(ecs(), { cluster: 'production', service: 'shop-wbe' }, 'eu-west-1'),
    ).rejects.toThrow(
      /Input `service`: ECS has no active service `shop-wbe` in cluster `production` \(eu-west-1\) \(MISSING\)/,
    );
  });

  it('says a missing cluster is missing', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} }));
    await expect(
      runningTaskDefinition(ecs(), { cluster: 'prod', service: 'shop-web' }, 'eu-west-1'),
    ).rejects.toThrow(/Input `service`: cluster `prod` does not exist in eu-west-1/);
  });
});
