/**
 * Tags ECS puts on a task, and the rules it checks them by.
 *
 * - Tag rules (RunTask `tags`, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html,
 *   and the Tag shape, https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html): at most 50
 *   per resource, each key once, key 1–128 and value 0–256 characters matching
 *   `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`, no `aws:` prefix in any case. The error texts are the
 *   emulator's (InvalidParameterException, the code the reference gives for bad parameters).
 * - startedBy (API_RunTask.html): "Up to 128 letters (uppercase and lowercase), numbers, hyphens (-),
 *   forward slash (/), and underscores (_) are allowed."
 * - propagateTags (API_RunTask.html): "An error will be received if you specify the SERVICE option when
 *   running a task."
 * - ECS managed tags (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-using-tags.html#managed-tags):
 *   tasks are tagged with the cluster name (`aws:ecs:clusterName`) and, for a service's tasks, the
 *   service name (`aws:ecs:serviceName`). `aws:` tags do not count against the 50.
 */
import { AwsError } from '../world.js';

export interface EcsTag {
  key: string;
  value: string;
}

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const STARTED_BY = /^[A-Za-z0-9/_-]{1,128}$/;
const length = (text: string) => [...text].length;

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

/** The tags a create call carries, checked; undefined or [] gives []. */
export function checkRequestTags(tags: unknown): EcsTag[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw invalid('tags must be a list of tags.');
  if (tags.length > 50) throw invalid('The number of tags exceeds the limit of 50 tags per resource.');
  const seen = new Set<string>();
  return tags.map((tag) => {
    const key = tag?.key;
    const value = tag?.value ?? '';
    if (typeof key !== 'string' || length(key) < 1 || length(key) > 128 || !TAG_TEXT.test(key)) {
      throw invalid(
        `Tag key ${JSON.stringify(key)} is invalid: 1 to 128 letters, numbers, spaces and _ . : / = + - @.`,
      );
    }
    if (typeof value !== 'string' || length(value) > 256 || !TAG_TEXT.test(value)) {
      throw invalid(
        `Tag value ${JSON.stringify(value)} is invalid: up to 256 letters, numbers, spaces and _ . : / = + - @.`,
      );
    }
    if (/^aws:/i.test(key) || /^aws:/i.test(value)) {
      throw invalid(`Tag ${JSON.stringify(key)} uses the aws: prefix, which is reserved for AWS use.`);
    }
    if (seen.has(key)) throw invalid(`Tag key ${JSON.stringify(key)} is given more than once.`);
    seen.add(key);
    return { key, value };
  });
}

/** RunTask's startedBy, checked. */
export function checkStartedBy(startedBy: unknown): string | undefined {
  if (startedBy === undefined || startedBy === null) return undefined;
  if (typeof startedBy !== 'string' || !STARTED_BY.test(startedBy)) {
    throw invalid(
      'startedBy can contain up to 128 letters (uppercase and lowercase), numbers, hyphens (-), forward slash (/), and underscores (_).',
    );
  }
  return startedBy;
}

/**
 * The tags a new task carries: the ones propagated (task definition or
 * service), the request's (which win on the same key), then the managed tags.
 */
export function taskTags(options: {
  propagated: EcsTag[];
  requested: EcsTag[];
  managed: boolean;
  clusterName: string;
  serviceName?: string;
}): EcsTag[] {
  const tags = new Map<string, string>();
  for (const tag of [...options.propagated, ...options.requested]) tags.set(tag.key, tag.value);
  if (options.managed) {
    tags.set('aws:ecs:clusterName', options.clusterName);
    if (options.serviceName) tags.set('aws:ecs:serviceName', options.serviceName);
  }
  return [...tags].map(([key, value]) => ({ key, value }));
}
