/** deploy-ecs's RunTask, sent once even when an answer is lost (see writeOnce); UpdateService is the shared startServiceDeployment. */
import { randomUUID } from 'node:crypto';
import {
  type ECSClient,
  RunTaskCommand,
  type RunTaskCommandInput,
  type RunTaskCommandOutput,
} from '@aws-sdk/client-ecs';
import type { Sleep } from '@berth/shared/backoff';
import type { Logger } from '@berth/shared/logger';
import { writeOnce } from '@berth/shared/write-once';
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
