import {
  addFullReferences,
  addVerdict,
  htmlText,
  type JobSummary,
  shortDigest,
  shortImage,
} from '@berth/shared/summary';
import { type BuildPushResult, imageUri } from './result.js';

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return 'unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

const MODE_TEXT: Record<BuildPushResult['mode'], string> = {
  build: 'built and pushed',
  'build-only': 'built, not pushed (`push: false`)',
  reuse: 'skipped: the first tag already existed, its image was reused (`skip-if-exists`)',
  promote: 'promoted an existing image without rebuilding (`source`)',
};

function cacheText(result: BuildPushResult): string {
  if (result.mode === 'reuse' || result.mode === 'promote') return 'not used (no build)';
  if (result.cache === 'none') return 'none';
  const hits = result.cachedSteps ?? 0;
  return `${result.cache}: ${hits > 0 ? `hit (${hits} cached step${hits === 1 ? '' : 's'})` : 'no cached steps'}`;
}

/** The verdict: what the step did with which image, in words. */
export function summaryHeadline(result: BuildPushResult): string {
  const pinned = imageUri(result);
  const image = shortImage(pinned || result.image);
  switch (result.mode) {
    case 'build':
      return `Built and pushed ${image}`;
    case 'build-only':
      return `Built ${image}, not pushed`;
    case 'reuse':
      return `Reused ${image}: its first tag already existed, nothing was built`;
    default:
      return `Promoted ${image} without rebuilding`;
  }
}

/**
 * Rows of the job summary table, as plain text; pure so a test can read them.
 * Image references are short (registry host dropped, digest cut to 12 hex):
 * the full ones are in the block under the table (fullReferences).
 */
export function summaryRows(result: BuildPushResult): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Result', MODE_TEXT[result.mode]],
    [
      'Builder',
      result.builder === 'none'
        ? 'none (no build)'
        : `${result.builder}${result.builderVersion ? ` (${result.builderVersion})` : ''}`,
    ],
    ['Image', shortImage(result.image)],
    ['Digest', result.digest ? shortDigest(result.digest) : 'not pushed'],
    ['Tags', result.tagOutcomes.map(({ tag, outcome }) => `${tag} (${outcome})`).join(', ')],
    ['Size', formatBytes(result.sizeBytes)],
    ['Platforms', result.platforms.length > 0 ? result.platforms.join(', ') : 'builder default'],
    ['Cache', cacheText(result)],
  ];
  if (result.source) rows.splice(1, 0, ['Source', shortImage(result.source)]);
  if (result.dockerConfig) rows.push(['Login for later steps', `DOCKER_CONFIG=${result.dockerConfig}`]);
  return rows;
}

/** The references the table shows short, in full: what a reader copies. */
export function fullReferences(result: BuildPushResult): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  if (result.source) entries.push(['source', result.source]);
  entries.push(['pin with', imageUri(result) || '(not pushed)']);
  for (const tag of result.tags) entries.push([`tag ${tag}`, `${result.image}:${tag}`]);
  return entries;
}

/** HTML-escaped table cell text, with `code` spans kept as code (the summary table is HTML). */
export const cellHtml = htmlText;

/** The one job summary of this action, written through `effects.summary` (which never fails the step). */
export function buildSummary(result: BuildPushResult): (summary: JobSummary) => void {
  return (summary) => {
    addVerdict(summary, { headline: summaryHeadline(result) });
    summary.addTable([
      [
        { data: 'Field', header: true },
        { data: 'Value', header: true },
      ],
      ...summaryRows(result).map(([field, value]) => [field, cellHtml(value)]),
    ]);
    addFullReferences(summary, fullReferences(result));
  };
}
