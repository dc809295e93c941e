/**
 * The scenario's `iam` section: identity policies attached to roles. With it,
 * every call signed with credentials the emulator's STS issued is authorised
 * against the policies of the assumed role (enforce.ts); a role the section
 * does not list has no policy, so its sessions may do nothing. Without it, the
 * emulator authorises nothing (older scenarios keep working).
 *
 * ```yaml
 * iam:
 *   roles:
 *     - roleArn: arn:aws:iam::123456789012:role/shop-dev-deploy
 *       placeholders: { Cluster: dev, Service: shop-*, Repository: shop/* }
 *       policies:
 *         - file: ../../docs/iam/templates/deploy-ecs.json   # relative to the scenario file
 *         - name: no-production
 *           document: { Version: '2012-10-17', Statement: [ … ] }
 * ```
 * `${Account}` and `${Region}` are filled from the scenario; other placeholders
 * from the role's `placeholders` (a value may be a list, see template.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type NamedPolicy, type PolicyDocument, policyProblems } from './evaluate.js';
import { instantiate, type PlaceholderValues, TemplateError } from './template.js';

export interface ScenarioPolicy {
  /** Name used in denial explanations (default: the file name, or `inline-<n>`). */
  name?: string;
  /** Path of a JSON policy document (template), relative to the scenario file (else the working directory). */
  file?: string;
  /** The policy document itself. */
  document?: Record<string, unknown>;
}

export interface ScenarioRole {
  roleArn: string;
  placeholders?: PlaceholderValues;
  policies: ScenarioPolicy[];
}

export interface ScenarioIam {
  /** Default true; false keeps the section but authorises nothing. */
  enforce?: boolean;
  roles?: ScenarioRole[];
}

/** Problems the shape check cannot see: placeholder types, one source per policy, documents that IAM would reject. */
export function iamProblems(
  iam: ScenarioIam | undefined,
  context: { accountId?: string; region?: string },
): string[] {
  const problems: string[] = [];
  iam?.roles?.forEach((role, r) => {
    const at = `iam.roles[${r}]`;
    for (const [name, value] of Object.entries(role.placeholders ?? {})) {
      const ok =
        typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
      if (!ok) problems.push(`${at}.placeholders.${name}: expected a string or a list of strings`);
    }
    role.policies.forEach((policy, p) => {
      const where = `${at}.policies[${p}]`;
      if ((policy.file === undefined) === (policy.document === undefined)) {
        problems.push(`${where}: give exactly one of file and document`);
        return;
      }
      try {
        const resolved = resolvePolicy(role, policy, p, context);
        for (const problem of policyProblems(resolved.document))
          problems.push(`${where}: the policy ${problem}`);
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
      }
    });
  });
  return problems;
}

/** A scenario read from a file names policy files relative to itself. */
export function resolvePolicyFiles(scenario: unknown, directory: string): void {
  const roles = (scenario as { iam?: { roles?: unknown } } | undefined)?.iam?.roles;
  if (!Array.isArray(roles)) return;
  for (const role of roles) {
    for (const policy of Array.isArray(role?.policies) ? role.policies : []) {
      if (typeof policy?.file === 'string') policy.file = resolve(directory, policy.file);
    }
  }
}

const fileCache = new Map<string, unknown>();

function readPolicyFile(file: string): unknown {
  const path = resolve(file);
  let parsed = fileCache.get(path);
  if (parsed === undefined) {
    if (!existsSync(path)) throw new TemplateError(`policy file ${file} does not exist`);
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new TemplateError(`policy file ${file} is not JSON: ${(error as Error).message}`);
    }
    fileCache.set(path, parsed);
  }
  return parsed;
}

export function resolvePolicy(
  role: ScenarioRole,
  policy: ScenarioPolicy,
  index: number,
  context: { accountId?: string; region?: string },
): NamedPolicy {
  const values: PlaceholderValues = {
    Account: context.accountId ?? '123456789012',
    Region: context.region ?? 'us-east-1',
    ...role.placeholders,
  };
  const name = policy.name ?? (policy.file ? policy.file.split('/').pop()! : `inline-${index + 1}`);
  const template = policy.file !== undefined ? readPolicyFile(policy.file) : policy.document;
  return {
    name,
    document: instantiate(template, values, `${role.roleArn} policy ${name}`) as PolicyDocument,
  };
}

/** Policies of every listed role, instantiated. */
export function rolePolicies(
  iam: ScenarioIam | undefined,
  context: { accountId?: string; region?: string },
): Map<string, NamedPolicy[]> {
  const byRole = new Map<string, NamedPolicy[]>();
  for (const role of iam?.roles ?? []) {
    const policies = role.policies.map((policy, index) => resolvePolicy(role, policy, index, context));
    byRole.set(role.roleArn, [...(byRole.get(role.roleArn) ?? []), ...policies]);
  }
  return byRole;
}

/** A seed's roles join the scenario's; a role listed again gets the new policies as well. */
export function mergeIam(base: ScenarioIam | undefined, add: ScenarioIam): ScenarioIam {
  return {
    enforce: add.enforce ?? base?.enforce,
    roles: [...(base?.roles ?? []), ...(add.roles ?? [])],
  };
}
