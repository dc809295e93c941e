import { imagesOf } from '@berth/shared/deployment/report';
import type { JobSummary } from '@berth/shared/summary';
import { escapeHtml } from '@berth/shared/summary';
import type { AdviceContext } from './advice.js';
import type { RegisterOnlyInputs } from './inputs.js';
import { resolveTaskDefinition, type Step } from './step.js';
import type { ResolvedTaskDefinition } from './taskdef.js';

const WHY = 'Neither `service` nor `run-task` is set, so no service was updated and no task was run.';

const DONE: Record<ResolvedTaskDefinition['origin'], string> = {
  registered: 'Registered',
  reused: 'Reused the identical latest revision',
  existing: 'Found the registered revision',
};

/** The job summary of a registration: what was registered (or reused), its images, and that nothing was deployed. */
export function addRegistrationSummary(
  summary: JobSummary,
  resolved: ResolvedTaskDefinition,
  reason: string | undefined,
): void {
  summary.addHeading(`✅ Task definition ${escapeHtml(resolved.definition.family ?? '')} registered only`, 2);
  // HTML, not Markdown: GitHub renders no Markdown inside an HTML block.
  summary.addRaw(
    '<p>Neither <code>service</code> nor <code>run-task</code> is set, so no service was updated and no task was run.</p>',
    true,
  );
  const rows: Array<Array<string | { data: string; header?: boolean }>> = [
    [
      { data: 'Field', header: true },
      { data: 'Value', header: true },
    ],
    ['Task definition', escapeHtml(resolved.arn)],
    ['How', escapeHtml(DONE[resolved.origin])],
  ];
  for (const [container, image] of Object.entries(imagesOf(resolved.definition))) {
    rows.push([`Image of ${escapeHtml(container)}`, `<code>${escapeHtml(image)}</code>`]);
  }
  if (reason) rows.push(['Reason given', escapeHtml(reason)]);
  summary.addTable(rows);
}

/**
 * Register-only (the AWS deploy action without `service`): register the task
 * definition, or reuse an identical revision, output its ARN and say so. No
 * service or task call, no deployment record and no GitHub deployment: nothing
 * was deployed.
 */
export async function registerOnly(inputs: RegisterOnlyInputs, step: Step): Promise<void> {
  const { effects, aws, outputs } = step;
  const context: AdviceContext = { cluster: inputs.cluster, region: aws.region };
  const resolved = await resolveTaskDefinition(inputs, step, context);
  outputs['task-definition-arn'] = resolved.arn;
  effects.logger.notice(`${DONE[resolved.origin]} ${resolved.arn}. ${WHY}`);
  await effects.summary((summary) => addRegistrationSummary(summary, resolved, inputs.reason));
}
