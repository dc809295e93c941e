/**
 * Denial answers. Message formats: IAM User Guide, "Access denied error messages"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html), whose
 * examples read "User: arn:aws:iam::123456789012:user/MaryMajor is not authorized to perform:
 * codecommit:ListRespositories because no identity-based policy allows the
 * codecommit:ListRepositories action" (no resource for an action without one) and "… with an
 * explicit deny in an identity-based policy". Codes: ECS, ECR and CloudWatch Logs list
 * AccessDeniedException with HTTP 400
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/CommonErrors.html); Query-protocol
 * STS answers AccessDenied with HTTP 403, as its AssumeRole denials do.
 */
import { denialError, denialMessage } from '../src/iam/enforce.js';

const USER = 'arn:aws:sts::123456789012:assumed-role/shop-dev-deploy/ci';

it('implicit deny, with and without a resource', () => {
  expect(
    denialMessage(
      USER,
      'ecs:UpdateService',
      'arn:aws:ecs:eu-west-1:123456789012:service/production/web',
      'implicit-deny',
    ),
  ).toBe(
    `User: ${USER} is not authorized to perform: ecs:UpdateService on resource: arn:aws:ecs:eu-west-1:123456789012:service/production/web because no identity-based policy allows the ecs:UpdateService action`,
  );
  expect(denialMessage(USER, 'ecs:ListTaskDefinitions', '*', 'implicit-deny')).toBe(
    `User: ${USER} is not authorized to perform: ecs:ListTaskDefinitions because no identity-based policy allows the ecs:ListTaskDefinitions action`,
  );
});

it('explicit deny', () => {
  expect(
    denialMessage(
      USER,
      'ecs:UpdateService',
      'arn:aws:ecs:eu-west-1:123456789012:service/production/web',
      'explicit-deny',
    ),
  ).toBe(
    `User: ${USER} is not authorized to perform: ecs:UpdateService on resource: arn:aws:ecs:eu-west-1:123456789012:service/production/web with an explicit deny in an identity-based policy`,
  );
});

it('answers each protocol in its form', () => {
  expect(denialError('ecs', 'm')).toMatchObject({ code: 'AccessDeniedException', status: 400 });
  expect(denialError('logs', 'm')).toMatchObject({ code: 'AccessDeniedException', status: 400 });
  expect(denialError('sts', 'm')).toMatchObject({ code: 'AccessDenied', status: 403 });
});
