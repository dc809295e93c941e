/**
 * The shop the examples describe (acme/shop with its `shop-web` service in dev, staging and
 * production), as a fixture for running Berth's workflows: the caller's repository tree as
 * examples/deploy.yml expects it, its GitHub environments and variables, and the emulator
 * world of examples/demo/scenario.yaml. The demo and the workflow tests share it.
 */

import { type FixtureFile, fixtureRepository } from './fixtures.js';
import type { EnvironmentSettings } from './types.js';

export const SHOP_SCENARIO = 'examples/demo/scenario.yaml';
export const SHOP_REPOSITORY = 'acme/shop';
export const ACCOUNT = '123456789012';
export const SHOP_REGION = 'eu-west-1';
/** The commit the shop ships; the pre-seeded release is tagged `sha-abc1234`. */
export const SHOP_SHA = 'abc1234def5678900000000000000000000000ff';
export const ECR_HOST = `${ACCOUNT}.dkr.ecr.${SHOP_REGION}.amazonaws.com`;

/** The shop's tree: its workflows are Berth's examples, verbatim. */
export function shopRepository(extra: Record<string, FixtureFile> = {}): string {
  return fixtureRepository({
    '.github/workflows/deploy.yml': { from: 'examples/deploy.yml' },
    '.github/workflows/hotfix.yml': { from: 'examples/hotfix.yml' },
    '.github/workflows/rollback.yml': { from: 'examples/rollback.yml' },
    '.github/workflows/deploy-services.yml': { from: 'examples/monorepo.yml' },
    '.github/workflows/nightly-report.yml': { from: 'examples/batch-job.yml' },
    'deploy/task-definition.json': { from: 'examples/task-definition.json' },
    Containerfile: { from: 'examples/demo/Containerfile' },
    'release.txt': { from: 'examples/demo/release.txt' },
    'scripts/smoke-test.sh': { from: 'examples/demo/smoke-test.sh', executable: true },
    ...extra,
  });
}

/** The repository variables examples/deploy.yml's header asks for. */
export const SHOP_VARS = { AWS_BUILD_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/shop-build` };

/** dev, staging and production as docs/setup.md configures them; production has a reviewer. */
export function shopEnvironments(reviewers: string[] = ['alice']): Record<string, EnvironmentSettings> {
  const environment = (name: string): EnvironmentSettings => ({
    vars: {
      AWS_DEPLOY_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/shop-${name}-deploy`,
      AWS_REGION: SHOP_REGION,
      ECS_CLUSTER: name,
      BERTH_VARS: `APP_ENV=${name}`,
    },
  });
  return {
    dev: environment('dev'),
    staging: environment('staging'),
    production: { ...environment('production'), reviewers },
  };
}
