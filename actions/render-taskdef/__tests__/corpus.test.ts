// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${NAME}` placeholders in plain strings are the data under test.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseImageReference } from '@berth/shared/ecr-image';
import { errorMessage } from '@berth/shared/errors';
import { READ_ONLY_TASK_DEFINITION_FIELDS, TASK_DEFINITION_KEYS } from '@berth/shared/taskdef/fields';
import { type JsonObject, readTaskDefinitionFile } from '@berth/shared/taskdef/read';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import { describe, expect, it } from '@jest/globals';
import { type RenderOptions, renderTaskDefinition, validationErrorMessage } from '../src/render.js';

/**
 * Every real-world task definition in ../shared/corpus/taskdefs goes through
 * the render pipeline as production runs it (read as data, first container's
 * image replaced, pin-digest false: no AWS). Each file either renders to JSON
 * RegisterTaskDefinition accepts, or fails with the deliberate message below.
 */
const CORPUS = join(REPO_ROOT, '..', 'shared', 'corpus', 'taskdefs');
const NEW_IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/corpus:sweep';

/** Files that must fail, and the exact reason. Every other file must render. */
const EXPECTED_FAILURES: Record<string, string> = {
  // A sed template: an unquoted bare word stands for a JSON fragment, so the file is not JSON until another tool runs.
  'bareword-placeholders-datadog-sidecar.json.tpl':
    '`task-definition`: bareword-placeholders-datadog-sidecar.json.tpl is not valid JSON: line 21, column 17: unexpected `TEMPLATE_ENV_VAIRABLES_JSON` (not a JSON value; strings need double quotes). It looks like a placeholder of another templating tool: Berth reads the file as data before it fills placeholders, so a placeholder must sit inside a JSON string ("${NAME}", filled from `vars`), or render the file with that tool before this step.',
  // ECS wants the ARN of the S3 object, not an s3:// URI; the message gives the ARN to write.
  'ec2-compose-like-4-containers-envfile-s3uri.json':
    'The task definition is not valid: Container `backend`: `environmentFiles[0].value` must be the ARN of an S3 object, got "s3://interactify-environment-files/dev.env"; write it as `arn:aws:s3:::interactify-environment-files/dev.env`. Fix it in ec2-compose-like-4-containers-envfile-s3uri.json (input `task-definition`) or with this step\'s inputs.',
  // A bare $$$$START_PERIOD$$$$ line inside healthCheck: invalid JSON until the agent's test harness substitutes it.
  'ecs-agent-windows-health-invalid-until-templated.json':
    '`task-definition`: ecs-agent-windows-health-invalid-until-templated.json is not valid JSON: line 14, column 13: expected a property name in double quotes, got `$$$$START_PERIOD$$$$`. It looks like a placeholder of another templating tool: Berth reads the file as data before it fills placeholders, so a placeholder must sit inside a JSON string ("${NAME}", filled from `vars`), or render the file with that tool before this step.',
  // APPMESH proxy configuration names an `envoy` container the file does not define: RegisterTaskDefinition rejects it.
  'ecspresso-describe-style-appmesh-goTemplate.json':
    'The task definition is not valid: `proxyConfiguration.containerName` names "envoy", which is not a container of this task definition (`katsubushi`); add that container or fix the name. Fix it in ecspresso-describe-style-appmesh-goTemplate.json (input `task-definition`) or with this step\'s inputs.',
  'ecspresso-wrapped-with-tags.json':
    'The task definition is not valid: `proxyConfiguration.containerName` names "envoy", which is not a container of this task definition (`katsubushi`); add that container or fix the name. Fix it in ecspresso-wrapped-with-tags.json (input `task-definition`) or with this step\'s inputs.',
  // `--generate-cli-skeleton` output: every field is an empty placeholder; all problems are reported together.
  'generate-cli-skeleton-all-fields.json': [
    'The task definition has 13 problems:',
    '  - `family` is empty; name the task definition family, e.g. `"family": "shop-web"`.',
    '  - Container `banbury-cloud-backend`: `environment[0].name` must be a non-empty string.',
    '  - Container `banbury-cloud-backend`: `secrets[0].name` must be a non-empty string.',
    '  - Container `banbury-cloud-backend`: `secrets[0].valueFrom` must be the ARN or name of a Secrets Manager secret or SSM parameter.',
    '  - Container `banbury-cloud-backend`: `environmentFiles[0].value` must be the ARN of an S3 object, got "" (e.g. `arn:aws:s3:::bucket/app.env`).',
    '  - Container `banbury-cloud-backend`: `healthCheck.command` must start with `CMD` or `CMD-SHELL`, got "".',
    '  - Container `banbury-cloud-backend`: `healthCheck.interval` is 0; ECS accepts 5 to 300 (seconds).',
    '  - Container `banbury-cloud-backend`: `healthCheck.timeout` is 0; ECS accepts 2 to 60 (seconds).',
    '  - Container `banbury-cloud-backend`: `healthCheck.retries` is 0; ECS accepts 1 to 10.',
    '  - Container `banbury-cloud-backend`: `dependsOn[0].containerName` names "", which is not a container of this task definition (`banbury-cloud-backend`).',
    '  - Container `banbury-cloud-backend`: `volumesFrom[0].sourceContainer` names "", which is not a container of this task definition (`banbury-cloud-backend`).',
    '  - `proxyConfiguration.containerName` names "", which is not a container of this task definition (`banbury-cloud-backend`); add that container or fix the name.',
    '  - `tags[0]` must be an object with a non-empty `key` and a `value`.',
    "Fix them in generate-cli-skeleton-all-fields.json (input `task-definition`) or with this step's inputs.",
  ].join('\n'),
  // A template for `${environment}`: without `vars` the family, the task role and 23 SSM secret references keep
  // the placeholder, which ECS rejects (a family allows only letters, digits, `-` and `_`; no IAM role or SSM
  // parameter name can contain `$`, `{` or `}`). Rendered with vars below.
  'hee-ssm-secrets-environment-placeholder.json': [
    'The task definition has 3 problems:',
    '  - `family` "tis-trainee-details-${environment}" may only contain letters, digits, `-` and `_` (at most 255); it still contains the placeholder `${environment}`: give it a value with `vars` (`environment=…`).',
    '  - `taskRoleArn` still holds the placeholder `${environment}`, which no IAM role, secret or parameter name can contain; give it a value with `vars` (`environment=…`).',
    '  - Container `tis-trainee-details`: `secrets[1].valueFrom`, `secrets[2].valueFrom`, `secrets[3].valueFrom`, `secrets[4].valueFrom`, `secrets[5].valueFrom` and 18 more still hold the placeholder `${environment}`, which no IAM role, secret or parameter name can contain; give it a value with `vars` (`environment=…`).',
    "Fix them in hee-ssm-secrets-environment-placeholder.json (input `task-definition`) or with this step's inputs.",
  ].join('\n'),
  // CloudFormation Fn::Sub placeholders in a secret ARN: ECS cannot resolve `arn:${Partition}:…` (issue 17).
  'firelens-datadog-secretoptions.json':
    "The task definition is not valid: Container `app`: `logConfiguration.secretOptions[0].valueFrom` still holds the placeholders `${Partition}`, `${Region}`, `${Account}`, `${SecretId}`, which no IAM role, secret or parameter name can contain; give them values with `vars` (`Partition=…`, `Region=…`, `Account=…`, `SecretId=…`). Fix it in firelens-datadog-secretoptions.json (input `task-definition`) or with this step's inputs.",
  // Terraform-style `${execution_role_arn}` / `${task_role_arn}`: issue 17 asked whether leaving them untouched
  // without vars is right. It is not: RegisterTaskDefinition takes a role ARN or name there, and IAM role names
  // allow only `[\w+=,.@-]` (API_Role.html), so the file cannot register until vars fills them (done below).
  'terraform-placeholders-tags-as-map.json':
    "The task definition is not valid: `taskRoleArn`, `executionRoleArn` still hold the placeholders `${task_role_arn}`, `${execution_role_arn}`, which no IAM role, secret or parameter name can contain; give them values with `vars` (`task_role_arn=…`, `execution_role_arn=…`). Fix it in terraform-placeholders-tags-as-map.json (input `task-definition`) or with this step's inputs.",
  // Both images are "" (meant to be filled by a render step); the sweep fills only the first. The role ARN keeps
  // `${AWS_ID}`, which no IAM role ARN can hold (issue 17).
  'json-in-yml-empty-image-typo-placeholder.yml': [
    'The task definition has 2 problems:',
    '  - Container `nginx`: `image` is empty; give it one with the `images` input (`nginx=registry/repository:tag`) or `image` with `container-name: nginx`.',
    '  - `executionRoleArn` still holds the placeholder `${AWS_ID}`, which no IAM role, secret or parameter name can contain; give it a value with `vars` (`AWS_ID=…`).',
    "Fix them in json-in-yml-empty-image-typo-placeholder.yml (input `task-definition`) or with this step's inputs.",
  ].join('\n'),
  // `"command": [ {{command}} ]` unquoted mustache: not JSON until rendered by another tool.
  'otel-collector-ec2-bridge-5-containers.json':
    '`task-definition`: otel-collector-ec2-bridge-5-containers.json is not valid JSON: line 42, column 9: expected a property name in double quotes, got `{{command}}`. It looks like a placeholder of another templating tool: Berth reads the file as data before it fills placeholders, so a placeholder must sit inside a JSON string ("${NAME}", filled from `vars`), or render the file with that tool before this step.',
  // The sidecar's image is still an <angle> placeholder; the sweep replaces only the first container's image.
  'xray-sidecar-angle-placeholders.json':
    'The task definition is not valid: Container `xray-sidecar`: `image` "<repository_uri_xray_daemon>" is not a valid image reference: it contains `<repository_uri_xray_daemon>`, which looks like a placeholder that was never filled. Set the image with the `images` input (`xray-sidecar=registry/repository:tag`) or fill the placeholder. Fix it in xray-sidecar-angle-placeholders.json (input `task-definition`) or with this step\'s inputs.',
  // An invented schema: `valueFrom: {s3Arn}` inside environment, and two keys RegisterTaskDefinition does not
  // know (`version`, a task-level `logConfiguration`), which the SDK would drop without a word.
  'yaml-invented-schema-negative.yaml': [
    'The task definition has 3 problems:',
    '  - Unknown top-level key `version`. RegisterTaskDefinition does not know it, so it would be dropped without a word; move, rename or remove it.',
    '  - Unknown top-level key `logConfiguration`; it belongs inside a container definition. RegisterTaskDefinition does not know it, so it would be dropped without a word; move, rename or remove it.',
    '  - Container `upload-ms`: `environment[2]` (`MY_ENV_VARIABLES`) has `valueFrom`, which environment variables do not support; move it to `secrets` (Secrets Manager or SSM), or load an S3 file with `environmentFiles`.',
    "Fix them in yaml-invented-schema-negative.yaml (input `task-definition`) or with this step's inputs.",
  ].join('\n'),
  // `pidMode: ""` is rejected by RegisterTaskDefinition (the null command and describe-only `compatibilities` are cleaned).
  'yaml-pipecd-describe-leftovers.yaml':
    "The task definition is not valid: `pidMode` is an empty string, which RegisterTaskDefinition rejects; remove it or set `host` or `task`. Fix it in yaml-pipecd-describe-leftovers.yaml (input `task-definition`) or with this step's inputs.",
};

