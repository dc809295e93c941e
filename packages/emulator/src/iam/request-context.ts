/**
 * The authorisation requests one AWS call makes: which IAM actions, on which
 * resource ARNs, with which condition keys. Each operation below says which
 * resources and values its input names; the Service Authorization Reference
 * (service-reference.ts) decides which of those the request context really
 * carries: a key the reference does not list for the action (and its resource
 * type) is dropped, and an action without resource types is authorised on `*`.
 *
 * Additional authorisations AWS documents for some calls:
 * - iam:PassRole when a task definition names a task or execution role
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html,
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html), with
 *   iam:PassedToService ecs-tasks.amazonaws.com.
 * - iam:PassRole on the infrastructure role of each managed EBS volume (`volumeConfigurations` of
 *   RunTask, CreateService, UpdateService), passed to ECS itself: the role ECS assumes to create and
 *   attach the volumes (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/infrastructure_IAM_role.html),
 *   with iam:PassedToService ecs.amazonaws.com.
 * - ecs:TagResource with ecs:CreateAction when a creating call carries tags
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html).
 * - inspector2:ListFindings when ECR findings come from enhanced scanning
 *   (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced-iam.html).
 */
import type { RequestContextKeys } from './conditions.js';
import type { AuthorizationRequest } from './evaluate.js';
import { actionReference, conditionKeyListed } from './service-reference.js';

/** What the authoriser may ask the emulator's state (resources the input names only indirectly). */
export interface ResourceLookup {
  /** The ARN of `family`, `family:revision` or an ARN, when the task definition exists. */
  taskDefinitionArn(reference: string): string | undefined;
  /** The revision RegisterTaskDefinition would create next for `family`. */
  nextTaskDefinitionRevision(family: string): number;
  repositoryScanType(name: string): 'BASIC' | 'ENHANCED' | undefined;
  /** The deployment group ARN of a CodeDeploy deployment (its operations name only the deployment id). */
  codedeployDeploymentGroupArn?(deploymentId: string): string | undefined;
}

export interface CallFacts {
  region: string;
  accountId: string;
  /** ARN of the role whose session signs the call. */
  principalArn: string;
  /** Emulated now (epoch ms) for aws:CurrentTime. */
  now: number;
}

interface Need {
  action: string;
  /** Resource type → ARNs; omitted or empty: the action's own resource (`*` when it has none). */
  resources?: Array<{ type: string; arn: string }>;
  keys?: RequestContextKeys;
}

type Resolver = (input: any, facts: CallFacts, lookup: ResourceLookup) => Need[];

const PASSED_TO_ECS_TASKS = 'ecs-tasks.amazonaws.com';

function nameOf(reference: string | undefined, fallback: string): string {
  if (!reference) return fallback;
  return reference.startsWith('arn:') ? reference.slice(reference.lastIndexOf('/') + 1) : reference;
}

function ecsArn(facts: CallFacts, path: string): string {
  return `arn:aws:ecs:${facts.region}:${facts.accountId}:${path}`;
}

const clusterArn = (facts: CallFacts, cluster: string | undefined) =>
  cluster?.startsWith('arn:') ? cluster : ecsArn(facts, `cluster/${nameOf(cluster, 'default')}`);

function serviceArn(facts: CallFacts, cluster: string | undefined, service: string): string {
  if (service.startsWith('arn:')) {
    // Long ARN format service/<cluster>/<name>; the old short format has no cluster.
    const path = service.slice(service.indexOf(':service/') + ':service/'.length).split('/');
    if (path.length === 2) return service;
    return ecsArn(facts, `service/${nameOf(cluster, 'default')}/${path[0]}`);
  }
  return ecsArn(facts, `service/${nameOf(cluster, 'default')}/${service}`);
}

function tagKeys(tags: unknown, keyField: 'key' | 'Key' = 'key', valueField: 'value' | 'Value' = 'value') {
  const keys: RequestContextKeys = {};
  if (!Array.isArray(tags) || tags.length === 0) return keys;
  const names: string[] = [];
  for (const tag of tags) {
    const key = tag?.[keyField];
    if (typeof key !== 'string') continue;
    names.push(key);
    keys[`aws:RequestTag/${key}`] = String(tag?.[valueField] ?? '');
  }
  keys['aws:TagKeys'] = names;
  return keys;
}

