import { describe, expect, it } from '@jest/globals';
import { readRunContext, shouldLogout } from '../src/github-context.js';
import { imageLabels } from '../src/oci-labels.js';
import {
  checkRegistryRegion,
  defaultRegistryHost,
  isLoopbackRegistry,
  registryIdOf,
} from '../src/registry.js';
import { type BuildPushResult, outputsOf } from '../src/result.js';
import { cellHtml, formatBytes, summaryRows } from '../src/summary.js';

describe('imageLabels', () => {
  const now = new Date(Date.UTC(2024, 0, 15, 14, 30));
  it('adds the OCI labels, the user’s labels win', () => {
    const labels = imageLabels(
      { repositoryUrl: 'https://github.com/acme/shop', sha: 'abc', now, version: '1.2.3' },
      new Map([
        ['org.opencontainers.image.version', 'custom'],
        ['team', 'shop'],
      ]),
    );
    expect(Object.fromEntries(labels)).toEqual({
      'org.opencontainers.image.url': 'https://github.com/acme/shop',
      'org.opencontainers.image.source': 'https://github.com/acme/shop',
      'org.opencontainers.image.revision': 'abc',
      'org.opencontainers.image.created': '2024-01-15T14:30:00.000Z',
      'org.opencontainers.image.version': 'custom',
      team: 'shop',
    });
  });
  it('leaves out what it does not know', () => {
    expect([...imageLabels({ now }, new Map()).keys()]).toEqual(['org.opencontainers.image.created']);
  });
});

describe('registry', () => {
  it.each([
    ['127.0.0.1:5000', true],
    ['127.1.2.3', true],
    ['localhost:5000', true],
    ['[::1]:5000', true],
    ['10.0.0.1:5000', false],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', false],
    ['localhost.example.com', false],
  ])('%s is loopback: %s', (host, expected) => {
    expect(isLoopbackRegistry(host)).toBe(expected);
  });

  it('derives the default host and registry id', () => {
    expect(defaultRegistryHost('123456789012', 'eu-west-1')).toBe(
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    );
    expect(defaultRegistryHost('123456789012', 'cn-north-1')).toBe(
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn',
    );
    expect(registryIdOf('123456789012.dkr.ecr.eu-west-1.amazonaws.com')).toBe('123456789012');
    expect(registryIdOf('127.0.0.1:5000')).toBeUndefined();
  });

  it('refuses an ECR host of another region', () => {
    expect(() => checkRegistryRegion('123456789012.dkr.ecr.us-east-1.amazonaws.com', 'eu-west-1')).toThrow(
      /is in us-east-1 but the ECR API calls go to eu-west-1\. Set `aws-region: us-east-1`/,
    );
    expect(() =>
      checkRegistryRegion('123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'eu-west-1'),
    ).not.toThrow();
    expect(() => checkRegistryRegion('127.0.0.1:5000', 'eu-west-1')).not.toThrow();
  });
});

describe('run context', () => {
  it.each([
    ['github-hosted', false],
    ['self-hosted', true],
    [undefined, true],
  ])('RUNNER_ENVIRONMENT=%s → log out: %s', (runnerEnvironment, expected) => {
    expect(shouldLogout(readRunContext({ RUNNER_ENVIRONMENT: runnerEnvironment }))).toBe(expected);
  });

  it('reads the repository URL from the server and repository', () => {
    expect(
      readRunContext({ GITHUB_SERVER_URL: 'https://ghe.example/', GITHUB_REPOSITORY: 'acme/shop' })
        .repositoryUrl,
    ).toBe('https://ghe.example/acme/shop');
  });
});

describe('outputs and summary', () => {
  const DIGEST = `sha256:${'a'.repeat(64)}`;
  const result: BuildPushResult = {
    mode: 'reuse',
    registry: 'r.example',
    repository: 'shop',
    image: 'r.example/shop',
    digest: DIGEST,
    tags: ['sha-abc1234', 'dev'],
    tagOutcomes: [
      { tag: 'sha-abc1234', outcome: 'kept' },
      { tag: 'dev', outcome: 'moved' },
    ],
    builder: 'none',
    platforms: ['linux/amd64', 'linux/arm64'],
    cache: 'registry',
    sizeBytes: 3 * 1024 * 1024 + 100,
  };

  it('outputs', () => {
    expect(outputsOf(result)).toEqual({
      image: 'r.example/shop',
      digest: DIGEST,
      'image-uri': `r.example/shop@${DIGEST}`,
      tags: 'sha-abc1234\ndev',
      skipped: 'true',
      registry: 'r.example',
      builder: 'none',
      version: '',
      labels: '',
      annotations: '',
      json: '{"tags":["r.example/shop:sha-abc1234","r.example/shop:dev"],"tag-names":["sha-abc1234","dev"],"labels":{},"annotations":[]}',
      'docker-config': '',
    });
  });

  it('summary rows: builder, tags, digest, size, platforms, skipped and cache', () => {
    expect(Object.fromEntries(summaryRows(result))).toEqual({
      Result: 'skipped: the first tag already existed, its image was reused (`skip-if-exists`)',
      Builder: 'none (no build)',
      // Short (registry dropped, 12 hex of the digest); fullReferences has them in full.
      Image: 'shop',
      Digest: DIGEST.slice(0, 'sha256:'.length + 12),
      Tags: 'sha-abc1234 (kept), dev (moved)',
      Size: '3.0 MiB',
      Platforms: 'linux/amd64, linux/arm64',
      Cache: 'not used (no build)',
    });
    const built = Object.fromEntries(
      summaryRows({ ...result, mode: 'build', builder: 'buildah', builderVersion: '1.28', cachedSteps: 2 }),
    );
    expect(built.Builder).toBe('buildah (1.28)');
    expect(built.Cache).toBe('registry: hit (2 cached steps)');
    expect(built['Login for later steps']).toBeUndefined();
    const login = Object.fromEntries(
      summaryRows({ ...result, dockerConfig: '/runner/temp/berth-build-push-x' }),
    );
    expect(login['Login for later steps']).toBe('DOCKER_CONFIG=/runner/temp/berth-build-push-x');
  });

  it('formats sizes and cells', () => {
    expect(formatBytes(undefined)).toBe('unknown');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(cellHtml('a <b> & `c`')).toBe('a &lt;b&gt; &amp; <code>c</code>');
  });
});
