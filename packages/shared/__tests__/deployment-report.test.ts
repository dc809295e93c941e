import { recordingLogger } from '@berth/testkit/doubles.js';
import { renderSummary } from '@berth/testkit/summary.js';
import type { FollowResult } from '../src/deployment/follow.js';
import type { DeploymentRecord } from '../src/deployment/record.js';
import { runContext } from '../src/deployment/record.js';
import {
  addDeploymentSummary,
  addRecordToSummary,
  failingLogLine,
  failureLine,
  headline,
  imagesOf,
  printFailureReport,
  runLinkText,
} from '../src/deployment/report.js';

const failed: FollowResult = {
  outcome: 'rolled-back',
  phase: 'rolled-back',
  reason: 'ECS deployment circuit breaker: tasks failed to start.',
  events: [
    {
      id: '1',
      createdAt: new Date('2026-01-01T00:00:05Z'),
      message: '(service web) rolling back to deployment ecs-svc/1.',
    },
  ],
  failedTasks: [
    {
      taskArn: 'arn:aws:ecs:us-east-1:1:task/c/t1',
      taskId: 't1',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'web', exitCode: 2, essential: true }],
      logs: { web: ['starting', 'panic: config missing'] },
    },
  ],
  likelyCause: 'Essential container `web` exited with code 2; its last log lines are below.',
  usedServiceDeploymentsApi: true,
  readCalls: 4,
  startedAt: 0,
  endedAt: 1,
};

