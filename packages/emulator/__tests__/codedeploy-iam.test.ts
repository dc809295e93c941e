/**
 * IAM for the emulator's CodeDeploy, from the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html):
 * resource types application (`arn:${Partition}:codedeploy:${Region}:${Account}:application:${ApplicationName}`),
 * deploymentgroup (`…:deploymentgroup:${ApplicationName}/${DeploymentGroupName}`) and deploymentconfig
 * (`…:deploymentconfig:${DeploymentConfigurationName}`); CreateDeployment, GetDeployment and
 * GetDeploymentGroup act on a deploymentgroup; StopDeployment, ContinueDeployment,
 * GetDeploymentTarget and PutLifecycleEventHookExecutionStatus have no resource type (`*`).
 */

import { createHash } from 'node:crypto';
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { describe, expect, it } from '@jest/globals';
import { authorizationRequests, type ResourceLookup } from '../src/iam/request-context.js';
import { startEmulator } from '../src/server.js';
import { appSpecFor, clients, codedeployScenario, taskDefinitionArn } from './codedeploy-helpers.js';
import { ACCOUNT, REGION } from './ecs-helpers.js';

const facts = {
  region: REGION,
  accountId: ACCOUNT,
  principalArn: `arn:aws:iam::${ACCOUNT}:role/deployer`,
  now: 0,
};
const lookup: ResourceLookup = {
  taskDefinitionArn: () => undefined,
  nextTaskDefinitionRevision: () => 1,
  repositoryScanType: () => undefined,
  codedeployDeploymentGroupArn: (id) =>
    id === 'd-ABCDEFGHI' ? `arn:aws:codedeploy:${REGION}:${ACCOUNT}:deploymentgroup:shop/web` : undefined,
};
const arn = (rest: string) => `arn:aws:codedeploy:${REGION}:${ACCOUNT}:${rest}`;

describe('request context', () => {
  it.each([
    ['GetApplication', { applicationName: 'shop' }, [arn('application:shop')]],
    [
      'GetDeploymentGroup',
      { applicationName: 'shop', deploymentGroupName: 'web' },
      [arn('deploymentgroup:shop/web')],
    ],
    [
      'CreateDeployment',
      { applicationName: 'shop', deploymentGroupName: 'web' },
      [arn('deploymentgroup:shop/web')],
    ],
    ['GetDeployment', { deploymentId: 'd-ABCDEFGHI' }, [arn('deploymentgroup:shop/web')]],
    [
      'GetDeploymentConfig',
      { deploymentConfigName: 'CodeDeployDefault.ECSAllAtOnce' },
      [arn('deploymentconfig:CodeDeployDefault.ECSAllAtOnce')],
    ],
    ['StopDeployment', { deploymentId: 'd-ABCDEFGHI' }, ['*']],
    ['ContinueDeployment', { deploymentId: 'd-ABCDEFGHI' }, ['*']],
    ['GetDeploymentTarget', { deploymentId: 'd-ABCDEFGHI', targetId: 'shop:web' }, ['*']],
    ['PutLifecycleEventHookExecutionStatus', { deploymentId: 'd-ABCDEFGHI' }, ['*']],
  ])('%s is authorised on %j', async (operation, input, resources) => {
    const requests = await authorizationRequests('codedeploy', operation, input, facts, lookup);
    expect(requests.map((r) => [r.action, r.resource])).toEqual(
      resources.map((r) => [`codedeploy:${operation}`, r]),
    );
  });
});

it('enforces a policy scoped to one deployment group through the SDK', async () => {
  const role = `arn:aws:iam::${ACCOUNT}:role/deployer`;
  const group = arn('deploymentgroup:AppECS-shop-web/DgpECS-shop-web');
  const emulator = await startEmulator({
    scenario: {
      ...codedeployScenario(),
      iam: {
        roles: [
          {
            roleArn: role,
            policies: [
              {
                name: 'deploy',
                document: {
                  Version: '2012-10-17',
                  Statement: [
                    {
                      Effect: 'Allow',
                      Action: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'],
                      Resource: group,
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    },
    startTime: '2025-06-02T09:00:00Z',
  });
  try {
    const grant = emulator.control.iam.session(role);
    const { codedeploy } = clients(emulator, {
      accessKeyId: grant.accessKeyId,
      secretAccessKey: grant.secretAccessKey,
      sessionToken: grant.sessionToken,
    } as any);
    const content = appSpecFor(taskDefinitionArn(2), false);
    const { deploymentId } = await codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: 'AppECS-shop-web',
        deploymentGroupName: 'DgpECS-shop-web',
        revision: {
          revisionType: 'AppSpecContent',
          appSpecContent: { content, sha256: createHash('sha256').update(content).digest('hex') },
        },
      }),
    );
    // GetDeployment names only the id; it is authorised on the deployment's group.
    const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    expect(deploymentInfo?.deploymentGroupName).toBe('DgpECS-shop-web');
    const denied = await codedeploy.send(new StopDeploymentCommand({ deploymentId })).catch((e) => e);
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe(
      `User: ${grant.arn} is not authorized to perform: codedeploy:StopDeployment because no identity-based policy allows the codedeploy:StopDeployment action`,
    );
  } finally {
    await emulator.stop();
  }
});