function taskDefinitionArnOf(facts: CallFacts, lookup: ResourceLookup, reference: string | undefined) {
  if (!reference) return undefined;
  return (
    lookup.taskDefinitionArn(reference) ??
    (reference.startsWith('arn:')
      ? reference
      : /:\d+$/.test(reference)
        ? ecsArn(facts, `task-definition/${reference}`)
        : undefined)
  );
}

function passRoles(facts: CallFacts, roles: Array<string | undefined>): Need[] {
  return [...new Set(roles.filter((role): role is string => typeof role === 'string' && role !== ''))].map(
    (role) => ({
      action: 'iam:PassRole',
      resources: [
        {
          type: 'role',
          arn: role.startsWith('arn:') ? role : `arn:aws:iam::${facts.accountId}:role/${role}`,
        },
      ],
      keys: { 'iam:PassedToService': PASSED_TO_ECS_TASKS },
    }),
  );
}

const PASSED_TO_ECS = 'ecs.amazonaws.com';

/** The infrastructure roles of a request's managed EBS volumes, passed to ECS. */
function passInfrastructureRoles(facts: CallFacts, configurations: unknown): Need[] {
  if (!Array.isArray(configurations)) return [];
  const roles = configurations
    .map((c) => c?.managedEBSVolume?.roleArn)
    .filter((role): role is string => typeof role === 'string' && role !== '');
  return passRoles(facts, roles).map((need) => ({
    ...need,
    keys: { 'iam:PassedToService': PASSED_TO_ECS },
  }));
}

function tagOnCreate(createAction: string, arn: string, type: string, tags: unknown): Need[] {
  if (!Array.isArray(tags) || tags.length === 0) return [];
  return [
    {
      action: 'ecs:TagResource',
      resources: [{ type, arn }],
      keys: { 'ecs:CreateAction': createAction, ...tagKeys(tags) },
    },
  ];
}

/** ECS resource ARN → its type in the reference (`task-definition`, `service`, …). */
function ecsResourceType(arn: string): string {
  return (
    /:([a-z-]+)\//.exec(arn)?.[1] ?? /:([a-z-]+):/.exec(arn.split(':').slice(5).join(':'))?.[1] ?? 'cluster'
  );
}

