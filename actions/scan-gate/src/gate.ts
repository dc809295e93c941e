/**
 * scan-gate's work, loaded by main() once the inputs have passed: the
 * allowlist, exception files and reports (YAML, JSON) and ECR (the AWS SDK)
 * are parsed only then.
 */
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isDeadlineError, stepDeadline } from '@berth/shared/deadline';
import { formatDuration } from '@berth/shared/duration';
import { ConfigurationError } from '@berth/shared/errors';
import { inGroup, type Logger } from '@berth/shared/logger';
import { shortImage } from '@berth/shared/summary';
import { BERTH_VERSION } from '@berth/shared/version';
import { resolveWorkspacePath } from '@berth/shared/workspace-file';
import { loadAllowlist } from './allowlist.js';
import { buildAnnotations } from './annotations.js';
import { type ImportResult, importExceptionFiles } from './exceptions/import.js';
import type { Inputs } from './inputs.js';
import { type Effects, GateFailedError } from './main.js';
import { type Finding, mergeFindings, SEVERITIES, type SourceResult } from './normalise.js';
import { evaluateGate, type GateVerdict, type Policy, utcDay } from './policy.js';
import { buildSarif } from './sarif-output.js';
import type { EcrScanResult } from './sources/ecr.js';
import { REPORT_PARSERS, readReports, resolveReportFiles } from './sources/reports.js';
import { renderSummary, type SummaryData } from './summary.js';

function workspacePath(workspace: string, path: string): string {
  return isAbsolute(path) ? path : resolve(workspace, path);
}

/** The Dockerfile SARIF results point at, as a repository-relative POSIX path. */
function checkDockerfile(workspace: string, dockerfile: string): string {
  const full = workspacePath(workspace, dockerfile);
  const rel = relative(workspace, full);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new ConfigurationError(
      `Input \`dockerfile\`: \`${dockerfile}\` is outside the workspace (${workspace}); code scanning can only show files of the repository. Give a path inside the checkout.`,
    );
  }
  if (!existsSync(full) || !statSync(full).isFile()) {
    throw new ConfigurationError(
      `Input \`dockerfile\`: \`${dockerfile}\` does not exist in the workspace (${workspace}). Give the path of the Dockerfile the image was built from, relative to the repository root, or remove the input.`,
    );
  }
  // A link out of the checkout is refused too: SARIF results must point at a repository file.
  resolveWorkspacePath('dockerfile', rel, { roots: { workspace } });
  return rel.split(sep).join('/');
}

function countsOutput(verdict: GateVerdict): Record<string, unknown> {
  const counts: Record<string, unknown> = {};
  const total = { found: 0, counted: 0, excepted: 0, unfixed: 0 };
  for (const severity of SEVERITIES) {
    const c = verdict.counts[severity];
    counts[severity.toLowerCase()] = { ...c };
    total.found += c.found;
    total.counted += c.counted;
    total.excepted += c.excepted;
    total.unfixed += c.unfixed;
  }
  counts.total = total;
  counts.blocking = verdict.blocking.length;
  return counts;
}

function findingsDocument(
  subject: string,
  inputs: Inputs,
  verdict: GateVerdict,
  notes: string[],
  unscanned: SummaryData['unscanned'],
  passed: boolean,
): Record<string, unknown> {
  return {
    version: 1,
    tool: `berth scan-gate ${BERTH_VERSION}`,
    passed,
    subject,
    policy: {
      failOn: inputs.failOn,
      maxFindings: Object.fromEntries(
        Object.entries(inputs.maxFindings).map(([k, v]) => [k.toLowerCase(), v]),
      ),
      ignoreUnfixed: inputs.ignoreUnfixed,
      allowlist: inputs.allowlist ?? null,
      exceptionFiles: inputs.exceptionFiles,
    },
    ...(unscanned ? { unscanned } : {}),
    reasons: verdict.reasons,
    counts: countsOutput(verdict),
    findings: verdict.evaluated.map(({ finding, disposition, blocking, exception }) => ({
      ...finding,
      disposition,
      blocking,
      ...(exception
        ? {
            exception: {
              id: exception.id,
              reason: exception.reason,
              expires: exception.expires,
              file: exception.file,
              line: exception.line,
              ...(exception.importedFrom
                ? { importedFrom: exception.importedFrom, defaultExpiry: exception.defaultExpiry ?? false }
                : {}),
            },
          }
        : {}),
    })),
    expiredExceptions: verdict.expired.map(({ entry, matched }) => ({ ...entry, matched })),
    staleExceptions: verdict.stale,
    notes,
  };
}

/**
 * The registry's findings. The ECR source (and the AWS SDK) loads here, so a
 * run on report files, or one refused for its files, never parses it. A scan
 * that did not finish in time fails the gate with a summary that says so.
 */
