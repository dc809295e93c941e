/**
 * Every action's job summary, as GitHub shows it (issue 19): each summary is
 * built by the action's own summary code for the outcomes a reader meets
 * (success, failure with a cause, rollback, refusal), rendered as
 * GitHub-flavoured Markdown by `marked`, then read like a reader reads it:
 *
 * - the verdict comes first, as the one level-3 heading in words (no emoji),
 *   sections below it at level 4, and on a failure the cause comes before
 *   any table;
 * - the failing log line is shown once in the verdict, not once per task;
 * - no table cell shows Markdown syntax (GitHub does not render Markdown
 *   inside HTML, so a backtick in an HTML cell shows as a backtick);
 * - image references in tables are short (`repo@sha256:` + 12 hex) and the
 *   full ones are in a `<details>` block;
 * - no table is wider than 1000 px by the width model in
 *   packages/testkit/src/summary.ts (TABLE_WIDTH_MODEL, from github-markdown-css).
 *
 * Set BERTH_SUMMARY_PREVIEW_DIR to a folder to also get each rendered summary
 * as an HTML fragment there (to look at in a browser with github-markdown-css).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { likelyCause } from '@berth/shared/deployment/diagnose';
import type { FollowResult } from '@berth/shared/deployment/follow';
import type { DeploymentRecord } from '@berth/shared/deployment/record';
import { addDeploymentSummary } from '@berth/shared/deployment/report';
import {
  estimatedTableWidth,
  markdownLeftIn,
  renderGitHubMarkdown,
  renderSummary,
  tablesOf,
  visibleText,
} from '@berth/testkit/summary.js';
import { describe, expect, it } from '@jest/globals';
import { addSessionSummary } from '../actions/aws-auth/src/session.js';
import type { BuildPushResult } from '../actions/build-push/src/result.js';
import { buildSummary } from '../actions/build-push/src/summary.js';
import { addRegistrationSummary } from '../actions/deploy-ecs/src/register-only.js';
import { summaryTitle } from '../actions/deploy-ecs/src/summary.js';
import { buildFailureSummaryMarkdown, buildSummaryMarkdown } from '../actions/render-taskdef/src/summary.js';
import type { RollbackPlan } from '../actions/rollback/src/plan.js';
import { addRefusalSummary, addRollbackSummary, buildRecord } from '../actions/rollback/src/report.js';
import { entry, finding, NOW, policy } from '../actions/scan-gate/__tests__/helpers.js';
import { evaluateGate } from '../actions/scan-gate/src/policy.js';
import { renderSummary as renderScanSummary } from '../actions/scan-gate/src/summary.js';

const MAX_TABLE_WIDTH_PX = 1000;
/** The rollback's "why this target" table: answers are sentences. */
const WHY_TABLE = 'Question | Answer';

// Image references as real task definitions hold them (../shared/corpus/taskdefs:
// old-console-export-all-nulls.json, appmesh-envoy-firelens-fargate.json); the digest is ours.
const REDASH =
  '644160558196.dkr.ecr.us-east-1.amazonaws.com/stacklet-redash:842a0206d43c0eb4a69cb31d6debdb52a46cb9e7-9d442028dba0f2e9f6a1bc17aba20c73591810a4';
const ENVOY = '840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.12.2.1-prod';
const DIGEST_OLD = `sha256:${'0b1c2d3e4f5a'.repeat(5)}0b1c`;
const DIGEST_NEW = `sha256:${'9f8e7d6c5b4a'.repeat(5)}9f8e`;
const REPO = '361347920884.dkr.ecr.eu-central-1.amazonaws.com/my-ecr-repo';
const TD = (revision: number) =>
  `arn:aws:ecs:eu-central-1:361347920884:task-definition/checkout-service-production:${revision}`;
const TASK = (n: number) =>
  `arn:aws:ecs:eu-central-1:361347920884:task/prod/${String(n).repeat(32).slice(0, 32)}`;
const RUN = {
  runUrl: 'https://github.com/acme/checkout/actions/runs/12345678901/attempts/2',
  actor: 'octocat',
};

/** The line the crashing container wrote last (Node's words for a missing module). */
const CRASH = "Error: Cannot find module '/app/dist/server.js'";

