/**
 * Real DescribeServices answers from ../shared/corpus/ecs-api (recorded by
 * other projects) through the code that reads them in production: the service
 * check, the deployments it lists, and the fallback plan when the service
 * deployments API is not available. Skips with a notice where the corpus is
 * absent (a user's clone).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Service } from '@aws-sdk/client-ecs';
import { ConfigurationError, checkServiceManagedByEcs } from '@berth/shared';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import { describe, expect, it } from '@jest/globals';
import { deploymentsOf } from '../src/history.js';
import { planRollback } from '../src/plan.js';

const CORPUS = join(REPO_ROOT, '..', 'shared', 'corpus', 'ecs-api');
const present = existsSync(CORPUS);
if (!present)
  console.warn(`notice: ${CORPUS} is absent; the corpus sweep of the rollback action is skipped.`);

/** Placebo recordings wrap the answer in `data` and write times as {"__class__": "datetime", …}. */
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === 'object') {
    const record = value as Record<string, any>;
    if (record.__class__ === 'datetime') {
      return new Date(
        Date.UTC(
          record.year,
          record.month - 1,
          record.day,
          record.hour ?? 0,
          record.minute ?? 0,
          record.second ?? 0,
        ),
      );
    }
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, revive(item)]));
  }
  return value;
}

function services(file: string): Service[] {
  const parsed = revive(JSON.parse(readFileSync(join(CORPUS, file), 'utf8'))) as Record<string, any>;
  return ((parsed.data ?? parsed).services ?? []) as Service[];
}

const files = present ? readdirSync(CORPUS).filter((file) => /describe-services/.test(file)) : [];
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

(present ? describe : describe.skip)('rollback over the recorded DescribeServices answers', () => {
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
