/**
 * ECS operation handlers: the AWS JSON 1.1 input as the SDK sends it → the
 * output object, or an AwsError with ECS's error code.
 */
import type { OperationHandler, RequestContext } from '../world.js';
import { AwsError } from '../world.js';
import type { EcsEngine } from './engine.js';
import { placementReason } from './failure-texts.js';
import { RunTaskTokens } from './idempotency.js';
import { createService, deleteService, updateService } from './services.js';
import {
  clusterShape,
  serviceDeploymentBriefShape,
  serviceDeploymentShape,
  serviceRevisionShape,
  serviceShape,
  taskShape,
} from './shapes.js';
import { checkRequestTags, checkStartedBy, taskTags } from './tags.js';
import { taskDefinitionShape } from './task-definitions.js';
import { TIMING } from './timing.js';
import type { ServiceDeploymentRecord, TaskState } from './types.js';
import { clone, inputTimeMs, nameFromArnOrName, paginate, requireString } from './util.js';
import { checkVolumeConfigurations } from './volume-configurations.js';

type Input = Record<string, any>;

function includes(input: Input): string[] {
  return Array.isArray(input.include) ? input.include : [];
}

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

/**
 * The service deployments APIs are from late 2024. The scenario can make them
 * answer as an account without permission (AccessDeniedException, IAM's
 * wording) or as an endpoint that does not know them: AWS JSON services answer
 * an X-Amz-Target they do not implement with HTTP 400
 * `com.amazon.coral.service#UnknownOperationException` and a null message,
 * which the SDK raises as a generic ECSServiceException named
 * UnknownOperationException.
 */
function gateServiceDeployments(engine: EcsEngine, ctx: RequestContext, resource: string): void {
  const mode = engine.world.serviceDeploymentsApi();
  if (mode === 'access-denied') {
    throw new AwsError(
      'AccessDeniedException',
      `User: ${ctx.callerArn} is not authorized to perform: ecs:${ctx.operation} on resource: ${resource} because no identity-based policy allows the ecs:${ctx.operation} action`,
    );
  }
  if (mode === 'unavailable') throw new AwsError('UnknownOperationException', '');
}

function findTask(engine: EcsEngine, clusterName: string, reference: string): TaskState | undefined {
  const id = nameFromArnOrName(reference);
  const task = engine.tasks.get(id);
  return task && task.clusterName === clusterName ? task : undefined;
}

function recordByArn(engine: EcsEngine, arn: unknown): ServiceDeploymentRecord | undefined {
  return typeof arn === 'string' ? engine.records.get(arn) : undefined;
}

