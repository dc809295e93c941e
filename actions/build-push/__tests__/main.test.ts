/**
 * The wiring in main.ts on the shared effects (defaultEffects) with the
 * observable ones replaced: ECR/STS mocked at the SDK (aws-sdk-client-mock, so
 * the real client factories and input checks run), a scripted exec standing
 * in for buildah/docker, real temp files. Checks which path runs, which calls happen (and which must not),
 * and the outputs.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  PutImageCommand,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { defaultEffects } from '@berth/shared/effects';
import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { loadActionManifest } from '@berth/testkit/action-manifest.js';
import { manualClock, recordingLogger } from '@berth/testkit/doubles.js';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { ACTION_NAME, type Effects, main } from '../src/main.js';
import { fakeExec, recordingTempFiles, removeTempFolders, tempFolder } from './helpers/fakes.js';

const ecrMock = mockClient(ECRClient);
const stsMock = mockClient(STSClient);

const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const PASSWORD = 'ecr-password-very-secret';
const manifestOf = (name: string) =>
  `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:${createHash('sha256').update(name).digest('hex')}","size":2},"layers":[]}`;
const digestOf = (manifest: string) => `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
const BUILT = manifestOf('built');
const OLD = manifestOf('old');

/** A registry in memory: tag → manifest, as BatchGetImage/PutImage see it. */
let images: Map<string, string>;
let repository: Record<string, unknown>;

function store(tag: string, manifest: string) {
  images.set(tag, manifest);
}

beforeEach(() => {
  images = new Map();
  repository = { repositoryName: 'shop', imageTagMutability: 'MUTABLE' };
  ecrMock.reset();
  stsMock.reset();
  stsMock.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  ecrMock.on(DescribeRepositoriesCommand).callsFake(() => ({ repositories: [repository] }));
  ecrMock.on(GetAuthorizationTokenCommand).resolves({
    authorizationData: [{ authorizationToken: Buffer.from(`AWS:${PASSWORD}`).toString('base64') }],
  });
  ecrMock
    .on(BatchGetImageCommand)
    .callsFake((input: { imageIds: Array<{ imageTag?: string; imageDigest?: string }> }) => {
      const found: unknown[] = [];
      const failures: unknown[] = [];
      for (const id of input.imageIds) {
        const manifest = id.imageTag
          ? images.get(id.imageTag)
          : [...images.values()].find((m) => digestOf(m) === id.imageDigest);
        if (manifest)
          found.push({
            imageId: { ...id, imageDigest: digestOf(manifest) },
            imageManifest: manifest,
            imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
          });
        else failures.push({ imageId: id, failureCode: 'ImageNotFound' });
      }
      return { images: found, failures };
    });
  ecrMock.on(PutImageCommand).callsFake((input: { imageTag: string; imageManifest: string }) => {
    store(input.imageTag, input.imageManifest);
    return { image: {} };
  });
  ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageSizeInBytes: 4096 }] });
});

const manifest = loadActionManifest('build-push');

afterAll(removeTempFolders);

function setup(
  inputs: Record<string, string>,
  options: { env?: Record<string, string>; machine?: 'buildah' | 'none' } = {},
) {
  const workspace = tempFolder('berth-bp-main-');
  writeFileSync(join(workspace, 'Containerfile'), 'FROM scratch\nCOPY hello.txt /\n');
  writeFileSync(join(workspace, 'hello.txt'), 'hello\n');
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(manifest.inputs))
    if (spec.default !== undefined) values[name] = String(spec.default);
  Object.assign(values, { 'aws-region': 'eu-west-1', cache: 'none' }, inputs);
  const exec = fakeExec(({ command, args }) => {
    if (command === 'docker') return { exitCode: 1, stderr: 'Cannot connect to the Docker daemon' };
    if (command === 'podman' || options.machine === 'none') return { exitCode: 127 };
    if (args[0] === '--version') return { stdout: 'buildah version 1.28.2' };
    if (args[0] === 'push') {
      writeFileSync(args[args.indexOf('--digestfile') + 1], digestOf(BUILT));
      store(args.at(-1)!.replace(/^.*:/, ''), BUILT);
    }
    return undefined;
  });
  const outputs: Record<string, string> = {};
  const secrets: string[] = [];
  const logger = recordingLogger();
  const env: NodeJS.ProcessEnv = {
    GITHUB_SHA: 'abc1234def5678900000000000000000000000ff',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_NUMBER: '17',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKSPACE: workspace,
    RUNNER_ENVIRONMENT: 'github-hosted',
    ...options.env,
  };
  const clock = manualClock(Date.UTC(2024, 0, 15, 14, 30));
  const tempFiles = recordingTempFiles();
  const effects: Effects = {
    ...defaultEffects(ACTION_NAME, env),
    inputs: new InputReader((name) => values[name] ?? ''),
    files: { workspace, temp: workspace },
    exec,
    tempFiles,
    clock,
    wallClock: clock,
    logger,
    setSecret: (secret) => secrets.push(secret),
    setOutput: (name, value) => {
      outputs[name] = value;
    },
    exportVariable: () => {},
    summary: async () => {},
  };
  return { effects, exec, outputs, secrets, logger };
}

