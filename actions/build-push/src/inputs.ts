import { type AwsInputs, readAwsInputs } from '@berth/shared/aws';
import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { type CacheEntry, parseCacheEntries } from './builders/cache.js';
import { isRuleLine } from './metadata-tags.js';

export const BUILDERS = ['auto', 'docker', 'buildah', 'podman'] as const;
export type BuilderChoice = (typeof BUILDERS)[number];
export const CACHE_MODES = ['registry', 'gha', 'none'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

/** The action's inputs, one key per action.yml input (camelCase). */
export interface Inputs {
  repository: string;
  registry?: string;
  /** Tag templates, one per line (placeholders not yet rendered), or metadata-action rules (`type=…`). */
  tags: string[];
  /** metadata-action's `flavor` lines (`latest=auto`, `prefix=…`, `suffix=…`). */
  flavor: string[];
  version?: string;
  environment?: string;
  allowLatest: boolean;
  source?: string;
  skipIfExists: boolean;
  push: boolean;
  builder: BuilderChoice;
  context: string;
  file?: string;
  target?: string;
  buildArgs: Map<string, string>;
  secrets: Map<string, string>;
  /** Secret id → file path (relative to the workspace), as `RUN --mount=type=secret,id=…` sees it. */
  secretFiles: Map<string, string>;
  /** Secret id → name of the environment variable holding its value. */
  secretEnvs: Map<string, string>;
  /** `default` or `<id>=<socket or key>[,<key>]`, one per line. */
  ssh: string[];
  /** Extra build context name → value (path, `docker-image://…`, URL). */
  buildContexts: Map<string, string>;
  platforms: string[];
  labels: Map<string, string>;
  /** `[<level>:]key` → value; levels are buildx's (`manifest`, `index`, …). */
  annotations: Map<string, string>;
  noCache: boolean;
  pull: boolean;
  cache: CacheMode;
  /** Explicit cache sources/destinations (buildx syntax); when given they replace what `cache` sets. */
  cacheFrom: CacheEntry[];
  cacheTo: CacheEntry[];
  /** Leave a docker config with the registry's credentials for later steps (DOCKER_CONFIG). */
  dockerConfig: boolean;
  provenance?: string;
  sbom?: string;
  /** Minutes the step's AWS calls may take in all (1–360); the build itself is the job's to bound. */
  timeoutMinutes: number;
  /** Promotion: minutes to wait for the `source` digest to arrive (ECR replication); 0 does not wait. */
  waitMinutes: number;
  aws: AwsInputs;
}

const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const REGISTRY_HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::\d{1,5})?$/;
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/;
const SECRET_ID = /^[A-Za-z0-9_.-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SSH_ENTRY = /^[A-Za-z0-9_.-]+(?:=\S.*)?$/;
const SOURCE = /^(?:sha256:[a-f0-9]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/;

function validateRepository(value: string): string {
  if (REPOSITORY.test(value) && value.length >= 2 && value.length <= 256) return value;
  const slash = value.indexOf('/');
  if (slash > 0 && /[.:]/.test(value.slice(0, slash))) {
    throw new ConfigurationError(
      `Input \`repository\` is the repository name only, got ${JSON.stringify(value)}. ` +
        `Write \`repository: ${value.slice(slash + 1).replace(/[:@].*$/, '')}\` and, if needed, \`registry: ${value.slice(0, slash)}\`.`,
    );
  }
  if (/[:@]/.test(value)) {
    throw new ConfigurationError(
      `Input \`repository\` must not carry a tag or digest, got ${JSON.stringify(value)}. Put tags in \`tags\` and an existing image in \`source\`.`,
    );
  }
  throw new ConfigurationError(
    `Input \`repository\` must be an ECR repository name (2–256 lowercase letters, digits, \`.\`, \`_\`, \`-\` and \`/\`, e.g. \`shop/web\`), got ${JSON.stringify(value)}.`,
  );
}

function validateRegistry(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const host = value.replace(/\/+$/, '');
  if (/^[a-z]+:\/\//i.test(host) || host.includes('/') || !REGISTRY_HOST.test(host)) {
    throw new ConfigurationError(
      `Input \`registry\` must be a registry host such as \`123456789012.dkr.ecr.eu-west-1.amazonaws.com\` (no scheme, no path), got ${JSON.stringify(value)}. ` +
        'Leave it empty to use your own account’s registry in `aws-region`.',
    );
  }
  return host.toLowerCase();
}

function validatePlatforms(platforms: string[]): string[] {
  for (const platform of platforms) {
    if (!PLATFORM.test(platform)) {
      throw new ConfigurationError(
        `Input \`platforms\`: ${JSON.stringify(platform)} is not a platform; write \`os/arch[/variant]\`, e.g. \`linux/amd64,linux/arm64\`.`,
      );
    }
  }
  return [...new Set(platforms)];
}

/** Like `reader.keyValues('secrets')`, but a malformed line is reported by number only: it may hold a secret. */
function readSecrets(reader: InputReader): Map<string, string> {
  let secrets: Map<string, string>;
  try {
    secrets = reader.keyValues('secrets');
  } catch (error) {
    const line = /line (\d+)/.exec(error instanceof Error ? error.message : '')?.[1] ?? '?';
    throw new ConfigurationError(
      `Input \`secrets\` line ${line} is not \`id=value\` (or repeats an id); the line is not shown because it may hold a secret. Write one \`id=\${{ secrets.NAME }}\` per line.`,
    );
  }
  return validateSecrets(secrets);
}

function validateSecrets(secrets: Map<string, string>): Map<string, string> {
  for (const id of secrets.keys()) {
    if (!SECRET_ID.test(id)) {
      throw new ConfigurationError(
        `Input \`secrets\`: secret id ${JSON.stringify(id)} may only contain letters, digits, \`_\`, \`.\` and \`-\` (it is the \`id\` in \`RUN --mount=type=secret,id=…\`).`,
      );
    }
  }
  return secrets;
}

/** Non-empty lines without `#` comments, each kept whole (commas are part of the value). */
export function inputLines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Berth templates (a list: lines or commas), or metadata-action rules (lines, commas inside a rule). */
function readTags(reader: InputReader): string[] {
  const raw = reader.raw('tags');
  if (raw === '') return [];
  const lines = inputLines(raw);
  return lines.some(isRuleLine) ? lines : reader.list('tags');
}

/** `secret-envs`: `id=ENV_NAME` pairs, one per line or comma separated (docker/build-push-action's List/CSV). */
function readSecretEnvs(reader: InputReader): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const item of reader.list('secret-envs')) {
    const eq = item.indexOf('=');
    const id = item.slice(0, eq).trim();
    const name = item.slice(eq + 1).trim();
    if (eq <= 0 || !ENV_NAME.test(name)) {
      throw new ConfigurationError(
        `Input \`secret-envs\`: ${JSON.stringify(item)} is not \`id=ENV_NAME\`. Write e.g. \`npm_token=NPM_TOKEN\` and set NPM_TOKEN in the step's \`env\`.`,
      );
    }
    if (pairs.has(id)) throw new ConfigurationError(`Input \`secret-envs\` repeats the id \`${id}\`.`);
    pairs.set(id, name);
  }
  return pairs;
}

