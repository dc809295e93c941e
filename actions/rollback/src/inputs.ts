import { type AwsInputs, readAwsInputs } from '@berth/shared/aws';
import { ConfigurationError } from '@berth/shared/errors';
import { type GitHubDeploymentInputs, readGitHubDeploymentInputs } from '@berth/shared/github-deployment';
import { InputReader } from '@berth/shared/inputs';
import { checkEcsName } from '@berth/shared/names';
import { type NotifyInputs, readNotifyInputs } from '@berth/shared/notify';

/** What the `to` input asks for. */
export type TargetSpec =
  | { kind: 'last-successful' }
  | { kind: 'previous-revision' }
  /** An explicit revision: `family:revision` or a task definition ARN (`arn` set). */
  | { kind: 'revision'; family: string; revision: number; arn?: string }
  /** `image:<tag>` or `image:<digest>`: exactly one of `tag` and `digest` is set. */
  | { kind: 'image'; tag?: string; digest?: string };

/** Every input of action.yml, parsed and validated. */
export interface Inputs {
  cluster: string;
  service: string;
  /** The `to` input as written (for the log and the record). */
  to: string;
  target: TargetSpec;
  /** The operator's reason, verbatim; undefined when none was given. */
  reason?: string;
  dryRun: boolean;
  wait: boolean;
  timeoutMinutes: number;
  /** The GitHub Deployment of the restored revision (on by default); also a history source for `last-successful`. */
  github: GitHubDeploymentInputs;
  notify: NotifyInputs;
  aws: AwsInputs;
}

export const NO_REASON = 'no reason given';

const TASK_DEFINITION_ARN =
  /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/([A-Za-z0-9_-]{1,255}):(\d+)$/;
const FAMILY_REVISION = /^([A-Za-z0-9_-]{1,255}):(\d+)$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^\w[\w.-]{0,127}$/;

const TO_FORMS =
  '`last-successful`, `previous-revision`, a task definition revision (`web:41` or its ARN), or `image:<tag-or-digest>` (e.g. `image:v1.4.2`, `image:sha256:…`)';

/** Parses the `to` input; throws a ConfigurationError naming the forms it accepts. */
export function parseTarget(raw: string): TargetSpec {
  const text = raw.trim();
  const lower = text.toLowerCase();
  if (text === '' || lower === 'last-successful') return { kind: 'last-successful' };
  if (lower === 'previous-revision') return { kind: 'previous-revision' };
  const arn = TASK_DEFINITION_ARN.exec(text);
  if (arn) return { kind: 'revision', family: arn[1], revision: positive(arn[2], text), arn: text };
  if (lower.startsWith('image:')) {
    const value = text.slice('image:'.length).trim();
    if (DIGEST.test(value)) return { kind: 'image', digest: value };
    if (value.startsWith('sha256:')) {
      throw new ConfigurationError(
        `Input \`to\`: ${JSON.stringify(value)} is not a digest (expected \`sha256:\` followed by 64 lower-case hexadecimal digits). Copy the digest from ECR, e.g. \`to: image:sha256:0123…\`.`,
      );
    }
    if (TAG.test(value)) return { kind: 'image', tag: value };
    throw new ConfigurationError(
      `Input \`to\`: ${JSON.stringify(value)} is neither an image tag nor a digest. Give only the tag or the digest, without the repository, e.g. \`to: image:v1.4.2\` or \`to: image:sha256:0123…\`.`,
    );
  }
  const familyRevision = FAMILY_REVISION.exec(text);
  if (familyRevision) {
    return { kind: 'revision', family: familyRevision[1], revision: positive(familyRevision[2], text) };
  }
  throw new ConfigurationError(`Input \`to\` must be ${TO_FORMS}, got ${JSON.stringify(text)}.`);
}

function positive(digits: string, text: string): number {
  const revision = Number(digits);
  if (!Number.isSafeInteger(revision) || revision < 1) {
    throw new ConfigurationError(
      `Input \`to\`: revision ${digits} in ${JSON.stringify(text)} is not a revision number (1 or more).`,
    );
  }
  return revision;
}

/** The only reader of this action's inputs; throws a ConfigurationError on the first bad value. */
export function getInputs(reader: InputReader = new InputReader()): Inputs {
  const cluster = reader.string('cluster', 'default');
  const service = reader.required(
    'service',
    'set it to the name or ARN of the ECS service to roll back, e.g. `service: web`.',
  );
  // Both are echoed in the log, the summary and the record: checked before anything uses them.
  checkEcsName('cluster', 'cluster', cluster, { allowArn: true });
  checkEcsName('service', 'service', service, { allowArn: true });
  const to = reader.string('to', 'last-successful');
  const target = parseTarget(to);
  // Kept verbatim (not trimmed of inner whitespace, never masked): it is the audit trail.
  const reason = reader.optional('reason');
  return {
    cluster,
    service,
    to,
    target,
    reason,
    dryRun: reader.boolean('dry-run', false),
    wait: reader.boolean('wait', true),
    timeoutMinutes: reader.integer('timeout-minutes', { min: 1, max: 360, fallback: 30 }),
    github: readGitHubDeploymentInputs(reader),
    notify: readNotifyInputs(reader),
    aws: readAwsInputs(reader),
  };
}
