import { ConfigurationError } from '@berth/shared/errors';
import { describe, expect, it } from '@jest/globals';
import {
  type AssumedSession,
  checkAllowedAccount,
  credentialEnvironment,
  sessionOutputs,
  summaryRows,
} from '../src/session.js';

const session: AssumedSession = {
  accountId: '123456789012',
  assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/deploy/berth-acme-shop-4242',
  roleArn: 'arn:aws:iam::123456789012:role/deploy',
  roleSessionName: 'berth-acme-shop-4242',
  region: 'eu-west-1',
  expiration: new Date(Date.UTC(2026, 0, 1, 13)),
  accessKeyId: 'ASIAEXAMPLEKEY',
  secretAccessKey: 'very-secret',
  sessionToken: 'session-token-value',
};

describe('checkAllowedAccount', () => {
  it.each([
    ['123456789012', []],
    ['123456789012', ['123456789012']],
    ['123456789012', ['111111111111', '123456789012']],
  ])('allows %s with %j', (account, allowed) => {
    expect(() => checkAllowedAccount(account, allowed, 'the account of the role')).not.toThrow();
  });

  it('names the account, where it came from, the list and the fix', () => {
    expect(() =>
      checkAllowedAccount('123456789012', ['111111111111', '222222222222'], 'reported by GetCallerIdentity'),
    ).toThrow(
      new ConfigurationError(
        'Account 123456789012 (reported by GetCallerIdentity) is not in `allowed-account-ids` (111111111111, 222222222222). ' +
          'Assume a role in one of those accounts, or add the account to `allowed-account-ids` if it is the right one.',
      ),
    );
  });
});

describe('credentialEnvironment, sessionOutputs, summaryRows', () => {
  it('exports the credentials and the region under the names the AWS tools read', () => {
    expect(credentialEnvironment(session)).toEqual([
      ['AWS_ACCESS_KEY_ID', 'ASIAEXAMPLEKEY'],
      ['AWS_SECRET_ACCESS_KEY', 'very-secret'],
      ['AWS_SESSION_TOKEN', 'session-token-value'],
      ['AWS_REGION', 'eu-west-1'],
      ['AWS_DEFAULT_REGION', 'eu-west-1'],
    ]);
  });

  it('outputs the account, the session ARN and the expiry in ISO 8601', () => {
    expect(sessionOutputs(session)).toEqual({
      'aws-account-id': '123456789012',
      'assumed-role-arn': 'arn:aws:sts::123456789012:assumed-role/deploy/berth-acme-shop-4242',
      expiration: '2026-01-01T13:00:00.000Z',
    });
  });

  it.each([true, false])('summarises without secrets (exported: %p)', (exported) => {
    const rows = summaryRows(session, exported);
    expect(rows.slice(0, 5)).toEqual([
      ['Account', '123456789012'],
      ['Role', 'arn:aws:iam::123456789012:role/deploy'],
      ['Session', 'berth-acme-shop-4242'],
      ['Region', 'eu-west-1'],
      ['Expires', '2026-01-01T13:00:00.000Z'],
    ]);
    expect(rows[5]).toEqual(
      exported
        ? [
            'Exported',
            '`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_DEFAULT_REGION`',
          ]
        : ['Exported', 'no'],
    );
    const text = JSON.stringify(rows);
    for (const secret of [session.accessKeyId, session.secretAccessKey, session.sessionToken])
      expect(text).not.toContain(secret);
  });
});
