/**
 * deploy-ecs for a service with the CODE_DEPLOY controller: the AWS deploy
 * action's inputs and defaults, then Berth's own follower. Every input and the
 * deployment group are checked before the first write (RegisterTaskDefinition,
 * CreateDeployment). The record, summary and GitHub deployment go through the
 * same builders as an ECS deployment.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CodeDeployClient,
  CreateDeploymentCommand,
  type DeploymentGroupInfo,
  GetDeploymentGroupCommand,
} from '@aws-sdk/client-codedeploy';
import type { Service } from '@aws-sdk/client-ecs';
import { isDeadlineError } from '@berth/shared/deadline';
import { buildDeploymentRecord, type DeploymentRecordParts } from '@berth/shared/deployment/build-record';
import { runContext } from '@berth/shared/deployment/record';
import { failureLine, imagesOf } from '@berth/shared/deployment/report';
import { imagesOfRevision } from '@berth/shared/deployment/transaction';
import { formatDuration } from '@berth/shared/duration';
import { awsErrorName, ConfigurationError, errorMessage, OutcomeError } from '@berth/shared/errors';
import { inGroup } from '@berth/shared/logger';
import { readWorkspaceFile } from '@berth/shared/workspace-file';
import type { AdviceContext } from '../advice.js';
import type { ServiceInputs } from '../inputs.js';
import { resolveTaskDefinition, type Step } from '../step.js';
import { writeRecordAndSummary } from '../summary.js';
import { tagAfterSuccess } from '../tag-images.js';
import {
  type AppSpecTraffic,
  appSpecContent,
  appSpecFromFile,
  checkTrafficTarget,
  generateAppSpec,
} from './appspec.js';
import { followCodeDeployDeployment } from './follow.js';
import { checkInputsFitController, codedeployNames, DESCRIPTION_MAX } from './inputs.js';

/** The AWS deploy action reads `appspec.yaml` from the workspace when `codedeploy-appspec` is empty. */
export const DEFAULT_APPSPEC = 'appspec.yaml';

type AppSpecSource =
  | { kind: 'file'; path: string; shown: string; text: string }
  | { kind: 'generated'; traffic: AppSpecTraffic };

/** The AppSpec file (the input, else `appspec.yaml` when present), or the container and port to generate one for. */
function appSpecSource(inputs: ServiceInputs, step: Step, before: Service): AppSpecSource {
  const { workspace } = step.effects.files;
  const { appspec, containerName, containerPort } = inputs.codedeploy;
  const file = appspec ?? (existsSync(join(workspace, DEFAULT_APPSPEC)) ? DEFAULT_APPSPEC : undefined);
  if (file !== undefined) {
    const read = readWorkspaceFile('codedeploy-appspec', file, {
      roots: { workspace },
      // CodeDeploy's AppSpecContent holds at most 1 MB (API_AppSpecContent); an AppSpec is a few hundred bytes.
      maxBytes: 1024 * 1024,
      what: 'AppSpec files',
      missingHint:
        'give the path of the AppSpec file in the workspace (check out the repository first), or remove the input to let deploy-ecs write one.',
    });
    return { kind: 'file', path: read.path, shown: read.shown, text: read.text };
  }
  const balancer = before.loadBalancers?.find((lb) => lb.containerName);
  const traffic = {
    containerName: containerName ?? balancer?.containerName,
    containerPort: containerPort ?? balancer?.containerPort,
  };
  if (traffic.containerName === undefined || traffic.containerPort === undefined) {
    throw new ConfigurationError(
      `Service \`${inputs.service}\` has no load balancer naming a container and port, so deploy-ecs cannot write its AppSpec: set \`codedeploy-container-name\` and \`codedeploy-container-port\`, or give an AppSpec file in \`codedeploy-appspec\`.`,
    );
  }
  return { kind: 'generated', traffic: traffic as AppSpecTraffic };
}

