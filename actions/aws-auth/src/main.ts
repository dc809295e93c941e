import * as core from '@actions/core';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { createAwsContext } from '@berth/shared/aws';
import { wrapError } from '@berth/shared/errors';
import type { InputReader } from '@berth/shared/inputs';
import { type OidcOptions, roleAccountId } from '@berth/shared/oidc';
import { writeJobSummary } from '@berth/shared/summary';
import { inert } from '@berth/shared/untrusted';
import { getInputs } from './inputs.js';
import {
  type AssumedSession,
  checkAllowedAccount,
  credentialEnvironment,
  sessionOutputs,
  summaryRows,
} from './session.js';

/** The effects of this step on the job; @actions/core unless a test records them. */
export interface StepEffects {
  setOutput(name: string, value: string): void;
  exportVariable(name: string, value: string): void;
  info(message: string): void;
  group<T>(name: string, body: () => Promise<T>): Promise<T>;
}

export interface Dependencies {
  reader?: InputReader;
  env?: NodeJS.ProcessEnv;
  /** OIDC seams (ID token source, STS call, clock). */
  oidc?: Partial<OidcOptions>;
  effects?: StepEffects;
}

const coreEffects: StepEffects = {
  setOutput: (name, value) => core.setOutput(name, value),
  exportVariable: (name, value) => core.exportVariable(name, value),
  info: (message) => core.info(inert(message)),
  group: (name, body) => core.group(inert(name, { oneLine: true }), body),
};

/** Inputs → OIDC exchange → GetCallerIdentity → account check → exports, outputs, summary. */
export async function main(dependencies: Dependencies = {}): Promise<void> {
  const effects = dependencies.effects ?? coreEffects;
  const inputs = getInputs(dependencies.reader);
  // Validates region, role ARN and session name before any call.
  const context = createAwsContext({
    actionName: 'aws-auth',
    inputs,
    env: dependencies.env,
    oidc: dependencies.oidc,
  });
  const provider = context.credentials!;
  checkAllowedAccount(
    roleAccountId(inputs.roleToAssume)!,
    inputs.allowedAccountIds,
    `the account of ${inputs.roleToAssume}`,
  );

  // The provider masks every secret as soon as STS returns it.
  const credentials = await effects.group(`Assuming ${inputs.roleToAssume}`, () => provider());

  const identity = await effects.group('Verifying the credentials with GetCallerIdentity', async () => {
    try {
      const answer = await context.sts().send(new GetCallerIdentityCommand({}));
      if (!answer.Account || !answer.Arn) throw new Error('the answer has no Account or Arn');
      effects.info(`Signed in to account ${answer.Account} as ${answer.Arn}.`);
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
    effects.info(`Exported the credentials and region ${session.region} to the job's later steps.`);
  }
  for (const [name, value] of Object.entries(sessionOutputs(session))) effects.setOutput(name, value);
  effects.info(`The credentials expire at ${session.expiration.toISOString()}.`);

  await writeJobSummary((summary) =>
    summary.addHeading('AWS credentials', 3).addTable([
      [
        { data: 'Item', header: true },
        { data: 'Value', header: true },
      ],
      ...summaryRows(session, inputs.exportCredentials),
    ]),
  );
}
