// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders in plain strings are the data under test.

import { AWS_INPUT_NAMES } from '@berth/shared/aws';
import { ConfigurationError } from '@berth/shared/errors';
import { InputReader } from '@berth/shared/inputs';
import { loadActionManifest } from '@berth/testkit/action-manifest.js';
import { describe, expect, it } from '@jest/globals';
import { getInputs } from '../src/inputs.js';

const manifest = loadActionManifest('render-taskdef');

/** A reader over the given inputs plus action.yml defaults, as the runner supplies them. */
function reader(values: Record<string, string>): InputReader {
  const defaults = Object.fromEntries(
    Object.entries(manifest.inputs).flatMap(([name, spec]) =>
      spec.default === undefined ? [] : [[name, String(spec.default)]],
    ),
  );
  const all: Record<string, string> = { ...defaults, ...values };
  return new InputReader((name) => all[name] ?? '');
}

const ECR = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

describe('action.yml and getInputs() agree', () => {
  it('every input getInputs() reads is declared, and every declared input is read', () => {
    const input = reader({
      'task-definition': 'td.json',
      'container-name': 'web',
      image: `${ECR}/shop:v1`,
      'environment-variables': 'A=1',
      secrets: 'B=/b',
      'docker-labels': 'c=d',
      command: 'npm start',
      cpu: '256',
      memory: '512',
      'task-role-arn': 'arn:aws:iam::123456789012:role/task',
      'execution-role-arn': 'arn:aws:iam::123456789012:role/exec',
      vars: 'X=1',
    });
    getInputs(input);
    const declared = Object.keys(manifest.inputs).sort();
    expect([...input.names].sort()).toEqual(declared);
    for (const name of AWS_INPUT_NAMES) expect(declared).toContain(name);
  });

  it('documents every input with a description and an example, and lists the outputs', () => {
    for (const [name, spec] of Object.entries(manifest.inputs)) {
      expect([name, spec.description.length > 20]).toEqual([name, true]);
      expect([name, /Example/.test(spec.description)]).toEqual([name, true]);
    }
    expect(Object.keys(manifest.outputs).sort()).toEqual(['family', 'images', 'task-definition']);
    expect(manifest.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(manifest.inputs['pin-digest'].default).toBe('true');
  });
});

describe('getInputs', () => {
  it('parses every input', () => {
    const inputs = getInputs(
      reader({
        'task-definition': 'deploy/td.yaml',
        'container-name': 'web',
        images: `web=${ECR}/shop:v2\n# the sidecar\nenvoy=${ECR}/envoy:1.29\n`,
        'pin-digest': 'false',
        'environment-variables': 'LOG_LEVEL=debug\nEMPTY=\nURL=https://x.example/?a=b',
        secrets: 'DB=arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password::',
        'docker-labels': 'com.example.team=shop',
        command: '["npm", "start"]',
        cpu: '1 vCPU',
        memory: '2 GB',
        vars: 'APP_ENV=prod',
        'aws-region': 'eu-west-1',
      }),
    );
    expect(inputs).toMatchObject({
      taskDefinition: 'deploy/td.yaml',
      containerName: 'web',
      images: new Map([
        ['web', `${ECR}/shop:v2`],
        ['envoy', `${ECR}/envoy:1.29`],
      ]),
      pinDigest: false,
      environmentVariables: new Map([
        ['LOG_LEVEL', 'debug'],
        ['EMPTY', ''],
        ['URL', 'https://x.example/?a=b'],
      ]),
      secrets: new Map([['DB', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password::']]),
      dockerLabels: new Map([['com.example.team', 'shop']]),
      command: ['npm', 'start'],
      cpu: '1 vCPU',
      memory: '2 GB',
      vars: new Map([['APP_ENV', 'prod']]),
      aws: { region: 'eu-west-1', audience: 'sts.amazonaws.com', roleDurationSeconds: 3600, maxAttempts: 8 },
    });
    expect(inputs.image).toBeUndefined();
  });

  it('defaults pin-digest to true', () => {
    expect(getInputs(reader({ 'task-definition-family': 'shop-web:42' })).pinDigest).toBe(true);
  });

  it.each([
    [
      'both sources',
      { 'task-definition': 'td.json', 'task-definition-family': 'shop' },
      'Inputs `task-definition` and `task-definition-family` cannot be used together: render either a file, a registered family or what a service runs. Keep one of them.',
    ],
    [
      'no source',
      {},
      'No task definition to render: set `task-definition` (a JSON or YAML file in the repository), `task-definition-family` (a registered family, `family:revision` or task definition ARN) or `service` (`cluster/service`, what it runs now).',
    ],
    [
      'a malformed family',
      { 'task-definition-family': 'shop web' },
      'Input `task-definition-family` must be a family (`shop-web`), `family:revision` (`shop-web:42`) or a task definition ARN, got "shop web".',
    ],
    [
      'revision 0',
      { 'task-definition-family': 'shop:0' },
      'Input `task-definition-family` must be a family (`shop-web`), `family:revision` (`shop-web:42`) or a task definition ARN, got "shop:0".',
    ],
    [
      'image with images',
      { 'task-definition': 'td.json', image: 'nginx:1', images: 'web=nginx:2' },
      'Inputs `image` and `images` cannot be used together; put every image in `images` (`container=image`, one per line).',
    ],
    [
      'a malformed image',
      { 'task-definition': 'td.json', image: 'Shop:latest' },
      'Input `image`: "Shop:latest" is not a valid image reference: the repository `Shop` must be lowercase. Expected `registry/repository:tag` or `registry/repository@sha256:…`.',
    ],
    [
      'a malformed image in images',
      { 'task-definition': 'td.json', images: 'web=nginx:1\nenvoy=envoy:-x' },
      'Input `images` (container `envoy`): "envoy:-x" is not a valid image reference: `-x` is not a valid tag (letters, digits, `_`, `.` and `-`, at most 128, not starting with `.` or `-`). Expected `registry/repository:tag` or `registry/repository@sha256:…`.',
    ],
    [
      'an images line without =',
      { 'task-definition': 'td.json', images: 'nginx:1' },
      'Input `images` line 1: expected KEY=VALUE, got "nginx:1". Write it as `nginx:1=<value>`.',
    ],
    [
      'an empty image in images',
      { 'task-definition': 'td.json', images: 'web=' },
      'Input `images`: the image for container `web` is empty.',
    ],
    [
      'a container name with spaces',
      { 'task-definition': 'td.json', 'container-name': 'my web' },
      'Input `container-name` must be a container name (letters, digits, `-`, `_`), got "my web".',
    ],
    [
      'a secret without valueFrom',
      { 'task-definition': 'td.json', secrets: 'DB=' },
      'Input `secrets`: `DB` has no value; write `DB=<Secrets Manager ARN or SSM parameter name or ARN>`.',
    ],
    [
      'a name in both environment-variables and secrets',
      { 'task-definition': 'td.json', 'environment-variables': 'DB=x', secrets: 'DB=/db' },
      '`DB` is in both `environment-variables` and `secrets`; a variable comes from one of them.',
    ],
    [
      'a bad cpu',
      { 'task-definition': 'td.json', cpu: 'fast' },
      'Input `cpu` must be CPU units such as `1024` or `1 vCPU`, got "fast".',
    ],
    [
      'a bad memory',
      { 'task-definition': 'td.json', memory: '2G' },
      'Input `memory` must be MiB such as `2048` or `2 GB`, got "2G".',
    ],
    [
      'a bad role',
      { 'task-definition': 'td.json', 'task-role-arn': 'arn:aws:iam::123:role/x' },
      'Input `task-role-arn` must be an IAM role ARN such as `arn:aws:iam::123456789012:role/shop-task` (or a role name), got "arn:aws:iam::123:role/x".',
    ],
    [
      'a vars key that cannot be a placeholder',
      { 'task-definition': 'td.json', vars: 'APP-ENV=prod' },
      'Input `vars`: "APP-ENV" cannot be a placeholder name; use letters, digits and `_`, not starting with a digit (it fills `${NAME}`).',
    ],
    [
      'a duplicate var',
      { 'task-definition': 'td.json', vars: 'A=1\nA=2' },
      'Input `vars` line 2: `A` is given twice; keep one of them.',
    ],
    [
      'a bad pin-digest',
      { 'task-definition': 'td.json', 'pin-digest': 'yes' },
      'Input `pin-digest` must be `true` or `false`, got "yes".',
    ],
    [
      'an unterminated command quote',
      { 'task-definition': 'td.json', command: `sh -c 'x` },
      `Input \`command\` could not be split into words: unterminated single quote at character 7. Close the quote, or give a JSON array such as ["sh", "-c", "…"].`,
    ],
    [
      'a bad max-attempts',
      { 'task-definition': 'td.json', 'max-attempts': '0' },
      'Input `max-attempts` must be between 1 and 20, got 0.',
    ],
  ])('%s is a clear error', (_what, values, message) => {
    expect(() => getInputs(reader(values))).toThrow(new ConfigurationError(message));
  });

  it.each([
    ['shop-web'],
    ['shop-web:42'],
    ['arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-web:42'],
    ['arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/shop'],
  ])('accepts task-definition-family %s', (family) => {
    expect(getInputs(reader({ 'task-definition-family': family })).taskDefinitionFamily).toBe(family);
  });

  it('passes on command warnings', () => {
    expect(
      getInputs(reader({ 'task-definition': 'td.json', command: 'a && b' })).commandWarnings,
    ).toHaveLength(1);
  });
});
