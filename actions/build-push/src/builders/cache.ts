/**
 * `cache-from`/`cache-to` entries in buildx's syntax (`type=registry,ref=…,mode=max`,
 * or a bare image reference for `type=registry`), checked when the inputs are
 * read and turned into each builder's flags.
 *
 * ECR stores a BuildKit registry cache only as an OCI image manifest:
 * `image-manifest=true,oci-mediatypes=true` on `--cache-to` (AWS, "Announcing
 * remote cache support in Amazon ECR for BuildKit clients",
 * https://aws.amazon.com/blogs/containers/announcing-remote-cache-support-in-amazon-ecr-for-buildkit-clients/;
 * Docker, "Registry cache", https://docs.docker.com/build/cache/backends/registry/).
 * buildah's `--cache-from`/`--cache-to` take a repository, nothing else
 * (buildah-build(1)): it keeps cache images there under content-hash tags.
 */
import { parseEcrRegistry } from '@berth/shared/ecr-image';
import { ConfigurationError } from '@berth/shared/errors';
import { splitCsv } from '../metadata-tags.js';

/** Cache backends buildx knows (https://docs.docker.com/build/cache/backends/). */
export const CACHE_TYPES = ['registry', 'local', 'inline', 'gha', 's3', 'azblob'] as const;

export interface CacheEntry {
  type: string;
  attrs: ReadonlyMap<string, string>;
  /** The entry as written, passed to buildx unchanged (attributes may be added). */
  text: string;
}

/** One entry per line; a line without `=` is a registry reference (`--cache-from user/app:cache`). */
export function parseCacheEntries(input: 'cache-from' | 'cache-to', lines: readonly string[]): CacheEntry[] {
  return lines.map((line) => {
    if (!line.includes('=')) {
      return { type: 'registry', attrs: new Map([['ref', line]]), text: `type=registry,ref=${line}` };
    }
    const attrs = new Map<string, string>();
    for (const field of splitCsv(line)) {
      const eq = field.indexOf('=');
      if (eq <= 0) {
        throw new ConfigurationError(
          `Input \`${input}\`: ${JSON.stringify(line)} has ${JSON.stringify(field)}, which is not \`key=value\`. Write e.g. \`type=registry,ref=<registry>/<repository>:buildcache\`.`,
        );
      }
      attrs.set(field.slice(0, eq).trim().toLowerCase(), field.slice(eq + 1).trim());
    }
    const type = attrs.get('type');
    if (!type || !(CACHE_TYPES as readonly string[]).includes(type)) {
      throw new ConfigurationError(
        `Input \`${input}\`: ${JSON.stringify(line)} needs a \`type\` among ${CACHE_TYPES.join(', ')}, e.g. \`type=registry,ref=<registry>/<repository>:buildcache\`.`,
      );
    }
    if (type === 'registry' && !attrs.get('ref')) {
      throw new ConfigurationError(
        `Input \`${input}\`: ${JSON.stringify(line)} is a registry cache without \`ref\`. Add \`ref=<registry>/<repository>:buildcache\`.`,
      );
    }
    return { type, attrs, text: line };
  });
}

const hostOf = (ref: string) => ref.split('/')[0];

/**
 * buildx `--cache-to` entries, with `image-manifest=true,oci-mediatypes=true`
 * added to a registry cache in ECR (an ECR host, or the registry this build
 * pushes to) that does not say them; one that sets either to `false` fails.
 */
export function buildxCacheTo(entries: readonly CacheEntry[], imageRegistry: string): string[] {
  return entries.map((entry) => {
    const ref = entry.attrs.get('ref') ?? '';
    const inEcr = parseEcrRegistry(hostOf(ref)) !== undefined || hostOf(ref) === imageRegistry;
    if (entry.type !== 'registry' || !inEcr) return entry.text;
    let text = entry.text;
    for (const attr of ['image-manifest', 'oci-mediatypes']) {
      const value = entry.attrs.get(attr);
      if (value === 'false') {
        throw new ConfigurationError(
          `Input \`cache-to\`: ${JSON.stringify(entry.text)} sets \`${attr}=false\`, but Amazon ECR stores a BuildKit cache only as an OCI image manifest. Remove it (Berth adds \`image-manifest=true,oci-mediatypes=true\`).`,
        );
      }
      if (value === undefined) text += `,${attr}=true`;
    }
    return text;
  });
}

/** The repository part of a registry cache reference for buildah, which tags cache images itself. */
export function buildahCacheRepository(
  input: 'cache-from' | 'cache-to',
  entry: CacheEntry,
  tool: string,
): string {
  if (entry.type !== 'registry') {
    throw new ConfigurationError(
      `Input \`${input}\`: \`type=${entry.type}\` needs docker buildx; ${tool} can only use a registry repository as its cache. ` +
        `Use \`type=registry,ref=<registry>/<repository>\` (or \`builder: docker\` where a Docker daemon runs).`,
    );
  }
  const ref = entry.attrs.get('ref') ?? '';
  if (ref.includes('@')) {
    throw new ConfigurationError(
      `Input \`${input}\`: ${tool} cannot use the digest reference ${JSON.stringify(ref)} as a cache; name a repository, e.g. \`type=registry,ref=<registry>/<repository>\`.`,
    );
  }
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(0, colon) : ref;
}
