import { createHash } from 'node:crypto';
import {
  DescribeImageReplicationStatusCommand,
  DescribeImagesCommand,
  DescribeRegistryCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  ImageNotFoundException,
  InvalidParameterException,
  PutImageCommand,
  PutReplicationConfigurationCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { DescribeClustersCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { destinationsFor } from '../src/ecr/replication.js';
import { regionFromAuthorization } from '../src/protocol.js';
import { type RunningEmulator, startEmulator } from '../src/server.js';
import type { Scenario } from '../src/world.js';
import { rejection } from './helpers/emulator.js';

// Regions and ECR private image replication, as AWS documents them:
// - a request reaches the region of its SigV4 credential scope
//   (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html);
// - replication is a per-region registry setting; images pushed after it is configured are
//   copied to each destination, the destination repository is created when missing
//   (https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-settings-configure.html,
//   https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html: "By default,
//   replication only applies to images pushed after the replication configuration is applied");
// - DescribeImageReplicationStatus lists one status per destination, IN_PROGRESS | COMPLETE | FAILED
//   with a failureCode (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageReplicationStatus.html).

const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'AKIDEMULATORTEST', secretAccessKey: 'not-checked' };

function manifest(seed: string): string {
  const digest = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(`c-${seed}`), size: 10 },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest(`l-${seed}`), size: 20 },
    ],
  });
}
const digestOf = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

const scenario = (extra: Partial<Scenario> = {}): Scenario => ({
  region: 'eu-west-1',
  accountId: ACCOUNT,
  clusters: ['primary-only'],
  repositories: [{ name: 'shop/web', images: [{ tags: ['before'] }] }],
  regions: {
    'us-west-2': { clusters: ['west'], repositories: [{ name: 'shop/other' }] },
  },
  replication: {
    rules: [{ destinations: [{ region: 'us-west-2', registryId: ACCOUNT }] }],
    delaySeconds: 120,
  },
  ...extra,
});

let emulator: RunningEmulator;
afterEach(async () => {
  await emulator?.stop();
});

const ecr = (region: string) => new ECRClient({ endpoint: emulator.url, region, credentials });
const ecs = (region: string) => new ECSClient({ endpoint: emulator.url, region, credentials });

