/**
 * Which images an ECR lifecycle policy expires, evaluated as AWS documents it, so the policy in
 * docs/setup.md can be checked against a repository's history. Written from the documentation,
 * not from Berth's code:
 * - "Lifecycle policy evaluation rules" in "Automate the cleanup of images by using lifecycle
 *   policies in Amazon ECR", https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
 *   (all rules are evaluated together, then applied by priority; an image is expired by one rule
 *   or none; an image that matches the tagging requirements of a rule cannot be expired by a rule
 *   with a lower priority, and lower rules still count it; with `tagPrefixList` an image matches
 *   only if *all* of the prefixes match one of its tags; expiry goes oldest first by push time;
 *   `imageCountMoreThan` keeps the youngest N; `sinceImagePushed` expires those older than N days).
 * - "Lifecycle policy properties in Amazon ECR",
 *   https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
 *   (`tagPrefixList` and `tagPatternList`: "If you specify multiple tags, only the images with all
 *   specified tags are selected"; a pattern may hold `*` wildcards; `tagged` needs one of the two
 *   lists, `untagged` neither; `any` must be the last rule).
 */
export interface LifecycleImage {
  digest: string;
  tags: string[];
  pushedAt: Date;
}

export interface LifecycleRule {
  rulePriority: number;
  description?: string;
  selection: {
    tagStatus: 'tagged' | 'untagged' | 'any';
    tagPrefixList?: string[];
    tagPatternList?: string[];
    countType: 'imageCountMoreThan' | 'sinceImagePushed';
    countUnit?: 'days';
    countNumber: number;
  };
  action: { type: 'expire' };
}

/** The documented constraints on a policy's shape; each problem names the rule. */
export function policyProblems(rules: LifecycleRule[]): string[] {
  const problems: string[] = [];
  const priorities = rules.map((r) => r.rulePriority);
  if (new Set(priorities).size !== priorities.length) problems.push('rulePriority values must be unique');
  const maxPriority = Math.max(...priorities);
  for (const rule of rules) {
    const { tagStatus, tagPrefixList, tagPatternList, countType, countUnit, countNumber } = rule.selection;
    const at = `rule ${rule.rulePriority}`;
    const lists = [tagPrefixList, tagPatternList].filter((l) => l !== undefined);
    if (tagStatus === 'tagged' && lists.length !== 1)
      problems.push(`${at}: tagged needs tagPrefixList or tagPatternList`);
    if (tagStatus === 'untagged' && lists.length > 0) problems.push(`${at}: untagged takes no tag list`);
    if (tagStatus === 'any' && rule.rulePriority !== maxPriority)
      problems.push(`${at}: an any rule must come last`);
    if (!Number.isInteger(countNumber) || countNumber < 1)
      problems.push(`${at}: countNumber must be a positive integer`);
    if ((countType === 'sinceImagePushed') !== (countUnit === 'days'))
      problems.push(`${at}: countUnit days goes with sinceImagePushed only`);
    for (const pattern of tagPatternList ?? [])
      if ((pattern.match(/\*/g) ?? []).length > 4) problems.push(`${at}: at most four wildcards per pattern`);
  }
  if (rules.filter((r) => r.selection.tagStatus === 'untagged').length > 1)
    problems.push('only one rule may select untagged images');
  return problems;
}

function wildcard(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

/** Whether an image meets a rule's tagging requirements. */
export function matchesTagging(rule: LifecycleRule, image: LifecycleImage): boolean {
  const { tagStatus, tagPrefixList, tagPatternList } = rule.selection;
  if (tagStatus === 'any') return true;
  if (tagStatus === 'untagged') return image.tags.length === 0;
  if (image.tags.length === 0) return false;
  if (tagPrefixList) return tagPrefixList.every((prefix) => image.tags.some((tag) => tag.startsWith(prefix)));
  if (tagPatternList)
    return tagPatternList.every((pattern) => image.tags.some((tag) => wildcard(pattern).test(tag)));
  return false;
}

/** The digests the policy expires, with the priority of the rule that expires each. */
export function expiredImages(
  rules: LifecycleRule[],
  images: LifecycleImage[],
  now: Date,
): Map<string, number> {
  const byPriority = [...rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const expired = new Map<string, number>();
  const matchedAbove = new Set<string>();
  for (const rule of byPriority) {
    const matching = images
      .filter((image) => matchesTagging(rule, image))
      .sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime());
    const { countType, countNumber } = rule.selection;
    const selected =
      countType === 'imageCountMoreThan'
        ? matching.slice(countNumber)
        : matching.filter((image) => now.getTime() - image.pushedAt.getTime() > countNumber * 86_400_000);
    for (const image of selected) {
      if (!matchedAbove.has(image.digest) && !expired.has(image.digest))
        expired.set(image.digest, rule.rulePriority);
    }
    for (const image of matching) matchedAbove.add(image.digest);
  }
  return expired;
}
