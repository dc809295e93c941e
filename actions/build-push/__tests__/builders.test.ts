import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigurationError } from '@berth/shared/errors';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  type BuildFiles,
  buildahPlan,
  buildxPlan,
  countCachedSteps,
  type DetectedBuilder,
  detectBuilder,
  digestFromMetadata,
  needsContainerBuilder,
  parseBuildxDriver,
  runBuild,
} from '../src/builders/index.js';
import { loginInvocation, logoutInvocation, registryLogin } from '../src/login.js';
import {
  buildFiles,
  buildRequest,
  ECR_IMAGE,
  exists,
  fakeExec,
  recordingTempFiles,
  removeTempFolders,
} from './helpers/fakes.js';

afterAll(removeTempFolders);

const SECRET = 's3cr3t-value-never-on-argv';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const IMAGE = ECR_IMAGE;
const request = buildRequest;
const files: BuildFiles = buildFiles('npm');

describe('detectBuilder', () => {
  const machine = (available: { daemon?: boolean; buildx?: boolean; buildah?: boolean; podman?: boolean }) =>
    fakeExec(({ command, args }) => {
      if (command === 'docker' && args[0] === 'info') {
        return available.daemon
          ? { stdout: '27.3.1\n' }
          : { exitCode: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' };
      }
      if (command === 'docker' && args[0] === 'buildx')
        return available.buildx ? { stdout: 'github.com/docker/buildx v0.19.0' } : { exitCode: 1 };
      if (command === 'buildah')
        return available.buildah
          ? { stdout: 'buildah version 1.28.2' }
          : { exitCode: 127, stderr: 'Unable to locate executable file: buildah' };
      if (command === 'podman')
        return available.podman ? { stdout: 'podman version 4.3.1' } : { exitCode: 127 };
      return { exitCode: 127 };
    });

  it.each([
    ['a Docker daemon with buildx', { daemon: true, buildx: true, buildah: true }, 'docker'],
    ['no daemon (Kubernetes runner) with buildah', { daemon: false, buildah: true, podman: true }, 'buildah'],
    [
      'a daemon without buildx falls through to buildah',
      { daemon: true, buildx: false, buildah: true },
      'buildah',
    ],
    ['only podman', { podman: true }, 'podman'],
  ])('auto with %s → %s', async (_name, available, expected) => {
    const found = await detectBuilder(machine(available), 'auto');
    expect(found.name).toBe(expected);
  });

  it('probes with silent, harmless commands', async () => {
    const exec = machine({ buildah: true });
    await detectBuilder(exec, 'auto');
    expect(exec.calls.map((c) => [c.command, ...c.args].join(' '))).toEqual([
      'docker info --format {{.ServerVersion}}',
      'buildah --version',
    ]);
    expect(exec.calls.every((c) => c.options.silent)).toBe(true);
  });

  it('lists what was tried and how to install when nothing is there', async () => {
    const error = await detectBuilder(machine({}), 'auto').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as Error).message;
    expect(message).toMatch(
      /No container builder found \(tried docker: no Docker daemon answers `docker info` \(Cannot connect/,
    );
    expect(message).toContain('buildah: buildah is not installed');
    expect(message).toContain('podman: podman is not installed');
    expect(message).toContain('apt-get install -y buildah');
  });

  it.each([
    [
      'buildah',
      { podman: true },
      /`builder` is `buildah` but it cannot be used here \(buildah: buildah is not installed\)/,
    ],
    [
      'docker',
      { daemon: true, buildx: false, buildah: true },
      /`builder` is `docker`.*buildx plugin is missing/,
    ],
    ['podman', { buildah: true }, /`builder` is `podman`/],
  ] as const)('a named builder that is missing (%s) is an error', async (choice, available, message) => {
    await expect(detectBuilder(machine(available), choice)).rejects.toThrow(message);
  });

  it('a named builder is the only one probed', async () => {
    const exec = machine({ daemon: true, buildx: true, podman: true });
    expect((await detectBuilder(exec, 'podman')).name).toBe('podman');
    expect(exec.calls.map((c) => c.command)).toEqual(['podman']);
  });
});

describe('buildxPlan', () => {
  it('builds every flag from the request and pushes the first tag', () => {
    const plan = buildxPlan(
      request({
        file: 'web/Dockerfile',
        target: 'runtime',
        buildArgs: new Map([['NODE', '24']]),
        secrets: new Map([['npm', SECRET]]),
        labels: new Map([['org.opencontainers.image.revision', 'abc']]),
        platforms: ['linux/amd64', 'linux/arm64'],
        cache: 'registry',
        provenance: 'mode=max',
        sbom: 'true',
        context: 'web',
      }),
      files,
    );
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0].command).toBe('docker');
    expect(plan.steps[0].args).toEqual([
      'buildx',
      'build',
      '--file',
      'web/Dockerfile',
      '--target',
      'runtime',
      '--build-arg',
      'NODE=24',
      '--secret',
      'id=npm,env=BERTH_BUILD_SECRET_0',
      '--platform',
      'linux/amd64,linux/arm64',
      '--label',
      'org.opencontainers.image.revision=abc',
      '--cache-from',
      `type=registry,ref=${IMAGE}:buildcache`,
      '--cache-to',
      `type=registry,ref=${IMAGE}:buildcache,mode=max,image-manifest=true,oci-mediatypes=true`,
      '--provenance',
      'mode=max',
      '--sbom',
      'true',
      '--metadata-file',
      '/tmp/b/metadata.json',
      '--tag',
      `${IMAGE}:sha-abc1234`,
      '--push',
      'web',
    ]);
    expect(plan.steps[0].env).toEqual({ BERTH_BUILD_SECRET_0: SECRET });
    expect(plan.digestFrom).toBe('metadata');
    expect(plan.needsSecretFiles).toBe(false);
  });

  it('never puts a secret value on the command line', () => {
    const plan = buildxPlan(
      request({
        secrets: new Map([
          ['a', SECRET],
          ['b', `${SECRET}-2`],
        ]),
      }),
      files,
    );
    expect(plan.steps.flatMap((s) => s.args).join(' ')).not.toContain(SECRET);
  });

  it.each([
    ['gha', true, ['--cache-from', 'type=gha,scope=shop', '--cache-to', 'type=gha,scope=shop,mode=max']],
    ['gha', false, ['--cache-from', 'type=gha,scope=shop']],
    ['registry', false, ['--cache-from', `type=registry,ref=${IMAGE}:buildcache`]],
    ['none', true, []],
  ] as const)('cache %s with push=%s', (cache, push, expected) => {
    const args = buildxPlan(request({ cache, push }), files, { ghaScope: 'shop' }).steps[0].args;
    const cacheArgs = args.filter(
      (_, i) => args[i - 1]?.startsWith('--cache') || args[i].startsWith('--cache'),
    );
    expect(cacheArgs).toEqual(expected);
  });

  it('without push tags every tag and loads a single-platform image locally', () => {
    const plan = buildxPlan(request({ push: false }), files);
    const args = plan.steps[0].args;
    expect(args).toEqual(
      expect.arrayContaining(['--tag', `${IMAGE}:sha-abc1234`, `${IMAGE}:v1.2.3`, '--load']),
    );
    expect(args).not.toContain('--push');
    expect(plan.digestFrom).toBe('none');
    expect(
      buildxPlan(request({ push: false, platforms: ['linux/amd64', 'linux/arm64'] }), files).steps[0].args,
    ).not.toContain('--load');
  });

  it('uses and removes a temporary builder instance when given one', () => {
    const plan = buildxPlan(request(), files, { builderInstance: 'berth-1234' });
    expect(plan.steps[0].args.slice(0, 4)).toEqual(['buildx', 'build', '--builder', 'berth-1234']);
    expect(plan.cleanup).toEqual([
      { command: 'docker', args: ['buildx', 'rm', 'berth-1234'], optional: true },
    ]);
  });

  it.each([
    ['docker', 'registry', [], true],
    ['docker', 'none', ['linux/amd64', 'linux/arm64'], true],
    ['docker', 'none', ['linux/amd64'], false],
    ['docker-container', 'registry', [], false],
    [undefined, 'registry', [], false],
  ] as const)(
    'driver %s, cache %s, platforms %j → temporary builder %s',
    (driver, cache, platforms, expected) => {
      expect(needsContainerBuilder(driver, request({ cache, platforms: [...platforms] }))).toBe(expected);
    },
  );

  it('reads the driver and the digest buildx reports', () => {
    expect(parseBuildxDriver('Name:   default\nDriver: docker\nNodes:\n')).toBe('docker');
    expect(parseBuildxDriver('Name: x\nDriver:        docker-container\n')).toBe('docker-container');
    expect(digestFromMetadata(JSON.stringify({ 'containerimage.digest': DIGEST, 'image.name': 'x' }))).toBe(
      DIGEST,
    );
    expect(digestFromMetadata('{}')).toBeUndefined();
    expect(digestFromMetadata('not json')).toBeUndefined();
  });
});

