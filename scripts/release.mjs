// Release checks and notes for .github/workflows/release.yml. Node built-ins only, so the
// workflow's release job runs it without `npm ci`.
//
//   node scripts/release.mjs check <v1.2.3 | 1.2.3 | refs/tags/v1.2.3> [--new-tag]
//     Fails (exit 1, one line per problem) unless the version is semantic, package.json says the
//     same version and CHANGELOG.md has a dated section for it; with --new-tag (a dispatched
//     release, which makes the tag) also when the tag exists already. Writes version, tag,
//     prerelease and major-tag (empty when the major tag must not move) to GITHUB_OUTPUT.
//   node scripts/release.mjs notes <version>
//     Prints CHANGELOG.md's section for that version (the release notes).
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The grammar from https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * The version a tag, ref or dispatch input names: `v1.2.3`, `1.2.3` or `refs/tags/v1.2.3`.
 * @param {string} input
 * @returns {{ version: string, tag: string, major: number, minor: number, patch: number, prerelease: boolean }}
 */
export function parseVersion(input) {
  const bare = String(input ?? '')
    .trim()
    .replace(/^refs\/tags\//, '')
    .replace(/^v/, '');
  const m = SEMVER.exec(bare);
  if (!m) {
    throw new Error(
      `${JSON.stringify(input)} is not a semantic version: give one such as 1.2.3 or v1.2.3 (https://semver.org).`,
    );
  }
  return {
    version: bare,
    tag: `v${bare}`,
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] !== undefined,
  };
}

/**
 * The body of CHANGELOG.md's section for a version (Keep a Changelog: `## [1.2.3] - 2026-12-02`),
 * up to the next `## ` heading or the link definitions at the end; undefined when there is none.
 * @param {string} changelog
 * @param {string} version
 * @returns {{ heading: string, date: string | undefined, body: string } | undefined}
 */
export function changelogSection(changelog, version) {
  const lines = changelog.split('\n');
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = lines.findIndex((line) => new RegExp(`^## \\[?${escaped}\\]?(\\s|$)`).test(line));
  if (start === -1) return undefined;
  let end = lines.findIndex((line, i) => i > start && (/^## /.test(line) || /^\[[^\]]+\]:\s/.test(line)));
  if (end === -1) end = lines.length;
  const heading = lines[start];
  const date = /\s-\s(\d{4}-\d{2}-\d{2})\s*$/.exec(heading)?.[1];
  return {
    heading,
    date,
    body: lines
      .slice(start + 1, end)
      .join('\n')
      .trim(),
  };
}

/** The first `## ` section of the changelog: `Unreleased` or a version. */
export function topEntry(changelog) {
  return /^## \[?([^\]\s]+)\]?/m.exec(changelog)?.[1];
}

/**
 * Why this version must not be released now; empty when it may be.
 * @param {{ version: string, tag: string }} release
 * @param {{ packageVersion: string, changelog: string, existingTags: string[], newTag: boolean }} facts
 * @returns {string[]}
 */
export function releaseProblems(release, { packageVersion, changelog, existingTags, newTag }) {
  const problems = [];
  if (packageVersion !== release.version) {
    problems.push(
      `package.json says version ${packageVersion}, the release is ${release.version}: set "version": "${release.version}" in package.json, commit, and release that commit.`,
    );
  }
  const section = changelogSection(changelog, release.version);
  if (!section) {
    problems.push(
      `CHANGELOG.md has no section for ${release.version}: rename "## [Unreleased]" to "## [${release.version}] - YYYY-MM-DD" (today's date) and start a new empty Unreleased section.`,
    );
  } else {
    if (!section.date)
      problems.push(
        `CHANGELOG.md: "${section.heading}" has no date: write "## [${release.version}] - YYYY-MM-DD".`,
      );
    if (!section.body)
      problems.push(`CHANGELOG.md: the section for ${release.version} is empty; say what changed.`);
  }
  if (newTag && existingTags.includes(release.tag)) {
    problems.push(
      `The tag ${release.tag} exists already: a release is made once; release the next version instead.`,
    );
  }
  return problems;
}

/**
 * The major tag (`v1`) to move to this release, or undefined: never for a pre-release, and not
 * when a higher stable version of the same major exists (a fix released for an older minor must
 * not take `v1` backwards).
 * @param {{ major: number, minor: number, patch: number, prerelease: boolean }} release
 * @param {string[]} existingTags
 * @returns {string | undefined}
 */
export function majorTagToMove(release, existingTags) {
  if (release.prerelease) return undefined;
  const key = (v) => [v.minor, v.patch];
  const higher = existingTags
    .map((tag) => {
      try {
        return parseVersion(tag);
      } catch {
        return undefined;
      }
    })
    .filter((v) => v && !v.prerelease && v.major === release.major)
    .some((v) => {
      const [a, b] = key(v);
      const [c, d] = key(release);
      return a > c || (a === c && b > d);
    });
  return higher ? undefined : `v${release.major}`;
}

function main(argv) {
  const root = join(import.meta.dirname, '..');
  const [command, input, ...flags] = argv;
  const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
  if (command === 'notes') {
    const section = changelogSection(changelog, parseVersion(input).version);
    if (!section) throw new Error(`CHANGELOG.md has no section for ${input}.`);
    process.stdout.write(`${section.body}\n`);
    return;
  }
  if (command !== 'check')
    throw new Error('Usage: release.mjs check <version> [--new-tag] | notes <version>');
  const release = parseVersion(input);
  const packageVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const existingTags = execFileSync('git', ['tag', '--list', 'v*'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  const problems = releaseProblems(release, {
    packageVersion,
    changelog,
    existingTags,
    newTag: flags.includes('--new-tag'),
  });
  if (problems.length) {
    for (const problem of problems) console.error(`::error::${problem}`);
    process.exit(1);
  }
  const majorTag = majorTagToMove(release, existingTags) ?? '';
  const outputs = `version=${release.version}\ntag=${release.tag}\nprerelease=${release.prerelease}\nmajor-tag=${majorTag}\n`;
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, outputs);
  console.log(
    `Releasing ${release.tag}${release.prerelease ? ' (pre-release)' : ''}; ${majorTag ? `${majorTag} moves to it` : 'no major tag moves'}.`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    console.error(`::error::${error.message}`);
    process.exit(1);
  }
}
