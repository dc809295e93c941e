/**
 * GitHub Deployments: the request builders and the @actions/github calls,
 * checked against the stand-in, which validates every request and response
 * against GitHub's OpenAPI description (@octokit/openapi).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type GitHubStandIn, openApi, startGitHubStandIn, statusDescriptionLimit } from '@berth/testkit';
import { manualClock, recordingLogger } from '@berth/testkit/doubles.js';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DeploymentAnnouncer } from '../src/announce.js';
import type { DeploymentRecord } from '../src/deployment/record.js';
import {
  createDeploymentRequest,
  cut,
  deploymentPayload,
  digestsOf,
  githubWarning,
  isBerthPayloadFor,
  octokitDeploymentsApi,
  readGitHubDeploymentInputs,
  readGitHubHistory,
  stateOf,
  statusRequest,
} from '../src/github-deployment.js';
import { InputReader } from '../src/inputs.js';

const TOKEN = 'ghs_standInToken0123456789abcdefABCDEF';
const REPOSITORY = { owner: 'acme', repo: 'shop' };
const SHA = 'abc1234def5678900000000000000000000000ff';
const TD = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${n}`;
const IMAGE = (n: number) =>
  `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:${String(n).repeat(64)}`;

function record(overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    schema: 'berth.deployment-record/v1',
    kind: 'deploy',
    cluster: 'shop',
    service: 'web',
    region: 'us-east-1',
    from: { taskDefinitionArn: TD(1), images: { app: IMAGE(1) } },
    to: { taskDefinitionArn: TD(2), images: { app: IMAGE(2) } },
    strategy: 'ROLLING, 100–200 %',
    status: 'started',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:00.000Z',
    events: [],
    run: { runUrl: 'https://github.com/acme/shop/actions/runs/4242/attempts/1', actor: 'octocat', sha: SHA },
    ...overrides,
  };
}

let standIn: GitHubStandIn;
beforeAll(() => {
  openApi(); // load the 13 MB description once, outside any test's time
});
afterEach(async () => {
  await standIn?.stop();
});

async function start(permission: 'write' | 'read-only' = 'write') {
  standIn = await startGitHubStandIn({ token: TOKEN, permission });
  // The API base URL comes from GITHUB_API_URL, as on GitHub Enterprise Server.
  return octokitDeploymentsApi(TOKEN, REPOSITORY, { GITHUB_API_URL: standIn.url });
}

describe('the stand-in validates against the OpenAPI description', () => {
  it('accepts the request GitHub documents as its example, and flags requests GitHub would refuse', async () => {
    const api = await start();
    const spec =
      openApi().spec.paths['/repos/{owner}/{repo}/deployments'].post.requestBody.content['application/json'];
    const example = Object.values(spec.examples as Record<string, { value: Record<string, unknown> }>)[0]
      .value;
    await api.createDeployment(example as never);
    expect(standIn.problems).toEqual([]);
    // A status with a state GitHub does not know, and a description over the documented limit.
    await expect(
      api.createStatus(1000, {
        state: 'done' as never,
        description: 'x'.repeat(statusDescriptionLimit() + 1),
      }),
    ).rejects.toMatchObject({ status: 422 });
    expect(standIn.problems.join('\n')).toMatch(/state must be equal to one of the allowed values/);
    expect(standIn.problems.join('\n')).toMatch(/longer than 140 characters/);
  });
});

describe('the response check is live (a control)', () => {
  it('flags a deployment GitHub would never send: no id, a number for the sha, a state GitHub does not know', async () => {
    await start();
    const [valid] = await (async () => {
      const api = octokitDeploymentsApi(TOKEN, REPOSITORY, { GITHUB_API_URL: standIn.url });
      await api.createDeployment(
        createDeploymentRequest({ payload: deploymentPayload(record()), ref: SHA, environment: 'shop' }),
      );
      return standIn.deployments();
    })();
    const { statuses: _statuses, id: _id, ...withoutId } = valid;
    expect(openApi().check('/components/schemas/deployment', { ...withoutId, sha: 42 })).toEqual([
      "/ must have required property 'id'",
      '/sha must be string',
    ]);
    expect(openApi().check('/components/schemas/deployment-status/properties/state', 'done').join()).toMatch(
      /must be equal to one of the allowed values/,
    );
    expect(standIn.problems).toEqual([]);
  });
});

describe('request builders', () => {
  it('the deployment request: SHA, environment, no auto-merge, no required contexts, the record as payload', async () => {
    const api = await start();
    const payload = deploymentPayload(record());
    const request = createDeploymentRequest({ payload, ref: SHA, environment: 'staging' });
    expect(request).toMatchObject({
      ref: SHA,
      environment: 'staging',
      auto_merge: false,
      required_contexts: [],
      task: 'deploy',
      description: 'Deploy web in shop: web:1 → web:2',
    });
    expect(payload).toMatchObject({
      schema: 'berth.github-deployment/v1',
      from: { taskDefinitionArn: TD(1), digests: { app: `sha256:${'1'.repeat(64)}` } },
      to: { taskDefinitionArn: TD(2), digests: { app: `sha256:${'2'.repeat(64)}` } },
      strategy: 'ROLLING, 100–200 %',
    });
    const created = await api.createDeployment(request);
    expect(created.id).toBe(1000);
    expect(standIn.deployments()[0]).toMatchObject({
      environment: 'staging',
      sha: SHA,
      payload: JSON.parse(JSON.stringify(payload)),
    });
    expect(standIn.problems).toEqual([]);
  });

  it('statuses follow the outcome: in_progress, success with the environment URL, failure, error', () => {
    // GitHub's states (OpenAPI enum): error, failure, inactive, in_progress, queued, pending, success.
    expect(stateOf('succeeded')).toBe('success');
    expect(stateOf('rolled-back')).toBe('failure');
    expect(stateOf('failed')).toBe('failure');
    expect(stateOf('timed-out')).toBe('error');
    const url = 'https://shop.example.com';
    expect(statusRequest(record({ serviceDeploymentArn: 'arn:sd' }), url)).toEqual({
      state: 'in_progress',
      description: 'ECS deployment of web:2 started: arn:sd',
      log_url: 'https://github.com/acme/shop/actions/runs/4242/attempts/1',
    });
    expect(statusRequest(record({ status: 'succeeded' }), url)).toMatchObject({
      state: 'success',
      environment_url: url,
    });
    expect(statusRequest(record({ status: 'rolled-back', reason: 'circuit breaker' }), url)).toMatchObject({
      state: 'failure',
      description: 'Rolled back: circuit breaker',
    });
    expect(statusRequest(record({ status: 'timed-out' }), url)?.state).toBe('error');
    expect(statusRequest(record({ status: 'dry-run' }), url)).toBeUndefined();
  });

  it('cuts a long reason to the limit the OpenAPI description states', async () => {
    const api = await start();
    const limit = statusDescriptionLimit();
    expect(limit).toBe(140);
    const reason = `ECS deployment circuit breaker: tasks failed to start. ${'Essential container exited. '.repeat(10)}`;
    const request = statusRequest(record({ status: 'failed', reason }))!;
    expect(Array.from(request.description)).toHaveLength(limit);
    expect(request.description.endsWith('…')).toBe(true);
    expect(cut('short', limit)).toBe('short');
    const { id } = await api.createDeployment(
      createDeploymentRequest({ payload: deploymentPayload(record()), ref: SHA, environment: 'shop' }),
    );
    await api.createStatus(id!, request);
    expect(standIn.problems).toEqual([]);
  });

  it('digests only for images pinned by digest', () => {
    expect(digestsOf({ a: IMAGE(3), b: 'nginx:1.27', c: 'repo@sha256:abc' })).toEqual({
      a: `sha256:${'3'.repeat(64)}`,
      c: 'sha256:abc',
    });
  });
});

describe('inputs', () => {
  const reader = (values: Record<string, string>) => new InputReader((name) => values[name] ?? '');
  it('defaults: on, no environment (the cluster name is used), GitHub decides production/transient', () => {
    expect(readGitHubDeploymentInputs(reader({}))).toEqual({
      enabled: true,
      token: undefined,
      environment: undefined,
      environmentUrl: undefined,
      productionEnvironment: undefined,
      transientEnvironment: undefined,
    });
  });
  it('refuses an environment URL that is not http(s), naming the input', () => {
    expect(() => readGitHubDeploymentInputs(reader({ 'environment-url': 'shop.example.com' }))).toThrow(
      /Input `environment-url` must be an http\(s\) URL, got "shop.example.com"/,
    );
    expect(() => readGitHubDeploymentInputs(reader({ 'github-deployment': 'yes' }))).toThrow(
      /Input `github-deployment` must be `true` or `false`/,
    );
  });
});

describe('errors are warnings that say what to do', () => {
  it('a token without deployments: write: 403, the warning names the permission', async () => {
    const api = await start('read-only');
    const error = await api
      .createDeployment(
        createDeploymentRequest({ payload: deploymentPayload(record()), ref: SHA, environment: 'shop' }),
      )
      .catch((e: unknown) => e);
    const warning = githubWarning('create the deployment', error, 'deployments: write');
    expect(warning).toMatch(/403 Resource not accessible by integration/);
    expect(warning).toContain('`permissions: deployments: write`');
    expect(warning).not.toContain(TOKEN);
    expect(standIn.problems).toEqual([]);
  });
});

describe('a GitHub that never answers', () => {
  it('each call gives up after its timeout, and the warning says so', async () => {
    const hanging: ServerResponse[] = [];
    const server = createServer((_request, response) => hanging.push(response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const api = octokitDeploymentsApi(TOKEN, REPOSITORY, { GITHUB_API_URL: url }, 200);
      const error = await api
        .createDeployment(
          createDeploymentRequest({ payload: deploymentPayload(record()), ref: SHA, environment: 'x' }),
        )
        .catch((e: unknown) => e);
      expect(githubWarning('create the deployment', error, 'deployments: write')).toBe(
        'GitHub deployments: could not create the deployment (no answer in time). The deploy itself goes on.',
      );
      expect(hanging).toHaveLength(1);
    } finally {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('DeploymentAnnouncer against the stand-in', () => {
  it('creates the deployment, then in_progress, then success; masks the token first', async () => {
    await start();
    const logger = recordingLogger();
    const secrets: string[] = [];
    const announcer = new DeploymentAnnouncer({
      github: { enabled: true, token: TOKEN, environmentUrl: 'https://shop.example.com' },
      notify: { format: 'slack' },
      cluster: 'arn:aws:ecs:us-east-1:123456789012:cluster/shop',
      env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_SHA: SHA, GITHUB_API_URL: standIn.url },
      logger,
      clock: manualClock(),
      setSecret: (s) => secrets.push(s),
    });
    expect(secrets).toEqual([TOKEN]);
    expect(announcer.environment).toBe('shop');
    await announcer.begin(record());
    await announcer.started(record({ deploymentId: 'ecs-svc/1' }));
    await announcer.finished(record({ status: 'succeeded' }));
    const [deployment] = standIn.deployments('shop');
    expect(standIn.states(deployment.id)).toEqual(['in_progress', 'success']);
    expect(deployment.statuses[1]).toMatchObject({ environment_url: 'https://shop.example.com' });
    expect(deployment.statuses[0]).toMatchObject({
      log_url: 'https://github.com/acme/shop/actions/runs/4242/attempts/1',
    });
    expect(standIn.problems).toEqual([]);
    expect(logger.text()).not.toContain(TOKEN);
  });

  it('following broke off (an AWS error): error, with the cause, as Berth cannot tell how it ends', async () => {
    await start();
    const announcer = new DeploymentAnnouncer({
      github: { enabled: true, token: TOKEN },
      notify: { format: 'slack' },
      cluster: 'shop',
      env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_SHA: SHA, GITHUB_API_URL: standIn.url },
      logger: recordingLogger(),
      clock: manualClock(),
      setSecret: () => {},
    });
    await announcer.begin(record());
    await announcer.started(record());
    await announcer.lost(
      new Error('AccessDeniedException: not authorized to perform ecs:DescribeServices'),
      record(),
    );
    const [deployment] = standIn.deployments('shop');
    expect(standIn.states(deployment.id)).toEqual(['in_progress', 'error']);
    expect(deployment.statuses[1].description).toBe(
      'Berth could not follow the deployment: AccessDeniedException: not authorized to perform ecs:DescribeServices',
    );
    expect(standIn.problems).toEqual([]);
  });

  it('403 on create: one warning, no status calls, nothing thrown', async () => {
    await start('read-only');
    const logger = recordingLogger();
    const announcer = new DeploymentAnnouncer({
      github: { enabled: true, token: TOKEN },
      notify: { format: 'slack' },
      cluster: 'shop',
      env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_SHA: SHA, GITHUB_API_URL: standIn.url },
      logger,
      clock: manualClock(),
      setSecret: () => {},
    });
    await announcer.begin(record());
    await announcer.started(record());
    await announcer.finished(record({ status: 'failed', reason: 'boom' }));
    expect(logger.lines.filter((l) => l.startsWith('warning:'))).toHaveLength(1);
    expect(standIn.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 403']);
  });

  it('no token or github-deployment: false: no call at all', async () => {
    await start();
    for (const github of [{ enabled: true }, { enabled: false, token: TOKEN }]) {
      const announcer = new DeploymentAnnouncer({
        github,
        notify: { format: 'slack' },
        cluster: 'shop',
        env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_SHA: SHA, GITHUB_API_URL: standIn.url },
        logger: recordingLogger(),
        clock: manualClock(),
        setSecret: () => {},
      });
      await announcer.begin(record());
      await announcer.finished(record({ status: 'succeeded' }));
      expect(announcer.api).toBeUndefined();
    }
    expect(standIn.requests).toEqual([]);
  });
});

describe('history read back from GitHub', () => {
  it('lists Berth deployments of this service in the environment, newest first, with their states', async () => {
    const api = await start();
    const payload = (n: number, service = 'web') =>
      deploymentPayload(record({ service, to: { taskDefinitionArn: TD(n), images: { app: IMAGE(n) } } }));
    standIn.seed({ environment: 'shop', sha: SHA, payload: payload(1), states: ['in_progress', 'success'] });
    standIn.seed({ environment: 'shop', sha: SHA, payload: payload(9, 'api'), states: ['success'] });
    standIn.seed({ environment: 'other', sha: SHA, payload: payload(7), states: ['success'] });
    standIn.seed({ environment: 'shop', sha: SHA, payload: { deployed: 'by hand' }, states: ['success'] });
    standIn.seed({ environment: 'shop', sha: SHA, payload: payload(2), states: ['in_progress', 'failure'] });
    const history = await readGitHubHistory(api, 'shop', 'shop', 'web');
    expect(history.map((d) => [d.payload.to.taskDefinitionArn, d.states])).toEqual([
      [TD(2), ['failure', 'in_progress']],
      [TD(1), ['success', 'in_progress']],
    ]);
    expect(isBerthPayloadFor({ schema: 'x' }, 'shop', 'web')).toBe(false);
    expect(standIn.problems).toEqual([]);
  });
});