describe('region routing', () => {
  it('reads the region of a SigV4 credential scope', () => {
    expect(
      regionFromAuthorization(
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=5d67',
      ),
    ).toBe('us-east-1');
    expect(regionFromAuthorization(undefined)).toBeUndefined();
    expect(regionFromAuthorization('Bearer x')).toBeUndefined();
  });

  it('keeps ECS and ECR state per region; an undeclared region reaches the primary', async () => {
    emulator = await startEmulator({ scenario: scenario(), seed: 3 });
    expect((await ecs('eu-west-1').send(new ListClustersCommand({}))).clusterArns).toEqual([
      `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/primary-only`,
    ]);
    expect((await ecs('us-west-2').send(new ListClustersCommand({}))).clusterArns).toEqual([
      `arn:aws:ecs:us-west-2:${ACCOUNT}:cluster/west`,
    ]);
    const missing = await rejection(
      ecr('us-west-2').send(new DescribeRepositoriesCommand({ repositoryNames: ['shop/web'] })),
    );
    expect(missing).toBeInstanceOf(RepositoryNotFoundException);
    const west = await ecr('us-west-2').send(new DescribeRepositoriesCommand({}));
    expect(west.repositories?.map((r) => r.repositoryUri)).toEqual([
      `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/shop/other`,
    ]);
    // Backwards compatible: a region the scenario does not declare is the primary.
    expect((await ecs('ap-south-1').send(new ListClustersCommand({}))).clusterArns).toEqual([
      `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/primary-only`,
    ]);
    expect(emulator.region('us-west-2')?.world.region).toBe('us-west-2');
    expect(emulator.region('ap-south-1')).toBeUndefined();
  });

  it('IAM is global: a policy written with the scenario region’s ${Region} does not grant another region, one naming both does', async () => {
    const role = (roleArn: string, placeholders?: Record<string, string[]>) => ({
      roleArn,
      placeholders,
      policies: [
        {
          document: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'ecs:DescribeClusters',
                Resource: 'arn:aws:ecs:${Region}:${Account}:cluster/*',
              },
            ],
          },
        },
      ],
    });
    emulator = await startEmulator({
      scenario: scenario({
        clusters: ['primary-only', 'west'],
        iam: {
          roles: [
            role(`arn:aws:iam::${ACCOUNT}:role/home`),
            role(`arn:aws:iam::${ACCOUNT}:role/both`, { Region: ['eu-west-1', 'us-west-2'] }),
          ],
        },
      }),
    });
    const list = (roleName: string, region: string) => {
      const session = emulator.control.iam.session(`arn:aws:iam::${ACCOUNT}:role/${roleName}`);
      return new ECSClient({
        endpoint: emulator.url,
        region,
        credentials: {
          accessKeyId: session.accessKeyId,
          secretAccessKey: session.secretAccessKey,
          sessionToken: session.sessionToken,
        },
      }).send(new DescribeClustersCommand({ clusters: [region === 'eu-west-1' ? 'primary-only' : 'west'] }));
    };
    await expect(list('home', 'eu-west-1')).resolves.toBeDefined();
    expect((await rejection(list('home', 'us-west-2'))).name).toBe('AccessDeniedException');
    await expect(list('both', 'us-west-2')).resolves.toBeDefined();
  });

  it('refuses a region that is not one, naming it', async () => {
    await expect(startEmulator({ scenario: scenario({ regions: { 'eu-west-1': {} } }) })).rejects.toThrow(
      /regions\.eu-west-1: expected an AWS region other than the scenario's own/,
    );
  });
});

