/**
 * Sessions for tests and the demo: credentials of a role as the emulator's STS
 * would issue them, without an OIDC round trip; and what the authoriser may
 * ask the emulator's state.
 */
import type { CredentialStore } from '../identity.js';
import { stableUniqueId } from '../identity.js';
import type { World } from '../world.js';
import type { ResourceLookup } from './request-context.js';

export interface SessionGrant {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  arn: string;
  expiration: string;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;

export function issueSession(
  credentials: CredentialStore,
  world: World,
  roleArn: string,
  sessionName = 'berth-test',
  durationSeconds = 3600,
): SessionGrant {
  const role = ROLE_ARN.exec(roleArn);
  if (!role)
    throw new Error(`iam.session: ${roleArn} is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)`);
  const [, partition, account, name] = role;
  const issued = credentials.issue({
    expiration: world.clock.now() + durationSeconds * 1000,
    arn: `arn:${partition}:sts::${account}:assumed-role/${name}/${sessionName}`,
    assumedRoleId: `${stableUniqueId('AROA', roleArn)}:${sessionName}`,
    accountId: account,
    roleArn,
    sessionName,
  });
  return {
    accessKeyId: issued.accessKeyId,
    secretAccessKey: issued.secretAccessKey,
    sessionToken: issued.sessionToken,
    arn: issued.arn,
    expiration: new Date(issued.expiration).toISOString(),
  };
}

interface EngineView {
  taskDefinitions?: {
    find(reference: string): { arn: string } | undefined;
    all(): Array<{ family: string }>;
  };
}

export function engineLookup(world: World, engine: EngineView | undefined): ResourceLookup {
  return {
    taskDefinitionArn: (reference) => engine?.taskDefinitions?.find(reference)?.arn,
    nextTaskDefinitionRevision: (family) =>
      (engine?.taskDefinitions?.all().filter((td) => td.family === family).length ?? 0) + 1,
    repositoryScanType: (name) => world.scenario.repositories?.find((r) => r.name === name)?.scanType,
  };
}
