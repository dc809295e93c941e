/**
 * Identity-based policy evaluation for one request, as the IAM User Guide's
 * policy evaluation logic describes it for a principal in the same account
 * (no resource policy, boundary, SCP or session policy in play):
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * 1. By default every request is denied (implicit deny).
 * 2. An explicit Deny in any applicable statement wins over every Allow.
 * 3. Otherwise an applicable Allow allows.
 * Pure: no I/O, no knowledge of services; request-context.ts builds the requests.
 */
import { evaluateConditionBlock, PolicyError, type RequestContextKeys } from './conditions.js';
import { wildcardMatch } from './wildcard.js';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** A policy with the name it is known by (file or inline), for explanations. */
export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

/** One authorisation: an IAM action on one resource ARN (or `*`) with its condition keys. */
export interface AuthorizationRequest {
  /** `service:Action`, e.g. `ecs:UpdateService`. */
  action: string;
  /** The resource ARN, or `*` when the action has no resource type. */
  resource: string;
  context: RequestContextKeys;
}

export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

export interface Evaluation {
  decision: Decision;
  /** The statement that decided (the Deny, or the first Allow). */
  policy?: string;
  sid?: string;
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export function statementsOf(document: PolicyDocument): PolicyStatement[] {
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}

/** Action names are case-insensitive (Action element page); NotAction matches everything it does not list. */
function actionApplies(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined)
    return list(statement.Action).some((pattern) => wildcardMatch(pattern, action, true));
  if (statement.NotAction !== undefined)
    return !list(statement.NotAction).some((pattern) => wildcardMatch(pattern, action, true));
  throw new PolicyError(`Statement ${statement.Sid ?? ''} has neither Action nor NotAction`);
}

/** Resource ARNs are case-sensitive; `*` in the policy matches the request resource `*`. */
function resourceApplies(statement: PolicyStatement, resource: string): boolean {
  if (statement.Resource !== undefined)
    return list(statement.Resource).some((pattern) => wildcardMatch(pattern, resource));
  if (statement.NotResource !== undefined)
    return !list(statement.NotResource).some((pattern) => wildcardMatch(pattern, resource));
  throw new PolicyError(`Statement ${statement.Sid ?? ''} has neither Resource nor NotResource`);
}

export function statementApplies(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  return (
    actionApplies(statement, request.action) &&
    resourceApplies(statement, request.resource) &&
    evaluateConditionBlock(statement.Condition, request.context)
  );
}

export function evaluate(policies: NamedPolicy[], request: AuthorizationRequest): Evaluation {
  let allowed: Evaluation | undefined;
  for (const policy of policies) {
    for (const statement of statementsOf(policy.document)) {
      if (!statementApplies(statement, request)) continue;
      if (statement.Effect === 'Deny')
        return { decision: 'explicit-deny', policy: policy.name, sid: statement.Sid };
      allowed ??= { decision: 'allow', policy: policy.name, sid: statement.Sid };
    }
  }
  return allowed ?? { decision: 'implicit-deny' };
}

/** Shape checks a policy must pass before it is used: what IAM's own validation would reject. */
export function policyProblems(document: unknown): string[] {
  const problems: string[] = [];
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    return ['is not a JSON object'];
  const statement = (document as { Statement?: unknown }).Statement;
  if (statement === undefined) return ['has no Statement'];
  const statements = Array.isArray(statement) ? statement : [statement];
  for (const [i, s] of statements.entries() as IterableIterator<[number, any]>) {
    const at = `Statement[${i}]`;
    if (typeof s !== 'object' || s === null) {
      problems.push(`${at} is not an object`);
      continue;
    }
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') problems.push(`${at}.Effect must be Allow or Deny`);
    if ((s.Action === undefined) === (s.NotAction === undefined))
      problems.push(`${at} needs exactly one of Action and NotAction`);
    if ((s.Resource === undefined) === (s.NotResource === undefined))
      problems.push(`${at} needs exactly one of Resource and NotResource`);
    for (const operator of Object.keys(s.Condition ?? {})) {
      const bare = operator.replace(/^(ForAnyValue|ForAllValues):/i, '').replace(/IfExists$/i, '');
      if (
        !/^(String|Arn|Numeric|Date)(Not)?(Equals|Like|LessThan|LessThanEquals|GreaterThan|GreaterThanEquals|EqualsIgnoreCase)?$|^Bool$|^Null$/i.test(
          bare,
        )
      )
        problems.push(`${at}.Condition: unknown operator ${operator}`);
    }
  }
  return problems;
}
