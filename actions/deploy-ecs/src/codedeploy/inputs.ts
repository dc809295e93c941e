/**
 * The inputs of a deployment through CodeDeploy (a service with the
 * CODE_DEPLOY controller), named as the AWS deploy action names them
 * (aws-actions/amazon-ecs-deploy-task-definition), plus the container and
 * port of a generated AppSpec. Which inputs apply is known only once the
 * service's controller is read, so the rules that depend on it are here too.
 */
import { ConfigurationError } from '@berth/shared/errors';
import type { InputReader } from '@berth/shared/inputs';
import type { ServiceInputs } from '../inputs.js';

export const CODEDEPLOY_INPUT_NAMES = [
  'codedeploy-appspec',
  'codedeploy-container-name',
  'codedeploy-container-port',
  'codedeploy-application',
  'codedeploy-deployment-group',
  'codedeploy-deployment-description',
  'codedeploy-deployment-config',
] as const;

export interface CodeDeployInputs {
  appspec?: string;
  containerName?: string;
  containerPort?: number;
  application?: string;
  deploymentGroup?: string;
  description?: string;
  config?: string;
}

/** CodeDeploy's limits on application, deployment group and configuration names (1–100 characters). */
const CODEDEPLOY_NAME = /^[\w.+@=,-]{1,100}$/;
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** CreateDeployment's `description` is at most 512 characters (API_CreateDeployment). */
export const DESCRIPTION_MAX = 512;

const show = (value: string) => JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value);

function name(reader: InputReader, input: string, pattern: RegExp, example: string): string | undefined {
  const value = reader.optional(input);
  if (value !== undefined && !pattern.test(value)) {
    throw new ConfigurationError(
      `Input \`${input}\`: ${show(value)} is not a valid name; expected e.g. \`${example}\`.`,
    );
  }
  return value;
}

export function readCodeDeployInputs(reader: InputReader): CodeDeployInputs {
  const inputs: CodeDeployInputs = {
    appspec: reader.optional('codedeploy-appspec'),
    containerName: name(reader, 'codedeploy-container-name', CONTAINER_NAME, 'web'),
    containerPort: reader.integer('codedeploy-container-port', { min: 1, max: 65535 }),
    application: name(reader, 'codedeploy-application', CODEDEPLOY_NAME, 'AppECS-shop-web'),
    deploymentGroup: name(reader, 'codedeploy-deployment-group', CODEDEPLOY_NAME, 'DgpECS-shop-web'),
    description: reader.optional('codedeploy-deployment-description'),
    config: name(reader, 'codedeploy-deployment-config', CODEDEPLOY_NAME, 'CodeDeployDefault.ECSAllAtOnce'),
  };
  if (
    inputs.appspec !== undefined &&
    (inputs.containerName !== undefined || inputs.containerPort !== undefined)
  ) {
    throw new ConfigurationError(
      "`codedeploy-container-name`/`codedeploy-container-port` describe a generated AppSpec, but `codedeploy-appspec` gives one: set the container and port in the file's `LoadBalancerInfo`, or remove `codedeploy-appspec`.",
    );
  }
  return inputs;
}

/** The CodeDeploy inputs that were set (for "only applies to …" messages). */
export function codedeployInputsSet(inputs: CodeDeployInputs): string[] {
  const keys: Array<[keyof CodeDeployInputs, (typeof CODEDEPLOY_INPUT_NAMES)[number]]> = [
    ['appspec', 'codedeploy-appspec'],
    ['containerName', 'codedeploy-container-name'],
    ['containerPort', 'codedeploy-container-port'],
    ['application', 'codedeploy-application'],
    ['deploymentGroup', 'codedeploy-deployment-group'],
    ['description', 'codedeploy-deployment-description'],
    ['config', 'codedeploy-deployment-config'],
  ];
  return keys.filter(([key]) => inputs[key] !== undefined).map(([, input]) => input);
}

/** The service inputs a CODE_DEPLOY deployment reads besides its own, by what they mean when set. */
export interface CodeDeployServiceView {
  strategy: string;
  circuitBreaker: string;
  alarms: string[];
  bakeTimeMinutes?: number;
  canaryPercent?: number;
  canaryBakeMinutes?: number;
  linearStepPercent?: number;
  linearStepBakeMinutes?: number;
  desiredCount?: number;
  minimumHealthyPercent?: number;
  maximumPercent?: number;
  forceNewDeployment: boolean;
  enableExecuteCommand?: boolean;
  propagateTags?: string;
  enableEcsManagedTags?: boolean;
  capacityProviderStrategy: unknown[];
  verifyCommand?: string;
  serviceManagedEbsVolume?: unknown;
}

