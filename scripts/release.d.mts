// Types for scripts/release.mjs (a plain Node script, so the workflow runs it without a build).
export interface Release {
  version: string;
  tag: string;
  major: number;
  minor: number;
  patch: number;
  prerelease: boolean;
}
export function parseVersion(input: string): Release;
export function changelogSection(
  changelog: string,
  version: string,
): { heading: string; date: string | undefined; body: string } | undefined;
export function topEntry(changelog: string): string | undefined;
export function releaseProblems(
  release: Pick<Release, 'version' | 'tag'>,
  facts: { packageVersion: string; changelog: string; existingTags: string[]; newTag: boolean },
): string[];
export function majorTagToMove(
  release: Pick<Release, 'major' | 'minor' | 'patch' | 'prerelease'>,
  existingTags: string[],
): string | undefined;
