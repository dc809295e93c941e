import type { ReusableWorkflowJob } from '@actions/workflow-parser/model/workflow-template';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { type ExpressionScope, evaluateToken, toPlain } from './expressions.js';
import type { LoadedWorkflow } from './github-parser.js';

/**
 * The called workflow's inputs: GitHub's library has already refused undeclared and missing
 * required inputs; here the values are typed as declared and defaults applied.
 */
export function callInputs(
  job: ReusableWorkflowJob,
  called: LoadedWorkflow,
  scope: ExpressionScope,
  path: string,
  defaultsScope: ExpressionScope,
): Record<string, unknown> {
  const definitions = called.template.events.workflow_call?.inputs ?? {};
  const given = job['input-values']
    ? (toPlain(evaluateToken(job['input-values'], scope)) as Record<string, unknown>)
    : {};
  const inputs: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    let value: unknown;
    if (name in given) value = given[name];
    else if (definition.default !== undefined) {
      const fallback = definition.default;
      value =
        typeof fallback === 'object' && fallback !== null
          ? toPlain(evaluateToken(fallback as TemplateToken, defaultsScope))
          : fallback;
    } else value = definition.type === 'boolean' ? false : definition.type === ('number' as string) ? 0 : '';
    const type = definition.type as string;
    const actual = value === null ? 'null' : typeof value;
    const expected = type === 'boolean' ? 'boolean' : type === 'number' ? 'number' : 'string';
    if (value === null) value = expected === 'boolean' ? false : expected === 'number' ? 0 : '';
    else if (actual !== expected) {
      throw new Error(
        `${path}: input ${name} is declared ${type} in ${called.source.path}, but the caller passes ${actual} ${JSON.stringify(value)}`,
      );
    }
    inputs[name] = value;
  }
  return inputs;
}
