import { shortName } from '@berth/shared/deployment/arn';
import { imagesOf } from '@berth/shared/deployment/report';
import {
  addFullReferences,
  addVerdict,
  escapeHtml,
  type SummaryWriter,
  shortImage,
} from '@berth/shared/summary';
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

/**
 * The job summary of a registration, in every action's shape: the verdict
 * (registered, and that nothing was deployed) first, then the revision and its
 * images shortened, the full references folded.
 */
export function addRegistrationSummary(
  summary: SummaryWriter,
  resolved: ResolvedTaskDefinition,
  reason: string | undefined,
): void {
  const images = Object.entries(imagesOf(resolved.definition));
  addVerdict(summary, {
    headline: `Task definition ${shortName(resolved.arn)} registered, nothing deployed`,
    facts: [
      ['How', DONE[resolved.origin]],
      ['Why nothing was deployed', WHY],
      ['Reason given', reason],
    ],
  });
  const rows: Array<Array<string | { data: string; header?: boolean }>> = [
    [
      { data: 'Container', header: true },
      { data: 'Image', header: true },
    ],
  ];
  for (const [container, image] of images) {
    rows.push([escapeHtml(container), `<code>${escapeHtml(shortImage(image))}</code>`]);
  }
  if (images.length > 0) summary.addTable(rows);
  addFullReferences(
    summary,
    [
      ['task definition', resolved.arn],
      ...images.map(([container, image]): [string, string] => [container, image]),
    ],
    'Full references',
  );
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
