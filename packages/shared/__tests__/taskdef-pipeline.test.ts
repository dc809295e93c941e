// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders in plain strings are the data under test.
import { describe, expect, it } from '@jest/globals';
import { READ_ONLY_TASK_DEFINITION_FIELDS, readOnlyFieldsJqFilter } from '../src/taskdef/fields.js';
import { normaliseTaskDefinition } from '../src/taskdef/normalise.js';
import { findPlaceholders, unfilledPlaceholdersWarning } from '../src/taskdef/placeholders.js';
import type { JsonObject } from '../src/taskdef/read.js';
import { validateTaskDefinition } from '../src/taskdef/validate.js';

describe('readOnlyFieldsJqFilter (the hint rollback prints to re-register a revision)', () => {
  it('deletes every member of TaskDefinition that RegisterTaskDefinition does not take', () => {
    // API_TaskDefinition.html members that are not RegisterTaskDefinition request parameters
    // (API_RegisterTaskDefinition.html): what ECS sets and DescribeTaskDefinition returns.
    expect(readOnlyFieldsJqFilter()).toBe(
      'del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities, .registeredAt, .registeredBy, .deregisteredAt, .deleteRequestedAt)',
    );
  });

  it('follows the list it is generated from', () => {
    for (const field of READ_ONLY_TASK_DEFINITION_FIELDS)
      expect(readOnlyFieldsJqFilter()).toContain(`.${field}`);
  });
});

describe('normaliseTaskDefinition', () => {
  const describeOutput = {
    definition: {
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3',
      revision: 3,
      family: 'web',
      taskRoleArn: null,
      cpu: 256,
      tags: { team: 'shop', 'aws:cloudformation:stack-name': 'x' },
      containerDefinitions: [
        {
          name: 'app',
          image: 'nginx:1.27',
          essential: 'true',
          portMappings: [{ containerPort: '8080', hostPort: null }],
          environment: [{ name: 'WORKERS', value: 4 }],
        },
      ],
    },
    wrapperTags: [{ key: 'team', value: 'payments' }],
    wrapped: true,
  };

  it('gives what RegisterTaskDefinition takes, and says what it changed', () => {
    const result = normaliseTaskDefinition(describeOutput);
    expect(result.definition).toEqual({
      family: 'web',
      // RegisterTaskDefinition: cpu is a String.
      cpu: '256',
      // Tag: a list of {key, value}; `aws:` keys are reserved (API_Tag.html); the wrapper's tags are ECS's own.
      tags: [{ key: 'team', value: 'payments' }],
      containerDefinitions: [
        {
          name: 'app',
          image: 'nginx:1.27',
          essential: true,
          portMappings: [{ containerPort: 8080 }],
          environment: [{ name: 'WORKERS', value: '4' }],
        },
      ],
    });
    expect(result.removedReadOnly).toEqual(['taskDefinitionArn', 'revision']);
    expect(result.removedNulls).toEqual(['taskRoleArn', 'containerDefinitions[0].portMappings[0].hostPort']);
    expect(result.removedTags).toEqual(['aws:cloudformation:stack-name']);
    expect(result.warnings.map((w) => w.message)).toEqual([
      'Container `app`: `portMappings[0].containerPort` is the string "8080"; rendered as the number 8080. Remove the quotes in the file.',
      'Container `app`: `essential` is the string "true"; rendered as true. Remove the quotes in the file.',
      'Container `app`: `environment[0].value` (`WORKERS`) is the number 4; rendered as the string "4". Quote it in the file.',
    ]);
  });

  it('leaves the document it was given unchanged', () => {
    const copy = structuredClone(describeOutput);
    normaliseTaskDefinition(describeOutput);
    expect(describeOutput).toEqual(copy);
  });

  it('is idempotent', () => {
    const once = normaliseTaskDefinition(describeOutput).definition;
    expect(normaliseTaskDefinition({ definition: once, wrapped: false }).definition).toEqual(once);
  });
});

describe('placeholders left in a definition (issue 17)', () => {
  const definition = {
    family: 'shop-${APP_ENV}',
    containerDefinitions: [
      {
        name: 'app',
        environment: [
          { name: 'HOST', value: '${HOSTNAME}' },
          { name: 'ESCAPED', value: '$${NOT_A_PLACEHOLDER}' },
          { name: 'SHELL', value: '$HOME ${HOME:-/root} {{x}}' },
        ],
      },
    ],
  };

  it('finds Berth placeholders with their paths, not escapes or other tools’ syntax', () => {
    expect(findPlaceholders(definition)).toEqual([
      { name: 'APP_ENV', path: 'family' },
      { name: 'HOSTNAME', path: 'containerDefinitions[0].environment[0].value' },
    ]);
  });

  it('warns, naming them, with the fix', () => {
    expect(unfilledPlaceholdersWarning(findPlaceholders(definition))?.message).toBe(
      'The task definition still holds 2 placeholders and `vars` was not given: `${APP_ENV}` at family, `${HOSTNAME}` at containerDefinitions[0].environment[0].value. They are registered as written; give them values with `vars` (`APP_ENV=…`, `HOSTNAME=…`) unless the container resolves them at run time.',
    );
    expect(unfilledPlaceholdersWarning([])).toBeUndefined();
  });
});

describe('validateTaskDefinition on a definition edited between two runs', () => {
  it('judges the edited definition, not what it held before', () => {
    const definition: JsonObject = {
      family: 'web',
      memory: '512',
      containerDefinitions: [
        { name: 'app', image: 'nginx:1.27', dependsOn: [{ containerName: 'init', condition: 'START' }] },
      ],
    };
    expect(validateTaskDefinition(definition).errors).toHaveLength(1);
    (definition.containerDefinitions as JsonObject[]).push({
      name: 'init',
      image: 'busybox:1.36',
      essential: false,
    });
    expect(validateTaskDefinition(definition).errors).toEqual([]);
  });
});
