/**
 * The bad-input corpus: inputs and workspace files an attacker or a careless
 * user gives each action. Every case must fail with exit code 1, an error that
 * names the input, no AWS write, no stack trace and no workflow command taken
 * from the text (tests/bad-inputs.itg.test.ts runs them through the bundled dist).
 *
 * `PWNED` marks hostile text: a command parsed from the output whose data
 * starts with it came from the input, not from Berth.
 */

export type ActionName =
  | 'aws-auth'
  | 'build-push'
  | 'scan-gate'
  | 'render-taskdef'
  | 'deploy-ecs'
  | 'rollback';

export interface BadInputCase {
  name: string;
  action: ActionName;
  inputs: Record<string, string>;
  /** Files written into the workspace (path → content; objects are written as JSON). */
  files?: Record<string, unknown>;
  /** Symbolic links in the workspace: path → target (`@outside/…` is the folder beside the workspace). */
  links?: Record<string, string>;
  /** The input the error must name. */
  input: string;
  /** What the error must say beyond naming the input. */
  message: RegExp;
}

/** A secret in the step's environment: a link to /proc/self/environ must never print it. */
export const ENV_SECRET = 'envsecret-7f3a9c1e';
/** The content of a file outside the workspace. */
export const FILE_SECRET = 'filesecret-0b5d2e8a';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/shop:v1`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;

const container = (extra: Record<string, unknown> = {}) => ({
  name: 'app',
  image: IMAGE,
  essential: true,
  portMappings: [{ containerPort: 8080 }],
  ...extra,
});

/** A valid Fargate task definition with `extra` merged at the top and `containerExtra` into its container. */
export const taskDef = (
  extra: Record<string, unknown> = {},
  containerExtra: Record<string, unknown> = {},
) => ({
  family: 'web',
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  cpu: '256',
  memory: '512',
  executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/exec`,
  containerDefinitions: [container(containerExtra)],
  ...extra,
});

