/**
 * CodeDeploy's exceptions. Where AWS's message is on record it is used as
 * written: "No application found for name: <name>" and "No Deployment Group
 * found for name: <name>" (seen in users' reports of the live API; the
 * CloudFormation registry notes the first as "verified live"). Elsewhere the
 * message is the exception's description in the API reference
 * (https://docs.aws.amazon.com/codedeploy/latest/APIReference/CommonErrors.html and each
 * operation's Errors section), the closest AWS text there is, followed by the
 * value at fault.
 */
import { AwsError } from '../world.js';

export function codedeployError(code: string, message: string): AwsError {
  return new AwsError(code, message, 400);
}

export const errors = {
  applicationNameRequired: () =>
    codedeployError(
      'ApplicationNameRequiredException',
      'The minimum number of required application names was not specified.',
    ),
  applicationDoesNotExist: (name: string) =>
    codedeployError('ApplicationDoesNotExistException', `No application found for name: ${name}`),
  applicationAlreadyExists: (name: string) =>
    codedeployError(
      'ApplicationAlreadyExistsException',
      `An application with the specified name with the user or Amazon Web Services account already exists: ${name}`,
    ),
  groupNameRequired: () =>
    codedeployError('DeploymentGroupNameRequiredException', 'The deployment group name was not specified.'),
  groupDoesNotExist: (name: string) =>
    codedeployError('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${name}`),
  groupAlreadyExists: (name: string) =>
    codedeployError(
      'DeploymentGroupAlreadyExistsException',
      `A deployment group with the specified name with the user or Amazon Web Services account already exists: ${name}`,
    ),
  deploymentIdRequired: () =>
    codedeployError('DeploymentIdRequiredException', 'At least one deployment ID must be specified.'),
  deploymentDoesNotExist: (id: string) =>
    codedeployError(
      'DeploymentDoesNotExistException',
      `The deployment with the user or Amazon Web Services account does not exist: ${id}`,
    ),
  invalidDeploymentId: (id: string) =>
    codedeployError(
      'InvalidDeploymentIdException',
      `At least one of the deployment IDs was specified in an invalid format: ${id}`,
    ),
  deploymentAlreadyCompleted: (id: string) =>
    codedeployError('DeploymentAlreadyCompletedException', `The deployment is already complete: ${id}`),
  deploymentLimitExceeded: (group: string, active: string) =>
    codedeployError(
      'DeploymentLimitExceededException',
      `The Deployment Group '${group}' already has an active Deployment '${active}'`,
    ),
  configDoesNotExist: (name: string) =>
    codedeployError(
      'DeploymentConfigDoesNotExistException',
      `The deployment configuration does not exist with the user or Amazon Web Services account: ${name}`,
    ),
  revisionRequired: () => codedeployError('RevisionRequiredException', 'The revision ID was not specified.'),
  invalidRevision: (why: string) =>
    codedeployError('InvalidRevisionException', `The revision was specified in an invalid format. ${why}`),
  descriptionTooLong: () => codedeployError('DescriptionTooLongException', 'The description is too long.'),
  notReady: () =>
    codedeployError(
      'DeploymentIsNotInReadyStateException',
      "The deployment does not have a status of Ready and can't continue yet.",
    ),
  invalidWaitType: (value: unknown) =>
    codedeployError(
      'InvalidDeploymentWaitTypeException',
      `The wait type is invalid: ${JSON.stringify(value)}`,
    ),
  targetIdRequired: () =>
    codedeployError('DeploymentTargetIdRequiredException', 'A deployment target ID was not provided.'),
  targetDoesNotExist: (id: string) =>
    codedeployError(
      'DeploymentTargetDoesNotExistException',
      `The provided target ID does not belong to the attempted deployment: ${id}`,
    ),
  invalidHookExecutionId: (id: string) =>
    codedeployError(
      'InvalidLifecycleEventHookExecutionIdException',
      `A lifecycle event hook is invalid: ${id}`,
    ),
  hookAlreadyCompleted: (id: string) =>
    codedeployError(
      'LifecycleEventAlreadyCompletedException',
      `An attempt to return the status of an already completed lifecycle event occurred: ${id}`,
    ),
  invalidHookStatus: (status: unknown) =>
    codedeployError(
      'InvalidLifecycleEventHookExecutionStatusException',
      `The result of a Lambda validation function that verifies a lifecycle event is invalid. It should return Succeeded or Failed, got ${JSON.stringify(status)}.`,
    ),
  invalidComputePlatform: (value: unknown) =>
    codedeployError(
      'InvalidComputePlatformException',
      `The computePlatform is invalid. The computePlatform should be Lambda, Server, or ECS. Got ${JSON.stringify(value)}.`,
    ),
  roleRequired: () => codedeployError('RoleRequiredException', 'The role ID was not specified.'),
  invalidRole: (value: unknown) =>
    codedeployError(
      'InvalidRoleException',
      `The service role ARN was specified in an invalid format: ${JSON.stringify(value)}`,
    ),
  invalidDeploymentStyle: (why: string) =>
    codedeployError('InvalidDeploymentStyleException', `An invalid deployment style was specified. ${why}`),
  invalidEcsService: (why: string) =>
    codedeployError('InvalidECSServiceException', `The Amazon ECS service identifier is not valid. ${why}`),
  ecsServiceMapped: (service: string, group: string) =>
    codedeployError(
      'ECSServiceMappingLimitExceededException',
      `The Amazon ECS service is associated with more than one deployment groups. ${service} is already in deployment group ${group}.`,
    ),
  invalidBlueGreen: (why: string) =>
    codedeployError(
      'InvalidBlueGreenDeploymentConfigurationException',
      `The configuration for the blue/green deployment group was provided in an invalid format. ${why}`,
    ),
  invalidTargetGroupPair: (why: string) =>
    codedeployError(
      'InvalidTargetGroupPairException',
      `A target group pair associated with this deployment is not valid. ${why}`,
    ),
  invalidAutoRollback: (why: string) =>
    codedeployError(
      'InvalidAutoRollbackConfigException',
      `The automatic rollback configuration was specified in an invalid format. ${why}`,
    ),
  unsupportedForDeploymentType: (why: string) =>
    codedeployError(
      'UnsupportedActionForDeploymentTypeException',
      `A call was submitted that is not supported for the specified deployment type. ${why}`,
    ),
};
