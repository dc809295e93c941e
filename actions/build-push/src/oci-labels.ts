/**
 * The standard OCI annotations every Berth image carries, so an image found in
 * a registry says where it came from. The user's `labels` win over ours.
 */
export const OCI = {
  title: 'org.opencontainers.image.title',
  description: 'org.opencontainers.image.description',
  url: 'org.opencontainers.image.url',
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  created: 'org.opencontainers.image.created',
  version: 'org.opencontainers.image.version',
  licenses: 'org.opencontainers.image.licenses',
} as const;

export interface OciLabelContext {
  repositoryUrl?: string;
  /** Repository name (GITHUB_REPOSITORY without the owner, or the payload's). */
  title?: string;
  description?: string;
  licenses?: string;
  sha?: string;
  now: Date;
  /** The resolved `{version}` when there is one, else the first tag. */
  version?: string;
}

/** Standard labels (only those with a value) followed by the user's labels, which override them. */
export function imageLabels(
  context: OciLabelContext,
  userLabels: ReadonlyMap<string, string>,
): Map<string, string> {
  const labels = new Map<string, string>();
  // The keys metadata-action fills from the repository (its README, "labels" output), when known.
  const standard: Array<[string, string | undefined]> = [
    [OCI.title, context.title],
    [OCI.description, context.description],
    [OCI.url, context.repositoryUrl],
    [OCI.source, context.repositoryUrl],
    [OCI.revision, context.sha],
    [OCI.created, context.now.toISOString()],
    [OCI.version, context.version],
    [OCI.licenses, context.licenses],
  ];
  for (const [key, value] of standard) {
    if (value && !userLabels.has(key)) labels.set(key, value);
  }
  for (const [key, value] of userLabels) labels.set(key, value);
  return labels;
}
