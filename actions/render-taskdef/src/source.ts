import {
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandOutput,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import {
  awsErrorName,
  ConfigurationError,
  errorMessage,
  isAccessDenied,
  wrapError,
} from '@berth/shared/errors';
import type { JsonObject, TaskDefinitionDocument } from '@berth/shared/taskdef/read';

export type EcsSender = Pick<ECSClient, 'send'>;

export interface FetchedFamily extends TaskDefinitionDocument {
  /** `family:revision` that was fetched. */
  revision: string;
  /** ACTIVE or INACTIVE. */
  status?: string;
}

/**
 * The live task definition for `task-definition-family` (a family, which
 * means its latest ACTIVE revision, `family:revision` or an ARN), with its
 * tags, shaped like describe-task-definition output so it renders like a file.
 */
export async function fetchTaskDefinition(
  ecs: EcsSender,
  reference: string,
  region: string,
): Promise<FetchedFamily> {
  let response: DescribeTaskDefinitionCommandOutput;
  try {
    response = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: reference, include: ['TAGS'] }),
    );
  } catch (error) {
    const name = awsErrorName(error);
    if (isAccessDenied(error)) {
      throw new ConfigurationError(
        `Could not read task definition \`${reference}\`: ${errorMessage(error)} Allow \`ecs:DescribeTaskDefinition\` for the role this step uses.`,
      );
    }
    if (name === 'ClientException' || name === 'InvalidParameterException') {
      throw new ConfigurationError(
        `\`task-definition-family\`: ECS has no task definition \`${reference}\` in ${region} (${errorMessage(error)}). Check the family name and revision, and \`aws-region\`.`,
      );
    }
    throw wrapError(`read task definition \`${reference}\``, error);
  }
  const definition = response.taskDefinition;
  if (!definition) {
    throw new ConfigurationError(
      `\`task-definition-family\`: ECS returned no task definition for \`${reference}\` in ${region}.`,
    );
  }
  // The SDK turns timestamps into Date objects; they are read-only fields and are stripped, but keep the data JSON.
  const data = JSON.parse(JSON.stringify(definition)) as JsonObject;
  return {
    definition: data,
    wrapperTags:
      response.tags && response.tags.length > 0 ? JSON.parse(JSON.stringify(response.tags)) : undefined,
    wrapped: true,
    format: 'json',
    revision: `${String(data.family)}:${String(data.revision)}`,
    status: typeof data.status === 'string' ? data.status : undefined,
  };
}
