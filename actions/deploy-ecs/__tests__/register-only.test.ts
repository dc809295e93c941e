/**
 * What register-only and the one-off task's request say: the job summary of a registration
 * (rendered with @actions/core's own builder) and the log lines of a RunTask request, which
 * name overridden variables but never their values.
 */
import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { renderSummary } from '@berth/testkit/summary.js';
import { addRegistrationSummary } from '../src/register-only.js';
import { describeRunTaskRequest } from '../src/run-task.js';

const ARN = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7';
const definition: TaskDefinition = {
  family: 'web',
  containerDefinitions: [
    { name: 'app', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:abc' },
    { name: 'proxy', image: 'public.ecr.aws/nginx/nginx:1.27' },
  ],
};

describe('the register-only job summary', () => {
  it('says what was registered, how, its images, and that nothing was deployed', () => {
    const html = renderSummary((s) =>
      addRegistrationSummary(s, { arn: ARN, definition, origin: 'registered' }, 'nightly <build>'),
    );
    // The verdict first, in every action's heading style (level 3, no emoji), then the facts.
    expect(html.indexOf('<h3>Task definition web:7 registered, nothing deployed</h3>')).toBe(0);
    expect(html).toContain('<p><b>How:</b> Registered</p>');
    expect(html).toContain(
      '<p><b>Why nothing was deployed:</b> Neither <code>service</code> nor <code>run-task</code> is set, so no service was updated and no task was run.</p>',
    );
    // Images shortened in the table (repository path and 12 hex at most), full references folded.
    expect(html).toContain('<td><code>nginx/nginx:1.27</code></td>');
    expect(html).toContain('<td><code>shop@sha256:abc</code></td>');
    expect(html).toContain(`<li>task definition: <code>${ARN}</code></li>`);
    expect(html).toContain(
      '<li>app: <code>123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:abc</code></li>',
    );
    // Text from the inputs is escaped, never taken as HTML.
    expect(html).toContain('nightly &lt;build&gt;');
  });

  it('says when the latest revision was reused instead', () => {
    const html = renderSummary((s) =>
      addRegistrationSummary(s, { arn: ARN, definition, origin: 'reused' }, undefined),
    );
    expect(html).toContain('<p><b>How:</b> Reused the identical latest revision</p>');
    expect(html).not.toContain('Reason given');
  });
});

describe('the RunTask request in the log', () => {
  it('names containers, variables, tags and the volume, never a variable value', () => {
    const lines = describeRunTaskRequest({
      taskDefinition: ARN,
      overrides: {
        containerOverrides: [
          { name: 'app', command: ['bin/migrate'], environment: [{ name: 'DB_PASSWORD', value: 'hunter2' }] },
          { name: 'proxy', memory: 128 },
          { name: 'idle' },
        ],
      },
      tags: [{ key: 'team', value: 'payments' }],
      enableECSManagedTags: true,
      propagateTags: 'TASK_DEFINITION',
      volumeConfigurations: [
        {
          name: 'scratch',
          managedEBSVolume: { roleArn: 'arn:aws:iam::123456789012:role/infra', sizeInGiB: 20 },
        },
      ],
    });
    expect(lines).toEqual([
      'Container app: command ["bin/migrate"]; environment DB_PASSWORD.',
      'Container proxy: memory 128.',
      'Container idle: no change.',
      'Tags: team=payments.',
      'ECS managed tags on.',
      'Tags propagated from TASK_DEFINITION.',
      'EBS volume scratch: gp3, 20 GiB.',
    ]);
    expect(lines.join('\n')).not.toContain('hunter2');
  });
});
