/** deploy-ecs's writes to a service or cluster, each sent once even when an answer is lost (see writeOnce). */
import { randomUUID } from 'node:crypto';
import {
  type ECSClient,
  RunTaskCommand,
  type RunTaskCommandInput,
  type RunTaskCommandOutput,
  type Service,
  UpdateServiceCommand,
  type UpdateServiceCommandInput,
} from '@aws-sdk/client-ecs';
import { type Logger, type Sleep, serviceUpdateApplied, writeOnce } from '@berth/shared';
import { type AdviceContext, explainEcsError } from './advice.js';

export interface WriteClients {
  /** Reads, with the SDK's retries. */
  ecs: ECSClient;
  /** Writes, without them. */
  writes: ECSClient;
  maxAttempts: number;
  sleep?: Sleep;
  logger: Logger;
}

/**
 * UpdateService once. After a lost answer the service is read: a new PRIMARY
 * deployment of our revision means the update was applied (a second forced
 * update would start a second deployment), and its service stands for the answer.
 */
export async function updateServiceOnce(
  clients: WriteClients,
  request: UpdateServiceCommandInput,
  before: Service,
  taskDefinitionArn: string,
  context: AdviceContext,
): Promise<Service> {
  let after: Service | undefined;
  try {
    const out = await writeOnce({
      operation: 'UpdateService',
      send: () => clients.writes.send(new UpdateServiceCommand(request)),
      lookBefore: async () => {
        const service = await serviceUpdateApplied(
          clients.ecs,
          request.cluster ?? context.cluster,
          request.service ?? context.service ?? '',
          before,
          taskDefinitionArn,
        );
        return service ? { service, $metadata: {} } : undefined;
      },
      maxAttempts: clients.maxAttempts,
      logger: clients.logger,
      sleep: clients.sleep,
    });
    after = out.service;
  } catch (error) {
    throw explainEcsError('UpdateService', error, context);
  }
  if (!after) throw new Error('UpdateService answered without the service.');
  return after;
}

/**
 * RunTask once: one `clientToken` for every attempt, so ECS starts one task
 * however many times the request is sent ("An identifier that you provide to
 * ensure the idempotency of the request", RunTask API reference:
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html).
 */
export async function runTaskOnce(
  clients: WriteClients,
  request: RunTaskCommandInput,
  context: AdviceContext,
  token: string = randomUUID(),
): Promise<RunTaskCommandOutput> {
  const input = { ...request, clientToken: request.clientToken ?? token };
  try {
    return await writeOnce({
      operation: 'RunTask',
      send: () => clients.writes.send(new RunTaskCommand(input)),
      maxAttempts: clients.maxAttempts,
      logger: clients.logger,
      sleep: clients.sleep,
    });
  } catch (error) {
    throw explainEcsError('RunTask', error, context);
  }
}