/** A small YAML whose aliases double at every level: about 1 KiB that expands to megabytes. */
const ALIAS_BOMB = (() => {
  const lines = [`a0: &a0 "${'x'.repeat(100)}"`];
  for (let i = 1; i <= 14; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`);
  lines.push('family: web', 'containerDefinitions: []');
  return lines.join('\n');
})();

/** Over ECS's 64 KiB task definition limit, well under the 1 MiB file limit. */
const OVERSIZED = taskDef({}, { environment: [{ name: 'BIG', value: 'y'.repeat(70 * 1024) }] });

const RAW_PROTO = `{"family": "web", "__proto__": {"x": 1}, "containerDefinitions": [{"name": "app", "image": "${IMAGE}"}]}`;
const HOSTILE_JSON = '{\n  "family": "web",\n  ::warning::PWNED\n}';

const outsideLinks = (path: string) => ({
  [`${path}.environ`]: '/proc/self/environ',
  [`${path}.outside`]: '@outside/secret.txt',
});

export const CASES: BadInputCase[] = [
  // ── aws-auth ──────────────────────────────────────────────────────────────
  { name: 'missing role', action: 'aws-auth', inputs: {}, input: 'role-to-assume', message: /is required/ },
  {
    name: 'role is not an ARN',
    action: 'aws-auth',
    inputs: { 'role-to-assume': 'deploy' },
    input: 'role-to-assume',
    message: /deploy/,
  },
  {
    name: 'role carries a workflow command',
    action: 'aws-auth',
    inputs: { 'role-to-assume': '::warning::PWNED' },
    input: 'role-to-assume',
    message: /role-to-assume/,
  },
  {
    name: 'role with a CR',
    action: 'aws-auth',
    inputs: { 'role-to-assume': `${ROLE}\r::error::PWNED` },
    input: 'role-to-assume',
    message: /role-to-assume/,
  },
  {
    name: 'duration not a number',
    action: 'aws-auth',
    inputs: { 'role-to-assume': ROLE, 'role-duration-seconds': 'an hour' },
    input: 'role-duration-seconds',
    message: /"an hour"/,
  },
  {
    name: 'duration out of range',
    action: 'aws-auth',
    inputs: { 'role-to-assume': ROLE, 'role-duration-seconds': '99999999' },
    input: 'role-duration-seconds',
    message: /99999999/,
  },
  {
    name: 'export-credentials not a boolean',
    action: 'aws-auth',
    inputs: { 'role-to-assume': ROLE, 'export-credentials': 'maybe' },
    input: 'export-credentials',
    message: /"maybe"/,
  },
  {
    name: 'session name with a newline',
    action: 'aws-auth',
    inputs: { 'role-to-assume': ROLE, 'role-session-name': 'ci\n::add-mask::PWNED' },
    input: 'role-session-name',
    message: /role-session-name/,
  },
  {
    name: 'allowed account ids not ids',
    action: 'aws-auth',
    inputs: { 'role-to-assume': ROLE, 'allowed-account-ids': '12345,::warning::PWNED' },
    input: 'allowed-account-ids',
    message: /allowed-account-ids/,
  },

  // ── build-push ────────────────────────────────────────────────────────────
  {
    name: 'missing repository',
    action: 'build-push',
    inputs: {},
    input: 'repository',
    message: /is required/,
  },
  {
    name: 'unknown builder',
    action: 'build-push',
    inputs: { repository: 'shop', builder: 'kaniko' },
    input: 'builder',
    message: /"kaniko"/,
  },
  {
    name: 'tag with a CR and a command',
    action: 'build-push',
    inputs: { repository: 'shop', tags: 'v1\r::warning::PWNED' },
    input: 'tags',
    message: /tags/,
  },
  {
    name: 'latest without allow-latest',
    action: 'build-push',
    inputs: { repository: 'shop', tags: 'latest' },
    input: 'tags',
    message: /latest/,
  },
  {
    name: 'Dockerfile /etc/passwd',
    action: 'build-push',
    inputs: { repository: 'shop', file: '/etc/passwd', push: 'false' },
    input: 'file',
    message: /"\/etc\/passwd" is outside the workspace/,
  },
  {
    name: 'context /',
    action: 'build-push',
    inputs: { repository: 'shop', context: '/', push: 'false' },
    input: 'context',
    message: /"\/" is outside the workspace/,
  },
  {
    name: 'context ..',
    action: 'build-push',
    inputs: { repository: 'shop', context: '..', push: 'false' },
    input: 'context',
    message: /"\.\." is outside the workspace/,
  },
  {
    name: 'Dockerfile ../ out of the workspace',
    action: 'build-push',
    inputs: { repository: 'shop', file: '../outside/secret.txt', push: 'false' },
    input: 'file',
    message: /is outside the workspace/,
  },
  {
    name: 'Dockerfile linked to /proc/self/environ',
    action: 'build-push',
    inputs: { repository: 'shop', file: 'Dockerfile.environ', push: 'false' },
    links: outsideLinks('Dockerfile'),
    input: 'file',
    message: /"Dockerfile\.environ" leads outside the workspace/,
  },
  {
    name: 'Dockerfile linked outside',
    action: 'build-push',
    inputs: { repository: 'shop', file: 'Dockerfile.outside', push: 'false' },
    links: outsideLinks('Dockerfile'),
    input: 'file',
    message: /"Dockerfile\.outside" leads outside the workspace/,
  },
  {
    name: 'context linked to /',
    action: 'build-push',
    inputs: { repository: 'shop', context: 'root', push: 'false' },
    links: { root: '/' },
    input: 'context',
    message: /"root" leads outside the workspace/,
  },
  {
    name: 'unknown placeholder in a tag',
    action: 'build-push',
    inputs: { repository: 'shop', tags: '{commit}' },
    input: 'tags',
    message: /\{commit\}/,
  },
  {
    name: 'secret file /proc/self/environ',
    action: 'build-push',
    inputs: { repository: 'shop', 'secret-files': 'env=/proc/self/environ', push: 'false' },
    input: 'secret-files',
    message: /"\/proc\/self\/environ" is outside the workspace/,
  },
  {
    name: 'secret file linked outside',
    action: 'build-push',
    inputs: { repository: 'shop', 'secret-files': 'env=secret.environ', push: 'false' },
    links: outsideLinks('secret'),
    input: 'secret-files',
    message: /"secret\.environ" leads outside the workspace/,
  },
  {
    name: 'secret-envs with a command',
    action: 'build-push',
    inputs: { repository: 'shop', 'secret-envs': 'npm=::warning::PWNED' },
    input: 'secret-envs',
    message: /is not `id=ENV_NAME`/,
  },
  {
    name: 'unknown metadata-action tag rule type',
    action: 'build-push',
    inputs: { repository: 'shop', tags: 'type=::warning::PWNED' },
    input: 'tags',
    message: /unknown type/,
  },
  {
    name: 'flavor latest=true without allow-latest',
    action: 'build-push',
    inputs: { repository: 'shop', tags: 'type=sha', flavor: 'latest=true' },
    input: 'flavor',
    message: /refused/,
  },

  // ── scan-gate ─────────────────────────────────────────────────────────────
  {
    name: 'unknown source',
    action: 'scan-gate',
    inputs: { source: 'clair' },
    input: 'source',
    message: /"clair"/,
  },
  {
    name: 'trivy without a report',
    action: 'scan-gate',
    inputs: { source: 'trivy' },
    input: 'report',
    message: /is required/,
  },
  {
    name: 'report /etc/passwd',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: '/etc/passwd' },
    input: 'report',
    message: /"\/etc\/passwd" is outside the workspace/,
  },
  {
    name: 'report ../ out of the workspace',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: '../outside/secret.txt' },
    input: 'report',
    message: /is outside the workspace/,
  },
  {
    name: 'report linked to /proc/self/environ',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: 'trivy.json.environ' },
    links: outsideLinks('trivy.json'),
    input: 'report',
    message: /"trivy\.json\.environ" leads outside the workspace/,
  },
  {
    name: 'report linked outside',
    action: 'scan-gate',
    inputs: { source: 'grype', report: 'trivy.json.outside' },
    links: outsideLinks('trivy.json'),
    input: 'report',
    message: /"trivy\.json\.outside" leads outside the workspace/,
  },
  {
    name: 'report glob reaching outside',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: '../outside/*.txt' },
    input: 'report',
    message: /outside the workspace/,
  },
  {
    name: 'allowlist /etc/passwd',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: 'trivy.json', allowlist: '/etc/passwd' },
    files: { 'trivy.json': { SchemaVersion: 2, ArtifactName: 'shop:v1', Results: [] } },
    input: 'allowlist',
    message: /"\/etc\/passwd" is outside the workspace/,
  },
  {
    name: 'allowlist linked outside',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: 'trivy.json', allowlist: 'allow.yml.outside' },
    files: { 'trivy.json': { SchemaVersion: 2, ArtifactName: 'shop:v1', Results: [] } },
    links: outsideLinks('allow.yml'),
    input: 'allowlist',
    message: /"allow\.yml\.outside" leads outside the workspace/,
  },
  {
    name: 'allowlist ../ out of the workspace',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: 'trivy.json', allowlist: '../outside/secret.txt' },
    files: { 'trivy.json': { SchemaVersion: 2, ArtifactName: 'shop:v1', Results: [] } },
    input: 'allowlist',
    message: /is outside the workspace/,
  },
  {
    name: 'allowlist linked to /proc/self/environ',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: 'trivy.json', allowlist: 'allow.yml.environ' },
    files: { 'trivy.json': { SchemaVersion: 2, ArtifactName: 'shop:v1', Results: [] } },
    links: outsideLinks('allow.yml'),
    input: 'allowlist',
    message: /"allow\.yml\.environ" leads outside the workspace/,
  },
  {
    name: 'dockerfile /etc/passwd',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: 'trivy.json', dockerfile: '/etc/passwd' },
    files: { 'trivy.json': { SchemaVersion: 2, ArtifactName: 'shop:v1', Results: [] } },
    input: 'dockerfile',
    message: /outside the workspace/,
  },
  {
    name: 'dockerfile linked outside',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: 'trivy.json', dockerfile: 'Dockerfile.outside' },
    files: { 'trivy.json': { SchemaVersion: 2, ArtifactName: 'shop:v1', Results: [] } },
    links: outsideLinks('Dockerfile'),
    input: 'dockerfile',
    message: /"Dockerfile\.outside" leads outside the workspace/,
  },
  {
    name: 'dockerfile outside the workspace',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: 'trivy.json', dockerfile: '../../etc/passwd' },
    files: { 'trivy.json': { SchemaVersion: 2, ArtifactName: 'shop:v1', Results: [] } },
    input: 'dockerfile',
    message: /outside the workspace/,
  },
  {
    name: 'report is not JSON and carries a command',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: 'trivy.json' },
    files: { 'trivy.json': '::warning::PWNED\n##[add-mask]PWNED' },
    input: 'report',
    message: /is not JSON/,
  },
  {
    name: 'unknown fail-on',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: 'trivy.json', 'fail-on': 'severe' },
    input: 'fail-on',
    message: /"severe"/,
  },
  {
    name: 'max-findings not a count',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: 'trivy.json', 'max-findings': 'critical=lots' },
    input: 'max-findings',
    message: /lots/,
  },
  {
    name: 'report is a directory',
    action: 'scan-gate',
    inputs: { source: 'trivy', report: 'reports' },
    files: { 'reports/readme.txt': 'x' },
    input: 'report',
    message: /is a directory/,
  },

  // ── render-taskdef ────────────────────────────────────────────────────────
  {
    name: 'no task definition',
    action: 'render-taskdef',
    inputs: {},
    input: 'task-definition',
    message: /task-definition/,
  },
  {
    name: 'task definition /etc/passwd',
    action: 'render-taskdef',
    inputs: { 'task-definition': '/etc/passwd' },
    input: 'task-definition',
    message: /"\/etc\/passwd" is outside the workspace/,
  },
  {
    name: 'task definition ../',
    action: 'render-taskdef',
    inputs: { 'task-definition': '../outside/secret.txt' },
    input: 'task-definition',
    message: /is outside the workspace/,
  },
  {
    name: 'task definition linked to /proc/self/environ',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json.environ' },
    links: outsideLinks('td.json'),
    input: 'task-definition',
    message: /"td\.json\.environ" leads outside the workspace/,
  },
  {
    name: 'task definition linked outside',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json.outside' },
    links: outsideLinks('td.json'),
    input: 'task-definition',
    message: /"td\.json\.outside" leads outside the workspace/,
  },
  {
    name: 'task definition /proc/self/environ itself',
    action: 'render-taskdef',
    inputs: { 'task-definition': '/proc/self/environ' },
    input: 'task-definition',
    message: /is outside the workspace/,
  },
  {
    name: 'portMappings as an object',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json' },
    files: { 'td.json': taskDef({}, { portMappings: { containerPort: 8080 } }) },
    input: 'task-definition',
    message: /`containerDefinitions\[0\]\.portMappings` must be an array, got an object/,
  },
  {
    name: 'containerDefinition typo',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json' },
    files: { 'td.json': { family: 'web', containerDefinition: [container()] } },
    input: 'task-definition',
    message:
      /^render-taskdef: Input `task-definition`: unknown key `containerDefinition`; did you mean `containerDefinitions`\?/,
  },
  {
    name: '__proto__ key',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json' },
    files: { 'td.json': RAW_PROTO },
    input: 'task-definition',
    message: /`__proto__` is not allowed/,
  },
  {
    name: 'container name with a newline command',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json' },
    files: { 'td.json': taskDef({}, { name: 'app\n::warning::PWNED' }) },
    input: 'task-definition',
    message: /the name "app\\n::warning::PWNED" may only contain letters/,
  },
  {
    name: 'YAML alias bomb',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.yaml' },
    files: { 'td.yaml': ALIAS_BOMB },
    input: 'task-definition',
    message: /alias/i,
  },
  {
    name: 'file over 1 MiB',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json' },
    files: { 'td.json': `{"family": "${'x'.repeat(1024 * 1024)}"}` },
    input: 'task-definition',
    message: /larger than 1\.0 MiB/,
  },
  {
    name: 'definition over 64 KiB',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json' },
    files: { 'td.json': OVERSIZED },
    input: 'task-definition',
    message: /at most 64 KiB/,
  },
  {
    name: 'syntax error next to a command',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json' },
    files: { 'td.json': HOSTILE_JSON },
    input: 'task-definition',
    message: /is not valid JSON: line 3/,
  },
  {
    name: 'command not a JSON array',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json', command: '["npm", ' },
    files: { 'td.json': taskDef() },
    input: 'command',
    message: /not a valid JSON array/,
  },
  {
    name: 'images without =',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json', images: 'app' },
    files: { 'td.json': taskDef() },
    input: 'images',
    message: /images/,
  },
  {
    name: 'container-name with a CR',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json', 'container-name': 'app\r::warning::PWNED', image: IMAGE },
    files: { 'td.json': taskDef() },
    input: 'container-name',
    message: /container-name/,
  },
  {
    name: 'cpu not a size',
    action: 'render-taskdef',
    inputs: { 'task-definition': 'td.json', cpu: 'lots' },
    files: { 'td.json': taskDef() },
    input: 'cpu',
    message: /lots/,
  },

  // ── deploy-ecs ────────────────────────────────────────────────────────────
  {
    name: 'no task definition',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web' },
    input: 'task-definition',
    message: /is required/,
  },
  {
    name: 'cluster with a space',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop prod', service: 'web', 'task-definition': 'web:1' },
    input: 'cluster',
    message: /"shop prod"/,
  },
  {
    name: 'service carrying a command',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: '::warning::PWNED', 'task-definition': 'web:1' },
    input: 'service',
    message: /service/,
  },
  {
    name: 'task definition /etc/passwd',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': '/etc/passwd' },
    input: 'task-definition',
    message: /"\/etc\/passwd" is outside the workspace/,
  },
  {
    name: 'task definition ../',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': '../outside/secret.txt' },
    input: 'task-definition',
    message: /is outside the workspace/,
  },
  {
    name: 'task definition linked to /proc/self/environ',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': 'td.json.environ' },
    links: outsideLinks('td.json'),
    input: 'task-definition',
    message: /"td\.json\.environ" leads outside the workspace/,
  },
  {
    name: 'task definition linked outside',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': 'td.json.outside' },
    links: outsideLinks('td.json'),
    input: 'task-definition',
    message: /"td\.json\.outside" leads outside the workspace/,
  },
  {
    name: 'task definition /proc/self/environ itself',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': '/proc/self/environ' },
    input: 'task-definition',
    message: /is outside the workspace/,
  },
  {
    name: 'portMappings as an object',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': 'td.json' },
    files: { 'td.json': taskDef({}, { portMappings: { containerPort: 8080 } }) },
    input: 'task-definition',
    message: /`containerDefinitions\[0\]\.portMappings` must be an array, got an object/,
  },
  {
    name: 'containerDefinition typo',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': 'td.json' },
    files: { 'td.json': { family: 'web', containerDefinition: [container()] } },
    input: 'task-definition',
    message: /unknown key `containerDefinition`; did you mean `containerDefinitions`\?/,
  },
  {
    name: '__proto__ key',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': 'td.json' },
    files: { 'td.json': RAW_PROTO },
    input: 'task-definition',
    message: /`__proto__` is not allowed/,
  },
  {
    name: 'container name with a newline command',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': 'td.json' },
    files: { 'td.json': taskDef({}, { name: 'app\n::warning::PWNED' }) },
    input: 'task-definition',
    message:
      /the name "app\\n::warning::PWNED" may only contain letters, digits, `-` and `_` \(at most 255\)/,
  },
  {
    name: 'definition over 64 KiB',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': 'td.json' },
    files: { 'td.json': OVERSIZED },
    input: 'task-definition',
    message: /ECS accepts at most 64 KiB \(65536 bytes\)/,
  },
  {
    name: 'YAML alias bomb',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': 'td.yaml' },
    files: { 'td.yaml': ALIAS_BOMB },
    input: 'task-definition',
    message: /alias/i,
  },
  {
    name: 'alarm name with a bare CR',
    action: 'deploy-ecs',
    inputs: {
      cluster: 'shop',
      service: 'web',
      'task-definition': 'web:1',
      alarms: 'shop-5xx\r::warning::PWNED',
    },
    input: 'alarms',
    message: /ASCII control character/,
  },
  {
    name: 'timeout of zero',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': 'web:1', 'timeout-minutes': '0' },
    input: 'timeout-minutes',
    message: /timeout-minutes/,
  },
  {
    name: 'unknown strategy',
    action: 'deploy-ecs',
    inputs: { cluster: 'shop', service: 'web', 'task-definition': 'web:1', strategy: 'yolo' },
    input: 'strategy',
    message: /"yolo"/,
  },
  {
    name: 'run-task command with an open quote',
    action: 'deploy-ecs',
    inputs: {
      cluster: 'shop',
      'task-definition': 'web:1',
      'run-task': 'true',
      'run-task-command': "sh -c 'echo",
    },
    input: 'run-task-command',
    message: /unterminated single quote/,
  },
  {
    name: 'tag-deployed-image not a tag',
    action: 'deploy-ecs',
    inputs: {
      cluster: 'shop',
      service: 'web',
      'task-definition': 'web:1',
      'tag-deployed-image': 'prod\r::warning::PWNED',
    },
    input: 'tag-deployed-image',
    message: /must be a Docker tag/,
  },
  {
    name: 'run-task tags with a hostile key',
    action: 'deploy-ecs',
    inputs: {
      cluster: 'shop',
      'task-definition': 'web:1',
      'run-task': 'true',
      'run-task-tags': '[{"key": "x\\n::warning::PWNED", "value": "1"}]',
    },
    input: 'run-task-tags',
    message: /has a character ECS does not allow in tags/,
  },
  {
    name: 'run-task container overrides that are not JSON',
    action: 'deploy-ecs',
    inputs: {
      cluster: 'shop',
      'task-definition': 'web:1',
      'run-task': 'true',
      'run-task-container-overrides': 'app: {command: migrate}',
    },
    input: 'run-task-container-overrides',
    message: /not valid JSON/,
  },
  {
    name: 'run-task started-by carrying a command',
    action: 'deploy-ecs',
    inputs: {
      cluster: 'shop',
      'task-definition': 'web:1',
      'run-task': 'true',
      'run-task-started-by': '::warning::PWNED',
    },
    input: 'run-task-started-by',
    message: /1 to 128 letters/,
  },
  {
    name: 'service EBS volume without its infrastructure role',
    action: 'deploy-ecs',
    inputs: {
      cluster: 'shop',
      service: 'web',
      'task-definition': 'web:1',
      'service-managed-ebs-volume-name': 'data',
      'service-managed-ebs-volume': '{"sizeInGiB": 20}',
    },
    input: 'service-managed-ebs-volume',
    message: /`roleArn` is required/,
  },

  // ── rollback ──────────────────────────────────────────────────────────────
  { name: 'no service', action: 'rollback', inputs: {}, input: 'service', message: /is required/ },
  {
    name: 'service carrying a command',
    action: 'rollback',
    inputs: { cluster: 'shop', service: '::warning::PWNED' },
    input: 'service',
    message: /must be an ECS service name or its ARN/,
  },
  {
    name: 'service with a CR',
    action: 'rollback',
    inputs: { cluster: 'shop', service: 'web\r::error::PWNED' },
    input: 'service',
    message: /"web\\r::error::PWNED"/,
  },
  {
    name: 'indented stop-commands as the cluster',
    action: 'rollback',
    inputs: { cluster: '  ::stop-commands::t0k3n', service: 'web' },
    input: 'cluster',
    message: /must be an ECS cluster name or its ARN/,
  },
  {
    name: 'unknown target',
    action: 'rollback',
    inputs: { cluster: 'shop', service: 'web', to: 'v1.2' },
    input: 'to',
    message: /"v1\.2"/,
  },
  {
    name: 'bad digest',
    action: 'rollback',
    inputs: { cluster: 'shop', service: 'web', to: 'image:sha256:zz' },
    input: 'to',
    message: /is not a digest/,
  },
  {
    name: 'timeout not a number',
    action: 'rollback',
    inputs: { cluster: 'shop', service: 'web', 'timeout-minutes': 'soon' },
    input: 'timeout-minutes',
    message: /"soon"/,
  },
  {
    name: 'dry-run not a boolean',
    action: 'rollback',
    inputs: { cluster: 'shop', service: 'web', 'dry-run': 'perhaps' },
    input: 'dry-run',
    message: /"perhaps"/,
  },
];