describe('buildahPlan', () => {
  it('single platform: build with every tag, push the first with --digestfile', () => {
    const plan = buildahPlan(
      'buildah',
      request({
        file: 'Containerfile',
        target: 'runtime',
        buildArgs: new Map([['NODE', '24']]),
        secrets: new Map([['npm', SECRET]]),
        labels: new Map([['a', 'b']]),
        platforms: ['linux/arm64'],
        cache: 'registry',
      }),
      files,
    );
    expect(plan.steps.map((s) => [s.command, ...s.args])).toEqual([
      [
        'buildah',
        'build',
        '--file',
        'Containerfile',
        '--target',
        'runtime',
        '--build-arg',
        'NODE=24',
        '--secret',
        'id=npm,src=/tmp/b/secret-0',
        '--platform',
        'linux/arm64',
        '--label',
        'a=b',
        '--layers',
        '--cache-from',
        IMAGE,
        '--cache-to',
        IMAGE,
        '--tag',
        `${IMAGE}:sha-abc1234`,
        '--tag',
        `${IMAGE}:v1.2.3`,
        '.',
      ],
      [
        'buildah',
        'push',
        '--digestfile',
        '/tmp/b/digest',
        `${IMAGE}:sha-abc1234`,
        `docker://${IMAGE}:sha-abc1234`,
      ],
    ]);
    expect(plan.needsSecretFiles).toBe(true);
    expect(plan.digestFrom).toBe('digestfile');
    expect(plan.steps.flatMap((s) => s.args).join(' ')).not.toContain(SECRET);
    expect(plan.steps.some((s) => s.env && Object.values(s.env).includes(SECRET))).toBe(false);
  });

  it('several platforms: a fresh manifest list, pushed with --all', () => {
    const plan = buildahPlan('buildah', request({ platforms: ['linux/amd64', 'linux/arm64'] }), files);
    const ref = `${IMAGE}:sha-abc1234`;
    expect(plan.steps.map((s) => [s.command, ...s.args])).toEqual([
      ['buildah', 'manifest', 'rm', ref],
      ['buildah', 'build', '--platform', 'linux/amd64,linux/arm64', '--manifest', ref, '.'],
      ['buildah', 'manifest', 'push', '--all', '--digestfile', '/tmp/b/digest', ref, `docker://${ref}`],
    ]);
    expect(plan.steps[0].optional).toBe(true);
    expect(plan.cleanup).toEqual([{ command: 'buildah', args: ['manifest', 'rm', ref], optional: true }]);
  });

  it('a loopback registry gets --tls-verify=false on build and push', () => {
    const plan = buildahPlan(
      'podman',
      request({ insecureRegistry: true, imageName: '127.0.0.1:5000/shop' }),
      files,
    );
    expect(plan.steps.map((s) => s.command)).toEqual(['podman', 'podman']);
    expect(plan.steps[0].args).toContain('--tls-verify=false');
    expect(plan.steps[1].args).toEqual([
      'push',
      '--tls-verify=false',
      '--digestfile',
      '/tmp/b/digest',
      '127.0.0.1:5000/shop:sha-abc1234',
      'docker://127.0.0.1:5000/shop:sha-abc1234',
    ]);
  });

  it('without push: only the build, no cache export', () => {
    const plan = buildahPlan('buildah', request({ push: false, cache: 'registry' }), files);
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0].args).toContain('--cache-from');
    expect(plan.steps[0].args).not.toContain('--cache-to');
    expect(plan.digestFrom).toBe('none');
  });

  it('warns about what only buildx can do', () => {
    const plan = buildahPlan('buildah', request({ cache: 'gha' }), files);
    expect(plan.warnings.join('\n')).toMatch(/`cache: gha` needs docker buildx/);
    expect(plan.steps[0].args).not.toContain('--cache-from');
  });
});

