import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { mockClient } from 'aws-sdk-client-mock';
import { immutableTagAdvice, planImageTags, tagDeployedImages } from '../src/tag-images.js';

const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

describe('planImageTags', () => {
  it('tags private ECR images by digest once per image and skips other registries', () => {
    const plan = planImageTags({
      app: `${HOST}/shop@${D2}`,
      worker: `${HOST}/shop@${D2}`,
      tagged: `${HOST}/shop/jobs:v7`,
      other: '999999999999.dkr.ecr.eu-west-1.amazonaws.com/base@' + D1,
      proxy: 'public.ecr.aws/nginx/nginx:1.27',
      hub: 'nginx:1.27',
      broken: 'UPPER/case',
    });
    expect(plan.targets.map((t) => [t.repository, t.containers, t.source, t.region, t.registryId])).toEqual([
      ['shop', ['app', 'worker'], { imageDigest: D2 }, 'us-east-1', '123456789012'],
      ['shop/jobs', ['tagged'], { imageTag: 'v7' }, 'us-east-1', '123456789012'],
      ['base', ['other'], { imageDigest: D1 }, 'eu-west-1', '999999999999'],
    ]);
    expect(plan.skipped.map((s) => s.container)).toEqual(['proxy', 'hub', 'broken']);
    expect(plan.skipped[1].reason).toMatch(/Docker Hub is not a private ECR registry/);
  });

  it('gives the exclusion-filter command for an immutable repository', () => {
    const [target] = planImageTags({ app: `${HOST}/shop@${D2}` }).targets;
    expect(immutableTagAdvice(target, 'prod', D1, 'the repository is IMMUTABLE', 'IMMUTABLE')).toMatch(
      /aws ecr put-image-tag-mutability --repository-name shop --image-tag-mutability IMMUTABLE_WITH_EXCLUSION --image-tag-mutability-exclusion-filters filterType=WILDCARD,filter=prod/,
    );
    expect(immutableTagAdvice(target, 'prod', D1, 'filter', 'MUTABLE_WITH_EXCLUSION')).toMatch(
      /remove the exclusion filter/,
    );
  });
});

describe('tagDeployedImages', () => {
  const ecr = new ECRClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(ecr);
  const manifest = '{"schemaVersion":2}';
  beforeEach(() => {
    mock.reset();
    mock.on(BatchGetImageCommand, { imageIds: [{ imageDigest: D2 }] }).resolves({
      images: [
        {
          imageId: { imageDigest: D2 },
          imageManifest: manifest,
          imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
        },
      ],
    });
  });

  const run = (logger = recordingLogger()) =>
    tagDeployedImages({ images: { app: `${HOST}/shop@${D2}` }, tag: 'prod', ecrFor: () => ecr, logger }).then(
      (results) => ({
        results,
        logger,
      }),
    );

  it('puts the manifest byte for byte under the new tag', async () => {
    mock
      .on(DescribeRepositoriesCommand)
      .resolves({ repositories: [{ repositoryName: 'shop', imageTagMutability: 'MUTABLE' }] });
    mock
      .on(BatchGetImageCommand, { imageIds: [{ imageTag: 'prod' }] })
      .resolves({ images: [], failures: [{ failureCode: 'ImageNotFound' }] });
    mock.on(PutImageCommand).resolves({});
    const { results } = await run();
    expect(results).toEqual([{ image: `${HOST}/shop@${D2}`, outcome: 'tagged', digest: D2 }]);
    expect(mock.commandCalls(PutImageCommand)[0].args[0].input).toEqual({
      repositoryName: 'shop',
      registryId: '123456789012',
      imageManifest: manifest,
      imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      imageDigest: D2,
      imageTag: 'prod',
    });
  });

  it('keeps a tag already on the digest', async () => {
    mock.on(BatchGetImageCommand, { imageIds: [{ imageTag: 'prod' }] }).resolves({
      images: [{ imageId: { imageDigest: D2, imageTag: 'prod' }, imageManifest: manifest }],
    });
    const { results } = await run();
    expect(results[0].outcome).toBe('already-tagged');
    expect(mock.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  it('warns instead of failing when the repository is immutable and the tag is taken', async () => {
    mock
      .on(DescribeRepositoriesCommand)
      .resolves({ repositories: [{ repositoryName: 'shop', imageTagMutability: 'IMMUTABLE' }] });
    mock.on(BatchGetImageCommand, { imageIds: [{ imageTag: 'prod' }] }).resolves({
      images: [{ imageId: { imageDigest: D1, imageTag: 'prod' }, imageManifest: '{}' }],
    });
    const { results, logger } = await run();
    expect(results[0].outcome).toBe('refused');
    expect(logger.text()).toMatch(
      /warning: Could not tag shop \(app\) as `prod`: the tag already points at sha256:1+ .*IMMUTABLE_WITH_EXCLUSION/,
    );
    expect(mock.commandCalls(PutImageCommand)).toHaveLength(0);
  });

  it('warns with the permissions when ECR denies, and never throws', async () => {
    mock
      .on(DescribeRepositoriesCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    mock.on(BatchGetImageCommand, { imageIds: [{ imageTag: 'prod' }] }).resolves({ images: [] });
    mock.on(PutImageCommand).rejects(
      Object.assign(new Error('not authorized to perform: ecr:PutImage'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    mock.on(DescribeImagesCommand).resolves({ imageDetails: [] });
    const { results, logger } = await run();
    expect(results[0].outcome).toBe('failed');
    expect(logger.text()).toMatch(
      /Allow ecr:BatchGetImage, ecr:DescribeImages, ecr:DescribeRepositories and ecr:PutImage on arn:aws:ecr:us-east-1:123456789012:repository\/shop .*The deployment itself succeeded/,
    );
  });
});
