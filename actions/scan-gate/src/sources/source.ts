/**
 * What every source of findings gives the gate, and the one shape of a
 * scanner report format: how it is recognised (by content, never by file
 * name), what it is called in messages, and its parser into the finding model.
 * ECR is the other kind of source (AWS calls, in ecr.ts); both end in a
 * `SourceResult`.
 */
import type { SourceResult } from '../normalise.js';

export type { SourceResult };

/** The `source` input values that read report files. */
export type ReportSource = 'trivy' | 'grype' | 'sarif';

export interface ReportParser {
  source: ReportSource;
  /** The scanner's name in the summary: `Trivy report \`trivy.json\``. */
  label: string;
  /** What a file of this format is, in an error message: "is a Trivy JSON report, but …". */
  description: string;
  /** True when a parsed JSON document is of this format. */
  matches(doc: unknown): boolean;
  /** The findings and notes of one parsed report; `origin` names the file in messages. */
  parse(doc: unknown, origin: string): SourceResult;
}
