import { placeholdersInArns } from './placeholders.js';
import type { Problem, ValidationResult } from './problem.js';
import type { JsonObject } from './read.js';
import { contextOf, withRuleContext } from './rules/common.js';
import * as container from './rules/container.js';
import * as task from './rules/task.js';

/**
 * The checks a task definition passes before anything registers it, as a
 * table of named rules. Each rule is `(definition) => Problem[]` and has its
 * own test table written from the AWS documentation; render-taskdef and
 * deploy-ecs run the same table, so what one accepts the other accepts.
 */

export interface TaskDefinitionRule {
  name: string;
  check(definition: JsonObject): Problem[];
  /** Only meaningful when `containerDefinitions` is a non-empty list. */
  needsContainers?: boolean;
  /** A rule over each container: its problems are listed container by container with the others'. */
  perContainer?: boolean;
}

export const TASK_DEFINITION_RULES: readonly TaskDefinitionRule[] = [
  { name: 'unknown-task-keys', check: task.unknownTaskKeys },
  { name: 'family', check: task.family },
  { name: 'modes', check: task.modes },
  { name: 'task-size-format', check: task.taskSizeFormat },
  { name: 'fargate-size', check: task.fargateSize },
  { name: 'fargate-network-mode', check: task.fargateNetworkMode },
  { name: 'fargate-windows-cpu', check: task.fargateWindowsCpu },
  { name: 'fargate-ephemeral-storage', check: task.fargateEphemeralStorage },
  { name: 'container-list', check: task.containerList },
  { name: 'unique-container-names', check: task.uniqueContainerNames, needsContainers: true },
  { name: 'container-name', perContainer: true, check: container.containerName, needsContainers: true },
  {
    name: 'unknown-container-keys',
    perContainer: true,
    check: container.unknownContainerKeys,
    needsContainers: true,
  },
  { name: 'image', perContainer: true, check: container.image, needsContainers: true },
  { name: 'essential-type', perContainer: true, check: container.essentialType, needsContainers: true },
  { name: 'integer-fields', perContainer: true, check: container.integerFields, needsContainers: true },
  { name: 'container-memory', perContainer: true, check: container.containerMemory, needsContainers: true },
  { name: 'environment', perContainer: true, check: container.environment, needsContainers: true },
  { name: 'secrets', perContainer: true, check: container.secrets, needsContainers: true },
  { name: 'environment-files', perContainer: true, check: container.environmentFiles, needsContainers: true },
  { name: 'port-mappings', perContainer: true, check: container.portMappings, needsContainers: true },
  { name: 'health-check', perContainer: true, check: container.healthCheck, needsContainers: true },
  { name: 'depends-on', perContainer: true, check: container.dependsOn, needsContainers: true },
  { name: 'mount-points', perContainer: true, check: container.mountPoints, needsContainers: true },
  { name: 'volumes-from', perContainer: true, check: container.volumesFrom, needsContainers: true },
  { name: 'essential-container', check: task.essentialContainer, needsContainers: true },
  { name: 'proxy-container', check: task.proxyContainer, needsContainers: true },
  { name: 'tags', check: task.tags, needsContainers: true },
  { name: 'arn-placeholders', check: placeholdersInArns, needsContainers: true },
  { name: 'size-limit', check: task.sizeLimit, needsContainers: true },
];

/**
 * Runs every rule; never throws. Problems come in rule order, except that
 * the container rules' problems are grouped container by container, as a
 * reader fixes them.
 */
export function validateTaskDefinition(
  definition: JsonObject,
  rules: readonly TaskDefinitionRule[] = TASK_DEFINITION_RULES,
): ValidationResult {
  const containers = definition.containerDefinitions;
  const hasContainers = Array.isArray(containers) && containers.length > 0;
  const order = new Map(contextOf(definition).containers.map((entry, position) => [entry.label, position]));
  const byContainer = (problem: Problem) => order.get(problem.container ?? '') ?? order.size;
  const found: Problem[] = [];
  let perContainer: Problem[] = [];
  const flush = () => {
    found.push(...perContainer.sort((a, b) => byContainer(a) - byContainer(b)));
    perContainer = [];
  };
  withRuleContext(definition, () => {
    for (const rule of rules) {
      if (rule.needsContainers && !hasContainers) continue;
      if (!rule.perContainer) flush();
      (rule.perContainer ? perContainer : found).push(...rule.check(definition));
    }
    flush();
  });
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  for (const { severity, ...problem } of found) (severity === 'warning' ? warnings : errors).push(problem);
  return { errors, warnings };
}

/** The one error for all validation problems; `inputsCanFix` when the step has inputs that edit the definition. */
export function validationErrorMessage(
  errors: readonly Problem[],
  file: string,
  inputName = 'task-definition',
  inputsCanFix = true,
): string {
  const where = `${file} (input \`${inputName}\`)${inputsCanFix ? " or with this step's inputs" : ''}`;
  if (errors.length === 1)
    return `The task definition is not valid: ${errors[0].message} Fix it in ${where}.`;
  return `The task definition has ${errors.length} problems:\n${errors.map((problem) => `  - ${problem.message}`).join('\n')}\nFix them in ${where}.`;
}

export { DEPENDS_ON_CONDITIONS, HEALTH_CHECK_BOUNDS } from './rules/container.js';
export { checkFargateSize, FARGATE_TASK_SIZES, KNOWN_MODE_VALUES, MAX_TAGS } from './rules/task.js';
