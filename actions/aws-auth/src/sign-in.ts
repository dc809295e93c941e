import { wrapError } from '@berth/shared/errors';
import { inGroup } from '@berth/shared/logger';
import { roleAccountId } from '@berth/shared/oidc';
import { getCallerIdentity } from '@berth/shared/sts-query';
import type { Inputs } from './inputs.js';
import type { Effects } from './main.js';
import {
  type AssumedSession,
  addSessionSummary,
  checkAllowedAccount,
  credentialEnvironment,
  sessionOutputs,
} from './session.js';

/** OIDC exchange → GetCallerIdentity → account check → exports, outputs, summary. */
export async function signIn(effects: Effects, inputs: Inputs): Promise<void> {
  const { logger } = effects;
  // Validates region, role ARN and session name before any call. aws-auth makes no SDK client:
  // its two STS calls go over fetch (sts-query.ts), which keeps the bundle small (issue 15).
  const context = effects.aws(inputs, { clients: {} });
  const provider = context.credentials!;
  checkAllowedAccount(
    roleAccountId(inputs.roleToAssume)!,
    inputs.allowedAccountIds,
    `the account of ${inputs.roleToAssume}`,
  );

  // The provider masks every secret as soon as STS returns it.
  const credentials = await inGroup(logger, `Assuming ${inputs.roleToAssume}`, () => provider());

  const identity = await inGroup(logger, 'Verifying the credentials with GetCallerIdentity', async () => {
    try {
      const answer = await (effects.getCallerIdentity ?? getCallerIdentity)({
        region: context.region,
        credentials,
        customUserAgent: context.config.customUserAgent,
        maxAttempts: context.config.maxAttempts,
        env: effects.env,
        sleep: (ms) => effects.clock.sleep(ms),
      });
      logger.info(`Signed in to account ${answer.account} as ${answer.arn}.`);
      return answer;
    } catch (error) {
      throw wrapError('verify the assumed role with GetCallerIdentity', error);
    }
  });
  checkAllowedAccount(
    identity.account,
    inputs.allowedAccountIds,
    `reported by GetCallerIdentity for ${identity.arn}`,
  );

  const session: AssumedSession = {
    accountId: identity.account,
    assumedRoleArn: identity.arn,
    roleArn: inputs.roleToAssume,
    roleSessionName: provider.roleSessionName,
    region: context.region,
    expiration: credentials.expiration,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
  };

  if (inputs.exportCredentials) {
    for (const [name, value] of credentialEnvironment(session)) effects.exportVariable(name, value);
    logger.info(`Exported the credentials and region ${session.region} to the job's later steps.`);
  }
  for (const [name, value] of Object.entries(sessionOutputs(session))) effects.setOutput(name, value);
  logger.info(`The credentials expire at ${session.expiration.toISOString()}.`);

  await effects.summary((summary) => addSessionSummary(summary, session, inputs.exportCredentials));
}
