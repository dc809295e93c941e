/**
 * GITHUB_TOKEN permissions (docs.github.com "Controlling permissions for GITHUB_TOKEN" and
 * "Reusing workflows": a called workflow can only keep or lower what its caller's job has).
 * Only `id-token` changes what the harness does (no ID token without `write`); the others
 * are checked so a workflow that asks for more than its caller grants fails as on GitHub.
 */
import { isMapping, isString } from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';

export type Level = 'none' | 'read' | 'write';
export type Permissions = Record<string, Level>;

export const SCOPES = [
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'id-token',
  'issues',
  'models',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
] as const;

const RANK: Record<Level, number> = { none: 0, read: 1, write: 2 };

function all(level: Level): Permissions {
  return Object.fromEntries(SCOPES.map((scope) => [scope, level]));
}

/** The restricted default of a repository (contents and packages read; id-token none). */
export function restrictedDefault(): Permissions {
  return { ...all('none'), contents: 'read', packages: 'read' };
}

export const WRITE_ALL = all('write');

/** Reads a `permissions:` token; undefined when absent. */
export function readPermissions(token: TemplateToken | undefined): Permissions | undefined {
  if (!token) return undefined;
  if (isString(token)) {
    if (token.value === 'read-all') return all('read');
    if (token.value === 'write-all') return all('write');
    throw new Error(`permissions: unknown value ${token.value}`);
  }
  if (!isMapping(token)) throw new Error('permissions: expected a mapping, read-all or write-all');
  const result = all('none');
  for (const pair of token) {
    const scope = String(pair.key);
    const level = String(pair.value) as Level;
    if (!(scope in RANK) && !SCOPES.includes(scope as (typeof SCOPES)[number])) {
      throw new Error(`permissions: unknown scope ${scope}`);
    }
    if (!(level in RANK)) throw new Error(`permissions: ${scope}: unknown level ${level}`);
    result[scope] = level;
  }
  return result;
}

/** Throws GitHub's startup error when `requested` exceeds what the caller allows. */
export function checkWithinCap(jobPath: string, requested: Permissions, cap: Permissions): void {
  for (const scope of SCOPES) {
    if (RANK[requested[scope] ?? 'none'] > RANK[cap[scope] ?? 'none']) {
      throw new Error(
        `The nested job '${jobPath}' is requesting '${scope}: ${requested[scope]}', but is only allowed '${scope}: ${cap[scope] ?? 'none'}'.`,
      );
    }
  }
}
