import {
  DescribeImageScanFindingsCommand,
  DescribeImagesCommand,
  ECRClient,
  ImageNotFoundException,
  LimitExceededException,
  RepositoryNotFoundException,
  ScanNotFoundException,
  StartImageScanCommand,
  UnsupportedImageTypeException,
  ValidationException,
} from '@aws-sdk/client-ecr';
import { ConfigurationError, OutcomeError } from '@berth/shared/errors';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { type EcrSourceOptions, fetchEcrFindings } from '../src/sources/ecr.js';
import { manualClock, recordingLogger } from './seams.js';

const ecr = new ECRClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const mock = mockClient(ecr);
const DIGEST = `sha256:${'b'.repeat(64)}`;
const IMAGE = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1@${DIGEST}`;

function basic(n: number, severity = 'HIGH', offset = 0): any[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `CVE-2024-${String(offset + i + 1).padStart(5, '0')}`,
    severity,
    uri: 'https://security-tracker.debian.org/tracker/x',
    attributes: [
      { key: 'package_name', value: `pkg${offset + i}` },
      { key: 'package_version', value: '1.0' },
    ],
  }));
}

function enhanced(n: number, overrides: Record<string, unknown> = {}): any[] {
  return Array.from({ length: n }, (_, i) => ({
    severity: 'CRITICAL',
    status: 'ACTIVE',
    title: `CVE-2025-${1000 + i} - lib${i}`,
    fixAvailable: 'YES',
    packageVulnerabilityDetails: {
      vulnerabilityId: `CVE-2025-${1000 + i}`,
      sourceUrl: `https://nvd.nist.gov/vuln/detail/CVE-2025-${1000 + i}`,
      vulnerablePackages: [{ name: `lib${i}`, version: '2.0', fixedInVersion: '2.1' }],
    },
    ...overrides,
  }));
}

function options(overrides: Partial<EcrSourceOptions> = {}): EcrSourceOptions & {
  clock: ReturnType<typeof manualClock>;
  logger: ReturnType<typeof recordingLogger>;
} {
  return {
    client: ecr,
    region: 'eu-west-1',
    repository: 'shop/web',
    imageDigest: DIGEST,
    startScan: true,
    waitTimeoutMs: 10 * 60_000,
    clock: manualClock(),
    logger: recordingLogger(),
    ...overrides,
  } as any;
}

const status = (s: string, description?: string): any => ({ imageScanStatus: { status: s, description } });

beforeEach(() => {
  mock.reset();
  mock.on(DescribeImagesCommand).resolves({
    imageDetails: [{ registryId: '123456789012', imageDigest: DIGEST, imageTags: ['v1', 'latest'] }],
  });
});

