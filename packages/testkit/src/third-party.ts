/**
 * The third-party actions Berth's workflows use. None of their code runs here: checkout is
 * done by the harness (it copies a fixture tree or Berth's own), and the uploads are
 * stand-ins that record what they were given. Each checks the step's `with:` against the
 * real action.yml vendored at the exact commit the workflow pins (vendor/README.md), so a
 * misspelt or removed input fails the run, and a pin the harness has not vendored fails it too.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActionTemplate } from '@actions/workflow-parser/actions/index';
import { loadActionMetadata } from './github-parser.js';

const VENDOR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'vendor');

export type ThirdPartyKind = 'checkout' | 'upload-artifact' | 'upload-sarif';

interface Vendored {
  kind: ThirdPartyKind;
  sha: string;
  version: string;
  file: string;
}

const VENDORED: Record<string, Vendored> = {
  'actions/checkout': {
    kind: 'checkout',
    sha: '11bd71901bbe5b1630ceea73d27597364c9af683',
    version: 'v4.2.2',
    file: 'actions/checkout/action.yml',
  },
  'actions/upload-artifact': {
    kind: 'upload-artifact',
    sha: 'ea165f8d65b6e75b540449e92b4886f43607fa02',
    version: 'v4.6.2',
    file: 'actions/upload-artifact/action.yml',
  },
  'github/codeql-action/upload-sarif': {
    kind: 'upload-sarif',
    sha: '5d4e8d1aca955e8d8589aabd499c5cae939e33c7',
    version: 'v4.31.9',
    file: 'github/codeql-action/upload-sarif/action.yml',
  },
};

const metadata = new Map<string, ActionTemplate>();

/** The vendored action for a `uses:` value, or undefined when it is not a known third-party action. */
export function thirdPartyAction(
  uses: string,
): { kind: ThirdPartyKind; metadata: ActionTemplate } | undefined {
  const at = uses.lastIndexOf('@');
  if (at < 0) return undefined;
  const name = uses.slice(0, at);
  const ref = uses.slice(at + 1);
  const vendored = VENDORED[name];
  if (!vendored) return undefined;
  if (ref !== vendored.sha) {
    throw new Error(
      `${uses}: the harness vendors ${name} only at ${vendored.sha} (${vendored.version}); ` +
        'vendor the action.yml of the new pin under packages/testkit/vendor and update third-party.ts',
    );
  }
  const file = join(VENDOR, vendored.file);
  if (!metadata.has(file)) metadata.set(file, loadActionMetadata(file));
  return { kind: vendored.kind, metadata: metadata.get(file) as ActionTemplate };
}
