/**
 * The emulator's one authorisation point: a call signed with credentials its
 * STS issued is evaluated against the identity policies of the assumed role
 * (scenario `iam` section). Denials answer as AWS does:
 * - ECS, ECR, CloudWatch Logs (JSON protocols): `AccessDeniedException`, HTTP 400
 *   (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/CommonErrors.html);
 * - STS (Query protocol): `AccessDenied`, HTTP 403
 *   (https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html);
 * with the message format of the IAM User Guide's "Access denied error messages"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html):
 * "User: <principal> is not authorized to perform: <action> on resource: <arn> because no
 * identity-based policy allows the <action> action", or "… with an explicit deny in an
 * identity-based policy". Actions without a resource type omit "on resource:".
 */
import type { IssuedCredentials } from '../identity.js';
import { AwsError, type World } from '../world.js';
import { type Decision, evaluate, type NamedPolicy } from './evaluate.js';
import { authorizationRequests, type ResourceLookup } from './request-context.js';
import { rolePolicies } from './scenario-iam.js';

/**
 * Calls no policy governs: GetCallerIdentity needs no permission
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html),
 * AssumeRoleWithWebIdentity is unsigned and decided by the role's trust policy.
 */
const UNGOVERNED = new Set(['sts:GetCallerIdentity', 'sts:AssumeRoleWithWebIdentity']);

export interface AuthorizationOutcome {
  decision: Decision;
  /** The denial to answer with, when not allowed. */
  error?: AwsError;
}

export function denialMessage(
  principal: string,
  action: string,
  resource: string,
  decision: Exclude<Decision, 'allow'>,
): string {
  const on = resource === '*' ? '' : ` on resource: ${resource}`;
  return decision === 'explicit-deny'
    ? `User: ${principal} is not authorized to perform: ${action}${on} with an explicit deny in an identity-based policy`
    : `User: ${principal} is not authorized to perform: ${action}${on} because no identity-based policy allows the ${action} action`;
}

export function denialError(service: string, message: string): AwsError {
  return service === 'sts'
    ? new AwsError('AccessDenied', message, 403)
    : new AwsError('AccessDeniedException', message, 400);
}

export class Authorizer {
  private cache?: { key: unknown; policies: Map<string, NamedPolicy[]> };

  constructor(
    private readonly world: World,
    private readonly lookup: ResourceLookup,
  ) {}

  /** True when the scenario attaches policies and enforcement is on. */
  get enforcing(): boolean {
    const iam = this.world.scenario.iam;
    return iam !== undefined && iam.enforce !== false;
  }

  private policiesOf(roleArn: string): NamedPolicy[] {
    // world.scenario.iam is replaced (not mutated) on seed/reset, so its identity keys the cache.
    const key = this.world.scenario.iam;
    let cache = this.cache;
    if (!cache || cache.key !== key) {
      cache = {
        key,
        policies: rolePolicies(key, { accountId: this.world.accountId, region: this.world.region }),
      };
      this.cache = cache;
    }
    return cache.policies.get(roleArn) ?? [];
  }

  /** undefined when the call is not governed (unsigned, not emulator-issued, or no `iam` section). */
  async authorize(
    service: string,
    operation: string,
    input: unknown,
    session: IssuedCredentials | undefined,
  ): Promise<AuthorizationOutcome | undefined> {
    if (!session || !this.enforcing || UNGOVERNED.has(`${service}:${operation}`)) return undefined;
    const policies = this.policiesOf(session.roleArn);
    const requests = await authorizationRequests(
      service,
      operation,
      input,
      {
        region: this.world.region,
        accountId: session.accountId,
        principalArn: session.roleArn,
        now: this.world.clock.now(),
      },
      this.lookup,
    );
    for (const request of requests) {
      const { decision } = evaluate(policies, request);
      if (decision === 'allow') continue;
      return {
        decision,
        error: denialError(service, denialMessage(session.arn, request.action, request.resource, decision)),
      };
    }
    return { decision: 'allow' };
  }
}
