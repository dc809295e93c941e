/**
 * Tag templates → tags. Pure: the GitHub context, the clock and the inputs
 * arrive in a TagContext, so every convention can be checked in a table.
 */
import { ConfigurationError } from '@berth/shared/errors';
import semver from 'semver';
import { isRuleLine, metadataTags, parseFlavor } from './metadata-tags.js';

export const DEFAULT_TAG_TEMPLATE = 'sha-{short_sha}';
export const MAX_TAG_LENGTH = 128;

/** Everything a placeholder can be filled from. */
export interface TagContext {
  /** Full commit SHA (GITHUB_SHA). */
  sha?: string;
  /** GITHUB_REF, e.g. `refs/heads/main` or `refs/tags/v1.2.3`. */
  ref?: string;
  /** GITHUB_HEAD_REF: the source branch of a pull request. */
  headRef?: string;
  runNumber?: string;
  runAttempt?: string;
  now: Date;
  /** The `version` input. */
  version?: string;
  /** The `environment` input. */
  environment?: string;
  /** GITHUB_EVENT_NAME (metadata-action rules: `type=schedule`, `{{is_default_branch}}`). */
  eventName?: string;
  /** The repository's default branch from the event payload (`type=edge`, `{{is_default_branch}}`). */
  defaultBranch?: string;
  /** GITHUB_BASE_REF: a pull request's base branch (`{{base_ref}}`). */
  baseRef?: string;
}

export interface TagOptions {
  allowLatest: boolean;
}

export const PLACEHOLDERS = [
  'sha',
  'short_sha',
  'version',
  'branch',
  'run_number',
  'run_attempt',
  'date',
  'datetime',
  'env',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** A placeholder value, or why there is none (completes "`{x}` has no value: …"). */
type Resolved = { value: string } | { missing: string };

/** Turns a branch name into something a tag can hold: `feature/Login#2` → `feature-Login-2`. */
export function sanitizeBranch(branch: string): string {
  return branch
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/-+$/, '')
    .slice(0, MAX_TAG_LENGTH);
}

/**
 * The version without its `v`: the `version` input when given (it must be
 * semver), else a `v1.2.3` (or `1.2.3`) git tag ref. Throws on a bad input.
 */
export function resolveVersion(context: Pick<TagContext, 'version' | 'ref'>): Resolved {
  if (context.version !== undefined && context.version !== '') {
    const cleaned = context.version.replace(/^[vV]/, '');
    if (semver.valid(cleaned) === null) {
      throw new ConfigurationError(
        `Input \`version\` must be a semantic version such as \`1.2.3\` or \`v1.2.3-rc.1\`, got ${JSON.stringify(context.version)}.`,
      );
    }
    return { value: cleaned };
  }
  const tag = /^refs\/tags\/(.+)$/.exec(context.ref ?? '')?.[1];
  if (tag === undefined) {
    return {
      missing: `the ref ${context.ref ? `\`${context.ref}\`` : '(none)'} is not a git tag and the \`version\` input is empty. Set \`version\`, or use this template only in workflows triggered by a \`v1.2.3\` tag`,
    };
  }
  const cleaned = /^[vV]\d/.test(tag) ? tag.slice(1) : tag;
  if (semver.valid(cleaned) === null) {
    return {
      missing: `the git tag \`${tag}\` is not a semantic version like \`v1.2.3\`. Set the \`version\` input, or tag the commit \`v1.2.3\``,
    };
  }
  return { value: cleaned };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function utcDate(now: Date): string {
  return `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
}

function resolvePlaceholder(name: Placeholder, context: TagContext): Resolved {
  switch (name) {
    case 'sha':
    case 'short_sha': {
      if (!context.sha) return { missing: 'GITHUB_SHA is not set' };
      return { value: name === 'sha' ? context.sha : context.sha.slice(0, 7) };
    }
    case 'version':
      return resolveVersion(context);
    case 'branch': {
      const branch = context.headRef || /^refs\/heads\/(.+)$/.exec(context.ref ?? '')?.[1];
      if (!branch) {
        return {
          missing: `the ref ${context.ref ? `\`${context.ref}\`` : '(none)'} is not a branch (a tag push or a detached run has no branch)`,
        };
      }
      return { value: sanitizeBranch(branch) };
    }
    case 'run_number':
      return context.runNumber ? { value: context.runNumber } : { missing: 'GITHUB_RUN_NUMBER is not set' };
    case 'run_attempt':
      return context.runAttempt
        ? { value: context.runAttempt }
        : { missing: 'GITHUB_RUN_ATTEMPT is not set' };
    case 'date':
      return { value: utcDate(context.now) };
    case 'datetime':
      return {
        value: `${utcDate(context.now)}-${pad(context.now.getUTCHours())}${pad(context.now.getUTCMinutes())}`,
      };
    case 'env':
      return context.environment
        ? { value: context.environment }
        : { missing: 'the `environment` input is empty; set it (e.g. `environment: staging`)' };
  }
}

/** Why `tag` is not a valid Docker tag, or undefined when it is. */
export function tagProblem(tag: string): string | undefined {
  if (tag === '') return 'it is empty';
  if (tag.length > MAX_TAG_LENGTH)
    return `it is ${tag.length} characters long; a tag has at most ${MAX_TAG_LENGTH}`;
  if (!/^[A-Za-z0-9_]/.test(tag)) {
    return `it starts with \`${tag[0]}\`; a tag must start with a letter, a digit or \`_\``;
  }
  const bad = [...new Set(tag.match(/[^A-Za-z0-9_.-]/g) ?? [])];
  if (bad.length > 0) {
    return `it contains ${bad.map((c) => `\`${c}\``).join(', ')}; a tag may only contain letters, digits, \`_\`, \`.\` and \`-\``;
  }
  return undefined;
}

