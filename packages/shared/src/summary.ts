import { errorMessage } from './errors.js';
import * as core from './runner.js';
import { inert } from './untrusted.js';

/** The summary builder written to GITHUB_STEP_SUMMARY (@actions/core's methods). */
export type JobSummary = core.JobSummary;

/**
 * Text made safe inside the HTML of a job summary (tables, lists, `<pre>`,
 * `<code>` and attribute values). Line breaks become character references: a
 * blank line ends an HTML block in GitHub Markdown, after which a log line
 * such as `![x](https://tracker/p.png)` would be rendered as Markdown.
 */
export function escapeHtml(text: string): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;');
}

/**
 * Writes the action's one job summary. A summary is a courtesy: failing to
 * write it (no GITHUB_STEP_SUMMARY, a full disk, a file over 1 MiB) warns and
 * never changes the step's result.
 */
export async function writeJobSummary(build: (summary: JobSummary) => unknown): Promise<void> {
  try {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    core.summary.emptyBuffer();
    build(core.summary);
    await core.summary.write();
  } catch (error) {
    core.warning(inert(`Could not write the job summary: ${errorMessage(error)}`));
  }
}
