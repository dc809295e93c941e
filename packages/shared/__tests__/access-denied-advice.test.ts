/**
 * Advice on AWS denials. The messages are AWS's formats from the IAM User Guide's
 * "Access denied error messages" (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html):
 * the implicit deny ("because no identity-based policy allows the <action> action"),
 * with and without "on resource:", and the explicit deny ("with an explicit deny in an
 * identity-based policy").
 */
import { accessDeniedAdvice, parseAccessDenial } from '../src/errors.js';
import { run } from '../src/run.js';

const ROLE = 'arn:aws:sts::123456789012:assumed-role/shop-dev-deploy/ci';
const SERVICE = 'arn:aws:ecs:eu-west-1:123456789012:service/production/shop-web';

describe('parseAccessDenial', () => {
  it.each([
    [
      `User: ${ROLE} is not authorized to perform: ecs:UpdateService on resource: ${SERVICE} because no identity-based policy allows the ecs:UpdateService action`,
      { principal: ROLE, action: 'ecs:UpdateService', resource: SERVICE, explicit: false },
    ],
    [
      'User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform: codecommit:ListRepositories because no identity-based policy allows the codecommit:ListRepositories action',
      {
        principal: 'arn:aws:iam::123456789012:user/MaryMajor',
        action: 'codecommit:ListRepositories',
        resource: undefined,
        explicit: false,
      },
    ],
    [
      `User: ${ROLE} is not authorized to perform: ecs:UpdateService on resource: ${SERVICE} with an explicit deny in an identity-based policy`,
      { principal: ROLE, action: 'ecs:UpdateService', resource: SERVICE, explicit: true },
    ],
  ])('%s', (message, expected) => {
    expect(parseAccessDenial(`Could not update the service: ${message}`)).toEqual(expected);
  });

  it('is undefined for other errors', () => {
    expect(parseAccessDenial('Service was not found.')).toBeUndefined();
  });
});

describe('accessDeniedAdvice', () => {
  it('names the permission, the resource and the Berth policy statement that grants it', () => {
    const advice = accessDeniedAdvice(
      'deploy-ecs',
      `User: ${ROLE} is not authorized to perform: ecs:UpdateService on resource: ${SERVICE} because no identity-based policy allows the ecs:UpdateService action`,
    );
    expect(advice).toBe(
      `Missing permission: \`ecs:UpdateService\` on \`${SERVICE}\`. Berth's policy grants it in statement \`UpdateAndWatchTheService\` of docs/iam/templates/deploy-ecs.json (per environment: docs/iam/<environment>/deploy-ecs.json); attach it to the role this step uses and check that its Resource and Condition name this environment's resources.`,
    );
  });

  it('for deploy-ecs, also names the batch policy where both grant the action', () => {
    const advice = accessDeniedAdvice(
      'deploy-ecs',
      `User: ${ROLE} is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/admin because no identity-based policy allows the iam:PassRole action`,
    );
    expect(advice).toMatch(
      /statement `PassTheTaskRoles` of docs\/iam\/templates\/deploy-ecs\.json .*, or statement `PassTheTaskRoles` of docs\/iam\/templates\/run-task\.json/,
    );
  });

  it('says when the denial is explicit, which no Berth policy causes', () => {
    expect(
      accessDeniedAdvice(
        'rollback',
        `User: ${ROLE} is not authorized to perform: ecs:UpdateService on resource: ${SERVICE} with an explicit deny in an identity-based policy`,
      ),
    ).toMatch(
      /^Denied explicitly: a Deny statement in a policy of .* refuses `ecs:UpdateService` on `.*shop-web`\. Berth's policies contain no Deny/,
    );
  });

  it('run() adds it to the failure of any step that met a denial', async () => {
    const failures: string[] = [];
    await run(
      'rollback',
      async () => {
        throw new Error(
          `Could not describe the service: User: ${ROLE} is not authorized to perform: ecs:DescribeServices on resource: ${SERVICE} because no identity-based policy allows the ecs:DescribeServices action`,
        );
      },
      { reporter: { setFailed: (m) => failures.push(m), debug: () => undefined } },
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(
      /^rollback: Could not describe the service: User: .* allows the ecs:DescribeServices action\. Missing permission: `ecs:DescribeServices` on `.*`\. Berth's policy grants it in statement `RollTheServiceBack` of docs\/iam\/templates\/rollback\.json/,
    );
  });
});