function readSsh(reader: InputReader): string[] {
  const entries = inputLines(reader.raw('ssh'));
  for (const entry of entries) {
    if (!SSH_ENTRY.test(entry)) {
      throw new ConfigurationError(
        `Input \`ssh\`: ${JSON.stringify(entry)} is not \`default\` or \`<id>=<socket or key file>\`. Write e.g. \`default\` (the agent in SSH_AUTH_SOCK) or \`github=\${{ runner.temp }}/deploy_key\`.`,
      );
    }
  }
  return entries;
}

/** Every id of the three secret inputs must be a valid id and appear once across them. */
function checkSecretIds(sources: Array<[string, Map<string, string>]>): void {
  const seen = new Map<string, string>();
  for (const [input, map] of sources) {
    for (const id of map.keys()) {
      if (!SECRET_ID.test(id)) {
        throw new ConfigurationError(
          `Input \`${input}\`: secret id ${JSON.stringify(id)} may only contain letters, digits, \`_\`, \`.\` and \`-\` (it is the \`id\` in \`RUN --mount=type=secret,id=…\`).`,
        );
      }
      const other = seen.get(id);
      if (other) {
        throw new ConfigurationError(
          `Secret id \`${id}\` is given in both \`${other}\` and \`${input}\`; a build secret has one source. Remove one of them.`,
        );
      }
      seen.set(id, input);
    }
  }
}

