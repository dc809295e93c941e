/**
 * docker/metadata-action's tag rules (`type=semver,pattern={{version}}`,
 * `type=ref,event=pr`, `type=sha`, …) and its `flavor`, so a `tags:` block
 * written for metadata-action means the same here. Pure: the run's facts
 * arrive in a MetadataContext. The semantics follow metadata-action's README
 * (https://github.com/docker/metadata-action#tags-input, #flavor-input,
 * #latest-tag, #priority-attribute, #global-expressions); Berth's own policy
 * (`latest`, the identity tag) is applied afterwards in tags.ts.
 */
import { ConfigurationError } from '@berth/shared/errors';
import semver from 'semver';

export const RULE_TYPES = ['schedule', 'semver', 'match', 'edge', 'ref', 'raw', 'sha'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

/** metadata-action's default priority per type: the higher, the earlier in the list. */
export const DEFAULT_PRIORITY: Record<RuleType, number> = {
  schedule: 1000,
  semver: 900,
  match: 800,
  edge: 700,
  ref: 600,
  raw: 200,
  sha: 100,
};

export interface TagRule {
  type: RuleType;
  /** Attributes as written (keys lowercased); `prefix`/`suffix` present only when written (or a type default). */
  attrs: Record<string, string>;
  priority: number;
  /** The line as the user wrote it, for error messages. */
  line: string;
}

export interface Flavor {
  latest: 'auto' | 'true' | 'false';
  prefix: string;
  prefixLatest: boolean;
  suffix: string;
  suffixLatest: boolean;
}

export const DEFAULT_FLAVOR: Flavor = {
  latest: 'auto',
  prefix: '',
  prefixLatest: false,
  suffix: '',
  suffixLatest: false,
};

/** What the run tells about itself (GITHUB_REF, GITHUB_SHA, GITHUB_EVENT_NAME, the event payload). */
export interface MetadataContext {
  ref?: string;
  sha?: string;
  eventName?: string;
  /** `repository.default_branch` from the event payload. */
  defaultBranch?: string;
  /** The pull request's base branch (GITHUB_BASE_REF). */
  baseRef?: string;
  now: Date;
}

export interface MetadataTags {
  /** The first tag (highest priority): metadata-action's `version` output and OCI version label. */
  version?: string;
  /** Tags in metadata-action's order, `latest` last when the rules add it. */
  tags: string[];
  /** The `latest` tag (with the flavor's prefix/suffix when `onlatest=true`) when the rules add it. */
  latestTag?: string;
  /** The tag made by a `type=sha` rule, if any (Berth's identity tag: unique per commit). */
  shaTag?: string;
}

const SHORT_SHA_LENGTH = 7;

/** A rule line (`type=…`) rather than one of Berth's `{placeholder}` templates. */
export function isRuleLine(line: string): boolean {
  return /^\s*type\s*=/i.test(line);
}

function fail(line: string, problem: string, fix: string): never {
  throw new ConfigurationError(`Input \`tags\`: rule ${JSON.stringify(line)} ${problem}. ${fix}`);
}

/** One CSV record, as metadata-action reads a rule: commas separate fields, double quotes protect them. */
export function splitCsv(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields.map((f) => f.trim()).filter((f) => f !== '');
}

/** Parses one `tags` line the way metadata-action documents it; a line without `type=` is `type=raw`. */
export function parseTagRule(line: string): TagRule {
  const attrs: Record<string, string> = {};
  let type: RuleType = 'raw';
  for (const field of splitCsv(line)) {
    const eq = field.indexOf('=');
    if (eq <= 0) {
      attrs.value = field;
      continue;
    }
    const key = field.slice(0, eq).trim().toLowerCase();
    const value = field.slice(eq + 1).trim();
    if (key === 'type') {
      if (value === 'pep440') {
        fail(line, 'uses `type=pep440`, which Berth does not support', 'Use `type=semver` (tags `v1.2.3`).');
      }
      if (!(RULE_TYPES as readonly string[]).includes(value)) {
        fail(line, `has an unknown type ${JSON.stringify(value)}`, `Use one of ${RULE_TYPES.join(', ')}.`);
      }
      type = value as RuleType;
    } else attrs[key] = value;
  }
  const need = (name: string, fix: string) => {
    if (!(name in attrs)) fail(line, `has no \`${name}\``, fix);
  };
  switch (type) {
    case 'schedule':
      attrs.pattern ??= 'nightly';
      break;
    case 'semver':
      need('pattern', 'Add one, e.g. `type=semver,pattern={{version}}`.');
      attrs.value ??= '';
      attrs.match ??= '';
      break;
    case 'match':
      need('pattern', 'Add a regular expression, e.g. `type=match,pattern=\\d.\\d.\\d`.');
      attrs.group ??= '0';
      attrs.value ??= '';
      if (!/^\d+$/.test(attrs.group)) fail(line, `has group ${JSON.stringify(attrs.group)}`, 'Use a number.');
      break;
    case 'edge':
      attrs.branch ??= '';
      break;
    case 'ref':
      need('event', 'Add `event=branch`, `event=tag` or `event=pr`.');
      if (!['branch', 'tag', 'pr'].includes(attrs.event)) {
        fail(
          line,
          `has event ${JSON.stringify(attrs.event)}`,
          'Use `event=branch`, `event=tag` or `event=pr`.',
        );
      }
      if (attrs.event === 'pr' && !('prefix' in attrs)) attrs.prefix = 'pr-';
      break;
    case 'raw':
      need('value', 'Add `value=<tag>`.');
      break;
    case 'sha':
      if (!('prefix' in attrs)) attrs.prefix = 'sha-';
      attrs.format ??= 'short';
      if (!['short', 'long'].includes(attrs.format)) {
        fail(line, `has format ${JSON.stringify(attrs.format)}`, 'Use `format=short` or `format=long`.');
      }
      break;
  }
  attrs.enable ??= 'true';
  const priority = attrs.priority === undefined ? DEFAULT_PRIORITY[type] : Number(attrs.priority);
  if (!Number.isFinite(priority))
    fail(line, `has priority ${JSON.stringify(attrs.priority)}`, 'Use a number.');
  return { type, attrs, priority, line };
}

/** metadata-action's `flavor` lines: `latest=auto|true|false`, `prefix=…[,onlatest=true]`, `suffix=…[,onlatest=true]`. */
export function parseFlavor(lines: readonly string[]): Flavor {
  const flavor: Flavor = { ...DEFAULT_FLAVOR };
  for (const line of lines) {
    let last: 'prefix' | 'suffix' | undefined;
    for (const field of splitCsv(line)) {
      const eq = field.indexOf('=');
      const key = eq > 0 ? field.slice(0, eq).trim().toLowerCase() : '';
      const value = eq > 0 ? field.slice(eq + 1).trim() : '';
      const bad = (fix: string): never => {
        throw new ConfigurationError(`Input \`flavor\`: ${JSON.stringify(line)} is not valid. ${fix}`);
      };
      if (key === 'latest') {
        if (value !== 'auto' && value !== 'true' && value !== 'false')
          bad('Write `latest=auto`, `latest=true` or `latest=false`.');
        flavor.latest = value as Flavor['latest'];
      } else if (key === 'prefix' || key === 'suffix') {
        flavor[key] = value;
        last = key;
      } else if (key === 'onlatest') {
        if (value !== 'true' && value !== 'false') bad('Write `onlatest=true` or `onlatest=false`.');
        if (last === 'prefix') flavor.prefixLatest = value === 'true';
        if (last === 'suffix') flavor.suffixLatest = value === 'true';
      } else {
        bad(
          'Known entries: `latest=auto|true|false`, `prefix=<text>[,onlatest=true]`, `suffix=<text>[,onlatest=true]`.',
        );
      }
    }
  }
  return flavor;
}

/** Characters a tag cannot hold become `-`, as metadata-action does (`my/branch` → `my-branch`). */
export function sanitizeTagValue(value: string): string {
  return value.replace(/[^a-zA-Z0-9._-]+/g, '-');
}

const branchOf = (ref: string | undefined) => /^refs\/heads\/(.+)$/.exec(ref ?? '')?.[1];
const tagOf = (ref: string | undefined) => /^refs\/tags\/(.+)$/.exec(ref ?? '')?.[1];

function isDefaultBranch(context: MetadataContext): boolean {
  const branch = branchOf(context.ref);
  if (!branch) return false;
  if (context.defaultBranch === branch) return true;
  // metadata-action: these events always run on the last commit of the default branch.
  return /create|discussion|issues|schedule/.test(context.eventName ?? '');
}

/** `{{date 'YYYYMMDD-HHmmss'}}`: the UTC subset of moment's tokens that tags use. */
function formatDate(now: Date, format: string, line: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const tokens: Record<string, string> = {
    YYYY: String(now.getUTCFullYear()),
    MM: pad(now.getUTCMonth() + 1),
    DD: pad(now.getUTCDate()),
    HH: pad(now.getUTCHours()),
    mm: pad(now.getUTCMinutes()),
    ss: pad(now.getUTCSeconds()),
  };
  const rest = format.replace(/YYYY|MM|DD|HH|mm|ss/g, '');
  if (/[A-Za-z]/.test(rest)) {
    fail(
      line,
      `uses the date format ${JSON.stringify(format)}`,
      'Berth supports the tokens YYYY, MM, DD, HH, mm and ss (UTC).',
    );
  }
  return format.replace(/YYYY|MM|DD|HH|mm|ss/g, (token) => tokens[token]);
}

/** Fills metadata-action's global expressions (`{{branch}}`, `{{sha}}`, `{{is_default_branch}}`, …). */
export function expandExpressions(text: string, context: MetadataContext, line: string): string {
  return text.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_whole, body: string) => {
    const date = /^date\s+'([^']*)'(?:\s+tz='UTC')?$/.exec(body);
    if (date) return formatDate(context.now, date[1], line);
    switch (body) {
      case 'branch':
        return branchOf(context.ref) ?? '';
      case 'tag':
        return tagOf(context.ref) ?? '';
      case 'sha':
        return (context.sha ?? '').slice(0, SHORT_SHA_LENGTH);
      case 'base_ref':
        return /^refs\/pull\//.test(context.ref ?? '') ? (context.baseRef ?? '') : '';
      case 'is_default_branch':
        return String(isDefaultBranch(context));
      case 'is_not_default_branch':
        return String(!isDefaultBranch(context));
      default:
        return fail(
          line,
          `uses the expression {{${body}}}, which Berth does not support`,
          "Supported: {{branch}}, {{tag}}, {{sha}}, {{base_ref}}, {{is_default_branch}}, {{is_not_default_branch}}, {{date 'YYYYMMDD'}}.",
        );
    }
  });
}

