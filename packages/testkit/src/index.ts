export { everythingWritten, maskedFirst } from './action-text.js';
export {
  type ExpressionScope,
  evaluateCondition,
  evaluateExpression,
  evaluateString,
  evaluateToken,
  type StatusFunctions,
  toPlain,
  UnmodelledError,
} from './expressions.js';
export { type FixtureFile, fixtureRepository } from './fixtures.js';
export {
  type GitHubStandIn,
  openApi,
  type RecordedRequest,
  type StandInDeployment,
  type StandInOptions,
  startGitHubStandIn,
  statusDescriptionLimit,
} from './github-api.js';
export {
  type LoadedWorkflow,
  loadActionMetadata,
  loadWorkflow,
  type WorkflowSource,
} from './github-parser.js';
export { expandMatrix } from './matrix.js';
export { BERTH_ROOT, runWorkflow, WorkflowRunError } from './runner.js';
export {
  injectedCommands,
  type ParsedCommand,
  parseWorkflowCommands,
  RUNNER_COMMANDS,
  runnerLines,
} from './runner-commands.js';
export {
  ACCOUNT,
  ECR_HOST,
  SHOP_REGION,
  SHOP_REPOSITORY,
  SHOP_SCENARIO,
  SHOP_SHA,
  SHOP_VARS,
  shopEnvironments,
  shopRepository,
} from './shop.js';
export * from './types.js';
export { type ReceivedMessage, startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
export { applyMasks, parseCommandFile, scanWorkflowCommands } from './workflow-commands.js';
