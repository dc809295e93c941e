/** main() wired with test seams: inputs → findings → verdict → files, outputs, summary, annotations. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeImageScanFindingsCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { defaultEffects } from '@berth/shared/effects';
import { ConfigurationError, OutcomeError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import type { JobSummary } from '@berth/shared/summary';
import { inputEnvironment } from '@berth/testkit/action-manifest.js';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { type Effects, GateFailedError, main } from '../src/main.js';
import { manualClock, recordingLogger } from './seams.js';

const ecr = new ECRClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const mock = mockClient(ecr);
const DIGEST = `sha256:${'d'.repeat(64)}`;

const trivyReport = (vulns: Array<[string, string, string?]>) => ({
  SchemaVersion: 2,
  ArtifactName: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1',
  ArtifactType: 'container_image',
  Results: [
    {
      Target: 'shop (debian 12)',
      Vulnerabilities: vulns.map(([id, severity, fixed]) => ({
        VulnerabilityID: id,
        PkgName: 'openssl',
        InstalledVersion: '3.0.1',
        FixedVersion: fixed,
        Severity: severity,
        Title: `${id} title`,
      })),
    },
  ],
});

function setup(inputs: Record<string, string>, files: Record<string, string> = {}) {
  const base = mkdtempSync(join(tmpdir(), 'scan-gate-main-'));
  const workspace = join(base, 'workspace');
  const runnerTemp = join(base, 'temp');
  mkdirSync(workspace);
  mkdirSync(runnerTemp);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(workspace, name, '..'), { recursive: true });
    writeFileSync(join(workspace, name), content);
  }
  const env = inputEnvironment('scan-gate', inputs);
  const outputs: Record<string, string> = {};
  const summaries: string[] = [];
  const logger = recordingLogger();
  let ecrFactoryCalls = 0;
  const runEffects = defaultEffects('scan-gate', {
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    AWS_REGION: 'eu-west-1',
  });
  const deps: Effects = {
    ...runEffects,
    inputs: new InputReader((name: string) => env[`INPUT_${name.toUpperCase()}`] ?? ''),
    clock: manualClock(),
    logger,
    files: { workspace, temp: runnerTemp },
    ecr: () => {
      ecrFactoryCalls++;
      return { client: ecr, region: 'eu-west-1' };
    },
    setOutput: (name: string, value: string) => {
      outputs[name] = value;
    },
    summary: async (build) => {
      const parts: string[] = [];
      // The slice of core.summary scan-gate uses: one raw Markdown document.
      const fake = {
        addRaw(text: string) {
          parts.push(text);
          return fake;
        },
      };
      await build(fake as unknown as JobSummary);
      summaries.push(parts.join(''));
    },
  };
  return { deps, outputs, summaries, logger, runnerTemp, workspace, ecrCalls: () => ecrFactoryCalls };
}

beforeEach(() => {
  mock.reset();
});

describe('main with report sources', () => {
  it('passes: outputs, files under RUNNER_TEMP, one summary', async () => {
    const t = setup(
      { source: 'trivy', report: 'trivy.json' },
      { 'trivy.json': JSON.stringify(trivyReport([['CVE-2024-1', 'MEDIUM', '3.0.2']])) },
    );
    await main(t.deps);
    expect(t.outputs).toMatchObject({
      passed: 'true',
      critical: '0',
      high: '0',
      medium: '1',
      low: '0',
      informational: '0',
    });
    expect(JSON.parse(t.outputs.counts)).toMatchObject({
      medium: { found: 1, counted: 1, excepted: 0, unfixed: 0 },
      total: { found: 1, counted: 1, excepted: 0, unfixed: 0 },
      blocking: 0,
    });
    expect(t.outputs.findings.startsWith(t.runnerTemp)).toBe(true);
    expect(t.outputs.sarif.startsWith(t.runnerTemp)).toBe(true);
    const doc = JSON.parse(readFileSync(t.outputs.findings, 'utf8'));
    expect(doc).toMatchObject({ version: 1, passed: true, policy: { failOn: 'high' } });
    expect(doc.findings[0]).toMatchObject({ id: 'CVE-2024-1', disposition: 'counted', blocking: false });
    expect(JSON.parse(readFileSync(t.outputs.sarif, 'utf8')).runs[0].results).toHaveLength(1);
    expect(t.summaries).toHaveLength(1);
    expect(t.summaries[0]).toMatch(/^### Scan gate passed: Trivy report `trivy.json`/);
    expect(t.ecrCalls()).toBe(0);
  });

  it('fails: outputs are still written, errors annotated, the error says why', async () => {
    const t = setup(
      { source: 'trivy', report: 'trivy.json', allowlist: 'allow.yml' },
      {
        'trivy.json': JSON.stringify(
          trivyReport([
            ['CVE-2024-1', 'CRITICAL', '3.0.2'],
            ['CVE-2024-2', 'HIGH'],
          ]),
        ),
        'allow.yml': 'exceptions:\n  - id: CVE-2020-1\n    reason: r\n    expires: 2020-01-01\n',
      },
    );
    const error = await main(t.deps).catch((e) => e);
    expect(error).toBeInstanceOf(GateFailedError);
    // A failed gate is the step's outcome (shared OutcomeError: no stack), not a mistake in the inputs.
    expect(error).toBeInstanceOf(OutcomeError);
    expect(error).not.toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(
      '2 blocking findings: 1 CRITICAL finding (`fail-on: high` allows none); 1 HIGH finding (`fail-on: high` allows none). See the job summary for the list and the allowlist for exceptions.',
    );
    expect(t.outputs).toMatchObject({ passed: 'false', critical: '1', high: '1' });
    expect(existsSync(t.outputs.findings)).toBe(true);
    const errors = t.logger.lines.filter((l) => l.level === 'error');
    expect(errors.map((l) => l.message)).toEqual([
      expect.stringMatching(/^CVE-2024-1 \(CRITICAL\) in openssl 3.0.1, fixed in 3.0.2/),
      expect.stringMatching(/^CVE-2024-2 \(HIGH\) in openssl 3.0.1, no fix available/),
    ]);
    const warnings = t.logger.lines.filter((l) => l.level === 'warning');
    expect(warnings).toEqual([
      {
        level: 'warning',
        message: expect.stringMatching(/^Allowlist exception CVE-2020-1 expired on 2020-01-01/),
        properties: { title: 'Expired exception CVE-2020-1', file: 'allow.yml', startLine: 2 },
      },
    ]);
  });

  it('hotfix policy: fail-on critical with the allowlist passes the HIGH', async () => {
    const t = setup(
      { source: 'trivy', report: 'trivy.json', 'fail-on': 'critical' },
      { 'trivy.json': JSON.stringify(trivyReport([['CVE-2024-2', 'HIGH']])) },
    );
    await main(t.deps);
    expect(t.outputs.passed).toBe('true');
    expect(t.outputs.high).toBe('1');
  });

  it('several reports are merged and de-duplicated', async () => {
    const t = setup(
      { source: 'trivy', report: 'reports/*.json', 'fail-on': 'none' },
      {
        'reports/a.json': JSON.stringify(trivyReport([['CVE-2024-1', 'LOW', '2']])),
        'reports/b.json': JSON.stringify(
          trivyReport([
            ['CVE-2024-1', 'LOW', '2'],
            ['CVE-2024-3', 'LOW'],
          ]),
        ),
      },
    );
    await main(t.deps);
    expect(t.outputs.low).toBe('2');
    expect(t.logger.text()).toContain('3 findings reported, 2 after merging duplicates');
    const doc = JSON.parse(readFileSync(t.outputs.findings, 'utf8'));
    expect(doc.findings[0].origins).toEqual(['reports/a.json', 'reports/b.json']);
  });

  it('a summary that cannot be written only warns', async () => {
    const t = setup({ source: 'trivy', report: 't.json' }, { 't.json': JSON.stringify(trivyReport([])) });
    await main({ ...t.deps, summary: async () => Promise.reject(new Error('disk full')) });
    expect(t.outputs.passed).toBe('true');
    expect(t.logger.text()).toContain('warning: Could not write the job summary: disk full');
  });

  it('dockerfile: SARIF and annotations point at it; a missing one is an input error', async () => {
    const t = setup(
      { source: 'trivy', report: 't.json', dockerfile: 'docker/Dockerfile' },
      {
        't.json': JSON.stringify(trivyReport([['CVE-2024-1', 'HIGH', '2']])),
        'docker/Dockerfile': 'FROM scratch\n',
      },
    );
    await main(t.deps).catch(() => undefined);
    const sarif = JSON.parse(readFileSync(t.outputs.sarif, 'utf8'));
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe(
      'docker/Dockerfile',
    );
    expect(t.logger.lines.find((l) => l.level === 'error')?.properties).toMatchObject({
      file: 'docker/Dockerfile',
      startLine: 1,
    });

    const u = setup({ source: 'trivy', report: 't.json', dockerfile: 'Dockerfile' }, { 't.json': '{}' });
    await expect(main(u.deps)).rejects.toThrow(
      /Input `dockerfile`: `Dockerfile` does not exist in the workspace/,
    );
  });
});

describe('main with imported exception files', () => {
  it('a .trivyignore and a Grype rule except their findings; undated entries warn on their file, unusable rules too', async () => {
    const t = setup(
      { source: 'trivy', report: 'trivy.json', 'exception-files': '.trivyignore\nci/.grype.yaml' },
      {
        'trivy.json': JSON.stringify(
          trivyReport([
            ['CVE-2024-1', 'CRITICAL', '3.0.2'],
            ['CVE-2024-2', 'HIGH', '3.0.2'],
            ['CVE-2024-3', 'HIGH', '3.0.2'],
          ]),
        ),
        // https://trivy.dev/latest/docs/configuration/filtering/#trivyignore
        '.trivyignore':
          '# reachable only from the admin VPN (SEC-9)\nCVE-2024-1 exp:2026-06-01\nCVE-2024-2\n',
        // https://github.com/anchore/grype#specifying-matches-to-ignore
        'ci/.grype.yaml':
          'ignore:\n  - vulnerability: CVE-2024-3\n    package:\n      name: openssl\n  - fix-state: wont-fix\n',
      },
    );
    await main(t.deps);
    expect(t.outputs).toMatchObject({ passed: 'true', critical: '0', high: '0' });
    const doc = JSON.parse(readFileSync(t.outputs.findings, 'utf8'));
    expect(doc.policy.exceptionFiles).toEqual(['.trivyignore', 'ci/.grype.yaml']);
    expect(
      doc.findings.map(
        (f: {
          id: string;
          disposition: string;
          exception?: { file: string; line: number; expires: string };
        }) => [f.id, f.disposition, f.exception?.file, f.exception?.line, f.exception?.expires],
      ),
    ).toEqual([
      // exp:2026-06-01 applies through 2026-05-31; undated entries get 90 days from the run (2026-01-15).
      ['CVE-2024-1', 'excepted', '.trivyignore', 2, '2026-05-31'],
      ['CVE-2024-2', 'excepted', '.trivyignore', 3, '2026-04-15'],
      ['CVE-2024-3', 'excepted', 'ci/.grype.yaml', 2, '2026-04-15'],
    ]);
    const warnings = t.logger.lines.filter((l) => l.level === 'warning');
    expect(warnings.map((w) => [w.properties?.title, w.properties?.file, w.properties?.startLine])).toEqual([
      ['Imported exceptions without an end date', '.trivyignore', 3],
      ['Imported exceptions without an end date', 'ci/.grype.yaml', 2],
      ['Exception not applied', 'ci/.grype.yaml', 5],
    ]);
    expect(t.logger.text()).toContain('Imported exceptions: .trivyignore (.trivyignore): 2 exceptions');
    expect(t.summaries[0]).toContain(
      'No severity is over its limit (3 findings excepted by the exception files).',
    );
    expect(t.summaries[0]).toContain(
      ', no allowlist, 3 exceptions imported from `.trivyignore`, `ci/.grype.yaml`.',
    );
  });
});

describe('main validates everything before any AWS call', () => {
  it.each<[string, Record<string, string>, Record<string, string>, RegExp]>([
    [
      'invalid severity',
      { repository: 'shop', 'image-tag': 'v1', 'fail-on': 'urgent' },
      {},
      /Input `fail-on` must be one of/,
    ],
    [
      'malformed allowlist',
      { repository: 'shop', 'image-tag': 'v1', allowlist: 'a.yml' },
      { 'a.yml': 'exceptions:\n  - id: CVE-1\n' },
      /a.yml line 2: exception `CVE-1` has no `reason`/,
    ],
    [
      'missing allowlist',
      { repository: 'shop', 'image-tag': 'v1', allowlist: 'nope.yml' },
      {},
      /Input `allowlist`: "nope.yml" does not exist/,
    ],
    [
      'malformed exception file',
      { repository: 'shop', 'image-tag': 'v1', 'exception-files': '.trivyignore' },
      { '.trivyignore': '# ok\nCVE-2024-1 exp:2024-02-30\n' },
      /^Input `exception-files`: \.trivyignore line 2: `exp:2024-02-30` is not an expiry date/,
    ],
    [
      'missing exception file',
      { repository: 'shop', 'image-tag': 'v1', 'exception-files': 'vex/shop.openvex.json' },
      {},
      /Input `exception-files`: .*vex\/shop\.openvex\.json.* does not exist/,
    ],
    [
      'both digest and tag',
      { repository: 'shop', 'image-tag': 'v1', 'image-digest': DIGEST },
      {},
      /exclusive/,
    ],
  ])('%s: ConfigurationError, no ECR client made', async (_name, inputs, files, message) => {
    const t = setup(inputs, files);
    const error = await main(t.deps).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(message);
    expect(t.ecrCalls()).toBe(0);
    expect(mock.calls()).toHaveLength(0);
    expect(t.outputs).toEqual({});
  });
});

describe('main with source ecr', () => {
  beforeEach(() => {
    mock
      .on(DescribeImagesCommand)
      .resolves({ imageDetails: [{ registryId: '123456789012', imageDigest: DIGEST, imageTags: ['v1'] }] });
  });

  it('scanned: outputs and a summary naming the scan', async () => {
    mock.on(DescribeImageScanFindingsCommand).resolves({
      imageScanStatus: { status: 'COMPLETE' },
      imageScanFindings: {
        findings: [
          {
            name: 'CVE-2024-5',
            severity: 'LOW',
            attributes: [
              { key: 'package_name', value: 'bash' },
              { key: 'package_version', value: '5' },
            ],
          },
        ],
      },
    });
    const t = setup({ repository: 'shop', 'image-digest': DIGEST });
    await main(t.deps);
    expect(t.outputs).toMatchObject({ passed: 'true', low: '1' });
    expect(t.summaries[0]).toContain(
      // Short in the verdict (registry and tag dropped, 12 hex), in full in the block under it.
      `### Scan gate passed: ECR basic scan of \`shop@${DIGEST.slice(0, 'sha256:'.length + 12)}\``,
    );
    expect(t.summaries[0]).toContain(
      `<li>image: <code>123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1@${DIGEST}</code></li>`,
    );
  });

  it("without the ECR seam, reaches AWS through effects.aws (the run's clock bound in) with the wait's deadline signal", async () => {
    mock.on(DescribeImageScanFindingsCommand).resolves({
      imageScanStatus: { status: 'COMPLETE' },
      imageScanFindings: { findings: [] },
    });
    const t = setup({ repository: 'shop', 'image-digest': DIGEST, 'aws-region': 'eu-west-1' });
    const asked: Array<{ region?: string; signal?: AbortSignal }> = [];
    const effects: Effects = {
      ...t.deps,
      ecr: undefined,
      aws: (inputs, options = {}) => {
        asked.push({ region: inputs.region, signal: options.signal });
        return { region: 'eu-west-1', ecr: () => ecr } as unknown as ReturnType<Effects['aws']>;
      },
    };
    await main(effects);
    expect(asked).toHaveLength(1);
    expect(asked[0].region).toBe('eu-west-1');
    expect(asked[0].signal).toBeInstanceOf(AbortSignal);
    expect(t.outputs.passed).toBe('true');
  });

  it.each([
    [false, GateFailedError, 'false'],
    [true, undefined, 'true'],
  ])('FAILED scan with allow-unscanned %p', async (allowUnscanned, errorClass, passed) => {
    mock
      .on(DescribeImageScanFindingsCommand)
      .resolves({ imageScanStatus: { status: 'FAILED', description: 'Unable to scan.' } });
    const t = setup({
      repository: 'shop',
      'image-digest': DIGEST,
      'allow-unscanned': String(allowUnscanned),
    });
    const error = await main(t.deps).catch((e) => e);
    if (errorClass) {
      expect(error).toBeInstanceOf(errorClass);
      expect(error.message).toMatch(
        /ended with status FAILED: Unable to scan\. Re-run the scan.*Set `allow-unscanned: true`/,
      );
    } else {
      expect(error).toBeUndefined();
      expect(t.logger.lines.find((l) => l.level === 'warning')).toMatchObject({
        message: expect.stringMatching(
          /ended with status FAILED.*Passing because `allow-unscanned` is true; nothing was checked\./,
        ),
        properties: { title: 'Image not scanned' },
      });
    }
    expect(t.outputs.passed).toBe(passed);
    expect(JSON.parse(readFileSync(t.outputs.findings, 'utf8')).unscanned).toMatchObject({
      status: 'FAILED',
      allowed: allowUnscanned,
    });
  });
});
