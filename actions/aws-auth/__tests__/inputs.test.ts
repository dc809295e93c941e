import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { inputEnvironment, loadActionManifest } from '@berth/testkit/action-manifest.js';
import { describe, expect, it } from '@jest/globals';
import { getInputs } from '../src/inputs.js';

const ROLE = 'arn:aws:iam::123456789012:role/github-deploy';

/** A reader over `INPUT_*`-style values, as the runner would pass them. */
const readerOf = (values: Record<string, string>) => new InputReader((name) => values[name] ?? '');

/** A reader over the environment the runner builds from action.yml defaults plus `overrides`. */
function runnerReader(overrides: Record<string, string> = {}): InputReader {
  const env = inputEnvironment('aws-auth', overrides);
  return new InputReader((name) => env[`INPUT_${name.toUpperCase()}`] ?? '');
}

function failure(values: Record<string, string>): string {
  try {
    getInputs(readerOf(values));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('action.yml and getInputs()', () => {
  const manifest = loadActionManifest('aws-auth');

  it('agree on the input names: every input read is declared and every declared input is read', () => {
    const reader = readerOf({ 'role-to-assume': ROLE });
    getInputs(reader);
    expect([...reader.names].sort()).toEqual(Object.keys(manifest.inputs).sort());
  });

  it('agree on defaults: the defaults in action.yml give the same inputs as the code defaults', () => {
    expect(getInputs(runnerReader({ 'role-to-assume': ROLE }))).toEqual(
      getInputs(readerOf({ 'role-to-assume': ROLE })),
    );
  });

  it('declare a description for every input and output, and required only for role-to-assume', () => {
    for (const [name, spec] of Object.entries(manifest.inputs)) {
      expect([name, typeof spec.description, spec.description.length > 20]).toEqual([name, 'string', true]);
      expect([name, spec.required]).toEqual([name, name === 'role-to-assume']);
    }
    expect(Object.keys(manifest.outputs).sort()).toEqual([
      'assumed-role-arn',
      'aws-account-id',
      'expiration',
    ]);
    for (const spec of Object.values(manifest.outputs)) expect(spec.description.length).toBeGreaterThan(20);
    expect(manifest.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});

describe('getInputs', () => {
  it('reads the defaults', () => {
    expect(getInputs(readerOf({ 'role-to-assume': ROLE }))).toEqual({
      roleToAssume: ROLE,
      region: undefined,
      audience: 'sts.amazonaws.com',
      roleSessionName: undefined,
      roleDurationSeconds: 3600,
      maxAttempts: 8,
      allowedAccountIds: [],
      exportCredentials: true,
    });
  });

  it('reads every input', () => {
    expect(
      getInputs(
        readerOf({
          'role-to-assume': ROLE,
          'aws-region': 'eu-west-1',
          audience: 'https://github.com/acme',
          'role-session-name': 'deploy-prod',
          'role-duration-seconds': '7200',
          'max-attempts': '3',
          'allowed-account-ids': '123456789012,\n012345678901\n123456789012',
          'export-credentials': 'false',
        }),
      ),
    ).toEqual({
      roleToAssume: ROLE,
      region: 'eu-west-1',
      audience: 'https://github.com/acme',
      roleSessionName: 'deploy-prod',
      roleDurationSeconds: 7200,
      maxAttempts: 3,
      allowedAccountIds: ['123456789012', '012345678901'],
      exportCredentials: false,
    });
  });

  it.each([
    [
      { 'role-to-assume': '' },
      'Input `role-to-assume` is required: set it to the ARN of the IAM role to assume, e.g. `role-to-assume: arn:aws:iam::123456789012:role/github-deploy`.',
    ],
    [
      { 'role-duration-seconds': '60' },
      'Input `role-duration-seconds` must be between 900 and 43200, got 60.',
    ],
    [
      { 'role-duration-seconds': 'one hour' },
      'Input `role-duration-seconds` must be a whole number, got "one hour".',
    ],
    [{ 'max-attempts': '50' }, 'Input `max-attempts` must be between 1 and 20, got 50.'],
    [{ 'export-credentials': 'yes' }, 'Input `export-credentials` must be `true` or `false`, got "yes".'],
    [
      { 'allowed-account-ids': '123456789012, 12345678901, acme-prod' },
      'Input `allowed-account-ids` must list 12-digit AWS account IDs, got "12345678901", "acme-prod". ' +
        'Quote IDs in YAML so leading zeros survive, e.g. `allowed-account-ids: "012345678901, 123456789012"`.',
    ],
  ])('rejects %j', (values, message) => {
    expect(failure({ 'role-to-assume': ROLE, ...values })).toBe(message);
  });
});
