/**
 * The bundled deploy-ecs against the emulator's failure modes (issue 11): each
 * deployment fails the way ECS fails it, with ECS's texts, and the likely-cause
 * line names the cause a user has to fix. Timings are the emulator's realistic
 * ones (Fargate starts, service throttle, health check intervals), shrunk by the
 * shared time scale.
 */
import {
  digest,
  type Harness,
  harness,
  log,
  REGISTRY,
  scenario,
  taskDefinition,
} from './helpers/emulator.js';

const BROKEN = `${REGISTRY}/shop@${digest(3)}`;
const BREAKER = { deploymentCircuitBreaker: { enable: true, rollback: true } };

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

async function deploy(definition: Record<string, any>, inputs: Record<string, string> = {}) {
  const file = h.file('taskdef.json', definition);
  const result = await h.run({ cluster: 'shop', service: 'web', 'task-definition': file, ...inputs });
  return { result, text: log(result) };
}

describe('deploy-ecs names the cause of each ECS failure mode', () => {
  it('image missing from ECR: pull failure', async () => {
    h = await harness(scenario({ deploymentConfiguration: BREAKER }));
    const { result, text } = await deploy(taskDefinition(`${REGISTRY}/shop:v404`));
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('rolled-back');
    expect(text).toMatch(
      /likely cause: Image pull failure \(CannotPullContainerError: .*shop:v404: not found/i,
    );
  });

  it('a secret the task cannot read: resource initialisation', async () => {
    h = await harness(
      scenario({ deploymentConfiguration: BREAKER, secrets: ['arn:aws:secretsmanager:*:secret:shop/api-*'] }),
    );
    const definition = taskDefinition(BROKEN);
    definition.containerDefinitions[0].secrets = [
      {
        name: 'DB_PASSWORD',
        valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/db-AbCdEf',
      },
    ];
    const { result, text } = await deploy(definition);
    expect(result.exitCode).toBe(1);
    expect(text).toMatch(
      /likely cause: The task could not initialise its resources \(ResourceInitializationError: /i,
    );
    expect(text).toMatch(/secretsmanager:GetSecretValue/);
  });

  it('failing container health checks', async () => {
    h = await harness(
      scenario({ deploymentConfiguration: BREAKER, behaviours: { [BROKEN]: { failHealthCheck: true } } }),
    );
    const definition = taskDefinition(BROKEN);
    definition.containerDefinitions[0].healthCheck = {
      command: ['CMD-SHELL', 'curl -f http://localhost:8080/health || exit 1'],
      interval: 10,
      retries: 2,
    };
    const { result, text } = await deploy(definition);
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('rolled-back');
    expect(text).toMatch(/likely cause: Container health check failing for `app`/i);
    // The report never calls a crashed or stopped container healthy.
    expect(text).not.toMatch(/health HEALTHY/);
  });

  it('out of memory', async () => {
    h = await harness(
      scenario({
        deploymentConfiguration: BREAKER,
        behaviours: { [BROKEN]: { outOfMemory: true, exitAfterSeconds: 4, logLines: ['loading cache'] } },
      }),
    );
    const { result, text } = await deploy(taskDefinition(BROKEN));
    expect(result.exitCode).toBe(1);
    expect(text).toMatch(/likely cause: Container `app` ran out of memory \(exit code 137\)/i);
    expect(text).not.toMatch(/health HEALTHY/);
  });

  it('no capacity: the deployment cannot place tasks and times out saying why', async () => {
    h = await harness(
      scenario({
        deploymentConfiguration: BREAKER,
        placementFailures: [{ cluster: 'shop', launchType: 'FARGATE', reason: 'capacity-unavailable' }],
      }),
    );
    const { result, text } = await deploy(taskDefinition(BROKEN), { 'timeout-minutes': '3' });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('timed-out');
    expect(text).toMatch(
      /likely cause: ECS could not place the tasks: .*Capacity is unavailable at this time/i,
    );
  });
});