/** Three tasks that failed the same way: the reader needs the crash once. */
const failedTasks: FollowResult['failedTasks'] = [1, 2, 3].map((n) => ({
  taskArn: TASK(n),
  taskId: TASK(n).split('/').pop() as string,
  stoppedReason: 'Essential container in task exited',
  stopCode: 'EssentialContainerExited',
  containers: [
    { name: 'app', exitCode: 1, essential: true },
    { name: 'envoy', exitCode: 0, essential: false },
  ],
  logs: { app: ['> checkout@4.2.0 start', '> node dist/server.js', CRASH] },
}));

const deployRecord = (overrides: Partial<DeploymentRecord>): DeploymentRecord => ({
  schema: 'berth.deployment-record/v1',
  kind: 'deploy',
  cluster: 'prod',
  service: 'checkout-service',
  region: 'eu-central-1',
  from: { taskDefinitionArn: TD(41), images: { app: `${REPO}@${DIGEST_OLD}`, envoy: ENVOY } },
  to: { taskDefinitionArn: TD(42), images: { app: `${REPO}@${DIGEST_NEW}`, envoy: ENVOY } },
  strategy: 'rolling (minimumHealthyPercent 100, maximumPercent 200), circuit breaker with rollback',
  deploymentId: 'ecs-svc/8210984512361250987',
  serviceDeploymentArn:
    'arn:aws:ecs:eu-central-1:361347920884:service-deployment/prod/checkout-service/a1b2c3d4e5f6a7b8c9d0',
  status: 'succeeded',
  startedAt: '2026-12-02T03:10:00.000Z',
  endedAt: '2026-12-02T03:14:31.000Z',
  events: [
    {
      at: '2026-12-02T03:14:30.000Z',
      message: '(service checkout-service) has reached a steady state.',
    },
  ],
  run: RUN,
  ...overrides,
});

const rolledBack = deployRecord({
  status: 'rolled-back',
  reason: 'ECS deployment circuit breaker: tasks failed to start.',
  likelyCause: likelyCause(failedTasks, []),
  failedTasks: failedTasks.map(({ taskId, stoppedReason, stopCode, containers }) => ({
    taskId,
    stoppedReason,
    stopCode,
    containers,
  })),
  events: [
    {
      at: '2026-12-02T03:12:01.000Z',
      message:
        '(service checkout-service) (deployment ecs-svc/8210984512361250987) deployment failed: tasks failed to start.',
    },
    {
      at: '2026-12-02T03:12:02.000Z',
      message: '(service checkout-service) rolling back to deployment ecs-svc/4410984512361250123.',
    },
  ],
});

const rollbackPlan: RollbackPlan = {
  kind: 'plan',
  from: { taskDefinitionArn: TD(42), images: { app: `${REPO}@${DIGEST_NEW}`, envoy: ENVOY } },
  to: { taskDefinition: TD(41), digests: { app: DIGEST_OLD } },
  // Worded as plan.ts words it: a `code` span in a cell of an HTML table.
  why: 'checkout-service-production:41 is the newest ACTIVE revision of family `checkout-service-production` older than the running checkout-service-production:42.',
  foundBy: 'ListServiceDeployments (SUCCESSFUL, newest first), then DescribeServiceDeployments.',
  skipped: ['ecs-svc/8210984512361250987 → checkout-service-production:42: that is what runs now.'],
  notices: ['The family `checkout-service-production` has 3 newer INACTIVE revisions.'],
  path: { kind: 'update-service', reason: 'No deployment is in progress.' },
};

const rollbackRecord = (status: Parameters<typeof buildRecord>[0]['status'], outcomeReason?: string) =>
  buildRecord({
    cluster: 'prod',
    service: 'checkout-service',
    plan: rollbackPlan,
    requested: 'last-successful',
    reason: 'INC-2231: checkout 500s after 4.2.0',
    to: { taskDefinitionArn: TD(41), images: { app: `${REPO}@${DIGEST_OLD}`, envoy: ENVOY } },
    status,
    outcomeReason,
    path: rollbackPlan.path,
    startedAt: Date.UTC(2026, 11, 2, 3, 20),
    endedAt: Date.UTC(2026, 11, 2, 3, 23),
    run: RUN,
  });

