import { type AwsInputs, readAwsInputs } from '@berth/shared/aws';
import { ConfigurationError } from '@berth/shared/errors';
import type { InputReader } from '@berth/shared/inputs';

/** Every input of action.yml, parsed and validated; keys are the camel-cased input names. */
export interface Inputs extends AwsInputs {
  roleToAssume: string;
  allowedAccountIds: string[];
  exportCredentials: boolean;
}

/** The only reader of this action's inputs; throws a ConfigurationError on the first bad value. */
export function getInputs(reader: InputReader): Inputs {
  const roleToAssume = reader.required(
    'role-to-assume',
    'set it to the ARN of the IAM role to assume, e.g. `role-to-assume: arn:aws:iam::123456789012:role/github-deploy`.',
  );
  return {
    ...readAwsInputs(reader),
    roleToAssume,
    allowedAccountIds: parseAccountIds(reader.list('allowed-account-ids')),
    exportCredentials: reader.boolean('export-credentials', true),
  };
}

/** Checks that each entry of `allowed-account-ids` is a 12-digit account ID; duplicates are dropped. */
export function parseAccountIds(entries: string[]): string[] {
  const invalid = entries.filter((entry) => !/^\d{12}$/.test(entry));
  if (invalid.length > 0) {
    throw new ConfigurationError(
      `Input \`allowed-account-ids\` must list 12-digit AWS account IDs, got ${invalid.map((entry) => JSON.stringify(entry)).join(', ')}. ` +
        'Quote IDs in YAML so leading zeros survive, e.g. `allowed-account-ids: "012345678901, 123456789012"`.',
    );
  }
  return [...new Set(entries)];
}
