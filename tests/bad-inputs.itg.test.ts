/**
 * The bad-input corpus (tests/bad-inputs.cases.ts) run through each action's
 * bundled dist as the runner runs it, against the emulator. For every case:
 * exit code 1; an error annotation that names the input; no AWS call that
 * changes anything; no stack trace; no workflow command parsed from the
 * hostile text (read with the runner's own syntax, CR included); and no
 * secret from a file or the environment outside the workspace.
 */

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type RunningEmulator, startEmulator } from '@berth/emulator';
import { injectedCommands, parseWorkflowCommands } from '@berth/testkit';
import { type ActionResult, emulatorEnv, runAction } from '@berth/testkit/action-runner.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type ActionName,
  type BadInputCase,
  CASES,
  ENV_SECRET,
  FILE_SECRET,
  taskDef,
} from './bad-inputs.cases.js';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

let emulator: RunningEmulator;
let base: string;

beforeAll(async () => {
  emulator = await startEmulator({
    scenario: {
      region: REGION,
      accountId: ACCOUNT,
      clusters: ['shop'],
      taskDefinitions: [taskDef()],
      services: [
        {
          cluster: 'shop',
          serviceName: 'web',
          taskDefinition: 'web:1',
          desiredCount: 1,
          launchType: 'FARGATE',
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: ['subnet-0123456789abcdef0'],
              securityGroups: ['sg-0123456789abcdef0'],
            },
          },
        },
      ],
      repositories: [{ name: 'shop', images: [{ tags: ['v1'] }] }],
    },
    timeScale: 60,
  });
  base = mkdtempSync(join(tmpdir(), 'berth-bad-inputs-'));
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'secret.txt'), `${FILE_SECRET}\n::warning::PWNED\n`);
});

afterAll(async () => {
  await emulator?.stop();
  if (base) rmSync(base, { recursive: true, force: true });
});

/** Calls that only read (the documented Describe/List/Get/BatchGet families) and STS's identity calls. */
const READ_ONLY = /^(Describe|List|Get|BatchGet|BatchCheck|AssumeRole)/;

function workspaceFor(testCase: BadInputCase, index: number): string {
  const workspace = join(base, `ws-${index}`);
  mkdirSync(workspace, { recursive: true });
  for (const [path, content] of Object.entries(testCase.files ?? {})) {
    const full = join(workspace, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  for (const [path, target] of Object.entries(testCase.links ?? {})) {
    symlinkSync(target.replace(/^@outside/, join(base, 'outside')), join(workspace, path));
  }
  return workspace;
}

/** Node's stack frames (`    at fn (file.js:1:2)`), which only a bug should print. */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

function everythingPrinted(result: ActionResult): string {
  return [result.stdout, result.stderr, result.summary, JSON.stringify(result.outputs)].join('\n');
}

const byAction = new Map<ActionName, number>();
for (const c of CASES) byAction.set(c.action, (byAction.get(c.action) ?? 0) + 1);

describe('the bad-input corpus', () => {
  it('has at least 60 cases across all six actions', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect([...byAction.keys()].sort()).toEqual(
      ['aws-auth', 'build-push', 'deploy-ecs', 'render-taskdef', 'rollback', 'scan-gate'].sort(),
    );
    expect(new Set(CASES.map((c) => `${c.action}: ${c.name}`)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c, index) => [`${c.action}: ${c.name}`, c, index] as const))(
    '%s',
    async (_title, testCase, index) => {
      emulator.control.clearCalls();
      const result = await runAction({
        action: testCase.action,
        inputs: testCase.inputs,
        workspace: workspaceFor(testCase, index),
        env: emulatorEnv(emulator, { BERTH_TEST_SECRET: ENV_SECRET }),
        timeoutMs: 60_000,
      });

      expect(result.exitCode).toBe(1);
      const errors = result.annotations.filter((a) => a.level === 'error').map((a) => a.message);
      expect(errors.length).toBeGreaterThanOrEqual(1);
      const error = errors.find((message) => message.startsWith(`${testCase.action}: `)) ?? errors[0];
      expect(error).toContain(`\`${testCase.input}\``);
      expect(error).toMatch(testCase.message);

      const writes = emulator.control.calls().filter((call) => !READ_ONLY.test(call.operation));
      expect(writes.map((call) => call.operation)).toEqual([]);

      expect(`${result.stdout}\n${result.stderr}`).not.toMatch(STACK_FRAME);
      expect(injectedCommands(result.stdout, 'PWNED')).toEqual([]);
      // Berth's own failure is still read by the runner: nothing silenced it.
      expect(parseWorkflowCommands(result.stdout).some((c) => c.command === 'error')).toBe(true);

      const printed = everythingPrinted(result);
      expect(printed).not.toContain(ENV_SECRET);
      expect(printed).not.toContain(FILE_SECRET);
    },
  );
});