const built: BuildPushResult = {
  mode: 'build',
  registry: '361347920884.dkr.ecr.eu-central-1.amazonaws.com',
  repository: 'my-ecr-repo',
  image: REPO,
  digest: DIGEST_NEW,
  tags: ['sha-34693f5', 'v4.2.0', '4.2', '4', 'latest'],
  tagOutcomes: [
    { tag: 'sha-34693f5', outcome: 'pushed' },
    { tag: 'v4.2.0', outcome: 'pushed' },
    { tag: '4.2', outcome: 'moved' },
    { tag: '4', outcome: 'moved' },
    { tag: 'latest', outcome: 'moved' },
  ],
  builder: 'buildah',
  builderVersion: '1.28.2',
  platforms: ['linux/amd64', 'linux/arm64'],
  cache: 'registry',
  cachedSteps: 7,
  sizeBytes: 187_400_000,
  dockerConfig: '/home/runner/work/_temp/berth-build-push-2f9c1d',
};

// Finding titles as long as scanners write them.
const findings = [
  finding({
    id: 'CVE-2023-44487',
    severity: 'HIGH',
    package: 'golang.org/x/net',
    installedVersion: 'v0.7.0',
    fixedVersion: '0.17.0',
    title:
      'HTTP/2 rapid reset can cause excessive work in net/http: the HTTP/2 protocol allows a denial of service (server resource consumption) because request cancellation can reset many streams quickly',
    url: 'https://avd.aquasec.com/nvd/cve-2023-44487',
  }),
  finding({
    id: 'GHSA-qppj-fm5r-hxr3',
    severity: 'CRITICAL',
    package: 'github.com/opencontainers/runc',
    installedVersion: 'v1.1.5',
    fixedVersion: '1.1.12',
    title: 'runc vulnerable to container breakout through process.cwd trickery and leaked fds',
    url: 'https://github.com/advisories/GHSA-qppj-fm5r-hxr3',
  }),
];

const SCAN_IMAGE = `${REPO}:v4.2.0@${DIGEST_NEW}`;

interface Case {
  name: string;
  /** What GITHUB_STEP_SUMMARY receives. */
  markdown: string;
  /** On a failure: text of the cause that must come before the first table. */
  cause?: string;
  /** The failing log line, shown once outside the folded evidence. */
  failingLine?: string;
  /** Full references that tables show short: each must be in a `<details>` block. */
  full?: string[];
  /**
   * Tables, by their header row, whose cells are sentences that wrap by design
   * (finding titles, why a rollback target was chosen): only their narrowest
   * width (min-content) is held to 1000 px.
   */
  wrapping?: string[];
}

