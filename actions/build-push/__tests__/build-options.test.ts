/**
 * docker/build-push-action's inputs, each turned into the flags its builder
 * documents:
 * - buildx: https://docs.docker.com/reference/cli/docker/buildx/build/ (--annotation, --build-context,
 *   --cache-from/--cache-to, --no-cache, --pull, --secret id=…,src=… / id=…,env=…, --ssh);
 * - buildah: buildah-build(1) (--annotation, --build-context, --cache-from/--cache-to with --layers,
 *   --no-cache, --pull=always, --secret=id=id,src=path, --ssh);
 * - ECR's registry cache form: https://aws.amazon.com/blogs/containers/announcing-remote-cache-support-in-amazon-ecr-for-buildkit-clients/
 *   (`--cache-to mode=max,image-manifest=true,oci-mediatypes=true,type=registry,ref=…`).
 * The expected arguments are written from those pages, not read back from the code.
 */
import { mkdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { recordingLogger } from '@berth/testkit/doubles.js';
import { afterAll, describe, expect, it } from '@jest/globals';
import { resolveBuildSecrets } from '../src/build-secrets.js';
import {
  type BuildFiles,
  type BuildRequest,
  buildahPlan,
  buildxPlan,
  type DetectedBuilder,
  parseCacheEntries,
  runBuild,
} from '../src/builders/index.js';
import { dockerAuth, mergeDockerConfig, writeDockerConfig } from '../src/docker-config.js';
import { getInputs } from '../src/inputs.js';
import {
  buildFiles,
  buildRequest,
  ECR_IMAGE,
  fakeExec,
  recordingTempFiles,
  removeTempFolders,
  tempFolder,
} from './helpers/fakes.js';

afterAll(removeTempFolders);

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const IMAGE = ECR_IMAGE;
const request = (overrides: Partial<BuildRequest> = {}) =>
  buildRequest({ tags: ['sha-abc1234'], ...overrides });
const files: BuildFiles = buildFiles('token');

/** The build's arguments between the subcommand and the output flags. */
const buildxArgs = (overrides: Partial<BuildRequest>) => {
  const args = buildxPlan(request(overrides), files).steps[0].args;
  return args.slice(2, args.indexOf('--metadata-file'));
};
const buildahArgs = (overrides: Partial<BuildRequest>) => {
  const args = buildahPlan('buildah', request(overrides), files).steps[0].args;
  return args.slice(1, args.indexOf('--tag'));
};

describe('each input, on both builders', () => {
  it.each<[string, Partial<BuildRequest>, string[], string[]]>([
    ['no-cache', { noCache: true }, ['--no-cache'], ['--no-cache']],
    // docker: "--pull: Always attempt to pull all referenced images"; buildah's bare --pull only pulls newer.
    ['pull', { pull: true }, ['--pull'], ['--pull=always']],
    [
      'build-contexts',
      {
        buildContexts: new Map([
          ['alpine', 'docker-image://alpine:3.20'],
          ['shared', '../shared'],
        ]),
      },
      ['--build-context', 'alpine=docker-image://alpine:3.20', '--build-context', 'shared=../shared'],
      ['--build-context', 'alpine=docker-image://alpine:3.20', '--build-context', 'shared=../shared'],
    ],
    [
      'secret-files',
      { fileSecrets: new Map([['aws', '/ws/.aws/credentials']]) },
      ['--secret', 'id=aws,src=/ws/.aws/credentials'],
      ['--secret', 'id=aws,src=/ws/.aws/credentials'],
    ],
    [
      'secret-envs (buildah reads secrets from files only: a 0600 temporary file)',
      { envSecrets: new Map([['token', { name: 'NPM_TOKEN', value: 'v' }]]) },
      ['--secret', 'id=token,env=NPM_TOKEN'],
      ['--secret', 'id=token,src=/tmp/b/secret-0'],
    ],
    [
      'ssh',
      { ssh: ['default', 'github=/home/runner/.ssh/id_ed25519'] },
      ['--ssh', 'default', '--ssh', 'github=/home/runner/.ssh/id_ed25519'],
      ['--ssh', 'default', '--ssh', 'github=/home/runner/.ssh/id_ed25519'],
    ],
    [
      'labels',
      { labels: new Map([['org.opencontainers.image.vendor', 'Acme']]) },
      ['--label', 'org.opencontainers.image.vendor=Acme'],
      ['--label', 'org.opencontainers.image.vendor=Acme'],
    ],
    [
      'annotations (buildah annotates the manifest: the `manifest:` level is dropped)',
      { annotations: new Map([['manifest:org.opencontainers.image.description', 'Web shop']]) },
      ['--annotation', 'manifest:org.opencontainers.image.description=Web shop'],
      ['--annotation', 'org.opencontainers.image.description=Web shop'],
    ],
  ])('%s', (_name, overrides, buildx, buildah) => {
    expect(buildxArgs(overrides)).toEqual(buildx);
    expect(buildahArgs(overrides)).toEqual(buildah);
  });

  it('never puts a secret-envs value on a command line or in a step environment', () => {
    const value = 'env-secret-value-123';
    const envSecrets = new Map([['token', { name: 'NPM_TOKEN', value }]]);
    for (const plan of [
      buildxPlan(request({ envSecrets }), files),
      buildahPlan('buildah', request({ envSecrets }), files),
    ]) {
      expect(JSON.stringify(plan.steps)).not.toContain(value);
    }
  });
});

describe('cache-from / cache-to', () => {
  const from = parseCacheEntries('cache-from', [`type=registry,ref=${IMAGE}:buildcache`]);
  const to = parseCacheEntries('cache-to', [`type=registry,ref=${IMAGE}:buildcache,mode=max`]);

  it('buildx: passed through; a registry cache in ECR gets image-manifest=true,oci-mediatypes=true', () => {
    expect(buildxArgs({ cache: 'registry', cacheFrom: from, cacheTo: to })).toEqual([
      '--cache-from',
      `type=registry,ref=${IMAGE}:buildcache`,
      '--cache-to',
      `type=registry,ref=${IMAGE}:buildcache,mode=max,image-manifest=true,oci-mediatypes=true`,
    ]);
    // Said already: not said twice. Another registry (not ECR, not the image's): untouched.
    const said = parseCacheEntries('cache-to', [
      `type=registry,ref=${IMAGE}:c,image-manifest=true,oci-mediatypes=true`,
      'type=registry,ref=ghcr.io/acme/cache:c',
      'type=gha,mode=max',
    ]);
    expect(buildxArgs({ cacheTo: said })).toEqual([
      '--cache-to',
      `type=registry,ref=${IMAGE}:c,image-manifest=true,oci-mediatypes=true`,
      '--cache-to',
      'type=registry,ref=ghcr.io/acme/cache:c',
      '--cache-to',
      'type=gha,mode=max',
    ]);
  });

  it('buildx: image-manifest=false for ECR fails, naming the entry and the fix', () => {
    const bad = parseCacheEntries('cache-to', [`type=registry,ref=${IMAGE}:c,image-manifest=false`]);
    expect(() => buildxArgs({ cacheTo: bad })).toThrow(ConfigurationError);
    expect(() => buildxArgs({ cacheTo: bad })).toThrow(/image-manifest=false.*OCI image manifest/);
  });

  it('a bare reference is a registry cache (docker: `--cache-from user/app:cache`)', () => {
    expect(parseCacheEntries('cache-from', ['user/app:cache'])[0].text).toBe(
      'type=registry,ref=user/app:cache',
    );
  });

  it('buildah: --layers and the repository (tag dropped: buildah tags cache images itself)', () => {
    expect(buildahArgs({ cache: 'registry', cacheFrom: from, cacheTo: to })).toEqual([
      '--layers',
      '--cache-from',
      IMAGE,
      '--cache-to',
      IMAGE,
    ]);
    const local = parseCacheEntries('cache-from', ['127.0.0.1:5000/shop/cache']);
    expect(buildahArgs({ cacheFrom: local })).toEqual([
      '--layers',
      '--cache-from',
      '127.0.0.1:5000/shop/cache',
    ]);
  });

  it('buildah: a non-registry cache type fails naming the builder', () => {
    const gha = parseCacheEntries('cache-to', ['type=gha,mode=max']);
    expect(() => buildahArgs({ cacheTo: gha })).toThrow(/`type=gha` needs docker buildx; buildah/);
  });

  it.each([
    ['type=registry', /without `ref`/],
    ['type=floppy,dest=a', /needs a `type` among/],
    ['type=local,src', /not `key=value`/],
  ])('%s is refused when read', (line, message) => {
    expect(() => parseCacheEntries('cache-from', [line])).toThrow(message);
  });
});

describe('provenance, sbom and annotation levels by builder', () => {
  it('buildx passes them; buildah refuses an attestation but accepts `false`', () => {
    const args = buildxPlan(request({ provenance: 'mode=max', sbom: 'true' }), files).steps[0].args;
    expect(args.join(' ')).toContain('--provenance mode=max --sbom true');
    expect(() => buildahPlan('buildah', request({ provenance: 'mode=max' }), files)).toThrow(
      /Input `provenance` asks for a BuildKit attestation, which only docker buildx makes; buildah/,
    );
    expect(() => buildahPlan('podman', request({ sbom: 'true' }), files)).toThrow(/Input `sbom`.*podman/);
    expect(buildahPlan('buildah', request({ provenance: 'false', sbom: 'false' }), files).steps).toHaveLength(
      2,
    );
  });

  it('buildah refuses an index-level annotation', () => {
    expect(() =>
      buildahArgs({ annotations: new Map([['index:org.opencontainers.image.ref.name', 'x']]) }),
    ).toThrow(/level `index`, which needs docker buildx/);
  });
});

describe('runBuild writes secret-envs values to private files for buildah and removes them', () => {
  it('0600, removed afterwards', async () => {
    const temp = recordingTempFiles();
    let seen = '';
    const exec = fakeExec(async ({ args }) => {
      if (args[0] !== 'build') return undefined;
      const src = args[args.indexOf('--secret') + 1].replace(/^.*src=/, '');
      seen = (await temp.read(src)) ?? '';
      return undefined;
    });
    const buildah: DetectedBuilder = { name: 'buildah', version: '1.28', probes: [] };
    await runBuild(
      buildah,
      request({ push: false, envSecrets: new Map([['token', { name: 'NPM_TOKEN', value: 'from-env' }]]) }),
      { exec, files: temp, logger: recordingLogger() },
    );
    expect(seen).toBe('from-env');
    expect([...temp.written.values()]).toEqual([0o600]);
    for (const path of temp.written.keys()) expect(() => statSync(path)).toThrow();
  });
});

describe('inputs', () => {
  const read = (values: Record<string, string>) =>
    getInputs(new InputReader((name) => ({ repository: 'shop', ...values })[name] ?? ''));

  it('reads every new input', () => {
    const inputs = read({
      tags: 'type=semver,pattern={{version}}\ntype=sha',
      flavor: 'latest=false\nprefix=app-,onlatest=true',
      'secret-files': 'aws=.aws/credentials',
      'secret-envs': 'npm=NPM_TOKEN,gh=GH_TOKEN',
      ssh: 'default\ngithub=/keys/a,/keys/b',
      'build-contexts': 'alpine=docker-image://alpine:3.20',
      annotations: 'index:org.opencontainers.image.description=Shop',
      'no-cache': 'true',
      pull: 'true',
      'cache-from': `type=registry,ref=${IMAGE}:buildcache`,
      'cache-to': `type=registry,ref=${IMAGE}:buildcache,mode=max`,
      'docker-config': 'true',
    });
    expect(inputs).toMatchObject({
      // rule lines stay whole (commas belong to the rule)
      tags: ['type=semver,pattern={{version}}', 'type=sha'],
      flavor: ['latest=false', 'prefix=app-,onlatest=true'],
      secretFiles: new Map([['aws', '.aws/credentials']]),
      secretEnvs: new Map([
        ['npm', 'NPM_TOKEN'],
        ['gh', 'GH_TOKEN'],
      ]),
      ssh: ['default', 'github=/keys/a,/keys/b'],
      buildContexts: new Map([['alpine', 'docker-image://alpine:3.20']]),
      annotations: new Map([['index:org.opencontainers.image.description', 'Shop']]),
      noCache: true,
      pull: true,
      dockerConfig: true,
    });
    expect(inputs.cacheTo.map((entry) => entry.text)).toEqual([
      `type=registry,ref=${IMAGE}:buildcache,mode=max`,
    ]);
    // Berth templates are still a list (commas or lines).
    expect(read({ tags: 'sha-{short_sha},{env}' }).tags).toEqual(['sha-{short_sha}', '{env}']);
  });

  it.each([
    [{ 'secret-envs': 'npm' }, /Input `secret-envs`: "npm" is not `id=ENV_NAME`/],
    [{ 'secret-envs': 'npm=not a name' }, /Input `secret-envs`/],
    [
      { secrets: 'npm=x', 'secret-envs': 'npm=NPM_TOKEN' },
      /`npm` is given in both `secrets` and `secret-envs`/,
    ],
    [{ 'secret-files': 'bad id=/x' }, /Input `secret-files`: secret id "bad id"/],
    [{ ssh: 'has space=/x y' }, /Input `ssh`/],
    [{ 'no-cache': 'maybe' }, /no-cache/],
  ])('%j is refused', (values, message) => {
    expect(() => read(values)).toThrow(ConfigurationError);
    expect(() => read(values)).toThrow(message);
  });
});

describe('resolveBuildSecrets', () => {
  const workspace = tempFolder('berth-bp-secrets-');
  const runnerTemp = tempFolder('berth-bp-secrets-temp-');
  const roots = { workspace, runnerTemp };
  mkdirSync(join(workspace, '.aws'));
  writeFileSync(join(workspace, '.aws', 'credentials'), 'x');
  writeFileSync(join(runnerTemp, 'npmrc'), 'x');
  symlinkSync('/etc/hostname', join(workspace, 'linked'));

  it('resolves files in the workspace or RUNNER_TEMP, and reads variables', () => {
    const resolved = resolveBuildSecrets(
      {
        secretFiles: new Map([
          ['aws', '.aws/credentials'],
          ['npm', join(runnerTemp, 'npmrc')],
        ]),
        secretEnvs: new Map([['npm_token', 'NPM_TOKEN']]),
      },
      { NPM_TOKEN: 'tok' },
      roots,
    );
    expect(resolved.files).toEqual(
      new Map([
        ['aws', realpathSync(join(workspace, '.aws/credentials'))],
        ['npm', realpathSync(join(runnerTemp, 'npmrc'))],
      ]),
    );
    expect(resolved.envs).toEqual(new Map([['npm_token', { name: 'NPM_TOKEN', value: 'tok' }]]));
  });

  it.each([
    ['nope', /Input `secret-files`: "nope" does not exist .*Secret `aws`/],
    ['/proc/self/environ', /Input `secret-files`: "\/proc\/self\/environ" is outside the workspace/],
    ['linked', /Input `secret-files`: "linked" leads outside the workspace/],
  ])('a secret file %s is refused', (path, message) => {
    expect(() =>
      resolveBuildSecrets({ secretFiles: new Map([['aws', path]]), secretEnvs: new Map() }, {}, roots),
    ).toThrow(message);
  });

  it('a missing variable fails naming the input, id and name, never a value', () => {
    expect(() =>
      resolveBuildSecrets({ secretFiles: new Map(), secretEnvs: new Map([['npm', 'NPM_TOKEN']]) }, {}, roots),
    ).toThrow(/Input `secret-envs`: secret `npm` reads the environment variable NPM_TOKEN, which is not set/);
  });
});

describe('docker config', () => {
  // Docker's config.json: auths.<registry>.auth = base64("user:password").
  it('auth is base64 of user:password', () => {
    expect(dockerAuth({ username: 'AWS', password: 'pw' })).toBe(Buffer.from('AWS:pw').toString('base64'));
    expect(dockerAuth({ username: 'AWS', password: 'pw' })).toBe('QVdTOnB3');
  });

  it('keeps the other auths, drops what would hide the new one', () => {
    const merged = mergeDockerConfig(
      {
        auths: { 'ghcr.io': { auth: 'Z2g6eA==' } },
        credHelpers: { [ECR]: 'ecr-login', 'gcr.io': 'gcloud' },
        credsStore: 'desktop',
        proxies: { default: {} },
      },
      ECR,
      'QVdTOnB3',
    );
    expect(merged.config).toEqual({
      auths: { 'ghcr.io': { auth: 'Z2g6eA==' }, [ECR]: { auth: 'QVdTOnB3' } },
      credHelpers: { 'gcr.io': 'gcloud' },
      proxies: { default: {} },
    });
    expect(merged.notes).toHaveLength(2);
    expect(mergeDockerConfig(undefined, ECR, 'x').config).toEqual({ auths: { [ECR]: { auth: 'x' } } });
  });

  it('writes a private config.json under the temp base, merged with DOCKER_CONFIG’s', async () => {
    const temp = recordingTempFiles();
    const existing = tempFolder('berth-bp-dockercfg-');
    await temp.writePrivate(
      join(existing, 'config.json'),
      JSON.stringify({ auths: { 'ghcr.io': { auth: 'eA==' } } }),
    );
    const { dir } = await writeDockerConfig(temp, { DOCKER_CONFIG: existing }, ECR, 'QVdTOnB3');
    expect(dir.startsWith(temp.base)).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse((await temp.read(join(dir, 'config.json'))) ?? '')).toEqual({
      auths: { 'ghcr.io': { auth: 'eA==' }, [ECR]: { auth: 'QVdTOnB3' } },
    });
  });
});
