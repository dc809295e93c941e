/**
 * Package URLs (https://github.com/package-url/purl-spec, "purl"):
 * `pkg:type/namespace/name@version?qualifiers#subpath`. Trivy's
 * `.trivyignore.yaml` (`purls`) and OpenVEX (product and subcomponent ids)
 * name packages this way; scan-gate compares them with the finding's own purl
 * when the scanner reported one, else with its package name and version.
 */
import type { Finding } from './normalise.js';

export interface Purl {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers: Record<string, string>;
}

const decode = (part: string): string => {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
};

/** Parses a purl as the spec's "how to parse" section says; undefined when it is not one. */
export function parsePurl(text: string): Purl | undefined {
  let rest = text.trim();
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const qualifiers: Record<string, string> = {};
  const question = rest.indexOf('?');
  if (question >= 0) {
    for (const pair of rest.slice(question + 1).split('&')) {
      const eq = pair.indexOf('=');
      if (eq > 0) qualifiers[pair.slice(0, eq).toLowerCase()] = decode(pair.slice(eq + 1));
    }
    rest = rest.slice(0, question);
  }
  if (!/^pkg:/i.test(rest)) return undefined;
  rest = rest.slice(4).replace(/^\/+/, '').replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const type = rest.slice(0, slash).toLowerCase();
  rest = rest.slice(slash + 1);
  let version: string | undefined;
  const at = rest.lastIndexOf('@');
  // An `@` in the first segment is an npm scope (`%40babel` is the spelling the spec asks for, but `@babel` is common).
  if (at > rest.lastIndexOf('/')) {
    version = decode(rest.slice(at + 1)) || undefined;
    rest = rest.slice(0, at);
  }
  const segments = rest.split('/').filter(Boolean).map(decode);
  const name = segments.pop();
  if (!name) return undefined;
  return {
    type,
    namespace: segments.length > 0 ? segments.join('/') : undefined,
    name,
    version,
    qualifiers,
  };
}

/**
 * Whether `pattern` names `target`: the same type, namespace and name; the
 * pattern's version and qualifiers, where it has them, equal the target's
 * (a purl without a version names every version).
 */
export function purlMatches(pattern: Purl, target: Purl): boolean {
  if (pattern.type !== target.type || pattern.name !== target.name) return false;
  if ((pattern.namespace ?? '') !== (target.namespace ?? '')) return false;
  if (pattern.version !== undefined && pattern.version !== target.version) return false;
  return Object.entries(pattern.qualifiers).every(([key, value]) => target.qualifiers[key] === value);
}

/**
 * Whether a purl names a finding's package: by the finding's purl when the
 * scanner gave one; otherwise by name (alone, or joined to its namespace as
 * Go modules, npm scopes and Maven groups spell package names) and version.
 */
export function purlNamesFinding(
  pattern: Purl,
  finding: Pick<Finding, 'purl' | 'package' | 'installedVersion'>,
): boolean {
  const own = finding.purl ? parsePurl(finding.purl) : undefined;
  if (own) return purlMatches(pattern, own);
  const names = [pattern.name];
  if (pattern.namespace)
    names.push(`${pattern.namespace}/${pattern.name}`, `${pattern.namespace}:${pattern.name}`);
  if (!names.includes(finding.package)) return false;
  return pattern.version === undefined || pattern.version === finding.installedVersion;
}
