import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeTaskDefinitionCommand, ECSClient, type TaskDefinition } from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@berth/shared/errors';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { movedTags, reRegisterCommands, verifyTarget } from '../src/verify.js';

const TD = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:41';
const REPO = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };

function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

function setup(definition: Partial<TaskDefinition>) {
  const ecs = new ECSClient({ region: 'eu-west-1', credentials });
  const ecr = new ECRClient({ region: 'eu-west-1', credentials });
  mockClient(ecs)
    .on(DescribeTaskDefinitionCommand)
    .resolves({
      taskDefinition: { taskDefinitionArn: TD, family: 'web', revision: 41, status: 'ACTIVE', ...definition },
    });
  const ecrMock = mockClient(ecr);
  const logger = recordingLogger();
  const regions: string[] = [];
  return {
    ecrMock,
    logger,
    regions,
    verify: () =>
      verifyTarget(
        {
          ecs,
          ecrFor: (registry) => {
            regions.push(registry.region);
            return ecr;
          },
          logger,
        },
        'web:41',
      ),
  };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('verifyTarget', () => {
  it('checks a pinned image by digest and a tagged one by tag, and skips images outside ECR with a notice', async () => {
    const { ecrMock, logger, verify, regions } = setup({
      containerDefinitions: [
        { name: 'web', image: `${REPO}@${DIGEST}` },
        { name: 'worker', image: `${REPO}:v1.4.2` },
        { name: 'envoy', image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.4.0-prod' },
        { name: 'other-region', image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@${DIGEST}` },
      ],
    });
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: DIGEST }] });
    const verified = await verify();

    expect(verified.taskDefinitionArn).toBe(TD);
    expect(verified.checks.map((c) => [c.container, c.result, c.by])).toEqual([
      ['web', 'found', 'digest'],
      ['worker', 'found', 'tag'],
      ['envoy', 'not-ecr', undefined],
      ['other-region', 'found', 'digest'],
    ]);
    const lookups = ecrMock.commandCalls(DescribeImagesCommand).map((call) => call.args[0].input);
    expect(lookups).toEqual([
      { registryId: '123456789012', repositoryName: 'shop', imageIds: [{ imageDigest: DIGEST }] },
      { registryId: '123456789012', repositoryName: 'shop', imageIds: [{ imageTag: 'v1.4.2' }] },
      { registryId: '123456789012', repositoryName: 'shop', imageIds: [{ imageDigest: DIGEST }] },
    ]);
    expect(regions).toEqual(['eu-west-1', 'eu-west-1', 'us-east-1']);
    expect(logger.lines).toContainEqual(
      'notice: Container `envoy`: public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.4.0-prod is not in a private ECR registry, so Berth cannot check that it still exists.',
    );
  });

  it('refuses a target whose images are gone, naming each container and image and the lifecycle policy', async () => {
    const { ecrMock, verify } = setup({
      containerDefinitions: [
        { name: 'web', image: `${REPO}@${DIGEST}` },
        { name: 'worker', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/gone:v1' },
      ],
    });
    ecrMock
      .on(DescribeImagesCommand, { repositoryName: 'shop' })
      .rejects(
        awsError(
          'ImageNotFoundException',
          "The image with imageId {imageDigest:'sha256:aaa'} does not exist",
        ),
      )
      .on(DescribeImagesCommand, { repositoryName: 'gone' })
      .rejects(awsError('RepositoryNotFoundException'));
    const message = await refusal(verify());
    expect(message).toBe(
      [
        `The target ${TD} cannot start: 2 images it references no longer exist in ECR:`,
        `  - container \`web\`: ${REPO}@${DIGEST} (repository \`shop\` has no image with digest ${DIGEST})`,
        '  - container `worker`: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/gone:v1 (registry 123456789012 (eu-west-1) has no repository `gone`)',
        'An ECR lifecycle policy (or someone) deleted them. Nothing was changed. Push the image again under the same digest if you still have it, or roll back to another revision (`to: <family>:<revision>`); keep rollback targets with a lifecycle rule that protects your deployed tags.',
      ].join('\n'),
    );
  });

  it('refuses an INACTIVE target and says how to register it again', async () => {
    const { verify } = setup({ status: 'INACTIVE', containerDefinitions: [] });
    const message = await refusal(verify());
    expect(message).toMatch(/^The target .*web:41 is INACTIVE: it was deregistered/);
    expect(message).toContain(reRegisterCommands(TD));
    expect(reRegisterCommands(TD)).toBe(
      [
        'aws ecs describe-task-definition --task-definition web:41 --query taskDefinition --output json \\',
        // The members of DescribeTaskDefinition's TaskDefinition that RegisterTaskDefinition does not
        // take (API_TaskDefinition vs API_RegisterTaskDefinition), deleteRequestedAt included.
        "  | jq 'del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities, .registeredAt, .registeredBy, .deregisteredAt, .deleteRequestedAt)' > web-41.json",
        'aws ecs register-task-definition --cli-input-json file://web-41.json',
      ].join('\n'),
    );
  });

  it('turns a denied DescribeImages into the permission to grant', async () => {
    const { ecrMock, verify } = setup({
      containerDefinitions: [{ name: 'web', image: `${REPO}@${DIGEST}` }],
    });
    ecrMock.on(DescribeImagesCommand).rejects(awsError('AccessDeniedException', 'not authorized.'));
    expect(await refusal(verify())).toMatch(
      /Allow `ecr:DescribeImages` on arn:aws:ecr:eu-west-1:123456789012:repository\/shop for the role this step uses\.$/,
    );
  });

  it('names the `to` input when the revision does not exist', async () => {
    const ecs = new ECSClient({ region: 'eu-west-1', credentials });
    mockClient(ecs)
      .on(DescribeTaskDefinitionCommand)
      .rejects(awsError('ClientException', 'Unable to describe task definition.'));
    const message = await refusal(
      verifyTarget({ ecs, ecrFor: () => new ECRClient({}), logger: recordingLogger() }, 'web:99'),
    );
    expect(message).toBe(
      'Task definition `web:99` was not found (Unable to describe task definition.). Check the `to` input and the region; `aws ecs list-task-definitions --family-prefix web` lists the revisions.',
    );
  });
});

describe('movedTags', () => {
  it('warns when a tag now points at another digest than the deployment being restored ran', () => {
    const checks = [
      { container: 'web', image: `${REPO}:v1`, result: 'found' as const, by: 'tag' as const, digest: DIGEST },
      { container: 'api', image: `${REPO}:v2`, result: 'found' as const, by: 'tag' as const, digest: DIGEST },
      {
        container: 'pinned',
        image: `${REPO}@${DIGEST}`,
        result: 'found' as const,
        by: 'digest' as const,
        digest: DIGEST,
      },
    ];
    const ran = `sha256:${'b'.repeat(64)}`;
    expect(movedTags(checks, { web: ran, api: DIGEST, pinned: ran })).toEqual([
      `Container \`web\`: ${REPO}:v1 now points at ${DIGEST}, but the deployment being restored ran ${ran}. ECS resolves the tag again, so this rollback is not exact; pin images by digest (render-taskdef does) to make rollbacks exact.`,
    ]);
    expect(movedTags(checks, undefined)).toEqual([]);
  });
});
