/**
 * A docker config (`config.json`) that lets later steps of the job (`docker
 * pull`, `trivy image`, `crane`) use the registry, as amazon-ecr-login leaves
 * one behind with `docker login`. Berth writes it without needing docker (the
 * build may have been buildah's): the file format is Docker's
 * (https://docs.docker.com/reference/cli/docker/#docker-cli-configuration-file-configjson-properties):
 * `auths.<registry>.auth` is base64 of `user:password`, which is exactly what
 * ECR's GetAuthorizationToken returns
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_AuthorizationData.html).
 */
import { join } from 'node:path';
import type { Logger } from '@berth/shared/logger';
import type { RegistryCredentials } from './login.js';
import type { TempFiles } from './temp-files.js';

/** The base64 `user:password` docker keeps in `auths.<registry>.auth`. */
export function dockerAuth(credentials: Pick<RegistryCredentials, 'username' | 'password'>): string {
  return Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
}

export interface MergedDockerConfig {
  config: Record<string, unknown>;
  /** What changed in the user's config besides the new auth, to tell them. */
  notes: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The config in use (if any) with this registry's auth added. Docker asks a
 * credential helper before `auths`: a `credHelpers` entry for the registry and
 * a global `credsStore` would hide the new auth, so they are left out of the
 * copy (the original file is not touched).
 */
export function mergeDockerConfig(base: unknown, registry: string, auth: string): MergedDockerConfig {
  const config: Record<string, unknown> = isObject(base) ? { ...base } : {};
  const notes: string[] = [];
  const auths = isObject(config.auths) ? { ...config.auths } : {};
  auths[registry] = { auth };
  config.auths = auths;
  if (isObject(config.credHelpers) && registry in config.credHelpers) {
    const helpers = { ...config.credHelpers };
    delete helpers[registry];
    config.credHelpers = helpers;
    notes.push(`the credential helper configured for ${registry} is left out, so the new login is used`);
  }
  if (typeof config.credsStore === 'string') {
    notes.push(
      `the credential store \`${config.credsStore}\` is left out (docker would ask it before the file); logins kept only in that store are not available to later steps`,
    );
    delete config.credsStore;
  }
  return { config, notes };
}

/** Where docker reads its config today: DOCKER_CONFIG, else ~/.docker. */
export function currentConfigFile(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return env.HOME ? join(env.HOME, '.docker', 'config.json') : undefined;
}

/**
 * Writes the merged config into a new private folder (0700, file 0600) made
 * by `files` under RUNNER_TEMP, which the runner empties after the job, and
 * returns that folder: the value for DOCKER_CONFIG.
 */
export async function writeDockerConfig(
  files: TempFiles,
  env: NodeJS.ProcessEnv,
  registry: string,
  auth: string,
): Promise<{ dir: string; notes: string[] }> {
  const current = currentConfigFile(env);
  let base: unknown;
  const text = current ? await files.read(current) : undefined;
  const notes: string[] = [];
  if (text !== undefined) {
    try {
      base = JSON.parse(text);
    } catch {
      notes.push(`${current} is not JSON and was not carried over`);
    }
  }
  const merged = mergeDockerConfig(base, registry, auth);
  const dir = await files.makeDir();
  await files.writePrivate(join(dir, 'config.json'), `${JSON.stringify(merged.config, null, 2)}\n`);
  return { dir, notes: [...notes, ...merged.notes] };
}

/**
 * Writes the docker config for later steps and returns its folder (for
 * DOCKER_CONFIG). The auth is masked before it is written anywhere. The
 * caller exports DOCKER_CONFIG only after its own builder login and logout,
 * so a logout on a self-hosted runner cannot remove this login.
 */
export async function leaveDockerConfig(
  deps: { files: TempFiles; env: NodeJS.ProcessEnv; logger: Logger; setSecret(secret: string): void },
  registry: string,
  credentials: Pick<RegistryCredentials, 'username' | 'password'>,
): Promise<string> {
  const auth = dockerAuth(credentials);
  deps.setSecret(auth);
  const written = await writeDockerConfig(deps.files, deps.env, registry, auth);
  for (const note of written.notes) deps.logger.info(`docker config: ${note}.`);
  deps.logger.info(`Logged in to ${registry} for later steps: DOCKER_CONFIG=${written.dir}`);
  return written.dir;
}