const puts = () => ecrMock.commandCalls(PutImageCommand).map((call) => call.args[0].input.imageTag);
const commands = (exec: ReturnType<typeof fakeExec>) =>
  exec.calls.map((c) => [c.command, ...c.args].join(' '));

describe('build and push', () => {
  it('builds with buildah, pushes the first tag, adds the second through PutImage, and outputs the digest', async () => {
    const { effects, exec, outputs, secrets } = setup({
      repository: 'shop',
      tags: 'sha-{short_sha}\nbuild-{run_number}',
      file: 'Containerfile',
    });
    const result = await main(effects);

    expect(result.mode).toBe('build');
    expect(outputs).toEqual({
      image: `${REGISTRY}/shop`,
      digest: digestOf(BUILT),
      'image-uri': `${REGISTRY}/shop@${digestOf(BUILT)}`,
      tags: 'sha-abc1234\nbuild-17',
      skipped: 'false',
      registry: REGISTRY,
      builder: 'buildah',
      version: 'sha-abc1234',
      labels: [
        'org.opencontainers.image.title=shop',
        'org.opencontainers.image.url=https://github.com/acme/shop',
        'org.opencontainers.image.source=https://github.com/acme/shop',
        'org.opencontainers.image.revision=abc1234def5678900000000000000000000000ff',
        'org.opencontainers.image.created=2024-01-15T14:30:00.000Z',
        'org.opencontainers.image.version=sha-abc1234',
      ].join('\n'),
      annotations: '',
      json: expect.any(String),
      'docker-config': '',
    });
    // metadata-action's `json` shape: full references, bare names, labels as an object.
    expect(JSON.parse(outputs.json)).toMatchObject({
      tags: [`${REGISTRY}/shop:sha-abc1234`, `${REGISTRY}/shop:build-17`],
      'tag-names': ['sha-abc1234', 'build-17'],
      labels: { 'org.opencontainers.image.title': 'shop', 'org.opencontainers.image.version': 'sha-abc1234' },
      annotations: [],
    });
    expect(commands(exec)).toEqual([
      'docker info --format {{.ServerVersion}}',
      'buildah --version',
      `buildah login --username AWS --password-stdin ${REGISTRY}`,
      expect.stringMatching(
        /^buildah build --file Containerfile --label org\.opencontainers\.image\.title=shop --label org\.opencontainers\.image\.url=https:\/\/github\.com\/acme\/shop --label org\.opencontainers\.image\.source=https:\/\/github\.com\/acme\/shop --label org\.opencontainers\.image\.revision=abc1234def.* --label org\.opencontainers\.image\.created=2024-01-15T14:30:00\.000Z --label org\.opencontainers\.image\.version=sha-abc1234 --tag .*:sha-abc1234 --tag .*:build-17 \.$/,
      ),
      expect.stringMatching(
        /^buildah push --digestfile .* 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/shop:sha-abc1234 docker:\/\//,
      ),
    ]);
    expect(exec.calls[2].options.input).toBe(PASSWORD);
    expect(secrets).toContain(PASSWORD);
    expect(puts()).toEqual(['build-17']);
    expect(images.get('build-17')).toBe(BUILT);
    expect(result.sizeBytes).toBe(4096);
  });

  it('logs out afterwards on a self-hosted runner, even when the build fails', async () => {
    const { effects, exec } = setup({ repository: 'shop' }, { env: { RUNNER_ENVIRONMENT: 'self-hosted' } });
    const failing = effects.exec!;
    effects.exec = async (command, args, options) =>
      args[0] === 'build' ? { exitCode: 1, stdout: '', stderr: 'boom' } : failing(command, args, options);
    await expect(main(effects)).rejects.toThrow(/`buildah build` failed/);
    expect(commands(exec).at(-1)).toBe(`buildah logout ${REGISTRY}`);
  });

  it('masks build secrets before anything runs', async () => {
    const { effects, secrets } = setup({ repository: 'shop', secrets: 'npm=tok-123' });
    await main(effects);
    expect(secrets[0]).toBe('tok-123');
  });

  it('uses the registry of the account from GetCallerIdentity, or the registry input', async () => {
    stsMock.on(GetCallerIdentityCommand).resolves({ Account: '210987654321' });
    const first = setup({ repository: 'shop' });
    await main(first.effects);
    expect(first.outputs.registry).toBe('210987654321.dkr.ecr.eu-west-1.amazonaws.com');
    expect(ecrMock.commandCalls(DescribeRepositoriesCommand)[0].args[0].input.registryId).toBe(
      '210987654321',
    );

    stsMock.reset();
    const second = setup({ repository: 'shop', registry: '111122223333.dkr.ecr.eu-west-1.amazonaws.com' });
    await main(second.effects);
    expect(second.outputs.registry).toBe('111122223333.dkr.ecr.eu-west-1.amazonaws.com');
    expect(stsMock.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
  });

  it('talks plain HTTP to a loopback registry', async () => {
    const { effects, exec } = setup({ repository: 'shop', registry: '127.0.0.1:5000' });
    await main(effects);
    expect(exec.calls.filter((c) => c.args.includes('--tls-verify=false')).map((c) => c.args[0])).toEqual([
      'login',
      'build',
      'push',
    ]);
    expect(ecrMock.commandCalls(DescribeRepositoriesCommand)[0].args[0].input.registryId).toBeUndefined();
  });

  it('builds without pushing: no repository calls, no digest', async () => {
    const { effects, outputs } = setup({ repository: 'shop', push: 'false' });
    const result = await main(effects);
    expect(result.mode).toBe('build-only');
    expect(outputs.digest).toBe('');
    expect(outputs['image-uri']).toBe('');
    expect(ecrMock.commandCalls(DescribeRepositoriesCommand)).toHaveLength(0);
    expect(puts()).toEqual([]);
  });
});

describe('push: false without AWS access', () => {
  it('still builds, named after the registry input or localhost, without a login', async () => {
    const { effects, exec, outputs, logger } = setup({ repository: 'shop', push: 'false', 'aws-region': '' });
    await main(effects);
    expect(outputs).toMatchObject({ image: 'localhost/shop', digest: '', builder: 'buildah' });
    expect(commands(exec).some((c) => c.includes('login'))).toBe(false);
    expect(commands(exec).at(-1)).toMatch(/^buildah build .*--tag localhost\/shop:sha-abc1234 \.$/);
    expect(logger.text()).toMatch(/No AWS access \(No AWS region.*push is false/);
  });

  it('a malformed AWS input is still an error with push: false', async () => {
    const { effects, exec } = setup({ repository: 'shop', push: 'false', 'role-to-assume': 'not-an-arn' });
    await expect(main(effects)).rejects.toThrow(/role-to-assume/);
    expect(commands(exec).some((c) => c.startsWith('buildah build'))).toBe(false);
  });

  it('with push: true the same failure is fatal', async () => {
    const { effects, exec } = setup({ repository: 'shop', 'aws-region': '' });
    await expect(main(effects)).rejects.toThrow(/No AWS region/);
    expect(exec.calls).toHaveLength(0);
  });
});

describe('build once (skip-if-exists)', () => {
  it('reuses the image of the first tag, adds the missing tags, and runs no builder', async () => {
    store('sha-abc1234', OLD);
    const { effects, exec, outputs, logger } = setup({
      repository: 'shop',
      tags: 'sha-{short_sha}\nbuild-{run_number}',
    });
    await main(effects);
    expect(exec.calls).toHaveLength(0);
    expect(outputs).toMatchObject({
      skipped: 'true',
      digest: digestOf(OLD),
      builder: 'none',
      tags: 'sha-abc1234\nbuild-17',
    });
    expect(puts()).toEqual(['build-17']);
    expect(logger.text()).toMatch(/already exists .*not building it again/);
  });

  it('builds anyway with skip-if-exists: false (mutable repository)', async () => {
    store('sha-abc1234', OLD);
    const { effects, outputs } = setup({ repository: 'shop', 'skip-if-exists': 'false' });
    await main(effects);
    expect(outputs).toMatchObject({ skipped: 'false', digest: digestOf(BUILT), builder: 'buildah' });
  });
});

describe('immutable repositories', () => {
  beforeEach(() => {
    repository = {
      repositoryName: 'shop',
      imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'dev*' }],
    };
  });

  it('refuses before building when an existing immutable tag would have to move', async () => {
    store('v1', OLD);
    const { effects, exec } = setup({ repository: 'shop', tags: 'sha-{short_sha}\nv1' });
    const error = await main(effects).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      new RegExp(`tag \`v1\` points at ${digestOf(OLD)} and cannot be moved to the image this run builds`),
    );
    expect(exec.calls).toHaveLength(0);
    expect(puts()).toEqual([]);
  });

  it('refuses a reused image naming both digests, before any PutImage', async () => {
    store('sha-abc1234', BUILT);
    store('v1', OLD);
    const { effects } = setup({ repository: 'shop', tags: 'sha-{short_sha}\nbuild-{run_number}\nv1' });
    const error = await main(effects).catch((e: unknown) => e);
    expect((error as Error).message).toContain(
      `\`v1\` points at ${digestOf(OLD)} and cannot be moved to ${digestOf(BUILT)}`,
    );
    expect(puts()).toEqual([]);
  });

  it('moves a tag an exclusion filter allows to move', async () => {
    store('sha-abc1234', BUILT);
    store('dev', OLD);
    const { effects, outputs, logger } = setup({ repository: 'shop', tags: 'sha-{short_sha}\ndev' });
    const result = await main(effects);
    expect(puts()).toEqual(['dev']);
    expect(images.get('dev')).toBe(BUILT);
    expect(result.tagOutcomes).toEqual([
      { tag: 'sha-abc1234', outcome: 'kept' },
      { tag: 'dev', outcome: 'moved' },
    ]);
    expect(outputs.skipped).toBe('true');
    expect(logger.text()).toMatch(/dev: moves from sha256:.*exclusion filter `dev\*`/);
  });
});