async function collectFromEcr(inputs: Inputs, effects: Effects): Promise<EcrScanResult> {
  const { clock, logger } = effects;
  const { fetchEcrFindings, ScanWaitTimedOutError } = await import('./sources/ecr.js');
  // The step's deadline is the wait (at least a minute, so `0` still has time to check once):
  // every call carries its signal, so a call that gets no answer cannot outlive it.
  const deadline = stepDeadline(clock, Math.max(1, inputs.waitTimeoutMinutes) * 60_000);
  const { client, region } =
    effects.ecr?.(inputs, deadline.signal) ??
    (() => {
      const aws = effects.aws(inputs.aws, { signal: deadline.signal });
      return { client: aws.ecr(), region: aws.region };
    })();
  const asked = `${inputs.repository}${inputs.imageTag ? `:${inputs.imageTag}` : `@${inputs.imageDigest}`}`;
  try {
    return await inGroup(logger, `Wait for the ECR scan of ${asked}`, () =>
      fetchEcrFindings({
        client,
        region,
        repository: inputs.repository!,
        imageDigest: inputs.imageDigest,
        imageTag: inputs.imageTag,
        startScan: inputs.startScan,
        waitTimeoutMs: inputs.waitTimeoutMinutes * 60_000,
        clock,
        logger,
        deadline,
      }),
    );
  } catch (caught) {
    // A call cut short before the wait began (describing the image) ends the step the same way.
    const error =
      !(caught instanceof ScanWaitTimedOutError) && isDeadlineError(caught, deadline)
        ? new ScanWaitTimedOutError(
            `ECR did not answer about \`${asked}\` within ${formatDuration(deadline.timeoutMs)} (\`wait-timeout-minutes\`, at least 1); the call was abandoned.`,
          )
        : caught;
    // No verdict without findings: the gate fails, and the summary says it timed out.
    if (error instanceof ScanWaitTimedOutError) {
      effects.setOutput('passed', 'false');
      await effects.summary((summary) =>
        summary.addRaw(`### Scan gate timed out: no scan, no verdict\n\n${error.message}\n`),
      );
    }
    throw error;
  }
}

/** What the imported exception files gave, and what they left out or left undated, said once each. */
function reportImports(imported: ImportResult, logger: Logger): void {
  for (const line of imported.summary) logger.info(`Imported exceptions: ${line}`);
  for (const note of imported.notes) logger.info(note);
  for (const { message, line, file } of imported.expiryWarnings) {
    logger.warning(message, { title: 'Imported exceptions without an end date', file, startLine: line });
  }
  for (const skipped of imported.skipped) {
    logger.warning(skipped.message, {
      title: 'Exception not applied',
      file: skipped.file,
      startLine: skipped.line,
    });
  }
}

