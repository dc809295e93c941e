import { ConfigurationError } from '@berth/shared/errors';
import { type Exec, tail } from '../exec.js';
import type { BuilderChoice } from '../inputs.js';
import type { BuilderName } from './types.js';

/** One probe: what was run and what it said. */
export interface Probe {
  builder: BuilderName;
  ok: boolean;
  detail: string;
}

export interface DetectedBuilder {
  name: BuilderName;
  /** Version line of the builder, for the log and the summary. */
  version: string;
  probes: Probe[];
}

async function probeDocker(exec: Exec): Promise<Probe & { version?: string }> {
  const info = await exec('docker', ['info', '--format', '{{.ServerVersion}}'], { silent: true });
  if (info.exitCode === 127) return { builder: 'docker', ok: false, detail: 'docker is not installed' };
  if (info.exitCode !== 0 || info.stdout.trim() === '') {
    return {
      builder: 'docker',
      ok: false,
      detail: `no Docker daemon answers \`docker info\` (${tail(info, 2) || `exit code ${info.exitCode}`})`,
    };
  }
  const buildx = await exec('docker', ['buildx', 'version'], { silent: true });
  if (buildx.exitCode !== 0) {
    return {
      builder: 'docker',
      ok: false,
      detail: `Docker ${info.stdout.trim()} answers but the buildx plugin is missing (\`docker buildx version\` failed)`,
    };
  }
  return {
    builder: 'docker',
    ok: true,
    detail: `Docker ${info.stdout.trim()}, ${buildx.stdout.trim()}`,
    version: buildx.stdout.trim(),
  };
}

async function probeTool(exec: Exec, tool: 'buildah' | 'podman'): Promise<Probe & { version?: string }> {
  const result = await exec(tool, ['--version'], { silent: true });
  if (result.exitCode === 127) return { builder: tool, ok: false, detail: `${tool} is not installed` };
  if (result.exitCode !== 0)
    return { builder: tool, ok: false, detail: `\`${tool} --version\` failed (${tail(result, 2)})` };
  return { builder: tool, ok: true, detail: result.stdout.trim(), version: result.stdout.trim() };
}

const INSTALL_ADVICE =
  'On GitHub-hosted Ubuntu runners Docker is preinstalled. On self-hosted or Kubernetes runners without a Docker daemon install buildah ' +
  '(`sudo apt-get install -y buildah`, or use an image that has it, e.g. quay.io/buildah/stable) and, in an unprivileged container, ' +
  'set `BUILDAH_ISOLATION=chroot` and `STORAGE_DRIVER=vfs`; podman works too.';

/**
 * Picks the builder. `auto`: docker buildx when a Docker daemon answers, else
 * buildah, else podman. A named builder must be usable. Either way the error
 * lists what was tried and how to get a builder.
 */
export async function detectBuilder(exec: Exec, choice: BuilderChoice): Promise<DetectedBuilder> {
  const order: BuilderName[] = choice === 'auto' ? ['docker', 'buildah', 'podman'] : [choice];
  const probes: Probe[] = [];
  for (const name of order) {
    const probe = name === 'docker' ? await probeDocker(exec) : await probeTool(exec, name);
    probes.push({ builder: probe.builder, ok: probe.ok, detail: probe.detail });
    if (probe.ok) return { name, version: probe.version ?? probe.detail, probes };
  }
  const tried = probes.map((probe) => `${probe.builder}: ${probe.detail}`).join('; ');
  if (choice === 'auto') {
    throw new ConfigurationError(`No container builder found (tried ${tried}). ${INSTALL_ADVICE}`);
  }
  throw new ConfigurationError(
    `Input \`builder\` is \`${choice}\` but it cannot be used here (${tried}). Install it, or set \`builder: auto\` to use whatever this runner has. ${INSTALL_ADVICE}`,
  );
}
