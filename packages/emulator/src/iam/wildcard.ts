/**
 * IAM wildcard matching: `*` matches any run of characters (also none), `?`
 * exactly one, everything else literally. Used for Action (case-insensitive),
 * Resource and the String/Arn `…Like` condition operators (case-sensitive).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
 */
const cache = new Map<string, RegExp>();

function compile(pattern: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = cache.get(key);
  if (!regex) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    regex = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    cache.set(key, regex);
  }
  return regex;
}

export function wildcardMatch(pattern: string, text: string, ignoreCase = false): boolean {
  return compile(pattern, ignoreCase).test(text);
}