describe('runBuild', () => {
  const buildah: DetectedBuilder = { name: 'buildah', version: 'buildah version 1.28.2', probes: [] };
  const docker: DetectedBuilder = { name: 'docker', version: 'buildx', probes: [] };

  it('buildah: secret files are 0600, gone afterwards, and the digest comes from --digestfile', async () => {
    const temp = recordingTempFiles();
    let secretSeen = '';
    const exec = fakeExec(({ args }) => {
      const secretArg = args[args.indexOf('--secret') + 1];
      if (args[0] === 'build') {
        secretSeen = readFileSync(secretArg.replace(/^.*src=/, ''), 'utf8');
        return { stdout: 'STEP 1/2: FROM scratch\nSTEP 2/2: COPY hello.txt /\n--> Using cache 1234\n' };
      }
      if (args[0] === 'push') writeFileSync(args[args.indexOf('--digestfile') + 1], `${DIGEST}\n`);
      return undefined;
    });
    const outcome = await runBuild(buildah, request({ secrets: new Map([['npm', SECRET]]) }), {
      exec,
      files: temp,
      logger: recordingLogger(),
    });
    expect(outcome.digest).toBe(DIGEST);
    expect(outcome.cachedSteps).toBe(1);
    expect(secretSeen).toBe(SECRET);
    expect([...temp.written.values()]).toEqual([0o600]);
    expect(exists(temp.dirs[0])).toBe(false);
    expect(JSON.stringify(exec.calls)).not.toContain(SECRET);
  });

  it('docker with the docker driver: temporary container builder, secret only in the environment', async () => {
    const temp = recordingTempFiles();
    const exec = fakeExec(({ args }) => {
      if (args[1] === 'inspect') return { stdout: 'Name: default\nDriver: docker\n' };
      if (args[1] === 'build') {
        writeFileSync(
          args[args.indexOf('--metadata-file') + 1],
          JSON.stringify({ 'containerimage.digest': DIGEST }),
        );
        return { stderr: '#5 CACHED\n#6 CACHED\n' };
      }
      return undefined;
    });
    const outcome = await runBuild(
      docker,
      request({ cache: 'registry', secrets: new Map([['npm', SECRET]]) }),
      {
        exec,
        files: temp,
        logger: recordingLogger(),
        uniqueSuffix: () => 'cafe',
      },
    );
    expect(outcome).toMatchObject({ digest: DIGEST, cachedSteps: 2 });
    expect(exec.calls.map((c) => c.args.slice(0, 2).join(' '))).toEqual([
      'buildx inspect',
      'buildx create',
      'buildx build',
      'buildx rm',
    ]);
    const build = exec.calls[2];
    expect(build.args).toEqual(expect.arrayContaining(['--builder', 'berth-cafe']));
    expect(build.options.env).toEqual({ BERTH_BUILD_SECRET_0: SECRET });
    expect(exec.calls.flatMap((c) => c.args).join(' ')).not.toContain(SECRET);
    expect(temp.written.size).toBe(0);
  });

  it('a failed build is an error with the tail of its output, and clean-up still happens', async () => {
    const temp = recordingTempFiles();
    const exec = fakeExec(({ args }) =>
      args[0] === 'build'
        ? {
            exitCode: 1,
            stderr: 'STEP 2/3: RUN make\nmake: *** No rule to make target\nerror building at STEP "RUN make"',
          }
        : undefined,
    );
    await expect(
      runBuild(
        buildah,
        request({ platforms: ['linux/amd64', 'linux/arm64'], secrets: new Map([['x', SECRET]]) }),
        {
          exec,
          files: temp,
          logger: recordingLogger(),
        },
      ),
    ).rejects.toThrow(/`buildah build` failed with exit code 1: .*error building at STEP "RUN make"/);
    expect(exec.calls.at(-1)?.args).toEqual(['manifest', 'rm', `${IMAGE}:sha-abc1234`]);
    expect(exists(temp.dirs[0])).toBe(false);
  });

  it('a failed push says which permissions it needs', async () => {
    const exec = fakeExec(({ args }) =>
      args[0] === 'push' ? { exitCode: 125, stderr: 'denied: not authorized' } : undefined,
    );
    await expect(
      runBuild(buildah, request(), { exec, files: recordingTempFiles(), logger: recordingLogger() }),
    ).rejects.toThrow(
      /`buildah push` failed with exit code 125: denied: not authorized Check that the repository exists.*ecr:PutImage/,
    );
  });

  it('a push that reports no digest is an error', async () => {
    await expect(
      runBuild(buildah, request(), {
        exec: fakeExec(),
        files: recordingTempFiles(),
        logger: recordingLogger(),
      }),
    ).rejects.toThrow(/did not report its digest/);
  });
});

