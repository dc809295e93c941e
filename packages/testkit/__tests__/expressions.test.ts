import { data } from '@actions/expressions';
import { evaluateExpression, type StatusFunctions, toPlain, UnmodelledError } from '../src/expressions.js';

// Expected values from docs.github.com "Evaluate expressions in workflows and actions"
// (https://docs.github.com/en/actions/reference/workflows-and-actions/expressions): the
// harness hands expressions to GitHub's engine, these pin that the contexts and functions it
// supplies give the documented answers.
const contexts = {
  github: {
    event_name: 'push',
    ref: 'refs/heads/main',
    event: { issue: { labels: [{ name: 'bug' }, { name: 'help wanted' }] } },
  },
  fruits: [
    { name: 'apple', quantity: 1 },
    { name: 'orange', quantity: 2 },
    { name: 'pear', quantity: 1 },
  ],
  inputs: { service: 'web', empty: '' },
};

const evaluate = (expression: string, status?: StatusFunctions) =>
  toPlain(evaluateExpression(expression, { contexts, status }));

describe('GitHub expressions through the harness', () => {
  it.each([
    // "Literals"
    ['false', false],
    ['null', null],
    ['711', 711],
    ['-9.2', -9.2],
    ['0xff', 255],
    ['-2.99e-2', -0.0299],
    ["'Mona the Octocat'", 'Mona the Octocat'],
    ["'It''s open source!'", "It's open source!"],
    // "Operators": loose equality coerces to numbers; strings compare ignoring case
    ["'abc' == 'ABC'", true],
    ['null == 0', true],
    ["true == 1 && '' == 0", true],
    [
      "github.ref == 'refs/heads/main' && 'value_for_main_branch' || 'value_for_other_branches'",
      'value_for_main_branch',
    ],
    ["inputs.empty || 'fallback'", 'fallback'],
    // "Functions"
    ["contains('Hello world', 'llo')", true],
    ["contains(github.event.issue.labels.*.name, 'bug')", true],
    ['contains(fromJSON(\'["push", "pull_request"]\'), github.event_name)', true],
    ["startsWith('Hello world', 'He')", true],
    ["endsWith('Hello world', 'ld')", true],
    ["format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')", 'Hello Mona the Octocat'],
    ["format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat')", '{Hello Mona the Octocat!}'],
    ["join(github.event.issue.labels.*.name, ', ')", 'bug, help wanted'],
    ['fromJSON(\'{"a":[1,2]}\').a[1]', 2],
    // "Object filters"
    ['fruits.*.name', ['apple', 'orange', 'pear']],
  ])('%s → %j', (expression, expected) => {
    expect(evaluate(expression)).toEqual(expected);
  });

  it('toJSON pretty-prints as the docs show', () => {
    expect(evaluate('toJSON(fromJSON(\'{"a":1}\'))')).toBe('{\n  "a": 1\n}');
  });

  it('status check functions answer from the job state the runner supplies', () => {
    const failed: StatusFunctions = { success: () => false, failure: () => true, cancelled: () => false };
    const ok: StatusFunctions = { success: () => true, failure: () => false, cancelled: () => false };
    expect(evaluate('success()', ok)).toBe(true);
    expect(evaluate('failure()', ok)).toBe(false);
    expect(evaluate('always()', failed)).toBe(true);
    expect(evaluate('failure()', failed)).toBe(true);
    expect(evaluate('cancelled()', failed)).toBe(false);
    // "failure() && steps.demo.conclusion == 'failure'"-style conditions combine them.
    expect(evaluate("failure() && inputs.service == 'web'", failed)).toBe(true);
  });

  it('refuses what GitHub would refuse, and what the harness does not model', () => {
    // Status functions are allowed only where GitHub allows them (if:).
    expect(() => evaluate('success()')).toThrow(UnmodelledError);
    // hashFiles() needs the runner's file system: not modelled, so it fails instead of guessing.
    expect(() => evaluate("hashFiles('**/package-lock.json')")).toThrow(/hashFiles/i);
    // A context this place does not offer.
    expect(() => evaluate('secrets.TOKEN')).toThrow(/secrets/);
  });

  it('returns GitHub expression data, coerced to strings as the runner writes them', () => {
    const value = evaluateExpression('711', { contexts });
    expect(value).toBeInstanceOf(data.NumberData);
    expect(value.coerceString()).toBe('711');
    expect(evaluateExpression('true', { contexts }).coerceString()).toBe('true');
    expect(evaluateExpression('null', { contexts }).coerceString()).toBe('');
  });
});
