/**
 * Which of Berth's documented policies grants each IAM action, and in which statement:
 * the advice an AccessDenied gets (errors.ts `accessDeniedAdvice`). The templates in
 * docs/iam/templates are the source; tests/iam-policies.itg.test.ts fails when this table
 * and the templates disagree.
 */
export const POLICY_GRANTS: Record<string, Record<string, string>> = {
  'build-push': {
    'ecr:GetAuthorizationToken': 'RegistryLogin',
    'ecr:BatchCheckLayerAvailability': 'PushPullAndRetag',
    'ecr:InitiateLayerUpload': 'PushPullAndRetag',
    'ecr:UploadLayerPart': 'PushPullAndRetag',
    'ecr:CompleteLayerUpload': 'PushPullAndRetag',
    'ecr:PutImage': 'PushPullAndRetag',
    'ecr:BatchGetImage': 'PushPullAndRetag',
    'ecr:GetDownloadUrlForLayer': 'PushPullAndRetag',
    'ecr:DescribeImages': 'PushPullAndRetag',
    'ecr:DescribeRepositories': 'PushPullAndRetag',
  },
  'scan-gate': {
    'ecr:DescribeImages': 'ReadAndStartScans',
    'ecr:DescribeImageScanFindings': 'ReadAndStartScans',
    'ecr:StartImageScan': 'ReadAndStartScans',
    'inspector2:ListFindings': 'EnhancedScanningFindings',
  },
  'render-taskdef': {
    'ecr:DescribeImages': 'PinImageTagsToDigests',
    'ecs:DescribeServices': 'ReadWhatServicesRun',
    'ecs:DescribeTaskDefinition': 'ReadLiveTaskDefinitions',
  },
  'deploy-ecs': {
    'ecs:DescribeTaskDefinition': 'ReadTaskDefinitions',
    'ecs:RegisterTaskDefinition': 'RegisterTaskDefinitions',
    'ecs:TagResource': 'TagOnlyWhatItCreates',
    'ecs:DescribeClusters': 'CheckTheCluster',
    'ecs:UpdateService': 'UpdateAndWatchTheService',
    'ecs:DescribeServices': 'UpdateAndWatchTheService',
    'ecs:ListServiceDeployments': 'UpdateAndWatchTheService',
    'ecs:DescribeServiceDeployments': 'FollowServiceDeployments',
    'ecs:ListTasks': 'ExplainFailedTasks',
    'ecs:DescribeTasks': 'ExplainFailedTasks',
    'ecs:RunTask': 'RunOneOffTasks',
    'iam:PassRole': 'PassTheTaskRoles',
    'logs:GetLogEvents': 'ReadFailedContainerLogs',
    'ecr:BatchGetImage': 'TagDeployedImages',
    'ecr:PutImage': 'TagDeployedImages',
    'ecr:DescribeImages': 'TagDeployedImages',
    'ecr:DescribeRepositories': 'TagDeployedImages',
    'codedeploy:GetDeploymentGroup': 'DeployCodeDeployServices',
    'codedeploy:CreateDeployment': 'DeployCodeDeployServices',
    'codedeploy:GetDeployment': 'DeployCodeDeployServices',
    'codedeploy:ListDeploymentTargets': 'FollowAndStopCodeDeployDeployments',
    'codedeploy:GetDeploymentTarget': 'FollowAndStopCodeDeployDeployments',
    'codedeploy:StopDeployment': 'FollowAndStopCodeDeployDeployments',
    'ecs:StopServiceDeployment': 'FollowServiceDeployments',
  },
  'run-task': {
    'ecs:DescribeTaskDefinition': 'ReadTaskDefinitions',
    'ecs:RegisterTaskDefinition': 'RegisterTaskDefinitions',
    'ecs:TagResource': 'TagOnlyWhatItCreates',
    'ecs:DescribeClusters': 'CheckTheCluster',
    'ecs:RunTask': 'RunTheTask',
    'ecs:ListTasks': 'WatchTheTask',
    'ecs:DescribeTasks': 'WatchTheTask',
    'iam:PassRole': 'PassTheTaskRoles',
    'logs:GetLogEvents': 'ReadTheTaskLogs',
  },
  rollback: {
    'ecs:DescribeTaskDefinition': 'ReadHistory',
    'ecs:ListTaskDefinitions': 'ReadHistory',
    'ecs:UpdateService': 'RollTheServiceBack',
    'ecs:DescribeServices': 'RollTheServiceBack',
    'ecs:ListServiceDeployments': 'RollTheServiceBack',
    'ecs:DescribeServiceDeployments': 'ServiceDeployments',
    'ecs:StopServiceDeployment': 'ServiceDeployments',
    'ecs:DescribeServiceRevisions': 'ReadServiceRevisions',
    'ecs:ListTasks': 'ExplainFailedTasks',
    'ecs:DescribeTasks': 'ExplainFailedTasks',
    'ecr:DescribeImages': 'CheckTargetImagesStillExist',
    'logs:GetLogEvents': 'ReadFailedContainerLogs',
  },
};

/** The policies an action's role carries, in the order the advice names them. */
export const POLICIES_OF_ACTION: Record<string, string[]> = {
  'build-push': ['build-push'],
  'scan-gate': ['scan-gate'],
  'render-taskdef': ['render-taskdef'],
  'deploy-ecs': ['deploy-ecs', 'run-task'],
  rollback: ['rollback'],
};
