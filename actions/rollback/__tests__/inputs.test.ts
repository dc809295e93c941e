import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { inputEnvironment, loadActionManifest } from '@berth/testkit/action-manifest.js';
import { describe, expect, it } from '@jest/globals';
import { getInputs, parseTarget } from '../src/inputs.js';

const readerOf = (values: Record<string, string>) => new InputReader((name) => values[name] ?? '');

/** A reader over the environment the runner builds from action.yml defaults plus `overrides`. */
function runnerReader(overrides: Record<string, string> = {}): InputReader {
  const env = inputEnvironment('rollback', overrides);
  return new InputReader((name) => env[`INPUT_${name.toUpperCase()}`] ?? '');
}

function failure(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

describe('action.yml and getInputs()', () => {
  const manifest = loadActionManifest('rollback');

  it('agree on the input names: every input read is declared and every declared input is read', () => {
    const reader = readerOf({ service: 'web' });
    getInputs(reader);
    expect([...reader.names].sort()).toEqual(Object.keys(manifest.inputs).sort());
  });

  it('agree on defaults: the runner passing action.yml defaults gives what the code defaults give', () => {
    expect(getInputs(runnerReader({ service: 'web' }))).toEqual(getInputs(readerOf({ service: 'web' })));
  });

  it('declare every input and output with a description; only service is required', () => {
    for (const [name, spec] of Object.entries(manifest.inputs)) {
      expect([name, spec.description.length > 20]).toEqual([name, true]);
      expect([name, spec.required]).toEqual([name, name === 'service']);
    }
    expect(Object.keys(manifest.outputs).sort()).toEqual([
      'from-images',
      'from-task-definition',
      'record',
      'status',
      'to-images',
      'to-task-definition',
    ]);
    for (const spec of Object.values(manifest.outputs)) expect(spec.description.length).toBeGreaterThan(20);
    expect(manifest.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('documents every status value the action can set', () => {
    for (const status of [
      'succeeded',
      'failed',
      'rolled-back',
      'timed-out',
      'nothing-to-do',
      'dry-run',
      'started',
    ]) {
      expect(manifest.outputs.status.description).toContain(`\`${status}\``);
    }
  });
});

describe('getInputs', () => {
  it('reads the defaults', () => {
    expect(getInputs(readerOf({ service: 'web' }))).toEqual({
      cluster: 'default',
      service: 'web',
      to: 'last-successful',
      target: { kind: 'last-successful' },
      reason: undefined,
      dryRun: false,
      wait: true,
      timeoutMinutes: 30,
      // A GitHub deployment by default; without a token (outside a job) it is skipped with a line in the log.
      github: {
        enabled: true,
        token: undefined,
        environment: undefined,
        environmentUrl: undefined,
        productionEnvironment: undefined,
        transientEnvironment: undefined,
      },
      notify: { webhook: undefined, format: 'slack' },
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

  it('reads every input and keeps the reason verbatim', () => {
    const inputs = getInputs(
      readerOf({
        cluster: 'shop-prod',
        service: 'web',
        to: 'web:41',
        reason: 'checkout 500s since 14:02 — INC-2291 <b>',
        'dry-run': 'true',
        wait: 'false',
        'timeout-minutes': '45',
        'aws-region': 'eu-west-1',
        'role-to-assume': 'arn:aws:iam::123456789012:role/shop-deploy',
      }),
    );
    expect(inputs).toMatchObject({
      cluster: 'shop-prod',
      to: 'web:41',
      target: { kind: 'revision', family: 'web', revision: 41 },
      reason: 'checkout 500s since 14:02 — INC-2291 <b>',
      dryRun: true,
      wait: false,
      timeoutMinutes: 45,
      aws: { region: 'eu-west-1', roleToAssume: 'arn:aws:iam::123456789012:role/shop-deploy' },
    });
  });

  it.each([
    [{}, /^Input `service` is required: set it to the name or ARN/],
    [{ service: 'web', 'dry-run': 'yes' }, /^Input `dry-run` must be `true` or `false`, got "yes"/],
    [{ service: 'web', 'timeout-minutes': '0' }, /^Input `timeout-minutes` must be between 1 and 360, got 0/],
    [{ service: 'web', to: 'the good one' }, /^Input `to` must be `last-successful`, `previous-revision`/],
  ])('%o fails: %s', (values, message) => {
    expect(failure(() => getInputs(readerOf(values as Record<string, string>)))).toMatch(message);
  });
});

describe('parseTarget', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  it.each([
    ['', { kind: 'last-successful' }],
    ['Last-Successful', { kind: 'last-successful' }],
    ['previous-revision', { kind: 'previous-revision' }],
    ['web:41', { kind: 'revision', family: 'web', revision: 41 }],
    ['shop_web-2:7', { kind: 'revision', family: 'shop_web-2', revision: 7 }],
    [
      'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:41',
      {
        kind: 'revision',
        family: 'web',
        revision: 41,
        arn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:41',
      },
    ],
    [
      'arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task-definition/web:3',
      {
        kind: 'revision',
        family: 'web',
        revision: 3,
        arn: 'arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task-definition/web:3',
      },
    ],
    ['image:v1.4.2', { kind: 'image', tag: 'v1.4.2' }],
    ['IMAGE: release-2026_01', { kind: 'image', tag: 'release-2026_01' }],
    [`image:${digest}`, { kind: 'image', digest }],
  ])('%s', (text, expected) => {
    expect(parseTarget(text)).toEqual(expected);
  });

  it.each([
    ['web:0', /revision 0 in "web:0" is not a revision number/],
    ['image:sha256:abc', /is not a digest \(expected `sha256:` followed by 64/],
    ['image:shop/web:v1', /neither an image tag nor a digest\. Give only the tag or the digest/],
    ['image:', /neither an image tag nor a digest/],
    ['web', /^Input `to` must be/],
    ['arn:aws:ecs:eu-west-1:123456789012:service/prod/web', /^Input `to` must be/],
  ])('%s fails', (text, message) => {
    expect(failure(() => parseTarget(text))).toMatch(message);
  });
});