/** GetDeploymentGroup: the names exist and the group deploys this service; CodeDeploy's refusals become advice. */
async function readDeploymentGroup(
  codedeploy: CodeDeployClient,
  names: { application: string; deploymentGroup: string },
  inputs: ServiceInputs,
  region: string,
): Promise<DeploymentGroupInfo> {
  let group: DeploymentGroupInfo | undefined;
  try {
    group = (
      await codedeploy.send(
        new GetDeploymentGroupCommand({
          applicationName: names.application,
          deploymentGroupName: names.deploymentGroup,
        }),
      )
    ).deploymentGroupInfo;
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'ApplicationDoesNotExistException' || name === 'DeploymentGroupDoesNotExistException') {
      throw new ConfigurationError(
        `CodeDeploy ${name === 'ApplicationDoesNotExistException' ? `application \`${names.application}\`` : `deployment group \`${names.deploymentGroup}\` of \`${names.application}\``} was not found in ${region}. ` +
          "Set `codedeploy-application` and `codedeploy-deployment-group` to the ones that deploy this service (the defaults are the console's `AppECS-<cluster>-<service>` / `DgpECS-<cluster>-<service>`).",
      );
    }
    if (name === 'AccessDeniedException') {
      throw new ConfigurationError(
        `Could not read CodeDeploy deployment group \`${names.deploymentGroup}\`: access denied (${errorMessage(error)}). Give the role the codedeploy actions of docs/iam/templates/deploy-ecs.json.`,
      );
    }
    throw error;
  }
  const cluster = inputs.cluster.split('/').pop();
  const service = inputs.service.split('/').pop();
  const deploys = group?.ecsServices?.some((s) => s.serviceName === service && s.clusterName === cluster);
  if (!deploys) {
    const listed =
      (group?.ecsServices ?? []).map((s) => `\`${s.clusterName}/${s.serviceName}\``).join(', ') ||
      'no service';
    throw new ConfigurationError(
      `CodeDeploy deployment group \`${names.deploymentGroup}\` deploys ${listed}, not \`${cluster}/${service}\`. Set \`codedeploy-deployment-group\` to the group of this service.`,
    );
  }
  return group as DeploymentGroupInfo;
}

/** The deployment's description: the input (cut to CodeDeploy's 512 characters, as the AWS deploy action does), else the reason. */
function description(inputs: ServiceInputs, warn: (text: string) => void): string | undefined {
  const text = inputs.codedeploy.description ?? inputs.reason;
  if (text === undefined || text.length <= DESCRIPTION_MAX) return text;
  warn(
    `\`codedeploy-deployment-description\` is ${text.length} characters; CodeDeploy takes ${DESCRIPTION_MAX}, so it was cut.`,
  );
  return `${text.slice(0, DESCRIPTION_MAX - 1)}…`;
}

