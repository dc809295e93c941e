/** Reading the parser's raw token tree, where the converted WorkflowTemplate drops a key. */
import { isMapping } from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';

export function mappingGet(token: TemplateToken | undefined, key: string): TemplateToken | undefined {
  if (!token || !isMapping(token)) return undefined;
  for (const pair of token) if (String(pair.key) === key) return pair.value;
  return undefined;
}

export function mappingKeys(token: TemplateToken | undefined): string[] {
  if (!token || !isMapping(token)) return [];
  return [...token].map((pair) => String(pair.key));
}

export function sequenceItems(token: TemplateToken | undefined): TemplateToken[] {
  if (!token) return [];
  return [...(token as unknown as Iterable<TemplateToken>)];
}