export function createOperations(engine: EcsEngine): Record<string, OperationHandler> {
  const runTaskTokens = new RunTaskTokens();
  const ops: Record<string, (input: Input, ctx: RequestContext) => unknown> = {
    // ------------------------------------------------------------ clusters
    CreateCluster(input) {
      const at = engine.now();
      const name = input.clusterName ?? 'default';
      if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
        throw invalid(
          'Cluster name can contain only up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.',
        );
      }
      return { cluster: clusterShape(engine, engine.createCluster(name, at, input), ['TAGS']) };
    },
    DescribeClusters(input) {
      engine.now();
      const refs: string[] =
        Array.isArray(input.clusters) && input.clusters.length > 0 ? input.clusters : ['default'];
      const clusters: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of refs) {
        const cluster = engine.clusters.get(nameFromArnOrName(ref));
        if (cluster) clusters.push(clusterShape(engine, cluster, includes(input)));
        else failures.push({ arn: ref.startsWith('arn:') ? ref : engine.clusterArn(ref), reason: 'MISSING' });
      }
      return { clusters, failures };
    },
    ListClusters(input) {
      engine.now();
      const arns = [...engine.clusters.values()]
        .filter((c) => c.status === 'ACTIVE')
        .map((c) => c.arn)
        .sort();
      const { page, nextToken } = paginate(arns, input, { defaultMax: 100, limit: 100, scope: 'clusters' });
      return { clusterArns: page, nextToken };
    },
    DeleteCluster(input) {
      engine.now();
      const cluster = engine.cluster(input.cluster);
      const services = [...engine.services.values()].filter(
        (s) => s.clusterName === cluster.name && s.status !== 'INACTIVE',
      );
      if (services.length > 0) {
        throw new AwsError(
          'ClusterContainsServicesException',
          'The Cluster cannot be deleted while Services are active.',
        );
      }
      const tasks = [...engine.tasks.values()].filter(
        (t) => t.clusterName === cluster.name && t.lastStatus !== 'STOPPED',
      );
      if (tasks.length > 0) {
        throw new AwsError(
          'ClusterContainsTasksException',
          'The Cluster cannot be deleted while Tasks are active.',
        );
      }
      cluster.status = 'INACTIVE';
      return { cluster: clusterShape(engine, cluster) };
    },

    // ---------------------------------------------------- task definitions
    RegisterTaskDefinition(input, ctx) {
      const at = engine.now();
      const td = engine.taskDefinitions.register(input, {
        region: engine.world.region,
        accountId: engine.world.accountId,
        now: at,
        callerArn: ctx.callerArn,
        isEcrImage: (image) => engine.world.images.isEcrImage(image),
      });
      return { taskDefinition: taskDefinitionShape(td), tags: clone(td.tags) };
    },
    DescribeTaskDefinition(input) {
      engine.now();
      const td = engine.taskDefinitions.describe(
        requireString(input, 'taskDefinition', 'DescribeTaskDefinition'),
      );
      const out: Record<string, unknown> = { taskDefinition: taskDefinitionShape(td) };
      if (includes(input).includes('TAGS')) out.tags = clone(td.tags);
      return out;
    },
    ListTaskDefinitions(input) {
      engine.now();
      return engine.taskDefinitions.list(input);
    },
    ListTaskDefinitionFamilies(input) {
      engine.now();
      return engine.taskDefinitions.listFamilies(input);
    },
    DeregisterTaskDefinition(input) {
      const at = engine.now();
      const td = engine.taskDefinitions.deregister(
        requireString(input, 'taskDefinition', 'DeregisterTaskDefinition'),
        at,
      );
      return { taskDefinition: taskDefinitionShape(td) };
    },

    // ------------------------------------------------------------ services
    CreateService(input, ctx) {
      const svc = createService(engine, input, ctx.callerArn);
      return { service: serviceShape(engine, svc, ['TAGS']) };
    },
    UpdateService(input) {
      const svc = updateService(engine, input);
      return { service: serviceShape(engine, svc) };
    },
    DeleteService(input) {
      const svc = deleteService(engine, input);
      return { service: serviceShape(engine, svc) };
    },
    DescribeServices(input) {
      engine.now();
      const cluster = engine.cluster(input.cluster);
      if (!Array.isArray(input.services) || input.services.length === 0) {
        throw invalid("The 'services' parameter is required.");
      }
      if (input.services.length > 10) throw invalid('Services cannot contain more than 10 elements.');
      const services: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of input.services as string[]) {
        const svc = engine.findService(cluster, ref);
        if (svc) services.push(serviceShape(engine, svc, includes(input)));
        else {
          failures.push({
            arn: ref.startsWith('arn:') ? ref : engine.serviceArn(cluster.name, ref),
            reason: 'MISSING',
          });
        }
      }
      return { services, failures };
    },
    ListServices(input) {
      engine.now();
      const cluster = engine.cluster(input.cluster);
      const arns = [...engine.services.values()]
        .filter(
          (s) =>
            s.clusterName === cluster.name &&
            s.status !== 'INACTIVE' &&
            (!input.launchType || s.launchType === input.launchType) &&
            (!input.schedulingStrategy || s.schedulingStrategy === input.schedulingStrategy),
        )
        .sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : 1))
        .map((s) => s.arn);
      const { page, nextToken } = paginate(arns, input, {
        defaultMax: 10,
        limit: 100,
        scope: `services:${cluster.name}`,
      });
      return { serviceArns: page, nextToken };
    },

    // --------------------------------------------------------------- tasks
    RunTask(input) {
      const at = engine.now();
      const cluster = engine.cluster(input.cluster);
      // A retry with the same client token and parameters answers with the tasks it started (idempotency.ts).
      const replayed = runTaskTokens.replay(cluster, input, at);
      if (replayed) {
        const tasks = replayed.taskIds.map((id, i) => {
          const task = engine.tasks.get(id);
          return task ? taskShape(engine, task, ['TAGS']) : replayed.tasks[i];
        });
        return { tasks, failures: [] };
      }
      const reference = requireString(input, 'taskDefinition', 'RunTask');
      const td = engine.taskDefinitions.find(reference);
      if (!td) throw new AwsError('ClientException', 'TaskDefinition not found.');
      if (td.status !== 'ACTIVE') throw new AwsError('ClientException', 'TaskDefinition is inactive');
      const count = input.count ?? 1;
      if (!Number.isInteger(count) || count < 1 || count > 10)
        throw invalid('count must be between 1 and 10.');
      const strategy: Array<Record<string, any>> | undefined = input.capacityProviderStrategy;
      if (input.launchType && strategy?.length) {
        throw invalid(
          'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
        );
      }
      const fargate =
        input.launchType === 'FARGATE' ||
        (strategy ?? []).some((s) => String(s.capacityProvider).startsWith('FARGATE'));
      if (fargate && !td.compatibilities.includes('FARGATE'))
        throw invalid('Task definition does not support launch_type FARGATE.');
      if (td.body.networkMode === 'awsvpc') {
        const awsvpc = input.networkConfiguration?.awsvpcConfiguration;
        if (!awsvpc)
          throw invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
        if (!Array.isArray(awsvpc.subnets) || awsvpc.subnets.length === 0)
          throw invalid('subnets can not be empty.');
      }
      const containerNames = (td.body.containerDefinitions as Array<Record<string, any>>).map((c) => c.name);
      for (const override of input.overrides?.containerOverrides ?? []) {
        if (!containerNames.includes(override.name)) {
          throw invalid(
            `Override for container named ${override.name} is not a container in the TaskDefinition.`,
          );
        }
      }
      const startedBy = checkStartedBy(input.startedBy);
      if (input.propagateTags === 'SERVICE') {
        // API_RunTask.html: "An error will be received if you specify the SERVICE option when running a task."
        throw invalid('The SERVICE option of propagateTags is not supported when running a task.');
      }
      const tags = taskTags({
        propagated: input.propagateTags === 'TASK_DEFINITION' ? td.tags : [],
        requested: checkRequestTags(input.tags),
        managed: input.enableECSManagedTags === true,
        clusterName: cluster.name,
      });
      const volumeConfigurations = checkVolumeConfigurations(input.volumeConfigurations, td.body, 'task');
      const launchType = input.launchType ?? (strategy?.length ? 'FARGATE' : 'EC2');
      // Placement failures: an EC2 cluster without instances refuses the call; missing
      // Fargate capacity answers in failures[] (api_failures_messages.html).
      const noPlace = engine.placementFailure(cluster.name, launchType, at);
      if (noPlace === 'no-container-instances') throw invalid(placementReason(noPlace));
      if (noPlace) {
        return {
          tasks: [],
          failures: Array.from({ length: count }, () => ({ reason: placementReason(noPlace) })),
        };
      }
      const tasks: unknown[] = [];
      const taskIds: string[] = [];
      for (let i = 0; i < count; i++) {
        const task = engine.placeTask({
          cluster,
          td,
          at,
          startedBy,
          group: input.group ?? `family:${td.family}`,
          launchType,
          capacityProviderName: strategy?.[0]?.capacityProvider,
          platformVersion:
            input.platformVersion && input.platformVersion !== 'LATEST' ? input.platformVersion : '1.4.0',
          networkConfiguration: input.networkConfiguration,
          overrides: input.overrides,
          standalone: true,
          tags,
          volumeConfigurations,
          enableExecuteCommand: input.enableExecuteCommand,
        });
        tasks.push(taskShape(engine, task, ['TAGS']));
        taskIds.push(task.id);
      }
      runTaskTokens.remember(cluster, input, { taskIds, tasks: clone(tasks) }, at);
      return { tasks, failures: [] };
    },
    StopTask(input) {
      const at = engine.now();
      const cluster = engine.cluster(input.cluster);
      const task = findTask(engine, cluster.name, requireString(input, 'task', 'StopTask'));
      if (!task) throw invalid('The referenced task was not found.');
      engine.beginStop(task, at, {
        stopCode: 'UserInitiated',
        stoppedReason: input.reason ?? 'Task stopped by user',
        fromStatus: 'requested',
      });
      if (task.serviceName) {
        engine.agenda.schedule(at + TIMING.schedulerLatencyMs, {
          kind: 'reconcile',
          serviceKey: `${task.clusterName}/${task.serviceName}`,
        });
      }
      return { task: taskShape(engine, task) };
    },
    ListTasks(input) {
      engine.now();
      const cluster = engine.clusterOfService(input.cluster, input.serviceName);
      const desiredStatus = input.desiredStatus ?? 'RUNNING';
      if (!['RUNNING', 'PENDING', 'STOPPED'].includes(desiredStatus))
        throw invalid(`Invalid desiredStatus: ${desiredStatus}`);
      if (input.family && input.serviceName) {
        throw invalid('The family and serviceName parameters cannot be specified together.');
      }
      if (input.serviceName) {
        const svc = engine.findService(cluster, input.serviceName);
        if (!svc) throw new AwsError('ServiceNotFoundException', 'Service not found.');
      }
      const serviceName = input.serviceName ? nameFromArnOrName(input.serviceName) : undefined;
      const wanted = desiredStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING';
      const tasks = [...engine.tasks.values()]
        .filter(
          (t) =>
            t.clusterName === cluster.name &&
            t.desiredStatus === wanted &&
            (!serviceName || t.serviceName === serviceName) &&
            (!input.startedBy || t.startedBy === input.startedBy) &&
            (!input.family || t.family === input.family) &&
            (!input.launchType || t.launchType === input.launchType),
        )
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
        .map((t) => t.arn);
      const { page, nextToken } = paginate(tasks, input, {
        defaultMax: 100,
        limit: 100,
        scope: `tasks:${cluster.name}:${wanted}:${serviceName ?? ''}:${input.startedBy ?? ''}:${input.family ?? ''}`,
      });
      return { taskArns: page, nextToken };
    },
    DescribeTasks(input) {
      engine.now();
      const cluster = engine.cluster(input.cluster);
      if (!Array.isArray(input.tasks) || input.tasks.length === 0)
        throw invalid("The 'tasks' parameter is required.");
      if (input.tasks.length > 100) throw invalid('Tasks cannot contain more than 100 elements.');
      const tasks: unknown[] = [];
      const failures: unknown[] = [];
      for (const ref of input.tasks as string[]) {
        const task = findTask(engine, cluster.name, ref);
        if (task) tasks.push(taskShape(engine, task, includes(input)));
        else {
          failures.push({
            arn: ref.startsWith('arn:') ? ref : `${engine.prefix}:task/${cluster.name}/${ref}`,
            reason: 'MISSING',
          });
        }
      }
      return { tasks, failures };
    },

    // ------------------------------------------------- service deployments
    ListServiceDeployments(input, ctx) {
      engine.now();
      const cluster = engine.clusterOfService(input.cluster, input.service);
      gateServiceDeployments(
        engine,
        ctx,
        engine.serviceArn(cluster.name, nameFromArnOrName(String(input.service ?? ''))),
      );
      const svc = engine.service(cluster, input.service);
      const statuses: string[] | undefined =
        Array.isArray(input.status) && input.status.length ? input.status : undefined;
      const after = inputTimeMs(input.createdAt?.after);
      const before = inputTimeMs(input.createdAt?.before);
      const records = svc.records.filter(
        (r) =>
          (!statuses || statuses.includes(r.status)) &&
          (after === undefined || r.createdAt >= after) &&
          (before === undefined || r.createdAt <= before),
      );
      const { page, nextToken } = paginate(records, input, {
        defaultMax: 20,
        limit: 100,
        scope: `sd:${svc.arn}:${statuses?.join(',') ?? ''}:${after ?? ''}:${before ?? ''}`,
      });
      return {
        serviceDeployments: page.map((r) => serviceDeploymentBriefShape(r)),
        nextToken,
      };
    },
    DescribeServiceDeployments(input, ctx) {
      engine.now();
      const arns: string[] = Array.isArray(input.serviceDeploymentArns) ? input.serviceDeploymentArns : [];
      gateServiceDeployments(engine, ctx, arns[0] ?? '*');
      if (arns.length === 0) throw invalid("The 'serviceDeploymentArns' parameter is required.");
      if (arns.length > 20) throw invalid('serviceDeploymentArns cannot contain more than 20 elements.');
      const serviceDeployments: unknown[] = [];
      const failures: unknown[] = [];
      for (const arn of arns) {
        const record = recordByArn(engine, arn);
        if (record) serviceDeployments.push(serviceDeploymentShape(engine, record));
        else failures.push({ arn, reason: 'MISSING' });
      }
      return { serviceDeployments, failures };
    },
    DescribeServiceRevisions(input, ctx) {
      engine.now();
      const arns: string[] = Array.isArray(input.serviceRevisionArns) ? input.serviceRevisionArns : [];
      gateServiceDeployments(engine, ctx, arns[0] ?? '*');
      if (arns.length === 0) throw invalid("The 'serviceRevisionArns' parameter is required.");
      if (arns.length > 20) throw invalid('serviceRevisionArns cannot contain more than 20 elements.');
      const serviceRevisions: unknown[] = [];
      const failures: unknown[] = [];
      for (const arn of arns) {
        const revision = engine.revisions.get(arn);
        if (revision) serviceRevisions.push(serviceRevisionShape(revision));
        else failures.push({ arn, reason: 'MISSING' });
      }
      return { serviceRevisions, failures };
    },
    /**
     * StopServiceDeployment: ROLLBACK on a PENDING or IN_PROGRESS deployment
     * moves it to ROLLBACK_REQUESTED, then the rollback starts; on a deployment
     * already stopping or rolling back it "continues"; a finished deployment
     * cannot be stopped.
     * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stop-service-deployment.html
     * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html
     */
    StopServiceDeployment(input, ctx) {
      const at = engine.now();
      const arn = requireString(input, 'serviceDeploymentArn', 'StopServiceDeployment');
      gateServiceDeployments(engine, ctx, arn);
      const stopType = input.stopType ?? 'ROLLBACK';
      if (stopType !== 'ROLLBACK' && stopType !== 'ABORT') throw invalid(`Invalid stopType: ${stopType}`);
      const record = recordByArn(engine, arn);
      if (!record)
        throw new AwsError('ServiceDeploymentNotFoundException', 'The service deployment does not exist.');
      if (['STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'].includes(record.status)) {
        return { serviceDeploymentArn: record.arn };
      }
      if (record.status !== 'PENDING' && record.status !== 'IN_PROGRESS') {
        throw new AwsError(
          'ConflictException',
          `The service deployment ${record.arn} is ${record.status} and can no longer be stopped.`,
        );
      }
      const svc = engine.services.get(`${record.clusterName}/${record.serviceName}`);
      const deployment = svc?.deployments.find((d) => d.recordArn === record.arn);
      if (!svc || !deployment)
        throw new AwsError('ServiceDeploymentNotFoundException', 'The service deployment does not exist.');
      record.updatedAt = at;
      if (stopType === 'ROLLBACK') {
        record.status = 'ROLLBACK_REQUESTED';
        engine.agenda.schedule(at + TIMING.schedulerLatencyMs, {
          kind: 'reconcile',
          serviceKey: `${svc.clusterName}/${svc.name}`,
        });
        // The request is taken up on the scheduler's next pass.
        deployment.stopRequested = 'ROLLBACK';
      } else {
        record.status = 'STOP_REQUESTED';
        deployment.stopRequested = 'ABORT';
        engine.agenda.schedule(at + TIMING.schedulerLatencyMs, {
          kind: 'reconcile',
          serviceKey: `${svc.clusterName}/${svc.name}`,
        });
      }
      return { serviceDeploymentArn: record.arn };
    },

    // ---------------------------------------------------------------- tags
    ListTagsForResource(input) {
      engine.now();
      return { tags: clone(tagsOf(engine, requireString(input, 'resourceArn', 'ListTagsForResource'))) };
    },
    TagResource(input) {
      engine.now();
      const tags = tagsOf(engine, requireString(input, 'resourceArn', 'TagResource'));
      for (const tag of input.tags ?? []) {
        const existing = tags.find((t) => t.key === tag.key);
        if (existing) existing.value = tag.value;
        else tags.push({ key: tag.key, value: tag.value });
      }
      return {};
    },
    UntagResource(input) {
      engine.now();
      const tags = tagsOf(engine, requireString(input, 'resourceArn', 'UntagResource'));
      const remove: string[] = input.tagKeys ?? [];
      for (let i = tags.length - 1; i >= 0; i--) if (remove.includes(tags[i].key)) tags.splice(i, 1);
      return {};
    },
  };
  return ops as Record<string, OperationHandler>;
}

function tagsOf(engine: EcsEngine, arn: string): Array<{ key: string; value: string }> {
  const resource = arn.split(':').slice(5).join(':');
  if (resource.startsWith('task-definition/')) {
    const td = engine.taskDefinitions.find(arn);
    if (td) return td.tags;
  } else if (resource.startsWith('cluster/')) {
    const cluster = engine.clusters.get(resource.slice('cluster/'.length));
    if (cluster) return cluster.tags;
  } else if (resource.startsWith('service/')) {
    const [cluster, name] = resource.slice('service/'.length).split('/');
    const svc = engine.services.get(`${cluster}/${name}`);
    if (svc) return svc.tags;
  } else if (resource.startsWith('task/')) {
    const id = resource.split('/').pop() ?? '';
    const task = engine.tasks.get(id);
    if (task) return task.tags;
  }
  throw invalid('The specified resource could not be found.');
}
