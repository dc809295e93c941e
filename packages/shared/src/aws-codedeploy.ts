import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { type AwsContext, bindAbortSignal } from './aws.js';

/**
 * A CodeDeploy client for one action run, with the context's region,
 * credentials, retries and user agent, made only by the step that needs it
 * (a CODE_DEPLOY service). `writes`: no SDK retry, for CreateDeployment and
 * StopDeployment, which are not idempotent. One small function, so it can
 * join the per-client factories in `aws-clients/` unchanged.
 */
export function codedeployClient(
  context: Pick<AwsContext, 'config'>,
  options: { signal?: AbortSignal; writes?: boolean } = {},
): CodeDeployClient {
  const client = new CodeDeployClient({
    ...context.config,
    ...(options.writes ? { maxAttempts: 1 } : {}),
  });
  return options.signal ? bindAbortSignal(client, options.signal) : client;
}
