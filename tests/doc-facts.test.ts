// Facts the docs state that a reader acts on (issue 19): the image tags they show are the ones
// build-push makes, the scans they show scan a digest, and the ECR lifecycle policy in
// docs/setup.md keeps what a rollback needs when ECR applies it as AWS documents.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import { DEFAULT_TAG_TEMPLATE, renderTemplate } from '../actions/build-push/src/tags.js';
import { fencedBlocks, markdownFiles, parseBlock, yamlBlocks } from './doc-blocks.js';
import { expiredImages, type LifecycleImage, type LifecycleRule, policyProblems } from './ecr-lifecycle.js';

const docs = markdownFiles().map((file) => ({ file, text: readFileSync(join(REPO_ROOT, file), 'utf8') }));
const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

describe('image references in the docs', () => {
  it('show build tags in the form build-push renders `sha-{short_sha}`', () => {
    const seen: string[] = [];
    const wrong: string[] = [];
    for (const { file, text } of docs) {
      for (const m of text.matchAll(/\bsha-([0-9a-f]{4,40})\b/g)) {
        seen.push(m[0]);
        // What build-push's default template makes of a commit whose SHA starts with these digits.
        const rendered = renderTemplate(DEFAULT_TAG_TEMPLATE, {
          sha: m[1].padEnd(40, '0'),
          now: new Date(0),
        });
        if (rendered !== m[0])
          wrong.push(`${file}:${lineOf(text, m.index)}: ${m[0]} (build-push makes ${rendered})`);
      }
    }
    expect(seen.length).toBeGreaterThan(3);
    expect(wrong).toEqual([]);
  });

  it('never use the full commit SHA as an image tag (build-push tags `sha-` and seven characters)', () => {
    const fullSha = /[\w./-]+:(?:sha-)?\$\{\{\s*github\.sha\s*\}\}/g;
    const wrong: string[] = [];
    for (const { file, text } of docs) {
      // The migration guide shows jobs as they run today, whose own build steps tag images
      // `sha-${{ github.sha }}`, and Berth steps that take those images as they are; only a
      // block of it where build-push makes the image must use build-push's tags.
      const yamlRanges = fencedBlocks(file, text).map((block) => ({
        block,
        builtByBerth: /\/berth\/actions\/build-push@/.test(block.text),
      }));
      for (const m of text.matchAll(fullSha)) {
        const line = lineOf(text, m.index);
        const inBlock = yamlRanges.find(
          ({ block }) => line >= block.line && line < block.line + block.text.split('\n').length,
        );
        const exempt = file === 'docs/migrate.md' && !inBlock?.builtByBerth;
        if (!exempt) wrong.push(`${file}:${line}: ${m[0]}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('scans in the docs', () => {
  const blocks = yamlBlocks().map((block) => ({ block, doc: parseBlock(block).doc }));
  const steps = blocks.flatMap(({ block, doc }) => {
    const all: any[] = [];
    const visit = (node: any) => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        if (typeof node.run === 'string' || typeof node.uses === 'string') all.push(node);
        Object.values(node).forEach(visit);
      }
    };
    visit(doc);
    return all.map((step) => ({ at: `${block.file}:${block.line}`, step }));
  });

  it('gate ECR findings by digest: scan-gate is given `image-digest`, not `image-tag`', () => {
    const gates = steps.filter(({ step }) => /\/actions\/scan-gate@/.test(step.uses ?? ''));
    expect(gates.length).toBeGreaterThan(2);
    const byTag = gates.filter(({ step }) => step.with && 'image-tag' in step.with).map(({ at }) => at);
    expect(byTag).toEqual([]);
    for (const { at, step } of gates) {
      const source = step.with?.source ?? 'ecr';
      if (source === 'ecr')
        expect({ at, digest: step.with?.['image-digest'] }).toEqual({ at, digest: expect.any(String) });
    }
  });

  it('run scanners on a digest reference (an image-uri output or `@sha256:`), never a tag', () => {
    const scans = steps.filter(({ step }) => /\b(trivy image|grype)\b/.test(step.run ?? ''));
    expect(scans.length).toBeGreaterThan(0);
    for (const { at, step } of scans) {
      const target = /\b(?:trivy image|grype)\b.*"\$(\w+)"/.exec(step.run)?.[1];
      const value = String(step.env?.[target ?? ''] ?? '');
      expect({ at, target: value }).toEqual({
        at,
        target: expect.stringMatching(/outputs\.image-uri\b|@sha256:/),
      });
    }
  });
});

describe('the ECR lifecycle policy in docs/setup.md', () => {
  const setup = docs.find((d) => d.file === 'docs/setup.md')!;
  const json = fencedBlocks('docs/setup.md', setup.text).find(
    (b) => b.lang === 'json' && b.text.includes('"rulePriority"'),
  );
  const rules: LifecycleRule[] = JSON.parse(json!.text).rules;

  // A year of a busy repository: a build a day tagged sha-…, every tenth a release v1.N.0, a
  // hotfix every ten days, the cache, untagged leftovers (replaced cache manifests, the old
  // images of moved promotion tags), and the three promotion tags on recent builds.
  const now = new Date('2026-12-01T00:00:00Z');
  const day = (n: number) => new Date(now.getTime() - n * 86_400_000);
  const hex = (n: number) => n.toString(16).padStart(7, '0');
  const images: LifecycleImage[] = [];
  for (let age = 365; age >= 1; age--) {
    const tags = [`sha-${hex(age)}`];
    if (age % 10 === 0) tags.push(`v1.${(365 - age) / 10}.0`);
    images.push({ digest: `build-${age}`, tags, pushedAt: day(age) });
    if (age % 10 === 5)
      images.push({
        digest: `hotfix-${age}`,
        tags: [`hotfix-${day(age).toISOString().slice(0, 10)}`],
        pushedAt: day(age),
      });
    if (age % 3 === 0) images.push({ digest: `untagged-${age}`, tags: [], pushedAt: day(age) });
  }
  const promote = (digest: string, tag: string) => images.find((i) => i.digest === digest)!.tags.push(tag);
  promote('build-200', 'prod'); // production has not been released for 200 days: outside the last 100 builds
  promote('build-150', 'staging');
  promote('build-2', 'dev');
  images.push({ digest: 'cache', tags: ['buildcache'], pushedAt: day(300) });
  const expired = expiredImages(rules, images, now);

  it('is a policy ECR accepts (its documented constraints)', () => {
    expect(policyProblems(rules)).toEqual([]);
  });

  it('names one prefix per rule: several prefixes in one rule select only images carrying all of them', () => {
    expect(
      rules.filter((r) => (r.selection.tagPrefixList ?? []).length > 1).map((r) => r.rulePriority),
    ).toEqual([]);
  });

  it('keeps every promoted image, every release and the cache, however old', () => {
    const kept = (pred: (i: LifecycleImage) => boolean) =>
      images.filter(pred).filter((i) => expired.has(i.digest));
    expect(kept((i) => i.tags.some((t) => ['prod', 'staging', 'dev', 'buildcache'].includes(t)))).toEqual([]);
    expect(kept((i) => i.tags.some((t) => /^v\d/.test(t)))).toEqual([]);
  });

  it('keeps the newest 100 builds (the rollback window) and expires older unprotected ones', () => {
    const builds = images.filter((i) => i.digest.startsWith('build-'));
    const newest100 = builds.filter((i) => Number(i.digest.slice(6)) <= 100);
    expect(newest100.filter((i) => expired.has(i.digest))).toEqual([]);
    const older = builds.filter((i) => Number(i.digest.slice(6)) > 100 && i.tags.length === 1);
    expect(older.length).toBeGreaterThan(200);
    expect(older.filter((i) => !expired.has(i.digest))).toEqual([]);
  });

  it('keeps the newest 20 hotfixes and drops untagged images older than 14 days', () => {
    const hotfixes = images.filter((i) => i.digest.startsWith('hotfix-'));
    expect(hotfixes.filter((i) => !expired.has(i.digest)).length).toBe(20);
    const untagged = images.filter((i) => i.tags.length === 0);
    expect(untagged.filter((i) => expired.has(i.digest)).map((i) => i.digest)).toEqual(
      untagged.filter((i) => now.getTime() - i.pushedAt.getTime() > 14 * 86_400_000).map((i) => i.digest),
    );
  });

  it('the evaluator follows AWS on the point the old example got wrong (a control)', () => {
    // The example this page used to show: one rule for all promotion prefixes, meant to keep them.
    const andRule: LifecycleRule = {
      rulePriority: 1,
      selection: {
        tagStatus: 'tagged',
        tagPrefixList: ['prod', 'staging', 'dev', 'v'],
        countType: 'imageCountMoreThan',
        countNumber: 200,
      },
      action: { type: 'expire' },
    };
    const buildsRule: LifecycleRule = {
      rulePriority: 2,
      selection: {
        tagStatus: 'tagged',
        tagPrefixList: ['sha-'],
        countType: 'imageCountMoreThan',
        countNumber: 100,
      },
      action: { type: 'expire' },
    };
    const old = expiredImages([andRule, buildsRule], images, now);
    expect(old.get('build-200')).toBe(2); // production's image is not protected: it carries no v… tag
    expect(
      expiredImages(
        [{ ...andRule, selection: { ...andRule.selection, tagPrefixList: ['prod'] } }, buildsRule],
        images,
        now,
      ).has('build-200'),
    ).toBe(false);
  });
});
