import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { inputEnvironment, loadActionManifest } from '@berth/testkit/action-manifest.js';
import { describe, expect, it } from '@jest/globals';
import { getInputs, parseMaxFindings } from '../src/inputs.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;

/** getInputs() as the runner would call it: action.yml defaults plus these values. */
function read(overrides: Record<string, string>, seen?: Set<string>) {
  const env = inputEnvironment('scan-gate', overrides);
  return getInputs(
    new InputReader((name) => {
      seen?.add(name);
      return env[`INPUT_${name.toUpperCase()}`] ?? '';
    }),
  );
}

describe('action.yml and getInputs() agree', () => {
  it('every input read is declared, and every declared input is read', () => {
    const seen = new Set<string>();
    read({ repository: 'shop', 'image-digest': DIGEST }, seen);
    const declared = Object.keys(loadActionManifest('scan-gate').inputs);
    expect([...seen].sort()).toEqual([...declared].sort());
  });

  it('declares exactly the outputs the issue lists, each described', () => {
    const { outputs, runs, inputs } = loadActionManifest('scan-gate');
    expect(Object.keys(outputs).sort()).toEqual(
      ['counts', 'critical', 'findings', 'high', 'informational', 'low', 'medium', 'passed', 'sarif'].sort(),
    );
    for (const output of Object.values(outputs)) expect(output.description).toBeTruthy();
    for (const [name, input] of Object.entries(inputs)) {
      expect([name, input.description?.length > 20]).toEqual([name, true]);
      expect([name, /Example/.test(input.description)]).toEqual([name, true]);
    }
    expect(runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});

describe('getInputs', () => {
  it('defaults (with the ECR image named)', () => {
    expect(read({ repository: 'shop/web', 'image-digest': DIGEST })).toEqual({
      source: 'ecr',
      repository: 'shop/web',
      imageDigest: DIGEST,
      imageTag: undefined,
      report: [],
      startScan: true,
      allowUnscanned: false,
      waitTimeoutMinutes: 10,
      failOn: 'high',
      maxFindings: {},
      ignoreUnfixed: false,
      allowlist: undefined,
      // Imports are off unless named; undated imported entries last 90 days (action.yml's default).
      exceptionFiles: [],
      defaultExpiryDays: 90,
      sarifMinSeverity: 'LOW',
      dockerfile: undefined,
      aws: {
        region: undefined,
        roleToAssume: undefined,
        audience: 'sts.amazonaws.com',
        roleSessionName: undefined,
        roleDurationSeconds: 3600,
        maxAttempts: 8,
      },
    });
  });

  it('a report source with several patterns, a budget and a hotfix policy', () => {
    expect(
      read({
        source: 'Trivy',
        report: 'reports/os.json\nreports/lang-*.json',
        'fail-on': 'CRITICAL',
        'max-findings': 'high=5, unknown=0',
        'ignore-unfixed': 'true',
        allowlist: '.github/allowlist.yml',
        'sarif-min-severity': 'medium',
      }),
    ).toMatchObject({
      source: 'trivy',
      report: ['reports/os.json', 'reports/lang-*.json'],
      failOn: 'critical',
      maxFindings: { HIGH: 5, UNKNOWN: 0 },
      ignoreUnfixed: true,
      allowlist: '.github/allowlist.yml',
      sarifMinSeverity: 'MEDIUM',
    });
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'unknown source',
      { source: 'snyk', report: 'x.json' },
      'Input `source` must be one of `ecr`, `trivy`, `grype`, `sarif`, got "snyk".',
    ],
    [
      'invalid fail-on',
      { source: 'trivy', report: 'x', 'fail-on': 'severe' },
      'Input `fail-on` must be one of `critical`, `high`, `medium`, `low`, `none`, got "severe".',
    ],
    [
      'invalid sarif-min-severity',
      { source: 'trivy', report: 'x', 'sarif-min-severity': 'warning' },
      'Input `sarif-min-severity` must be one of `critical`, `high`, `medium`, `low`, `informational`, `unknown`, got "warning".',
    ],
    [
      'unknown severity in max-findings',
      { source: 'trivy', report: 'x', 'max-findings': 'severe=1' },
      'Input `max-findings`: `severe` is not a severity; use `critical`, `high`, `medium`, `low`, `informational`, `unknown`, e.g. `max-findings: critical=0,high=5`.',
    ],
    [
      'max-findings without a number',
      { source: 'trivy', report: 'x', 'max-findings': 'high' },
      'Input `max-findings`: `high` needs a whole number of findings allowed, e.g. `high=0`.',
    ],
    [
      'negative budget',
      { source: 'trivy', report: 'x', 'max-findings': 'high=-1' },
      'Input `max-findings`: `high=-1` needs a whole number of findings allowed, e.g. `high=0`.',
    ],
    [
      'repeated budget',
      { source: 'trivy', report: 'x', 'max-findings': 'high=1,HIGH=2' },
      'Input `max-findings`: `high` is given twice; keep one budget per severity.',
    ],
    [
      'missing report',
      { source: 'grype' },
      'Input `report` is required with `source: grype`: the path or glob of the grype report file(s), e.g. `report: grype.json`.',
    ],
    [
      'ECR inputs with a report source',
      { source: 'sarif', report: 'x.sarif', repository: 'shop' },
      'Input `repository` applies only to `source: ecr`; with `source: sarif` the findings come from `report`. Remove it, or set `source: ecr`.',
    ],
    [
      'report with ECR',
      { repository: 'shop', 'image-tag': 'v1', report: 'x.json' },
      "Input `report` applies to `source: trivy`, `grype` or `sarif`; with `source: ecr` the findings come from ECR. Remove `report`, or set `source` to the report's scanner.",
    ],
    [
      'missing repository',
      { 'image-tag': 'v1' },
      'Input `repository` is required with `source: ecr`: the ECR repository name, e.g. `repository: shop/web`.',
    ],
    [
      'repository given as a URI',
      { repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1', 'image-tag': 'v1' },
      'Input `repository`: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/web:v1" is not an ECR repository name. Give the repository name only: `repository: shop/web`, and the tag or digest in `image-tag` / `image-digest`.',
    ],
    [
      'digest and tag',
      { repository: 'shop', 'image-digest': DIGEST, 'image-tag': 'v1' },
      'Inputs `image-digest` and `image-tag` are exclusive: give the digest (preferred; it names exactly the image that was pushed) or the tag, not both.',
    ],
    [
      'neither digest nor tag',
      { repository: 'shop' },
      "Input `image-digest` or `image-tag` is required with `source: ecr`, e.g. `image-digest: sha256:…` from the push step's digest output.",
    ],
    [
      'malformed digest',
      { repository: 'shop', 'image-digest': 'sha256:abc' },
      'Input `image-digest` must be `sha256:` followed by 64 lower-case hexadecimal digits, got "sha256:abc".',
    ],
    [
      'tag with a colon',
      { repository: 'shop', 'image-tag': 'shop:v1' },
      'Input `image-tag` must be a tag such as `v1.2.3` (letters, digits, `_.-`), got "shop:v1". For a digest use `image-digest`.',
    ],
    [
      'timeout out of range',
      { repository: 'shop', 'image-tag': 'v1', 'wait-timeout-minutes': '1000' },
      'Input `wait-timeout-minutes` must be between 0 and 360, got 1000.',
    ],
    [
      'boolean typo',
      { repository: 'shop', 'image-tag': 'v1', 'start-scan': 'yes' },
      'Input `start-scan` must be `true` or `false`, got "yes".',
    ],
  ])('%s → %s', (_name, overrides, message) => {
    let error: unknown;
    try {
      read(overrides);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(message);
  });
});

describe('parseMaxFindings', () => {
  it('keys are case-insensitive; spaces ignored', () => {
    expect(parseMaxFindings(['Critical = 0', 'informational=100'])).toEqual({
      CRITICAL: 0,
      INFORMATIONAL: 100,
    });
  });
});
