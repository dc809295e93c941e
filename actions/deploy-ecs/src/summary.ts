import type { DeploymentRecord } from '@berth/shared/deployment/record';
import { addDeploymentSummary, statusPhrase } from '@berth/shared/deployment/report';
import { type Conclusion, publishRecord } from '@berth/shared/deployment/transaction';
import type { Step } from './step.js';

/** The summary's verdict: what the step did and how it ended (or that it started), in words. */
export function summaryTitle(record: DeploymentRecord, family?: string): string {
  const what =
    record.kind === 'run-task'
      ? `One-off task${family === undefined ? '' : ` ${family}`}`
      : `Deployment of ${record.service ?? ''}`;
  return `${what} ${statusPhrase(record.status)}`;
}

/**
 * deploy-ecs's one job summary and its record: the shared record table and,
 * on failure, the evidence; the record's path becomes the `record` output.
 */
export async function writeRecordAndSummary(
  step: Step,
  record: DeploymentRecord,
  family?: string,
  conclusion?: Pick<Conclusion, 'failure'>,
): Promise<void> {
  step.outputs.record = await publishRecord(step.effects, record, (summary) =>
    addDeploymentSummary(summary, record, summaryTitle(record, family), conclusion?.failure),
  );
}
