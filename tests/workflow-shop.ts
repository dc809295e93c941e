/**
 * What the workflow tests ask of the shop (packages/testkit's fixture) and of the emulator's
 * final state: run one of the shop's workflows, read what a service runs, read an image's tags.
 */
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import type { RunningEmulator } from '@berth/emulator';
import {
  type ApprovalDecision,
  type ApprovalRequest,
  runWorkflow,
  SHOP_REGION,
  SHOP_REPOSITORY,
  SHOP_SHA,
  SHOP_VARS,
  shopEnvironments,
  shopRepository,
  type WorkflowRun,
  type WorkflowRunOptions,
} from '@berth/testkit';

export function clients(emulator: RunningEmulator, region = SHOP_REGION) {
  const config = {
    endpoint: emulator.url,
    region,
    credentials: { accessKeyId: 'AKIDEMULATORTEST', secretAccessKey: 'not-checked' },
  };
  return { ecs: new ECSClient(config), ecr: new ECRClient(config) };
}

/** What runs in an environment: the service's task definition, its `web` image and APP_ENV. */
export async function running(emulator: RunningEmulator, cluster: string, region = SHOP_REGION) {
  const { ecs } = clients(emulator, region);
  const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: ['shop-web'] }));
  const service = services?.[0];
  const arn = service?.taskDefinition ?? '';
  const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }));
  const web = taskDefinition?.containerDefinitions?.find((c) => c.name === 'web');
  return {
    revision: arn.split('/').pop(),
    image: web?.image,
    appEnv: web?.environment?.find((e) => e.name === 'APP_ENV')?.value,
    environment: web?.environment ?? [],
    desiredCount: service?.desiredCount,
    deploymentConfiguration: service?.deploymentConfiguration,
  };
}

export async function tagsOf(
  emulator: RunningEmulator,
  digest: string,
  region = SHOP_REGION,
): Promise<string[]> {
  const { ecr } = clients(emulator, region);
  const { imageDetails } = await ecr.send(
    new DescribeImagesCommand({ repositoryName: 'shop/web', imageIds: [{ imageDigest: digest }] }),
  );
  return [...(imageDetails?.[0]?.imageTags ?? [])].sort();
}

/** The digest a tag of shop/web names. */
export async function digestOf(emulator: RunningEmulator, tag: string, region = SHOP_REGION) {
  const { ecr } = clients(emulator, region);
  const { imageDetails } = await ecr.send(
    new DescribeImagesCommand({ repositoryName: 'shop/web', imageIds: [{ imageTag: tag }] }),
  );
  return imageDetails?.[0]?.imageDigest ?? '';
}

export function approveAll(reviewer = 'alice') {
  const asked: ApprovalRequest[] = [];
  const approve = async (request: ApprovalRequest): Promise<ApprovalDecision> => {
    asked.push(request);
    return { decision: 'approve', reviewer };
  };
  return { asked, approve };
}

/** Runs one of the shop's workflows on a push to main (unless `event` says otherwise). */
export function runShop(
  emulator: RunningEmulator,
  workflow: string,
  options: Partial<WorkflowRunOptions> & { dir?: string } = {},
): Promise<WorkflowRun> {
  const { dir, ...rest } = options;
  return runWorkflow(workflow, {
    emulator,
    repository: { name: SHOP_REPOSITORY, dir: dir ?? shopRepository() },
    event: { name: 'push', ref: 'refs/heads/main', sha: SHOP_SHA },
    vars: SHOP_VARS,
    environments: shopEnvironments(),
    ...rest,
  });
}

/** A caller workflow of the shop, dispatched by hand, with the one job given. */
export const caller = (job: string) => ({
  content: `on: workflow_dispatch\npermissions:\n  contents: read\njobs:\n${job}`,
});

/** The operator's rollback of shop-web: Actions tab → rollback → the environment, with a reason. */
export const rollbackDispatch = (environment: string, reason: string) => ({
  name: 'workflow_dispatch',
  sha: SHOP_SHA,
  inputs: { environment, service: 'shop-web', reason },
});

export const stepResults = (run: WorkflowRun, job: string) =>
  run.job(job).steps.map((step) => [step.name, step.conclusion]);
