import { InvalidParameterException } from '@aws-sdk/client-ecs';
import { STSServiceException } from '@aws-sdk/client-sts';
import {
  awsErrorName,
  awsHttpStatus,
  ConfigurationError,
  errorMessage,
  isAccessDenied,
  isThrottling,
  isTransient,
  wrapError,
} from '@berth/shared/errors';
import { describe, expect, it } from '@jest/globals';

/** An error as the SDK raises it for a Query-protocol service (STS). */
function stsError(name: string, status: number, message = `${name} happened`) {
  return new STSServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

function networkError(code: string, message: string) {
  return Object.assign(new Error(message), { code, $metadata: { attempts: 1 } });
}

const networkConfigurationMissing = new InvalidParameterException({
  message: "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
  $metadata: { httpStatusCode: 400 },
});

describe('errorMessage', () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  it.each([
    ['an Error', new Error('boom'), 'boom'],
    ['a string', 'plain words', 'plain words'],
    ['an object', { code: 42 }, '{"code":42}'],
    ['undefined', undefined, 'undefined'],
    ['a circular object', circular, '[object Object]'],
  ])('of %s', (_what, thrown, expected) => {
    expect(errorMessage(thrown)).toBe(expected);
  });
});

describe('awsErrorName and awsHttpStatus', () => {
  it.each([
    [stsError('AccessDenied', 403), 'AccessDenied', 403],
    [{ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }, 'ThrottlingException', 400],
    [{ Code: 'Throttling' }, 'Throttling', undefined],
    [new Error('plain'), undefined, undefined],
    [networkConfigurationMissing, 'InvalidParameterException', 400],
    [null, undefined, undefined],
    ['a string', undefined, undefined],
    [42, undefined, undefined],
  ])('%#: name %j, status %j', (error, name, status) => {
    expect(awsErrorName(error)).toBe(name);
    expect(awsHttpStatus(error)).toBe(status);
  });
});

describe('isThrottling, isTransient, isAccessDenied', () => {
  it.each([
    // [description, error, throttling, transient, accessDenied]
    ['ThrottlingException 400', stsError('ThrottlingException', 400), true, true, false],
    ['Throttling (Query protocol) 400', stsError('Throttling', 400), true, true, false],
    ['TooManyRequestsException', stsError('TooManyRequestsException', 400), true, true, false],
    ['any 429', stsError('SomethingElse', 429), true, true, false],
    ['ServiceUnavailableException 503', stsError('ServiceUnavailableException', 503), false, true, false],
    ['InternalFailure 500', stsError('InternalFailure', 500), false, true, false],
    ['unnamed 502', stsError('UnknownError', 502), false, true, false],
    ['RequestTimeout 400', stsError('RequestTimeout', 400), false, true, false],
    [
      'TimeoutError without a response',
      Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' }),
      false,
      true,
      false,
    ],
    ['ECONNRESET', networkError('ECONNRESET', 'read ECONNRESET'), false, true, false],
    ['ECONNREFUSED', networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'), false, true, false],
    [
      'EAI_AGAIN',
      networkError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN sts.eu-west-1.amazonaws.com'),
      false,
      true,
      false,
    ],
    ['socket hang up', new Error('socket hang up'), false, true, false],
    ['a 400 mentioning the network', networkConfigurationMissing, false, false, false],
    [
      'a 400 mentioning a timeout',
      stsError('ClientException', 400, 'healthCheck timeout must be between 2 and 120'),
      false,
      false,
      false,
    ],
    ['AccessDenied 403', stsError('AccessDenied', 403), false, false, true],
    ['AccessDeniedException 400', stsError('AccessDeniedException', 400), false, false, true],
    ['UnauthorizedOperation', stsError('UnauthorizedOperation', 400), false, false, true],
    ['NotAuthorizedException', stsError('NotAuthorizedException', 400), false, false, true],
    ['InvalidClientTokenId 403', stsError('InvalidClientTokenId', 403), false, false, true],
    ['ValidationError 400', stsError('ValidationError', 400), false, false, false],
    ['a ConfigurationError', new ConfigurationError('Input `cluster` is required.'), false, false, false],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')"), false, false, false],
  ])('%s', (_what, error, throttling, transient, accessDenied) => {
    expect(isThrottling(error)).toBe(throttling);
    expect(isTransient(error)).toBe(transient);
    expect(isAccessDenied(error)).toBe(accessDenied);
  });
});

describe('wrapError', () => {
  it.each([
    ['a plain failure', new Error('boom'), undefined, 'Could not register the task definition: boom', false],
    [
      'a failure with advice',
      new Error('boom'),
      'Check the family name.',
      'Could not register the task definition: boom Check the family name.',
      false,
    ],
    [
      'access denied (the user must fix a policy)',
      stsError('AccessDeniedException', 400, 'User is not authorized to perform: ecs:RegisterTaskDefinition'),
      undefined,
      'Could not register the task definition: User is not authorized to perform: ecs:RegisterTaskDefinition',
      true,
    ],
    [
      'a ConfigurationError (stays one)',
      new ConfigurationError('Input `family` is required.'),
      undefined,
      'Could not register the task definition: Input `family` is required.',
      true,
    ],
  ])('%s', (_what, cause, advice, message, configuration) => {
    const wrapped = wrapError('register the task definition', cause, advice);
    expect(wrapped.message).toBe(message);
    expect(wrapped instanceof ConfigurationError).toBe(configuration);
    expect((wrapped as Error & { cause?: unknown }).cause).toBe(cause);
  });
});