export async function deployWithCodeDeploy(
  inputs: ServiceInputs,
  step: Step,
  before: Service,
): Promise<void> {
  const { effects, aws, progress, outputs, announcer } = step;
  const { logger, clock } = effects;
  const { cluster, service } = inputs;
  const context: AdviceContext = { cluster, service, region: aws.region };
  const codedeploy = aws.codedeploy();
  const codedeployWrites = aws.codedeployWrites();
  const ecs = aws.ecs();

  const { source, names, group } = await inGroup(logger, `CodeDeploy ${service}`, async () => {
    checkInputsFitController(inputs, 'CODE_DEPLOY');
    const source = appSpecSource(inputs, step, before);
    // The prepared file's containers are checked now; a registered revision's once it is described (a read).
    if (source.kind === 'generated' && step.prepared) {
      checkTrafficTarget(
        source.traffic,
        (step.prepared.definition.containerDefinitions ?? []) as never[],
        'The task definition',
      );
    }
    const names = codedeployNames(inputs.codedeploy, cluster, service);
    progress.doing = `reading CodeDeploy deployment group ${names.deploymentGroup}`;
    const group = await readDeploymentGroup(codedeploy, names, inputs, aws.region);
    logger.info(
      `Service ${service} in cluster ${cluster} (${aws.region}) is deployed by CodeDeploy: application ${names.application}, ` +
        `deployment group ${names.deploymentGroup}, configuration ${inputs.codedeploy.config ?? group.deploymentConfigName ?? 'CodeDeployDefault.ECSAllAtOnce'}; runs ${before.taskDefinition}.`,
    );
    return { source, names, group };
  });

  const previousArn = before.taskDefinition;
  progress.from = { taskDefinitionArn: previousArn ?? '', images: {} };
  const resolved = await resolveTaskDefinition(inputs, step, context);
  outputs['task-definition-arn'] = resolved.arn;
  outputs['previous-task-definition-arn'] = previousArn ?? '';
  const spec =
    source.kind === 'file'
      ? appSpecFromFile(source.text, source.shown, resolved.arn)
      : generateAppSpec(resolved.arn, source.traffic);
  const appSpec = appSpecContent(spec);
  checkTrafficTarget(
    appSpec.traffic,
    resolved.definition.containerDefinitions ?? [],
    source.kind === 'file' ? `Input \`codedeploy-appspec\` (${source.shown})` : 'The task definition',
  );
  const attempted = { taskDefinitionArn: resolved.arn, images: imagesOf(resolved.definition) };
  progress.to = attempted;
  const from = {
    taskDefinitionArn: previousArn,
    images:
      previousArn === resolved.arn ? attempted.images : await imagesOfRevision(ecs, previousArn, logger),
  };
  progress.from = from;
  const config = inputs.codedeploy.config ?? group.deploymentConfigName;
  const parts = {
    cluster,
    service,
    region: aws.region,
    from,
    to: attempted,
    strategy: `CodeDeploy ${config ?? 'CodeDeployDefault.ECSAllAtOnce'}`,
    requestedReason: inputs.reason,
    startedAt: progress.startedAt,
    run: runContext(effects.env),
  } satisfies Partial<DeploymentRecordParts>;

  const deploymentId = await inGroup(logger, 'Create CodeDeploy deployment', async () => {
    logger.info(
      `Deploying ${service} with CodeDeploy: ${previousArn} → ${resolved.arn}; traffic to container ${appSpec.traffic.containerName} port ${appSpec.traffic.containerPort}` +
        `${source.kind === 'file' ? ` (AppSpec ${source.shown})` : ' (AppSpec written by deploy-ecs)'}.`,
    );
    const draft = { kind: inputs.recordKind, ...parts };
    await announcer.begin(draft);
    progress.announced = true;
    progress.doing = `creating the CodeDeploy deployment of ${resolved.arn}`;
    progress.writeInFlight = 'CreateDeployment';
    try {
      const out = await codedeployWrites.send(
        new CreateDeploymentCommand({
          applicationName: names.application,
          deploymentGroupName: names.deploymentGroup,
          revision: {
            revisionType: 'AppSpecContent',
            appSpecContent: { content: appSpec.content, sha256: appSpec.sha256 },
          },
          ...(inputs.codedeploy.config ? { deploymentConfigName: inputs.codedeploy.config } : {}),
          ...(() => {
            const text = description(inputs, (t) => logger.warning(t));
            return text === undefined ? {} : { description: text };
          })(),
        }),
      );
      progress.writeInFlight = undefined;
      if (!out.deploymentId) throw new Error('CreateDeployment answered without a deployment id');
      return out.deploymentId;
    } catch (error) {
      if (isDeadlineError(error, step.deadline)) throw error;
      progress.writeInFlight = undefined;
      await announcer.aborted(error, draft);
      if (awsErrorName(error) === 'DeploymentLimitExceededException') {
        throw new OutcomeError(
          `CodeDeploy refused a new deployment: ${errorMessage(error)}. Wait for it to finish, or stop it (\`aws deploy stop-deployment --deployment-id … --auto-rollback-enabled\`).`,
        );
      }
      throw new Error(`Could not create the CodeDeploy deployment: ${errorMessage(error)}`, { cause: error });
    }
  });
  progress.deploymentId = deploymentId;
  progress.doing = `following CodeDeploy deployment ${deploymentId}`;
  outputs['codedeploy-deployment-id'] = deploymentId;
  outputs['deployment-id'] = deploymentId;
  logger.info(
    `Started CodeDeploy deployment ${deploymentId} (console: https://console.aws.amazon.com/codesuite/codedeploy/deployments/${deploymentId}?region=${aws.region}).`,
  );
  const record = buildDeploymentRecord(inputs.recordKind, {
    ...parts,
    deploymentId,
    status: 'started',
    endedAt: clock.now(),
  });
  await announcer.started(record);
  if (!inputs.wait) {
    logger.info(`Not waiting for CodeDeploy deployment ${deploymentId} (wait: false).`);
    await writeRecordAndSummary(step, record);
    return;
  }

  const result = await inGroup(logger, `CodeDeploy deployment ${deploymentId}`, async () => {
    try {
      return await followCodeDeployDeployment({
        codedeploy,
        codedeployWrites,
        ecs,
        logs: aws.logs(),
        logger,
        clock,
        deadline: step.deadline,
        cluster,
        service,
        deploymentId,
        desiredCount: before.desiredCount ?? 1,
        taskDefinition: resolved.definition,
      });
    } catch (error) {
      await announcer.lost(error, record);
      throw error;
    }
  });
  if (result.outcome === 'succeeded') {
    logger.info(
      `CodeDeploy deployment ${deploymentId} succeeded in ${formatDuration(result.endedAt - progress.startedAt)}.`,
    );
  }
  await tagAfterSuccess(step, inputs.tagDeployedImage, result.outcome, attempted.images);
  const ended = buildDeploymentRecord(inputs.recordKind, {
    ...parts,
    deploymentId,
    status: result.outcome,
    reason: result.reason,
    endedAt: result.endedAt,
    ending: { events: result.events, failedTasks: result.failedTasks, likelyCause: result.likelyCause },
  });
  await announcer.finished(ended);
  outputs.status = result.outcome;
  await writeRecordAndSummary(
    step,
    ended,
    undefined,
    result.outcome === 'succeeded' ? undefined : { failure: { failedTasks: result.failedTasks } },
  );
  if (result.outcome !== 'succeeded') {
    throw new OutcomeError(
      failureLine(
        `CodeDeploy deployment ${deploymentId} ${result.outcome}`,
        result.reason,
        result.likelyCause,
      ),
    );
  }
}
