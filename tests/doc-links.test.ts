// Every relative link in the repository's Markdown points at a file or folder that exists, and
// every `#anchor` at a heading of the page it names (as GitHub renders them). External links are
// not fetched: tests talk only to 127.0.0.1.
import { existsSync, globSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import { anchorsOf, linksOf } from './doc-blocks.js';

const MARKDOWN = globSync('**/*.md', { cwd: REPO_ROOT })
  .filter((path) => !path.split('/').some((part) => part === 'node_modules' || part.startsWith('.')))
  .sort();

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
