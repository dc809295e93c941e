import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  LayersNotFoundException,
  ListImagesCommand,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import {
  DOCKER_REGISTRY_BIN,
  missingPrograms,
  pushImage,
  type RunningRegistry,
  startRegistry,
} from '@berth/testkit/local-registry.js';
import { type RunningEmulator, startEmulator } from '../src/server.js';
import { clientConfig, rejection } from './helpers/emulator.js';

const available = missingPrograms(DOCKER_REGISTRY_BIN).length === 0;
if (!available) {
  console.warn(
    `Skipping the backing-registry tests: ${DOCKER_REGISTRY_BIN} is not installed (apt-get install docker-registry).`,
  );
}

(available ? describe : describe.skip)('ECR backed by a real OCI registry (docker-registry)', () => {
  let registry: RunningRegistry;
  let emulator: RunningEmulator;
  let ecr: ECRClient;

  // A fresh registry and emulator for every test, so each stands alone and pushes what it needs.
  beforeEach(async () => {
    registry = await startRegistry();
    emulator = await startEmulator({
      registryUrl: registry.url,
      scenario: {
        repositories: [
          {
            name: 'shop/web',
            scanOnPush: true,
            scanResults: [{ tags: ['v1'], findings: [{ name: 'CVE-2025-1', severity: 'HIGH' }] }],
          },
          { name: 'shop/worker' },
        ],
      },
    });
    ecr = new ECRClient(clientConfig(emulator, { maxAttempts: 1 }));
  }, 30_000);

  afterEach(async () => {
    ecr?.destroy();
    await emulator?.stop();
    await registry?.stop();
  });

  /** Pushes tag v1 of shop/web straight to the registry and lets the emulator discover it. */
  async function pushV1() {
    const pushed = await pushImage(registry.url, 'shop/web', 'v1', { format: 'docker' });
    await ecr.send(new DescribeImagesCommand({ repositoryName: 'shop/web' }));
    return pushed;
  }

  it('shows images pushed straight to the registry through DescribeImages and BatchGetImage, byte for byte', async () => {
    const pushed = await pushImage(registry.url, 'shop/web', 'v1', { format: 'docker' });
    const described = await ecr.send(new DescribeImagesCommand({ repositoryName: 'shop/web' }));
    expect(described.imageDetails).toHaveLength(1);
    expect(described.imageDetails?.[0]).toMatchObject({
      imageDigest: pushed.digest,
      imageTags: ['v1'],
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      artifactMediaType: 'application/vnd.docker.container.image.v1+json',
    });
    const got = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: 'v1' }] }),
    );
    expect(got.images?.[0].imageManifest).toBe(pushed.manifest);
    expect(got.images?.[0].imageId?.imageDigest).toBe(pushed.digest);
  });

  it('scans discovered images on push with the repository’s scan results', async () => {
    await pushV1();
    const before = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'shop/web', imageId: { imageTag: 'v1' } }),
    );
    expect(before.imageScanStatus?.status).toBe('IN_PROGRESS');
    emulator.control.advance(5);
    const after = await ecr.send(
      new DescribeImageScanFindingsCommand({ repositoryName: 'shop/web', imageId: { imageTag: 'v1' } }),
    );
    expect(after.imageScanFindings?.findings?.map((f) => f.name)).toEqual(['CVE-2025-1']);
  });

  it('names the registry in repository URIs and the authorization endpoint', async () => {
    const { repositories } = await ecr.send(
      new DescribeRepositoriesCommand({ repositoryNames: ['shop/web'] }),
    );
    expect(repositories?.[0].repositoryUri).toBe(`${registry.host}/shop/web`);
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    expect(authorizationData?.[0].proxyEndpoint).toBe(registry.url);
  });

  it('writes PutImage (promotion) through to the registry', async () => {
    await pushV1();
    const got = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: 'v1' }] }),
    );
    const put = await ecr.send(
      new PutImageCommand({
        repositoryName: 'shop/web',
        imageManifest: got.images![0].imageManifest!,
        imageTag: 'prod',
      }),
    );
    expect(put.image?.imageId?.imageDigest).toBe(got.images![0].imageId!.imageDigest);
    const tags = (await (await fetch(`${registry.url}/v2/shop/web/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags.sort()).toEqual(['prod', 'v1']);
    const head = await fetch(`${registry.url}/v2/shop/web/manifests/prod`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    expect(head.headers.get('docker-content-digest')).toBe(got.images![0].imageId!.imageDigest);
  });

  it('follows tags moved in the registry and lists every tag', async () => {
    await pushV1();
    const second = await pushImage(registry.url, 'shop/web', 'v1');
    const listed = await ecr.send(new ListImagesCommand({ repositoryName: 'shop/web' }));
    expect(listed.imageIds).toContainEqual({ imageDigest: second.digest, imageTag: 'v1' });
    expect(emulator.world.images.resolveDigest(`${registry.host}/shop/web:v1`)).toBe(second.digest);
    expect(
      emulator.world.images.resolveDigest(`123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web:v1`),
    ).toBe(second.digest);
    expect(emulator.world.images.isEcrImage(`${registry.host}/shop/web:v1`)).toBe(true);
  });

  it('answers LayersNotFoundException for a manifest whose blobs the repository lacks', async () => {
    await pushV1();
    const got = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: 'v1' }] }),
    );
    const error = await rejection(
      ecr.send(
        new PutImageCommand({
          repositoryName: 'shop/worker',
          imageManifest: got.images![0].imageManifest!,
          imageTag: 'v1',
        }),
      ),
    );
    expect(error).toBeInstanceOf(LayersNotFoundException);
  });

  it('deletes images from the registry with BatchDeleteImage', async () => {
    const pushed = await pushImage(registry.url, 'shop/worker', 'old');
    await ecr.send(new DescribeImagesCommand({ repositoryName: 'shop/worker' }));
    const deleted = await ecr.send(
      new BatchDeleteImageCommand({
        repositoryName: 'shop/worker',
        imageIds: [{ imageDigest: pushed.digest }],
      }),
    );
    expect(deleted.imageIds).toEqual([{ imageDigest: pushed.digest, imageTag: 'old' }]);
    const head = await fetch(`${registry.url}/v2/shop/worker/manifests/${pushed.digest}`, {
      method: 'HEAD',
      headers: { accept: pushed.mediaType },
    });
    expect(head.status).toBe(404);
    const after = await ecr.send(new ListImagesCommand({ repositoryName: 'shop/worker' }));
    expect(after.imageIds).toEqual([]);
  });

  it('untags one of several tags although the registry cannot delete tags, and keeps it untagged', async () => {
    await pushV1();
    const got = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: 'v1' }] }),
    );
    await ecr.send(
      new PutImageCommand({
        repositoryName: 'shop/web',
        imageManifest: got.images![0].imageManifest!,
        imageTag: 'candidate',
      }),
    );
    const result = await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: 'candidate' }] }),
    );
    expect(result.failures).toEqual([]);
    for (let i = 0; i < 2; i++) {
      const listed = await ecr.send(new ListImagesCommand({ repositoryName: 'shop/web' }));
      expect(listed.imageIds?.map((id) => id.imageTag)).toContain('v1');
      expect(listed.imageIds?.map((id) => id.imageTag)).not.toContain('candidate');
    }
  });
});
