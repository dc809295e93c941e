import { defaultEffects } from '@berth/shared/effects';
import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import type { WebIdentityRequest } from '@berth/shared/oidc';
import type { CallerIdentity, GetCallerIdentityOptions } from '@berth/shared/sts-query';
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { type Effects, main } from '../src/main.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
/** What the GetCallerIdentity seam answers next (the wire itself is proven by dist.itg.test.ts and sts-query.test.ts). */
let callerIdentity: () => Promise<CallerIdentity>;

/** Effects as run() makes them for aws-auth (STS only), with what the step shows and does recorded in order. */
function setup(inputs: Record<string, string>) {
  const events: string[] = [];
  const assumeRole = jest.fn(async (request: WebIdentityRequest) => ({
    accessKeyId: 'ASIAUNITTEST',
    secretAccessKey: 'unit-secret',
    sessionToken: 'unit-session-token',
    expiration: new Date(Date.UTC(2030, 0, 1, 13)),
    assumedRoleArn: `arn:aws:sts::123456789012:assumed-role/deploy/${request.roleSessionName}`,
  }));
  const getCallerIdentity = jest.fn((_options: GetCallerIdentityOptions) => callerIdentity());
  const base = defaultEffects('aws-auth', { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '4242' }, {});
  const effects: Effects = {
    ...base,
    getCallerIdentity,
    inputs: new InputReader(
      (name) => ({ 'role-to-assume': ROLE, 'aws-region': 'eu-west-1', ...inputs })[name] ?? '',
    ),
    logger: {
      ...base.logger,
      info: (message) => events.push(`info ${message}`),
      startGroup: (name) => events.push(`group ${name}`),
      endGroup: () => {},
    },
    setOutput: (name, value) => events.push(`output ${name}=${value}`),
    exportVariable: (name, value) => events.push(`export ${name}=${value}`),
    summary: async () => {},
    aws: (awsInputs, options) =>
      base.aws(awsInputs, {
        ...options,
        oidc: {
          getIdToken: async () => 'h.e30.',
          assumeRole,
          setSecret: (secret) => events.push(`mask ${secret}`),
          info: () => {},
        },
      }),
  };
  return { events, assumeRole, getCallerIdentity, run: () => main(effects) };
}

beforeEach(() => {
  callerIdentity = async () => ({
    account: '123456789012',
    arn: 'arn:aws:sts::123456789012:assumed-role/deploy/berth-acme-shop-4242',
    userId: 'AROAEXAMPLE:berth-acme-shop-4242',
  });
});

describe('main', () => {
  it('assumes, verifies, masks, exports and sets the outputs, in that order', async () => {
    const { events, getCallerIdentity, run } = setup({ 'allowed-account-ids': '123456789012' });
    await run();
    expect(events).toEqual([
      `group Assuming ${ROLE}`,
      'mask h.e30.',
      'mask ASIAUNITTEST',
      'mask unit-secret',
      'mask unit-session-token',
      'group Verifying the credentials with GetCallerIdentity',
      'info Signed in to account 123456789012 as arn:aws:sts::123456789012:assumed-role/deploy/berth-acme-shop-4242.',
      'export AWS_ACCESS_KEY_ID=ASIAUNITTEST',
      'export AWS_SECRET_ACCESS_KEY=unit-secret',
      'export AWS_SESSION_TOKEN=unit-session-token',
      'export AWS_REGION=eu-west-1',
      'export AWS_DEFAULT_REGION=eu-west-1',
      "info Exported the credentials and region eu-west-1 to the job's later steps.",
      'output aws-account-id=123456789012',
      'output assumed-role-arn=arn:aws:sts::123456789012:assumed-role/deploy/berth-acme-shop-4242',
      'output expiration=2030-01-01T13:00:00.000Z',
      'info The credentials expire at 2030-01-01T13:00:00.000Z.',
    ]);
    // Signed with the assumed credentials, in the run's region, with the max-attempts default.
    expect(getCallerIdentity).toHaveBeenCalledTimes(1);
    expect(getCallerIdentity.mock.calls[0][0]).toMatchObject({
      region: 'eu-west-1',
      maxAttempts: 8,
      credentials: {
        accessKeyId: 'ASIAUNITTEST',
        secretAccessKey: 'unit-secret',
        sessionToken: 'unit-session-token',
      },
    });
  });

  it('exports nothing with export-credentials: false, and still sets the outputs', async () => {
    const { events, run } = setup({ 'export-credentials': 'false' });
    await run();
    expect(events.filter((event) => event.startsWith('export'))).toEqual([]);
    expect(events.filter((event) => event.startsWith('output'))).toHaveLength(3);
  });

  it('refuses a role outside allowed-account-ids before any call', async () => {
    const { events, assumeRole, getCallerIdentity, run } = setup({ 'allowed-account-ids': '111111111111' });
    await expect(run()).rejects.toThrow(
      new ConfigurationError(
        `Account 123456789012 (the account of ${ROLE}) is not in \`allowed-account-ids\` (111111111111). ` +
          'Assume a role in one of those accounts, or add the account to `allowed-account-ids` if it is the right one.',
      ),
    );
    expect(assumeRole).not.toHaveBeenCalled();
    expect(getCallerIdentity).not.toHaveBeenCalled();
    expect(events).toEqual([]);
  });

  it('refuses when GetCallerIdentity reports an account that is not allowed, exporting nothing', async () => {
    callerIdentity = async () => ({
      account: '999999999999',
      arn: 'arn:aws:sts::999999999999:assumed-role/x/y',
    });
    const { events, run } = setup({ 'allowed-account-ids': '123456789012' });
    await expect(run()).rejects.toThrow(
      'Account 999999999999 (reported by GetCallerIdentity for arn:aws:sts::999999999999:assumed-role/x/y) is not in `allowed-account-ids` (123456789012).',
    );
    expect(events.filter((event) => event.startsWith('export') || event.startsWith('output'))).toEqual([]);
  });

  it('wraps a GetCallerIdentity failure', async () => {
    callerIdentity = async () => {
      throw Object.assign(new Error('Service unavailable'), { $metadata: { httpStatusCode: 503 } });
    };
    const { run } = setup({});
    await expect(run()).rejects.toThrow(
      'Could not verify the assumed role with GetCallerIdentity: Service unavailable',
    );
  });

  it('validates every input before any call', async () => {
    const { assumeRole, getCallerIdentity, run } = setup({ 'role-session-name': 'has spaces' });
    await expect(run()).rejects.toThrow(ConfigurationError);
    expect(assumeRole).not.toHaveBeenCalled();
    expect(getCallerIdentity).not.toHaveBeenCalled();
  });
});
