/**
 * `verify-command` during the bake (issue 17, "verify before traffic moves"):
 * ECS blue/green, canary and linear deployments keep the old revision's tasks
 * running through BAKE_TIME, so a failed check can still undo the release at
 * once. The command runs in bash (`-euo pipefail`) with the new revision in
 * its environment; on failure the deployment is stopped with
 * StopServiceDeployment `stopType: ROLLBACK`, and ECS moves traffic back to
 * the old tasks, which never stopped.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html
 */
import { spawn } from 'node:child_process';
import { type ECSClient, StopServiceDeploymentCommand } from '@aws-sdk/client-ecs';
import type { ImageMap } from '@berth/shared/deployment/record';
import { errorMessage } from '@berth/shared/errors';
import type { Logger } from '@berth/shared/logger';
import { inert } from '@berth/shared/untrusted';

/** Runs a shell command; resolves with its exit code, each output line given to `line`. */
export type CommandRunner = (
  command: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; line: (text: string) => void; signal?: AbortSignal },
) => Promise<number>;

/** bash -euo pipefail -c, as deploy.yml's after-deploy verification runs it. */
export const runInBash: CommandRunner = (command, { cwd, env, line, signal }) =>
  new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', command], {
      cwd,
      env,
      signal,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    const take = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const text of lines) line(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      if (pending) line(pending);
      resolve(code ?? 1);
    });
  });

export interface BakeVerification {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** ECS without SDK retries, for StopServiceDeployment. */
  writes: ECSClient;
  serviceDeploymentArn?: string;
  taskDefinitionArn: string;
  previousTaskDefinitionArn?: string;
  images: ImageMap;
  signal?: AbortSignal;
  run?: CommandRunner;
}

/** Set once the command failed: why, for the step's failure and the record. */
export interface BakeVerdict {
  failed: boolean;
  reason?: string;
}

/** The environment the command sees: the new revision, its images (the single image as BERTH_IMAGE). */
export function verifyEnvironment(
  options: Pick<BakeVerification, 'env' | 'taskDefinitionArn' | 'images'>,
): NodeJS.ProcessEnv {
  const images = Object.values(options.images);
  return {
    ...options.env,
    BERTH_TASK_DEFINITION_ARN: options.taskDefinitionArn,
    BERTH_IMAGES: JSON.stringify(options.images),
    ...(images.length >= 1 ? { BERTH_IMAGE: images[0] } : {}),
  };
}

export async function verifyDuringBake(options: BakeVerification, verdict: BakeVerdict): Promise<void> {
  const { logger } = options;
  logger.info(
    `Bake time: running \`verify-command\` against ${options.taskDefinitionArn} while the previous revision still runs.`,
  );
  const code = await (options.run ?? runInBash)(options.command, {
    cwd: options.cwd,
    env: verifyEnvironment(options),
    // The command's output is not Berth's text: inert, so it cannot act as a workflow command.
    line: (text) => logger.info(`  | ${inert(text, { oneLine: true })}`),
    signal: options.signal,
  }).catch((error: unknown) => {
    logger.warning(`\`verify-command\` could not run: ${errorMessage(error)}`);
    return 127;
  });
  if (code === 0) {
    logger.info('`verify-command` passed during the bake; ECS finishes the deployment.');
    return;
  }
  verdict.failed = true;
  const back = options.previousTaskDefinitionArn ?? 'the previous revision';
  if (!options.serviceDeploymentArn) {
    verdict.reason = `\`verify-command\` failed (exit ${code}) during the bake, but the deployment has no service deployment ARN (the service deployments API is not available), so it could not be stopped with ROLLBACK; roll back with the rollback action.`;
    logger.warning(verdict.reason);
    return;
  }
  try {
    await options.writes.send(
      new StopServiceDeploymentCommand({
        serviceDeploymentArn: options.serviceDeploymentArn,
        stopType: 'ROLLBACK',
      }),
    );
    verdict.reason = `\`verify-command\` failed (exit ${code}) during the bake: the deployment was stopped with ROLLBACK before it completed, and traffic went back to ${back}, whose tasks never stopped serving.`;
    logger.warning(
      `\`verify-command\` failed (exit ${code}) during the bake: stopping the deployment with ROLLBACK (StopServiceDeployment); traffic goes back to ${back}.`,
    );
  } catch (error) {
    verdict.reason = `\`verify-command\` failed (exit ${code}) during the bake, and StopServiceDeployment (ROLLBACK) was refused: ${errorMessage(error)}.`;
    logger.warning(verdict.reason);
  }
}
