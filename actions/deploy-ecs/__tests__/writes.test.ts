/**
 * deploy-ecs's RunTask, sent once: one clientToken across attempts ("An
 * identifier that you provide to ensure the idempotency of the request",
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html).
 * UpdateService is the shared transaction's (deployment-transaction.test.ts).
 */
import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { runTaskOnce, type WriteClients } from '../src/writes.js';

const ecs = new ECSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const writes = new ECSClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const readMock = mockClient(ecs);
const writeMock = mockClient(writes);
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} });
const TD2 = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:2';
const context = { cluster: 'shop', service: 'web', region: 'us-east-1' };

function clients(): WriteClients {
  return { ecs, writes, maxAttempts: 4, sleep: async () => {}, logger: recordingLogger() };
}

beforeEach(() => {
  readMock.reset();
  writeMock.reset();
});

describe('runTaskOnce', () => {
  it('sends the same clientToken on every attempt after a lost answer', async () => {
    writeMock
      .on(RunTaskCommand)
      .rejectsOnce(reset())
      .resolves({ tasks: [{ taskArn: 'arn:aws:ecs:us-east-1:123456789012:task/shop/abc' }] });
    const out = await runTaskOnce(clients(), { cluster: 'shop', taskDefinition: TD2 }, context);
    expect(out.tasks?.[0]?.taskArn).toMatch(/task\/shop\/abc$/);
    const tokens = writeMock.commandCalls(RunTaskCommand).map((call) => call.args[0].input.clientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toMatch(/^[0-9a-f-]{36}$/); // within RunTask's 64 ASCII characters
    expect(tokens[1]).toBe(tokens[0]);
  });

  it('gives each run its own token', async () => {
    writeMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'x' }] });
    await runTaskOnce(clients(), { cluster: 'shop', taskDefinition: TD2 }, context);
    await runTaskOnce(clients(), { cluster: 'shop', taskDefinition: TD2 }, context);
    const [first, second] = writeMock
      .commandCalls(RunTaskCommand)
      .map((call) => call.args[0].input.clientToken);
    expect(first).not.toBe(second);
  });
});
