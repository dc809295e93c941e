/**
 * Job summaries as GitHub renders them: what a `build` adds, turned into the HTML @actions/core's
 * own builder writes to GITHUB_STEP_SUMMARY. Tests assert on that text, so a summary helper is
 * checked against GitHub's library rather than against a stand-in of it.
 */
import * as core from '@actions/core';
import type { JobSummary } from '@berth/shared/summary';

/** The HTML `build` produces with @actions/core's summary builder (nothing is written to disk). */
export function renderSummary(build: (summary: JobSummary) => unknown): string {
  core.summary.emptyBuffer();
  try {
    build(core.summary);
    return core.summary.stringify();
  } finally {
    core.summary.emptyBuffer();
  }
}

/** A `summary` effect that keeps every summary the code under test builds, rendered. */
export function summaryRecorder(): {
  summary: (build: (summary: JobSummary) => unknown) => Promise<void>;
  written: string[];
  /** Everything written, in order. */
  text(): string;
} {
  const written: string[] = [];
  return {
    summary: async (build) => {
      written.push(renderSummary(build));
    },
    written,
    text: () => written.join('\n'),
  };
}