const CASES: Case[] = [
  {
    name: 'deploy-ecs succeeded',
    markdown: renderSummary((s) => {
      const record = deployRecord({});
      addDeploymentSummary(s, record, summaryTitle(record));
    }),
    full: [`${REPO}@${DIGEST_NEW}`, TD(42)],
  },
  {
    name: 'deploy-ecs rolled back with a cause',
    markdown: renderSummary((s) =>
      addDeploymentSummary(s, rolledBack, summaryTitle(rolledBack), {
        failedTasks,
        running: { taskDefinitionArn: TD(41), images: rolledBack.from?.images ?? {} },
      }),
    ),
    cause: 'Essential container app exited with code 1',
    failingLine: CRASH,
    full: [`${REPO}@${DIGEST_NEW}`, `${REPO}@${DIGEST_OLD}`, TD(41), TD(42)],
  },
  {
    name: 'deploy-ecs one-off task failed',
    markdown: renderSummary((s) => {
      const record = deployRecord({
        kind: 'run-task',
        service: undefined,
        from: undefined,
        strategy: undefined,
        deploymentId: undefined,
        serviceDeploymentArn: undefined,
        status: 'failed',
        reason: 'Essential container in task exited',
        likelyCause: likelyCause(failedTasks.slice(0, 1), []),
        task: { taskArn: TASK(1), exitCode: 1 },
        events: [],
      });
      addDeploymentSummary(s, record, summaryTitle(record, 'checkout-migrate'), {
        failedTasks: failedTasks.slice(0, 1),
      });
    }),
    cause: 'Essential container app exited with code 1',
    failingLine: CRASH,
    full: [TASK(1)],
  },
  {
    name: 'deploy-ecs registered only',
    markdown: renderSummary((s) =>
      addRegistrationSummary(
        s,
        {
          arn: TD(42),
          origin: 'registered',
          definition: {
            family: 'checkout-service-production',
            containerDefinitions: [{ name: 'app', image: `${REPO}@${DIGEST_NEW}` }],
          },
        },
        'nightly',
      ),
    ),
    full: [`${REPO}@${DIGEST_NEW}`, TD(42)],
  },
  {
    name: 'rollback succeeded',
    markdown: renderSummary((s) => addRollbackSummary(s, rollbackRecord('succeeded'))),
    full: [`${REPO}@${DIGEST_OLD}`, TD(41)],
    wrapping: [WHY_TABLE],
  },
  {
    name: 'rollback failed and ECS rolled it back',
    markdown: renderSummary((s) => {
      const record = {
        ...rollbackRecord('rolled-back', 'ECS deployment circuit breaker: tasks failed to start.'),
        likelyCause: likelyCause(failedTasks, []),
      };
      addRollbackSummary(s, record, {
        failedTasks,
        running: { taskDefinitionArn: TD(42), images: rollbackPlan.from.images },
      });
    }),
    cause: 'Essential container app exited with code 1',
    failingLine: CRASH,
    full: [`${REPO}@${DIGEST_OLD}`, TD(41), TD(42)],
    wrapping: [WHY_TABLE],
  },
  {
    name: 'rollback refused',
    markdown: renderSummary((s) =>
      addRefusalSummary(
        s,
        'checkout-service',
        'rollback: checkout-service-production:41 cannot start: its image my-ecr-repo@sha256:0b1c2d3e4f5a is no longer in ECR.',
      ),
    ),
    cause: 'is no longer in ECR',
  },
  {
    name: 'build-push built and pushed',
    markdown: renderSummary(buildSummary(built)),
    full: [`${REPO}@${DIGEST_NEW}`, `${REPO}:v4.2.0`],
  },
  {
    name: 'build-push promoted',
    markdown: renderSummary(
      buildSummary({
        ...built,
        mode: 'promote',
        builder: 'none',
        builderVersion: undefined,
        source: `${REPO}:sha-34693f5`,
        tags: ['production'],
        tagOutcomes: [{ tag: 'production', outcome: 'moved' }],
        dockerConfig: undefined,
      }),
    ),
    full: [`${REPO}@${DIGEST_NEW}`],
  },
  {
    name: 'render-taskdef rendered and pinned',
    markdown: buildSummaryMarkdown({
      family: 'checkout-service-production',
      source: '.aws/task-definitions/checkout-service-production.json',
      output:
        '/home/runner/work/_temp/berth-render-3c1f/task-definition-checkout-service-production-c69fb56b.json',
      render: {
        images: [
          { container: 'app', before: `${REPO}:latest`, after: `${REPO}:v4.2.0`, fromInput: true },
          { container: 'envoy', before: ENVOY, after: ENVOY, fromInput: false },
          { container: 'redash', before: REDASH, after: REDASH, fromInput: false },
        ],
        changes: [`Container \`app\`: image \`${REPO}:latest\` → \`${REPO}:v4.2.0\`.`],
        removedReadOnly: ['taskDefinitionArn', 'revision', 'status'],
        removedNulls: [],
        removedTags: [],
      } as unknown as Parameters<typeof buildSummaryMarkdown>[0]['render'],
      pins: [
        { container: 'app', status: 'pinned', pinned: `${REPO}@${DIGEST_NEW}` },
        { container: 'envoy', status: 'not-pinned' },
      ] as unknown as Parameters<typeof buildSummaryMarkdown>[0]['pins'],
      warnings: [],
    }),
    full: [`${REPO}@${DIGEST_NEW}`, REDASH, ENVOY],
  },
  {
    name: 'render-taskdef invalid',
    markdown: buildFailureSummaryMarkdown(
      '.aws/task-definitions/checkout-service-production.json',
      [
        {
          message:
            '`cpu` 256 with `memory` 4096 is not a Fargate task size; with 256 CPU units Fargate accepts `memory` `512`, `1024` or `2048` (MiB).',
        },
      ] as unknown as Parameters<typeof buildFailureSummaryMarkdown>[1],
      [],
    ),
    cause: 'is not a Fargate task size',
  },
  (() => {
    const allowlist = [entry({ id: 'CVE-2022-0001', reason: 'old', expires: '2025-12-31', line: 6 })];
    const gatePolicy = policy({ allowlist });
    return {
      name: 'scan-gate failed',
      markdown: renderScanSummary({
        subject: 'ECR enhanced (Amazon Inspector) scan of `my-ecr-repo@sha256:9f8e7d6c5b4a`',
        image: SCAN_IMAGE,
        verdict: evaluateGate(findings, gatePolicy, NOW),
        policy: gatePolicy,
        allowlistPath: '.github/scan-allowlist.yml',
        notes: [],
      }),
      cause: '1 CRITICAL finding',
      full: [SCAN_IMAGE],
      wrapping: ['Severity | ID | Package | Installed → fixed | Title'],
    };
  })(),
  {
    name: 'scan-gate passed',
    markdown: renderScanSummary({
      subject: 'Trivy report `trivy-results/checkout-service.json`',
      verdict: evaluateGate([], policy(), NOW),
      policy: policy(),
      notes: [],
    }),
  },
  {
    name: 'scan-gate unscanned',
    markdown: renderScanSummary({
      subject: '`my-ecr-repo@sha256:9f8e7d6c5b4a`',
      image: SCAN_IMAGE,
      verdict: evaluateGate([], policy(), NOW),
      policy: policy(),
      unscanned: {
        status: 'UNSUPPORTED_IMAGE',
        reason: 'ECR cannot scan this image (UNSUPPORTED_IMAGE).',
        advice: 'Scan it with Trivy or Grype and give the report.',
        allowed: false,
      },
      notes: [],
    }),
    cause: 'ECR cannot scan this image',
    full: [SCAN_IMAGE],
  },
  {
    name: 'aws-auth signed in',
    markdown: renderSummary((s) =>
      addSessionSummary(
        s,
        {
          accountId: '361347920884',
          assumedRoleArn:
            'arn:aws:sts::361347920884:assumed-role/github-actions-checkout-deploy/GitHubActions',
          roleArn: 'arn:aws:iam::361347920884:role/github-actions-checkout-deploy',
          roleSessionName: 'GitHubActions',
          region: 'eu-central-1',
          expiration: new Date('2026-12-02T04:10:00Z'),
          accessKeyId: 'ASIAEXAMPLEEXAMPLE00',
          secretAccessKey: 'secret-not-shown',
          sessionToken: 'token-not-shown',
        },
        true,
      ),
    ),
  },
];