const ECS: Record<string, Resolver> = {
  DescribeClusters: (input, facts) => [
    {
      action: 'ecs:DescribeClusters',
      resources: ((input.clusters as string[] | undefined)?.length ? input.clusters : ['default']).map(
        (cluster: string) => ({ type: 'cluster', arn: clusterArn(facts, cluster) }),
      ),
    },
  ],
  DescribeServices: (input, facts) => [
    {
      action: 'ecs:DescribeServices',
      resources: (input.services ?? []).map((service: string) => ({
        type: 'service',
        arn: serviceArn(facts, input.cluster, service),
      })),
      keys: { 'ecs:cluster': clusterArn(facts, input.cluster) },
    },
  ],
  UpdateService: (input, facts, lookup) => {
    const keys: RequestContextKeys = { 'ecs:cluster': clusterArn(facts, input.cluster) };
    const td = taskDefinitionArnOf(facts, lookup, input.taskDefinition);
    if (td) keys['ecs:task-definition'] = td;
    if (input.enableExecuteCommand !== undefined)
      keys['ecs:enable-execute-command'] = String(input.enableExecuteCommand);
    if (input.propagateTags !== undefined) keys['ecs:propagate-tags'] = String(input.propagateTags);
    return [
      {
        action: 'ecs:UpdateService',
        resources: [{ type: 'service', arn: serviceArn(facts, input.cluster, input.service) }],
        keys,
      },
      ...passInfrastructureRoles(facts, input.volumeConfigurations),
    ];
  },
  CreateService: (input, facts, lookup) => {
    const arn = serviceArn(facts, input.cluster, input.serviceName);
    const keys: RequestContextKeys = {
      'ecs:cluster': clusterArn(facts, input.cluster),
      ...tagKeys(input.tags),
    };
    const td = taskDefinitionArnOf(facts, lookup, input.taskDefinition);
    if (td) keys['ecs:task-definition'] = td;
    return [
      { action: 'ecs:CreateService', resources: [{ type: 'service', arn }], keys },
      ...tagOnCreate('CreateService', arn, 'service', input.tags),
      ...passInfrastructureRoles(facts, input.volumeConfigurations),
    ];
  },
  ListServiceDeployments: (input, facts) => [
    {
      action: 'ecs:ListServiceDeployments',
      resources: [{ type: 'service', arn: serviceArn(facts, input.cluster, input.service) }],
      keys: { 'ecs:cluster': clusterArn(facts, input.cluster) },
    },
  ],
  DescribeServiceDeployments: (input, facts) =>
    deploymentNeeds(
      'ecs:DescribeServiceDeployments',
      input.serviceDeploymentArns,
      'service-deployment',
      facts,
    ),
  StopServiceDeployment: (input, facts) =>
    deploymentNeeds('ecs:StopServiceDeployment', [input.serviceDeploymentArn], 'service-deployment', facts),
  DescribeServiceRevisions: (input, facts) =>
    deploymentNeeds('ecs:DescribeServiceRevisions', input.serviceRevisionArns, 'service-revision', facts),
  ListTasks: (input, facts) => [
    {
      action: 'ecs:ListTasks',
      resources: input.containerInstance
        ? [{ type: 'container-instance', arn: input.containerInstance }]
        : undefined,
      keys: { 'ecs:cluster': clusterArn(facts, input.cluster) },
    },
  ],
  DescribeTasks: (input, facts) => [
    {
      action: 'ecs:DescribeTasks',
      resources: (input.tasks ?? []).map((task: string) => ({
        type: 'task',
        arn: task.startsWith('arn:')
          ? task
          : ecsArn(facts, `task/${nameOf(input.cluster, 'default')}/${task}`),
      })),
      keys: { 'ecs:cluster': clusterArn(facts, input.cluster) },
    },
  ],
  StopTask: (input, facts) => [
    {
      action: 'ecs:StopTask',
      resources: [
        {
          type: 'task',
          arn: String(input.task).startsWith('arn:')
            ? input.task
            : ecsArn(facts, `task/${nameOf(input.cluster, 'default')}/${input.task}`),
        },
      ],
      keys: { 'ecs:cluster': clusterArn(facts, input.cluster) },
    },
  ],
  RunTask: (input, facts, lookup) => {
    const td = taskDefinitionArnOf(facts, lookup, input.taskDefinition);
    const keys: RequestContextKeys = {
      'ecs:cluster': clusterArn(facts, input.cluster),
      ...tagKeys(input.tags),
    };
    if (input.enableExecuteCommand !== undefined)
      keys['ecs:enable-execute-command'] = String(input.enableExecuteCommand);
    // The task's id is chosen by ECS; the creating tag check sees the cluster's task ARN space.
    const taskArn = ecsArn(facts, `task/${nameOf(input.cluster, 'default')}/*`);
    return [
      { action: 'ecs:RunTask', resources: td ? [{ type: 'task-definition', arn: td }] : undefined, keys },
      ...passRoles(facts, [input.overrides?.taskRoleArn, input.overrides?.executionRoleArn]),
      ...passInfrastructureRoles(facts, input.volumeConfigurations),
      ...tagOnCreate('RunTask', taskArn, 'task', input.tags),
    ];
  },
  RegisterTaskDefinition: (input, facts, lookup) => {
    const family = String(input.family ?? '');
    const arn = ecsArn(facts, `task-definition/${family}:${lookup.nextTaskDefinitionRevision(family)}`);
    return [
      {
        action: 'ecs:RegisterTaskDefinition',
        resources: [{ type: 'task-definition', arn }],
        keys: tagKeys(input.tags),
      },
      ...passRoles(facts, [input.taskRoleArn, input.executionRoleArn]),
      ...tagOnCreate('RegisterTaskDefinition', arn, 'task-definition', input.tags),
    ];
  },
  DeregisterTaskDefinition: (input, facts, lookup) => {
    const td = taskDefinitionArnOf(facts, lookup, input.taskDefinition);
    return [
      {
        action: 'ecs:DeregisterTaskDefinition',
        resources: td ? [{ type: 'task-definition', arn: td }] : undefined,
      },
    ];
  },
  TagResource: (input) => [
    {
      action: 'ecs:TagResource',
      resources: [{ type: ecsResourceType(input.resourceArn ?? ''), arn: input.resourceArn }],
      keys: tagKeys(input.tags),
    },
  ],
  UntagResource: (input) => [
    {
      action: 'ecs:UntagResource',
      resources: [{ type: ecsResourceType(input.resourceArn ?? ''), arn: input.resourceArn }],
      keys: { 'aws:TagKeys': input.tagKeys ?? [] },
    },
  ],
  ListTagsForResource: (input) => [
    {
      action: 'ecs:ListTagsForResource',
      resources: [{ type: ecsResourceType(input.resourceArn ?? ''), arn: input.resourceArn }],
    },
  ],
  CreateCluster: (input, facts) => [
    {
      action: 'ecs:CreateCluster',
      resources: [{ type: 'cluster', arn: clusterArn(facts, input.clusterName) }],
      keys: tagKeys(input.tags),
    },
    ...tagOnCreate('CreateCluster', clusterArn(facts, input.clusterName), 'cluster', input.tags),
  ],
};

