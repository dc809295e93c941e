import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { sts } from '@berth/shared/aws-clients/sts';
import { wrapError } from '@berth/shared/errors';
import { inGroup } from '@berth/shared/logger';
import { roleAccountId } from '@berth/shared/oidc';
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
  // Validates region, role ARN and session name before any call. STS is the only client aws-auth makes.
  const context = effects.aws(inputs, { clients: { sts } });
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
      const answer = await context.sts().send(new GetCallerIdentityCommand({}));
      if (!answer.Account || !answer.Arn) throw new Error('the answer has no Account or Arn');
      logger.info(`Signed in to account ${answer.Account} as ${answer.Arn}.`);
      return { account: answer.Account, arn: answer.Arn };
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