const EMOJI = /\p{Extended_Pictographic}/u;
const outsideDetails = (html: string) => html.replace(/<details>[\s\S]*?<\/details>/g, '');
const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe.each(CASES)('the $name summary, rendered as GitHub renders it', (c) => {
  let html = '';
  const rendered = async () => {
    if (html) return html;
    html = await renderGitHubMarkdown(c.markdown);
    const dir = process.env.BERTH_SUMMARY_PREVIEW_DIR;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${c.name.replace(/\W+/g, '-')}.html`), html);
    }
    return html;
  };

  it('opens with the verdict: one level-3 heading in words, sections at level 4', async () => {
    const page = await rendered();
    expect(page).toMatch(/^<h3>/);
    const headings = [...page.matchAll(/<h(\d)>([\s\S]*?)<\/h\1>/g)];
    expect(headings.filter(([, level]) => level === '3')).toHaveLength(1);
    for (const [, level, text] of headings) {
      expect(['3', '4']).toContain(level);
      expect(visibleText(text)).not.toMatch(EMOJI);
    }
  });

  it('says the cause before any table, and the failing log line once', async () => {
    const page = await rendered();
    if (c.cause) {
      const at = visibleText(page).indexOf(c.cause);
      expect(at).toBeGreaterThan(-1);
      const firstTable = page.indexOf('<table');
      if (firstTable !== -1) expect(at).toBeLessThan(visibleText(page.slice(0, firstTable)).length);
    }
    if (c.failingLine) {
      // Once in the verdict; the folded excerpt holds it once more, however many tasks wrote it.
      expect(occurrences(visibleText(outsideDetails(page)), c.failingLine)).toBe(1);
      expect(occurrences(visibleText(page), c.failingLine)).toBe(2);
    }
  });

  it('shows no Markdown syntax in a table cell', async () => {
    for (const table of tablesOf(await rendered())) {
      for (const row of table) {
        for (const cell of row) expect(markdownLeftIn(visibleText(cell.html))).toBeUndefined();
      }
    }
  });

  it('shortens image references in tables and keeps them whole in a details block', async () => {
    const page = await rendered();
    for (const table of tablesOf(page)) {
      for (const row of table) {
        for (const cell of row) {
          const text = visibleText(cell.html);
          expect(text).not.toMatch(/sha256:[0-9a-f]{13}/);
          expect(text).not.toMatch(/\.amazonaws\.com\//);
        }
      }
    }
    const folded = [...page.matchAll(/<details>([\s\S]*?)<\/details>/g)]
      .map(([, d]) => visibleText(d))
      .join('\n');
    for (const reference of c.full ?? []) expect(folded).toContain(reference);
  });

  it(`fits every table in ${MAX_TABLE_WIDTH_PX} px`, async () => {
    for (const table of tablesOf(await rendered())) {
      const header = table[0].map((cell) => visibleText(cell.html)).join(' | ');
      // Never wider than the page, even at its narrowest (words unbroken): no sideways scrolling.
      const narrowest = estimatedTableWidth(table, 'min-content');
      expect(narrowest <= MAX_TABLE_WIDTH_PX ? 'fits' : `${header}: ${narrowest} px`).toBe('fits');
      // Berth's own short values fit on one line per cell; finding titles wrap by design.
      if (c.wrapping?.includes(header)) continue;
      const width = estimatedTableWidth(table, 'max-content');
      expect(width <= MAX_TABLE_WIDTH_PX ? 'fits' : `${header}: ${width} px`).toBe('fits');
    }
  });
});

describe('the width model', () => {
  it('counts padding, borders and code spans per column, widest cell first', () => {
    // One column, one 10-character text cell: 10 × 8.8 px + 26 px padding + 1 px border.
    expect(estimatedTableWidth([[{ header: false, html: 'abcdefghij' }]], 'max-content')).toBe(115);
    // A code span: 13.6 px font × 0.6 per glyph, plus its .2em/.4em padding (10.88 px).
    expect(estimatedTableWidth([[{ header: false, html: '<code>abcdefghij</code>' }]], 'max-content')).toBe(
      119,
    );
    // min-content keeps only the longest word.
    expect(estimatedTableWidth([[{ header: false, html: 'ab abcdefghij' }]], 'min-content')).toBe(115);
    // Columns add up; rows take the widest.
    expect(
      estimatedTableWidth(
        [
          [
            { header: false, html: 'a' },
            { header: false, html: 'b' },
          ],
          [
            { header: false, html: 'abcdefghij' },
            { header: false, html: 'b' },
          ],
        ],
        'max-content',
      ),
    ).toBe(115 + 36);
  });

  it('reads each character reference once, as a browser does', () => {
    expect(visibleText('<td>a &#38;lt; b &lt;i&gt; &amp;amp; &#x41;&quot;</td>')).toBe(
      'a &lt; b <i> &amp; A"',
    );
  });

  it('sees Markdown left in rendered text, and not ordinary punctuation', () => {
    expect(markdownLeftIn('exit code `1`')).toBe('`1`');
    expect(markdownLeftIn('**failed**')).toBe('**failed**');
    expect(markdownLeftIn('see [docs](https://x)')).toBe('[docs](https://x)');
    expect(markdownLeftIn('my_ecr_repo → web:41 (exit code 1); a_b')).toBeUndefined();
  });
});

describe("ECS's service events in a summary", () => {
  it('are a list that wraps, not a <pre> that scrolls: an ECS event line is wider than the page', async () => {
    const page = await renderGitHubMarkdown(
      renderSummary((s) => addDeploymentSummary(s, rolledBack, summaryTitle(rolledBack))),
    );
    const events = /<summary>Last 2 service events<\/summary>([\s\S]*?)<\/details>/.exec(page)?.[1] ?? '';
    expect(events).not.toContain('<pre>');
    expect(events).toContain(
      '<li><code>03:12:01</code> (service checkout-service) (deployment ecs-svc/8210984512361250987) deployment failed: tasks failed to start.</li>',
    );
  });
});