/** service-deployment/<cluster>/<service>/<id> and service-revision/… carry ecs:cluster and ecs:service. */
function deploymentNeeds(action: string, arns: unknown, type: string, facts: CallFacts): Need[] {
  const list = (Array.isArray(arns) ? arns : []).filter((arn): arn is string => typeof arn === 'string');
  return list.map((arn) => {
    const [cluster, service] = arn.slice(arn.indexOf(`:${type}/`) + type.length + 2).split('/');
    return {
      action,
      resources: [{ type, arn }],
      keys: {
        'ecs:cluster': ecsArn(facts, `cluster/${cluster}`),
        'ecs:service': ecsArn(facts, `service/${cluster}/${service}`),
      },
    };
  });
}

function repositoryArn(facts: CallFacts, input: any): string {
  return `arn:aws:ecr:${facts.region}:${input.registryId ?? facts.accountId}:repository/${input.repositoryName}`;
}

/** ECR: every repository operation authorises the repository named in the input. */
function ecrResolver(operation: string): Resolver {
  return (input, facts, lookup) => {
    if (operation === 'GetAuthorizationToken') return [{ action: 'ecr:GetAuthorizationToken' }];
    if (operation === 'DescribeRepositories') {
      const names: string[] = input.repositoryNames ?? [];
      return [
        {
          action: 'ecr:DescribeRepositories',
          // Without names the call reads every repository of the registry.
          resources: (names.length ? names : ['*']).map((name) => ({
            type: 'repository',
            arn: repositoryArn(facts, { ...input, repositoryName: name }),
          })),
        },
      ];
    }
    const needs: Need[] = [
      {
        action: `ecr:${operation}`,
        resources: input.repositoryName
          ? [{ type: 'repository', arn: repositoryArn(facts, input) }]
          : undefined,
        keys:
          operation === 'CreateRepository' || operation === 'TagResource'
            ? tagKeys(input.tags, 'Key', 'Value')
            : undefined,
      },
    ];
    if (
      operation === 'DescribeImageScanFindings' &&
      lookup.repositoryScanType(input.repositoryName) === 'ENHANCED'
    )
      needs.push({ action: 'inspector2:ListFindings' });
    return needs;
  };
}

function logsResolver(operation: string): Resolver {
  return (input, facts) => {
    const group = input.logGroupName ?? nameFromLogGroupArn(input.logGroupIdentifier);
    const groupArn = `arn:aws:logs:${facts.region}:${facts.accountId}:log-group:${group}`;
    if (input.logStreamName !== undefined)
      return [
        {
          action: `logs:${operation}`,
          resources: [{ type: 'log-stream', arn: `${groupArn}:log-stream:${input.logStreamName}` }],
        },
      ];
    return [
      { action: `logs:${operation}`, resources: group ? [{ type: 'log-group', arn: groupArn }] : undefined },
    ];
  };
}

/**
 * CodeDeploy: each action's resource type as the Service Authorization Reference
 * lists it (application, deploymentgroup, deploymentconfig; StopDeployment,
 * ContinueDeployment, the deployment-target operations and
 * PutLifecycleEventHookExecutionStatus have none and are authorised on `*`).
 * Operations that name a deployment id are authorised on its deployment group.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html
 */
