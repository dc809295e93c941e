import { expandString, instantiate } from '../src/iam/template.js';
import { type ScenarioError, validateScenario } from '../src/scenario.js';

const ROLE = 'arn:aws:iam::123456789012:role/shop-dev-deploy';

function problems(iam: unknown): string[] {
  try {
    validateScenario({ iam });
    return [];
  } catch (error) {
    return (error as ScenarioError).problems;
  }
}

describe('the scenario iam section', () => {
  it('accepts inline documents with placeholders and reports each mistake with its path', () => {
    const statement = {
      Effect: 'Allow',
      Action: 'ecs:*',
      Resource: 'arn:aws:ecs:${Region}:${Account}:cluster/${Cluster}',
    };
    expect(
      problems({
        roles: [
          {
            roleArn: ROLE,
            placeholders: { Cluster: ['dev'] },
            policies: [{ document: { Statement: [statement] } }],
          },
        ],
      }),
    ).toEqual([]);
    expect(problems({ roles: [{ roleArn: 'shop-dev-deploy', policies: [] }] })).toEqual([
      'iam.roles[0].roleArn: "shop-dev-deploy" is not an IAM role ARN',
    ]);
    expect(
      problems({ roles: [{ roleArn: ROLE, policies: [{ document: { Statement: [statement] } }] }] }),
    ).toEqual([
      expect.stringMatching(/^iam\.roles\[0\]\.policies\[0\]: .*no value for placeholder \$\{Cluster\}/),
    ]);
    expect(problems({ roles: [{ roleArn: ROLE, policies: [{ file: '/nowhere/policy.json' }] }] })).toEqual([
      'iam.roles[0].policies[0]: policy file /nowhere/policy.json does not exist',
    ]);
    expect(problems({ roles: [{ roleArn: ROLE, policies: [{}] }] })).toEqual([
      'iam.roles[0].policies[0]: give exactly one of file and document',
    ]);
    expect(
      problems({
        roles: [
          {
            roleArn: ROLE,
            policies: [{ document: { Statement: [{ Effect: 'Permit', Action: 'a:b', Resource: '*' }] } }],
          },
        ],
      }),
    ).toEqual(['iam.roles[0].policies[0]: the policy Statement[0].Effect must be Allow or Deny']);
    expect(problems({ roles: [{ roleArn: ROLE, placeholders: { Cluster: 3 }, policies: [] }] })).toEqual([
      'iam.roles[0].placeholders.Cluster: expected a string or a list of strings',
    ]);
  });
});

describe('policy templates', () => {
  it('a placeholder with several values multiplies its string; IAM policy variables are left alone', () => {
    expect(expandString('cluster/${Cluster}/${Service}', { Cluster: ['dev', 'qa'], Service: 'web' })).toEqual(
      ['cluster/dev/web', 'cluster/qa/web'],
    );
    expect(expandString('home/${aws:username}/*', {})).toEqual(['home/${aws:username}/*']);
    expect(
      instantiate(
        { Resource: 'arn:${Cluster}', Action: ['a:${Verb}', 'b:c'] },
        { Cluster: ['x', 'y'], Verb: 'Get' },
      ),
    ).toEqual({ Resource: ['arn:x', 'arn:y'], Action: ['a:Get', 'b:c'] });
  });
});
