// Docs that work when pasted (issue 19): every ```yaml block in the README, docs/ and the actions'
// READMEs is parsed, told apart by its content (a workflow, jobs, one job, steps, one step, a
// `with:` map, or YAML that is not GitHub's), wrapped as the smallest workflow that holds it, and
// linted by actionlint — the linter GitHub users run, offline here. actionlint does not read remote
// actions or reusable workflows, so every `OWNER/berth/...@v1` call is checked against the
// action.yml or `workflow_call` it names. A failure names the Markdown file and line.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadActionManifest } from '@berth/testkit/action-manifest.js';
import { parseAllowlist } from '../actions/scan-gate/src/allowlist.js';
import { validateScenario } from '../packages/emulator/src/scenario.js';
import {
  type BlockKind,
  classify,
  docLine,
  type FencedBlock,
  fencedBlocks,
  markdownFiles,
  parseBlock,
  type WrappedBlock,
  wrapForActionlint,
  yamlBlocks,
} from './doc-blocks.js';
import { actionlint, berthAction, berthCallProblems } from './workflow-files.js';

const files = markdownFiles();
const blocks = yamlBlocks(files).map((block) => {
  const { doc, errors } = parseBlock(block);
  return { block, doc, errors, kind: classify(doc) };
});
const where = (block: FencedBlock) => `${block.file}:${block.line}`;
const lintable = (kind: BlockKind['kind']) => !['not-a-workflow', 'unknown'].includes(kind);

/** Runs actionlint once over every wrapped block; findings mapped back to the Markdown. */
function lint(wrapped: WrappedBlock[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'berth-doc-yaml-'));
  mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
  for (const [i, w] of wrapped.entries())
    writeFileSync(join(dir, '.github', 'workflows', `block-${i}.yml`), w.text);
  const findings = actionlint('.github/workflows/*.yml', dir);
  // build-push's README shows an Actions Runner Controller scale set, which jobs address by the
  // scale set's name (`runs-on: arc-runner-set`): a self-hosted label a user declares in their
  // actionlint.yaml, which this build of actionlint does not read. That one label is let through.
  const selfHostedLabel = /^\d+:\d+ label "arc-runner-set" is unknown/;
  return wrapped.flatMap((w, i) =>
    (findings.get(`.github/workflows/block-${i}.yml`) ?? [])
      .filter((finding) => !selfHostedLabel.test(finding))
      .map((finding) => {
        const [row, ...rest] = finding.split(':');
        return `${docLine(w, Number(row))}: ${rest.join(':').replace(/^\d+ /, '')}`;
      }),
  );
}

/** The Berth action whose inputs a bare `with:` block sets: the one that declares every key. */
function actionTaking(keys: string[]): string | undefined {
  return ['build-push', 'scan-gate', 'render-taskdef', 'deploy-ecs', 'rollback', 'aws-auth'].find((name) => {
    const inputs = loadActionManifest(name).inputs;
    return keys.every((key) => key in inputs);
  });
}

function wrap({ block, doc, kind }: (typeof blocks)[number]): WrappedBlock {
  if (kind.kind !== 'with') return wrapForActionlint(block, kind.kind);
  const action = actionTaking(Object.keys((doc as any).with));
  return wrapForActionlint(block, 'with', `OWNER/berth/actions/${action ?? 'unknown'}@v1`);
}

