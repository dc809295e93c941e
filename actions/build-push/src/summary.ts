import { escapeHtml, type JobSummary } from '@berth/shared/summary';
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

/** Rows of the job summary table, as plain text; pure so a test can read them. */
export function summaryRows(result: BuildPushResult): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['Result', MODE_TEXT[result.mode]],
    [
      'Builder',
      result.builder === 'none'
        ? 'none (no build)'
        : `${result.builder}${result.builderVersion ? ` (${result.builderVersion})` : ''}`,
    ],
    ['Image', result.image],
    ['Digest', result.digest ?? 'not pushed'],
    ['Pin with', imageUri(result) || '—'],
    ['Tags', result.tagOutcomes.map(({ tag, outcome }) => `${tag} (${outcome})`).join(', ')],
    ['Size', formatBytes(result.sizeBytes)],
    ['Platforms', result.platforms.length > 0 ? result.platforms.join(', ') : 'builder default'],
    ['Cache', cacheText(result)],
  ];
  if (result.source) rows.splice(1, 0, ['Source', result.source]);
  if (result.dockerConfig) rows.push(['Login for later steps', `DOCKER_CONFIG=${result.dockerConfig}`]);
  return rows;
}

/** HTML-escaped table cell text, with `code` spans kept as code (the summary table is HTML). */
export function cellHtml(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** The one job summary of this action, written through `effects.summary` (which never fails the step). */
export function buildSummary(result: BuildPushResult): (summary: JobSummary) => void {
  return (summary) => {
    summary.addHeading(`build-push: ${result.image}`, 3);
    summary.addTable([
      [
        { data: 'Field', header: true },
        { data: 'Value', header: true },
      ],
      ...summaryRows(result).map(([field, value]) => [field, cellHtml(value)]),
    ]);
  };
}
