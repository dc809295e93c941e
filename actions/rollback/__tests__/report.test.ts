import type { SummaryWriter } from '@berth/shared/summary';
import { describe, expect, it } from '@jest/globals';
import type { RollbackPlan } from '../src/plan.js';
import { addRefusalSummary, addRollbackSummary, buildRecord, planLines } from '../src/report.js';

const TD = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/web:${n}`;

/** A summary that records what was added, as text. */
function recorder() {
  const parts: string[] = [];
  const cell = (c: string | { data: string }) => (typeof c === 'string' ? c : c.data);
  const add = (text: string): SummaryWriter => {
    parts.push(text);
    return builder;
  };
  const builder: SummaryWriter = {
    addHeading: (text, level) => add(`h${level}: ${text}`),
    addRaw: (text) => add(text),
    addTable: (rows) => add(rows.map((row) => row.map(cell).join(' | ')).join('\n')),
    addList: (items) => add(items.map((item) => `- ${item}`).join('\n')),
    addDetails: (label, content) => add(`${label}: ${content}`),
    addCodeBlock: (code) => add(`\`\`\`\n${code}\n\`\`\``),
  };
  return { builder, text: () => parts.join('\n') };
}

const plan: RollbackPlan = {
  kind: 'plan',
  from: { taskDefinitionArn: TD(7), images: { web: 'shop@sha256:7' } },
  to: { taskDefinition: TD(6), digests: { web: 'sha256:6' } },
  why: 'web:6 is the target of the newest SUCCESSFUL deployment <b>',
  foundBy: 'ListServiceDeployments',
  skipped: ['deployment x → web:7: that is what runs now.'],
  notices: ['a notice'],
  path: { kind: 'update-service', reason: 'No deployment is in progress.' },
};

const record = (status: Parameters<typeof buildRecord>[0]['status']) =>
  buildRecord({
    cluster: 'prod',
    service: 'web',
    plan,
    requested: 'last-successful',
    reason: 'INC-1 <script>',
    to: { taskDefinitionArn: TD(6), images: { web: 'shop@sha256:6' } },
    status,
    path: plan.path,
    startedAt: Date.UTC(2026, 0, 1),
    endedAt: Date.UTC(2026, 0, 1, 0, 5),
    run: { runUrl: 'https://github.com/acme/shop/actions/runs/1', actor: 'octocat' },
  });

describe('the rollback summary', () => {
  it('shows the shared record table, then why this target, how it was found, the path and what was passed over (escaped)', () => {
    const { builder, text } = recorder();
    addRollbackSummary(builder, record('succeeded'));
    const summary = text();
    expect(summary).toMatch(/^h3: Rollback of web to web:6 succeeded\n/);
    expect(summary).toContain('Reason given | INC-1 &lt;script&gt;');
    expect(summary).toContain('h4: Why this target');
    expect(summary).toContain(
      'Why this target | web:6 is the target of the newest SUCCESSFUL deployment &lt;b&gt;',
    );
    expect(summary).toContain(
      'How it was rolled back | UpdateService to the target. No deployment is in progress.',
    );
    expect(summary).toContain('- a notice');
    expect(summary).toContain(
      'Passed over (1): <ul><li>deployment x → web:7: that is what runs now.</li></ul>',
    );
  });

  it('marks a started (not followed) rollback as neither success nor failure', () => {
    const { builder, text } = recorder();
    addRollbackSummary(builder, record('started'));
    expect(text()).toMatch(
      /^h3: Rollback of web to web:6 started \(not followed to its end: wait is false\)\n/,
    );
    expect(text()).not.toContain('failed');
  });

  it('says a refused rollback changed nothing and shows the message', () => {
    const { builder, text } = recorder();
    addRefusalSummary(builder, 'web', 'The target `web:6` cannot start <now>.');
    expect(text()).toBe(
      'h3: Rollback of web refused: nothing was changed\n<p><b>Why:</b> The target <code>web:6</code> cannot start &lt;now&gt;.</p>',
    );
  });
});

describe('buildRecord and planLines', () => {
  it('writes the shared record format with kind rollback, the reason and the plan behind it', () => {
    expect(record('dry-run')).toMatchObject({
      schema: 'berth.deployment-record/v1',
      kind: 'rollback',
      status: 'dry-run',
      requestedReason: 'INC-1 <script>',
      from: { taskDefinitionArn: TD(7) },
      to: { taskDefinitionArn: TD(6) },
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:05:00.000Z',
      events: [],
      rollback: { requested: 'last-successful', path: 'update-service', skipped: plan.skipped },
    });
  });

  it('prints the plan line by line', () => {
    expect(planLines(plan, 'last-successful', 'INC-1')).toEqual([
      `from: ${TD(7)}`,
      '        web: shop@sha256:7',
      `to:   ${TD(6)}`,
      '        web: ran sha256:6',
      'requested: to: last-successful',
      'why this target: web:6 is the target of the newest SUCCESSFUL deployment <b>',
      'how it was found: ListServiceDeployments',
      'passed over: deployment x → web:7: that is what runs now.',
      'path: UpdateService to the target. No deployment is in progress.',
      'reason given: INC-1',
    ]);
  });
});
