/**
 * The evaluator against the IAM User Guide. Each expected value is the documented
 * outcome, not something read off the code:
 * - Policy evaluation logic, "Determining whether a request is allowed or denied within an account":
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * - The difference between explicit and implicit denies:
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html
 * - NotAction: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
 * - NotResource: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
 * - Condition operators (…IfExists, Null, absent keys, negated operators, ARN operators):
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * - Set operators on multivalued keys:
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * - Action names are case-insensitive: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
 */
import { evaluate, type NamedPolicy, type PolicyStatement, policyProblems } from '../src/iam/evaluate.js';

const policy = (...Statement: PolicyStatement[]): NamedPolicy[] => [
  { name: 'test', document: { Version: '2012-10-17', Statement } },
];
const request = (action: string, resource = '*', context: Record<string, string | string[]> = {}) => ({
  action,
  resource,
  context,
});

describe('allow, explicit deny, implicit deny', () => {
  it('denies by default: no statement applies → implicit deny', () => {
    expect(evaluate([], request('ecs:UpdateService')).decision).toBe('implicit-deny');
    expect(
      evaluate(
        policy({ Effect: 'Allow', Action: 'ecs:DescribeServices', Resource: '*' }),
        request('ecs:UpdateService'),
      ).decision,
    ).toBe('implicit-deny');
  });

  it('an explicit Deny overrides any Allow, whatever the order and the policy', () => {
    const allow: PolicyStatement = { Effect: 'Allow', Action: 'ecs:*', Resource: '*' };
    const deny: PolicyStatement = {
      Sid: 'NoProd',
      Effect: 'Deny',
      Action: 'ecs:UpdateService',
      Resource: 'arn:aws:ecs:*:*:service/production/*',
    };
    const prod = request('ecs:UpdateService', 'arn:aws:ecs:eu-west-1:123456789012:service/production/web');
    expect(evaluate(policy(allow, deny), prod)).toMatchObject({ decision: 'explicit-deny', sid: 'NoProd' });
    expect(evaluate(policy(deny, allow), prod).decision).toBe('explicit-deny');
    const split: NamedPolicy[] = [...policy(allow), { name: 'guard', document: { Statement: deny } }];
    expect(evaluate(split, prod)).toMatchObject({ decision: 'explicit-deny', policy: 'guard' });
    // The Deny does not apply to dev, so the Allow decides.
    expect(
      evaluate(
        policy(allow, deny),
        request('ecs:UpdateService', 'arn:aws:ecs:eu-west-1:123456789012:service/dev/web'),
      ).decision,
    ).toBe('allow');
  });
});

