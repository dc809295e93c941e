/**
 * docs/migrate.md against the real input lists on both sides (issue 19: "a test that every input
 * in each migration table exists"). The seven actions' `action.yml` files are vendored at the
 * release the guide names (tests/fixtures/migrate/README.md), Berth's are actions/*\/action.yml:
 * neither side's list is written by this test. A table that leaves out an input the action
 * declares, misspells one, or names a Berth input or output that does not exist fails here, and
 * so does a before/after job that gives an action an input it does not declare.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { codeSpans, type MarkdownTable, outline, splitRow } from './markdown-tables.js';

const GUIDE = 'docs/migrate.md';
const FIXTURES = join(REPO_ROOT, 'tests', 'fixtures', 'migrate');

/** The seven actions issue 19 names: what users glue together today. */
const SOURCES = [
  'aws-actions/configure-aws-credentials',
  'aws-actions/amazon-ecr-login',
  'docker/build-push-action',
  'docker/metadata-action',
  'aquasecurity/trivy-action',
  'aws-actions/amazon-ecs-render-task-definition',
  'aws-actions/amazon-ecs-deploy-task-definition',
];

interface Metadata {
  inputs: Record<string, { required?: boolean; default?: unknown } | null>;
  outputs: Record<string, unknown>;
}

interface Vendored extends Metadata {
  repo: string;
  commit: string;
  version: string;
}

function readMetadata(file: string): Metadata {
  const doc = parse(readFileSync(file, 'utf8')) as Partial<Metadata>;
  return { inputs: doc.inputs ?? {}, outputs: doc.outputs ?? {} };
}

/** A vendored action.yml with where it came from, as its first comment line records. */
function vendored(repo: string): Vendored {
  const file = join(FIXTURES, repo.replace('/', '-'), 'action.yml');
  const header = readFileSync(file, 'utf8').split('\n')[0];
  const origin =
    /^# Vendored by Berth from https:\/\/github\.com\/([^/]+\/[^/]+)\/blob\/([0-9a-f]{40})\/\S+ \((v[^)]+)\)/.exec(
      header,
    );
  if (!origin || origin[1] !== repo)
    throw new Error(`${file}: the first line does not say where the file came from`);
  return { ...readMetadata(file), repo, commit: origin[2], version: origin[3] };
}

const BERTH_ACTIONS = readdirSync(join(REPO_ROOT, 'actions')).filter((name) =>
  existsSync(join(REPO_ROOT, 'actions', name, 'action.yml')),
);
const berth = new Map(
  BERTH_ACTIONS.map((name) => [name, readMetadata(join(REPO_ROOT, 'actions', name, 'action.yml'))]),
);
const sources = new Map(SOURCES.map((repo) => [repo, vendored(repo)]));

const guideText = readFileSync(join(REPO_ROOT, GUIDE), 'utf8');
const guide = outline(guideText);

type Kind = 'input' | 'output';

/** A name written in a cell: `name`, or `name: value` / `name=value` for a setting. */
const nameOf = (code: string): string => code.split(/[:=]/)[0].trim();

/**
 * The Berth inputs and outputs one "Berth input" / "Berth output" cell names. A span is of the
 * column's kind unless the text before it says `output` or `input`; a list (`a`, `b` and `c`)
 * keeps the kind of its first span.
 */
function berthNames(cell: string, columnKind: Kind): Array<{ name: string; kind: Kind }> {
  const names: Array<{ name: string; kind: Kind }> = [];
  let kind: Kind = columnKind;
  for (const span of codeSpans(cell)) {
    if (/\boutputs?\s*$/i.test(span.before)) kind = 'output';
    else if (/\binputs?\s*$/i.test(span.before)) kind = 'input';
    else if (!/^\s*(,|and|or|\+|\/)?\s*$/.test(span.before)) kind = columnKind;
    names.push({ name: nameOf(span.code), kind });
  }
  return names;
}

