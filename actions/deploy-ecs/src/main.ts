import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { stepDeadline } from '@berth/shared/deadline';
import { getInputs } from './inputs.js';
import type { Effects } from './step.js';

export type { Effects } from './step.js';

/**
 * inputs → task definition file → deadline and clients → the step (run-step.ts). Nothing on this
 * module's static imports loads the AWS SDK: a step refused for its inputs or
 * its file exits without parsing it (issue 15, start-up; tests/startup.itg.test.ts).
 */
export async function main(effects: Effects): Promise<void> {
  const { logger, files } = effects;
  const inputs = getInputs(effects.inputs, (path) => existsSync(resolve(files.workspace, path)));
  if (inputs.mode === 'run-task') for (const warning of inputs.commandWarnings) logger.warning(warning);
  // The file is read and checked before any AWS call: a bad file changes nothing.
  const prepared =
    inputs.taskDefinition.kind === 'file'
      ? (await import('./taskdef-file.js')).prepareTaskDefinitionFile(
          inputs.taskDefinition.path,
          files.workspace,
        )
      : undefined;
  // One deadline for the whole step, and the clients (the region and the role are checked here).
  const deadline = stepDeadline(effects.clock, inputs.timeoutMinutes * 60_000);
  const aws = effects.aws(inputs.aws, { signal: deadline.signal });
  const { runStep } = await import('./run-step.js');
  await runStep(inputs, { prepared, deadline, aws }, effects);
}
