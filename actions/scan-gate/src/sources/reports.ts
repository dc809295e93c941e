import { globSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { ConfigurationError } from '@berth/shared/errors';
import { resolveWorkspacePath, type WorkspaceRoots } from '@berth/shared/workspace-file';
import { readInputFile } from '../input-file.js';
import { fileError, record, type SourceResult } from '../normalise.js';
import { grypeParser } from './grype.js';
import { sarifParser } from './sarif.js';
import type { ReportParser, ReportSource } from './source.js';
import { trivyParser } from './trivy.js';

export type { ReportSource };
export type ReportFormat = ReportSource | 'ecr-scan-findings' | 'unknown';

/** The report formats, in the order they are sniffed (SARIF first: a SARIF file may carry any tool's name). */
export const REPORT_PARSERS: Record<ReportSource, ReportParser> = {
  sarif: sarifParser,
  trivy: trivyParser,
  grype: grypeParser,
};

const GLOB_CHARACTERS = /[*?[\]{}]/;

/** Scanner reports are large (a Trivy report of a big image runs to tens of MiB), but not unbounded. */
export const REPORT_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Every file the `report` patterns name, in a stable order. Each pattern is a
 * path or a glob relative to the workspace; one that names no file is an error
 * naming that pattern (a scan step that wrote its report elsewhere must not
 * pass the gate with zero findings).
 */
export function resolveReportFiles(
  patterns: readonly string[],
  cwd: string,
  roots: WorkspaceRoots = { workspace: cwd },
): string[] {
  const files: string[] = [];
  for (const pattern of patterns) {
    let matches: string[];
    if (GLOB_CHARACTERS.test(pattern)) {
      matches = globSync(pattern, { cwd })
        .map((p) => (isAbsolute(p) ? p : resolve(cwd, p)))
        .filter((p) => {
          try {
            return statSync(p).isFile();
          } catch {
            return false;
          }
        })
        .sort();
    } else {
      const path = resolve(cwd, pattern);
      let isFile = false;
      try {
        const stat = statSync(path);
        if (stat.isDirectory()) {
          throw new ConfigurationError(
            `Input \`report\`: \`${pattern}\` is a directory. Name the report file, or a glob such as \`${pattern.replace(/\/$/, '')}/*.json\`.`,
          );
        }
        isFile = stat.isFile();
      } catch (error) {
        if (error instanceof ConfigurationError) throw error;
      }
      matches = isFile ? [path] : [];
    }
    if (matches.length === 0) {
      throw new ConfigurationError(
        `Input \`report\`: \`${pattern}\` matches no file (looked in ${cwd}). Check that the scan step wrote its report there, and the path or glob.`,
      );
    }
    for (const match of matches) {
      // Inside the workspace or RUNNER_TEMP once links are followed, whatever the pattern says.
      resolveWorkspacePath(
        'report',
        relative(cwd, match).startsWith('..') ? match : relative(cwd, match) || match,
        {
          roots,
        },
      );
      if (!files.includes(match)) files.push(match);
    }
  }
  return files;
}

/** What a parsed document is, by its content (a SARIF file may be called .json). */
export function sniffFormat(doc: unknown): ReportFormat {
  const parser = Object.values(REPORT_PARSERS).find((p) => p.matches(doc));
  if (parser) return parser.source;
  if (record(doc)?.imageScanFindings !== undefined) return 'ecr-scan-findings';
  return 'unknown';
}

const FORMAT_NAMES: Record<ReportFormat, string> = {
  sarif: sarifParser.description,
  trivy: trivyParser.description,
  grype: grypeParser.description,
  'ecr-scan-findings': 'an ECR describe-image-scan-findings export',
  unknown: 'not a report scan-gate knows',
};

/** Reads and parses one report file; every failure names the file and what to do. */
export function readReport(
  path: string,
  source: ReportSource,
  shown: string,
  roots: WorkspaceRoots = { workspace: dirname(path) },
): SourceResult {
  const raw = readInputFile('report', path, {
    shown,
    roots,
    maxBytes: REPORT_MAX_BYTES,
    what: 'scanner reports',
  });
  if (raw.trim() === '') {
    throw new ConfigurationError(
      `Input \`report\`: \`${shown}\` is empty. The scan step probably failed before writing its report.`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw);
  } catch (error) {
    throw new ConfigurationError(
      `Input \`report\`: \`${shown}\` is not JSON (${fileError(error)}). Trivy and Grype must write \`--format json\` / \`-o json\`; SARIF logs are JSON too.`,
    );
  }
  const format = sniffFormat(doc);
  if (format !== source) {
    const fix =
      format === 'trivy' || format === 'grype' || format === 'sarif'
        ? `Set \`source: ${format}\`, or point \`report\` at the ${source} report.`
        : format === 'ecr-scan-findings'
          ? 'Use `source: ecr` with `repository` and `image-digest` to read the findings from ECR itself.'
          : `Point \`report\` at a ${source} report.`;
    throw new ConfigurationError(
      `Input \`report\`: \`${shown}\` is ${FORMAT_NAMES[format]}, but \`source\` is \`${source}\`. ${fix}`,
    );
  }
  return REPORT_PARSERS[source].parse(doc, shown);
}

/** All reports of one source; the findings are not merged yet. */
export function readReports(
  files: readonly string[],
  source: ReportSource,
  cwd: string,
  roots: WorkspaceRoots = { workspace: cwd },
): SourceResult {
  const result: SourceResult = { findings: [], notes: [] };
  for (const file of files) {
    const rel = relative(cwd, file);
    const shown = rel && !rel.startsWith('..') ? rel : file;
    const one = readReport(file, source, shown, roots);
    result.findings.push(...one.findings);
    result.notes.push(...one.notes);
  }
  return result;
}