describe('YAML blocks in the docs', () => {
  it('are found in every place a user copies from (a control: the extraction cannot silently find nothing)', () => {
    expect(files).toEqual(
      expect.arrayContaining(['README.md', 'docs/setup.md', 'actions/deploy-ecs/README.md']),
    );
    const withBlocks = new Set(blocks.map(({ block }) => block.file));
    expect([...withBlocks]).toEqual(expect.arrayContaining(['README.md', 'actions/build-push/README.md']));
    expect(blocks.length).toBeGreaterThanOrEqual(30);
  });

  it.each(blocks.map((b) => [where(b.block), b] as const))('%s parses as YAML', (_where, { errors }) => {
    expect(errors).toEqual([]);
  });

  it('are each recognised by their content', () => {
    expect(blocks.filter((b) => b.kind.kind === 'unknown').map((b) => where(b.block))).toEqual([]);
  });

  describe('that are not GitHub Actions YAML (not linted as workflows, and why)', () => {
    const others = blocks.filter((b) => b.kind.kind === 'not-a-workflow');
    it.each(
      others.map((b) => {
        const kind = b.kind as Extract<BlockKind, { kind: 'not-a-workflow' }>;
        return [where(b.block), kind.what, kind.why, b] as const;
      }),
    )('%s is %s: %s', (_where, what, _why, { block, doc }) => {
      // Where Berth reads the format itself, Berth's own reader must accept the example.
      if (what === 'a scan-gate allowlist')
        expect(() => parseAllowlist(block.text, where(block))).not.toThrow();
      if (what === 'an emulator scenario') expect(() => validateScenario(doc, where(block))).not.toThrow();
    });
  });

  it('pass actionlint, each wrapped as the smallest workflow that holds it', () => {
    const wrapped = blocks.filter((b) => lintable(b.kind.kind) && b.errors.length === 0).map(wrap);
    expect(wrapped.length).toBeGreaterThanOrEqual(25);
    expect(lint(wrapped)).toEqual([]);
  });

  it('use only Berth actions and workflows that exist, with inputs and secrets they declare', () => {
    const problems = blocks
      .filter((b) => lintable(b.kind.kind) && b.errors.length === 0)
      .flatMap((b) => {
        const wrapped = wrap(b);
        const { doc } = parseBlock({ ...b.block, text: wrapped.text });
        return berthCallProblems(doc).map(
          (p) => `${where(b.block)}: ${p.replace(/^\w[\w-]*(\.steps\[\d+\])?: /, '')}`,
        );
      });
    expect(problems).toEqual([]);
  });

  it('read only outputs that the Berth action of the step they name declares', () => {
    const problems = blocks
      .filter((b) => lintable(b.kind.kind) && b.errors.length === 0)
      .flatMap((b) => {
        const { doc } = parseBlock({ ...b.block, text: wrap(b).text });
        return Object.values<any>((doc as any).jobs ?? {}).flatMap((job) => {
          const actionOf = new Map<string, string>();
          for (const step of job?.steps ?? []) {
            const action = typeof step?.uses === 'string' ? berthAction(step.uses) : undefined;
            if (step?.id && action) actionOf.set(String(step.id), action);
          }
          const text = JSON.stringify(job);
          return [...text.matchAll(/\bsteps\.([\w-]+)\.outputs\.([\w-]+)/g)]
            .filter(
              ([, id, output]) =>
                actionOf.has(id) && !(output in loadActionManifest(actionOf.get(id)!).outputs),
            )
            .map(
              ([, id, output]) =>
                `${where(b.block)}: steps.${id} runs ${actionOf.get(id)}, which has no output \`${output}\``,
            );
        });
      });
    expect(problems).toEqual([]);
  });

  it('name the action a bare `with:` block is for', () => {
    for (const b of blocks.filter((x) => x.kind.kind === 'with')) {
      expect({ at: where(b.block), action: actionTaking(Object.keys((b.doc as any).with)) }).toEqual({
        at: where(b.block),
        action: expect.any(String),
      });
    }
  });
});