describe('Action and NotAction', () => {
  it('matches action names case-insensitively, with * and ? wildcards', () => {
    const allows = (pattern: string, action: string) =>
      evaluate(policy({ Effect: 'Allow', Action: pattern, Resource: '*' }), request(action)).decision ===
      'allow';
    expect(allows('iam:listaccesskeys', 'iam:ListAccessKeys')).toBe(true);
    expect(allows('ecs:Describe*', 'ecs:DescribeServices')).toBe(true);
    expect(allows('ecs:Describe*', 'ecs:UpdateService')).toBe(false);
    expect(allows('ecs:Li?tTasks', 'ecs:ListTasks')).toBe(true);
    expect(allows('ecs:*', 'ecr:PutImage')).toBe(false);
  });

  it('Allow with NotAction allows everything except the listed actions (the NotAction page: "all except IAM")', () => {
    const p = policy({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' });
    expect(evaluate(p, request('ecs:UpdateService')).decision).toBe('allow');
    expect(evaluate(p, request('iam:PassRole', 'arn:aws:iam::123456789012:role/x')).decision).toBe(
      'implicit-deny',
    );
  });

  it('Deny with NotAction denies everything else, and a NotAction Deny does not itself allow the listed ones', () => {
    const p = policy(
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Effect: 'Deny', NotAction: ['ecs:Describe*', 'ecs:List*'], Resource: '*' },
    );
    expect(evaluate(p, request('ecs:DescribeServices')).decision).toBe('allow');
    expect(evaluate(p, request('ecs:UpdateService')).decision).toBe('explicit-deny');
    expect(
      evaluate(policy({ Effect: 'Deny', NotAction: 'ecs:List*', Resource: '*' }), request('ecs:ListTasks'))
        .decision,
    ).toBe('implicit-deny');
  });
});

describe('Resource and NotResource', () => {
  const service = 'arn:aws:ecs:eu-west-1:123456789012:service/dev/shop-web';
  it('matches ARNs with wildcards, case-sensitively', () => {
    const allows = (pattern: string, resource: string) =>
      evaluate(
        policy({ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: pattern }),
        request('ecs:UpdateService', resource),
      ).decision === 'allow';
    expect(allows('arn:aws:ecs:eu-west-1:123456789012:service/dev/shop-*', service)).toBe(true);
    expect(allows('arn:aws:ecs:eu-west-1:123456789012:service/*/shop-*', service)).toBe(true);
    expect(allows('arn:aws:ecs:eu-west-1:123456789012:service/staging/shop-*', service)).toBe(false);
    expect(allows('arn:aws:ecs:eu-west-1:123456789012:service/DEV/shop-*', service)).toBe(false);
    expect(allows('arn:aws:ecs:eu-west-1:123456789012:service/de?/shop-web', service)).toBe(true);
    expect(allows('*', service)).toBe(true);
  });

  it('a request on resource * (an action without resource types) needs Resource "*"', () => {
    const p = policy({
      Effect: 'Allow',
      Action: 'ecs:DescribeTaskDefinition',
      Resource: 'arn:aws:ecs:*:*:task-definition/*',
    });
    expect(evaluate(p, request('ecs:DescribeTaskDefinition', '*')).decision).toBe('implicit-deny');
  });

  it('NotResource applies to every resource except the listed ones', () => {
    const p = policy(
      { Effect: 'Allow', Action: 'ecs:*', Resource: '*' },
      { Effect: 'Deny', Action: 'ecs:*', NotResource: 'arn:aws:ecs:*:*:service/dev/*' },
    );
    expect(evaluate(p, request('ecs:UpdateService', service)).decision).toBe('allow');
    expect(evaluate(p, request('ecs:UpdateService', service.replace('/dev/', '/production/'))).decision).toBe(
      'explicit-deny',
    );
  });
});

describe('conditions', () => {
  const allowIf = (Condition: PolicyStatement['Condition']) =>
    policy({ Effect: 'Allow', Action: 'ecs:*', Resource: '*', Condition });
  const cluster = 'arn:aws:ecs:eu-west-1:123456789012:cluster/dev';

  it('a key absent from the request context makes a condition false ("the values do not match")', () => {
    // The bug: DescribeClusters carries no ecs:cluster, so this Allow never applies.
    const p = allowIf({ ArnEquals: { 'ecs:cluster': cluster } });
    expect(evaluate(p, request('ecs:DescribeClusters', cluster, {})).decision).toBe('implicit-deny');
    expect(evaluate(p, request('ecs:ListTasks', '*', { 'ecs:cluster': cluster })).decision).toBe('allow');
  });

  it('…but true for a negated operator: "StringNotLike … and the key is not present, the condition is true"', () => {
    const p = allowIf({ StringNotLike: { 'aws:RequestTag/env': 'prod*' } });
    expect(evaluate(p, request('ecs:TagResource')).decision).toBe('allow');
    expect(
      evaluate(p, request('ecs:TagResource', '*', { 'aws:RequestTag/env': 'production' })).decision,
    ).toBe('implicit-deny');
    expect(evaluate(p, request('ecs:TagResource', '*', { 'aws:RequestTag/env': 'dev' })).decision).toBe(
      'allow',
    );
  });

  it('…IfExists: true when the key is absent, the operator when it is present', () => {
    const p = allowIf({ StringLikeIfExists: { 'ec2:InstanceType': ['t1.*', 't2.*', 'm3.*'] } });
    expect(evaluate(p, request('ecs:RunTask')).decision).toBe('allow');
    expect(evaluate(p, request('ecs:RunTask', '*', { 'ec2:InstanceType': 't2.micro' })).decision).toBe(
      'allow',
    );
    expect(evaluate(p, request('ecs:RunTask', '*', { 'ec2:InstanceType': 'c5.large' })).decision).toBe(
      'implicit-deny',
    );
  });

  it('Null: "true" when the key must be absent, "false" when it must be present', () => {
    expect(
      evaluate(allowIf({ Null: { 'aws:TokenIssueTime': 'true' } }), request('ecs:ListTasks')).decision,
    ).toBe('allow');
    expect(
      evaluate(allowIf({ Null: { 'aws:TokenIssueTime': 'false' } }), request('ecs:ListTasks')).decision,
    ).toBe('implicit-deny');
    expect(
      evaluate(
        allowIf({ Null: { 'aws:TokenIssueTime': 'false' } }),
        request('ecs:ListTasks', '*', { 'aws:TokenIssueTime': 'x' }),
      ).decision,
    ).toBe('allow');
  });

  it('several values of one key are OR-ed, several keys and operators AND-ed', () => {
    const p = allowIf({
      StringEquals: {
        'ecs:CreateAction': ['RegisterTaskDefinition', 'RunTask'],
        'aws:RequestTag/team': 'shop',
      },
      Bool: { 'aws:SecureTransport': 'true' },
    });
    const ctx = {
      'ecs:CreateAction': 'RunTask',
      'aws:RequestTag/team': 'shop',
      'aws:SecureTransport': 'true',
    };
    expect(evaluate(p, request('ecs:TagResource', '*', ctx)).decision).toBe('allow');
    expect(
      evaluate(p, request('ecs:TagResource', '*', { ...ctx, 'ecs:CreateAction': 'CreateService' })).decision,
    ).toBe('implicit-deny');
    expect(
      evaluate(p, request('ecs:TagResource', '*', { ...ctx, 'aws:SecureTransport': 'false' })).decision,
    ).toBe('implicit-deny');
  });

  it('condition key names are case-insensitive, StringEquals values are not', () => {
    const p = allowIf({ StringEquals: { 'ECS:CreateAction': 'RunTask' } });
    expect(evaluate(p, request('ecs:TagResource', '*', { 'ecs:CreateAction': 'RunTask' })).decision).toBe(
      'allow',
    );
    expect(evaluate(p, request('ecs:TagResource', '*', { 'ecs:CreateAction': 'runtask' })).decision).toBe(
      'implicit-deny',
    );
    const q = allowIf({ StringEqualsIgnoreCase: { 'ecs:CreateAction': 'RunTask' } });
    expect(evaluate(q, request('ecs:TagResource', '*', { 'ecs:CreateAction': 'runtask' })).decision).toBe(
      'allow',
    );
  });

  it('ArnLike and ArnEquals both take wildcards; ArnNotEquals negates', () => {
    const ctx = { 'ecs:cluster': cluster };
    expect(
      evaluate(
        allowIf({ ArnLike: { 'ecs:cluster': 'arn:aws:ecs:*:*:cluster/d*' } }),
        request('ecs:ListTasks', '*', ctx),
      ).decision,
    ).toBe('allow');
    expect(
      evaluate(
        allowIf({ ArnEquals: { 'ecs:cluster': 'arn:aws:ecs:*:*:cluster/d*' } }),
        request('ecs:ListTasks', '*', ctx),
      ).decision,
    ).toBe('allow');
    expect(
      evaluate(allowIf({ ArnNotEquals: { 'ecs:cluster': cluster } }), request('ecs:ListTasks', '*', ctx))
        .decision,
    ).toBe('implicit-deny');
  });

  it('ForAllValues: every request value must match; an absent key passes. ForAnyValue: one must; absent fails', () => {
    const all = allowIf({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } });
    const any = allowIf({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env', 'team'] } });
    const tags = (...keys: string[]) => request('ecs:TagResource', '*', { 'aws:TagKeys': keys });
    expect(evaluate(all, tags('env')).decision).toBe('allow');
    expect(evaluate(all, tags('env', 'owner')).decision).toBe('implicit-deny');
    expect(evaluate(all, request('ecs:TagResource')).decision).toBe('allow');
    expect(evaluate(any, tags('owner', 'team')).decision).toBe('allow');
    expect(evaluate(any, tags('owner')).decision).toBe('implicit-deny');
    expect(evaluate(any, request('ecs:TagResource')).decision).toBe('implicit-deny');
  });

  it('numeric and date operators compare values, not text', () => {
    expect(
      evaluate(
        allowIf({ NumericLessThan: { 's3:max-keys': '10' } }),
        request('ecs:X', '*', { 's3:max-keys': '9' }),
      ).decision,
    ).toBe('allow');
    expect(
      evaluate(
        allowIf({ NumericLessThan: { 's3:max-keys': '10' } }),
        request('ecs:X', '*', { 's3:max-keys': '10' }),
      ).decision,
    ).toBe('implicit-deny');
    const before = allowIf({ DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } });
    expect(
      evaluate(before, request('ecs:X', '*', { 'aws:CurrentTime': '2026-12-01T00:00:00Z' })).decision,
    ).toBe('allow');
  });
});

describe('policy shape', () => {
  it('rejects what IAM rejects: no Effect, both Action and NotAction, an unknown operator', () => {
    expect(policyProblems({ Statement: [{ Action: 'ecs:*', Resource: '*' }] })).toEqual([
      'Statement[0].Effect must be Allow or Deny',
    ]);
    expect(
      policyProblems({ Statement: { Effect: 'Allow', Action: 'a:b', NotAction: 'a:c', Resource: '*' } }),
    ).toEqual(['Statement[0] needs exactly one of Action and NotAction']);
    expect(
      policyProblems({
        Statement: [
          { Effect: 'Allow', Action: 'a:b', Resource: '*', Condition: { StringSortOf: { k: 'v' } } },
        ],
      }),
    ).toEqual(['Statement[0].Condition: unknown operator StringSortOf']);
    expect(
      policyProblems({
        Statement: [
          {
            Effect: 'Allow',
            Action: 'a:b',
            Resource: '*',
            Condition: { 'ForAnyValue:StringLikeIfExists': { k: 'v' } },
          },
        ],
      }),
    ).toEqual([]);
  });
});