describe('fetchEcrFindings: waiting', () => {
  it('basic scan IN_PROGRESS then COMPLETE: polls with growing delays and a progress line each time', async () => {
    mock
      .on(DescribeImageScanFindingsCommand)
      .resolvesOnce(status('IN_PROGRESS'))
      .resolvesOnce(status('IN_PROGRESS'))
      .resolves({ ...status('COMPLETE'), imageScanFindings: { findings: basic(3) } });
    const o = options();
    const result = await fetchEcrFindings(o);
    expect(result).toMatchObject({ kind: 'scanned', scanType: 'BASIC', status: 'COMPLETE' });
    if (result.kind !== 'scanned') return;
    expect(result.findings).toHaveLength(3);
    expect(result.findings[0]).toMatchObject({ source: 'ecr-basic', fixState: 'unknown', image: IMAGE });
    expect(o.clock.sleeps).toEqual([2000, 4000]);
    const progress = o.logger.lines.filter((l) => l.message.startsWith('Waiting for the ECR scan'));
    expect(progress.map((l) => l.message)).toEqual([
      `Waiting for the ECR scan of shop/web@sha256:bbbbbbbbbbbb…: IN_PROGRESS, 0 s of 10 min (next check in 2 s)`,
      `Waiting for the ECR scan of shop/web@sha256:bbbbbbbbbbbb…: IN_PROGRESS, 2 s of 10 min (next check in 4 s)`,
    ]);
    expect(mock.commandCalls(StartImageScanCommand)).toHaveLength(0);
  });

  it('enhanced scanning: PENDING then ACTIVE is finished (the stock waiter would wait for COMPLETE forever)', async () => {
    mock
      .on(DescribeImageScanFindingsCommand)
      .resolvesOnce(status('PENDING'))
      .resolves({ ...status('ACTIVE'), imageScanFindings: { enhancedFindings: enhanced(2) } });
    const result = await fetchEcrFindings(options());
    expect(result).toMatchObject({ kind: 'scanned', scanType: 'ENHANCED', status: 'ACTIVE' });
    if (result.kind !== 'scanned') return;
    expect(result.findings.map((f) => [f.id, f.severity, f.package, f.fixedVersion, f.source])).toEqual([
      ['CVE-2025-1000', 'CRITICAL', 'lib0', '2.1', 'ecr-enhanced'],
      ['CVE-2025-1001', 'CRITICAL', 'lib1', '2.1', 'ecr-enhanced'],
    ]);
  });

  it('enhanced: suppressed and closed Inspector findings are not counted, and say so', async () => {
    mock.on(DescribeImageScanFindingsCommand).resolves({
      ...status('ACTIVE'),
      imageScanFindings: {
        enhancedFindings: [
          ...enhanced(1),
          ...enhanced(2, { status: 'SUPPRESSED' }),
          ...enhanced(1, { status: 'CLOSED' }),
        ] as any,
      },
    });
    const result = await fetchEcrFindings(options());
    if (result.kind !== 'scanned') throw new Error('expected scanned');
    expect(result.findings).toHaveLength(1);
    expect(result.notes).toEqual([
      '2 enhanced findings are SUPPRESSED in Amazon Inspector and not counted.',
      '1 enhanced finding is CLOSED in Amazon Inspector and not counted.',
    ]);
  });

  it('enhanced fix availability: NotAvailable and fixAvailable NO are unfixed', async () => {
    mock.on(DescribeImageScanFindingsCommand).resolves({
      ...status('ACTIVE'),
      imageScanFindings: {
        enhancedFindings: [
          ...enhanced(1, {
            fixAvailable: 'NO',
            packageVulnerabilityDetails: {
              vulnerabilityId: 'CVE-1',
              vulnerablePackages: [
                { name: 'a', version: '1', epoch: 2, release: '3.el9', fixedInVersion: 'NotAvailable' },
              ],
            },
          }),
        ] as any,
      },
    });
    const result = await fetchEcrFindings(options());
    if (result.kind !== 'scanned') throw new Error('expected scanned');
    expect(result.findings[0]).toMatchObject({
      id: 'CVE-1',
      installedVersion: '2:1-3.el9',
      fixState: 'not-fixed',
    });
    expect(result.findings[0].fixedVersion).toBeUndefined();
  });

  it('times out with the last status and the input to raise', async () => {
    mock.on(DescribeImageScanFindingsCommand).resolves(status('IN_PROGRESS'));
    const o = options({ waitTimeoutMs: 60_000 });
    const error = await fetchEcrFindings(o).catch((e: unknown) => e);
    // A scan that outlives the wait is the gate's outcome, not the user's input: no stack, not a ConfigurationError.
    expect(error).toBeInstanceOf(OutcomeError);
    expect((error as Error).message).toBe(
      `The ECR scan of \`${IMAGE}\` did not finish within 1 minute(s) (last status IN_PROGRESS). Raise \`wait-timeout-minutes\`, or check the scan in the ECR console.`,
    );
    // 2 + 4 + 8 + 15 + 15 + 15 = 59 s, then the last wait is cut to the deadline.
    expect(o.clock.sleeps).toEqual([2000, 4000, 8000, 15000, 15000, 15000, 1000]);
  });

  it('throttling while waiting slows the polls down (4 s, then 8 s) and warns once; it does not fail the gate', async () => {
    // ECR throttles DescribeImageScanFindings per account (Amazon ECR service quotas, "Rate of
    // DescribeImageScanFindings requests"): a ThrottlingException with HTTP 400.
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    mock
      .on(DescribeImageScanFindingsCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({ ...status('COMPLETE'), imageScanFindings: { findings: basic(1) } });
    const o = options();
    const result = await fetchEcrFindings(o);
    expect(result).toMatchObject({ kind: 'scanned', status: 'COMPLETE' });
    expect(o.clock.sleeps).toEqual([4000, 8000]);
    expect(o.logger.lines.filter((l) => l.level === 'warning').map((l) => l.message)).toEqual([
      'AWS answered with throttling (Rate exceeded); retrying in 4 s.',
    ]);
  });

  it('wait-timeout-minutes 0 checks once and does not sleep', async () => {
    mock.on(DescribeImageScanFindingsCommand).resolves(status('IN_PROGRESS'));
    const o = options({ waitTimeoutMs: 0 });
    await expect(fetchEcrFindings(o)).rejects.toThrow(/did not finish within 0 minute/);
    expect(o.clock.sleeps).toEqual([]);
    expect(mock.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(1);
  });
});

describe('fetchEcrFindings: no scan yet', () => {
  it('start-scan true: starts a basic scan once, then waits for it', async () => {
    mock
      .on(DescribeImageScanFindingsCommand)
      .rejectsOnce(new ScanNotFoundException({ message: 'Image scan does not exist', $metadata: {} }))
      .resolvesOnce(status('IN_PROGRESS'))
      .resolves({ ...status('COMPLETE'), imageScanFindings: { findings: basic(1) } });
    mock.on(StartImageScanCommand).resolves(status('IN_PROGRESS'));
    const o = options();
    const result = await fetchEcrFindings(o);
    expect(result.kind).toBe('scanned');
    expect(mock.commandCalls(StartImageScanCommand)).toHaveLength(1);
    expect(mock.commandCalls(StartImageScanCommand)[0].args[0].input).toEqual({
      repositoryName: 'shop/web',
      imageId: { imageDigest: DIGEST },
    });
    expect(o.logger.text()).toContain(`Started a basic scan of ${IMAGE} (status IN_PROGRESS).`);
  });

  it('start-scan false: unscanned, with the fix', async () => {
    mock
      .on(DescribeImageScanFindingsCommand)
      .rejects(new ScanNotFoundException({ message: 'Image scan does not exist', $metadata: {} }));
    const result = await fetchEcrFindings(options({ startScan: false }));
    expect(result).toMatchObject({
      kind: 'unscanned',
      status: 'NOT_STARTED',
      reason: `ECR has no scan for \`${IMAGE}\` and \`start-scan\` is false.`,
      advice: expect.stringContaining('Set `start-scan: true`'),
    });
    expect(mock.commandCalls(StartImageScanCommand)).toHaveLength(0);
  });

  it('a scan started elsewhere meanwhile (LimitExceeded): keeps waiting for it', async () => {
    mock
      .on(DescribeImageScanFindingsCommand)
      .rejectsOnce(new ScanNotFoundException({ message: 'none', $metadata: {} }))
      .resolves({ ...status('COMPLETE'), imageScanFindings: { findings: [] } });
    mock
      .on(StartImageScanCommand)
      .rejects(
        new LimitExceededException({ message: 'The scan quota per image has been exceeded.', $metadata: {} }),
      );
    const result = await fetchEcrFindings(options());
    expect(result).toMatchObject({ kind: 'scanned', findings: [] });
  });

  it('ECR refuses the image type: UNSUPPORTED_IMAGE', async () => {
    mock
      .on(DescribeImageScanFindingsCommand)
      .rejects(new ScanNotFoundException({ message: 'none', $metadata: {} }));
    mock
      .on(StartImageScanCommand)
      .rejects(
        new UnsupportedImageTypeException({ message: 'The image type is not supported', $metadata: {} }),
      );
    expect(await fetchEcrFindings(options())).toMatchObject({
      kind: 'unscanned',
      status: 'UNSUPPORTED_IMAGE',
    });
  });

  it('enhanced scanning will not start a basic scan: unscanned with Inspector advice', async () => {
    mock
      .on(DescribeImageScanFindingsCommand)
      .rejects(new ScanNotFoundException({ message: 'none', $metadata: {} }));
    mock
      .on(StartImageScanCommand)
      .rejects(new ValidationException({ message: 'not supported for enhanced scanning', $metadata: {} }));
    expect(await fetchEcrFindings(options())).toMatchObject({
      kind: 'unscanned',
      status: 'NOT_STARTED',
      advice: expect.stringContaining('Amazon Inspector'),
    });
  });
});

describe('fetchEcrFindings: scans that end without findings', () => {
  it.each([
    ['FAILED', 'Unable to complete the scan of the image.', /Re-run the scan/],
    ['UNSUPPORTED_IMAGE', 'UnsupportedImageError: not supported.', /source: trivy/],
    ['SCAN_ELIGIBILITY_EXPIRED', 'no longer eligible', /scan duration/],
    ['FINDINGS_UNAVAILABLE', 'Findings are unavailable', /Inspector/],
    ['LIMIT_EXCEEDED', 'limit', /quota/],
    ['IMAGE_ARCHIVED', 'archived', /restore/],
  ])('%s: unscanned with the reason and advice', async (scanStatus, description, advice) => {
    mock.on(DescribeImageScanFindingsCommand).resolves(status(scanStatus, description));
    const result = await fetchEcrFindings(options());
    expect(result).toMatchObject({
      kind: 'unscanned',
      status: scanStatus,
      reason: `The ECR scan of \`${IMAGE}\` ended with status ${scanStatus}: ${description}`,
      advice: expect.stringMatching(advice),
    });
  });
});

describe('fetchEcrFindings: image, pagination and errors', () => {
  it('pages through 2,345 basic findings 1,000 at a time, passing nextToken', async () => {
    const all = basic(2345);
    mock.on(DescribeImageScanFindingsCommand).callsFake((input: any) => {
      const offset = Number(input.nextToken ?? 0);
      expect(input.maxResults).toBe(1000);
      return {
        ...status('COMPLETE'),
        imageScanFindings: { findings: all.slice(offset, offset + 1000) },
        nextToken: offset + 1000 < all.length ? String(offset + 1000) : undefined,
      };
    });
    const o = options();
    const result = await fetchEcrFindings(o);
    if (result.kind !== 'scanned') throw new Error('expected scanned');
    expect(result.findings).toHaveLength(2345);
    expect(new Set(result.findings.map((f) => f.id)).size).toBe(2345);
    expect(mock.commandCalls(DescribeImageScanFindingsCommand).map((c) => c.args[0].input.nextToken)).toEqual(
      [undefined, '1000', '2000'],
    );
    expect(o.logger.text()).toContain('2345 findings in 3 pages');
  });

  it('pages through enhanced findings served 100 a page', async () => {
    const all = enhanced(250);
    mock.on(DescribeImageScanFindingsCommand).callsFake((input: any) => {
      const offset = Number(input.nextToken ?? 0);
      return {
        ...status('ACTIVE'),
        imageScanFindings: { enhancedFindings: all.slice(offset, offset + 100) },
        nextToken: offset + 100 < all.length ? String(offset + 100) : undefined,
      };
    });
    const result = await fetchEcrFindings(options());
    if (result.kind !== 'scanned') throw new Error('expected scanned');
    expect(result.findings).toHaveLength(250);
  });

  it('image-tag: resolved to its digest once; every later call names the digest', async () => {
    mock
      .on(DescribeImageScanFindingsCommand)
      .resolves({ ...status('COMPLETE'), imageScanFindings: { findings: [] } });
    const result = await fetchEcrFindings(options({ imageDigest: undefined, imageTag: 'v1' }));
    expect(mock.commandCalls(DescribeImagesCommand)[0].args[0].input).toEqual({
      repositoryName: 'shop/web',
      imageIds: [{ imageTag: 'v1' }],
    });
    expect(mock.commandCalls(DescribeImageScanFindingsCommand)[0].args[0].input.imageId).toEqual({
      imageDigest: DIGEST,
    });
    expect(result.image.reference).toBe(IMAGE);
  });

  it.each([
    [
      new ImageNotFoundException({ message: 'no such image', $metadata: {} }),
      /Image `shop\/web@sha256:b+` not found in ECR/,
    ],
    [
      new RepositoryNotFoundException({ message: 'no such repo', $metadata: {} }),
      /Input `repository`: ECR has no repository `shop\/web`/,
    ],
    [
      Object.assign(new Error('User is not authorized to perform ecr:DescribeImages'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
      /Allow `ecr:DescribeImages` on repository `shop\/web`/,
    ],
  ])('DescribeImages fails: %p → a ConfigurationError naming the fix', async (error, message) => {
    mock.on(DescribeImagesCommand).rejects(error);
    const failure = await fetchEcrFindings(options()).catch((e) => e);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect(failure.message).toMatch(message);
  });

  it('reading findings denied: names ecr:DescribeImageScanFindings', async () => {
    mock.on(DescribeImageScanFindingsCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const failure = await fetchEcrFindings(options()).catch((e) => e);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect(failure.message).toMatch(
      /Could not read the scan findings of .*Allow `ecr:DescribeImageScanFindings`/,
    );
  });
});