describe('ECR replication', () => {
  it('copies an image pushed after configuration once the delay has passed; IN_PROGRESS, then COMPLETE', async () => {
    emulator = await startEmulator({ scenario: scenario(), seed: 3 });
    const text = manifest('v2');
    const digest = digestOf(text);
    await ecr('eu-west-1').send(
      new PutImageCommand({ repositoryName: 'shop/web', imageManifest: text, imageTag: 'v2' }),
    );
    const status = () =>
      ecr('eu-west-1').send(
        new DescribeImageReplicationStatusCommand({
          repositoryName: 'shop/web',
          imageId: { imageDigest: digest },
        }),
      );
    expect((await status()).replicationStatuses).toEqual([
      { region: 'us-west-2', registryId: ACCOUNT, status: 'IN_PROGRESS' },
    ]);
    const inWest = () =>
      ecr('us-west-2').send(
        new DescribeImagesCommand({ repositoryName: 'shop/web', imageIds: [{ imageDigest: digest }] }),
      );
    // Not there yet: the destination repository does not even exist before the first copy.
    expect(await rejection(inWest())).toBeInstanceOf(RepositoryNotFoundException);

    emulator.control.advance(119);
    expect((await status()).replicationStatuses?.[0]?.status).toBe('IN_PROGRESS');
    emulator.control.advance(1);
    expect((await status()).replicationStatuses?.[0]?.status).toBe('COMPLETE');
    const copied = await inWest();
    expect(copied.imageDetails?.[0]?.imageDigest).toBe(digest);
    expect(copied.imageDetails?.[0]?.imageTags).toEqual(['v2']);

    // The image present before replication was configured stays where it was.
    const before = await ecr('eu-west-1').send(
      new DescribeImagesCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: 'before' }] }),
    );
    const old = await rejection(
      ecr('us-west-2').send(
        new DescribeImagesCommand({
          repositoryName: 'shop/web',
          imageIds: [{ imageDigest: before.imageDetails?.[0]?.imageDigest }],
        }),
      ),
    );
    expect(old).toBeInstanceOf(ImageNotFoundException);
  });

  it('broken replication: the copy ends FAILED with the scenario’s failure code and never arrives', async () => {
    emulator = await startEmulator({
      scenario: scenario({
        replication: {
          rules: [{ destinations: [{ region: 'us-west-2', registryId: ACCOUNT }] }],
          delaySeconds: 30,
          failureCode: 'KMS_ACCESS_DENIED',
        },
      }),
    });
    const text = manifest('v3');
    await ecr('eu-west-1').send(
      new PutImageCommand({ repositoryName: 'shop/web', imageManifest: text, imageTag: 'v3' }),
    );
    emulator.control.advance(600);
    const { replicationStatuses } = await ecr('eu-west-1').send(
      new DescribeImageReplicationStatusCommand({ repositoryName: 'shop/web', imageId: { imageTag: 'v3' } }),
    );
    expect(replicationStatuses).toEqual([
      { region: 'us-west-2', registryId: ACCOUNT, status: 'FAILED', failureCode: 'KMS_ACCESS_DENIED' },
    ]);
    const missing = await rejection(
      ecr('us-west-2').send(
        new DescribeImagesCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: 'v3' }] }),
      ),
    );
    expect(missing).toBeInstanceOf(RepositoryNotFoundException);
  });

  it('PutReplicationConfiguration / DescribeRegistry; the configuration is the source region’s alone', async () => {
    emulator = await startEmulator({ scenario: scenario({ replication: undefined }) });
    expect((await ecr('eu-west-1').send(new DescribeRegistryCommand({}))).replicationConfiguration).toEqual({
      rules: [],
    });
    const configuration = {
      rules: [
        {
          destinations: [{ region: 'us-west-2', registryId: ACCOUNT }],
          repositoryFilters: [{ filter: 'shop', filterType: 'PREFIX_MATCH' as const }],
        },
      ],
    };
    await ecr('eu-west-1').send(
      new PutReplicationConfigurationCommand({ replicationConfiguration: configuration }),
    );
    const registry = await ecr('eu-west-1').send(new DescribeRegistryCommand({}));
    expect(registry.registryId).toBe(ACCOUNT);
    expect(registry.replicationConfiguration).toEqual(configuration);
    expect((await ecr('us-west-2').send(new DescribeRegistryCommand({}))).replicationConfiguration).toEqual({
      rules: [],
    });
    // A registry cannot name itself as a destination.
    const self = await rejection(
      ecr('eu-west-1').send(
        new PutReplicationConfigurationCommand({
          replicationConfiguration: {
            rules: [{ destinations: [{ region: 'eu-west-1', registryId: ACCOUNT }] }],
          },
        }),
      ),
    );
    expect(self).toBeInstanceOf(InvalidParameterException);
  });

  it('repository filters are prefixes; each destination once (API_RepositoryFilter: PREFIX_MATCH)', () => {
    const west = { region: 'us-west-2', registryId: ACCOUNT };
    const east = { region: 'us-east-2', registryId: ACCOUNT };
    const configuration = {
      rules: [
        {
          destinations: [west],
          repositoryFilters: [{ filter: 'shop', filterType: 'PREFIX_MATCH' as const }],
        },
        {
          destinations: [west, east],
          repositoryFilters: [{ filter: 'shop/web', filterType: 'PREFIX_MATCH' as const }],
        },
      ],
    };
    const table: Array<[string, string[]]> = [
      ['shop/web', ['us-west-2', 'us-east-2']],
      ['shop/worker', ['us-west-2']],
      ['shopping', ['us-west-2']],
      ['billing/api', []],
    ];
    for (const [repository, regions] of table) {
      expect([repository, destinationsFor(configuration, repository).map((d) => d.region)]).toEqual([
        repository,
        regions,
      ]);
    }
    expect(destinationsFor({ rules: [{ destinations: [east] }] }, 'anything')).toEqual([east]);
    expect(destinationsFor(undefined, 'shop/web')).toEqual([]);
  });
});
