/**
 * End to end, for real: Debian's docker-registry on 127.0.0.1, the emulator's
 * ECR API backed by it, buildah (vfs storage, chroot isolation, private
 * roots) building a FROM-scratch image, and the bundled action run as the
 * runner runs it. Every digest is checked against the registry's own API.
 * Skips with a notice when buildah or docker-registry is not installed.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type RunningEmulator, startEmulator } from '@berth/emulator';
import { type ActionResult, emulatorEnv, runAction } from '@berth/testkit/action-runner.js';
import {
  type BuildahSandbox,
  buildahSandbox,
  DOCKER_REGISTRY_BIN,
  missingPrograms,
  type RunningRegistry,
  startRegistry,
} from '@berth/testkit/local-registry.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const missing = missingPrograms('buildah', DOCKER_REGISTRY_BIN);
if (missing.length > 0) {
  console.warn(
    `build-push end-to-end tests skipped: ${missing.join(', ')} not installed (\`apt-get install -y buildah docker-registry\`; .ci/run does it).`,
  );
}
const describeE2E = missing.length > 0 ? describe.skip : describe;

const SHA_A = 'aaaaaaa1111111111111111111111111111111aa';
const SHA_B = 'bbbbbbb2222222222222222222222222222222bb';
const SHA_C = 'ccccccc3333333333333333333333333333333cc';

let registry: RunningRegistry;
let emulator: RunningEmulator;
let sandbox: BuildahSandbox;

const workspaces: string[] = [];

function workspace(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bp-e2e-ws-'));
  workspaces.push(dir);
  writeFileSync(join(dir, 'Containerfile'), 'FROM scratch\nCOPY hello.txt /\n');
  writeFileSync(join(dir, 'hello.txt'), `${content}\n`);
  return dir;
}

async function action(
  inputs: Record<string, string>,
  options: { workspace?: string; env?: Record<string, string> } = {},
): Promise<ActionResult> {
  const result = await runAction({
    action: 'build-push',
    inputs: { registry: registry.host, cache: 'none', ...inputs },
    workspace: options.workspace,
    env: emulatorEnv(emulator, { ...sandbox.env, ...options.env }),
    timeoutMs: 90_000,
  });
  if (result.exitCode !== 0 && !options.env?.EXPECT_FAILURE) {
    throw new Error(`build-push failed (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

const errorOf = (result: ActionResult) => result.annotations.find((a) => a.level === 'error')?.message ?? '';

async function configLabels(repository: string, reference: string): Promise<Record<string, string>> {
  const manifest = await registry.json<{ config: { digest: string } }>(
    `/v2/${repository}/manifests/${reference}`,
  );
  const config = await registry.json<{ config?: { Labels?: Record<string, string> } }>(
    `/v2/${repository}/blobs/${manifest.config.digest}`,
  );
  return config.config?.Labels ?? {};
}

beforeAll(async () => {
  if (missing.length > 0) return;
  registry = await startRegistry();
  emulator = await startEmulator({
    registryUrl: registry.url,
    scenario: {
      region: 'eu-west-1',
      accountId: '123456789012',
      // Each test pushes to a repository, or under tags, of its own and builds what it reads: none
      // depends on what another pushed, so any one runs alone.
      repositories: [
        { name: 'shop' },
        { name: 'rerun' },
        { name: 'promote' },
        { name: 'multi' },
        { name: 'cache' },
        { name: 'locked', imageTagMutability: 'IMMUTABLE' },
        { name: 'locked-build', imageTagMutability: 'IMMUTABLE' },
        {
          name: 'mixed',
          imageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
          imageTagMutabilityExclusionFilters: [{ filterType: 'WILDCARD', filter: 'dev*' }],
        },
      ],
    },
  });
  sandbox = buildahSandbox();
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
  await registry?.stop();
  sandbox?.cleanup();
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
});

/** Builds and pushes `content` to `repository` for commit `sha`; the digest it pushed. */
async function build(repository: string, tags: string, content: string, sha: string): Promise<string> {
  return (await action({ repository, tags }, { workspace: workspace(content), env: { GITHUB_SHA: sha } }))
    .outputs.digest;
}

