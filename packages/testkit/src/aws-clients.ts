/**
 * The real SDK client behind an on-demand one (`@berth/shared/aws-clients/*`
 * load their package on the first call): tests that check how a client is
 * configured (`client.config`) read it from the client that call reaches.
 */
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';

/** A mock of any client class (its command types do not matter here). */
type AnyStub = AwsStub<any, any, any>;

type SdkClientClass<C> = abstract new (...args: any[]) => C;

/**
 * Sends `command` through `client` with every call of `ClientClass` answered
 * `{}` and returns the client instance the call reached; it is the one
 * `client` keeps using afterwards. `stub`: the file's own mock of that class
 * when it has one (used, then reset); otherwise one is made and restored.
 */
export async function clientBehind<C>(
  client: { send(command: never): Promise<unknown> },
  ClientClass: SdkClientClass<C>,
  command: object,
  stub?: AnyStub,
): Promise<C> {
  const mock = stub ?? (mockClient(ClientClass as never) as AnyStub);
  let reached: unknown;
  mock.onAnyCommand().callsFake((_input: unknown, getClient: () => unknown) => {
    reached = getClient();
    return {};
  });
  try {
    await client.send(command as never);
  } finally {
    if (stub) stub.reset();
    else mock.restore();
  }
  if (!(reached instanceof ClientClass)) {
    throw new Error(`The call did not reach a ${ClientClass.name}.`);
  }
  return reached as C;
}
