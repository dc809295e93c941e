// Every relative link in the repository's Markdown points at a file or folder that exists, and
// every `#anchor` at a heading of the page it names (as GitHub renders them). External links are
// not fetched: tests talk only to 127.0.0.1.
import { existsSync, globSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { REPO_ROOT } from '@berth/testkit/paths.js';

const MARKDOWN = globSync('**/*.md', { cwd: REPO_ROOT })
  .filter((path) => !path.split('/').some((part) => part === 'node_modules' || part.startsWith('.')))
  .sort();

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

describe('links in the Markdown', () => {
  it('are found (a control: the scan covers the READMEs and docs/)', () => {
    expect(MARKDOWN).toEqual(
      expect.arrayContaining(['README.md', 'docs/setup.md', 'actions/deploy-ecs/README.md']),
    );
    const relative = MARKDOWN.flatMap((file) =>
      linksOf(readFileSync(join(REPO_ROOT, file), 'utf8')).filter((l) => !/^[a-z][\w+.-]*:/i.test(l.target)),
    );
    expect(relative.length).toBeGreaterThan(30);
  });

  it.each(MARKDOWN)('%s: every relative link and anchor resolves', (file) => {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    const broken: string[] = [];
    for (const { target, line } of linksOf(text)) {
      if (/^[a-z][\w+.-]*:/i.test(target)) continue; // https:, mailto: — not fetched
      const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
      const path = pathPart === '' ? file : normalize(join(dirname(file), decodeURIComponent(pathPart)));
      if (path.startsWith('..') || !existsSync(join(REPO_ROOT, path))) {
        broken.push(`${file}:${line}: ${target} (no ${path})`);
        continue;
      }
      if (anchor && path.endsWith('.md') && statSync(join(REPO_ROOT, path)).isFile()) {
        const anchors = anchorsOf(readFileSync(join(REPO_ROOT, path), 'utf8'));
        if (!anchors.has(anchor.toLowerCase()))
          broken.push(`${file}:${line}: ${target} (no heading #${anchor} in ${path})`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('the link and anchor reading (controls)', () => {
  it('reads links outside code only, and GitHub heading anchors', () => {
    const md = [
      '# What `to` means',
      '## Migrating from docker and AWS actions',
      '## Migrating from docker and AWS actions',
      'See [a](docs/x.md#y) and [b][ref].',
      '`[not](a-link.md)`',
      '```',
      '[not](either.md)',
      '```',
      '[ref]: ../up.md',
    ].join('\n');
    expect(linksOf(md)).toEqual([
      { target: 'docs/x.md#y', line: 4 },
      { target: '../up.md', line: 9 },
    ]);
    expect([...anchorsOf(md)]).toEqual([
      'what-to-means',
      'migrating-from-docker-and-aws-actions',
      'migrating-from-docker-and-aws-actions-1',
    ]);
  });
});
