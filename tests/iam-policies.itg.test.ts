/**
 * The documented policies by name: every AWS operation an action's code can call is
 * granted by its template, nothing is granted without a reason, and the per-environment
 * files in docs/iam are exactly what the templates generate. Whether the grants are
 * *sufficient* and *narrow* is proven elsewhere: every integration test runs under the
 * action's policy in the emulator (runAction), and tests/iam-enforcement.test.ts shows
 * what each policy denies.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@berth/testkit/paths.js';
import {
  BERTH_POLICIES,
  type BerthPolicy,
  berthTemplate,
  generatedPolicyDocs,
} from '../packages/emulator/src/iam/berth-policies.js';
import { statementsOf } from '../packages/emulator/src/iam/evaluate.js';
import { POLICIES_OF_ACTION, POLICY_GRANTS } from '../packages/shared/src/iam-grants.js';
import { awsOperationsOf } from './aws-operations.js';

const ACTIONS = readdirSync(join(REPO_ROOT, 'actions')).filter((name) =>
  existsSync(join(REPO_ROOT, 'actions', name, 'src', 'index.ts')),
);

/** Operations the trust policy governs, or that need no permission at all. */
const NO_PERMISSION_NEEDED = new Set(['sts:AssumeRoleWithWebIdentity', 'sts:GetCallerIdentity']);

/** What a policy may grant beyond Berth's own API calls, and why. */
const GRANTED_FOR_OTHER_REASONS: Record<string, Record<string, string>> = {
  'build-push': {
    'ecr:BatchCheckLayerAvailability': 'the builder pushes layers',
    'ecr:InitiateLayerUpload': 'the builder pushes layers',
    'ecr:UploadLayerPart': 'the builder pushes layers',
    'ecr:CompleteLayerUpload': 'the builder pushes layers',
    'ecr:GetDownloadUrlForLayer': 'the builder pulls base images and the registry cache',
    'ecr:PutImage': 'the builder pushes manifests',
    'ecr:BatchGetImage': 'the builder pulls base images and the registry cache',
  },
  // https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced-iam.html
  'scan-gate': {
    'inspector2:ListFindings': 'ECR reads enhanced (Inspector) findings with the caller’s permission',
  },
  'deploy-ecs': {
    'iam:PassRole': 'registering task definitions with task and execution roles',
    'ecs:TagResource': 'registering task definitions and running tasks with tags (ecs:CreateAction)',
  },
  'run-task': {
    'iam:PassRole': 'registering task definitions with task and execution roles',
    'ecs:TagResource': 'registering task definitions and running tasks with tags (ecs:CreateAction)',
  },
};

function policyActions(policy: BerthPolicy): string[] {
  return statementsOf(berthTemplate(policy)).flatMap((s) => [s.Action ?? []].flat());
}

/** The template an action's documented role carries; deploy-ecs also has the batch (run-task) policy. */
const TEMPLATES: Record<string, BerthPolicy[]> = {
  'build-push': ['build-push'],
  'scan-gate': ['scan-gate'],
  'render-taskdef': ['render-taskdef'],
  'deploy-ecs': ['deploy-ecs'],
  rollback: ['rollback'],
  'aws-auth': [],
};

describe.each(ACTIONS)('IAM policy of %s', (action) => {
  const { operations } = awsOperationsOf(action);
  const granted = (TEMPLATES[action] ?? []).flatMap(policyActions);

  it('allows every AWS operation the code can call', () => {
    const missing = operations.filter((op) => !NO_PERMISSION_NEEDED.has(op) && !granted.includes(op));
    expect(missing).toEqual([]);
  });

  it('grants nothing the code does not need', () => {
    const extra = granted.filter(
      (op) => !operations.includes(op) && !GRANTED_FOR_OTHER_REASONS[action]?.[op],
    );
    expect(extra).toEqual([]);
  });
});

describe('the batch (run-task) policy', () => {
  it('grants a subset of what deploy-ecs calls, nothing about services', () => {
    const { operations } = awsOperationsOf('deploy-ecs');
    const granted = policyActions('run-task');
    expect(
      granted.filter((op) => !operations.includes(op) && !GRANTED_FOR_OTHER_REASONS['run-task'][op]),
    ).toEqual([]);
    expect(granted.filter((op) => /Service/.test(op))).toEqual([]);
  });
});

describe('docs/iam', () => {
  it('holds exactly the generated per-environment policies (run scripts/generate-iam-docs.ts when this fails)', () => {
    const generated = generatedPolicyDocs();
    const committed = readdirSync(join(REPO_ROOT, 'docs', 'iam'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'templates')
      .flatMap((dir) =>
        readdirSync(join(REPO_ROOT, 'docs', 'iam', dir.name))
          .filter((name) => name.endsWith('.json'))
          .map((name) => join('docs', 'iam', dir.name, name)),
      )
      .sort();
    expect(committed).toEqual([...generated.keys()].sort());
    for (const [path, text] of generated) {
      expect([path, JSON.parse(readFileSync(join(REPO_ROOT, path), 'utf8'))]).toEqual([
        path,
        JSON.parse(text),
      ]);
    }
  });

  it('has a template for every policy and no placeholder left in the generated files', () => {
    for (const policy of BERTH_POLICIES)
      expect(existsSync(join(REPO_ROOT, 'docs', 'iam', 'templates', `${policy}.json`))).toBe(true);
    for (const [path, text] of generatedPolicyDocs())
      expect([path, text.match(/\$\{\w+\}/g)]).toEqual([path, null]);
  });
});

describe('the denial advice table (packages/shared/src/iam-grants.ts)', () => {
  it('says for every policy exactly which statement grants each action, as the templates do', () => {
    const fromTemplates: Record<string, Record<string, string>> = {};
    for (const policy of BERTH_POLICIES) {
      fromTemplates[policy] = {};
      for (const statement of statementsOf(berthTemplate(policy))) {
        for (const action of [statement.Action ?? []].flat())
          fromTemplates[policy][action] ??= statement.Sid ?? '';
      }
    }
    expect(POLICY_GRANTS).toEqual(fromTemplates);
  });

  it('knows the policies of every action that calls AWS', () => {
    for (const action of ACTIONS.filter((a) => a !== 'aws-auth')) {
      expect([action, POLICIES_OF_ACTION[action]?.[0]]).toEqual([action, TEMPLATES[action][0]]);
    }
  });
});

describe('action bundles', () => {
  it('carry neither the IAM data nor an IAM simulator (the evaluator is test and emulator code only)', () => {
    for (const action of ACTIONS) {
      const bundle = readFileSync(join(REPO_ROOT, 'actions', action, 'dist', 'index.js'), 'utf8');
      expect([action, /@cloud-copilot\/iam-(data|simulate)|iam-simulate/.test(bundle)]).toEqual([
        action,
        false,
      ]);
    }
  });
});

describe('the operation scanner', () => {
  it('finds the calls of the deploy path, through shared modules', () => {
    const { operations } = awsOperationsOf('deploy-ecs');
    expect(operations).toEqual(
      expect.arrayContaining([
        'ecs:RegisterTaskDefinition',
        'ecs:UpdateService',
        'ecs:DescribeServices',
        'logs:GetLogEvents',
      ]),
    );
  });
});
