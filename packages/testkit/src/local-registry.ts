/**
 * A real OCI registry on this machine, for the end-to-end tests, the promotion
 * bench and `npm run demo`: Debian's `docker-registry` (distribution 2.8) on
 * 127.0.0.1, a free port, storage in a temporary folder, deletes enabled (the
 * emulator's BatchDeleteImage needs them). Also the buildah environment that
 * keeps each user's image storage apart (vfs driver, chroot isolation, private
 * roots). Never part of an action.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DOCKER_REGISTRY_BIN = '/usr/bin/docker-registry';

/** Which of the given programs are missing (so a test can skip with a notice naming them). */
export function missingPrograms(...programs: string[]): string[] {
  return programs.filter((program) => {
    if (program.startsWith('/')) return !existsSync(program);
    try {
      execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * One plain HTTP request without keep-alive (global fetch keeps sockets open
 * for seconds after a test, which keeps jest from exiting).
 */
export function httpCall(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface RunningRegistry {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** `127.0.0.1:<port>`, as image references spell it. */
  host: string;
  storage: string;
  stop(): Promise<void>;
  /** `Docker-Content-Digest` of a manifest by tag or digest, straight from the registry's API; undefined on 404. */
  digestOf(repository: string, reference: string): Promise<string | undefined>;
  tags(repository: string): Promise<string[]>;
  /** A manifest (by tag or digest) or blob, parsed as JSON. */
  json<T = unknown>(path: string, accept?: string): Promise<T>;
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export async function startRegistry(): Promise<RunningRegistry> {
  const base = mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const storage = join(base, 'storage');
  mkdirSync(storage);
  const port = await freePort();
  const config = join(base, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(DOCKER_REGISTRY_BIN, ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(base, { recursive: true, force: true });
      throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr}`);
    }
    try {
      const response = await httpCall(`${url}/v2/`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(base, { recursive: true, force: true });
      throw new Error(`docker-registry did not answer on ${url} within 15 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    host: `127.0.0.1:${port}`,
    storage,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 3000)))]);
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(base, { recursive: true, force: true });
    },
    digestOf: async (repository, reference) => {
      const response = await httpCall(`${url}/v2/${repository}/manifests/${reference}`, {
        headers: { Accept: ACCEPT },
      });
      if (response.status === 404) return undefined;
      if (response.status !== 200)
        throw new Error(`GET manifest ${repository}:${reference}: HTTP ${response.status}`);
      const digest = response.headers['docker-content-digest'];
      return typeof digest === 'string' ? digest : undefined;
    },
    tags: async (repository) => {
      const response = await httpCall(`${url}/v2/${repository}/tags/list`);
      if (response.status !== 200) return [];
      return (JSON.parse(response.body.toString('utf8')) as { tags?: string[] | null }).tags ?? [];
    },
    json: async <T>(path: string, accept = ACCEPT) => {
      const response = await httpCall(`${url}${path}`, { headers: { Accept: accept } });
      if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status}`);
      return JSON.parse(response.body.toString('utf8')) as T;
    },
  };
}

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Uploads one blob in a single PUT (registry API v2); returns its digest. */
export async function uploadBlob(
  registryUrl: string,
  repository: string,
  bytes: Buffer,
  digest = sha256(bytes),
): Promise<string> {
  const start = await httpCall(`${registryUrl}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) {
    throw new Error(`blob upload start: HTTP ${start.status} ${start.body.toString('utf8')}`);
  }
  const location = new URL(String(start.headers.location), registryUrl);
  location.searchParams.set('digest', digest);
  const put = await httpCall(location.toString(), {
    method: 'PUT',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length) },
    body: bytes,
  });
  if (put.status !== 201) {
    throw new Error(`blob upload ${digest}: HTTP ${put.status} ${put.body.toString('utf8')}`);
  }
  return digest;
}

export interface PushedImage {
  digest: string;
  manifest: string;
  mediaType: string;
}

/**
 * Pushes a one-layer image (config and layer blobs, then the manifest under
 * `tag`) the way buildah would, returning the registry's digest.
 */
export async function pushImage(
  registryUrl: string,
  repository: string,
  tag: string,
  options: { content?: string; format?: 'oci' | 'docker' } = {},
): Promise<PushedImage> {
  const content = options.content ?? `${repository}:${tag}:${Math.random()}`;
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { content } },
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const layer = Buffer.from(`layer of ${content}`);
  const configDigest = await uploadBlob(registryUrl, repository, config);
  const layerDigest = await uploadBlob(registryUrl, repository, layer);
  const docker = options.format === 'docker';
  const mediaType = docker
    ? 'application/vnd.docker.distribution.manifest.v2+json'
    : 'application/vnd.oci.image.manifest.v1+json';
  const manifest = JSON.stringify(
    {
      schemaVersion: 2,
      mediaType,
      config: {
        mediaType: docker
          ? 'application/vnd.docker.container.image.v1+json'
          : 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: [
        {
          mediaType: docker
            ? 'application/vnd.docker.image.rootfs.diff.tar.gzip'
            : 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: layerDigest,
          size: layer.length,
        },
      ],
    },
    null,
    2,
  );
  const put = await httpCall(`${registryUrl}/v2/${repository}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'Content-Type': mediaType },
    body: Buffer.from(manifest),
  });
  if (put.status !== 201) throw new Error(`manifest push: HTTP ${put.status} ${put.body.toString('utf8')}`);
  const digest = put.headers['docker-content-digest'];
  return { digest: typeof digest === 'string' ? digest : sha256(manifest), manifest, mediaType };
}

export interface BuildahSandbox {
  /** Environment for buildah (and the action running it): vfs, chroot isolation, private storage and auth file. */
  env: Record<string, string>;
  dir: string;
  cleanup(): void;
}

/**
 * Storage for buildah that no other test shares: a storage.conf with its own
 * graph and run roots (CONTAINERS_STORAGE_CONF), the vfs driver (no overlay
 * mounts needed), chroot isolation (no runc namespaces), and a private
 * registry auth file. vfs layers are plain copies, so the cleanup removes them
 * with buildah itself first (it may hold read-only files).
 */
export function buildahSandbox(): BuildahSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'berth-buildah-'));
  const conf = join(dir, 'storage.conf');
  writeFileSync(
    conf,
    [
      '[storage]',
      'driver = "vfs"',
      `graphroot = "${join(dir, 'graph')}"`,
      `runroot = "${join(dir, 'run')}"`,
      '',
    ].join('\n'),
  );
  const env = {
    CONTAINERS_STORAGE_CONF: conf,
    STORAGE_DRIVER: 'vfs',
    BUILDAH_ISOLATION: 'chroot',
    REGISTRY_AUTH_FILE: join(dir, 'auth.json'),
    XDG_RUNTIME_DIR: join(dir, 'xdg'),
  };
  mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true });
  // buildah refuses a REGISTRY_AUTH_FILE that does not exist.
  writeFileSync(env.REGISTRY_AUTH_FILE, '{"auths":{}}\n', { mode: 0o600 });
  return {
    env,
    dir,
    cleanup: () => {
      try {
        execFileSync('buildah', ['rm', '--all'], { env: { ...process.env, ...env }, stdio: 'ignore' });
        execFileSync('buildah', ['rmi', '--all', '--force'], {
          env: { ...process.env, ...env },
          stdio: 'ignore',
        });
      } catch {
        // best effort: the folder goes anyway
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