describe('promotion (source)', () => {
  it('re-tags the source digest without a builder and keeps tags already on it', async () => {
    store('sha-abc1234', BUILT);
    store('staging', BUILT);
    const { effects, exec, outputs } = setup({
      repository: 'shop',
      source: digestOf(BUILT),
      tags: 'staging\nv{version}',
      version: '1.2.3',
    });
    const result = await main(effects);
    expect(exec.calls).toHaveLength(0);
    expect(puts()).toEqual(['v1.2.3']);
    expect(ecrMock.commandCalls(PutImageCommand)[0].args[0].input.imageManifest).toBe(BUILT);
    expect(result.tagOutcomes).toEqual([
      { tag: 'staging', outcome: 'kept' },
      { tag: 'v1.2.3', outcome: 'created' },
    ]);
    expect(outputs).toMatchObject({ digest: digestOf(BUILT), skipped: 'true', builder: 'none' });
  });

  it('wait-minutes with empty tags waits for the digest to arrive (replication), then writes nothing', async () => {
    let looks = 0;
    ecrMock.on(DescribeImagesCommand).callsFake(() => {
      looks += 1;
      if (looks < 3) throw Object.assign(new Error('not there yet'), { name: 'ImageNotFoundException' });
      store('replicated', BUILT);
      return { imageDetails: [{ imageDigest: digestOf(BUILT), imageSizeInBytes: 4096 }] };
    });
    const { effects, exec, logger, outputs } = setup({
      repository: 'shop',
      source: digestOf(BUILT),
      tags: '',
      'wait-minutes': '5',
    });
    const result = await main(effects);
    expect(exec.calls).toHaveLength(0);
    expect(puts()).toEqual([]);
    expect(result.tagOutcomes).toEqual([]);
    expect(logger.lines.filter((line) => line.includes('Waiting for'))).toHaveLength(2);
    expect(logger.text()).toContain(`${digestOf(BUILT)} arrived in ${REGISTRY}/shop (eu-west-1) after 20 s.`);
    expect(outputs).toMatchObject({ digest: digestOf(BUILT), skipped: 'true' });
  });

  it('a source that does not exist is a clear error and nothing is written', async () => {
    const { effects } = setup({ repository: 'shop', source: 'sha-0000000', tags: 'prod' });
    await expect(main(effects)).rejects.toThrow(
      /Input `source`: image `sha-0000000` not found in repository `shop`/,
    );
    expect(puts()).toEqual([]);
  });

  it('refuses push: false with a source', async () => {
    const { effects } = setup({ repository: 'shop', source: 'sha-abc1234', push: 'false' });
    await expect(main(effects)).rejects.toThrow(/`push` is `false` but `source`/);
    expect(ecrMock.calls()).toHaveLength(0);
  });
});

