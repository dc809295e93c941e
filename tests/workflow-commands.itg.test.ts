/**
 * Every channel through which text Berth did not write reaches the log, run
 * through the bundled dists against the emulator, with the output read as the
 * runner reads it (packages/testkit/src/runner-commands.ts):
 * container log lines in failure and run-task reports, stopped reasons, the
 * operator's `reason`, render's `command`, and names (alarms) that are valid
 * for AWS yet look like commands. None may yield a command, and Berth's own
 * error must still be read (nothing silenced it with `stop-commands`).
 */

import { injectedCommands, parseWorkflowCommands } from '@berth/testkit';
import type { ActionResult } from '@berth/testkit/action-runner.js';
import { runAction } from '@berth/testkit/action-runner.js';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  GOOD,
  type Harness,
  harness,
  NEXT,
  REGISTRY,
  scenario,
  taskDefinition,
} from '../actions/deploy-ecs/__tests__/helpers/emulator.js';

/** What an application logs when an attacker chooses a request path or a header. */
const HOSTILE_LINES = [
  '::warning::PWNED a fake annotation',
  '   ::stop-commands::t0k3n',
  'GET /search?q=##[add-mask]PWNED 200',
  'GET /a\r::error::PWNED after a bare CR',
  '\u200B::notice::PWNED behind a zero-width space',
  '::set-output name=status::PWNED',
];

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

function expectInert(result: ActionResult): void {
  expect(injectedCommands(result.stdout, 'PWNED')).toEqual([]);
  expect(parseWorkflowCommands(result.stdout).map((c) => c.command)).not.toContain('stop-commands');
}

/**
 * Berth's one error annotation is read as a command, and no other: the step's failure
 * (`<action>: …`), or for a service that ECS rolled back, the follower's, raised when the
 * rollback began (the step then fails with a plain `Error:` line).
 */
function expectOwnErrorRead(result: ActionResult, action: string): void {
  const errors = parseWorkflowCommands(result.stdout).filter((c) => c.command === 'error');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.data).toMatch(
    new RegExp(`^(${action}: |The deployment failed and ECS is rolling it back: )`),
  );
}

describe('container log lines', () => {
  it('in the failure report of a service deployment: shown, never obeyed', async () => {
    h = await harness(
      scenario({ behaviours: { [NEXT]: { exitCode: 1, exitAfterSeconds: 2, logLines: HOSTILE_LINES } } }),
    );
    const file = h.file('taskdef.json', taskDefinition(NEXT));
    const result = await h.run({ cluster: 'shop', service: 'web', 'task-definition': file });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.status).toBe('rolled-back');
    // The lines are there for the reader, escaped where they would have been commands.
    expect(result.stdout).toContain('\\::warning::PWNED a fake annotation');
    expect(result.stdout).toContain('   \\::stop-commands::t0k3n');
    expect(result.stdout).toContain('GET /search?q=##\\[add-mask]PWNED 200');
    expect(result.stdout).toContain('GET /a\\r::error::PWNED after a bare CR');
    expectInert(result);
    expectOwnErrorRead(result, 'deploy-ecs');
    // Outputs a later step may read hold no line break from the logs.
    for (const value of Object.values(result.outputs)) expect(value).not.toMatch(/[\r\n]/);
  });

  it('in the report of a one-off task that succeeds, and of one that fails', async () => {
    const OK = `${REGISTRY}/shop@${GOOD.split('@')[1]}`;
    h = await harness(
      scenario({
        behaviours: {
          [OK]: { healthyAfterSeconds: 5, runSeconds: 10, logLines: HOSTILE_LINES },
          [NEXT]: { exitCode: 3, exitAfterSeconds: 5, logLines: HOSTILE_LINES },
        },
      }),
    );
    const succeeded = await h.run({
      cluster: 'shop',
      service: 'web',
      'run-task': 'true',
      'task-definition': h.file('ok.json', taskDefinition(OK, { family: 'migrate' })),
    });
    expect(succeeded.exitCode).toBe(0);
    expect(succeeded.stdout).toContain('\\::warning::PWNED a fake annotation');
    expectInert(succeeded);

    const failed = await h.run({
      cluster: 'shop',
      service: 'web',
      'run-task': 'true',
      'task-definition': h.file('fail.json', taskDefinition(NEXT, { family: 'migrate' })),
    });
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toContain('   \\::stop-commands::t0k3n');
    expectInert(failed);
    expectOwnErrorRead(failed, 'deploy-ecs');
  });
});

describe('stopped reasons', () => {
  it('a pull error that carries commands is shown inert', async () => {
    h = await harness(
      scenario({
        behaviours: { [NEXT]: { pullError: 'denied\r::warning::PWNED\n  ::stop-commands::t0k3n' } },
      }),
    );
    const file = h.file('taskdef.json', taskDefinition(NEXT));
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': file,
      'timeout-minutes': '10',
    });
    expect(result.exitCode).toBe(1);
    expectInert(result);
    expectOwnErrorRead(result, 'deploy-ecs');
  });
});

describe('values from inputs that reach the log', () => {
  it("deploy-ecs: an alarm name valid for CloudWatch that looks like a command, and the operator's reason", async () => {
    h = await harness(scenario({ alarms: ['::warning::PWNED'] }));
    const result = await h.run({
      cluster: 'shop',
      service: 'web',
      'task-definition': 'web:1',
      alarms: '::warning::PWNED',
      reason: '::error::PWNED\n  ::stop-commands::t0k3n',
      'force-new-deployment': 'true',
    });
    expect(result.exitCode).toBe(0);
    expectInert(result);
  });

  it("render-taskdef: the `command` input's words", async () => {
    h = await harness(scenario());
    const file = h.file('td.json', taskDefinition(GOOD));
    const result = await runAction({
      action: 'render-taskdef',
      workspace: h.workspace,
      inputs: {
        'task-definition': file,
        'container-name': 'app',
        command: JSON.stringify(['sh', '-c', '::warning::PWNED', 'x\r::error::PWNED', '##[add-mask]PWNED']),
        'pin-digest': 'false',
      },
    });
    expect(result.exitCode).toBe(0);
    expectInert(result);
  });

  it("rollback: the operator's reason in a dry run", async () => {
    h = await harness(
      scenario({
        taskDefinitions: [taskDefinition(GOOD), taskDefinition(NEXT)],
      }),
    );
    const result = await runAction({
      action: 'rollback',
      workspace: h.workspace,
      inputs: {
        cluster: 'shop',
        service: 'web',
        to: 'web:2',
        'dry-run': 'true',
        reason: '::warning::PWNED\r  ::stop-commands::t0k3n\n##[add-mask]PWNED',
      },
      env: {
        AWS_ENDPOINT_URL: h.emulator.url,
        AWS_REGION: h.emulator.world.region,
        AWS_ACCESS_KEY_ID: 'AKIDTEST',
        AWS_SECRET_ACCESS_KEY: 'secret',
        BERTH_TIME_SCALE: String(h.emulator.world.clock.timeScale),
      },
    });
    expect(result.stdout).toContain('PWNED');
    expectInert(result);
  });
});
