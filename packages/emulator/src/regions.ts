/**
 * Regions: AWS keeps ECS and ECR state per region, and a request reaches the region its
 * SigV4 credential scope names (`Credential=AKID/<date>/<region>/<service>/aws4_request`,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html). The scenario's
 * own region is the primary; each entry of `regions` is a world of its own (its own ECS
 * engine and ECR registry) sharing the clock, the account, IAM and STS credentials, which
 * are global. A call signed for a region the scenario does not declare reaches the primary,
 * as every call did before regions existed, so single-region tests need no change.
 * ECR replication (ecr/replication.ts) delivers its copies through here.
 */
import type { EcrModule } from './ecr/index.js';
import { type CoreOptions, createCore, type EmulatorCore } from './emulator.js';
import { loadScenario } from './scenario.js';
import type { Scenario } from './world.js';

export interface RegionalCores {
  primary: EmulatorCore;
  /** The core a call signed for `region` reaches. */
  coreFor(region: string | undefined): EmulatorCore;
  /** A declared further region's core, or undefined. */
  region(name: string): EmulatorCore | undefined;
  /** Ticks every region, so what one region's call depends on (a copy due from another) has happened. */
  tickAll(): void;
}

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * IAM is global: a role's policies are the ones written for the account, so a template's
 * `${Region}` is the scenario's own region in every region's world unless the role's
 * placeholders say otherwise (`Region: '*'` or a list), as a real policy must.
 */
function accountIam(scenario: Scenario): Scenario['iam'] {
  if (!scenario.iam) return undefined;
  return {
    ...scenario.iam,
    roles: scenario.iam.roles?.map((role) => ({
      ...role,
      placeholders: { Region: scenario.region!, ...role.placeholders },
    })),
  };
}

export function createRegionalCores(options: CoreOptions): RegionalCores {
  const scenario: Scenario = loadScenario(options.scenario);
  const others = new Map<string, EmulatorCore>();
  const primary = createCore({
    ...options,
    scenario,
    replicate(destination, replica) {
      if (destination.registryId !== primary.world.accountId) return 'DESTINATION_ACCOUNT_NOT_EMULATED';
      const target = destination.region === primary.world.region ? undefined : others.get(destination.region);
      if (!target) return 'DESTINATION_REGION_NOT_EMULATED';
      (target.modules.get('ecr') as EcrModule).receiveReplica(replica);
      return undefined;
    },
  });
  for (const [name, fragment] of Object.entries(scenario.regions ?? {})) {
    if (!REGION_NAME.test(name) || name === primary.world.region) {
      throw new Error(
        `regions.${name}: expected an AWS region other than the scenario's own (${primary.world.region}), such as us-west-2`,
      );
    }
    others.set(
      name,
      createCore({
        ...options,
        // The backing registry is one host; it backs the primary region only.
        registryUrl: undefined,
        scenario: {
          ...fragment,
          region: name,
          accountId: primary.world.accountId,
          trust: scenario.trust,
          iam: accountIam(scenario),
        },
        shared: primary.shared,
      }),
    );
  }
  return {
    primary,
    coreFor: (region) => (region ? others.get(region) : undefined) ?? primary,
    region: (name) => others.get(name),
    tickAll() {
      primary.tick();
      for (const core of others.values()) core.tick();
    },
  };
}