interface MigrationRow {
  source: string;
  table: MarkdownTable;
  kind: Kind;
  /** Row's line in the guide, for messages. */
  where: string;
  names: string[];
  actions: string[];
  actionCell: string;
  berth: Array<{ name: string; kind: Kind }>;
  berthCell: string;
  differs: string;
}

/** Every row of every migration table: tables under a `## owner/name` heading whose first column names that action's inputs or outputs. */
function migrationRows(): MigrationRow[] {
  const rows: MigrationRow[] = [];
  for (const table of guide.tables) {
    if (!sources.has(table.heading)) continue;
    const kindMatch = /\b(input|output)$/.exec(table.header[0]);
    if (!kindMatch) continue;
    const kind = kindMatch[1] as Kind;
    expect({ table: `${GUIDE}:${table.line}`, header: table.header.slice(1) }).toEqual({
      table: `${GUIDE}:${table.line}`,
      header: ['Berth action', `Berth ${kind}`, 'What differs'],
    });
    table.rows.forEach(([names, actions, berthCell, differs], index) => {
      rows.push({
        source: table.heading,
        table,
        kind,
        where: `${GUIDE}:${table.line + 2 + index}`,
        names: codeSpans(names).map((span) => nameOf(span.code)),
        actions: codeSpans(actions).map((span) => span.code),
        actionCell: actions,
        berth: berthNames(berthCell, kind),
        berthCell,
        differs,
      });
    });
  }
  return rows;
}

const rows = migrationRows();

describe('the Markdown table reader', () => {
  // GFM spec, tables extension (https://github.github.com/gfm/#tables-extension-), examples 198–205.
  it('splits cells on unescaped pipes only, with or without the outer pipes', () => {
    expect(splitRow('| abc | defghi |')).toEqual(['abc', 'defghi']);
    expect(splitRow('bar | baz')).toEqual(['bar', 'baz']);
    // Example 200: "| `\|` |" is one cell holding a code span with a pipe.
    expect(splitRow('| b `\\|` az |')).toEqual(['b `|` az']);
    expect(splitRow('| b **\\|** im |')).toEqual(['b **|** im']);
  });

  it('ends a table at a blank line and pads short rows, and leaves tables in code blocks alone', () => {
    const parsed = outline(
      [
        '## A',
        '',
        '| abc | def |',
        '| --- | --- |',
        '| bar |',
        '| bar | baz | boo |',
        '',
        'after',
        '',
        '```',
        '| x | y |',
        '| - | - |',
        '```',
      ].join('\n'),
    );
    expect(parsed.tables).toEqual([
      {
        heading: 'A',
        line: 3,
        header: ['abc', 'def'],
        rows: [
          ['bar', ''],
          ['bar', 'baz'],
        ],
      },
    ]);
    expect(parsed.blocks).toHaveLength(1);
  });

  it('reads code spans as GFM does', () => {
    // GFM §6.1 examples 328, 329 and 338: a double-backtick span may hold a backtick; one space each side is stripped.
    expect(codeSpans('`foo`')).toEqual([{ code: 'foo', before: '' }]);
    expect(codeSpans('`` foo ` bar ``')).toEqual([{ code: 'foo ` bar', before: '' }]);
    expect(codeSpans('`foo``bar``')).toEqual([{ code: 'bar', before: '`foo' }]);
    expect(codeSpans('output `a`, `b`').map((span) => span.before)).toEqual(['output ', ', ']);
  });
});