function codedeployResolver(operation: string): Resolver {
  return (input, facts, lookup) => {
    const prefix = `arn:aws:codedeploy:${facts.region}:${facts.accountId}`;
    const application = (name: unknown) => ({
      type: 'application',
      arn: name ? `${prefix}:application:${name}` : '',
    });
    const group = (app: unknown, name: unknown) => ({
      type: 'deploymentgroup',
      arn: app && name ? `${prefix}:deploymentgroup:${app}/${name}` : '',
    });
    const byDeployment = (id: unknown) => ({
      type: 'deploymentgroup',
      arn: typeof id === 'string' ? (lookup.codedeployDeploymentGroupArn?.(id) ?? '') : '',
    });
    const action = `codedeploy:${operation}`;
    switch (operation) {
      case 'CreateApplication':
        return [
          {
            action,
            resources: [application(input.applicationName)],
            keys: tagKeys(input.tags, 'Key', 'Value'),
          },
        ];
      case 'GetApplication':
      case 'ListDeploymentGroups':
      case 'GetApplicationRevision':
      case 'RegisterApplicationRevision':
        return [{ action, resources: [application(input.applicationName)] }];
      case 'BatchGetApplications':
        return [{ action, resources: (input.applicationNames ?? []).map(application) }];
      case 'CreateDeploymentGroup':
        return [
          {
            action,
            resources: [group(input.applicationName, input.deploymentGroupName)],
            keys: tagKeys(input.tags, 'Key', 'Value'),
          },
        ];
      case 'GetDeploymentGroup':
      case 'CreateDeployment':
      case 'ListDeployments':
        return [{ action, resources: [group(input.applicationName, input.deploymentGroupName)] }];
      case 'GetDeployment':
        return [{ action, resources: [byDeployment(input.deploymentId)] }];
      case 'BatchGetDeployments':
        return [{ action, resources: (input.deploymentIds ?? []).map(byDeployment) }];
      case 'GetDeploymentConfig':
        return [
          {
            action,
            resources: [
              { type: 'deploymentconfig', arn: `${prefix}:deploymentconfig:${input.deploymentConfigName}` },
            ],
          },
        ];
      default:
        return [{ action }];
    }
  };
}

function nameFromLogGroupArn(identifier: unknown): string | undefined {
  if (typeof identifier !== 'string') return undefined;
  return identifier.startsWith('arn:') ? identifier.split(':log-group:')[1]?.replace(/:\*$/, '') : identifier;
}

function needsOf(
  service: string,
  operation: string,
  input: any,
  facts: CallFacts,
  lookup: ResourceLookup,
): Need[] {
  if (service === 'ecs')
    return (ECS[operation] ?? (() => [{ action: `ecs:${operation}` }]))(input, facts, lookup);
  if (service === 'ecr') return ecrResolver(operation)(input, facts, lookup);
  if (service === 'logs') return logsResolver(operation)(input, facts, lookup);
  if (service === 'codedeploy') return codedeployResolver(operation)(input, facts, lookup);
  return [{ action: `${service}:${operation}` }];
}

/** Keys every request carries, whatever the action (global condition keys page). */
function globalKeys(facts: CallFacts): RequestContextKeys {
  return {
    'aws:PrincipalArn': facts.principalArn,
    'aws:PrincipalAccount': facts.accountId,
    'aws:PrincipalType': 'AssumedRole',
    'aws:RequestedRegion': facts.region,
    'aws:SecureTransport': 'true',
    'aws:CurrentTime': new Date(facts.now).toISOString(),
    'aws:EpochTime': String(Math.floor(facts.now / 1000)),
  };
}

/**
 * The authorisation requests of one call, keys filtered through the reference.
 * An action the reference does not know is authorised on `*` with the global keys only.
 */
export async function authorizationRequests(
  service: string,
  operation: string,
  input: unknown,
  facts: CallFacts,
  lookup: ResourceLookup,
): Promise<AuthorizationRequest[]> {
  const requests: AuthorizationRequest[] = [];
  for (const need of needsOf(service, operation, input ?? {}, facts, lookup)) {
    const reference = await actionReference(need.action);
    const globals = globalKeys(facts);
    const resources = need.resources?.filter((r) => typeof r.arn === 'string' && r.arn !== '') ?? [];
    const targets =
      !reference || reference.wildcardOnly || resources.length === 0
        ? [{ type: undefined as string | undefined, arn: '*' }]
        : resources;
    for (const target of targets) {
      const typeKeys = reference?.resourceTypes.find((t) => t.name === target.type)?.conditionKeys ?? [];
      const listed = [...(reference?.conditionKeys ?? []), ...typeKeys];
      const context: RequestContextKeys = { ...globals };
      for (const [key, value] of Object.entries(need.keys ?? {})) {
        if (conditionKeyListed(listed, key)) context[key] = value;
      }
      requests.push({ action: reference?.action ?? need.action, resource: target.arn, context });
    }
  }
  return requests;
}