/** Warnings some files must produce (the rest of their content renders). */
const EXPECTED_WARNINGS: Record<string, string[]> = {
  // fluent-bit resolves these at run time; without `vars` they stay, and the step names them (issue 17).
  'firelens-init-envvar-placeholders.json': [
    'The task definition still holds 3 placeholders and `vars` was not given: `${AWS_REGION}` at containerDefinitions[1].logConfiguration.options.region, `${ECS_CLUSTER}` at containerDefinitions[1].logConfiguration.options.log_group_name, `${ECS_TASK_ID}` at containerDefinitions[1].logConfiguration.options.log_stream_name. They are registered as written; give them values with `vars` (`AWS_REGION=…`, `ECS_CLUSTER=…`, `ECS_TASK_ID=…`) unless the container resolves them at run time.',
  ],
  'fargate-string-ports-nulls.json': [
    'Container `automation-api`: `portMappings[0].containerPort` is the string "8080"; rendered as the number 8080. Remove the quotes in the file.',
    'Container `automation-api`: `portMappings[0].hostPort` is the string "8080"; rendered as the number 8080. Remove the quotes in the file.',
  ],
};

interface Outcome {
  definition?: JsonObject;
  error?: string;
  warnings: string[];
  removedReadOnly: string[];
}

function renderFile(file: string, options: RenderOptions = {}): Outcome {
  try {
    const document = readTaskDefinitionFile(file, { baseDir: CORPUS, inputName: 'task-definition' });
    const first = (document.definition.containerDefinitions as JsonObject[] | undefined)?.[0]?.name;
    const images = typeof first === 'string' ? new Map([[first, NEW_IMAGE]]) : undefined;
    const result = renderTaskDefinition(document, { images, ...options }, file);
    const warnings = result.warnings.map((warning) => warning.message);
    if (result.errors.length > 0) {
      return {
        error: validationErrorMessage(result.errors, file),
        warnings,
        removedReadOnly: result.removedReadOnly,
      };
    }
    return { definition: result.definition, warnings, removedReadOnly: result.removedReadOnly };
  } catch (error) {
    return { error: errorMessage(error), warnings: [], removedReadOnly: [] };
  }
}