/** scan-gate once its inputs have passed: files → findings → verdict → files, outputs, summary, annotations → pass or fail. */
export async function runGate(inputs: Inputs, effects: Effects): Promise<void> {
  const { env, logger, clock, setOutput } = effects;
  const writeSummary = (markdown: string) => effects.summary((summary) => summary.addRaw(markdown));
  const workspace = effects.files.workspace;

  // Everything the user gave is checked before the first AWS call.
  // Files are read only from the workspace and RUNNER_TEMP, links followed (workspace-file.ts).
  const roots = { workspace, runnerTemp: env.RUNNER_TEMP || undefined };
  const allowlist = inputs.allowlist
    ? loadAllowlist(workspacePath(workspace, inputs.allowlist), inputs.allowlist, roots)
    : [];
  const imported = importExceptionFiles(
    inputs.exceptionFiles.map((file) => ({ path: workspacePath(workspace, file), shown: file })),
    { roots, today: utcDay(clock.now()), defaultExpiryDays: inputs.defaultExpiryDays },
  );
  const dockerfile = inputs.dockerfile ? checkDockerfile(workspace, inputs.dockerfile) : undefined;
  const reportFiles = inputs.source === 'ecr' ? [] : resolveReportFiles(inputs.report, workspace, roots);
  const policy: Policy = {
    failOn: inputs.failOn,
    maxFindings: inputs.maxFindings,
    ignoreUnfixed: inputs.ignoreUnfixed,
    allowlist: [...allowlist, ...imported.entries],
  };
  reportImports(imported, logger);
  logger.info(
    `Policy: fail-on ${policy.failOn}` +
      (Object.keys(policy.maxFindings).length > 0
        ? `, max-findings ${Object.entries(policy.maxFindings)
            .map(([s, n]) => `${s.toLowerCase()}=${n}`)
            .join(',')}`
        : '') +
      `, ignore-unfixed ${policy.ignoreUnfixed}` +
      (inputs.allowlist ? `, allowlist ${inputs.allowlist} (${allowlist.length} exceptions)` : '') +
      (inputs.exceptionFiles.length > 0
        ? `, ${imported.entries.length} exceptions imported from ${inputs.exceptionFiles.join(', ')}`
        : ''),
  );

  let subject: string;
  // The summary shows an image short (the full reference in a block under the verdict).
  let image: string | undefined;
  let summarySubject = (text: string) => text;
  let collected: SourceResult;
  let unscanned: SummaryData['unscanned'];
  if (inputs.source === 'ecr') {
    const result = await collectFromEcr(inputs, effects);
    image = result.image.reference;
    summarySubject = (text) => text.replace(result.image.reference, shortImage(result.image.reference));
    if (result.kind === 'unscanned') {
      subject = `\`${result.image.reference}\``;
      collected = { findings: [], notes: [] };
      unscanned = {
        status: result.status,
        reason: result.reason,
        advice: result.advice,
        allowed: inputs.allowUnscanned,
      };
    } else {
      subject = `ECR ${result.scanType === 'ENHANCED' ? 'enhanced (Amazon Inspector)' : 'basic'} scan of \`${result.image.reference}\``;
      collected = { findings: result.findings, notes: result.notes };
    }
  } else {
    const label = REPORT_PARSERS[inputs.source].label;
    collected = await inGroup(logger, `Read ${reportFiles.length} ${label} report(s)`, async () => {
      const read = readReports(reportFiles, inputs.source as 'trivy' | 'grype' | 'sarif', workspace, roots);
      for (const file of reportFiles) logger.info(`Read ${relative(workspace, file) || file}`);
      return read;
    });
    const shown = reportFiles.map((f) => `\`${relative(workspace, f) || f}\``);
    subject = `${label} report${shown.length === 1 ? '' : 's'} ${shown.slice(0, 5).join(', ')}${shown.length > 5 ? ` and ${shown.length - 5} more` : ''}`;
  }

  const findings: Finding[] = mergeFindings(collected.findings);
  if (findings.length !== collected.findings.length) {
    logger.info(
      `${collected.findings.length} findings reported, ${findings.length} after merging duplicates (same id, package and installed version).`,
    );
  }
  for (const note of collected.notes) logger.info(note);

  const verdict = evaluateGate(findings, policy, clock.now());
  if (policy.ignoreUnfixed && verdict.unknownFixState > 0) {
    logger.info(
      `${verdict.unknownFixState} counted findings come from a scanner that does not report fixes; \`ignore-unfixed\` cannot apply to them.`,
    );
  }
  const passed = unscanned ? unscanned.allowed : verdict.passed;

  // Files and outputs first, so a later step (`if: failure()`) can read them.
  const base = effects.files.temp;
  mkdirSync(base, { recursive: true });
  // A directory per run: two scan-gate steps in one job must not overwrite each other's files.
  const dir = mkdtempSync(join(base, 'scan-gate-'));
  const findingsPath = join(dir, 'findings.json');
  const sarifPath = join(dir, 'scan-gate.sarif');
  writeFileSync(
    findingsPath,
    `${JSON.stringify(findingsDocument(subject, inputs, verdict, collected.notes, unscanned, passed), null, 2)}\n`,
  );
  writeFileSync(
    sarifPath,
    `${JSON.stringify(buildSarif(verdict.evaluated, { minSeverity: inputs.sarifMinSeverity, dockerfile, toolVersion: BERTH_VERSION }), null, 2)}\n`,
  );
  setOutput('passed', String(passed));
  for (const severity of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const) {
    setOutput(severity.toLowerCase(), String(verdict.counts[severity].counted));
  }
  setOutput('counts', JSON.stringify(countsOutput(verdict)));
  setOutput('findings', findingsPath);
  setOutput('sarif', sarifPath);

  await inGroup(logger, 'Verdict', async () => {
    for (const severity of SEVERITIES) {
      const c = verdict.counts[severity];
      if (c.found > 0) {
        logger.info(
          `${severity}: ${c.found} found, ${c.counted} counted, ${c.excepted} excepted, ${c.unfixed} with no fix`,
        );
      }
    }
    if (findings.length === 0 && !unscanned) logger.info('No findings.');
    for (const reason of verdict.reasons) logger.info(`Blocking: ${reason}`);
    logger.info(`Findings: ${findingsPath}`);
    logger.info(`SARIF: ${sarifPath}`);
  });

  try {
    await writeSummary(
      renderSummary({
        subject: summarySubject(subject),
        image,
        verdict,
        policy,
        allowlistPath: inputs.allowlist,
        exceptionFiles: inputs.exceptionFiles,
        unscanned,
        notes: collected.notes,
      }),
    );
  } catch (error) {
    logger.warning(
      `Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  if (unscanned) {
    const message = `${unscanned.reason} ${unscanned.advice}`;
    if (!unscanned.allowed) {
      throw new GateFailedError(
        `${message} (Set \`allow-unscanned: true\` to pass unscanned images with a warning.)`,
      );
    }
    logger.warning(`${message} Passing because \`allow-unscanned\` is true; nothing was checked.`, {
      title: 'Image not scanned',
    });
    return;
  }

  for (const annotation of buildAnnotations(verdict, { dockerfile })) {
    const { level, message, ...properties } = annotation;
    logger[level](message, properties);
  }

  if (!verdict.passed) {
    throw new GateFailedError(
      `${verdict.blocking.length} blocking finding${verdict.blocking.length === 1 ? '' : 's'}: ${verdict.reasons.join('; ')}. See the job summary for the list and the allowlist for exceptions.`,
    );
  }
  logger.info(`Passed: ${findings.length} finding${findings.length === 1 ? '' : 's'}, none over its limit.`);
}
