import { createHash } from 'node:crypto';
import { ECRClient, PutImageCommand } from '@aws-sdk/client-ecr';
import { type RunningEmulator, startEmulator } from '@berth/emulator';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ConfigurationError, OutcomeError } from '../src/errors.js';
import { waitForImageArrival } from '../src/image-arrival.js';

// Against the emulator's ECR replication, which follows AWS's documentation
// (https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-settings-configure.html; an image
// pushed after replication is configured is copied to each destination region, the destination
// repository created with the first copy). The wait's clock is the emulator's: each sleep advances it.

const ACCOUNT = '123456789012';
const WEST = `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com`;
const credentials = { accessKeyId: 'AKIDEMULATORTEST', secretAccessKey: 'not-checked' };
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: {
    mediaType: 'application/vnd.oci.image.config.v1+json',
    digest: `sha256:${'c'.repeat(64)}`,
    size: 2,
  },
  layers: [],
});
const DIGEST = `sha256:${createHash('sha256').update(MANIFEST).digest('hex')}`;

let emulator: RunningEmulator;
afterEach(async () => {
  await emulator?.stop();
});

async function pushedWith(replication: { delaySeconds: number; failureCode?: string }) {
  emulator = await startEmulator({
    scenario: {
      region: 'eu-west-1',
      accountId: ACCOUNT,
      repositories: [{ name: 'shop/web' }],
      regions: { 'us-west-2': {} },
      replication: {
        rules: [{ destinations: [{ region: 'us-west-2', registryId: ACCOUNT }] }],
        ...replication,
      },
    },
  });
  const ecr = (region: string) => new ECRClient({ endpoint: emulator.url, region, credentials });
  await ecr('eu-west-1').send(
    new PutImageCommand({ repositoryName: 'shop/web', imageManifest: MANIFEST, imageTag: 'v1' }),
  );
  const logger = recordingLogger();
  const clock = {
    now: () => emulator.control.now().getTime(),
    sleep: async (ms: number) => {
      emulator.control.advance(ms / 1000);
    },
  };
  const arrival = {
    ecr: ecr('us-west-2'),
    registry: WEST,
    region: 'us-west-2',
    repository: { repositoryName: 'shop/web' },
    digest: DIGEST,
    clock,
    logger,
  };
  return { arrival, logger };
}

describe('waitForImageArrival', () => {
  it('waits for the replicated copy, a line per look, and returns once it is there', async () => {
    const { arrival, logger } = await pushedWith({ delaySeconds: 95 });
    const waited = await waitForImageArrival({ ...arrival, timeoutMs: 600_000, pollMs: 30_000 });
    // Looks at 0, 30, 60 and 90 s find nothing; the copy lands at 95 s; the look at 120 s finds it.
    expect(Math.round(waited / 1000)).toBe(120);
    const waiting = logger.lines.filter((line) => line.includes('Waiting for'));
    expect(waiting).toHaveLength(4);
    expect(waiting[0]).toContain(
      `Waiting for ${DIGEST} in ${WEST}/shop/web (us-west-2): not there after 0 s`,
    );
    expect(logger.text()).toContain(`${DIGEST} arrived in ${WEST}/shop/web (us-west-2) after 2 min`);
  });

  it('does not wait when the image is there', async () => {
    const { arrival, logger } = await pushedWith({ delaySeconds: 10 });
    emulator.control.advance(10);
    await waitForImageArrival({ ...arrival, timeoutMs: 60_000 });
    expect(logger.lines.filter((line) => line.includes('Waiting for'))).toEqual([]);
    expect(logger.text()).toContain(`${DIGEST} is in ${WEST}/shop/web (us-west-2).`);
  });

  it('broken replication: fails after the timeout naming the region, the registry and the digest', async () => {
    const { arrival } = await pushedWith({ delaySeconds: 20, failureCode: 'KMS_ACCESS_DENIED' });
    const failure = await waitForImageArrival({ ...arrival, timeoutMs: 120_000, pollMs: 25_000 }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(OutcomeError);
    expect((failure as Error).message).toContain(
      `${DIGEST} did not arrive in ${WEST}/shop/web (region us-west-2) within 2 min.`,
    );
    expect((failure as Error).message).toContain('describe-image-replication-status');
  });

  it('an error other than "not there" is not waited out', async () => {
    const { arrival } = await pushedWith({ delaySeconds: 10 });
    // Faults belong to a region's world, like the calls they answer.
    emulator
      .region('us-west-2')
      ?.control.fault({ service: 'ecr', operation: 'DescribeImages', kind: 'server-error', count: 10 });
    const failure = await waitForImageArrival({
      ...arrival,
      ecr: new ECRClient({ endpoint: emulator.url, region: 'us-west-2', credentials, maxAttempts: 1 }),
      timeoutMs: 60_000,
    }).catch((error: unknown) => error);
    expect((failure as Error).message).toMatch(
      /^Could not look for sha256:[a-f0-9]{64} in .*us-west-2.*\/shop\/web \(DescribeImages\)/,
    );
    expect(failure).not.toBeInstanceOf(ConfigurationError);
  });
});
