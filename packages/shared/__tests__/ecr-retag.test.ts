import { createHash } from 'node:crypto';
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  ECRClient,
  ImageAlreadyExistsException,
  ImageTagAlreadyExistsException,
  PutImageCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import {
  currentTagDigests,
  ECR_MANIFEST_MEDIA_TYPES,
  imageIdFrom,
  retagImage,
} from '@berth/shared/ecr-retag';
import { ConfigurationError } from '@berth/shared/errors';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';

const ecr = new ECRClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const mock = mockClient(ecr);

const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

// Deliberately odd whitespace and key order: re-serialising it would change the digest.
const SINGLE = `{"schemaVersion":2,
  "mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:${'c'.repeat(64)}","size":2},
  "layers":[]}  `;
const INDEX = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:${'d'.repeat(64)}","size":400,"platform":{"architecture":"amd64","os":"linux"}},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:${'e'.repeat(64)}","size":400,"platform":{"architecture":"arm64","os":"linux"}}]}`;
// Docker schema 2 without imageManifestMediaType in the response: the type comes from the manifest.
const DOCKER = `{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":2,"digest":"sha256:${'f'.repeat(64)}"},"layers":[]}`;

beforeEach(() => {
  mock.reset();
});

describe('imageIdFrom', () => {
  it.each([
    [`sha256:${'a'.repeat(64)}`, { imageDigest: `sha256:${'a'.repeat(64)}` }],
    ['sha-abc1234', { imageTag: 'sha-abc1234' }],
    ['sha256:short', { imageTag: 'sha256:short' }],
  ])('%s', (reference, id) => {
    expect(imageIdFrom(reference)).toEqual(id);
  });
});

describe('retagImage', () => {
  it.each([
    ['single-arch OCI manifest', SINGLE, 'application/vnd.oci.image.manifest.v1+json', true],
    ['multi-arch OCI index', INDEX, 'application/vnd.oci.image.index.v1+json', true],
    [
      'Docker manifest, media type read from the manifest',
      DOCKER,
      'application/vnd.docker.distribution.manifest.v2+json',
      false,
    ],
  ])(
    '%s: sends the manifest back byte for byte with its media type and digest',
    async (_name, manifest, mediaType, reported) => {
      const digest = sha256(manifest);
      mock.on(BatchGetImageCommand).resolves({
        images: [
          {
            imageId: { imageTag: 'sha-abc1234', imageDigest: digest },
            imageManifest: manifest,
            imageManifestMediaType: reported ? mediaType : undefined,
          },
        ],
      });
      mock.on(PutImageCommand).resolves({});
      const result = await retagImage({
        ecr,
        repositoryName: 'shop',
        source: 'sha-abc1234',
        tags: ['staging', 'v1.2.3'],
      });

      expect(result.digest).toBe(digest);
      expect(result.results).toEqual([
        { tag: 'staging', outcome: 'tagged' },
        { tag: 'v1.2.3', outcome: 'tagged' },
      ]);
      const get = mock.commandCalls(BatchGetImageCommand)[0].args[0].input;
      expect(get.acceptedMediaTypes).toEqual([...ECR_MANIFEST_MEDIA_TYPES]);
      expect(get.imageIds).toEqual([{ imageTag: 'sha-abc1234' }]);
      const puts = mock.commandCalls(PutImageCommand).map((call) => call.args[0].input);
      expect(puts.map((put) => put.imageTag)).toEqual(['staging', 'v1.2.3']);
      for (const put of puts) {
        expect(put.imageManifest).toBe(manifest); // identical string, so identical bytes and digest
        expect(sha256(put.imageManifest!)).toBe(digest);
        expect(put.imageManifestMediaType).toBe(mediaType);
        expect(put.imageDigest).toBe(digest);
        expect(put.repositoryName).toBe('shop');
      }
    },
  );

  it('looks a digest source up by digest and passes registryId through', async () => {
    const digest = sha256(SINGLE);
    mock
      .on(BatchGetImageCommand)
      .resolves({ images: [{ imageId: { imageDigest: digest }, imageManifest: SINGLE }] });
    mock.on(PutImageCommand).resolves({});
    await retagImage({
      ecr,
      repositoryName: 'shop',
      registryId: '123456789012',
      source: digest,
      tags: ['prod'],
    });
    expect(mock.commandCalls(BatchGetImageCommand)[0].args[0].input).toMatchObject({
      registryId: '123456789012',
      imageIds: [{ imageDigest: digest }],
    });
    expect(mock.commandCalls(PutImageCommand)[0].args[0].input.registryId).toBe('123456789012');
  });

  it('treats ImageAlreadyExistsException as "already tagged"', async () => {
    mock.on(BatchGetImageCommand).resolves({
      images: [{ imageId: { imageTag: 'a', imageDigest: sha256(SINGLE) }, imageManifest: SINGLE }],
    });
    mock
      .on(PutImageCommand, { imageTag: 'prod' })
      .rejects(new ImageAlreadyExistsException({ message: 'exists', $metadata: {} }))
      .on(PutImageCommand, { imageTag: 'v2' })
      .resolves({});
    const result = await retagImage({ ecr, repositoryName: 'shop', source: 'a', tags: ['prod', 'v2'] });
    expect(result.results).toEqual([
      { tag: 'prod', outcome: 'already-tagged' },
      { tag: 'v2', outcome: 'tagged' },
    ]);
  });

  it('turns ImageTagAlreadyExistsException into an error naming the tag, both digests and the fix', async () => {
    const digest = sha256(SINGLE);
    const other = `sha256:${'9'.repeat(64)}`;
    mock
      .on(BatchGetImageCommand)
      .resolves({ images: [{ imageId: { imageTag: 'a', imageDigest: digest }, imageManifest: SINGLE }] });
    mock
      .on(PutImageCommand)
      .rejects(new ImageTagAlreadyExistsException({ message: 'tag exists', $metadata: {} }));
    mock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: other, imageTags: ['prod'] }] });
    const error = await retagImage({ ecr, repositoryName: 'shop', source: 'a', tags: ['prod'] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message).toContain('`prod`');
    expect(message).toContain(other);
    expect(message).toContain(digest);
    expect(message).toMatch(/Fix: .*batch-delete-image.*put-image-tag-mutability/);
  });

  it('names the source when it does not exist', async () => {
    mock
      .on(BatchGetImageCommand)
      .resolves({ images: [], failures: [{ imageId: { imageTag: 'nope' }, failureCode: 'ImageNotFound' }] });
    const error = await retagImage({ ecr, repositoryName: 'shop', source: 'nope', tags: ['prod'] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/`source`: image `nope` not found in repository `shop`/);
    expect(mock.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  it('explains a missing repository', async () => {
    mock
      .on(BatchGetImageCommand)
      .rejects(new RepositoryNotFoundException({ message: 'no repo', $metadata: {} }));
    const error = await retagImage({ ecr, repositoryName: 'ghost', source: 'a', tags: ['b'] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/`ghost` does not exist.*create-repository/);
  });
});

describe('currentTagDigests', () => {
  it('maps the tags that exist to their digests, in chunks of 100', async () => {
    const tags = Array.from({ length: 150 }, (_, i) => `t${i}`);
    mock.on(BatchGetImageCommand).callsFake((input: { imageIds: Array<{ imageTag: string }> }) => ({
      images: input.imageIds
        .filter((id) => id.imageTag === 't1' || id.imageTag === 't120')
        .map((id) => ({
          imageId: { imageTag: id.imageTag, imageDigest: sha256(id.imageTag) },
          imageManifest: '{}',
        })),
      failures: input.imageIds
        .filter((id) => id.imageTag !== 't1' && id.imageTag !== 't120')
        .map((id) => ({ imageId: id, failureCode: 'ImageNotFound' })),
    }));
    const current = await currentTagDigests(ecr, { repositoryName: 'shop' }, tags);
    expect(mock.commandCalls(BatchGetImageCommand)).toHaveLength(2);
    expect([...current]).toEqual([
      ['t1', sha256('t1')],
      ['t120', sha256('t120')],
    ]);
  });

  it('fails on failures other than "not found"', async () => {
    mock.on(BatchGetImageCommand).resolves({
      failures: [{ imageId: { imageTag: 'x' }, failureCode: 'KmsError', failureReason: 'key disabled' }],
    });
    await expect(currentTagDigests(ecr, { repositoryName: 'shop' }, ['x'])).rejects.toThrow(
      /KmsError key disabled/,
    );
  });
});