/** Renders one template; a ConfigurationError names the template and what is wrong. */
export function renderTemplate(template: string, context: TagContext): string {
  return template.replace(/\{([^{}]*)\}/g, (whole, name: string) => {
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new ConfigurationError(
        `Input \`tags\`: template ${JSON.stringify(template)} uses the unknown placeholder \`${whole}\`. ` +
          `Known placeholders: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}.`,
      );
    }
    const resolved = resolvePlaceholder(name as Placeholder, context);
    if ('missing' in resolved) {
      throw new ConfigurationError(
        `Input \`tags\`: template ${JSON.stringify(template)}: \`${whole}\` has no value: ${resolved.missing}.`,
      );
    }
    return resolved.value;
  });
}

/**
 * Renders every template, validates each result against Docker's tag grammar,
 * refuses `latest` unless allowed, and drops duplicates (first one wins).
 */
export function computeTags(
  templates: readonly string[],
  context: TagContext,
  options: TagOptions,
): string[] {
  const list = templates.length > 0 ? templates : [DEFAULT_TAG_TEMPLATE];
  const tags: string[] = [];
  for (const template of list) {
    const tag = renderTemplate(template, context);
    const problem = tagProblem(tag);
    if (problem) {
      throw new ConfigurationError(
        `Input \`tags\`: template ${JSON.stringify(template)} renders ${JSON.stringify(tag)}, which is not a valid tag: ${problem}. Change the template.`,
      );
    }
    checkLatest(template, tag, options);
    if (!tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

function checkLatest(template: string, tag: string, options: TagOptions): void {
  if (tag.toLowerCase() === 'latest' && !options.allowLatest) {
    throw new ConfigurationError(
      `Input \`tags\`: template ${JSON.stringify(template)} renders ${JSON.stringify(tag)}, which is refused: a mutable \`latest\` tag makes a deployment run whatever was pushed last. ` +
        'Use an immutable tag such as `sha-{short_sha}` or `v{version}`; for a dev-only image set `allow-latest: true`.',
    );
  }
}

/** The tags of one run and what they mean for the build. */
export interface TagPlan {
  /** The tags to apply; the first is pushed by the builder. */
  tags: string[];
  /** The image version (OCI `version` label, `version` output): `{version}`, metadata-action's first tag, or the first tag. */
  version: string;
  /**
   * Whether the first tag names this commit's build alone, so an image it
   * already names may be reused (`skip-if-exists`). A branch tag such as
   * `main` names the last build of the branch, not this one.
   */
  firstTagIdentifiesBuild: boolean;
  /** Things to tell the user (a `latest` left out, skip-if-exists off). */
  notes: string[];
}

/**
 * Berth's templates, or, when any line starts with `type=`, metadata-action's
 * rules and `flavor`. Berth's policy applies to both: every tag is checked
 * against Docker's grammar and `latest` needs `allow-latest`. A `latest` that
 * metadata-action would add on its own (`latest=auto`) is left out with a
 * note instead; one asked for (`latest=true`, `type=raw,value=latest`) fails.
 */
export function planTags(
  lines: readonly string[],
  flavorLines: readonly string[],
  context: TagContext,
  options: TagOptions,
): TagPlan {
  if (!lines.some(isRuleLine)) {
    if (flavorLines.length > 0) {
      throw new ConfigurationError(
        'Input `flavor` applies to metadata-action tag rules (`type=…` lines in `tags`), but `tags` holds Berth templates. Remove `flavor`, or write the tags as rules, e.g. `type=sha`.',
      );
    }
    const tags = computeTags(lines, context, options);
    const version = resolveVersion(context);
    return {
      tags,
      version: 'value' in version ? version.value : tags[0],
      firstTagIdentifiesBuild: true,
      notes: [],
    };
  }
  const flavor = parseFlavor(flavorLines);
  const meta = metadataTags(lines, flavor, context);
  const notes: string[] = [];
  let tags = meta.tags;
  if (meta.latestTag !== undefined && !options.allowLatest) {
    if (flavor.latest === 'true') {
      throw new ConfigurationError(
        `Input \`flavor\`: \`latest=true\` adds \`${meta.latestTag}\`, which is refused: a mutable \`latest\` tag makes a deployment run whatever was pushed last. Remove it, or set \`allow-latest: true\` for a dev-only image.`,
      );
    }
    tags = tags.filter((tag) => tag !== meta.latestTag);
    notes.push(
      `metadata-action's \`latest=auto\` would add \`${meta.latestTag}\` here; Berth leaves it out unless \`allow-latest: true\`.`,
    );
  }
  if (tags.length === 0) {
    throw new ConfigurationError(
      `Input \`tags\`: no rule gives a tag for the ref ${context.ref ? `\`${context.ref}\`` : '(none)'}. Add a rule that always applies, e.g. \`type=sha\`.`,
    );
  }
  for (const tag of tags) {
    const problem = tagProblem(tag);
    if (problem) {
      throw new ConfigurationError(
        `Input \`tags\`: the rules give ${JSON.stringify(tag)}, which is not a valid tag: ${problem}. Change the rule's prefix, suffix or value.`,
      );
    }
    checkLatest('(rule)', tag, options);
  }
  const identity = meta.shaTag !== undefined && tags.includes(meta.shaTag);
  if (identity) tags = [meta.shaTag!, ...tags.filter((tag) => tag !== meta.shaTag)];
  else {
    notes.push(
      'No `type=sha` rule, so no tag names this commit alone: `skip-if-exists` does not apply and the image is built.',
    );
  }
  return { tags, version: meta.version ?? tags[0], firstTagIdentifiesBuild: identity, notes };
}
