/**
 * Berth's documented policies: one template per policy in docs/iam/templates
 * (the single source), instantiated per environment. The same function
 * writes docs/iam/<environment>/<policy>.json (scripts/generate-iam-docs.ts)
 * and gives tests the policy of the action they run, for the resources of
 * the scenario they run against.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PolicyDocument } from './evaluate.js';
import { instantiate, type PlaceholderValues } from './template.js';

export const BERTH_POLICIES = [
  'build-push',
  'scan-gate',
  'render-taskdef',
  'deploy-ecs',
  'run-task',
  'rollback',
] as const;
export type BerthPolicy = (typeof BERTH_POLICIES)[number];

/** The values a template takes (besides Account and Region). Each may be a list or a wildcard pattern. */
export interface BerthEnvironment {
  accountId: string;
  region: string;
  /** ECS cluster names. */
  Cluster: string | string[];
  /** ECS service names in those clusters. */
  Service: string | string[];
  /** ECR repository names. */
  Repository: string | string[];
  /** Task definition families. */
  TaskFamily: string | string[];
  /** CloudWatch Logs groups the tasks log to. */
  LogGroup: string | string[];
  /** Role names the tasks may be given (iam:PassRole). */
  TaskRole: string | string[];
  ExecutionRole: string | string[];
  /** The ECS infrastructure roles of managed EBS volumes (iam:PassRole to ecs.amazonaws.com). */
  InfrastructureRole: string | string[];
}

/** docs/iam/templates: the documented policies are the emulator's IAM data (this file is packages/emulator/src/iam/). */
export const TEMPLATE_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'docs',
  'iam',
  'templates',
);

export function templatePath(policy: BerthPolicy): string {
  return join(TEMPLATE_DIR, `${policy}.json`);
}

export function berthTemplate(policy: BerthPolicy): PolicyDocument {
  return JSON.parse(readFileSync(templatePath(policy), 'utf8')) as PolicyDocument;
}

export function placeholdersOf(environment: BerthEnvironment): PlaceholderValues {
  const { accountId, region, ...rest } = environment;
  return { Account: accountId, Region: region, ...rest };
}

export function berthPolicy(policy: BerthPolicy, environment: BerthEnvironment): PolicyDocument {
  return instantiate(berthTemplate(policy), placeholdersOf(environment), `docs/iam/templates/${policy}.json`);
}

/**
 * The policy an action's run needs: deploy-ecs without a service (`run-task: true`
 * alone, the batch-job example) uses the run-task policy. aws-auth needs none.
 */
export function policiesForAction(action: string, inputs: Record<string, unknown> = {}): BerthPolicy[] {
  if (action === 'aws-auth') return [];
  if (action === 'deploy-ecs') {
    const runTaskOnly = String(inputs['run-task'] ?? '').toLowerCase() === 'true' && !inputs.service;
    return [runTaskOnly ? 'run-task' : 'deploy-ecs'];
  }
  return (BERTH_POLICIES as readonly string[]).includes(action) ? [action as BerthPolicy] : [];
}

// ── Documentation: the example names docs/ uses throughout ───────────────────────────

const EXAMPLE = { accountId: '123456789012', region: 'eu-west-1' };

function exampleEnvironment(name: string, cluster = name): BerthEnvironment {
  return {
    ...EXAMPLE,
    Cluster: cluster,
    Service: 'shop-*',
    Repository: 'shop/*',
    TaskFamily: 'shop-*',
    LogGroup: '/ecs/shop-*',
    TaskRole: `shop-${name}-*-task`,
    ExecutionRole: `shop-${name}-*-execution`,
    InfrastructureRole: `shop-${name}-ecs-infrastructure`,
  };
}

/** Which policies each documented role gets: the build role, one role per environment, and the batch job's. */
export const DOCUMENTED_ROLES: Array<{
  directory: string;
  environment: BerthEnvironment;
  policies: BerthPolicy[];
}> = [
  {
    directory: 'build',
    environment: exampleEnvironment('build', 'none'),
    policies: ['build-push', 'scan-gate'],
  },
  ...['dev', 'staging', 'production'].map((name) => ({
    directory: name,
    environment: exampleEnvironment(name),
    policies: ['render-taskdef', 'deploy-ecs', 'rollback', 'build-push'] as BerthPolicy[],
  })),
  // rescan.yml's one read-only role: what runs in every environment, and its scan findings.
  {
    directory: 'rescan',
    environment: { ...exampleEnvironment('rescan'), Cluster: ['dev', 'staging', 'production'] },
    policies: ['render-taskdef', 'scan-gate'],
  },
  {
    directory: 'production-batch',
    environment: exampleEnvironment('production', 'batch'),
    policies: ['render-taskdef', 'run-task'],
  },
];

/** docs/iam/<directory>/<policy>.json → file text, exactly as committed. */
export function generatedPolicyDocs(): Map<string, string> {
  const files = new Map<string, string>();
  for (const role of DOCUMENTED_ROLES) {
    for (const policy of role.policies) {
      files.set(
        join('docs', 'iam', role.directory, `${policy}.json`),
        `${JSON.stringify(berthPolicy(policy, role.environment), null, 2)}\n`,
      );
    }
  }
  return files;
}
