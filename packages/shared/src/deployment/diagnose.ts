import type { ContainerDefinition, ServiceEvent, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { inert } from '../untrusted.js';

/** A stopped task of our deployment with what each container said on the way out. */
export interface FailedTask {
  taskArn: string;
  taskId: string;
  stoppedReason?: string;
  stopCode?: string;
  stoppedAt?: string;
  containers: Array<{
    name: string;
    exitCode?: number;
    reason?: string;
    healthStatus?: string;
    essential: boolean;
  }>;
  /** Last log lines of failed essential containers, by container name. */
  logs: Record<string, string[]>;
}

export function taskId(taskArn: string): string {
  return taskArn.split('/').pop() ?? taskArn;
}

export function toFailedTask(task: Task, definition: TaskDefinition | undefined): FailedTask {
  const essential = new Map(
    (definition?.containerDefinitions ?? []).map((c) => [c.name, c.essential !== false]),
  );
  return {
    taskArn: task.taskArn ?? '',
    taskId: taskId(task.taskArn ?? ''),
    stoppedReason: task.stoppedReason,
    stopCode: task.stopCode,
    stoppedAt: task.stoppedAt ? new Date(task.stoppedAt).toISOString() : undefined,
    containers: (task.containers ?? []).map((c) => ({
      name: c.name ?? '?',
      exitCode: c.exitCode,
      reason: c.reason,
      healthStatus: c.healthStatus,
      essential: essential.get(c.name) ?? true,
    })),
    logs: {},
  };
}

/** Where an awslogs container writes: group and stream of one task. */
export function awslogsStream(
  container: ContainerDefinition,
  id: string,
): { group: string; stream: string; region?: string } | undefined {
  const config = container.logConfiguration;
  if (config?.logDriver !== 'awslogs') return undefined;
  const group = config.options?.['awslogs-group'];
  const prefix = config.options?.['awslogs-stream-prefix'];
  // Without a stream prefix the stream is named after the Docker container id, which the API does not expose.
  if (!group || !prefix) return undefined;
  return { group, stream: `${prefix}/${container.name}/${id}`, region: config.options?.['awslogs-region'] };
}

interface Rule {
  test: (text: string, task: FailedTask) => boolean;
  explain: (text: string, task: FailedTask) => string;
}

/** The matched part of a reason ECS or the container wrote: quoted, so made inert. */
const firstMatch = (text: string, pattern: RegExp) =>
  inert(pattern.exec(text)?.[0]?.trim() ?? '', { oneLine: true });
/** A container name or reason from the task, inert for printing. */
const shown = (text: string | undefined) => inert(text ?? '', { oneLine: true });

/** Ordered from most to least specific: the first rule that matches names the cause. */
const RULES: Rule[] = [
  {
    test: (text) =>
      /CannotPullContainerError|pull image manifest|failed to resolve ref|ImagePull/i.test(text),
    explain: (text) =>
      `Image pull failure (${firstMatch(text, /CannotPullContainerError[^\n]*/i) || 'CannotPullContainerError'}). Check that the image and tag exist, that the task execution role allows ecr:GetAuthorizationToken and ecr:BatchGetImage, and that the task has a route to the registry (NAT gateway or VPC endpoints).`,
  },
  {
    test: (text) => /ResourceInitializationError/i.test(text),
    explain: (text) =>
      `The task could not initialise its resources (${firstMatch(text, /ResourceInitializationError[^\n]*/i)}). Usually the execution role cannot read a secret (secretsmanager:GetSecretValue, ssm:GetParameters, kms:Decrypt) or write logs, or the task has no route to those services.`,
  },
  {
    test: (text) => /AccessDenied|not authorized|is not authorized to perform/i.test(text),
    explain: (text) =>
      `Missing permission: ${firstMatch(text, /[^\n]*(AccessDenied|not authorized)[^\n]*/i)}`,
  },
  {
    test: (text, task) =>
      /OutOfMemory|OOM/i.test(text) ||
      task.containers.some((c) => c.exitCode === 137 && /memory/i.test(c.reason ?? '')),
    explain: (_text, task) => {
      const c = task.containers.find((x) => x.exitCode === 137) ?? task.containers[0];
      return `Container \`${shown(c?.name)}\` ran out of memory (exit code 137). Raise the task or container memory, or find the leak.`;
    },
  },
  {
    test: (text, task) =>
      /container health checks/i.test(text) || task.containers.some((c) => c.healthStatus === 'UNHEALTHY'),
    explain: (_text, task) => {
      const names = task.containers
        .filter((c) => c.healthStatus === 'UNHEALTHY')
        .map((c) => `\`${shown(c.name)}\``);
      return `Container health check failing${names.length ? ` for ${names.join(', ')}` : ''}: the tasks started but never became HEALTHY. Check the healthCheck command, its startPeriod, and that the app listens where the check looks.`;
    },
  },
  {
    test: (text) => /ELB health checks|Target\.|target group/i.test(text),
    explain: () =>
      'Load balancer health checks failing: the target group never saw the tasks as healthy. Check the health check path and port, the security groups, and healthCheckGracePeriodSeconds.',
  },
  {
    test: (_text, task) =>
      task.containers.some((c) => c.essential && c.exitCode !== undefined && c.exitCode !== 0),
    explain: (_text, task) => {
      const c = task.containers.find((x) => x.essential && x.exitCode !== undefined && x.exitCode !== 0)!;
      return `Essential container \`${shown(c.name)}\` exited with code ${c.exitCode}${c.reason ? ` (${shown(c.reason)})` : ''}; its last log lines are below.`;
    },
  },
  {
    test: (text) =>
      /unable to place a task|no container instance met|insufficient (memory|cpu)|capacity/i.test(text),
    explain: (text) =>
      `ECS could not place the tasks: ${firstMatch(text, /[^\n]*(unable to place|no container instance|insufficient|capacity)[^\n]*/i)}`,
  },
];

/** Names the likely cause in one line when the evidence is clear, else undefined. */
export function likelyCause(tasks: FailedTask[], events: ServiceEvent[]): string | undefined {
  const candidates: Array<{ text: string; task: FailedTask }> = tasks.map((task) => ({
    task,
    text: [task.stoppedReason, task.stopCode, ...task.containers.map((c) => c.reason)]
      .filter(Boolean)
      .join('\n'),
  }));
  const empty: FailedTask = { taskArn: '', taskId: '', containers: [], logs: {} };
  candidates.push({ task: empty, text: events.map((e) => e.message ?? '').join('\n') });
  for (const rule of RULES) {
    const hit = candidates.find(({ text, task }) => rule.test(text, task));
    if (hit) return rule.explain(hit.text, hit.task);
  }
  return undefined;
}

/** The failed tasks as readable lines, for the log and the job summary; ECS's and the containers' words made inert. */
export function describeFailedTask(task: FailedTask): string[] {
  const lines = [
    `task ${shown(task.taskId)}: ${shown(task.stoppedReason ?? 'stopped')}${task.stopCode ? ` [${shown(task.stopCode)}]` : ''}`,
  ];
  for (const c of task.containers) {
    const bits = [
      c.exitCode !== undefined ? `exit code ${c.exitCode}` : undefined,
      c.reason === undefined ? undefined : shown(c.reason),
      c.healthStatus && c.healthStatus !== 'UNKNOWN' ? `health ${shown(c.healthStatus)}` : undefined,
    ].filter(Boolean);
    if (bits.length)
      lines.push(`  container ${shown(c.name)}${c.essential ? '' : ' (not essential)'}: ${bits.join(', ')}`);
  }
  return lines;
}
