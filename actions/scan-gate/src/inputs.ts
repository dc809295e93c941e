import { type AwsInputs, readAwsInputs } from '@berth/shared/aws';
import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { SEVERITIES, type Severity } from './normalise.js';
import { FAIL_ON, type FailOn } from './policy.js';

export const SOURCES = ['ecr', 'trivy', 'grype', 'sarif'] as const;
export type Source = (typeof SOURCES)[number];

/** Lower-case severity names as inputs spell them. */
export const SEVERITY_NAMES = SEVERITIES.map((s) => s.toLowerCase()) as Lowercase<Severity>[];

/** Keys match action.yml (camelCased). */
export interface Inputs {
  source: Source;
  repository?: string;
  imageDigest?: string;
  imageTag?: string;
  /** Paths or globs, relative to the workspace. */
  report: string[];
  startScan: boolean;
  allowUnscanned: boolean;
  waitTimeoutMinutes: number;
  failOn: FailOn;
  maxFindings: Partial<Record<Severity, number>>;
  ignoreUnfixed: boolean;
  allowlist?: string;
  /** Trivy, Grype and OpenVEX exception files to import, as written (relative to the workspace). */
  exceptionFiles: string[];
  defaultExpiryDays: number;
  sarifMinSeverity: Severity;
  dockerfile?: string;
  aws: AwsInputs;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
// ECR repository names: lower-case path components joined by `/`, 2–256 characters.
const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,299}$/;

/** `critical=0,high=5` → budgets; keys are severity names, values whole numbers ≥ 0. */
export function parseMaxFindings(items: readonly string[]): Partial<Record<Severity, number>> {
  const budgets: Partial<Record<Severity, number>> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = (eq === -1 ? item : item.slice(0, eq)).trim().toLowerCase();
    const value = eq === -1 ? '' : item.slice(eq + 1).trim();
    if (!(SEVERITY_NAMES as string[]).includes(key)) {
      throw new ConfigurationError(
        `Input \`max-findings\`: \`${key || item}\` is not a severity; use ${SEVERITY_NAMES.map((s) => `\`${s}\``).join(', ')}, e.g. \`max-findings: critical=0,high=5\`.`,
      );
    }
    if (!/^\d+$/.test(value)) {
      throw new ConfigurationError(
        `Input \`max-findings\`: \`${item}\` needs a whole number of findings allowed, e.g. \`${key}=0\`.`,
      );
    }
    const severity = key.toUpperCase() as Severity;
    if (budgets[severity] !== undefined) {
      throw new ConfigurationError(
        `Input \`max-findings\`: \`${key}\` is given twice; keep one budget per severity.`,
      );
    }
    budgets[severity] = Number(value);
  }
  return budgets;
}

/**
 * The only reader of scan-gate's inputs. Every input is read (so a test can
 * compare the names with action.yml) before any is checked against another.
 */
export function getInputs(reader: InputReader = new InputReader()): Inputs {
  const source = reader.enumeration('source', SOURCES, 'ecr');
  const repository = reader.optional('repository');
  const imageDigest = reader.optional('image-digest');
  const imageTag = reader.optional('image-tag');
  const report = reader.list('report');
  const startScan = reader.boolean('start-scan', true);
  const allowUnscanned = reader.boolean('allow-unscanned', false);
  const waitTimeoutMinutes = reader.integer('wait-timeout-minutes', { min: 0, max: 360, fallback: 10 });
  const failOn = reader.enumeration('fail-on', FAIL_ON, 'high');
  const maxFindings = parseMaxFindings(reader.list('max-findings'));
  const ignoreUnfixed = reader.boolean('ignore-unfixed', false);
  const allowlist = reader.optional('allowlist');
  const exceptionFiles = reader.list('exception-files');
  const defaultExpiryDays = reader.integer('default-expiry-days', { min: 1, max: 365, fallback: 90 });
  const sarifMinSeverity = reader
    .enumeration('sarif-min-severity', SEVERITY_NAMES, 'low')
    .toUpperCase() as Severity;
  const dockerfile = reader.optional('dockerfile');
  const aws = readAwsInputs(reader);

  if (source === 'ecr') {
    if (!repository) {
      throw new ConfigurationError(
        'Input `repository` is required with `source: ecr`: the ECR repository name, e.g. `repository: shop/web`.',
      );
    }
    if (!REPOSITORY.test(repository) || repository.length > 256) {
      const name = repository.replace(/^[^/]*\.amazonaws\.com(?:\.cn)?\//, '').replace(/[:@].*$/, '');
      const hint =
        name !== repository && REPOSITORY.test(name)
          ? ` Give the repository name only: \`repository: ${name}\`, and the tag or digest in \`image-tag\` / \`image-digest\`.`
          : ' ECR repository names are lower-case letters, digits and `._-`, with `/` between path parts.';
      throw new ConfigurationError(
        `Input \`repository\`: ${JSON.stringify(repository)} is not an ECR repository name.${hint}`,
      );
    }
    if (imageDigest && imageTag) {
      throw new ConfigurationError(
        'Inputs `image-digest` and `image-tag` are exclusive: give the digest (preferred; it names exactly the image that was pushed) or the tag, not both.',
      );
    }
    if (!imageDigest && !imageTag) {
      throw new ConfigurationError(
        "Input `image-digest` or `image-tag` is required with `source: ecr`, e.g. `image-digest: sha256:…` from the push step's digest output.",
      );
    }
    if (imageDigest && !DIGEST.test(imageDigest)) {
      throw new ConfigurationError(
        `Input \`image-digest\` must be \`sha256:\` followed by 64 lower-case hexadecimal digits, got ${JSON.stringify(imageDigest)}.`,
      );
    }
    if (imageTag && !TAG.test(imageTag)) {
      throw new ConfigurationError(
        `Input \`image-tag\` must be a tag such as \`v1.2.3\` (letters, digits, \`_.-\`), got ${JSON.stringify(imageTag)}. For a digest use \`image-digest\`.`,
      );
    }
    if (report.length > 0) {
      throw new ConfigurationError(
        "Input `report` applies to `source: trivy`, `grype` or `sarif`; with `source: ecr` the findings come from ECR. Remove `report`, or set `source` to the report's scanner.",
      );
    }
  } else {
    if (report.length === 0) {
      throw new ConfigurationError(
        `Input \`report\` is required with \`source: ${source}\`: the path or glob of the ${source} report file(s), e.g. \`report: ${source === 'sarif' ? 'scan.sarif' : `${source}.json`}\`.`,
      );
    }
    const ecrOnly = [
      ['repository', repository],
      ['image-digest', imageDigest],
      ['image-tag', imageTag],
    ].filter(([, value]) => value !== undefined);
    if (ecrOnly.length > 0) {
      throw new ConfigurationError(
        `Input ${ecrOnly.map(([name]) => `\`${name}\``).join(', ')} applies only to \`source: ecr\`; with \`source: ${source}\` the findings come from \`report\`. Remove it, or set \`source: ecr\`.`,
      );
    }
  }

  return {
    source,
    repository,
    imageDigest,
    imageTag,
    report,
    startScan,
    allowUnscanned,
    waitTimeoutMinutes,
    failOn,
    maxFindings,
    ignoreUnfixed,
    allowlist,
    exceptionFiles,
    defaultExpiryDays,
    sarifMinSeverity,
    dockerfile,
    aws,
  };
}
