import { globSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import { parseDocument } from 'yaml';

/**
 * The Markdown a user reads and copies from: the README, everything under docs/ (a guide added
 * later, such as docs/migrate.md, is picked up without touching this list), each action's and
 * package's README.
 */
export const DOC_GLOBS = ['README.md', 'docs/**/*.md', 'actions/*/README.md', 'packages/*/README.md'];

export function markdownFiles(globs: readonly string[] = DOC_GLOBS, cwd = REPO_ROOT): string[] {
  const found = new Set<string>();
  for (const pattern of globs) {
    for (const path of globSync(pattern, { cwd })) {
      if (!path.split('/').includes('node_modules')) found.add(path);
    }
  }
  return [...found].sort();
}

export interface FencedBlock {
  /** The Markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the block's first content line in that file. */
  line: number;
  /** The info string's first word (`yaml`, `sh`, …), lower case; empty when none. */
  lang: string;
  /** The content, with the fence's own indentation removed. */
  text: string;
}

/**
 * Fenced code blocks as CommonMark reads them: an opening run of at least three backticks or
 * tildes (indented, as inside a list item), closed by a run of the same character at least as
 * long, or by the end of the file.
 */
export function fencedBlocks(file: string, markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const content: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[j]);
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length) break;
      // CommonMark removes up to the opening fence's indentation from each content line.
      const strip = Math.min(indent.length, /^ */.exec(lines[j])![0].length);
      content.push(lines[j].slice(strip));
    }
    blocks.push({ file, line: i + 2, lang: info.toLowerCase(), text: content.join('\n') });
    i = j;
  }
  return blocks;
}

export function yamlBlocks(files: readonly string[] = markdownFiles()): FencedBlock[] {
  return files.flatMap((file) =>
    fencedBlocks(file, readFileSync(join(REPO_ROOT, file), 'utf8')).filter((block) =>
      ['yaml', 'yml'].includes(block.lang),
    ),
  );
}

/** What a YAML block in the docs is, decided by its content. */
export type BlockKind =
  | { kind: 'workflow' }
  | { kind: 'jobs' }
  | { kind: 'job' }
  | { kind: 'job-settings' }
  | { kind: 'steps' }
  | { kind: 'step' }
  | { kind: 'with' }
  | { kind: 'not-a-workflow'; what: string; why: string }
  | { kind: 'unknown' };

/**
 * YAML in the docs that is not GitHub Actions YAML: what it is, recognised by the keys that
 * format requires, and why actionlint does not apply to it.
 */
const NOT_WORKFLOWS: Array<{ what: string; why: string; test: (doc: Record<string, unknown>) => boolean }> = [
  {
    what: 'a scan-gate allowlist',
    why: 'read by scan-gate (`allowlist` input), not by GitHub: checked with scan-gate’s own parser instead',
    test: (doc) => Array.isArray(doc.exceptions),
  },
  {
    what: 'an emulator scenario',
    why: 'read by `berth-emulator --scenario`, not by GitHub: checked with the emulator’s own loader instead',
    test: (doc) => 'accountId' in doc && ('clusters' in doc || 'taskDefinitions' in doc),
  },
  {
    what: 'an ECS task definition',
    why: 'read by render-taskdef (`task-definition` input), not by GitHub',
    test: (doc) => Array.isArray(doc.containerDefinitions),
  },
  {
    what: 'a CodeDeploy AppSpec',
    why: 'read by CodeDeploy (deploy-ecs `codedeploy-appspec`), not by GitHub',
    test: (doc) => 'Resources' in doc && 'version' in doc,
  },
  {
    what: 'an ECR lifecycle policy',
    why: 'read by ECR (`put-lifecycle-policy`), not by GitHub',
    test: (doc) => Array.isArray(doc.rules),
  },
  {
    what: 'a Grype or Trivy ignore file',
    why: 'read by scan-gate (`exception-files`) and by the scanner, not by GitHub',
    test: (doc) => Array.isArray(doc.ignore) || Array.isArray(doc.vulnerabilities),
  },
];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCalledWorkflow = (uses: unknown) => typeof uses === 'string' && /\.ya?ml(@|$)/.test(uses);
const isStep = (value: unknown) =>
  isRecord(value) &&
  ('run' in value || ('uses' in value && !isCalledWorkflow(value.uses))) &&
  !('steps' in value);
/** Keys a job has besides `runs-on`, `steps` and `uses`, which a block may show alone (`permissions:`). */
const JOB_SETTINGS = [
  'permissions',
  'environment',
  'concurrency',
  'timeout-minutes',
  'needs',
  'if',
  'env',
  'outputs',
];
const isJob = (value: unknown) =>
  isRecord(value) && ('runs-on' in value || 'steps' in value || isCalledWorkflow(value.uses));

