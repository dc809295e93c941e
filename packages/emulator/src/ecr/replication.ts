/**
 * ECR private image replication, as the registry settings describe it:
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html and
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-settings-configure.html.
 * The configuration is per registry (per region); an image pushed after it is configured is
 * copied to every destination its repository matches (images pushed before are not: that is
 * what a backfill is for, https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html);
 * the destination repository is created when it does not exist. Pure rules here; the ECR
 * module keeps the per-image statuses and the server's region router delivers the copies.
 */
import { AwsError, type ScenarioReplication } from '../world.js';

export interface ReplicationDestination {
  region: string;
  registryId: string;
}

export type ReplicationConfiguration = Pick<ScenarioReplication, 'rules'>;

/** One image's copy to one destination (DescribeImageReplicationStatus's `replicationStatuses[]`). */
export interface ReplicationStatus extends ReplicationDestination {
  status: 'IN_PROGRESS' | 'COMPLETE' | 'FAILED';
  failureCode?: string;
  /** Emulated epoch ms at which the copy arrives (or fails). */
  dueAt: number;
}

/** What the destination registry receives. */
export interface Replica {
  repositoryName: string;
  manifest: string;
  mediaType: string;
  tags: string[];
}

/** Default emulated seconds a copy takes (AWS documents no figure; most copies land within minutes). */
export const DEFAULT_REPLICATION_SECONDS = 60;

const REGION = /^[0-9a-z-]{2,25}$/;
const REGISTRY_ID = /^[0-9]{12}$/;
// API_RepositoryFilter: filter pattern, PREFIX_MATCH the only type.
const FILTER = /^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*\/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$/;

const invalid = (message: string) => new AwsError('InvalidParameterException', message);

/**
 * Checks a PutReplicationConfiguration input against the API's constraints
 * (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutReplicationConfiguration.html,
 * API_ReplicationConfiguration: at most 10 rules; API_ReplicationRule: at most 100 destinations,
 * 1–100 repository filters; API_ReplicationDestination; API_RepositoryFilter). A rule naming
 * its own registry (same region and account) cannot replicate anywhere.
 */
export function checkReplicationConfiguration(
  input: unknown,
  source: ReplicationDestination,
): ReplicationConfiguration {
  const rules = (input as { rules?: unknown })?.rules;
  if (!Array.isArray(rules)) {
    throw invalid(
      "Invalid parameter at 'replicationConfiguration.rules' failed to satisfy constraint: 'must not be null'",
    );
  }
  if (rules.length > 10) {
    throw invalid(
      "Invalid parameter at 'replicationConfiguration.rules' failed to satisfy constraint: 'Member must have length less than or equal to 10'",
    );
  }
  return {
    rules: rules.map((rule, index) => {
      const at = `replicationConfiguration.rules.${index + 1}`;
      const destinations = (rule as { destinations?: unknown })?.destinations;
      if (!Array.isArray(destinations) || destinations.length > 100) {
        throw invalid(
          `Invalid parameter at '${at}.destinations' failed to satisfy constraint: 'Member must have length less than or equal to 100'`,
        );
      }
      for (const destination of destinations) {
        if (!REGION.test(String(destination?.region)) || !REGISTRY_ID.test(String(destination?.registryId))) {
          throw invalid(
            `Invalid parameter at '${at}.destinations': region must match [0-9a-z-]{2,25} and registryId [0-9]{12}`,
          );
        }
        if (destination.region === source.region && destination.registryId === source.registryId) {
          throw invalid(
            `Invalid parameter at '${at}.destinations': a registry cannot replicate to itself (${source.region})`,
          );
        }
      }
      const filters = (rule as { repositoryFilters?: unknown }).repositoryFilters;
      if (filters !== undefined) {
        if (!Array.isArray(filters) || filters.length < 1 || filters.length > 100) {
          throw invalid(
            `Invalid parameter at '${at}.repositoryFilters' failed to satisfy constraint: 'Member must have length between 1 and 100'`,
          );
        }
        for (const filter of filters) {
          if (
            filter?.filterType !== 'PREFIX_MATCH' ||
            typeof filter.filter !== 'string' ||
            !FILTER.test(filter.filter) ||
            filter.filter.length < 2
          ) {
            throw invalid(
              `Invalid parameter at '${at}.repositoryFilters': filterType must be PREFIX_MATCH and filter a repository name prefix`,
            );
          }
        }
      }
      return {
        destinations: destinations.map(({ region, registryId }) => ({ region, registryId })),
        ...(filters
          ? { repositoryFilters: filters.map(({ filter, filterType }) => ({ filter, filterType })) }
          : {}),
      };
    }),
  };
}

/**
 * The destinations a push to `repositoryName` is copied to: every rule whose filters match
 * (a rule without filters matches every repository), each destination once.
 */
export function destinationsFor(
  configuration: ReplicationConfiguration | undefined,
  repositoryName: string,
): ReplicationDestination[] {
  const found = new Map<string, ReplicationDestination>();
  for (const rule of configuration?.rules ?? []) {
    const matches =
      !rule.repositoryFilters ||
      rule.repositoryFilters.some((filter) => repositoryName.startsWith(filter.filter));
    if (!matches) continue;
    for (const destination of rule.destinations) {
      found.set(`${destination.registryId}/${destination.region}`, destination);
    }
  }
  return [...found.values()];
}
