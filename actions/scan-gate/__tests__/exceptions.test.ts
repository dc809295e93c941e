/**
 * Exception files written for other tools, imported as scan-gate exceptions.
 * The fixtures follow the formats as their documentation shows them:
 * - .trivyignore and .trivyignore.yaml: https://trivy.dev/latest/docs/configuration/filtering/#by-finding-ids
 *   (an entry is dropped once its date, read as midnight UTC, is before now: Trivy's pkg/result/ignore.go `Prune`)
 * - Grype: https://github.com/anchore/grype#specifying-matches-to-ignore
 * - OpenVEX: https://github.com/openvex/spec/blob/main/OPENVEX-SPEC.md (statements, status labels, justifications)
 * - purl: https://github.com/package-url/purl-spec (its README's examples)
 * Expected values below are read off those pages and the fixture files, not computed by the code under test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '@berth/shared/errors';
import { describe, expect, it } from '@jest/globals';
import { parseGrypeIgnore } from '../src/exceptions/grype-ignore.js';
import { formatOf, importExceptionFiles } from '../src/exceptions/import.js';
import { parseOpenVex } from '../src/exceptions/openvex.js';
import { parseTrivyIgnore, parseTrivyIgnoreYaml } from '../src/exceptions/trivyignore.js';
import { evaluateGate, type Policy } from '../src/policy.js';
import { parsePurl, purlMatches } from '../src/purl.js';
import { parseGrypeReport } from '../src/sources/grype.js';
import { parseTrivyReport } from '../src/sources/trivy.js';
import { CORPUS_SCANS, corpusPresent, FIXTURES, finding, NOW } from './helpers.js';

const DIR = join(FIXTURES, 'exceptions');
const read = (name: string) => readFileSync(join(DIR, name), 'utf8');
/** NOW is 2026-01-15; the default of 90 days from it ends on 2026-04-15. */
const context = (file: string) => ({ file, today: '2026-01-15', defaultExpiryDays: 90 });
const DIGEST = `sha256:${'ab'.repeat(32)}`;

function gate(findings: ReturnType<typeof finding>[], allowlist: Policy['allowlist']) {
  return evaluateGate(findings, { failOn: 'high', maxFindings: {}, ignoreUnfixed: false, allowlist }, NOW);
}

