import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { loadActionManifest } from '@berth/testkit/action-manifest.js';
import { describe, expect, it } from '@jest/globals';
import { getInputs } from '../src/inputs.js';
import { outputsOf } from '../src/result.js';

const manifest = loadActionManifest('build-push');

function read(values: Record<string, string>) {
  const reader = new InputReader((name) => values[name] ?? '');
  return { inputs: getInputs(reader), reader };
}

describe('action.yml and the code agree', () => {
  it('every input read is declared and every declared input is read', () => {
    const { reader } = read({ repository: 'shop' });
    expect([...reader.names].sort()).toEqual(Object.keys(manifest.inputs).sort());
  });

  it('every output written is declared and every declared output is written', () => {
    const outputs = outputsOf({
      mode: 'build',
      registry: 'r',
      repository: 'shop',
      image: 'r/shop',
      tags: [],
      tagOutcomes: [],
      builder: 'buildah',
      platforms: [],
      cache: 'none',
    });
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(manifest.outputs).sort());
  });

  it('every input has a description, and runs on node24 from dist', () => {
    for (const [name, spec] of Object.entries(manifest.inputs)) {
      expect([name, typeof spec.description === 'string' && spec.description.length > 10]).toEqual([
        name,
        true,
      ]);
    }
    expect(manifest.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(manifest.inputs.repository.required).toBe(true);
    expect(manifest.inputs.tags.default).toBe('sha-{short_sha}');
  });
});

describe('getInputs', () => {
  it('reads the defaults', () => {
    const defaults: Record<string, string> = {};
    for (const [name, spec] of Object.entries(manifest.inputs))
      if (spec.default !== undefined) defaults[name] = String(spec.default);
    const { inputs } = read({ ...defaults, repository: 'shop/web' });
    expect(inputs).toMatchObject({
      repository: 'shop/web',
      registry: undefined,
      tags: ['sha-{short_sha}'],
      allowLatest: false,
      skipIfExists: true,
      push: true,
      builder: 'auto',
      context: '.',
      cache: 'registry',
      platforms: [],
    });
  });

  it('parses lists and key/values', () => {
    const { inputs } = read({
      repository: 'shop',
      tags: 'sha-{short_sha}\n# a comment\nv{version}',
      platforms: 'linux/amd64, linux/arm64',
      'build-args': 'A=1\nB=x=y',
      secrets: 'npm=abc',
      labels: 'team=shop',
      registry: '123456789012.DKR.ECR.eu-west-1.amazonaws.com',
    });
    expect(inputs.tags).toEqual(['sha-{short_sha}', 'v{version}']);
    expect(inputs.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect([...inputs.buildArgs]).toEqual([
      ['A', '1'],
      ['B', 'x=y'],
    ]);
    expect([...inputs.secrets]).toEqual([['npm', 'abc']]);
    expect(inputs.registry).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
  });

  it.each([
    [{}, /Input `repository` is required: name the ECR repository/],
    [
      { repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1' },
      /repository name only.*`repository: shop`.*`registry: 123456789012\.dkr\.ecr/,
    ],
    [{ repository: 'shop:v1' }, /must not carry a tag or digest/],
    [{ repository: 'Shop' }, /must be an ECR repository name/],
    [
      { repository: 'shop', builder: 'kaniko' },
      /Input `builder` must be one of `auto`, `docker`, `buildah`, `podman`, got "kaniko"/,
    ],
    [{ repository: 'shop', cache: 's3' }, /Input `cache` must be one of `registry`, `gha`, `none`/],
    [
      { repository: 'shop', registry: 'https://r.example' },
      /Input `registry` must be a registry host.*no scheme/,
    ],
    [
      { repository: 'shop', platforms: 'amd64' },
      /Input `platforms`: "amd64" is not a platform; write `os\/arch/,
    ],
    [{ repository: 'shop', source: 'shop:v1' }, /Input `source` must be a tag.*or a digest/],
    [{ repository: 'shop', source: 'sha256:abc' }, /Input `source` must be a tag/],
    [{ repository: 'shop', push: 'yes' }, /Input `push` must be `true` or `false`, got "yes"/],
    [{ repository: 'shop', secrets: 'bad id=1' }, /secret id "bad id"/],
  ])('%j', (values, message) => {
    let error: unknown;
    try {
      read(values);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
  });

  it('never shows a malformed secrets line', () => {
    expect(() => read({ repository: 'shop', secrets: 'ok=1\nghp_supersecretvalue' })).toThrow(
      /Input `secrets` line 2 is not `id=value`.*not shown/,
    );
    try {
      read({ repository: 'shop', secrets: 'ghp_supersecretvalue' });
    } catch (error) {
      expect((error as Error).message).not.toContain('ghp_supersecretvalue');
    }
  });
});

describe('wait-minutes', () => {
  const digest = `sha256:${'a'.repeat(64)}`;

  it('waits only for a digest in `source`, and less than the step’s timeout', () => {
    expect(read({ repository: 'shop' }).inputs.waitMinutes).toBe(0);
    expect(read({ repository: 'shop', source: digest, 'wait-minutes': '20' }).inputs.waitMinutes).toBe(20);
    const table: Array<[Record<string, string>, RegExp]> = [
      [{ 'wait-minutes': '5' }, /`wait-minutes` \(5\) waits for the digest in `source`.*`source` is empty/],
      [
        { 'wait-minutes': '5', source: 'sha-abc1234' },
        /`source` is "sha-abc1234"\. Set `source` to the image's digest/,
      ],
      [
        { 'wait-minutes': '30', source: digest },
        /`wait-minutes` \(30\) must be less than `timeout-minutes` \(30\)/,
      ],
      [{ 'wait-minutes': '-1', source: digest }, /wait-minutes/],
    ];
    for (const [values, message] of table) {
      expect(() => read({ repository: 'shop', ...values })).toThrow(ConfigurationError);
      expect(() => read({ repository: 'shop', ...values })).toThrow(message);
    }
  });
});