/** A semver pattern (`{{version}}`, `v{{major}}.{{minor}}`, `{{raw}}`) filled from one parsed version. */
function fillSemver(pattern: string, version: semver.SemVer, raw: string, line: string): string {
  return pattern.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (_whole, name: string) => {
    switch (name) {
      case 'raw':
        return raw;
      case 'version':
        return version.version;
      case 'major':
        return String(version.major);
      case 'minor':
        return String(version.minor);
      case 'patch':
        return String(version.patch);
      default:
        return fail(
          line,
          `uses {{${name}}} in its pattern`,
          'Use {{raw}}, {{version}}, {{major}}, {{minor}} or {{patch}}.',
        );
    }
  });
}

interface RuleValue {
  value: string;
  /** Whether this rule asks for `latest` under `latest=auto`. */
  autoLatest: boolean;
}

function semverValue(rule: TagRule, context: MetadataContext): RuleValue | undefined {
  let raw = rule.attrs.value ? expandExpressions(rule.attrs.value, context, rule.line) : tagOf(context.ref);
  if (!raw) return undefined;
  if (rule.attrs.match) {
    const found = new RegExp(rule.attrs.match).exec(raw);
    if (found?.[1] !== undefined) raw = found[1];
  }
  raw = raw.replace(/\//g, '-');
  if (semver.valid(raw) === null) return undefined;
  const version = semver.parse(raw, { loose: true });
  if (version === null) return undefined;
  // A pre-release only ever gets its full version (or {{raw}}), never {{major}}/{{minor}}, and no `latest`.
  if (version.prerelease.length > 0) {
    const pattern = /^\{\{\s*raw\s*\}\}$/.test(rule.attrs.pattern) ? rule.attrs.pattern : '{{version}}';
    return { value: fillSemver(pattern, version, raw, rule.line), autoLatest: false };
  }
  return { value: fillSemver(rule.attrs.pattern, version, raw, rule.line), autoLatest: true };
}

function ruleValue(rule: TagRule, context: MetadataContext): RuleValue | undefined {
  const { attrs } = rule;
  switch (rule.type) {
    case 'schedule':
      if (!/schedule/.test(context.eventName ?? '')) return undefined;
      return { value: expandExpressions(attrs.pattern, context, rule.line), autoLatest: false };
    case 'semver':
      return semverValue(rule, context);
    case 'match': {
      const source = attrs.value ? expandExpressions(attrs.value, context, rule.line) : tagOf(context.ref);
      if (!source) return undefined;
      const found = new RegExp(attrs.pattern).exec(source);
      const group = found?.[Number(attrs.group)];
      return group === undefined ? undefined : { value: group, autoLatest: true };
    }
    case 'edge': {
      const branch = branchOf(context.ref);
      const wanted = attrs.branch || context.defaultBranch;
      return branch !== undefined && branch === wanted ? { value: 'edge', autoLatest: false } : undefined;
    }
    case 'ref': {
      if (attrs.event === 'branch') {
        const branch = branchOf(context.ref);
        return branch === undefined ? undefined : { value: branch, autoLatest: false };
      }
      if (attrs.event === 'tag') {
        const tag = tagOf(context.ref);
        return tag === undefined ? undefined : { value: tag, autoLatest: true };
      }
      const pr = /^refs\/pull\/(.+?)(?:\/merge)?$/.exec(context.ref ?? '')?.[1];
      return pr === undefined ? undefined : { value: pr, autoLatest: false };
    }
    case 'raw':
      return { value: expandExpressions(attrs.value, context, rule.line), autoLatest: false };
    case 'sha':
      if (!context.sha) return undefined;
      return {
        value: attrs.format === 'long' ? context.sha : context.sha.slice(0, SHORT_SHA_LENGTH),
        autoLatest: false,
      };
  }
}

/** A rule's own prefix/suffix when written (even empty), else the flavor's. */
function affix(rule: TagRule, flavor: Flavor, value: string, context: MetadataContext): string {
  const prefix = 'prefix' in rule.attrs ? rule.attrs.prefix : flavor.prefix;
  const suffix = 'suffix' in rule.attrs ? rule.attrs.suffix : flavor.suffix;
  return `${expandExpressions(prefix, context, rule.line)}${value}${expandExpressions(suffix, context, rule.line)}`;
}

/**
 * The tags metadata-action would output for these rules. Rules run in
 * priority order (stable for equal priorities); the first rule that yields a
 * value decides `latest` under `latest=auto` and is the `version`.
 */
export function metadataTags(
  lines: readonly string[],
  flavor: Flavor,
  context: MetadataContext,
): MetadataTags {
  const rules = lines.map(parseTagRule).sort((a, b) => b.priority - a.priority);
  let version: string | undefined;
  const partial: string[] = [];
  let latest: boolean | undefined;
  let shaTag: string | undefined;
  for (const rule of rules) {
    const enabled = expandExpressions(rule.attrs.enable, context, rule.line);
    if (enabled !== 'true' && enabled !== 'false') {
      fail(
        rule.line,
        `has enable=${JSON.stringify(enabled)}`,
        'It must be `true` or `false` once expressions are filled.',
      );
    }
    if (enabled === 'false') continue;
    const found = ruleValue(rule, context);
    if (!found) continue;
    const value = affix(rule, flavor, found.value, context);
    if (value === '') continue;
    const tag = sanitizeTagValue(value);
    if (version === undefined) version = tag;
    else if (tag !== version && !partial.includes(tag)) partial.push(tag);
    if (rule.type === 'sha' && shaTag === undefined) shaTag = tag;
    latest ??= flavor.latest === 'auto' ? found.autoLatest : flavor.latest === 'true';
  }
  if (version === undefined) return { tags: [] };
  const tags = [version, ...partial];
  let latestTag: string | undefined;
  if (latest) {
    latestTag = sanitizeTagValue(
      `${flavor.prefixLatest ? flavor.prefix : ''}latest${flavor.suffixLatest ? flavor.suffix : ''}`,
    );
    if (!tags.includes(latestTag)) tags.push(latestTag);
  }
  return { version, tags, latestTag, shaTag };
}
