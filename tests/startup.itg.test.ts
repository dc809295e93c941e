/**
 * Start-up (issue 15): a step refused for its inputs exits before any AWS SDK
 * code loads. Each action's bundled dist is run as the runner runs it, under a
 * preload that logs every module Node loads (packages/testkit/module-log.mjs),
 * and the chunks it loaded are read: none may hold an AWS client. An AWS chunk
 * is told by the service's wire-protocol id, which every client carries
 * (ECS `AmazonEC2ContainerServiceV20141113`, ECR `AmazonEC2ContainerRegistry_V20150921`,
 * STS `AWSSecurityTokenServiceV20110615`, Logs `Logs_20140328`, CodeDeploy
 * `CodeDeploy_20141006`: the `X-Amz-Target` prefixes and the STS API version
 * of the AWS API references), so the check does not trust Berth's own names.
 * No timing is asserted: the bench (scripts/bench-deploy.ts) measures it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { REPO_ROOT, runAction } from '@berth/testkit/action-runner.js';
import { afterAll, describe, expect, it } from '@jest/globals';

const ACTIONS = ['aws-auth', 'build-push', 'deploy-ecs', 'render-taskdef', 'rollback', 'scan-gate'] as const;
const MODULE_LOG = pathToFileURL(join(REPO_ROOT, 'packages', 'testkit', 'module-log.mjs')).href;
const AWS_SERVICE_IDS = [
  'AmazonEC2ContainerServiceV20141113',
  'AmazonEC2ContainerRegistry_V20150921',
  'AWSSecurityTokenServiceV20110615',
  'Logs_20140328',
  'CodeDeploy_20141006',
];

const base = mkdtempSync(join(tmpdir(), 'berth-startup-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** The AWS services a bundle file's code speaks to (empty for a file with no AWS client). */
function awsServicesIn(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return AWS_SERVICE_IDS.filter((id) => text.includes(id));
}

/** Runs the action's dist; returns the result and the files of its dist that Node loaded. */
async function runLogged(
  action: (typeof ACTIONS)[number],
  inputs: Record<string, string>,
  files: Record<string, string> = {},
) {
  const workspace = mkdtempSync(join(base, `${action}-`));
  for (const [path, content] of Object.entries(files)) writeFileSync(join(workspace, path), content);
  const log = join(workspace, 'modules.log');
  writeFileSync(log, '');
  const result = await runAction({
    action,
    inputs,
    workspace,
    nodeArgs: ['--import', MODULE_LOG],
    env: { AWS_REGION: 'us-east-1', BERTH_MODULE_LOG: log },
    iam: false,
  });
  const dist = join(REPO_ROOT, 'actions', action, 'dist');
  const loaded = readFileSync(log, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file:'))
    .map((url) => fileURLToPath(url))
    .filter((path) => path.startsWith(`${dist}/`));
  const errors = result.annotations.filter((a) => a.level === 'error').map((a) => a.message);
  return { result, loaded, errors };
}

describe('the AWS SDK loads only after the inputs are checked', () => {
  it.each(ACTIONS)('%s: the bundle entry holds no AWS client', (action) => {
    expect(awsServicesIn(join(REPO_ROOT, 'actions', action, 'dist', 'index.js'))).toEqual([]);
  });

  it.each(ACTIONS)('%s with no inputs fails on a required input having loaded no chunk', async (action) => {
    const { result, loaded, errors } = await runLogged(action, {});
    expect(result.exitCode).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^${action}: .*\`[a-z-]+\``));
    // The log saw the entry itself: the preload worked, so an empty list below means something.
    expect(loaded.map((path) => basename(path))).toEqual(['index.js']);
  });

  // Input files that are wrong: each is read, and refused, by a chunk of its own (the YAML parser's).
  const BAD_FILES: [
    string,
    (typeof ACTIONS)[number],
    Record<string, string>,
    Record<string, string>,
    string,
  ][] = [
    [
      'deploy-ecs: a task definition without a container image',
      'deploy-ecs',
      { cluster: 'shop', service: 'web', 'task-definition': 'td.json' },
      // RegisterTaskDefinition requires `image` (ContainerDefinition, ECS API reference).
      { 'td.json': JSON.stringify({ family: 'web', containerDefinitions: [{ name: 'app', memory: 128 }] }) },
      'task-definition',
    ],
    [
      'render-taskdef: a task definition that is not JSON',
      'render-taskdef',
      { 'task-definition': 'td.json', 'container-name': 'app', image: 'nginx:1.27' },
      { 'td.json': '{ "family": "web", "containerDefinitions": [ ' },
      'task-definition',
    ],
    [
      'scan-gate: an allowlist that is not YAML',
      'scan-gate',
      { repository: 'shop', 'image-tag': 'v1', allowlist: 'allow.yml' },
      { 'allow.yml': 'exceptions: [ {id: CVE-2024-0001' },
      'allowlist',
    ],
  ];

  it.each(BAD_FILES)(
    '%s is refused without loading an AWS client',
    async (_, action, inputs, files, input) => {
      const { result, loaded, errors } = await runLogged(action, inputs, files);
      expect(result.exitCode).toBe(1);
      expect(errors.join('\n')).toContain(`\`${input}\``);
      // Chunks did load (the file's reader), so the check below has something to look at.
      expect(loaded.length).toBeGreaterThan(1);
      expect(loaded.flatMap(awsServicesIn)).toEqual([]);
    },
  );
});
