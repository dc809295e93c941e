import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createClock } from '../src/clock.js';
import { startEmulator } from '../src/server.js';
import { decodeJwt } from '../src/sts/index.js';
import { clientConfig, rejection, useEmulator } from './helpers/emulator.js';

const SCENARIO = `
alarms: [web-5xx]
repositories:
  - name: web
    images:
      - tags: [v1]
`;

describe('control API over HTTP', () => {
  const emulator = useEmulator({ scenario: SCENARIO, seed: 5 });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${emulator().url}/_emulator/${path}`, {
      method,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  let ecr: ECRClient;
  beforeAll(() => {
    ecr = new ECRClient(clientConfig(emulator(), { maxAttempts: 1 }));
  });

  it('reports health and state with every module’s snapshot', async () => {
    expect((await call('GET', 'health')).body.ok).toBe(true);
    const { status, body } = await call('GET', 'state');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      region: 'us-east-1',
      accountId: '123456789012',
      seed: 5,
      timeScale: 1,
      alarms: { 'web-5xx': 'OK' },
    });
    expect(body.services.ecr.repositories[0]).toMatchObject({ name: 'web', images: [{ tags: ['v1'] }] });
    expect(body.services).toHaveProperty('sts');
    expect(body.services).toHaveProperty('logs');
  });

  it('seeds a scenario fragment (YAML) into the running emulator and explains a bad one', async () => {
    const seeded = await call(
      'POST',
      'seed',
      'repositories:\n  - name: api\n    images:\n      - tags: [v7]\n  - name: web\n    images:\n      - tags: [v2]\n',
    );
    expect(seeded.status).toBe(200);
    const api = await ecr.send(new DescribeImagesCommand({ repositoryName: 'api' }));
    expect(api.imageDetails?.[0].imageTags).toEqual(['v7']);
    const web = await ecr.send(
      new DescribeImagesCommand({ repositoryName: 'web', filter: { tagStatus: 'TAGGED' } }),
    );
    expect(web.imageDetails?.flatMap((detail) => detail.imageTags)).toEqual(
      expect.arrayContaining(['v1', 'v2']),
    );

    const bad = await call('POST', 'seed', { repositories: [{ name: 'x', imagez: [] }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('repositories[0].imagez: unknown key');
  });

  it('sets alarm states the ECS engine reads through the World', async () => {
    const set = await call('POST', 'alarm', { name: 'web-5xx', state: 'ALARM' });
    expect(set.body.alarms['web-5xx']).toBe('ALARM');
    expect(emulator().world.alarmState('web-5xx')).toBe('ALARM');
    expect(emulator().world.alarmState('never-declared')).toBe('OK');
    expect((await call('POST', 'alarm', { name: 'web-5xx', state: 'RED' })).status).toBe(400);
  });

  it('adds, lists and clears faults', async () => {
    const added = await call('POST', 'fault', {
      service: 'ecr',
      operation: 'DescribeRepositories',
      kind: 'server-error',
      count: 1,
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      id: expect.stringMatching(/^fault-/),
      kind: 'server-error',
      remaining: 1,
    });
    expect((await call('GET', 'faults')).body).toHaveLength(1);
    const error = await rejection(ecr.send(new DescribeRepositoriesCommand({})));
    expect(error.$metadata.httpStatusCode).toBe(500);
    await call('POST', 'fault', { kind: 'throttling' });
    await call('DELETE', 'faults');
    expect((await call('GET', 'faults')).body).toEqual([]);
    await expect(ecr.send(new DescribeRepositoriesCommand({}))).resolves.toBeDefined();
    expect((await call('POST', 'fault', { kind: 'nope' })).status).toBe(400);
  });

  it('advances emulated time', async () => {
    const before = emulator().control.now().getTime();
    const { body } = await call('POST', 'advance', { seconds: 3600 });
    const after = Date.parse(body.now);
    expect(after - before).toBeGreaterThanOrEqual(3_600_000);
    expect(after - before).toBeLessThan(3_660_000);
    expect((await call('POST', 'advance', { seconds: -1 })).status).toBe(400);
  });

  it('logs calls with service, operation, emulated and real time, status and error code; filters and clears', async () => {
    await call('DELETE', 'calls');
    await ecr.send(new DescribeRepositoriesCommand({}));
    await rejection(ecr.send(new DescribeImagesCommand({ repositoryName: 'missing' })));
    const { body } = await call('GET', 'calls?service=ecr');
    expect(body).toEqual([
      expect.objectContaining({
        service: 'ecr',
        operation: 'DescribeRepositories',
        status: 200,
        time: expect.any(String),
        realMs: expect.any(Number),
      }),
      expect.objectContaining({
        service: 'ecr',
        operation: 'DescribeImages',
        status: 400,
        errorCode: 'RepositoryNotFoundException',
      }),
    ]);
    expect(Date.parse(body[0].time)).toBeGreaterThan(0);
    expect((await call('GET', 'calls?operation=DescribeImages')).body).toHaveLength(1);
    expect((await call('GET', 'calls?failed=true')).body).toHaveLength(1);
    await call('DELETE', 'calls');
    expect((await call('GET', 'calls')).body).toEqual([]);
  });

  it('switches the service deployments API mode', async () => {
    const { body } = await call('POST', 'settings', { serviceDeploymentsApi: 'access-denied' });
    expect(body.serviceDeploymentsApi).toBe('access-denied');
    expect(emulator().world.serviceDeploymentsApi()).toBe('access-denied');
    expect((await call('POST', 'settings', { serviceDeploymentsApi: 'maybe' })).status).toBe(400);
  });

  it('serves GitHub-style OIDC tokens the emulator’s STS accepts', async () => {
    // @actions/core appends `&audience=…` to ACTIONS_ID_TOKEN_REQUEST_URL.
    const url = `${emulator().url}/_emulator/oidc/token?sub=repo:acme/shop:environment:prod&audience=sts.amazonaws.com`;
    const { value } = (await (await fetch(url)).json()) as { value: string };
    expect(decodeJwt(value)?.claims).toMatchObject({
      sub: 'repo:acme/shop:environment:prod',
      aud: 'sts.amazonaws.com',
    });
    const sts = new STSClient({ endpoint: emulator().url, region: 'us-east-1' });
    const assumed = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: 'arn:aws:iam::123456789012:role/x',
        RoleSessionName: 'oidc',
        WebIdentityToken: value,
      }),
    );
    expect(assumed.SubjectFromWebIdentityToken).toBe('repo:acme/shop:environment:prod');
  });

  it('resets to the scenario as loaded', async () => {
    await call('POST', 'fault', { kind: 'latency', latencyMs: 1 });
    await call('POST', 'reset');
    const { body } = await call('GET', 'state');
    expect(body.faults).toEqual([]);
    expect(body.alarms).toEqual({ 'web-5xx': 'OK' });
    expect(body.settings.serviceDeploymentsApi).toBe('enabled');
    expect(body.services.ecr.repositories.map((r: { name: string }) => r.name)).toEqual(['web']);
    expect(await rejection(ecr.send(new DescribeImagesCommand({ repositoryName: 'api' })))).toBeInstanceOf(
      RepositoryNotFoundException,
    );
    // Generated manifests come from the seed again: the same digest as before the reset.
    expect(body.services.ecr.repositories[0].images[0].digest).toBe(
      (await startAndRead(5)).services.ecr.repositories[0].images[0].digest,
    );
  });

  it('is found through AWS_ENDPOINT_URL by clients built without an endpoint', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: emulator().url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDFROMENV',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    try {
      const fromEnv = new ECRClient({});
      const { repositories } = await fromEnv.send(new DescribeRepositoriesCommand({}));
      expect(repositories?.map((r) => r.repositoryName)).toContain('web');
    } finally {
      for (const key of ['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });

  it('answers unknown control paths and non-AWS requests with 404, unknown operations with UnknownOperationException', async () => {
    expect((await call('GET', 'nope')).status).toBe(404);
    const root = await fetch(`${emulator().url}/`);
    expect(root.status).toBe(404);
    const unknown = await fetch(emulator().url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.MakeCoffee',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });
});

async function startAndRead(seed: number) {
  const other = await startEmulator({ scenario: SCENARIO, seed });
  try {
    return other.control.state() as any;
  } finally {
    await other.stop();
  }
}

describe('time', () => {
  it('runs emulated time timeScale times faster than real time', async () => {
    // The real clock is injected: 200 real milliseconds become exactly 20 emulated seconds.
    let real = 1_000;
    const clock = createClock({
      timeScale: 100,
      startMs: Date.parse('2025-01-01T00:00:00Z'),
      realNow: () => real,
    });
    const emulatedStart = clock.now();
    real += 200;
    expect(clock.now() - emulatedStart).toBe(200 * 100);
    clock.advance(5_000);
    expect(clock.now() - emulatedStart).toBe(200 * 100 + 5_000);
    // startEmulator gives its world a clock of the scale it was asked for.
    const emulator = await startEmulator({ timeScale: 100 });
    try {
      expect(emulator.control.state().timeScale).toBe(100);
      expect(emulator.world.clock.timeScale).toBe(100);
    } finally {
      await emulator.stop();
    }
  });

  it('starts at a fixed time when asked and makes generated ids repeatable with a seed', async () => {
    const a = await startEmulator({ startTime: '2025-01-01T00:00:00Z', seed: 9, scenario: SCENARIO });
    const b = await startEmulator({ startTime: '2025-01-01T00:00:00Z', seed: 9, scenario: SCENARIO });
    const c = await startEmulator({ startTime: '2025-01-01T00:00:00Z', seed: 10, scenario: SCENARIO });
    try {
      expect(a.control.now().getTime() - Date.parse('2025-01-01T00:00:00Z')).toBeLessThan(5_000);
      const digest = (emulator: typeof a) =>
        (emulator.control.state().services.ecr as any).repositories[0].images[0].digest;
      expect(digest(a)).toBe(digest(b));
      expect(digest(a)).not.toBe(digest(c));
      expect(a.world.random()).toBe(b.world.random());
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });
});
