import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '../src/errors.js';
import { parseTaskDefinitionText } from '../src/taskdef/read.js';
import { checkTaskDefinitionStructure, taskDefinitionStructure } from '../src/taskdef/structure.js';

// Types from the ECS API reference: ContainerDefinition.portMappings is "Array of PortMapping
// objects", command is "Array of strings", essential is "Boolean", dockerLabels is "String to
// string map"; RegisterTaskDefinition.containerDefinitions is "Array of ContainerDefinition objects".
const container = { name: 'web', image: 'nginx:1.27' };

describe('taskDefinitionStructure', () => {
  it.each([
    [
      { family: 'web', containerDefinitions: [{ ...container, portMappings: { containerPort: 80 } }] },
      '`containerDefinitions[0].portMappings` must be an array, got an object',
    ],
    [
      { family: 'web', containerDefinitions: [{ ...container, command: 'npm start' }] },
      '`containerDefinitions[0].command` must be an array (a list of strings), got the string "npm start"',
    ],
    [
      { family: 'web', containerDefinitions: [{ ...container, command: ['npm', 1] }] },
      '`containerDefinitions[0].command[1]` must be a string, got the number 1',
    ],
    [
      { family: 'web', containerDefinitions: [{ ...container, essential: 'yes' }] },
      '`containerDefinitions[0].essential` must be `true` or `false`, got the string "yes"',
    ],
    [
      { family: 'web', containerDefinitions: [{ ...container, dockerLabels: { team: 7 } }] },
      '`containerDefinitions[0].dockerLabels.team` must be a string, got the number 7',
    ],
    [
      { family: 'web', containerDefinitions: { web: container } },
      '`containerDefinitions` must be an array, got an object',
    ],
    [
      { family: 'web', containerDefinitions: ['web'] },
      '`containerDefinitions[0]` must be an object, got the string "web"',
    ],
    [{ family: 7, containerDefinitions: [container] }, '`family` must be a string, got the number 7'],
  ])('%j', (definition, problem) => {
    expect(taskDefinitionStructure(definition as Record<string, unknown>).errors).toEqual([problem]);
  });

  it('puts the "did you mean" of a typo before the error it causes', () => {
    expect(() =>
      checkTaskDefinitionStructure({ family: 'web', containerDefinition: [container] }, 'task-definition'),
    ).toThrow(
      new ConfigurationError(
        [
          'Input `task-definition`: unknown key `containerDefinition`; did you mean `containerDefinitions`?',
          'Input `task-definition`: `containerDefinitions` is missing; a task definition needs at least one container.',
        ].join('\n'),
      ),
    );
  });

  it('lets unknown keys alone pass (the caller decides), and a valid definition through', () => {
    expect(() =>
      checkTaskDefinitionStructure(
        { family: 'web', containerDefinitions: [{ ...container, enviroment: [] }] },
        'x',
      ),
    ).not.toThrow();
    expect(
      taskDefinitionStructure({ family: 'web', containerDefinitions: [{ ...container, enviroment: [] }] })
        .suggestions,
    ).toEqual(['unknown key `containerDefinitions[0].enviroment`; did you mean `environment`?']);
  });
});

describe('prototype keys are refused where they are read, not dropped', () => {
  it.each([
    ['{"family":"web","__proto__":{"x":1},"containerDefinitions":[]}', 'td.json', '`__proto__` is'],
    [
      '{"family":"web","containerDefinitions":[{"name":"web","constructor":1}]}',
      'td.json',
      '`containerDefinitions[0].constructor` is',
    ],
    ['family: web\nprototype: 1\ncontainerDefinitions: []\n', 'td.yaml', '`prototype` is'],
  ])('%j', (text, fileName, where) => {
    expect(() => parseTaskDefinitionText(text, { fileName, inputName: 'task-definition' })).toThrow(
      `\`task-definition\`: ${fileName}: ${where} not allowed; \`__proto__\`, \`constructor\` and \`prototype\` are not task definition fields. Remove it.`,
    );
  });

  it('refuses a YAML whose aliases expand past the limit', () => {
    // Each level doubles: 2^14 copies of a 100-character string is 1.6 MB from a file of about 1 KiB.
    const lines = [`a0: &a0 "${'x'.repeat(100)}"`];
    for (let i = 1; i <= 14; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`);
    lines.push('family: web', 'containerDefinitions: []');
    expect(() =>
      parseTaskDefinitionText(lines.join('\n'), { fileName: 'td.yaml', inputName: 'task-definition' }),
    ).toThrow(
      /^`task-definition`: td\.yaml (could not be read as YAML: .*alias|expands to \d+ KiB through YAML aliases)/i,
    );
  });
});
