import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@berth/shared/errors';
import { describe, expect, it } from '@jest/globals';
import { isIsoDate, loadAllowlist, parseAllowlist } from '../src/allowlist.js';

const VALID = `# Exceptions approved by the security team (SEC-142)
exceptions:
  - id: CVE-2023-44487
    reason: HTTP/2 is terminated at the ALB (SEC-142)
    expires: 2026-03-31

  - id: GHSA-v6rh-hp5x-86rv
    package: Django
    reason: >-
      Only the admin uses the affected view,
      behind the VPN.
    expires: "2026-02-01"
    images: ["shop:*", "shop-worker:*"]
  - id: CVE-2024-3094
    reason: xz only in the build stage
    expires: 2026-12-31
    images: team/*@sha256:*
`;

describe('parseAllowlist', () => {
  it('reads entries with their line numbers', () => {
    expect(parseAllowlist(VALID, '.github/allowlist.yml')).toEqual([
      {
        id: 'CVE-2023-44487',
        reason: 'HTTP/2 is terminated at the ALB (SEC-142)',
        expires: '2026-03-31',
        package: undefined,
        images: undefined,
        file: '.github/allowlist.yml',
        line: 3,
      },
      {
        id: 'GHSA-v6rh-hp5x-86rv',
        package: 'Django',
        reason: 'Only the admin uses the affected view, behind the VPN.',
        expires: '2026-02-01',
        images: ['shop:*', 'shop-worker:*'],
        file: '.github/allowlist.yml',
        line: 7,
      },
      {
        id: 'CVE-2024-3094',
        reason: 'xz only in the build stage',
        expires: '2026-12-31',
        package: undefined,
        images: ['team/*@sha256:*'],
        file: '.github/allowlist.yml',
        line: 14,
      },
    ]);
  });

  it('accepts a bare top-level list, an empty file and an empty `exceptions:`', () => {
    expect(parseAllowlist('- id: CVE-1\n  reason: r\n  expires: 2030-01-01\n', 'a.yml')).toHaveLength(1);
    expect(parseAllowlist('', 'a.yml')).toEqual([]);
    expect(parseAllowlist('# nothing yet\n', 'a.yml')).toEqual([]);
    expect(parseAllowlist('exceptions:\n', 'a.yml')).toEqual([]);
    expect(parseAllowlist('exceptions: []\n', 'a.yml')).toEqual([]);
  });

  it.each([
    [
      'an entry without reason',
      'exceptions:\n  - id: CVE-1\n    expires: 2030-01-01\n',
      2,
      /exception `CVE-1` has no `reason`/,
    ],
    [
      'an empty reason',
      'exceptions:\n  - id: CVE-1\n    reason: ""\n    expires: 2030-01-01\n',
      2,
      /has no `reason`/,
    ],
    [
      'an entry without expires',
      'exceptions:\n  - id: CVE-1\n    reason: r\n',
      2,
      /exception `CVE-1` has no `expires`; every exception needs an end date/,
    ],
    [
      'an entry without id',
      'exceptions:\n  - reason: r\n    expires: 2030-01-01\n',
      2,
      /an exception has no `id`/,
    ],
    [
      'a date in another format',
      'exceptions:\n  - id: CVE-1\n    reason: r\n    expires: 31/12/2030\n',
      4,
      /`expires` must be a date written YYYY-MM-DD, got `31\/12\/2030`/,
    ],
    [
      'an impossible date',
      'exceptions:\n  - id: CVE-1\n    reason: r\n    expires: 2030-02-30\n',
      4,
      /got `2030-02-30`/,
    ],
    [
      'a typo in a key (would have made it permanent)',
      'exceptions:\n  - id: CVE-1\n    reason: r\n    expiry: 2030-01-01\n',
      4,
      /unknown key `expiry`; an exception has `id`, `reason`, `expires`, `package`, `images`/,
    ],
    [
      'a top-level key other than exceptions',
      'exception:\n  - id: CVE-1\n',
      1,
      /unexpected top-level key `exception`/,
    ],
    ['exceptions not a list', 'exceptions:\n  id: CVE-1\n', 2, /`exceptions` must be a list/],
    ['an entry that is not a mapping', 'exceptions:\n  - CVE-1\n', 2, /each exception must be a mapping/],
    [
      'images not globs',
      'exceptions:\n  - id: CVE-1\n    reason: r\n    expires: 2030-01-01\n    images: {a: 1}\n',
      5,
      /`images` must be a glob or a list of globs/,
    ],
    [
      'an empty images list',
      'exceptions:\n  - id: CVE-1\n    reason: r\n    expires: 2030-01-01\n    images: []\n',
      5,
      /`images` is an empty list/,
    ],
    [
      'a duplicated key',
      'exceptions:\n  - id: CVE-1\n    id: CVE-2\n    reason: r\n    expires: 2030-01-01\n',
      3,
      /not valid YAML: Map keys must be unique/,
    ],
    ['broken YAML', 'exceptions:\n  - id: [CVE-1\n    reason: r\n', 3, /not valid YAML/],
    [
      'a list as reason',
      'exceptions:\n  - id: CVE-1\n    reason: [a, b]\n    expires: 2030-01-01\n',
      3,
      /`reason` must be a single value/,
    ],
    ['a scalar document', 'CVE-1\n', 1, /expected `exceptions:`/],
  ])('%s: a ConfigurationError with file and line', (_name, text, line, message) => {
    let error: unknown;
    try {
      parseAllowlist(text, 'sec/allow.yml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Input \`allowlist\`: sec/allow\\.yml line ${line}: `),
    );
    expect((error as Error).message).toMatch(message);
  });

  it('loadAllowlist: an unreadable path names the input and the path', () => {
    expect(() => loadAllowlist('/nonexistent/allow.yml', 'allow.yml')).toThrow(
      /^Input `allowlist`: "allow\.yml" does not exist/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'allowlist-'));
    writeFileSync(join(dir, 'a.yml'), VALID);
    expect(loadAllowlist(join(dir, 'a.yml'), 'a.yml')).toHaveLength(3);
  });
});

describe('isIsoDate', () => {
  it.each([
    ['2026-01-31', true],
    ['2024-02-29', true],
    ['2025-02-29', false],
    ['2026-13-01', false],
    ['2026-1-5', false],
    ['2026-01-05T00:00:00Z', false],
  ])('%s → %p', (text, valid) => {
    expect(isIsoDate(text)).toBe(valid);
  });
});