export function classify(doc: unknown): BlockKind {
  if (Array.isArray(doc))
    return doc.length > 0 && doc.every(isStep) ? { kind: 'steps' } : { kind: 'unknown' };
  if (!isRecord(doc)) return { kind: 'unknown' };
  if ('jobs' in doc) return { kind: 'workflow' };
  if (isJob(doc)) return { kind: 'job' };
  if (isStep(doc)) return { kind: 'step' };
  if (Object.keys(doc).length === 1 && isRecord(doc.with)) return { kind: 'with' };
  if (Object.keys(doc).length > 0 && Object.keys(doc).every((key) => JOB_SETTINGS.includes(key)))
    return { kind: 'job-settings' };
  const values = Object.values(doc);
  if (values.length > 0 && values.every(isJob)) return { kind: 'jobs' };
  const other = NOT_WORKFLOWS.find((candidate) => candidate.test(doc));
  if (other) return { kind: 'not-a-workflow', what: other.what, why: other.why };
  return { kind: 'unknown' };
}

export function parseBlock(block: FencedBlock): { doc: unknown; errors: string[] } {
  const parsed = parseDocument(block.text, { prettyErrors: false });
  const errors = parsed.errors.map((error) => {
    const at = error.linePos?.[0];
    return at
      ? `${block.file}:${block.line + at.line - 1}: ${error.message}`
      : `${block.file}:${block.line}: ${error.message}`;
  });
  return { doc: parsed.toJS(), errors };
}

export interface WrappedBlock {
  block: FencedBlock;
  /** A complete workflow that holds the block unchanged, re-indented. */
  text: string;
  /** Lines of `text` before the block's first line (the wrapper and its stand-ins). */
  headerLines: number;
}

/**
 * Wraps a fragment as the smallest workflow that gives it what it takes from its surroundings,
 * so actionlint checks the fragment itself:
 * - `inputs.X` the fragment reads become `workflow_call` inputs (strings);
 * - `needs.X` jobs it names but does not define become stand-in jobs with the outputs it reads;
 * - `steps.X` ids it reads but does not define become stand-in steps before it.
 * A complete workflow is linted as written (only `on:` is added when the block shows the jobs alone).
 */
export function wrapForActionlint(
  block: FencedBlock,
  kind: BlockKind['kind'],
  withUses?: string,
): WrappedBlock {
  const body = dedent(block.text);
  const reads = contextReads(body);
  const header: string[] = [];
  const on = reads.inputs.size
    ? [
        'on:',
        '  workflow_call:',
        '    inputs:',
        ...[...reads.inputs].flatMap((name) => [`      ${name}:`, '        type: string']),
      ]
    : ['on: workflow_dispatch'];
  const doc = parseDocument(body).toJS();
  const definedJobs = new Set<string>(
    kind === 'jobs'
      ? Object.keys(doc)
      : kind === 'workflow' && isRecord(doc?.jobs)
        ? Object.keys(doc.jobs)
        : [],
  );
  const standInJobs = [...reads.needs]
    .filter(([job]) => !definedJobs.has(job))
    .flatMap(([job, outputs]) => [
      `  ${job}:`,
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: "true"',
      ...(outputs.size ? ['    outputs:', ...[...outputs].map((output) => `      ${output}: stand-in`)] : []),
    ]);
  const definedSteps = new Set(body.match(/(?<=\bid:\s*)[\w-]+/g) ?? []);
  const standInSteps = [...reads.steps]
    .filter((id) => !definedSteps.has(id))
    .flatMap((id) => [`      - id: ${id}`, '        run: "true"']);
  const needs = [...reads.needs.keys()];
  const jobHeader = [
    '  doc:',
    '    runs-on: ubuntu-latest',
    ...(needs.length ? [`    needs: [${needs.join(', ')}]`] : []),
  ];
  let lines: string[];
  switch (kind) {
    case 'workflow':
      lines = body.split('\n');
      // Jobs shown without their trigger are a fragment of a workflow: it gets a trigger, and the
      // jobs it needs but does not show are appended (when `jobs:` is its last key).
      if (isRecord(doc) && !('on' in doc)) {
        header.push(...on);
        if (Object.keys(doc).at(-1) === 'jobs') lines.push(...standInJobs);
      }
      break;
    case 'jobs':
      header.push(...on, 'jobs:', ...standInJobs);
      lines = indent(body, 2);
      break;
    case 'job':
      header.push(...on, 'jobs:', ...standInJobs, '  doc:');
      lines = indent(body, 4);
      break;
    case 'job-settings':
      header.push(...on, 'jobs:', ...standInJobs, '  doc:', '    runs-on: ubuntu-latest');
      lines = [...indent(body, 4), '    steps:', '      - run: "true"'];
      break;
    case 'steps':
      header.push(...on, 'jobs:', ...standInJobs, ...jobHeader, '    steps:', ...standInSteps);
      lines = indent(body, 6);
      break;
    case 'step':
      header.push(...on, 'jobs:', ...standInJobs, ...jobHeader, '    steps:', ...standInSteps);
      lines = indent(body, 8).map((line, i) => (i === 0 ? `      - ${line.slice(8)}` : line));
      break;
    case 'with':
      header.push(
        ...on,
        'jobs:',
        ...standInJobs,
        ...jobHeader,
        '    steps:',
        ...standInSteps,
        `      - uses: ${withUses}`,
      );
      lines = indent(body, 8);
      break;
    default:
      throw new Error(`${block.file}:${block.line}: a ${kind} block is not linted as a workflow`);
  }
  return { block, text: `${[...header, ...lines].join('\n')}\n`, headerLines: header.length };
}