/** Waiting is for a digest that replication will bring, and ends before the step's deadline. */
function validateWait(waitMinutes: number, source: string | undefined, timeoutMinutes: number): number {
  if (waitMinutes === 0) return 0;
  if (!source?.startsWith('sha256:')) {
    throw new ConfigurationError(
      `Input \`wait-minutes\` (${waitMinutes}) waits for the digest in \`source\` to arrive in the registry, but \`source\` is ${source === undefined ? 'empty' : JSON.stringify(source)}. Set \`source\` to the image's digest (\`sha256:…\`) or remove \`wait-minutes\`.`,
    );
  }
  if (waitMinutes >= timeoutMinutes) {
    throw new ConfigurationError(
      `Input \`wait-minutes\` (${waitMinutes}) must be less than \`timeout-minutes\` (${timeoutMinutes}), which bounds the whole step. Raise \`timeout-minutes\` or lower \`wait-minutes\`.`,
    );
  }
  return waitMinutes;
}

function validateSource(value: string | undefined): string | undefined {
  if (value === undefined || SOURCE.test(value)) return value;
  throw new ConfigurationError(
    `Input \`source\` must be a tag (e.g. \`sha-abc1234\`) or a digest (\`sha256:\` and 64 hexadecimal digits) of an image in \`repository\`, got ${JSON.stringify(value)}.`,
  );
}

/** The only reader of the action's inputs; throws a ConfigurationError on the first bad one. */
export function getInputs(reader: InputReader = new InputReader()): Inputs {
  const secrets = readSecrets(reader);
  const secretFiles = reader.keyValues('secret-files');
  const secretEnvs = readSecretEnvs(reader);
  checkSecretIds([
    ['secrets', secrets],
    ['secret-files', secretFiles],
    ['secret-envs', secretEnvs],
  ]);
  const source = validateSource(reader.optional('source'));
  const timeoutMinutes = reader.integer('timeout-minutes', { min: 1, max: 360, fallback: 30 });
  return {
    repository: validateRepository(
      reader.required('repository', 'name the ECR repository to push to, e.g. `repository: shop/web`.'),
    ),
    registry: validateRegistry(reader.optional('registry')),
    tags: readTags(reader),
    flavor: inputLines(reader.raw('flavor')),
    version: reader.optional('version'),
    environment: reader.optional('environment'),
    allowLatest: reader.boolean('allow-latest', false),
    source,
    skipIfExists: reader.boolean('skip-if-exists', true),
    push: reader.boolean('push', true),
    builder: reader.enumeration('builder', BUILDERS, 'auto'),
    context: reader.string('context', '.'),
    file: reader.optional('file'),
    target: reader.optional('target'),
    buildArgs: reader.keyValues('build-args'),
    secrets,
    secretFiles,
    secretEnvs,
    ssh: readSsh(reader),
    buildContexts: reader.keyValues('build-contexts'),
    platforms: validatePlatforms(reader.list('platforms')),
    labels: reader.keyValues('labels'),
    annotations: reader.keyValues('annotations'),
    noCache: reader.boolean('no-cache', false),
    pull: reader.boolean('pull', false),
    cache: reader.enumeration('cache', CACHE_MODES, 'registry'),
    cacheFrom: parseCacheEntries('cache-from', inputLines(reader.raw('cache-from'))),
    cacheTo: parseCacheEntries('cache-to', inputLines(reader.raw('cache-to'))),
    dockerConfig: reader.boolean('docker-config', false),
    provenance: reader.optional('provenance'),
    sbom: reader.optional('sbom'),
    timeoutMinutes,
    waitMinutes: validateWait(
      reader.integer('wait-minutes', { min: 0, max: 359, fallback: 0 }),
      source,
      timeoutMinutes,
    ),
    aws: readAwsInputs(reader),
  };
}
