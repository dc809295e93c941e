import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusFolder } from '@berth/testkit/corpus.js';
import type { AllowlistEntry } from '../src/allowlist.js';
import type { Finding } from '../src/normalise.js';
import type { Policy } from '../src/policy.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The shared real-world corpus beside the repository (absent in a user's clone). */
const scans = corpusFolder('scans');
export const CORPUS_SCANS = scans.dir;
/** False in a user's clone; corpusFolder() has then printed a notice, and corpus tests skip. */
export const corpusPresent = scans.present;

export function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    })
    .sort();
}

/** A finding with defaults; tests set only what they are about. */
export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'CVE-2024-0001',
    severity: 'HIGH',
    package: 'openssl',
    installedVersion: '3.0.1',
    fixedVersion: '3.0.2',
    fixState: 'fixed',
    title: 'A vulnerability',
    url: 'https://nvd.nist.gov/vuln/detail/CVE-2024-0001',
    source: 'trivy',
    image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v1@sha256:' + 'a'.repeat(64),
    origins: ['trivy.json'],
    ...overrides,
  };
}

export function entry(overrides: Partial<AllowlistEntry> = {}): AllowlistEntry {
  return {
    id: 'CVE-2024-0001',
    reason: 'not reachable',
    expires: '2099-12-31',
    file: 'allowlist.yml',
    line: 2,
    ...overrides,
  };
}

/** 2026-01-15T12:00:00Z */
export const NOW = Date.UTC(2026, 0, 15, 12);

/** The default policy (`fail-on: high`, no budgets, no allowlist) with overrides. */
export function policy(overrides: Partial<Policy> = {}): Policy {
  return { failOn: 'high', maxFindings: {}, ignoreUnfixed: false, allowlist: [], ...overrides };
}
