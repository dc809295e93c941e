/**
 * `${{ }}` evaluation with GitHub's own expression engine (`@actions/expressions`): the
 * workflow parser hands us template tokens (literals, mappings, sequences and
 * BasicExpressionTokens, where `a ${{ x }} b` is already rewritten to `format('a {0} b', x)`);
 * this module walks them and lets GitHub's Lexer/Parser/Evaluator do every operator,
 * comparison, coercion and built-in function. Only what the runner supplies is ours: the
 * context values and the status functions.
 */
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';
import {
  isBasicExpression,
  isBoolean,
  isMapping,
  isNumber,
  isSequence,
  isString,
} from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';

/** The job or step status the status functions read (docs: "Status check functions"). */
export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
}

export interface ExpressionScope {
  /** Context name → plain JSON value (github, inputs, vars, secrets, env, needs, steps, …). */
  contexts: Record<string, unknown>;
  /** Given only where GitHub allows status functions (`if:`). */
  status?: StatusFunctions;
}

/** A feature the harness does not model: the run fails with this, never passes around it. */
export class UnmodelledError extends Error {
  constructor(message: string) {
    super(`Not modelled by the workflow harness: ${message}`);
    this.name = 'UnmodelledError';
  }
}

export function toExpressionData(value: unknown): data.ExpressionData {
  if (value === undefined) return new data.Null();
  return JSON.parse(JSON.stringify(value), data.reviver) as data.ExpressionData;
}

export function toPlain(value: data.ExpressionData): unknown {
  return JSON.parse(JSON.stringify(value, data.replacer));
}

function statusFunctions(status: StatusFunctions): Map<string, FunctionDefinition> {
  const define = (name: string, call: () => boolean): [string, FunctionDefinition] => [
    name,
    { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(call()) },
  ];
  return new Map([
    define('success', () => status.success()),
    define('failure', () => status.failure()),
    define('cancelled', () => status.cancelled()),
    define('always', () => true),
  ]);
}

/** Evaluates one expression (without `${{ }}`) with GitHub's engine. */
export function evaluateExpression(expression: string, scope: ExpressionScope): data.ExpressionData {
  const functions = scope.status ? statusFunctions(scope.status) : new Map<string, FunctionDefinition>();
  const contextNames = Object.keys(scope.contexts);
  let tree: ReturnType<Parser['parse']>;
  try {
    const lexed = new Lexer(expression).lex();
    tree = new Parser(lexed.tokens, contextNames, [...functions.values()]).parse();
  } catch (error) {
    // An unknown function (hashFiles, …) or a context this place does not offer.
    throw new UnmodelledError(
      `expression \`${expression}\`: ${error instanceof Error ? error.message : String(error)}` +
        ` (contexts available here: ${contextNames.join(', ')})`,
    );
  }
  const dictionary = new data.Dictionary(
    ...Object.entries(scope.contexts).map(([key, value]) => ({ key, value: toExpressionData(value) })),
  );
  return new Evaluator(tree, dictionary, functions).evaluate();
}

/** Evaluates a template token (mapping, sequence, literal or expression) to expression data. */
export function evaluateToken(token: TemplateToken, scope: ExpressionScope): data.ExpressionData {
  if (isBasicExpression(token)) return evaluateExpression(token.expression, scope);
  if (isString(token)) return new data.StringData(token.value);
  if (isNumber(token)) return new data.NumberData(token.value);
  if (isBoolean(token)) return new data.BooleanData(token.value);
  if (isMapping(token)) {
    const result = new data.Dictionary();
    for (const pair of token) {
      result.add(evaluateToken(pair.key, scope).coerceString(), evaluateToken(pair.value, scope));
    }
    return result;
  }
  if (isSequence(token)) {
    const result = new data.Array();
    for (const item of token) result.add(evaluateToken(item, scope));
    return result;
  }
  if (token.isExpression) {
    throw new UnmodelledError(`the template expression ${String(token)} (e.g. \`\${{ insert }}\`)`);
  }
  return new data.Null();
}

/** A string the way the runner writes it into INPUT_* and env (GitHub's coercion). */
export function evaluateString(token: TemplateToken | undefined, scope: ExpressionScope): string {
  if (!token) return '';
  return evaluateToken(token, scope).coerceString();
}

/** Truthiness as GitHub defines it for `if:` (the engine's own `truthy`). */
export function evaluateCondition(token: TemplateToken, scope: ExpressionScope): boolean {
  return truthy(evaluateToken(token, scope));
}

/** A mapping of plain strings (env:, with:, outputs:). */
export function evaluateStringMap(
  token: TemplateToken | undefined,
  scope: ExpressionScope,
): Record<string, string> {
  const result: Record<string, string> = {};
  if (!token) return result;
  if (!isMapping(token)) {
    const value = evaluateToken(token, scope);
    if (value.kind !== data.Kind.Dictionary) throw new Error(`Expected a mapping, got ${String(token)}`);
    for (const pair of (value as data.Dictionary).pairs()) result[pair.key] = pair.value.coerceString();
    return result;
  }
  for (const pair of token) {
    result[evaluateToken(pair.key, scope).coerceString()] = evaluateString(pair.value, scope);
  }
  return result;
}