describe('errors before anything happens', () => {
  it.each([
    [{ repository: 'shop', context: 'nowhere' }, /Input `context`: "nowhere" does not exist/],
    [{ repository: 'shop', file: 'nope/Dockerfile' }, /Input `file`: "nope\/Dockerfile" does not exist/],
    [
      { repository: 'shop', registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com' },
      /is in us-east-1 but the ECR API calls go to eu-west-1/,
    ],
    [{ repository: 'shop', tags: 'latest' }, /renders "latest", which is refused/],
    [{ repository: 'shop', version: 'one' }, /Input `version` must be a semantic version/],
    [
      { repository: 'shop', 'secret-envs': 'npm=NPM_TOKEN' },
      /Input `secret-envs`: secret `npm` reads .*NPM_TOKEN/,
    ],
    [{ repository: 'shop', 'secret-files': 'npm=.npmrc' }, /Input `secret-files`: ".npmrc" does not exist/],
    [
      { repository: 'shop', tags: 'type=ref,event=pr' },
      /no rule gives a tag for the ref `refs\/heads\/main`/,
    ],
    [
      { repository: 'shop', tags: 'type=sha', flavor: 'latest=true' },
      /`latest=true` adds `latest`, which is refused/,
    ],
  ])('%j', async (inputs, message) => {
    const { effects, exec } = setup(inputs);
    await expect(main(effects)).rejects.toThrow(message);
    expect(exec.calls).toHaveLength(0);
    expect(ecrMock.commandCalls(PutImageCommand)).toHaveLength(0);
    expect(ecrMock.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(0);
  });

  it('a missing repository says how to create it', async () => {
    ecrMock
      .on(DescribeRepositoriesCommand)
      .rejects(new RepositoryNotFoundException({ message: 'not found', $metadata: {} }));
    const { effects, exec } = setup({ repository: 'ghost' });
    await expect(main(effects)).rejects.toThrow(
      /`ghost` does not exist in .*aws ecr create-repository --repository-name ghost/,
    );
    expect(exec.calls).toHaveLength(0);
  });

  it('no builder at all: lists what was tried', async () => {
    const { effects } = setup({ repository: 'shop' }, { machine: 'none' });
    await expect(main(effects)).rejects.toThrow(
      /No container builder found \(tried docker: .*buildah: buildah is not installed; podman/,
    );
  });
});

describe('docker/metadata-action and amazon-ecr-login parity', () => {
  it('metadata-action rules: the type=sha tag is pushed first and a re-run reuses it', async () => {
    const rules = { repository: 'shop', tags: 'type=ref,event=branch\ntype=sha', 'allow-latest': 'false' };
    const first = setup(rules);
    await main(first.effects);
    expect(first.outputs).toMatchObject({ tags: 'sha-abc1234\nmain', version: 'main', builder: 'buildah' });
    expect(first.outputs.labels).toContain('org.opencontainers.image.version=main');
    const again = setup(rules);
    await main(again.effects);
    expect(again.outputs).toMatchObject({ skipped: 'true', builder: 'none' });
  });

  it('reads the event payload: default branch for {{is_default_branch}}, description and licence for the labels', async () => {
    // Fields of a push event's `repository` object
    // (https://docs.github.com/en/webhooks/webhook-events-and-payloads#push).
    const event = join(tempFolder('berth-bp-event-'), 'event.json');
    writeFileSync(
      event,
      JSON.stringify({
        ref: 'refs/heads/trunk',
        repository: {
          name: 'shop',
          full_name: 'acme/shop',
          default_branch: 'trunk',
          description: 'The web shop',
          license: { key: 'mit', name: 'MIT License', spdx_id: 'MIT' },
        },
      }),
    );
    const tags = 'type=raw,value=latest,enable={{is_default_branch}}\ntype=sha';
    const env = { GITHUB_EVENT_PATH: event, GITHUB_REF: 'refs/heads/trunk' };
    const onTrunk = setup({ repository: 'shop', tags, 'allow-latest': 'true' }, { env });
    await main(onTrunk.effects);
    expect(onTrunk.outputs.tags).toBe('sha-abc1234\nlatest');
    expect(onTrunk.outputs.labels).toContain('org.opencontainers.image.description=The web shop');
    expect(onTrunk.outputs.labels).toContain('org.opencontainers.image.licenses=MIT');
    const onBranch = setup(
      { repository: 'shop', tags, 'allow-latest': 'true' },
      { env: { ...env, GITHUB_REF: 'refs/heads/feature' } },
    );
    await main(onBranch.effects);
    expect(onBranch.outputs.tags).toBe('sha-abc1234');
  });

  it('without a type=sha rule an existing branch tag is not reused: the commit is built', async () => {
    store('main', OLD);
    const { effects, outputs, logger } = setup({ repository: 'shop', tags: 'type=ref,event=branch' });
    await main(effects);
    expect(outputs).toMatchObject({ skipped: 'false', digest: digestOf(BUILT), tags: 'main' });
    expect(logger.text()).toMatch(/No `type=sha` rule/);
  });

  it('docker-config: a masked docker config for later steps, DOCKER_CONFIG exported, one token for both logins', async () => {
    const { effects, outputs, secrets } = setup({ repository: 'shop', 'docker-config': 'true' });
    const exported: Record<string, string> = {};
    effects.exportVariable = (name, value) => {
      exported[name] = value;
    };
    const loginCalls: Array<string | undefined> = [];
    const exec = effects.exec!;
    effects.exec = async (command, args, options) => {
      if (args[0] === 'logout' || args[0] === 'login') loginCalls.push(exported.DOCKER_CONFIG);
      return exec(command, args, options);
    };
    effects.env.RUNNER_ENVIRONMENT = 'self-hosted';
    await main(effects);
    // The builder's login and logout ran against the config in use before; the new one is exported after.
    expect(loginCalls).toEqual([undefined, undefined]);
    const auth = Buffer.from(`AWS:${PASSWORD}`).toString('base64');
    expect(exported.DOCKER_CONFIG).toBe(outputs['docker-config']);
    const config = JSON.parse(
      await effects.tempFiles!.read(join(exported.DOCKER_CONFIG, 'config.json')).then(String),
    );
    expect(config).toEqual({ auths: { [REGISTRY]: { auth } } });
    expect(secrets).toEqual(expect.arrayContaining([PASSWORD, auth]));
    expect(ecrMock.commandCalls(GetAuthorizationTokenCommand)).toHaveLength(1);
  });

  it('docker-config also works when promoting (no build, no builder)', async () => {
    store('sha-abc1234', OLD);
    const { effects, exec, outputs } = setup({
      repository: 'shop',
      source: 'sha-abc1234',
      tags: 'prod',
      'docker-config': 'true',
    });
    await main(effects);
    expect(exec.calls).toHaveLength(0);
    expect(outputs['docker-config']).not.toBe('');
  });

  it('secret-envs values are masked and reach buildah only through a file', async () => {
    const { effects, exec, secrets } = setup(
      { repository: 'shop', 'secret-envs': 'npm=NPM_TOKEN' },
      { env: { NPM_TOKEN: 'npm-token-value' } },
    );
    await main(effects);
    expect(secrets).toContain('npm-token-value');
    expect(JSON.stringify(exec.calls)).not.toContain('npm-token-value');
  });

  it('provenance with buildah fails before anything is pushed', async () => {
    const { effects } = setup({ repository: 'shop', provenance: 'mode=max' });
    await expect(main(effects)).rejects.toThrow(/only docker buildx makes; buildah/);
    expect(ecrMock.commandCalls(PutImageCommand)).toHaveLength(0);
  });
});
