import { expandMatrix } from '../src/matrix.js';
import { checkWithinCap, readPermissions, restrictedDefault } from '../src/permissions.js';
import { globToRegExp } from '../src/triggers.js';
import { applyMasks, parseCommandFile, scanWorkflowCommands } from '../src/workflow-commands.js';

describe('workflow commands (docs.github.com "Workflow commands for GitHub Actions")', () => {
  it('reads annotations with their properties and escapes, masks, and hides debug lines', () => {
    const scan = scanWorkflowCommands(
      [
        '::warning file=app.js,line=1,col=5,endColumn=7::Missing semicolon',
        '::error title=A%3A b%2C c::line one%0Aline two %25',
        '::add-mask::hunter2',
        '::debug::only in debug logs',
        '::group::My title',
        'inside',
        '::endgroup::',
        'plain output',
      ].join('\n'),
    );
    expect(scan.annotations).toEqual([
      {
        level: 'warning',
        message: 'Missing semicolon',
        properties: { file: 'app.js', line: '1', col: '5', endColumn: '7' },
      },
      { level: 'error', message: 'line one\nline two %', properties: { title: 'A: b, c' } },
    ]);
    expect(scan.masks).toEqual(['hunter2']);
    expect(scan.lines).toEqual([
      'WARNING: Missing semicolon',
      'ERROR: line one\nline two %',
      '▸ My title',
      'inside',
      'plain output',
    ]);
    expect(scan.refused).toEqual([]);
  });

  it('refuses the commands GitHub disabled or replaced by files', () => {
    expect(
      scanWorkflowCommands('::set-output name=a::b\n::set-env name=A::b\n::save-state name=s::v').refused,
    ).toEqual(['set-output', 'set-env', 'save-state']);
  });

  it('parses GITHUB_OUTPUT / GITHUB_ENV files, heredocs included, and rejects a malformed line', () => {
    expect(parseCommandFile('a=1\nJSON<<EOF\n{\n  "x": 1\n}\nEOF\nempty=\n', 'GITHUB_OUTPUT')).toEqual({
      a: '1',
      JSON: '{\n  "x": 1\n}',
      empty: '',
    });
    expect(() => parseCommandFile('no equals sign', 'GITHUB_ENV')).toThrow(/invalid format/);
    expect(() => parseCommandFile('A<<EOF\nnever closed', 'GITHUB_ENV')).toThrow(
      /matching delimiter not found/,
    );
  });

  it('masks longest first', () => {
    expect(applyMasks('token abc and abcdef', ['abc', 'abcdef'])).toBe('token *** and ***');
  });
});

describe('branch filters (docs.github.com "Filter pattern cheat sheet")', () => {
  it.each([
    ['feature/*', 'feature/my-branch', true],
    ['feature/*', 'feature/your-branch/x', false],
    ['feature/**', 'feature/beta-a/my-branch', true],
    ['main', 'main', true],
    ['main', 'mainline', false],
    ['*', 'main', true],
    ['*', 'releases/v1', false],
    ['**', 'releases/v1', true],
    ['v2*', 'v2.9', true],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(globToRegExp(pattern).test(name)).toBe(expected);
  });
});

describe('matrix expansion (docs.github.com "Running variations of jobs in a workflow")', () => {
  it('applies the documented include example', () => {
    // The docs' example: fruit × animal, then includes that extend or add combinations.
    expect(
      expandMatrix({
        fruit: ['apple', 'pear'],
        animal: ['cat', 'dog'],
        include: [
          { color: 'green' },
          { color: 'pink', animal: 'cat' },
          { fruit: 'apple', shape: 'circle' },
          { fruit: 'banana' },
          { fruit: 'banana', animal: 'cat' },
        ],
      }),
    ).toEqual([
      { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
      { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
      { fruit: 'pear', animal: 'cat', color: 'pink' },
      { fruit: 'pear', animal: 'dog', color: 'green' },
      { fruit: 'banana' },
      { fruit: 'banana', animal: 'cat' },
    ]);
  });
});

describe('GITHUB_TOKEN permissions', () => {
  it('reads the forms GitHub accepts and refuses more than the caller allows', () => {
    const cap = restrictedDefault();
    expect(cap['id-token']).toBe('none');
    expect(() => checkWithinCap('a / b', { ...cap, 'id-token': 'write' }, cap)).toThrow(
      "The nested job 'a / b' is requesting 'id-token: write', but is only allowed 'id-token: none'.",
    );
    expect(readPermissions(undefined)).toBeUndefined();
  });
});
