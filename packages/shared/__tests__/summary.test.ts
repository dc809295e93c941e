import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpusFolder } from '@berth/testkit/corpus.js';
import { describe, expect, it } from '@jest/globals';
import { parseImageReference } from '../src/ecr-image.js';
import { escapeHtml, htmlText, shortDigest, shortImage } from '../src/summary.js';

describe('escapeHtml', () => {
  it.each([
    ['<b>web</b> & "api"', '&lt;b&gt;web&lt;/b&gt; &amp; &quot;api&quot;'],
    // A blank line would end the HTML block and let GitHub render the rest as Markdown.
    ['line 1\n\n![x](https://tracker.example/p.png)', 'line 1&#10;&#10;![x](https://tracker.example/p.png)'],
    ['a\r\nb', 'a&#13;&#10;b'],
    ['&lt;', '&amp;lt;'],
    ['web:41 → web:40', 'web:41 → web:40'],
  ])('%j → %j', (text, expected) => {
    expect(escapeHtml(text)).toBe(expected);
  });
});

const HEX = '9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e';

describe('shortImage', () => {
  // Registry, repository, tag and digest as distribution/reference splits them (a first
  // component with `.` or `:`, or `localhost`, is a registry host).
  it.each([
    [`123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:${HEX}`, 'shop@sha256:9f8e7d6c5b4a'],
    [`123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1@sha256:${HEX}`, 'shop@sha256:9f8e7d6c5b4a'],
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:sha-34693f5', 'shop:sha-34693f5'],
    ['localhost:5000/team/web:v2', 'team/web:v2'],
    ['library/nginx:1.27', 'library/nginx:1.27'],
    ['nginx', 'nginx'],
    ['public.ecr.aws/aws-observability/aws-for-fluent-bit:stable', '…/aws-for-fluent-bit:stable'],
    // A 40-hex commit tag is cut to 16 characters with an ellipsis.
    ['r.example/shop:34693f517d889fba975cd583675d5460cdbf845b', 'shop:34693f517d889fb…'],
    // A long repository path keeps its last component.
    ['r.example/platform-team/payments/checkout-service:v1', '…/checkout-service:v1'],
    ['not an image reference but a sentence that goes on', 'not an image reference but a sentence t…'],
  ])('%s → %s', (reference, short) => {
    expect(shortImage(reference)).toBe(short);
  });

  it('keeps sha256: and 12 hex digits of a digest', () => {
    expect(shortDigest(`sha256:${HEX}`)).toBe('sha256:9f8e7d6c5b4a');
    expect(shortDigest('sha256:abc')).toBe('sha256:abc');
  });

  // Every image of the real task definitions, short, still names the repository the
  // reference parser (distribution/reference's grammar) reads, and the digest's start.
  const taskdefs = corpusFolder('taskdefs');
  it.each(taskdefs.present ? readdirSync(taskdefs.dir).filter((name) => name.endsWith('.json')) : [])(
    'agrees with parseImageReference on %s',
    (name) => {
      const images = [
        ...readFileSync(join(taskdefs.dir, name), 'utf8').matchAll(/"image"\s*:\s*"([^"]+)"/g),
      ].map((match) => match[1]);
      for (const image of images) {
        let parsed: ReturnType<typeof parseImageReference>;
        try {
          parsed = parseImageReference(image);
        } catch {
          continue; // placeholders such as `${IMAGE}` are not references
        }
        const short = shortImage(image);
        const tail = parsed.repository.slice(parsed.repository.lastIndexOf('/') + 1);
        expect(
          short.startsWith(parsed.repository) || short.startsWith(`…/${tail}`) || short.startsWith('…'),
        ).toBe(true);
        if (parsed.digest)
          expect(short.endsWith(`@${parsed.digest.slice(0, 'sha256:'.length + 12)}`)).toBe(true);
        expect(short.length).toBeLessThanOrEqual(24 + 1 + 7 + 12);
      }
    },
  );
});

describe('htmlText', () => {
  it('escapes HTML and turns code spans into <code>, since GitHub renders no Markdown inside HTML', () => {
    expect(htmlText('container `web` <exited>')).toBe('container <code>web</code> &lt;exited&gt;');
  });
});