describe('login', () => {
  it.each([
    ['docker', false, ['login', '--username', 'AWS', '--password-stdin', 'r.example']],
    ['buildah', false, ['login', '--username', 'AWS', '--password-stdin', 'r.example']],
    ['buildah', true, ['login', '--username', 'AWS', '--password-stdin', '--tls-verify=false', 'r.example']],
    ['podman', true, ['login', '--username', 'AWS', '--password-stdin', '--tls-verify=false', 'r.example']],
    ['docker', true, ['login', '--username', 'AWS', '--password-stdin', 'r.example']],
  ] as const)('%s (insecure %s)', (builder, insecure, args) => {
    expect(loginInvocation(builder, 'r.example', 'AWS', insecure)).toEqual({ command: builder, args });
    expect(logoutInvocation(builder, 'r.example')).toEqual({
      command: builder,
      args: ['logout', 'r.example'],
    });
  });

  it('passes the password on stdin only', async () => {
    const exec = fakeExec();
    await registryLogin(exec, 'buildah', 'r.example', { username: 'AWS', password: SECRET }, false);
    expect(exec.calls[0].options.input).toBe(SECRET);
    expect(exec.calls[0].args.join(' ')).not.toContain(SECRET);
    expect(exec.calls[0].options.silent).toBe(true);
  });
});

describe('countCachedSteps', () => {
  it.each([
    ['#4 [2/3] COPY . .\n#4 CACHED\n#5 CACHED', 2],
    ['STEP 1/2: FROM scratch\n--> Using cache abc\n--> Using cache def\n', 2],
    ['STEP 1/1: COPY a /\n--> 1234', 0],
  ])('%j → %d', (log, count) => {
    expect(countCachedSteps(log)).toBe(count);
  });
});