/** Maps a line of the wrapped workflow back to the Markdown file. */
export function docLine(wrapped: WrappedBlock, wrappedLine: number): string {
  const inBlock = wrappedLine - wrapped.headerLines;
  return inBlock >= 1
    ? `${wrapped.block.file}:${wrapped.block.line + inBlock - 1}`
    : `${wrapped.block.file}:${wrapped.block.line} (the wrapper, line ${wrappedLine})`;
}

function contextReads(text: string) {
  const inputs = new Set<string>();
  const needs = new Map<string, Set<string>>();
  const steps = new Set<string>();
  for (const [expression] of text.matchAll(/\$\{\{[\s\S]*?\}\}/g)) {
    for (const m of expression.matchAll(/\binputs\.([\w-]+)/g)) inputs.add(m[1]);
    for (const m of expression.matchAll(/\bneeds\.([\w-]+)(?:\.outputs\.([\w-]+))?/g)) {
      if (!needs.has(m[1])) needs.set(m[1], new Set());
      if (m[2]) needs.get(m[1])!.add(m[2]);
    }
    for (const m of expression.matchAll(/\bsteps\.([\w-]+)/g)) steps.add(m[1]);
  }
  // `if:` conditions are expressions without the braces.
  for (const m of text.matchAll(/^\s*(?:-\s+)?if:\s*(.+)$/gm)) {
    for (const s of m[1].matchAll(/\bsteps\.([\w-]+)/g)) steps.add(s[1]);
    for (const n of m[1].matchAll(/\bneeds\.([\w-]+)/g)) if (!needs.has(n[1])) needs.set(n[1], new Set());
  }
  // A job-level `needs:` in a job fragment names jobs too.
  for (const m of text.matchAll(/^\s*needs:\s*(.+)$/gm)) {
    for (const job of m[1].replace(/#.*$/, '').replace(/[[\]]/g, '').split(',')) {
      const name = job.trim();
      if (name && !needs.has(name)) needs.set(name, new Set());
    }
  }
  return { inputs, needs, steps };
}

function dedent(text: string): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  const margin = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(margin)).join('\n');
}

function indent(text: string, spaces: number): string[] {
  return text.split('\n').map((line) => (line.trim() ? ' '.repeat(spaces) + line : line));
}

/** The text outside fenced code blocks and inline code spans, line numbers kept. */
export function proseOf(markdown: string, keepInlineCode = false): string {
  let fence: string | undefined;
  return markdown
    .split('\n')
    .map((line) => {
      const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence === undefined && marker) {
        fence = marker;
        return '';
      }
      if (fence !== undefined) {
        if (marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker)
          fence = undefined;
        return '';
      }
      return keepInlineCode ? line : line.replace(/(`+)[^`]*?\1/g, '');
    })
    .join('\n');
}

/** Link targets: inline `[text](target "title")`, images, and reference definitions `[id]: target`. */
export function linksOf(markdown: string): Array<{ target: string; line: number }> {
  const prose = proseOf(markdown);
  const links: Array<{ target: string; line: number }> = [];
  const lineAt = (index: number) => prose.slice(0, index).split('\n').length;
  for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
    links.push({ target: m[1], line: lineAt(m.index) });
  for (const m of prose.matchAll(/^ {0,3}\[[^\]]+\]:[ \t]*<?(\S+?)>?(?:\s|$)/gm))
    links.push({ target: m[1], line: lineAt(m.index) });
  for (const m of prose.matchAll(/<a\s[^>]*href="([^"]+)"/g))
    links.push({ target: m[1], line: lineAt(m.index) });
  return links;
}

/** The anchors GitHub gives a page's headings (github-slugger's rule: lower case, punctuation dropped, spaces to `-`, repeats numbered). */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  for (const m of proseOf(markdown, true).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = m[1].replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/ /g, '-');
    const seen = counts.get(slug) ?? 0;
    counts.set(slug, seen + 1);
    anchors.add(seen === 0 ? slug : `${slug}-${seen}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
  return anchors;
}