describeE2E('build-push end to end (buildah → docker-registry, ECR API through the emulator)', () => {
  it('builds with buildah and pushes two tags; the registry agrees with the digest output', async () => {
    const putImages = emulator.control.calls({ operation: 'PutImage' }).length;
    const result = await action(
      { repository: 'shop', tags: 'sha-{short_sha}\nbuild-{run_number}' },
      { workspace: workspace('hello'), env: { GITHUB_SHA: SHA_A, RUNNER_ENVIRONMENT: 'self-hosted' } },
    );
    const built = result.outputs.digest;
    expect(built).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(result.outputs).toMatchObject({
      image: `${registry.host}/shop`,
      digest: built,
      'image-uri': `${registry.host}/shop@${built}`,
      tags: 'sha-aaaaaaa\nbuild-17',
      skipped: 'false',
      registry: registry.host,
      builder: 'buildah',
      version: 'sha-aaaaaaa',
      'docker-config': '',
    });
    expect(await registry.digestOf('shop', 'sha-aaaaaaa')).toBe(built);
    expect(await registry.digestOf('shop', 'build-17')).toBe(built);
    expect(await configLabels('shop', built)).toMatchObject({
      'org.opencontainers.image.source': 'https://github.com/acme/shop',
      'org.opencontainers.image.revision': SHA_A,
      'org.opencontainers.image.version': 'sha-aaaaaaa',
    });
    // Only the first tag went through buildah; the second is an ECR PutImage of the same manifest.
    expect(emulator.control.calls({ operation: 'PutImage' })).toHaveLength(putImages + 1);
    // Self-hosted runner: logged out afterwards, no credentials left in the auth file.
    expect(readFileSync(sandbox.env.REGISTRY_AUTH_FILE, 'utf8')).not.toContain(registry.host);
    expect(result.summary).toContain('buildah');
    expect(result.summary).toContain(built);
  });

  it('a re-run for the same commit skips the build and reuses the digest', async () => {
    const built = await build('rerun', 'sha-{short_sha}\nbuild-{run_number}', 'hello', SHA_A);
    const result = await action(
      { repository: 'rerun', tags: 'sha-{short_sha}\nbuild-{run_number}\nrun-{run_number}-{run_attempt}' },
      { workspace: workspace('hello, but different'), env: { GITHUB_SHA: SHA_A, GITHUB_RUN_ATTEMPT: '2' } },
    );
    expect(result.outputs).toMatchObject({ skipped: 'true', digest: built, builder: 'none' });
    expect(result.stdout).not.toContain('buildah build');
    expect(await registry.digestOf('rerun', 'run-17-2')).toBe(built);
    expect(result.summary).toMatch(/skipped/);
  });

  it('promotes by digest and by tag: the new tags point at the same digest in the registry', async () => {
    const built = await build('promote', 'sha-{short_sha}', 'hello', SHA_A);
    const byDigest = await action({
      repository: 'promote',
      source: built,
      tags: 'staging\nv{version}',
      version: '1.2.3',
    });
    expect(byDigest.outputs).toMatchObject({
      digest: built,
      skipped: 'true',
      builder: 'none',
      tags: 'staging\nv1.2.3',
    });
    expect(await registry.digestOf('promote', 'staging')).toBe(built);
    expect(await registry.digestOf('promote', 'v1.2.3')).toBe(built);

    const byTag = await action({ repository: 'promote', source: 'sha-aaaaaaa', tags: 'prod' });
    expect(byTag.outputs.digest).toBe(built);
    expect(await registry.digestOf('promote', 'prod')).toBe(built);
  });

  it('builds a multi-arch index and promotes it without changing its digest', async () => {
    const result = await action(
      { repository: 'multi', tags: 'multi-{short_sha}', platforms: 'linux/amd64,linux/arm64' },
      { workspace: workspace('multi'), env: { GITHUB_SHA: SHA_B } },
    );
    const index = result.outputs.digest;
    expect(await registry.digestOf('multi', 'multi-bbbbbbb')).toBe(index);
    const body = await registry.json<{
      mediaType: string;
      manifests: Array<{ platform: { architecture: string } }>;
    }>(`/v2/multi/manifests/${index}`);
    expect(body.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(body.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);

    const promoted = await action({ repository: 'multi', source: 'multi-bbbbbbb', tags: 'multi-prod' });
    expect(promoted.outputs.digest).toBe(index);
    expect(await registry.digestOf('multi', 'multi-prod')).toBe(index);
  });

  it('uses the registry cache by default: the second build of the same content takes its steps from the cache', async () => {
    const dir = workspace('cached');
    writeFileSync(join(dir, 'Containerfile'), 'FROM scratch\nCOPY hello.txt /\nCOPY hello.txt /copy.txt\n');
    const cache = { repository: 'cache', tags: 'cache-{short_sha}', cache: 'registry' };
    const first = await action(cache, { workspace: dir, env: { GITHUB_SHA: SHA_C } });
    expect(first.stdout).toMatch(/Pushing cache/);
    const second = await action(cache, { workspace: dir, env: { GITHUB_SHA: SHA_B } });
    expect(second.summary).toMatch(/registry: hit \(\d+ cached steps?\)/);
    expect((await registry.tags('cache')).filter((tag) => /^[a-f0-9]{64}$/.test(tag)).length).toBeGreaterThan(
      0,
    );
  });

  describe('immutable repositories', () => {
    it('refuses to move a tag, naming both digests, and leaves the registry as it was', async () => {
      const first = (
        await action(
          { repository: 'locked', tags: 'sha-{short_sha}\nrelease' },
          { workspace: workspace('one'), env: { GITHUB_SHA: SHA_A } },
        )
      ).outputs.digest;
      const second = (
        await action(
          { repository: 'locked', tags: 'sha-{short_sha}' },
          { workspace: workspace('two'), env: { GITHUB_SHA: SHA_B } },
        )
      ).outputs.digest;
      expect(second).not.toBe(first);

      const refused = await action(
        { repository: 'locked', source: 'sha-bbbbbbb', tags: 'release' },
        { env: { EXPECT_FAILURE: '1' } },
      );
      expect(refused.exitCode).toBe(1);
      expect(errorOf(refused)).toContain(
        `tag \`release\` points at ${first} and cannot be moved to ${second}: the repository is IMMUTABLE`,
      );
      expect(await registry.digestOf('locked', 'release')).toBe(first);
    });

    it('refuses before building when a new build would have to move an immutable tag', async () => {
      const first = await build('locked-build', 'sha-{short_sha}\nrelease', 'one', SHA_A);
      const calls = emulator.control.calls().length;
      const refused = await action(
        { repository: 'locked-build', tags: 'sha-{short_sha}\nrelease' },
        { workspace: workspace('three'), env: { GITHUB_SHA: SHA_C, EXPECT_FAILURE: '1' } },
      );
      expect(refused.exitCode).toBe(1);
      expect(errorOf(refused)).toContain(
        `tag \`release\` points at ${first} and cannot be moved to the image this run builds`,
      );
      expect(refused.stdout).not.toContain('buildah build');
      expect(await registry.digestOf('locked-build', 'sha-ccccccc')).toBeUndefined();
      expect(
        emulator.control
          .calls()
          .slice(calls)
          .map((c) => c.operation),
      ).not.toContain('GetAuthorizationToken');
    });

    it('moves a tag that an IMMUTABLE_WITH_EXCLUSION filter lets move, and only that one', async () => {
      const a = (
        await action(
          { repository: 'mixed', tags: 'sha-{short_sha}\ndev\nv1' },
          { workspace: workspace('a'), env: { GITHUB_SHA: SHA_A } },
        )
      ).outputs.digest;
      const b = (
        await action(
          { repository: 'mixed', tags: 'sha-{short_sha}' },
          { workspace: workspace('b'), env: { GITHUB_SHA: SHA_B } },
        )
      ).outputs.digest;
      const moved = await action({ repository: 'mixed', source: b, tags: 'dev' });
      expect(moved.exitCode).toBe(0);
      expect(await registry.digestOf('mixed', 'dev')).toBe(b);
      const refused = await action(
        { repository: 'mixed', source: b, tags: 'v1' },
        { env: { EXPECT_FAILURE: '1' } },
      );
      expect(errorOf(refused)).toContain(`\`v1\` points at ${a} and cannot be moved to ${b}`);
      expect(await registry.digestOf('mixed', 'v1')).toBe(a);
    });
  });

  describe('docker/build-push-action, metadata-action and amazon-ecr-login parity', () => {
    const SHA_D = 'ddddddd4444444444444444444444444444444dd';
    const SHA_E = 'eeeeeee5555555555555555555555555555555ee';

    it('labels, annotations and metadata-action rules reach the registry as written', async () => {
      const result = await action(
        {
          repository: 'shop',
          tags: 'type=ref,event=tag\ntype=semver,pattern={{major}}.{{minor}}\ntype=sha',
          labels: 'org.opencontainers.image.vendor=Acme',
          annotations: 'org.opencontainers.image.description=The shop',
        },
        { workspace: workspace('parity labels'), env: { GITHUB_SHA: SHA_D, GITHUB_REF: 'refs/tags/v4.5.6' } },
      );
      const digest = result.outputs.digest;
      // metadata-action on refs/tags/v4.5.6: 4.5 (semver, priority 900) then v4.5.6 (ref, 600); latest left
      // out (allow-latest); Berth pushes the type=sha tag first.
      expect(result.outputs.tags).toBe('sha-ddddddd\n4.5\nv4.5.6');
      expect(result.outputs.version).toBe('4.5');
      for (const tag of ['sha-ddddddd', 'v4.5.6', '4.5'])
        expect(await registry.digestOf('shop', tag)).toBe(digest);
      expect(await registry.digestOf('shop', 'latest')).toBeUndefined();
      expect(await configLabels('shop', digest)).toMatchObject({
        'org.opencontainers.image.vendor': 'Acme',
        'org.opencontainers.image.title': 'shop',
        'org.opencontainers.image.version': '4.5',
        'org.opencontainers.image.revision': SHA_D,
      });
      const manifest = await registry.json<{ annotations?: Record<string, string> }>(
        `/v2/shop/manifests/${digest}`,
      );
      expect(manifest.annotations).toMatchObject({ 'org.opencontainers.image.description': 'The shop' });
      expect(JSON.parse(result.outputs.json).tags).toEqual([
        `${registry.host}/shop:sha-ddddddd`,
        `${registry.host}/shop:4.5`,
        `${registry.host}/shop:v4.5.6`,
      ]);
    });

    it('cache-to then cache-from (registry cache, buildah takes the repository): the second build hits the cache', async () => {
      const dir = workspace('explicit cache');
      writeFileSync(
        join(dir, 'Containerfile'),
        'FROM scratch\nCOPY hello.txt /\nCOPY hello.txt /again.txt\n',
      );
      const ref = `${registry.host}/shop:buildcache`;
      const first = await action(
        { repository: 'shop', tags: 'xcache-{short_sha}', 'cache-to': `type=registry,ref=${ref},mode=max` },
        { workspace: dir, env: { GITHUB_SHA: SHA_D } },
      );
      expect(first.stdout).toContain(`--layers --cache-to ${registry.host}/shop`);
      expect(first.stdout).toMatch(/Pushing cache/);
      const second = await action(
        { repository: 'shop', tags: 'xcache-{short_sha}', 'cache-from': `type=registry,ref=${ref}` },
        { workspace: dir, env: { GITHUB_SHA: SHA_E } },
      );
      expect(second.stdout).toContain(`--layers --cache-from ${registry.host}/shop`);
      expect(second.summary).toMatch(/cache-from\/cache-to: hit \(\d+ cached steps?\)/);
    });

    it('docker-config: later steps find a login for the registry (read back by containers/image)', async () => {
      const result = await action(
        { repository: 'shop', tags: 'login-{short_sha}', 'docker-config': 'true' },
        { workspace: workspace('login'), env: { GITHUB_SHA: SHA_D } },
      );
      const dir = result.outputs['docker-config'];
      expect(result.exportedEnv.DOCKER_CONFIG).toBe(dir);
      expect(dir.startsWith(result.runnerTemp)).toBe(true);
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      const auth = Buffer.from(config.auths[registry.host].auth, 'base64').toString('utf8');
      expect(auth).toMatch(/^AWS:.+/);
      // buildah reads a docker config.json as an auth file: it names the user stored for the registry.
      const user = execFileSync(
        'buildah',
        ['login', '--get-login', '--authfile', join(dir, 'config.json'), registry.host],
        {
          env: { ...process.env, ...sandbox.env },
          encoding: 'utf8',
        },
      );
      expect(user.trim()).toBe('AWS');
      // The password is masked first (::add-mask::) and never printed otherwise.
      const password = auth.slice(4);
      const printed = result.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'));
      expect(printed.join('\n')).not.toContain(password);
      expect(result.stdout).toContain(`::add-mask::${password}`);
    });

    const busybox = '/bin/busybox';
    const itWithShell = existsSync(busybox) ? it : it.skip;
    if (!existsSync(busybox))
      console.warn('build-push secret end-to-end test skipped: /bin/busybox (busybox-static) missing.');

    itWithShell(
      'secrets, secret-files and secret-envs reach RUN --mount=type=secret and nothing else',
      async () => {
        const dir = workspace('secrets');
        copyFileSync(busybox, join(dir, 'busybox'));
        writeFileSync(join(dir, 'file-secret.txt'), 'from-a-file-4f1c');
        writeFileSync(
          join(dir, 'Containerfile'),
          [
            'FROM scratch',
            'COPY busybox /bin/busybox',
            // Each secret's length lands in the image; the values must not.
            'RUN --mount=type=secret,id=inline --mount=type=secret,id=file --mount=type=secret,id=env ' +
              '["/bin/busybox", "sh", "-c", "for s in inline file env; do /bin/busybox wc -c < /run/secrets/$s; done > /lengths"]',
            '',
          ].join('\n'),
        );
        const values = { inline: 'inline-secret-9b2e', env: 'env-secret-77aa01' };
        const result = await action(
          {
            repository: 'shop',
            tags: 'secrets-{short_sha}',
            secrets: `inline=${values.inline}`,
            'secret-files': 'file=file-secret.txt',
            'secret-envs': 'env=BUILD_TOKEN',
          },
          { workspace: dir, env: { GITHUB_SHA: SHA_E, BUILD_TOKEN: values.env } },
        );
        const digest = result.outputs.digest;
        const manifest = await registry.json<{
          layers: Array<{ digest: string }>;
          config: { digest: string };
        }>(`/v2/shop/manifests/${digest}`);
        const blob = async (d: string): Promise<Buffer> => {
          const response = await fetch(`${registry.url}/v2/shop/blobs/${d}`);
          return Buffer.from((await response.arrayBuffer()) as ArrayBuffer);
        };
        // The RUN layer (a gzipped tar) holds /lengths: 18, 16 and 17 bytes.
        const runLayer = gunzipSync(await blob(manifest.layers.at(-1)!.digest));
        const lengths = execFileSync('tar', ['-xOf', '-', 'lengths'], { input: runLayer }).toString();
        expect(lengths.split('\n').filter(Boolean)).toEqual(['18', '16', '17']);
        // No value in any layer (uncompressed) or in the config, nor in the log other than the mask command.
        const contents = [
          ...(await Promise.all(manifest.layers.map(async (l) => gunzipSync(await blob(l.digest))))),
          await blob(manifest.config.digest),
        ].map((bytes) => bytes.toString('latin1'));
        for (const text of contents) {
          for (const value of [...Object.values(values), 'from-a-file-4f1c'])
            expect(text).not.toContain(value);
        }
        const printed = `${result.stdout}\n${result.summary}`
          .split('\n')
          .filter((line) => !line.startsWith('::add-mask::'));
        for (const value of Object.values(values)) expect(printed.join('\n')).not.toContain(value);
      },
    );
  });
});