/**
 * Inputs that UpdateService would apply to an ECS-controlled service but that
 * mean nothing to a CodeDeploy deployment: the deployment group's
 * configuration, alarms and rollback settings decide, and ECS refuses
 * UpdateService's task definition, force and network changes on a CODE_DEPLOY
 * service ("Unable to update task definition on services with a CODE_DEPLOY
 * deployment controller. Use AWS CodeDeploy to trigger a new deployment.").
 */
export function inputsCodeDeployIgnores(inputs: CodeDeployServiceView): string[] {
  const set: Array<[boolean, string]> = [
    [inputs.strategy !== 'unchanged', 'strategy'],
    [inputs.circuitBreaker !== 'rollback', 'circuit-breaker'],
    [inputs.alarms.length > 0, 'alarms'],
    [inputs.bakeTimeMinutes !== undefined, 'bake-time-minutes'],
    [inputs.canaryPercent !== undefined, 'canary-percent'],
    [inputs.canaryBakeMinutes !== undefined, 'canary-bake-minutes'],
    [inputs.linearStepPercent !== undefined, 'linear-step-percent'],
    [inputs.linearStepBakeMinutes !== undefined, 'linear-step-bake-minutes'],
    [inputs.desiredCount !== undefined, 'desired-count'],
    [inputs.minimumHealthyPercent !== undefined, 'minimum-healthy-percent'],
    [inputs.maximumPercent !== undefined, 'maximum-percent'],
    [inputs.forceNewDeployment, 'force-new-deployment'],
    [inputs.enableExecuteCommand !== undefined, 'enable-execute-command'],
    [inputs.propagateTags !== undefined, 'propagate-tags'],
    [inputs.enableEcsManagedTags !== undefined, 'enable-ecs-managed-tags'],
    [inputs.serviceManagedEbsVolume !== undefined, 'service-managed-ebs-volume-name'],
    [inputs.capacityProviderStrategy.length > 0, 'capacity-provider-strategy'],
    [inputs.verifyCommand !== undefined, 'verify-command'],
  ];
  return set.filter(([on]) => on).map(([, input]) => input);
}

const names = (list: string[]) => list.map((n) => `\`${n}\``).join(', ');

/** The refusal for inputs that do not fit the service's controller; undefined when they fit. */
export function controllerMismatch(
  controller: string,
  service: string,
  ignored: string[],
  codedeploySet: string[],
): ConfigurationError | undefined {
  if (controller === 'CODE_DEPLOY' && ignored.length > 0) {
    return new ConfigurationError(
      `Service \`${service}\` uses the CODE_DEPLOY deployment controller: CodeDeploy's deployment group decides the rollout, so ${names(ignored)} ${ignored.length === 1 ? 'has' : 'have'} no effect. ` +
        "Remove them; choose the traffic shift with `codedeploy-deployment-config` (e.g. `CodeDeployDefault.ECSCanary10Percent5Minutes`), and verify in the AppSpec's hooks (AfterAllowTestTraffic).",
    );
  }
  if (controller !== 'CODE_DEPLOY' && codedeploySet.length > 0) {
    return new ConfigurationError(
      `${names(codedeploySet)} ${codedeploySet.length === 1 ? 'applies' : 'apply'} only to a service with the CODE_DEPLOY deployment controller, but \`${service}\` uses ${controller}. ` +
        'Remove them (`strategy: blue-green` gives ECS-native blue/green), or deploy a CODE_DEPLOY service.',
    );
  }
  return undefined;
}

/** The AWS deploy action's defaults: the names the ECS console gives a service's CodeDeploy application and group. */
export function codedeployNames(
  inputs: CodeDeployInputs,
  cluster: string,
  service: string,
): { application: string; deploymentGroup: string } {
  const clusterName = cluster.split('/').pop() ?? cluster;
  const serviceName = service.split('/').pop() ?? service;
  return {
    application: inputs.application ?? `AppECS-${clusterName}-${serviceName}`,
    deploymentGroup: inputs.deploymentGroup ?? `DgpECS-${clusterName}-${serviceName}`,
  };
}

/** Refuses inputs that do not fit the service's controller (both ways); before any write. */
export function checkInputsFitController(inputs: ServiceInputs, controller: string): void {
  const mismatch = controllerMismatch(
    controller,
    inputs.service,
    inputsCodeDeployIgnores(inputs),
    codedeployInputsSet(inputs.codedeploy),
  );
  if (mismatch) throw mismatch;
}
