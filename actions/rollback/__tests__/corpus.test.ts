/**
 * Real DescribeServices answers from ../shared/corpus/ecs-api (recorded by
 * other projects) through the code that reads them in production: the service
 * check, the deployments it lists, and the fallback plan when the service
 * deployments API is not available. Skips with a notice where the corpus is
 * absent (a user's clone).
 */
import type { Service } from '@aws-sdk/client-ecs';
import { checkServiceManagedByEcs } from '@berth/shared/deployment/transaction';
import { ConfigurationError } from '@berth/shared/errors';
import { corpusFolder, recordedAnswer } from '@berth/testkit/corpus.js';
import { expect, it } from '@jest/globals';
import { deploymentsOf } from '../src/history.js';
import { planRollback } from '../src/plan.js';

const corpus = corpusFolder('ecs-api');

function services(file: string): Service[] {
  return (recordedAnswer(corpus, file).services ?? []) as Service[];
}

const files = corpus.files(/describe-services/);
const cases = files.flatMap((file) =>
  services(file).map((service) => [file, service.serviceName, service] as const),
);

/** What the rollback does with each recorded service when only DescribeServices is available. */
const EXPECTED: Record<string, RegExp> = {
  // Mid-rollout: PRIMARY IN_PROGRESS on :77 and the COMPLETED :75 still listed → back to :75.
  'redash-server': /^plan → dev-redash-server:75 via update-service$/,
  'test-task-set-delete': /^refused: .*CODE_DEPLOY deployment controller/,
  web: /^refused: .*is DRAINING/,
};

corpus.describe('rollback over the recorded DescribeServices answers', () => {
  it('finds DescribeServices recordings', () => {
    expect(cases.length).toBeGreaterThanOrEqual(6);
  });

  it.each(cases)('%s: %s', (_file, name, service) => {
    let outcome: string;
    try {
      checkServiceManagedByEcs(service, 'recorded', 'rollback');
      const { listed, inProgress } = deploymentsOf(service);
      const planned = planRollback(
        { taskDefinitionArn: service.taskDefinition!, images: {}, inProgress },
        {
          deploymentsApi: 'unavailable',
          unavailableBecause: 'AccessDeniedException',
          deployments: [],
          listed,
          family: [],
        },
        { kind: 'last-successful' },
      );
      outcome =
        planned.kind === 'error'
          ? `no target: ${planned.message}`
          : `${planned.kind} → ${planned.to.taskDefinition.split('/').pop()} via ${planned.path?.kind}`;
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      outcome = `refused: ${(error as Error).message}`;
    }
    const expected = EXPECTED[name ?? ''];
    if (expected) expect(outcome).toMatch(expected);
    // Everything else lists only the running deployment: no fallback target, said plainly.
    else
      expect(outcome).toMatch(
        /^no target: The service deployments API is not available \(AccessDeniedException\), DescribeServices lists no earlier COMPLETED deployment/,
      );
  });
});
