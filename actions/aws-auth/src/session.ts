import { ConfigurationError } from '@berth/shared/errors';
import { addVerdict, htmlText, type JobSummary } from '@berth/shared/summary';

/** What this step established, for outputs, the exported environment and the summary. Holds secrets. */
export interface AssumedSession {
  accountId: string;
  /** The role session: `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  assumedRoleArn: string;
  roleArn: string;
  roleSessionName: string;
  region: string;
  expiration: Date;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

/**
 * Throws unless `accountId` is allowed. `where` says how it was learnt
 * (the role ARN before any call, GetCallerIdentity after).
 */
export function checkAllowedAccount(accountId: string, allowed: readonly string[], where: string): void {
  if (allowed.length === 0 || allowed.includes(accountId)) return;
  throw new ConfigurationError(
    `Account ${accountId} (${where}) is not in \`allowed-account-ids\` (${allowed.join(', ')}). ` +
      'Assume a role in one of those accounts, or add the account to `allowed-account-ids` if it is the right one.',
  );
}

/** The variables later steps get, in the order they are exported. */
export function credentialEnvironment(session: AssumedSession): [name: string, value: string][] {
  return [
    ['AWS_ACCESS_KEY_ID', session.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', session.secretAccessKey],
    ['AWS_SESSION_TOKEN', session.sessionToken],
    ['AWS_REGION', session.region],
    ['AWS_DEFAULT_REGION', session.region],
  ];
}

/** The step's outputs (names as in action.yml); no secrets. */
export function sessionOutputs(session: AssumedSession): Record<string, string> {
  return {
    'aws-account-id': session.accountId,
    'assumed-role-arn': session.assumedRoleArn,
    expiration: session.expiration.toISOString(),
  };
}

/** The summary's verdict: which account and role the job now works as, in words. */
export function summaryHeadline(session: AssumedSession): string {
  const role = session.roleArn.slice(session.roleArn.lastIndexOf('/') + 1);
  return `Signed in to AWS account ${session.accountId} as ${role} in ${session.region}`;
}

/** Rows of the job summary table; never a secret. */
export function summaryRows(session: AssumedSession, exported: boolean): [label: string, value: string][] {
  return [
    ['Account', session.accountId],
    ['Role', session.roleArn],
    ['Session', session.roleSessionName],
    ['Region', session.region],
    ['Expires', session.expiration.toISOString()],
    [
      // Short label and code spans: the row must fit a 1000 px summary on one line.
      'Exported',
      exported
        ? '`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_DEFAULT_REGION`'
        : 'no',
    ],
  ];
}

/** The step's one job summary: the verdict in words, then the session's facts (never a secret). */
export function addSessionSummary(summary: JobSummary, session: AssumedSession, exported: boolean): void {
  addVerdict(summary, { headline: summaryHeadline(session) });
  summary.addTable([
    [
      { data: 'Item', header: true },
      { data: 'Value', header: true },
    ],
    ...summaryRows(session, exported).map(([label, value]) => [label, htmlText(value)]),
  ]);
}
