/**
 * The bundled action against the local AWS emulator over real HTTP with the
 * real SDK: ECR basic and enhanced scanning, scans that are running, missing
 * or failed, and pagination. The emulator and the action run 60 times faster
 * than real time together (BERTH_TIME_SCALE), so a 3-minute scan takes three
 * seconds and the action's polls keep their production rhythm.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningEmulator, type Scenario, startEmulator } from '@berth/emulator';
import { type ActionResult, emulatorEnv, runAction } from '@berth/testkit/action-runner.js';
import { afterEach, describe, expect, it } from '@jest/globals';
import { CORPUS_SCANS, corpusPresent } from './helpers.js';

const TIME_SCALE = 60;
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'];

function basicFindings(count: number, prefix = 'CVE-2024') {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${String(10000 + i)}`,
    description: `Problem number ${i} in pkg${i}.`,
    severity: SEVERITIES[i % SEVERITIES.length],
    uri: `https://security-tracker.debian.org/tracker/${prefix}-${10000 + i}`,
    attributes: [
      { key: 'package_name', value: `pkg${i}` },
      { key: 'package_version', value: `1.${i}` },
    ],
  }));
}

function enhancedFindings(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    title: `CVE-2025-${1000 + i} - openssl`,
    severity: i === 0 ? 'CRITICAL' : 'MEDIUM',
    fixAvailable: i === 0 ? 'YES' : 'NO',
    packageVulnerabilityDetails: {
      vulnerabilityId: `CVE-2025-${1000 + i}`,
      sourceUrl: `https://nvd.nist.gov/vuln/detail/CVE-2025-${1000 + i}`,
      vulnerablePackages: [
        { name: `lib${i}`, version: '3.0.1', fixedInVersion: i === 0 ? '3.0.9' : 'NotAvailable' },
      ],
    },
  }));
}

const inspectorCorpus = corpusPresent
  ? (JSON.parse(readFileSync(join(CORPUS_SCANS, 'ecr', 'inspector2-listfindings-ecr-image-one.json'), 'utf8'))
      .findings as Array<Record<string, unknown>>)
  : [];

const scenario: Scenario = {
  repositories: [
    {
      name: 'shop/web',
      scanOnPush: false,
      images: [
        { tags: ['running'], scanStatus: 'IN_PROGRESS', scanSeconds: 180, findings: basicFindings(2) },
        { tags: ['not-scanned'] },
        { tags: ['big'], findings: basicFindings(1500) },
        { tags: ['failed'], scanStatus: 'FAILED', scanStatusDescription: 'Unable to decompress the layer.' },
        { tags: ['unsupported'], scanStatus: 'UNSUPPORTED_IMAGE' },
        { tags: ['expired'], scanStatus: 'SCAN_ELIGIBILITY_EXPIRED' },
        { tags: ['unavailable'], scanStatus: 'FINDINGS_UNAVAILABLE' },
        { tags: ['slow'], scanStatus: 'IN_PROGRESS', scanSeconds: 3600, findings: basicFindings(1) },
      ],
      scanResults: [{ tags: ['not-scanned'], findings: basicFindings(3, 'CVE-2023'), scanSeconds: 20 }],
    },
    {
      name: 'shop/inspected',
      scanType: 'ENHANCED',
      images: [
        {
          tags: ['v1'],
          enhancedFindings: [
            ...enhancedFindings(150),
            ...inspectorCorpus,
            { ...enhancedFindings(1)[0], title: 'CVE-2025-9999 - zlib', status: 'SUPPRESSED' },
          ],
        },
        { tags: ['fresh'], scanStatus: 'PENDING', scanSeconds: 180, enhancedFindings: enhancedFindings(1) },
      ],
    },
  ],
};

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function gate(
  inputs: Record<string, string>,
  files: Record<string, string> = {},
): Promise<{ result: ActionResult; emu: RunningEmulator }> {
  emulator = await startEmulator({ scenario, timeScale: TIME_SCALE });
  const emu = emulator;
  const workspace = mkdtempSync(join(tmpdir(), 'scan-gate-emu-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(workspace, name), content);
  const result = await runAction({
    action: 'scan-gate',
    inputs,
    workspace,
    env: emulatorEnv(emu),
    timeoutMs: 60_000,
  });
  return { result, emu };
}

const imageRef = (emu: RunningEmulator, repository: string, tag: string) =>
  new RegExp(
    `^${emu.world.accountId}\\.dkr\\.ecr\\.${emu.world.region}\\.amazonaws\\.com/${repository}:${tag}@sha256:[0-9a-f]{64}$`,
  );

describe('scan-gate against the emulator: ECR basic scanning', () => {
  it('a scan in progress: waits with progress lines, then gates on the completed findings', async () => {
    const { result, emu } = await gate({
      repository: 'shop/web',
      'image-tag': 'running',
      'fail-on': 'critical',
    });
    expect(result.stdout).toMatch(
      /Waiting for the ECR scan of shop\/web@sha256:[0-9a-f]{12}…: IN_PROGRESS, \d+ s of 10 min/,
    );
    expect(result.exitCode).toBe(1); // one CRITICAL of the two
    expect(result.outputs).toMatchObject({ passed: 'false', critical: '1', high: '1' });
    expect(result.summary).toContain('### Scan gate failed: 1 blocking finding in ECR basic scan of');
    const findings = JSON.parse(readFileSync(result.outputs.findings, 'utf8'));
    expect(findings.findings[0]).toMatchObject({
      id: 'CVE-2024-10000',
      source: 'ecr-basic',
      fixState: 'unknown',
      image: expect.stringMatching(imageRef(emu, 'shop/web', 'running')),
    });
    expect(emu.control.calls({ operation: 'DescribeImageScanFindings' }).length).toBeGreaterThan(1);
    expect(emu.control.calls({ operation: 'StartImageScan' })).toHaveLength(0);
  });

  it('no scan yet, start-scan true: starts a basic scan and waits for it', async () => {
    const { result, emu } = await gate({
      repository: 'shop/web',
      'image-tag': 'not-scanned',
      'fail-on': 'none',
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /Started a basic scan of .*shop\/web:not-scanned@sha256:[0-9a-f]{64} \(status IN_PROGRESS\)\./,
    );
    expect(result.outputs).toMatchObject({ passed: 'true', critical: '1', high: '1', medium: '1' });
    expect(emu.control.calls({ operation: 'StartImageScan' })).toHaveLength(1);
  });

  it('no scan yet, start-scan false: fails clearly (and passes with a warning under allow-unscanned)', async () => {
    const { result, emu } = await gate({
      repository: 'shop/web',
      'image-tag': 'not-scanned',
      'start-scan': 'false',
    });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.at(-1)?.message).toMatch(
      /^scan-gate: ECR has no scan for `.*shop\/web:not-scanned@sha256:[0-9a-f]{64}` and `start-scan` is false\. The image has no scan\. Set `start-scan: true`/,
    );
    expect(result.outputs.passed).toBe('false');
    expect(emu.control.calls({ operation: 'StartImageScan' })).toHaveLength(0);

    await emulator?.stop();
    const allowed = await gate({
      repository: 'shop/web',
      'image-tag': 'not-scanned',
      'start-scan': 'false',
      'allow-unscanned': 'true',
    });
    expect(allowed.result.exitCode).toBe(0);
    expect(allowed.result.outputs.passed).toBe('true');
    expect(allowed.result.annotations).toEqual([
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(/Passing because `allow-unscanned` is true/),
      }),
    ]);
  });

  it.each([
    ['failed', 'FAILED', /Unable to decompress the layer\. Re-run the scan/],
    ['unsupported', 'UNSUPPORTED_IMAGE', /source: trivy/],
    ['expired', 'SCAN_ELIGIBILITY_EXPIRED', /continuous scan duration/],
    ['unavailable', 'FINDINGS_UNAVAILABLE', /Inspector/],
  ])(
    'scan status of `%s` (%s): fails with the reason; passes with a warning under allow-unscanned',
    async (tag, status, advice) => {
      const failing = await gate({ repository: 'shop/web', 'image-tag': tag });
      expect(failing.result.exitCode).toBe(1);
      const message = failing.result.annotations.at(-1)?.message ?? '';
      expect(message).toContain(`ended with status ${status}`);
      expect(message).toMatch(advice);
      expect(message).toContain('Set `allow-unscanned: true` to pass unscanned images with a warning.');
      expect(failing.result.summary).toContain(`### Scan gate failed: the image was not scanned (${status})`);
      expect(failing.result.outputs.passed).toBe('false');

      await emulator?.stop();
      const allowed = await gate({ repository: 'shop/web', 'image-tag': tag, 'allow-unscanned': 'true' });
      expect(allowed.result.exitCode).toBe(0);
      expect(allowed.result.outputs.passed).toBe('true');
      expect(allowed.result.summary).toContain(`### Scan gate passed without a scan: ${status}`);
      expect(allowed.result.annotations.map((a) => a.level)).toEqual(['warning']);
    },
  );

  it('pages through 1,500 findings (1,000 a page) and counts every one', async () => {
    const { result, emu } = await gate({
      repository: 'shop/web',
      'image-tag': 'big',
      'fail-on': 'none',
      'max-findings': 'critical=300',
    });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      passed: 'true',
      critical: '300',
      high: '300',
      medium: '300',
      low: '300',
      informational: '300',
    });
    expect(JSON.parse(result.outputs.counts).total.found).toBe(1500);
    expect(result.stdout).toContain('1500 findings in 2 pages');
    expect(emu.control.calls({ operation: 'DescribeImageScanFindings' })).toHaveLength(2);
  });

  it('a scan that outlives wait-timeout-minutes fails with the input to raise', async () => {
    const { result } = await gate({
      repository: 'shop/web',
      'image-tag': 'slow',
      'wait-timeout-minutes': '1',
    });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.at(-1)?.message).toMatch(
      /did not finish within 1 minute\(s\) \(last status IN_PROGRESS\)\. Raise `wait-timeout-minutes`/,
    );
  });

  it('an image that does not exist: a clear error, no scan started', async () => {
    const { result, emu } = await gate({ repository: 'shop/web', 'image-tag': 'nope' });
    expect(result.exitCode).toBe(1);
    expect(result.annotations.at(-1)?.message).toMatch(/^scan-gate: Image `shop\/web:nope` not found in ECR/);
    expect(emu.control.calls({ operation: 'StartImageScan' })).toHaveLength(0);
  });
});

describe('scan-gate against the emulator: ECR enhanced scanning (Inspector)', () => {
  it('ACTIVE is finished: reads every page of enhancedFindings, ignores suppressed ones', async () => {
    const { result, emu } = await gate({
      repository: 'shop/inspected',
      'image-tag': 'v1',
      'ignore-unfixed': 'true',
      'sarif-min-severity': 'critical',
    });
    expect(result.exitCode).toBe(1); // the one CRITICAL has a fix
    const counts = JSON.parse(result.outputs.counts);
    const corpusMedium = inspectorCorpus.length; // the corpus finding is MEDIUM with a fix
    expect(counts.critical).toEqual({ found: 1, counted: 1, excepted: 0, unfixed: 0 });
    expect(counts.medium).toEqual({
      found: 149 + corpusMedium,
      counted: corpusMedium,
      excepted: 0,
      unfixed: 149,
    });
    expect(result.outputs).toMatchObject({ passed: 'false', critical: '1', medium: String(corpusMedium) });
    expect(result.summary).toContain('ECR enhanced (Amazon Inspector) scan of');
    expect(result.summary).toContain('1 enhanced finding is SUPPRESSED in Amazon Inspector and not counted.');
    // Enhanced findings come 100 a page whatever maxResults says.
    expect(emu.control.calls({ operation: 'DescribeImageScanFindings' }).length).toBe(2);
    const sarif = JSON.parse(readFileSync(result.outputs.sarif, 'utf8'));
    expect(sarif.runs[0].results).toEqual([
      expect.objectContaining({
        ruleId: 'CVE-2025-1000',
        level: 'error',
        properties: expect.objectContaining({
          package: 'lib0',
          fixedVersion: '3.0.9',
          source: 'ecr-enhanced',
        }),
      }),
    ]);
    if (corpusPresent) {
      const findings = JSON.parse(readFileSync(result.outputs.findings, 'utf8')).findings;
      expect(findings.find((f: any) => f.id === 'CVE-2021-3744')).toMatchObject({
        package: 'linux',
        fixedVersion: '0:4.19.232-1',
        disposition: 'counted',
      });
    }
  });

  it('PENDING then ACTIVE: waits, never for COMPLETE', async () => {
    const { result } = await gate({ repository: 'shop/inspected', 'image-tag': 'fresh' });
    expect(result.stdout).toMatch(
      /Waiting for the ECR scan of shop\/inspected@sha256:[0-9a-f]{12}…: PENDING/,
    );
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ passed: 'false', critical: '1' });
  });

  it('the allowlist excepts by image glob matched against the ECR reference', async () => {
    const allowlist = `exceptions:
  - id: CVE-2025-1000
    reason: fixed in the next base image (SEC-3)
    expires: 2099-12-31
    images: ["shop/inspected:fresh"]
  - id: CVE-2025-1000
    reason: another image only
    expires: 2099-12-31
    images: ["shop/web:*"]
`;
    const { result } = await gate(
      { repository: 'shop/inspected', 'image-tag': 'fresh', allowlist: 'allow.yml' },
      { 'allow.yml': allowlist },
    );
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.outputs.counts).critical).toEqual({
      found: 1,
      counted: 0,
      excepted: 1,
      unfixed: 0,
    });
    expect(result.summary).toContain('### Stale exceptions (1)');
    expect(result.annotations).toEqual([
      expect.objectContaining({
        level: 'notice',
        message: expect.stringMatching(/^Allowlist exception CVE-2025-1000 matched no finding/),
      }),
    ]);
  });
});