const files = existsSync(CORPUS) ? readdirSync(CORPUS).sort() : [];
if (files.length === 0) {
  console.info(`Corpus sweep skipped: ${CORPUS} is not present (it lives beside the repository, not in it).`);
}
const describeCorpus = files.length > 0 ? describe : describe.skip;

describeCorpus('render-taskdef over the real-world corpus', () => {
  it('has every expected failure in the corpus (the table is not stale)', () => {
    for (const file of [...Object.keys(EXPECTED_FAILURES), ...Object.keys(EXPECTED_WARNINGS)])
      expect(files).toContain(file);
  });

  const expectedToFail = files.filter((file) => file in EXPECTED_FAILURES);
  const expectedToRender = files.filter((file) => !(file in EXPECTED_FAILURES));

  it.each(expectedToFail.map((file) => [file]))('%s fails deliberately', (file) => {
    const outcome = renderFile(file);
    expect(outcome.definition).toBeUndefined();
    expect(outcome.error).toBe(EXPECTED_FAILURES[file]);
  });

  it.each(expectedToRender.map((file) => [file]))('%s renders to a registrable definition', (file) => {
    const outcome = renderFile(file);
    expect(outcome.error).toBeUndefined();
    const definition = outcome.definition!;
    // Valid JSON with only RegisterTaskDefinition's top-level keys, no read-only fields, no nulls.
    const text = JSON.stringify(definition, null, 2);
    expect(JSON.parse(text)).toEqual(definition);
    for (const key of Object.keys(definition)) expect(TASK_DEFINITION_KEYS).toContain(key);
    for (const field of READ_ONLY_TASK_DEFINITION_FIELDS) expect(definition).not.toHaveProperty(field);
    expect(text).not.toMatch(/: null\b/);
    if (Array.isArray(definition.tags)) {
      for (const tag of definition.tags) expect(Object.keys(tag as object).sort()).toEqual(['key', 'value']);
    }
    const containers = definition.containerDefinitions as JsonObject[];
    expect(containers[0].image).toBe(NEW_IMAGE);
    for (const container of containers)
      expect(() => parseImageReference(String(container.image))).not.toThrow();
    expect(outcome.warnings).toEqual(EXPECTED_WARNINGS[file] ?? []);
  });

  it.each(expectedToRender.map((file) => [file]))(
    '%s renders the same when its output is rendered again',
    (file) => {
      const first = renderFile(file).definition!;
      const again = renderTaskDefinition(
        { definition: JSON.parse(JSON.stringify(first)), wrapped: false, format: 'json' },
        {},
      );
      expect(again.errors).toEqual([]);
      expect(again.definition).toEqual(first);
    },
  );

  it('strips what describe-task-definition added, and unwraps its wrapper', () => {
    expect(renderFile('old-console-export-all-nulls.json').removedReadOnly).toEqual([
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
    ]);
    const wrapped = renderFile('describe-output-wrapped-gitlab-runner.json');
    expect(wrapped.definition?.family).toBe('fargate-gitlab-runner');
    expect(wrapped.removedReadOnly).toContain('registeredBy');
  });

  it('converts the tags map of the Terraform-style file and registers once vars fills its role ARNs', () => {
    const vars = new Map([
      ['execution_role_arn', 'arn:aws:iam::123456789012:role/exec'],
      ['task_role_arn', 'arn:aws:iam::123456789012:role/task'],
      ['ecr_repository_url', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/config-server'],
    ]);
    const outcome = renderFile('terraform-placeholders-tags-as-map.json', { vars });
    expect(outcome.error).toBeUndefined();
    const definition = outcome.definition!;
    expect(definition.tags).toEqual([
      { key: 'Project', value: 'TalentRadar' },
      { key: 'ManagedBy', value: 'GitHub-Actions' },
      { key: 'Service', value: 'ConfigServer' },
      { key: 'Environment', value: 'Production' },
    ]);
    expect(definition.executionRoleArn).toBe('arn:aws:iam::123456789012:role/exec');
    expect(JSON.stringify(definition)).not.toContain('${');
  });

  it('renders the ${environment} template once vars gives the value', () => {
    const outcome = renderFile('hee-ssm-secrets-environment-placeholder.json', {
      vars: new Map([['environment', 'prod']]),
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.definition?.family).toBe('tis-trainee-details-prod');
    expect(JSON.stringify(outcome.definition)).not.toContain('${environment}');
  });

  it('leaves run-time ${VAR}s of fluent-bit alone without vars, and asks for an escape with vars', () => {
    const plain = renderFile('firelens-init-envvar-placeholders.json').definition!;
    expect(JSON.stringify(plain)).toContain('"log_stream_name":"${ECS_TASK_ID}"');
    expect(renderFile('firelens-init-envvar-placeholders.json', { vars: new Map([['X', '1']]) }).error).toBe(
      '`vars`: the task definition uses 3 placeholders that `vars` does not define: `${AWS_REGION}` at containerDefinitions[1].logConfiguration.options.region, `${ECS_CLUSTER}` at containerDefinitions[1].logConfiguration.options.log_group_name, `${ECS_TASK_ID}` at containerDefinitions[1].logConfiguration.options.log_stream_name. Add `AWS_REGION=…`, `ECS_CLUSTER=…`, `ECS_TASK_ID=…` to `vars`, or write `$${AWS_REGION}` where the file means a literal `${AWS_REGION}` (for example a variable the container resolves at run time).',
    );
  });

  it('keeps other tools’ placeholders ($$$X$$$, {{x}}, <x>, $VAR) exactly as written', () => {
    expect(renderFile('ecs-agent-ssm-secret-dollar-placeholders.json').definition).toMatchObject({
      executionRoleArn: '$$$EXECUTION_ROLE$$$',
      containerDefinitions: [
        {
          command: ['sh', '-c', 'if echo $SECRET_NAME | grep "secretValue"; then exit 42; else exit 1; fi'],
          secrets: [{ name: '$$$SECRET_NAME$$$', valueFrom: '$$$SSM_PARAMETER_NAME$$$' }],
        },
      ],
    });
    expect(renderFile('ecspresso-ec2-host-secrets-mixed.json').definition?.executionRoleArn).toBe(
      'arn:aws:iam::{{must_env `AWS_ACCOUNT_ID`}}:role/ecsTaskRole',
    );
    expect(renderFile('isomer-datadog-efs-62-ssm-secrets.json').definition?.taskRoleArn).toBe(
      'arn:aws:iam::<AWS_ACCOUNT_ID>:role/isomer-stg-ecs-task-role',
    );
  });

  it('keeps Windows paths, fields Berth does not model, and every container in order', () => {
    const windows = renderFile('datadog-agent-windows-named-pipe.json').definition!;
    const mount = ((windows.containerDefinitions as JsonObject[])[0].mountPoints as JsonObject[])[0];
    expect(mount).toEqual({ containerPath: '\\\\.\\pipe\\docker_engine', sourceVolume: 'docker_sock' });
    const gmsa = renderFile('ecs-agent-windows-gmsa-iis.json').definition!;
    expect((gmsa.containerDefinitions as JsonObject[])[0].dockerSecurityOptions).toEqual([
      'credentialspec:$$$TEST_SSM_ARN$$$',
    ]);
    expect(gmsa.requiresCompatibilities).toEqual([]);
    const generated = renderFile('generated-arm64-init-firelens-otel-4c.json').definition!;
    expect((generated.containerDefinitions as JsonObject[]).map((c) => c.name)).toEqual([
      'init-container-for-secret-files',
      'app',
      'fluent-bit',
      'otel-collector',
    ]);
  });
});