describe('the extraction, classification and wrapping (controls)', () => {
  const markdown = [
    '# Title', // 1
    '', // 2
    '```yaml', // 3
    '- uses: OWNER/berth/actions/deploy-ecs@v1', // 4
    '  with:', // 5
    '    cluster: shop', // 6
    '    task-definition: ${{ steps.render.outputs.task-definition }}', // 7
    '    not-an-input: x', // 8
    '- run: echo ${{ github.event.issue.title }}', // 9
    '```', // 10
    '', // 11
    '1. In a list:', // 12
    '', // 13
    '   ```yml', // 14
    '   exceptions:', // 15
    '     - id: CVE-1', // 16
    '   ```', // 17
    '````yaml', // 18
    'on: push', // 19
    'jobs:', // 20
    '  a:', // 21
    '    runs-on: ubuntu-latest', // 22
    '    needs: build', // 23
    '    steps: [{ run: "echo ${{ needs.build.outputs.digest }}" }]', // 24
    '````', // 25
  ].join('\n');
  const found = fencedBlocks('x.md', markdown);

  it('finds fenced blocks, indented ones and longer fences, with the line of their first content line', () => {
    expect(found.map((b) => [b.line, b.lang])).toEqual([
      [4, 'yaml'],
      [15, 'yml'],
      [19, 'yaml'],
    ]);
    expect(found[1].text).toBe('exceptions:\n  - id: CVE-1');
  });

  it('classifies by content', () => {
    const kinds = found.map((b) => classify(parseBlock(b).doc).kind);
    expect(kinds).toEqual(['steps', 'not-a-workflow', 'workflow']);
    expect(classify({ 'smoke-test': { 'runs-on': 'ubuntu-latest', steps: [] } }).kind).toBe('jobs');
    expect(classify({ uses: 'OWNER/berth/.github/workflows/pipeline.yml@v1', with: {} }).kind).toBe('job');
    expect(classify({ id: 'x', uses: 'OWNER/berth/actions/rollback@v1' }).kind).toBe('step');
    expect(classify({ with: { service: 'web' } }).kind).toBe('with');
    expect(classify({ region: 'us-east-1' }).kind).toBe('unknown');
  });

  it('reports what actionlint finds at the Markdown line, and gives a fragment the steps and jobs it reads', () => {
    const steps = wrapForActionlint(found[0], 'steps');
    const workflow = wrapForActionlint(found[2], 'workflow');
    const problems = lint([steps, workflow]);
    // The untrusted expression in `run:` is on line 9 of x.md; a complete workflow (it has `on:`)
    // gets no stand-in for the job it needs, so job `a` (line 21) and its read of
    // `needs.build` (line 24) are reported; the fragment's stand-in `render` step is the
    // wrapper's, so nothing else is.
    expect(problems.map((p) => p.split(': ')[0]).sort()).toEqual(['x.md:21', 'x.md:24', 'x.md:9']);
    expect(problems.find((p) => p.startsWith('x.md:9:'))).toContain('potentially untrusted');
    expect(problems.filter((p) => !p.startsWith('x.md:9:')).every((p) => p.includes('build'))).toBe(true);
  });

  it('wraps a bare `with:` map and a job’s settings shown alone into workflows actionlint accepts', () => {
    const withBlock: FencedBlock = {
      file: 'y.md',
      line: 10,
      lang: 'yaml',
      text: 'with:\n  service: web\n  to: last-successful\n  reason: ${{ inputs.reason }}',
    };
    const settings: FencedBlock = {
      file: 'y.md',
      line: 20,
      lang: 'yaml',
      text: 'permissions:\n  contents: read\n  id-token: write',
    };
    expect([classify(parseBlock(withBlock).doc).kind, classify(parseBlock(settings).doc).kind]).toEqual([
      'with',
      'job-settings',
    ]);
    expect(actionTaking(['service', 'to', 'reason'])).toBe('rollback');
    const wrapped = [
      wrapForActionlint(withBlock, 'with', 'OWNER/berth/actions/rollback@v1'),
      wrapForActionlint(settings, 'job-settings'),
    ];
    expect(lint(wrapped)).toEqual([]);
    // A mistake inside them is still reported at its Markdown line.
    const broken = { ...withBlock, text: 'with:\n  service: ${{ inputs.service }\n' };
    expect(
      lint([wrapForActionlint(broken, 'with', 'OWNER/berth/actions/rollback@v1')]).map(
        (p) => p.split(': ')[0],
      ),
    ).toEqual(['y.md:11']);
  });

  it('catches an input the action does not declare, and an action Berth does not have', () => {
    const doc = parseBlock({ ...found[0], text: wrapForActionlint(found[0], 'steps').text }).doc;
    expect(berthCallProblems(doc)).toEqual([
      'doc.steps[1]: `not-an-input` is not an input of OWNER/berth/actions/deploy-ecs@v1',
    ]);
    expect(berthAction('acme/berth/actions/deploy@v1')).toBe('deploy');
    expect(berthCallProblems({ jobs: { j: { steps: [{ uses: 'acme/berth/actions/deploy@v1' }] } } })).toEqual(
      ['j.steps[0]: acme/berth/actions/deploy@v1 names no Berth action (no actions/deploy/action.yml)'],
    );
    expect(
      berthCallProblems({
        jobs: { j: { uses: 'acme/berth/.github/workflows/pipeline.yml@v1', with: { servce: 'web' } } },
      }),
    ).toEqual(
      expect.arrayContaining(['j: `servce` is not an input of acme/berth/.github/workflows/pipeline.yml@v1']),
    );
  });
});
