/**
 * `run-task-tags` and `run-task-started-by`, checked by the rules of the ECS
 * API reference before any call:
 * - Tag (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html and
 *   RunTask's `tags`): at most 50 tags, each key once, key 1–128 and value 0–256
 *   Unicode characters of letters, numbers, spaces and `+ - = . _ : / @`, and
 *   no `aws:` prefix in any case (reserved for AWS).
 * - RunTask `startedBy` (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html):
 *   "Up to 128 letters (uppercase and lowercase), numbers, hyphens (-), forward
 *   slash (/), and underscores (_) are allowed."
 */
import type { Tag } from '@aws-sdk/client-ecs';
import { ConfigurationError } from '@berth/shared/errors';
import { JsonPath, parseJsonInput, showJson } from './json-input.js';

export const MAX_TAGS = 50;
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const RESERVED = /^aws:/i;
const STARTED_BY = /^[A-Za-z0-9/_-]{1,128}$/;

/** Characters as the API counts them (Unicode code points, not UTF-16 units). */
const length = (text: string) => [...text].length;

/** One tag as ECS accepts it; `path` names where it came from in the input. */
export function checkTag(value: unknown, path: JsonPath): Tag {
  if (value !== null && typeof value === 'object' && ('Key' in value || 'Value' in value)) {
    throw path.error(
      `${showJson(value)} uses \`Key\`/\`Value\`; ECS tags are written \`{"key": "…", "value": "…"}\` (lower case).`,
    );
  }
  const tag = path.object(value, ['key', 'value'], 'a tag `{"key": "…", "value": "…"}`');
  const key = path.at('key').string(tag.key);
  const text = tag.value === undefined ? undefined : path.at('value').string(tag.value);
  if (length(key) < 1 || length(key) > 128) {
    throw path.at('key').error(`a tag key has 1 to 128 characters, got ${length(key)}.`);
  }
  if (text !== undefined && length(text) > 256) {
    throw path.at('value').error(`a tag value has at most 256 characters, got ${length(text)}.`);
  }
  for (const [part, content] of [
    ['key', key],
    ['value', text ?? ''],
  ] as const) {
    if (!TAG_TEXT.test(content)) {
      throw path
        .at(part)
        .error(
          `${showJson(content)} has a character ECS does not allow in tags; use letters, numbers, spaces and \`+ - = . _ : / @\`.`,
        );
    }
    if (RESERVED.test(content)) {
      throw path
        .at(part)
        .error(
          `${showJson(content)} starts with \`aws:\`, which AWS reserves for its own tags; choose another prefix.`,
        );
    }
  }
  return text === undefined ? { key } : { key, value: text };
}

/** Tags as a list: each valid, each key once, at most 50. */
export function checkTagList(values: unknown, path: JsonPath): Tag[] {
  const list = path.array(values, 'tags `{"key": "…", "value": "…"}`');
  if (list.length > MAX_TAGS) {
    throw path.error(`${list.length} tags given; a resource has at most ${MAX_TAGS}.`);
  }
  const tags = list.map((item, index) => checkTag(item, path.at(index)));
  const keys = tags.map((t) => t.key);
  const repeated = keys.find((key, index) => keys.indexOf(key) !== index);
  if (repeated !== undefined) {
    throw path.error(`the key ${showJson(repeated)} is given twice; each tag key can have only one value.`);
  }
  return tags;
}

/** `run-task-tags`: a JSON array of `{key, value}` (as the AWS deploy action takes it); undefined when unset or `[]`. */
export function parseRunTaskTags(raw: string | undefined): Tag[] | undefined {
  if (raw === undefined) return undefined;
  const name = 'run-task-tags';
  const parsed = parseJsonInput(name, raw, 'an array of tags', '[{"key": "team", "value": "payments"}]');
  const tags = checkTagList(parsed, new JsonPath(name));
  return tags.length === 0 ? undefined : tags;
}

/** `run-task-started-by`, as RunTask's `startedBy` allows it. */
export function checkStartedBy(value: string): string {
  if (!STARTED_BY.test(value)) {
    throw new ConfigurationError(
      `Input \`run-task-started-by\` must be 1 to 128 letters, numbers, \`-\`, \`/\` or \`_\` (RunTask's rule), got ${showJson(value)}. Example: \`GitHub-Actions\` or \`ci/migrate\`.`,
    );
  }
  return value;
}
