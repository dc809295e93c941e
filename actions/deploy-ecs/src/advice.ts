/**
 * ECS and ECR errors turned into advice: what failed, in whose words, and
 * what to change. Pure, so every mapping is tested with a table.
 */
import {
  awsErrorName,
  ConfigurationError,
  errorMessage,
  isAccessDenied,
  wrapError,
} from '@berth/shared/errors';
import { CONTAINER_DEFINITION_KEYS, TASK_DEFINITION_KEYS } from '@berth/shared/taskdef/fields';

export type EcsOperation =
  | 'DescribeServices'
  | 'DescribeClusters'
  | 'DescribeTaskDefinition'
  | 'RegisterTaskDefinition'
  | 'UpdateService'
  | 'RunTask';

export interface AdviceContext {
  cluster: string;
  service?: string;
  /** The task definition file, the revision asked for, or the registered ARN. */
  taskDefinition?: string;
  /** Roles the task definition names (for iam:PassRole advice). */
  roles?: string[];
  region?: string;
}

/** The task definition member an ECS message is about, when it names one (longest match wins). */
export function fieldNamed(message: string): string | undefined {
  const known = [...new Set([...TASK_DEFINITION_KEYS, ...CONTAINER_DEFINITION_KEYS])].sort(
    (a, b) => b.length - a.length,
  );
  return known.find((key) => new RegExp(`(^|[^A-Za-z])${key}([^A-Za-z]|$)`, 'i').test(message));
}

const PERMISSION: Record<EcsOperation, string> = {
  DescribeServices: 'ecs:DescribeServices',
  DescribeClusters: 'ecs:DescribeClusters',
  DescribeTaskDefinition: 'ecs:DescribeTaskDefinition',
  RegisterTaskDefinition: 'ecs:RegisterTaskDefinition (and ecs:TagResource when the definition has tags)',
  UpdateService: 'ecs:UpdateService',
  RunTask: 'ecs:RunTask (and ecs:TagResource when tags propagate)',
};

const VERB: Record<EcsOperation, string> = {
  DescribeServices: 'describe the service',
  DescribeClusters: 'describe the cluster',
  DescribeTaskDefinition: 'describe the task definition',
  RegisterTaskDefinition: 'register the task definition',
  UpdateService: 'update the service',
  RunTask: 'run the task',
};

/**
 * The error to throw for a failed ECS call. User-fixable causes (a missing
 * cluster, service or revision, a refused definition, a denied permission)
 * become ConfigurationErrors that name the input and the fix; anything else
 * is wrapped as "Could not <operation>: <cause>".
 */
export function explainEcsError(operation: EcsOperation, error: unknown, context: AdviceContext): Error {
  const name = awsErrorName(error) ?? '';
  const message = errorMessage(error).trim();
  const where = `cluster \`${context.cluster}\`${context.region ? ` (${context.region})` : ''}`;
  const fail = (text: string) => {
    const wrapped = new ConfigurationError(text);
    (wrapped as Error & { cause?: unknown }).cause = error;
    return wrapped;
  };

  if (isAccessDenied(error)) {
    if (/iam:PassRole/i.test(message)) {
      const roles = context.roles?.length
        ? context.roles.map((r) => `\`${r}\``).join(' and ')
        : 'the task and execution roles';
      return fail(
        `Could not ${VERB[operation]}: ${message} The role this step uses must be allowed \`iam:PassRole\` on ${roles} ` +
          '(with the condition `iam:PassedToService: ecs-tasks.amazonaws.com`).',
      );
    }
    return fail(
      `Could not ${VERB[operation]}: ${message} Allow ${PERMISSION[operation]} for the role this step uses` +
        `${context.service && operation === 'UpdateService' ? ` on service \`${context.service}\` in ${where}` : ''}.`,
    );
  }
  if (name === 'ClusterNotFoundException') {
    return fail(
      `Cluster \`${context.cluster}\` was not found${context.region ? ` in ${context.region}` : ''}. Check the \`cluster\` input and the region (\`aws-region\`).`,
    );
  }
  if (name === 'ServiceNotFoundException') {
    return fail(
      `Service \`${context.service}\` was not found in ${where}. Check the \`service\` and \`cluster\` inputs.`,
    );
  }
  if (name === 'ServiceNotActiveException') {
    return fail(
      `Service \`${context.service}\` in ${where} is not ACTIVE (it is being deleted or was deleted). Check the \`service\` input, or create the service again.`,
    );
  }
  if (
    operation === 'DescribeTaskDefinition' &&
    (name === 'ClientException' || name === 'InvalidParameterException')
  ) {
    return fail(
      `Input \`task-definition\`: ${context.taskDefinition ?? 'the task definition'} is not registered (${message}). ` +
        'Give an existing `family:revision` or ARN (list them with `aws ecs list-task-definitions`), or the path of a task definition file to register.',
    );
  }
  if (
    operation === 'RegisterTaskDefinition' &&
    (name === 'ClientException' || name === 'InvalidParameterException')
  ) {
    const field = fieldNamed(message);
    return fail(
      `ECS refused to register the task definition from ${context.taskDefinition ?? 'the file'}: ${message}` +
        `${field ? ` Fix \`${field}\` in the file` : ' Fix the file'} (render-taskdef validates it before deploy).`,
    );
  }
  if (
    name === 'InvalidParameterException' ||
    name === 'ClientException' ||
    name === 'PlatformUnknownException' ||
    name === 'PlatformTaskDefinitionIncompatibilityException' ||
    name === 'UnsupportedFeatureException'
  ) {
    const hint =
      operation === 'RunTask' && /network ?configuration|awsvpc|subnet/i.test(message)
        ? ' Set `run-task-subnets` and `run-task-security-groups` (or name the `service` to borrow its network configuration).'
        : operation === 'RunTask' && /launch ?type|capacity provider/i.test(message)
          ? ' Set `run-task-launch-type` or `capacity-provider-strategy` to what the cluster offers.'
          : operation === 'UpdateService' &&
              /deploymentConfiguration|strategy|bake|canary|linear|circuit/i.test(message)
            ? ' Check `strategy` and its settings: ECS blue/green, canary and linear need a load balancer with an alternate target group and a production listener rule on the service.'
            : '';
    return fail(`ECS refused to ${VERB[operation]}: ${message}${hint}`);
  }
  return wrapError(VERB[operation], error);
}