function errorOf(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('.trivyignore', () => {
  const { entries } = parseTrivyIgnore(read('.trivyignore'), context('.trivyignore'));

  it('reads every id with its line, reason (the comment above or after it) and end date', () => {
    expect(entries.map((e) => [e.id, e.line, e.expires, e.defaultExpiry ?? false, e.reason])).toEqual([
      // exp:2026-03-31 stops applying at 2026-03-31T00:00Z, so its last day is the 30th.
      ['CVE-2023-44487', 5, '2026-03-30', false, 'HTTP/2 is terminated at the load balancer (SEC-142)'],
      ['CVE-2019-1543', 8, '2026-04-15', true, 'Accepted without an end date'],
      ['CVE-2018-14618', 10, '2026-01-09', false, 'curl is only in the build stage'],
      ['AVD-DS-0002', 13, '2026-04-15', true, "Ignore misconfigurations (Trivy's business, not the gate's)"],
    ]);
  });

  it('an entry is applied until its date, as Trivy applies it', () => {
    const verdict = gate(
      [
        finding({ id: 'CVE-2023-44487', severity: 'HIGH' }),
        finding({ id: 'CVE-2018-14618', severity: 'HIGH' }),
      ],
      entries,
    );
    // CVE-2018-14618 exp:2026-01-10 is over on 2026-01-15: its finding counts again.
    expect(verdict.evaluated.map((e) => [e.finding.id, e.disposition])).toEqual([
      ['CVE-2018-14618', 'counted'],
      ['CVE-2023-44487', 'excepted'],
    ]);
    expect(verdict.expired.map((e) => e.entry.id)).toEqual(['CVE-2018-14618']);
  });

  it.each([
    ['CVE-2024-1 exp:2024-13-01\n', 1, /`exp:2024-13-01` is not an expiry date; write `exp:YYYY-MM-DD`/],
    ['# ok\nCVE-2024-1 exp:31/12/2026\n', 2, /`exp:31\/12\/2026` is not an expiry date/],
    [
      'vulnerabilities:\n  - id: CVE-1\n',
      1,
      /`vulnerabilities:` is not a finding id.*name the file `\.trivyignore\.yaml`/,
    ],
  ])('a bad line is an error naming the file and line: %j', (source, line, message) => {
    const error = errorOf(() => parseTrivyIgnore(source, context('ci/.trivyignore')));
    expect(error.message).toMatch(new RegExp(`^Input \`exception-files\`: ci/\\.trivyignore line ${line}: `));
    expect(error.message).toMatch(message);
  });
});

describe('.trivyignore.yaml', () => {
  const imported = parseTrivyIgnoreYaml(read('trivyignore.yaml'), context('trivyignore.yaml'));

  it('reads the vulnerabilities with paths, purls, expired_at and statement; other sections are noted', () => {
    expect(imported.entries).toEqual([
      expect.objectContaining({
        id: 'CVE-2022-40897',
        line: 3,
        locations: ['usr/local/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA'],
        reason: 'setuptools is not used at run time',
        expires: '2026-04-15',
        defaultExpiry: true,
      }),
      expect.objectContaining({
        id: 'CVE-2023-3817',
        line: 7,
        purls: ['pkg:deb/debian/libssl1.1'],
        expires: '2026-01-31',
        reason: 'listed in trivyignore.yaml',
      }),
      expect.objectContaining({ id: 'CVE-2023-29491', line: 11, expires: '2025-08-31' }),
    ]);
    expect(imported.notes).toEqual([
      'trivyignore.yaml: `misconfigurations`, `secrets` are not vulnerabilities; scan-gate leaves them to Trivy.',
    ]);
  });

  it('paths and purls narrow the exception to the package Trivy reported there', () => {
    const setuptools = (path: string) =>
      finding({ id: 'CVE-2022-40897', package: 'setuptools', locations: ['Python', path] });
    const libssl = (purl: string | undefined, pkg = 'libssl1.1') =>
      finding({ id: 'CVE-2023-3817', package: pkg, purl });
    const verdict = gate(
      [
        setuptools('usr/local/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA'),
        setuptools('opt/venv/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA'),
        libssl('pkg:deb/debian/libssl1.1@1.1.1n-0+deb11u5?arch=amd64&distro=debian-11.8'),
        libssl('pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64', 'libssl3'),
        libssl(undefined),
      ],
      imported.entries,
    );
    expect(
      verdict.evaluated.map((e) => [e.finding.package, e.finding.locations?.[1], e.disposition]),
    ).toEqual([
      // Same severity, id and version: the input order stays.
      [
        'setuptools',
        'usr/local/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA',
        'excepted',
      ],
      ['setuptools', 'opt/venv/lib/python3.9/site-packages/setuptools-58.1.0.dist-info/METADATA', 'counted'],
      // No purl in the report: the package name stands in for it.
      ['libssl1.1', undefined, 'excepted'],
      ['libssl1.1', undefined, 'excepted'],
      ['libssl3', undefined, 'counted'],
    ]);
  });

  it.each([
    [
      'vulnerabilities:\n  - id: CVE-1\n    expires: 2026-01-01\n',
      3,
      /unknown key `expires`; an entry has `id`, `paths`, `purls`, `expired_at`, `statement`/,
    ],
    [
      'vulnerabilities:\n  - id: CVE-1\n    expired_at: next week\n',
      3,
      /`expired_at` must be a date written YYYY-MM-DD, got `next week`/,
    ],
    ['vulnerabilities:\n  - id: CVE-1\n    purls: ["libssl"]\n', 3, /`libssl` is not a package URL/],
    ['vulnerabilities:\n  - statement: no id\n', 2, /an entry has no `id`/],
    // The YAML parser reports an unclosed flow sequence where the text ends.
    ['vulnerabilities:\n  - id: CVE-1\n  - id: [\n', 4, /not valid YAML/],
    ['vulnerability:\n  - id: CVE-1\n', 1, /unknown section `vulnerability`/],
  ])('a bad file is an error naming the file, line and fix: %j', (source, line, message) => {
    const error = errorOf(() => parseTrivyIgnoreYaml(source, context('.trivyignore.yaml')));
    expect(error.message).toMatch(
      new RegExp(`^Input \`exception-files\`: \\.trivyignore\\.yaml line ${line}: `),
    );
    expect(error.message).toMatch(message);
  });
});

describe('Grype ignore rules', () => {
  const imported = parseGrypeIgnore(read('.grype.yaml'), context('.grype.yaml'));

  it('imports rules that name a vulnerability with every field Grype checks, each undated (default expiry)', () => {
    expect(imported.entries).toEqual([
      {
        id: 'CVE-2008-4318',
        reason: 'only reachable from the build tooling (SEC-160)',
        expires: '2026-04-15',
        defaultExpiry: true,
        exactId: true,
        package: 'libcurl',
        version: '1.5.1',
        packageType: 'npm',
        locations: ['/usr/local/lib/node_modules/**'],
        fixState: 'unknown',
        importedFrom: 'grype',
        file: '.grype.yaml',
        line: 5,
      },
      expect.objectContaining({ id: 'GHSA-93q8-gq69-wqmw', exactId: true, line: 15 }),
      expect.objectContaining({ id: 'GHSA-3xgq-45jj-v275', exactId: false, line: 18 }),
    ]);
  });

  it('leaves out policies and rules with criteria it cannot check, saying what to use instead', () => {
    expect(imported.skipped).toEqual([
      { line: 22, message: expect.stringMatching(/names no `vulnerability`.*use `ignore-unfixed: true`/) },
      {
        line: 25,
        message: expect.stringMatching(/rule `CVE-2021-3807` also needs `namespace`.*does not apply it/),
      },
    ]);
  });

  it('a rule applies only when every field it names applies (README: "all fields specified in the rule")', () => {
    const curl = (overrides: Parameters<typeof finding>[0]) =>
      finding({
        id: 'CVE-2008-4318',
        package: 'libcurl',
        installedVersion: '1.5.1',
        packageType: 'npm',
        fixState: 'unknown',
        scannerFixState: 'unknown',
        locations: ['/usr/local/lib/node_modules/libcurl/package.json'],
        ...overrides,
      });
    const cases = [
      curl({ title: 'all fields' }),
      curl({ title: 'another version', installedVersion: '1.5.2' }),
      curl({ title: 'another type', packageType: 'gem' }),
      curl({ title: 'another place', locations: ['/app/node_modules/libcurl/package.json'] }),
      curl({ title: 'fixed', fixState: 'fixed', scannerFixState: 'fixed', fixedVersion: '1.6.0' }),
      // The same id reported under an alias: the rule names the GHSA, the finding carries it as an alias.
      finding({ id: 'CVE-2021-1111', aliases: ['GHSA-93q8-gq69-wqmw'], title: 'alias, exact rule' }),
      finding({ id: 'CVE-2021-2222', aliases: ['GHSA-3xgq-45jj-v275'], title: 'alias, include-aliases' }),
    ];
    const verdict = gate(cases, imported.entries);
    expect(Object.fromEntries(verdict.evaluated.map((e) => [e.finding.title, e.disposition]))).toEqual({
      'all fields': 'excepted',
      'another version': 'counted',
      'another type': 'counted',
      'another place': 'counted',
      fixed: 'counted',
      'alias, exact rule': 'counted',
      'alias, include-aliases': 'excepted',
    });
  });

  it.each([
    ['ignore:\n  - vulnerability: CVE-1\n    fixstate: unknown\n', 3, /unknown rule field `fixstate`/],
    [
      'ignore:\n  - vulnerability: CVE-1\n    fix-state: maybe\n',
      3,
      /`fix-state: maybe` is not one of Grype's `fixed`, `not-fixed`, `wont-fix`, `unknown`/,
    ],
    [
      'ignore:\n  - vulnerability: CVE-1\n    package:\n      nmae: curl\n',
      4,
      /unknown package field `nmae`/,
    ],
    ['ignore: CVE-1\n', 1, /`ignore` must be a list of rules/],
  ])('a bad rule is an error naming the file, line and fix: %j', (source, line, message) => {
    const error = errorOf(() => parseGrypeIgnore(source, context('.grype.yaml')));
    expect(error.message).toMatch(new RegExp(`^Input \`exception-files\`: \\.grype\\.yaml line ${line}: `));
    expect(error.message).toMatch(message);
  });
});

describe('OpenVEX', () => {
  const imported = parseOpenVex(read('shop.openvex.json'), context('shop.openvex.json'));

  it('imports not_affected statements with their justification, scoped to their product', () => {
    expect(imported.entries).toEqual([
      expect.objectContaining({
        id: 'CVE-2023-44487',
        aliases: ['GHSA-qppj-fm5r-hxr3'],
        imageDigest: DIGEST,
        purls: ['pkg:golang/golang.org/x/net@v0.7.0'],
        reason: 'VEX not_affected (vulnerable_code_not_in_execute_path): The service does not serve HTTP/2.',
        // No end date in VEX: the document's timestamp (2026-01-05) plus 90 days.
        expires: '2026-04-05',
        defaultExpiry: true,
        line: 8,
      }),
      expect.objectContaining({
        id: 'CVE-2024-3094',
        purls: ['pkg:deb/debian/xz-utils@5.6.0-0.2'],
        reason: 'VEX not_affected (vulnerable_code_not_present)',
        // The statement's own timestamp (2026-01-20) overrides the document's.
        expires: '2026-04-20',
        line: 23,
      }),
    ]);
    expect(imported.skipped).toEqual([
      { line: 43, message: expect.stringMatching(/product `pkg:oci\/shop` has no digest/) },
    ]);
    expect(imported.notes).toEqual([
      'shop.openvex.json: 1 affected statement(s) except nothing; only not_affected does.',
    ]);
  });

  it('reads the 0.0.x form: vulnerability and products as strings, statement-level subcomponents', () => {
    // OpenVEX v0.0.x (context https://openvex.dev/ns): "vulnerability": "CVE-…", "products": ["pkg:…"].
    const old = JSON.stringify({
      '@context': 'https://openvex.dev/ns',
      '@id': 'https://openvex.dev/docs/example/vex-9fb3463de1b57',
      author: 'Wolfi J Inkinson',
      timestamp: '2026-01-10T18:02:03-06:00',
      version: '1',
      statements: [
        {
          vulnerability: 'CVE-2023-12345',
          products: [`pkg:oci/shop@sha256%3A${'ab'.repeat(32)}`],
          subcomponents: ['pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64'],
          status: 'not_affected',
          justification: 'inline_mitigations_already_exist',
        },
      ],
    });
    expect(parseOpenVex(old, context('old.json')).entries).toEqual([
      expect.objectContaining({
        id: 'CVE-2023-12345',
        imageDigest: DIGEST,
        purls: ['pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64'],
        // 2026-01-10T18:02:03-06:00 is 2026-01-11 in UTC; plus 90 days.
        expires: '2026-04-11',
      }),
    ]);
  });

  it('a statement about the image excepts findings of that image only, in the subcomponent it names', () => {
    const image = (digest: string) => `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1@${digest}`;
    const net = (digest: string, version = 'v0.7.0') =>
      finding({
        id: 'GHSA-qppj-fm5r-hxr3',
        package: 'golang.org/x/net',
        installedVersion: version,
        purl: `pkg:golang/golang.org/x/net@${version}`,
        image: image(digest),
        title: `${digest.slice(7, 11)} ${version}`,
      });
    const verdict = gate(
      [net(DIGEST), net(`sha256:${'cd'.repeat(32)}`), net(DIGEST, 'v0.17.0')],
      imported.entries,
    );
    expect(Object.fromEntries(verdict.evaluated.map((e) => [e.finding.title, e.disposition]))).toEqual({
      'abab v0.7.0': 'excepted',
      'cdcd v0.7.0': 'counted',
      'abab v0.17.0': 'counted',
    });
  });

  const doc = (statement: Record<string, unknown>) =>
    JSON.stringify({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      timestamp: '2026-01-01T00:00:00Z',
      statements: [statement],
    });
  it.each([
    [
      doc({
        vulnerability: { name: 'CVE-1' },
        products: [{ '@id': 'pkg:deb/debian/a@1' }],
        status: 'not_affected',
      }),
      /statement 1 \(`CVE-1`, not_affected\) gives neither `justification` nor `impact_statement`; the OpenVEX spec requires one/,
    ],
    [
      doc({
        vulnerability: { name: 'CVE-1' },
        products: [{ '@id': 'pkg:deb/debian/a@1' }],
        status: 'not_affected',
        justification: 'not_used',
      }),
      /`justification` `not_used` is not an OpenVEX label; use one of `component_not_present`/,
    ],
    [
      doc({ vulnerability: { name: 'CVE-1' }, status: 'unaffected' }),
      /`status` must be one of `not_affected`, `affected`, `fixed`, `under_investigation`, got `unaffected`/,
    ],
    ['{"statements": []}', /not an OpenVEX document/],
    ['{"@context": "https://openvex.dev/ns/v0.2.0",', /not JSON/],
  ])('a bad document is an error naming the file and the statement: %#', (source, message) => {
    const error = errorOf(() => parseOpenVex(source, context('vex.json')));
    expect(error.message).toMatch(/^Input `exception-files`: vex\.json line \d+: /);
    expect(error.message).toMatch(message);
  });
});

describe('importExceptionFiles', () => {
  it('tells the format by the file, as the tools do, and warns once per file about undated entries', () => {
    const result = importExceptionFiles(
      ['.trivyignore', 'trivyignore.yaml', '.grype.yaml', 'shop.openvex.json'].map((name) => ({
        path: join(DIR, name),
        shown: `ci/${name}`,
      })),
      { roots: { workspace: DIR }, today: '2026-01-15', defaultExpiryDays: 90 },
    );
    expect(result.summary).toEqual([
      'ci/.trivyignore (.trivyignore): 4 exceptions',
      'ci/trivyignore.yaml (.trivyignore.yaml): 3 exceptions',
      'ci/.grype.yaml (Grype ignore rules): 3 exceptions, 2 rules not applied',
      'ci/shop.openvex.json (OpenVEX): 2 exceptions, 1 rule not applied',
    ]);
    expect(result.expiryWarnings.map((w) => [w.file, w.line, w.message])).toEqual([
      [
        'ci/.trivyignore',
        8,
        expect.stringMatching(
          /^2 exceptions in ci\/\.trivyignore \(lines 8, 13\) have no end date; each applies for `default-expiry-days` \(90\) from today, until 2026-04-15\. Add `exp:YYYY-MM-DD` after the id\.$/,
        ),
      ],
      [
        'ci/trivyignore.yaml',
        3,
        expect.stringMatching(/^1 exception .*\(line 3\) has no end date.*Add `expired_at: YYYY-MM-DD`/),
      ],
      [
        'ci/.grype.yaml',
        5,
        expect.stringMatching(/\(lines 5, 15, 18\).*move exceptions that must end to the allowlist/),
      ],
      [
        'ci/shop.openvex.json',
        8,
        expect.stringMatching(/from its statement date, until 2026-04-05 … 2026-04-20\. Re-issue/),
      ],
    ]);
    expect(result.skipped.map((s) => [s.file, s.line])).toEqual([
      ['ci/.grype.yaml', 22],
      ['ci/.grype.yaml', 25],
      ['ci/shop.openvex.json', 43],
    ]);
  });

  it('a YAML file that is neither Grype nor Trivy is an error that says which keys it expects', () => {
    const error = errorOf(() =>
      formatOf('rules.yaml', 'exceptions:\n  - id: CVE-1\n', { file: 'rules.yaml' }),
    );
    expect(error.message).toBe(
      'Input `exception-files`: rules.yaml line 1: a YAML exception file is a Grype configuration (`ignore:` rules) or a .trivyignore.yaml (`vulnerabilities:`); this one has neither.',
    );
  });

  it('a missing file names the input and the path', () => {
    const error = errorOf(() =>
      importExceptionFiles([{ path: join(DIR, 'nope.trivyignore'), shown: 'nope.trivyignore' }], {
        roots: { workspace: DIR },
        today: '2026-01-15',
        defaultExpiryDays: 90,
      }),
    );
    expect(error.message).toMatch(/^Input `exception-files`: .*nope\.trivyignore/);
  });
});

describe('purl', () => {
  // The purl-spec README's examples.
  it.each([
    [
      'pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie',
      {
        type: 'deb',
        namespace: 'debian',
        name: 'curl',
        version: '7.50.3-1',
        qualifiers: { arch: 'i386', distro: 'jessie' },
      },
    ],
    [
      'pkg:npm/%40angular/animation@12.3.1',
      { type: 'npm', namespace: '@angular', name: 'animation', version: '12.3.1', qualifiers: {} },
    ],
    [
      'pkg:golang/google.golang.org/genproto#googleapis/api/annotations',
      {
        type: 'golang',
        namespace: 'google.golang.org',
        name: 'genproto',
        version: undefined,
        qualifiers: {},
      },
    ],
    [
      'pkg:docker/cassandra@sha256:244fd47e07d10',
      {
        type: 'docker',
        namespace: undefined,
        name: 'cassandra',
        version: 'sha256:244fd47e07d10',
        qualifiers: {},
      },
    ],
    [
      'pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?packaging=sources',
      {
        type: 'maven',
        namespace: 'org.apache.xmlgraphics',
        name: 'batik-anim',
        version: '1.9.1',
        qualifiers: { packaging: 'sources' },
      },
    ],
  ])('parses %s', (text, expected) => {
    expect(parsePurl(text)).toEqual(expected);
  });

  it('a purl without a version or qualifiers names every version; with them, only that one', () => {
    const target = parsePurl('pkg:deb/debian/libssl1.1@1.1.1n-0?arch=amd64')!;
    expect(purlMatches(parsePurl('pkg:deb/debian/libssl1.1')!, target)).toBe(true);
    expect(purlMatches(parsePurl('pkg:deb/debian/libssl1.1?arch=amd64')!, target)).toBe(true);
    expect(purlMatches(parsePurl('pkg:deb/debian/libssl1.1?arch=arm64')!, target)).toBe(false);
    expect(purlMatches(parsePurl('pkg:deb/debian/libssl1.1@1.1.1w-0')!, target)).toBe(false);
    expect(purlMatches(parsePurl('pkg:deb/ubuntu/libssl1.1')!, target)).toBe(false);
    expect(parsePurl('libssl1.1')).toBeUndefined();
  });
});

if (!corpusPresent) {
  console.log(
    `scan-gate exception corpus tests skipped: ${CORPUS_SCANS} is absent (it lives beside the repository).`,
  );
}
const describeCorpus = corpusPresent ? describe : describe.skip;

/**
 * Real reports carry what the imported rules narrow by: an exception written
 * for one package at one place covers exactly the raw report's entries with
 * that id, purl (or name, version and type) and path, counted here from the
 * raw JSON, not from scan-gate's parsers.
 */
describeCorpus('imported rules on corpus reports', () => {
  type Raw = Record<string, any>;

  it('trivy/java-alpine-eosl-67-vulns.json: a .trivyignore.yaml entry with purls and paths', () => {
    const doc: Raw = JSON.parse(
      readFileSync(join(CORPUS_SCANS, 'trivy', 'java-alpine-eosl-67-vulns.json'), 'utf8'),
    );
    const raw = (doc.Results as Raw[]).flatMap((r) =>
      ((r.Vulnerabilities ?? []) as Raw[]).map((v): Raw => ({ target: r.Target, ...v })),
    );
    const pick = raw.find((v) => v.PkgPath && v.PkgIdentifier?.PURL);
    expect(pick).toBeDefined();
    const yaml = `vulnerabilities:\n  - id: ${pick!.VulnerabilityID}\n    paths: ["${pick!.PkgPath}"]\n    purls: ["${pick!.PkgIdentifier.PURL}"]\n    expired_at: 2099-01-01\n`;
    const { entries } = parseTrivyIgnoreYaml(yaml, context('.trivyignore.yaml'));
    const { findings } = parseTrivyReport(doc, 'java.json');
    const verdict = gate(findings, entries);
    const expected = raw.filter(
      (v) =>
        v.VulnerabilityID === pick!.VulnerabilityID &&
        v.PkgIdentifier?.PURL === pick!.PkgIdentifier.PURL &&
        (v.PkgPath === pick!.PkgPath || v.target === pick!.PkgPath),
    ).length;
    expect(expected).toBeGreaterThan(0);
    expect(verdict.evaluated.filter((e) => e.disposition === 'excepted')).toHaveLength(expected);
  });

  it('grype/defectdojo-many-vulns-327.json: a Grype rule with package name, version, type and location', () => {
    const doc: Raw = JSON.parse(
      readFileSync(join(CORPUS_SCANS, 'grype', 'defectdojo-many-vulns-327.json'), 'utf8'),
    );
    const matches = doc.matches as Raw[];
    const pick = matches.find((m) => m.artifact.locations?.[0]?.path);
    expect(pick).toBeDefined();
    const { artifact, vulnerability } = pick!;
    const yaml = [
      'ignore:',
      `  - vulnerability: ${vulnerability.id}`,
      '    package:',
      `      name: "${artifact.name}"`,
      `      version: "${artifact.version}"`,
      `      type: ${artifact.type}`,
      `      location: "${artifact.locations[0].path}"`,
      '',
    ].join('\n');
    const { entries } = parseGrypeIgnore(yaml, context('.grype.yaml'));
    const { findings } = parseGrypeReport(doc, 'grype.json');
    const verdict = gate(findings, entries);
    const expected = matches.filter(
      (m) =>
        m.vulnerability.id === vulnerability.id &&
        m.artifact.name === artifact.name &&
        m.artifact.version === artifact.version &&
        m.artifact.type === artifact.type &&
        (m.artifact.locations as Raw[]).some((l) => l.path === artifact.locations[0].path),
    ).length;
    expect(expected).toBeGreaterThan(0);
    expect(verdict.evaluated.filter((e) => e.disposition === 'excepted')).toHaveLength(expected);
  });
});
