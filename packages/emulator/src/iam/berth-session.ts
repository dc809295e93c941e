/**
 * Test and demo support: run an action under the documented policy of that
 * action, instantiated for the resources the emulator holds (its clusters,
 * services, repositories, task definition families, log groups and task
 * roles), plus any overrides. Either attaches the policy to the role the
 * action will assume itself (`role-to-assume`), or attaches it to a test role
 * and returns a session of it.
 */
import type { EmulatorControl } from '../emulator.js';
import type { World } from '../world.js';
import {
  type BerthEnvironment,
  type BerthPolicy,
  policiesForAction,
  templatePath,
} from './berth-policies.js';
import type { SessionGrant } from './sessions.js';

interface EngineView {
  clusters?: Map<string, unknown>;
  services?: Map<
    string,
    { name: string; clusterName: string; volumeConfigurations?: Array<Record<string, any>> }
  >;
  taskDefinitions?: { all(): Array<{ family: string; body: Record<string, any> }> };
}

const unique = (values: Iterable<string | undefined>, fallback: string): string[] => {
  const list = [...new Set([...values].filter((v): v is string => typeof v === 'string' && v !== ''))];
  return list.length > 0 ? list.sort() : [fallback];
};

const roleName = (arn: unknown) =>
  typeof arn === 'string' ? arn.slice(arn.lastIndexOf('/') + 1) : undefined;

/** The environment a test scenario describes: every resource the emulator holds right now. */
export function emulatorEnvironment(world: World, engine: EngineView | undefined): BerthEnvironment {
  const definitions: Array<Record<string, any>> = [
    ...(engine?.taskDefinitions?.all().map((td) => ({ family: td.family, ...td.body })) ?? []),
    ...((world.scenario.taskDefinitions ?? []) as Array<Record<string, any>>),
  ];
  const containers = definitions.flatMap((td) =>
    Array.isArray(td.containerDefinitions) ? td.containerDefinitions : [],
  );
  return {
    accountId: world.accountId,
    region: world.region,
    Cluster: unique([...(engine?.clusters?.keys() ?? []), ...(world.scenario.clusters ?? [])], 'default'),
    Service: unique(
      [...(engine?.services?.values() ?? [])].map((s) => s.name),
      'no-service',
    ),
    Repository: unique(
      (world.scenario.repositories ?? []).map((r) => r.name),
      'no-repository',
    ),
    TaskFamily: unique(
      definitions.map((td) => td.family),
      'no-family',
    ),
    LogGroup: unique(
      containers.map((c) => c?.logConfiguration?.options?.['awslogs-group']),
      'no-log-group',
    ),
    TaskRole: unique(
      definitions.map((td) => roleName(td.taskRoleArn)),
      'no-task-role',
    ),
    ExecutionRole: unique(
      definitions.map((td) => roleName(td.executionRoleArn)),
      'no-execution-role',
    ),
    // The infrastructure roles the services' managed EBS volumes already use.
    InfrastructureRole: unique(
      [...(engine?.services?.values() ?? [])].flatMap((s) =>
        (s.volumeConfigurations ?? []).map((v) => roleName(v?.managedEBSVolume?.roleArn)),
      ),
      'no-infrastructure-role',
    ),
  };
}

const PLACEHOLDER_FALLBACK = /^no-/;

function extend(base: BerthEnvironment, add: Partial<BerthEnvironment>): BerthEnvironment {
  const result = { ...base };
  for (const [key, value] of Object.entries(add) as Array<[keyof BerthEnvironment, string | string[]]>) {
    if (key === 'accountId' || key === 'region' || [value].flat().length === 0) continue;
    const current = [result[key]].flat().filter((v) => !PLACEHOLDER_FALLBACK.test(v));
    result[key] = [...new Set([...current, ...[value].flat()])].sort();
  }
  return result;
}

export interface BerthSessionRequest {
  /** The action about to run; its documented policy is attached. */
  action?: string;
  /** Or the policies by name. */
  policies?: BerthPolicy[];
  /** The action's inputs (decides deploy-ecs vs run-task; `role-to-assume` receives the policy). */
  inputs?: Record<string, unknown>;
  /** Values that replace what the emulator's resources give. */
  environment?: Partial<BerthEnvironment>;
  /** Values added to what the emulator's resources give (the task definition file a run registers). */
  add?: Partial<BerthEnvironment>;
}

export interface BerthSessionAnswer {
  roleArn: string;
  policies: BerthPolicy[];
  environment: BerthEnvironment;
  /** Absent when the action assumes `role-to-assume` itself. */
  credentials?: SessionGrant;
}

export function berthSession(
  control: EmulatorControl,
  world: World,
  engine: EngineView | undefined,
  request: BerthSessionRequest,
): BerthSessionAnswer {
  const policies = request.policies ?? policiesForAction(request.action ?? '', request.inputs);
  const environment = extend(emulatorEnvironment(world, engine), request.add ?? {});
  Object.assign(environment, request.environment);
  const assumed = request.inputs?.['role-to-assume'];
  const roleArn =
    typeof assumed === 'string' && assumed.startsWith('arn:')
      ? assumed
      : `arn:aws:iam::${world.accountId}:role/berth-test-${policies.join('-') || 'no-policy'}`;
  const { accountId: _account, region: _region, ...placeholders } = environment;
  const role = {
    placeholders,
    policies: policies.map((policy) => ({
      name: `docs/iam/templates/${policy}.json`,
      file: templatePath(policy),
    })),
  };
  if (typeof assumed === 'string' && assumed.startsWith('arn:')) {
    control.seed({ iam: { roles: [{ roleArn, ...role }] } });
    return { roleArn, policies, environment };
  }
  return { roleArn, policies, environment, credentials: control.iam.session(roleArn, role, 'berth-test') };
}
