/**
 * IAM condition operators over a request context, as the IAM User Guide defines them:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 *
 * - Several operators in one Condition block, and several keys under one operator, must all match (AND);
 *   several values for one key match when any of them does (OR).
 * - A key absent from the request context makes a condition false, except for the negated
 *   operators (`StringNotEquals`, `ArnNotLike`, …) where it is true, `…IfExists` where it is
 *   true, `Null` which tests exactly that, and `ForAllValues:` which is true for an absent key.
 * - Condition key names are case-insensitive; values are compared per operator.
 */
import { wildcardMatch } from './wildcard.js';

/** Request context: condition key → value(s). Multivalued keys (aws:TagKeys) are arrays. */
export type ContextValue = string | string[];
export type RequestContextKeys = Record<string, ContextValue>;

type Comparator = (requestValue: string, policyValue: string) => boolean;

interface OperatorSpec {
  compare: Comparator;
  /** Negated operators: true when no policy value matches. */
  negated: boolean;
}

const numeric =
  (test: (a: number, b: number) => boolean): Comparator =>
  (a, b) => {
    const x = Number(a);
    const y = Number(b);
    return !Number.isNaN(x) && !Number.isNaN(y) && test(x, y);
  };
const date =
  (test: (a: number, b: number) => boolean): Comparator =>
  (a, b) => {
    const parse = (text: string) => (/^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text));
    const x = parse(a);
    const y = parse(b);
    return !Number.isNaN(x) && !Number.isNaN(y) && test(x, y);
  };

const OPERATORS: Record<string, OperatorSpec> = {
  stringequals: { compare: (a, b) => a === b, negated: false },
  stringnotequals: { compare: (a, b) => a === b, negated: true },
  stringequalsignorecase: { compare: (a, b) => a.toLowerCase() === b.toLowerCase(), negated: false },
  stringnotequalsignorecase: { compare: (a, b) => a.toLowerCase() === b.toLowerCase(), negated: true },
  stringlike: { compare: (a, b) => wildcardMatch(b, a), negated: false },
  stringnotlike: { compare: (a, b) => wildcardMatch(b, a), negated: true },
  // "ArnEquals and ArnLike behave identically": both take wildcards (the operators page, ARN condition operators).
  arnequals: { compare: (a, b) => wildcardMatch(b, a), negated: false },
  arnlike: { compare: (a, b) => wildcardMatch(b, a), negated: false },
  arnnotequals: { compare: (a, b) => wildcardMatch(b, a), negated: true },
  arnnotlike: { compare: (a, b) => wildcardMatch(b, a), negated: true },
  bool: { compare: (a, b) => a.toLowerCase() === b.toLowerCase(), negated: false },
  numericequals: { compare: numeric((a, b) => a === b), negated: false },
  numericnotequals: { compare: numeric((a, b) => a === b), negated: true },
  numericlessthan: { compare: numeric((a, b) => a < b), negated: false },
  numericlessthanequals: { compare: numeric((a, b) => a <= b), negated: false },
  numericgreaterthan: { compare: numeric((a, b) => a > b), negated: false },
  numericgreaterthanequals: { compare: numeric((a, b) => a >= b), negated: false },
  dateequals: { compare: date((a, b) => a === b), negated: false },
  datenotequals: { compare: date((a, b) => a === b), negated: true },
  datelessthan: { compare: date((a, b) => a < b), negated: false },
  datelessthanequals: { compare: date((a, b) => a <= b), negated: false },
  dategreaterthan: { compare: date((a, b) => a > b), negated: false },
  dategreaterthanequals: { compare: date((a, b) => a >= b), negated: false },
};

export class PolicyError extends Error {}

function lookup(context: RequestContextKeys, key: string): string[] | undefined {
  const lower = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) {
    if (name.toLowerCase() === lower) return Array.isArray(value) ? value : [value];
  }
  return undefined;
}

const asList = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).map((item) => (typeof item === 'string' ? item : String(item)));

/** One request value against the policy values, with the operator's polarity. */
function single(spec: OperatorSpec, requestValue: string, policyValues: string[]): boolean {
  const any = policyValues.some((policyValue) => spec.compare(requestValue, policyValue));
  return spec.negated ? !any : any;
}

/** Evaluates one `"Operator": { "key": values }` entry. */
export function evaluateCondition(
  operatorName: string,
  key: string,
  policyValue: unknown,
  context: RequestContextKeys,
): boolean {
  let name = operatorName;
  let set: 'any' | 'all' | undefined;
  const prefix = /^(ForAnyValue|ForAllValues):/i.exec(name);
  if (prefix) {
    set = prefix[1].toLowerCase() === 'foranyvalue' ? 'any' : 'all';
    name = name.slice(prefix[0].length);
  }
  const ifExists = /IfExists$/i.test(name);
  if (ifExists) name = name.slice(0, -'IfExists'.length);
  const values = asList(policyValue);
  const requestValues = lookup(context, key);

  if (name.toLowerCase() === 'null') {
    // "Null": true means the key must be absent, false that it must be present.
    const wantsAbsent = values.some((value) => value.toLowerCase() === 'true');
    return wantsAbsent ? requestValues === undefined : requestValues !== undefined;
  }
  const spec = OPERATORS[name.toLowerCase()];
  if (!spec) throw new PolicyError(`Unknown condition operator ${operatorName}`);

  if (requestValues === undefined || (set && requestValues.length === 0)) {
    if (ifExists) return true;
    if (set === 'all') return true;
    if (set === 'any') return false;
    return spec.negated;
  }
  if (set === 'all') return requestValues.every((value) => single(spec, value, values));
  if (set === 'any') return requestValues.some((value) => single(spec, value, values));
  // A single-valued operator on a multivalued key: any value satisfies a positive operator, a negated one needs all.
  return spec.negated
    ? requestValues.every((value) => single(spec, value, values))
    : requestValues.some((value) => single(spec, value, values));
}

/** Every operator and every key of a Condition block must match. */
export function evaluateConditionBlock(
  block: Record<string, Record<string, unknown>> | undefined,
  context: RequestContextKeys,
): boolean {
  if (!block) return true;
  for (const [operator, keys] of Object.entries(block)) {
    for (const [key, values] of Object.entries(keys ?? {})) {
      if (!evaluateCondition(operator, key, values, context)) return false;
    }
  }
  return true;
}