describe('failure report', () => {
  it('prints cause, failed tasks, their logs, events and attempted versus running, as plain lines (no annotation)', () => {
    const logger = recordingLogger();
    printFailureReport(
      failed,
      { taskDefinitionArn: 'td:2', images: { web: 'repo@sha256:bad' } },
      { taskDefinitionArn: 'td:1', images: { web: 'repo@sha256:good' } },
      logger,
    );
    expect(logger.lines).toEqual([
      'Deployment failed and ECS rolled it back: ECS deployment circuit breaker: tasks failed to start.',
      'Likely cause: Essential container `web` exited with code 2; its last log lines are below.',
      'group: Failed tasks (1)',
      'task t1: Essential container in task exited',
      '  container web: exit code 2',
      'group: Last 2 log lines of web in task t1',
      'starting',
      'panic: config missing',
      'group: Last 1 service events',
      '00:00:05  (service web) rolling back to deployment ecs-svc/1.',
      'group: Attempted versus running now',
      'attempted: td:2',
      '  web: repo@sha256:bad',
      'running:   td:1',
      '  web: repo@sha256:good',
    ]);
  });

  it.each([
    [{ outcome: 'succeeded', phase: 'succeeded' }, 'Deployment succeeded'],
    [{ outcome: 'timed-out', phase: 'in-progress' }, 'Deployment timed out'],
    [{ outcome: 'failed', phase: 'replaced' }, 'Deployment was replaced by another deployment'],
    [{ outcome: 'failed', phase: 'rollback-failed' }, 'Deployment failed and the rollback failed too'],
    [{ outcome: 'failed', phase: 'failed' }, 'Deployment failed'],
  ] as const)('headline %o', (result, text) => {
    expect(headline(result)).toBe(text);
  });

  it('maps containers to images', () => {
    expect(
      imagesOf({
        containerDefinitions: [
          { name: 'web', image: 'a' },
          { name: 'sidecar', image: 'b' },
          { name: 'noimage' },
        ],
      }),
    ).toEqual({ web: 'a', sidecar: 'b' });
  });

  it('builds the run URL and actor from the runner environment', () => {
    expect(
      runContext({
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_RUN_ID: '42',
        GITHUB_RUN_ATTEMPT: '2',
        GITHUB_ACTOR: 'ann',
        GITHUB_TRIGGERING_ACTOR: 'bob',
      }),
    ).toMatchObject({ runUrl: 'https://github.com/acme/shop/actions/runs/42/attempts/2', actor: 'bob' });
  });

  it('renders a record into the summary with escaped values', () => {
    const record: DeploymentRecord = {
      schema: 'berth.deployment-record/v1',
      kind: 'rollback',
      cluster: 'prod',
      service: 'web',
      from: { taskDefinitionArn: 'td:2', images: { web: 'bad' } },
      to: { taskDefinitionArn: 'td:1', images: { web: 'good' } },
      status: 'succeeded',
      requestedReason: 'checkout <broken>',
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:01:00.000Z',
      events: [],
      run: {},
    };
    const html = renderSummary((summary) => addRecordToSummary(summary, record, 'Rolled back web'));
    expect(html).toMatch(/^<h3>Rolled back web<\/h3>\n/);
    expect(html).toContain('checkout &lt;broken&gt;');
    expect(html).toContain('<code>bad</code>');
    expect(html).not.toContain('<broken>');
  });

  it('marks a deployment that was not waited for, and shows a one-off task', () => {
    const html = renderSummary((summary) =>
      addRecordToSummary(
        summary,
        {
          schema: 'berth.deployment-record/v1',
          kind: 'run-task',
          cluster: 'prod',
          to: { taskDefinitionArn: 'td:1', images: {} },
          status: 'started',
          startedAt: '2026-01-01T00:00:00.000Z',
          endedAt: '2026-01-01T00:00:01.000Z',
          events: [],
          task: { taskArn: 'arn:aws:ecs:us-east-1:1:task/prod/abc', exitCode: 0 },
          run: {},
        },
        'Migration started',
      ),
    );
    expect(html).toMatch(/^<h3>Migration started<\/h3>\n/);
    expect(html).toContain('prod / (one-off task)');
    expect(html).toContain('<td>abc (exit code 0)</td>');
  });

  it("adds the failed containers' logs, once per identical excerpt, and attempted versus running", () => {
    const twin = { ...failed.failedTasks[0], taskArn: 'arn:aws:ecs:us-east-1:1:task/c/t2', taskId: 't2' };
    const record: DeploymentRecord = {
      schema: 'berth.deployment-record/v1',
      kind: 'deploy',
      cluster: 'prod',
      service: 'web',
      from: { taskDefinitionArn: 'td:1', images: { web: 'repo@sha256:good' } },
      to: { taskDefinitionArn: 'td:2', images: { web: 'repo@sha256:bad' } },
      status: 'rolled-back',
      reason: failed.reason,
      likelyCause: failed.likelyCause,
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:01:00.000Z',
      events: [],
      run: {},
    };
    const html = renderSummary((summary) =>
      addDeploymentSummary(summary, record, 'Deployment of web failed and ECS rolled it back', {
        failedTasks: [failed.failedTasks[0], twin],
        running: { taskDefinitionArn: 'td:1', images: { web: 'repo@sha256:good', sidecar: 'envoy<1>' } },
      }),
    );
    // Line breaks as character references: a blank log line must not end the HTML block.
    expect(html).toContain(
      '<details><summary>Last 2 log lines of web (the same in 2 tasks)</summary><p>Tasks t1, t2</p><pre>starting&#10;panic: config missing</pre></details>',
    );
    expect(html.match(/panic: config missing/g)).toHaveLength(2); // the failing line once, the excerpt once
    expect(html).toContain('<code>td:2</code>');
    expect(html).toContain('<code>repo@sha256:good</code>');
    expect(html).toContain('envoy&lt;1&gt;');
    expect(html).not.toContain('envoy<1>');
  });

  it('names the failing log line most tasks share, once', () => {
    const task = (id: string, last: string) => ({
      taskArn: `arn:aws:ecs:us-east-1:1:task/c/${id}`,
      taskId: id,
      containers: [],
      logs: { web: ['starting', last] },
    });
    expect(
      failingLogLine([task('a', 'timeout'), task('b', 'panic'), task('c', 'panic'), task('d', 'panic')]),
    ).toEqual({ from: 'web, 3 tasks', line: 'panic' });
    expect(failingLogLine([{ ...task('a', ''), logs: { web: [] } }])).toBeUndefined();
  });

  it('names a run by its id and attempt', () => {
    // runContext's URL form: https://github.com/<repo>/actions/runs/<id>/attempts/<n>
    expect(runLinkText('https://github.com/acme/shop/actions/runs/42/attempts/2')).toBe('run 42 (attempt 2)');
    expect(runLinkText('https://github.com/acme/shop/actions/runs/42/attempts/1')).toBe('run 42');
    expect(runLinkText('https://github.com/acme/shop/actions/runs/42')).toBe('run 42');
  });

  it('words the one failure line with the likely cause', () => {
    expect(failureLine('Deployment failed', 'tasks failed to start.', 'Image pull failure.')).toBe(
      'Deployment failed: tasks failed to start. Likely cause: Image pull failure.',
    );
    expect(failureLine('Task failed', undefined, 'OOM.')).toBe('Task failed. Likely cause: OOM.');
    expect(failureLine('Task failed', 'exit 1', undefined)).toBe('Task failed: exit 1');
  });
});