describe(`${GUIDE}`, () => {
  it('has one section per action, each naming the release its table was read from', () => {
    const sections = guide.headings.filter((h) => h.level === 2 && sources.has(h.text)).map((h) => h.text);
    expect(sections).toEqual(SOURCES);
    for (const source of sources.values()) {
      const start = guideText.indexOf(`\n## ${source.repo}\n`);
      const end = guideText.indexOf('\n## ', start + 1);
      const section = guideText.slice(start, end === -1 ? undefined : end);
      expect({
        source: source.repo,
        names: section.includes(`Release ${source.version} (commit \`${source.commit}\``),
      }).toEqual({
        source: source.repo,
        names: true,
      });
    }
  });

  it('lists every input and every output of each action in its tables, once, spelled as the action spells it', () => {
    for (const source of sources.values()) {
      for (const kind of ['input', 'output'] as const) {
        const listed = rows
          .filter((row) => row.source === source.repo && row.kind === kind)
          .flatMap((row) => row.names);
        const declared = Object.keys(kind === 'input' ? source.inputs : source.outputs);
        const duplicates = listed.filter((name, index) => listed.indexOf(name) !== index);
        expect({
          source: source.repo,
          kind,
          missing: declared.filter((name) => !listed.includes(name)),
        }).toEqual({
          source: source.repo,
          kind,
          missing: [],
        });
        expect({
          source: source.repo,
          kind,
          unknown: listed.filter((name) => !declared.includes(name)),
        }).toEqual({
          source: source.repo,
          kind,
          unknown: [],
        });
        expect({ source: source.repo, kind, duplicates }).toEqual({
          source: source.repo,
          kind,
          duplicates: [],
        });
      }
    }
    // Sanity: the tables were found at all (a reader that found none would pass the loop above only if the fixtures were empty).
    expect(rows.length).toBeGreaterThan(100);
  });

  it('names only Berth inputs and outputs that exist in the action.yml of the action it names', () => {
    const problems: string[] = [];
    for (const row of rows) {
      for (const action of row.actions) {
        if (!berth.has(action))
          problems.push(`${row.where}: \`${action}\` is not a Berth action (${BERTH_ACTIONS.join(', ')})`);
      }
      for (const { name, kind } of row.berth) {
        for (const action of row.actions.filter((a) => berth.has(a))) {
          const metadata = berth.get(action) as Metadata;
          const declared = kind === 'input' ? metadata.inputs : metadata.outputs;
          if (!(name in declared)) problems.push(`${row.where}: ${action} has no ${kind} \`${name}\``);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('says, for every row, the Berth action and name, or "none" in both columns and what to do instead', () => {
    const problems: string[] = [];
    for (const row of rows) {
      const mapped = row.berth.length > 0;
      if (mapped && row.actions.length === 0)
        problems.push(`${row.where}: names ${row.berthCell} but no Berth action`);
      if (!mapped && (row.actionCell !== 'none' || row.berthCell !== 'none'))
        problems.push(`${row.where}: without a Berth name both Berth columns must say "none"`);
      if (!mapped && row.differs.length < 6) problems.push(`${row.where}: "none" needs what to do instead`);
      if (row.names.length === 0) problems.push(`${row.where}: the first column names no ${row.kind}`);
    }
    expect(problems).toEqual([]);
  });

  it('writes settings in the last column (`name: value`) only with inputs of the action replaced or of a Berth action of its section', () => {
    const problems: string[] = [];
    for (const row of rows) {
      const source = sources.get(row.source) as Vendored;
      const sectionActions = new Set(rows.filter((r) => r.source === row.source).flatMap((r) => r.actions));
      const candidates = row.actions.length > 0 ? row.actions : [...sectionActions];
      for (const span of codeSpans(row.differs)) {
        const setting = /^([a-z][a-z0-9-]*): \S/.exec(span.code);
        if (!setting) continue;
        const name = setting[1];
        const known =
          name in source.inputs || candidates.some((action) => name in (berth.get(action)?.inputs ?? {}));
        if (!known)
          problems.push(
            `${row.where}: \`${span.code}\` is an input of neither ${row.source} nor ${candidates.join(', ')}`,
          );
      }
    }
    expect(problems).toEqual([]);
  });

  describe('before/after jobs', () => {
    const yamlBlocks = guide.blocks.filter((block) => block.language === 'yaml');

    /** The metadata a `uses:` refers to: a Berth action, or one of the seven at its vendored release. */
    function metadataFor(uses: string, where: string, problems: string[]): Metadata | undefined {
      const own = /^OWNER\/berth\/actions\/([a-z-]+)@v1$/.exec(uses);
      if (own) {
        const metadata = berth.get(own[1]);
        if (!metadata) problems.push(`${where}: ${uses}: no such Berth action`);
        return metadata;
      }
      const [repo, ref] = uses.split('@');
      const source = sources.get(repo);
      if (!source) return undefined;
      if (ref !== source.commit)
        problems.push(
          `${where}: ${uses} is not pinned to the release the guide maps (${source.commit}, ${source.version})`,
        );
      return source;
    }

    it('are jobs, each section has a before (the action it maps) and an after (Berth)', () => {
      expect(yamlBlocks.length).toBeGreaterThanOrEqual(SOURCES.length * 2);
      for (const block of yamlBlocks)
        expect({ line: block.line, jobs: Object.keys(parse(block.text)) }).toEqual({
          line: block.line,
          jobs: ['jobs'],
        });
      for (const repo of SOURCES) {
        const uses = yamlBlocks.filter((block) => block.heading === repo).map((block) => block.text);
        expect({ repo, before: uses.some((text) => text.includes(`uses: ${repo}@`)) }).toEqual({
          repo,
          before: true,
        });
        expect({ repo, after: uses.some((text) => text.includes('uses: OWNER/berth/actions/')) }).toEqual({
          repo,
          after: true,
        });
      }
    });

    it('give each action only inputs it declares, every required one, and read only outputs it sets', () => {
      const problems: string[] = [];
      for (const block of yamlBlocks) {
        for (const [jobId, job] of Object.entries<any>(parse(block.text).jobs)) {
          const where = `${GUIDE}:${block.line} job ${jobId}`;
          const stepMetadata = new Map<string, Metadata>();
          for (const step of job.steps ?? []) {
            if (!step.uses) continue;
            const metadata = metadataFor(step.uses, where, problems);
            if (!metadata) continue;
            if (step.id) stepMetadata.set(step.id, metadata);
            const given = Object.keys(step.with ?? {});
            for (const name of given)
              if (!(name in metadata.inputs))
                problems.push(`${where}: ${step.uses} has no input \`${name}\``);
            for (const [name, spec] of Object.entries(metadata.inputs)) {
              if (spec?.required && spec.default === undefined && !given.includes(name))
                problems.push(`${where}: ${step.uses} requires \`${name}\``);
            }
          }
          for (const [, id, output] of JSON.stringify(job).matchAll(
            /steps\.([A-Za-z_][\w-]*)\.outputs\.([\w-]+)/g,
          )) {
            const metadata = stepMetadata.get(id);
            if (metadata && !(output in metadata.outputs))
              problems.push(`${where}: step ${id} has no output \`${output}\``);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });
});

describe("README's Migrating section", () => {
  const readme = outline(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));

  it('has one line per action, each naming a Berth action, and links the guide', () => {
    const table = readme.tables.find((t) => t.heading === 'Migrating');
    expect(table).toBeDefined();
    const listed = (table as MarkdownTable).rows.map((row) =>
      row[0].replace(/[`[\]]/g, '').replace(/\(.*\)$/, ''),
    );
    expect(listed).toEqual(SOURCES);
    for (const row of (table as MarkdownTable).rows) {
      const named = codeSpans(row[1]).map((span) => nameOf(span.code));
      expect({ row: row[0], action: named.some((name) => berth.has(name)) }).toEqual({
        row: row[0],
        action: true,
      });
    }
    const section =
      readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split('\n## Migrating\n')[1]?.split('\n## ')[0] ??
      '';
    expect(section).toContain('(docs/migrate.md)');
  });
});
