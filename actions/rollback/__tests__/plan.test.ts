import { describe, expect, it } from '@jest/globals';
import type { TargetSpec } from '../src/inputs.js';
import {
  type CurrentState,
  choosePath,
  githubLineage,
  type History,
  type ListedDeployment,
  matchImage,
  type PastDeployment,
  type PlanResult,
  planRollback,
  type RollbackPlan,
  undoneDeployments,
} from '../src/plan.js';

const TD = (revision: number, family = 'web') =>
  `arn:aws:ecs:us-east-1:123456789012:task-definition/${family}:${revision}`;
const SD = (id: string) => `arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/web/${id}`;
const REPO = '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop';
const DIGEST = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;

/** SUCCESSFUL deployments given oldest first as [id, revision]; returned newest first, as the reads give them. */
function deployments(...chain: Array<[string, number, string?]>): PastDeployment[] {
  return chain
    .map(([id, revision, status], index) => ({
      serviceDeploymentArn: SD(id),
      status: status ?? 'SUCCESSFUL',
      taskDefinitionArn: TD(revision),
      createdAt: new Date(Date.UTC(2026, 0, 1, index)),
      finishedAt: new Date(Date.UTC(2026, 0, 1, index, 10)),
      images: { web: `${REPO}@${DIGEST(revision)}` },
      digests: { web: DIGEST(revision) },
    }))
    .reverse();
}

const current = (revision: number, inProgress?: CurrentState['inProgress']): CurrentState => ({
  taskDefinitionArn: TD(revision),
  images: { web: `${REPO}@${DIGEST(revision)}` },
  inProgress,
});

const history = (parts: Partial<History> = {}): History => ({
  deploymentsApi: 'available',
  deployments: [],
  listed: [],
  ...parts,
});

const family = (...revisions: number[]) =>
  revisions.map((revision) => ({ arn: TD(revision), family: 'web', revision }));

function plan(result: PlanResult): RollbackPlan {
  if (result.kind === 'error') throw new Error(`expected a plan, got the error: ${result.message}`);
  return result;
}

const LAST: TargetSpec = { kind: 'last-successful' };

describe('planRollback: last-successful from the service deployments API', () => {
  const cases: Array<{
    name: string;
    running: number;
    chain: Array<[string, number, string?]>;
    expected: number | 'error';
    skipped?: number;
  }> = [
    {
      name: 'a bad deploy ECS did not roll back → the one before it',
      running: 3,
      chain: [
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ],
      expected: 2,
      skipped: 1,
    },
    {
      name: 'the running revision deployed twice in a row → skip both',
      running: 3,
      chain: [
        ['a', 2],
        ['b', 3],
        ['c', 3],
      ],
      expected: 2,
      skipped: 2,
    },
    {
      name: 'a deployment undone by a later rollback is skipped (A, B, back to A → the one before A)',
      running: 5,
      chain: [
        ['z', 4],
        ['a', 5],
        ['b', 6],
        ['back', 5],
      ],
      expected: 4,
      skipped: 3,
    },
    {
      name: 'several deployments undone by one return (A, B, C, back to A)',
      running: 5,
      chain: [
        ['z', 4],
        ['a', 5],
        ['b', 6],
        ['c', 7],
        ['back', 5],
      ],
      expected: 4,
      skipped: 4,
    },
    {
      name: 'a redeploy after a rollback counts again (A, B, back to A, B again, C)',
      running: 7,
      chain: [
        ['a', 5],
        ['b', 6],
        ['back', 5],
        ['again', 6],
        ['c', 7],
      ],
      expected: 6,
      skipped: 1,
    },
    {
      name: 'a deployment that is not SUCCESSFUL is never a target',
      running: 3,
      chain: [
        ['a', 1],
        ['b', 2, 'ROLLBACK_SUCCESSFUL'],
        ['c', 3],
      ],
      expected: 1,
      skipped: 2,
    },
    {
      name: 'only the running revision in the history → error',
      running: 3,
      chain: [['a', 3]],
      expected: 'error',
    },
    { name: 'no history at all → error', running: 3, chain: [], expected: 'error' },
  ];
  it.each(cases)('$name', ({ running, chain, expected, skipped }) => {
    const result = planRollback(current(running), history({ deployments: deployments(...chain) }), LAST);
    if (expected === 'error') {
      expect(result.kind).toBe('error');
      expect(result.kind === 'error' && result.message).toMatch(
        /Name the target instead: `to: previous-revision`/,
      );
      return;
    }
    const planned = plan(result);
    expect(planned.kind).toBe('plan');
    expect(planned.to.taskDefinition).toBe(TD(expected));
    expect(planned.to.digests).toEqual({ web: DIGEST(expected) });
    expect(planned.skipped).toHaveLength(skipped ?? 0);
    expect(planned.why).toMatch(/newest SUCCESSFUL deployment/);
    expect(planned.foundBy).toMatch(/^ListServiceDeployments \(SUCCESSFUL/);
  });

  it('says why each candidate was passed over', () => {
    const planned = plan(
      planRollback(
        current(5),
        history({ deployments: deployments(['z', 4], ['a', 5], ['b', 6], ['back', 5]) }),
        LAST,
      ),
    );
    expect(planned.skipped).toEqual([
      'deployment back → web:5: that is what runs now.',
      'deployment b → web:6: undone by the later deployment back, which went back to web:5.',
      'deployment a → web:5: that is what runs now.',
    ]);
    expect(planned.why).toBe(
      'web:4 is the target of the newest SUCCESSFUL deployment (z, finished 2026-01-01T00:10:00.000Z) that differs from the running web:5 and was not undone later.',
    );
  });
});

describe('undoneDeployments', () => {
  it.each([
    {
      chain: [
        ['a', 1],
        ['b', 2],
      ] as Array<[string, number]>,
      undone: {},
    },
    {
      chain: [
        ['a', 1],
        ['b', 2],
        ['c', 1],
      ] as Array<[string, number]>,
      undone: { b: 'c' },
    },
    {
      chain: [
        ['a', 1],
        ['b', 2],
        ['c', 3],
        ['d', 1],
      ] as Array<[string, number]>,
      undone: { b: 'd', c: 'd' },
    },
    {
      chain: [
        ['a', 1],
        ['b', 2],
        ['c', 1],
        ['d', 2],
      ] as Array<[string, number]>,
      undone: { b: 'c', c: 'd' },
    },
    {
      chain: [
        ['a', 1],
        ['b', 1],
      ] as Array<[string, number]>,
      undone: {},
    },
  ])('$chain → $undone', ({ chain, undone }) => {
    const found = undoneDeployments(deployments(...chain));
    const named = Object.fromEntries(
      [...found].map(([arn, by]) => [arn.split('/').pop(), by.serviceDeploymentArn.split('/').pop()]),
    );
    expect(named).toEqual(undone);
  });
});

describe('planRollback: last-successful without the service deployments API (fallback)', () => {
  const unavailable = (parts: Partial<History>) =>
    history({
      deploymentsApi: 'unavailable',
      unavailableBecause: 'AccessDeniedException: not authorized',
      ...parts,
    });
  const listed = (
    id: string,
    revision: number,
    status: string,
    rolloutState: string,
    hour: number,
  ): ListedDeployment => ({
    id,
    status,
    taskDefinitionArn: TD(revision),
    rolloutState,
    createdAt: new Date(Date.UTC(2026, 0, 1, hour)),
  });

  it('takes the COMPLETED deployment DescribeServices still lists while one is in progress', () => {
    const planned = plan(
      planRollback(
        current(7),
        unavailable({
          listed: [
            listed('ecs-svc/2', 7, 'PRIMARY', 'IN_PROGRESS', 2),
            listed('ecs-svc/1', 6, 'ACTIVE', 'COMPLETED', 1),
          ],
          family: family(7, 6, 5),
        }),
        LAST,
      ),
    );
    expect(planned.to.taskDefinition).toBe(TD(6));
    expect(planned.foundBy).toMatch(/^DescribeServices deployments \(fallback/);
    expect(planned.notices).toEqual([
      'The service deployments API is not available (AccessDeniedException: not authorized), so `last-successful` was taken from the deployments DescribeServices still lists.',
    ]);
  });

  it('falls back to the family history, newest ACTIVE revision older than the running one, and says so', () => {
    const planned = plan(
      planRollback(
        current(7),
        unavailable({
          listed: [listed('ecs-svc/2', 7, 'PRIMARY', 'COMPLETED', 2)],
          family: family(8, 7, 5, 3),
        }),
        LAST,
      ),
    );
    expect(planned.to.taskDefinition).toBe(TD(5));
    expect(planned.skipped).toEqual([
      'web:8: newer than the running web:7.',
      'web:7: that is what runs now.',
    ]);
    expect(planned.notices[0]).toMatch(
      /^The service deployments API is not available \(AccessDeniedException: not authorized\), so `last-successful` falls back to the task definition family history/,
    );
    expect(planned.notices[0]).toMatch(/Berth cannot confirm ever ran successfully/);
  });

  it('errors when the family has nothing older', () => {
    const result = planRollback(current(1), unavailable({ family: family(1) }), LAST);
    expect(result).toEqual({
      kind: 'error',
      message: expect.stringMatching(/no ACTIVE revision of the family is older/),
    });
  });
});

describe('planRollback: last-successful from GitHub deployments (the service deployments API not available)', () => {
  /** Berth's GitHub deployments given oldest first as [id, revision, states newest first]; returned newest first. */
  const github = (...chain: Array<[number, number, string[]]>): History['github'] => ({
    environment: 'production',
    deployments: chain
      .map(([id, revision, states], index) => ({
        id,
        sha: String(revision).repeat(40),
        taskDefinitionArn: TD(revision),
        digests: { web: DIGEST(revision) },
        createdAt: new Date(Date.UTC(2026, 0, 1, index)),
        states,
      }))
      .reverse(),
  });
  const unavailable = (parts: Partial<History>) =>
    history({ deploymentsApi: 'unavailable', unavailableBecause: 'AccessDeniedException: no', ...parts });

  it('the newest deployment that reached success (inactive later is still a success), not the running one', () => {
    const planned = plan(
      planRollback(
        current(3),
        unavailable({
          github: github(
            [11, 1, ['inactive', 'success', 'in_progress']],
            [12, 2, ['inactive', 'success', 'in_progress']],
            [13, 4, ['failure', 'in_progress']],
            [14, 3, ['success', 'in_progress']],
          ),
          family: family(4, 3, 2, 1),
        }),
        LAST,
      ),
    );
    expect(planned.to).toEqual({ taskDefinition: TD(2), digests: { web: DIGEST(2) } });
    expect(planned.skipped).toEqual([
      'GitHub deployment 14 → web:3: that is what runs now.',
      'GitHub deployment 13 → web:4: it never reached success (states: failure, in_progress).',
    ]);
    expect(planned.foundBy).toMatch(/^GitHub deployments of environment `production` \(4 Berth deployment/);
    expect(planned.notices).toEqual([
      'The service deployments API is not available (AccessDeniedException: no), so `last-successful` was taken from the GitHub deployments of environment `production`.',
    ]);
  });

  it('skips deployments a later one undid (a rollback deployment went back past them)', () => {
    // web:1, web:2, web:3 deployed; a rollback deployment went back to web:1; web:4 runs now.
    const planned = plan(
      planRollback(
        current(4),
        unavailable({
          github: github(
            [1, 1, ['success']],
            [2, 2, ['success']],
            [3, 3, ['success']],
            [4, 1, ['success']],
            [5, 4, ['success']],
          ),
        }),
        LAST,
      ),
    );
    expect(planned.to.taskDefinition).toBe(TD(1));
    expect(planned.why).toMatch(/^web:1 is the task definition of GitHub deployment 4/);
  });

  it('no usable GitHub deployment: the DescribeServices and family fallbacks as before', () => {
    const planned = plan(
      planRollback(
        current(3),
        unavailable({ github: github([1, 3, ['success']]), family: family(3, 2) }),
        LAST,
      ),
    );
    expect(planned.to.taskDefinition).toBe(TD(2));
    expect(planned.skipped).toContain('GitHub deployment 1 → web:3: that is what runs now.');
    expect(planned.foundBy).toMatch(/^ListTaskDefinitions/);
  });

  it('githubLineage: the deployment a rollback undoes and the commit of the revision it restores', () => {
    const history = github([1, 1, ['success']], [2, 2, ['inactive', 'success']], [3, 3, ['success']]);
    const lineage = githubLineage(history, TD(3), TD(1));
    expect([lineage.undoes?.id, lineage.restores?.id, lineage.restores?.sha]).toEqual([3, 1, '1'.repeat(40)]);
    expect(githubLineage(undefined, TD(3), TD(1))).toEqual({ undoes: undefined, restores: undefined });
    expect(githubLineage(history, TD(9), TD(8))).toEqual({ undoes: undefined, restores: undefined });
  });

  it('the service deployments API, when available, wins over GitHub', () => {
    const planned = plan(
      planRollback(
        current(3),
        history({ deployments: deployments(['a', 1], ['b', 3]), github: github([1, 2, ['success']]) }),
        LAST,
      ),
    );
    expect(planned.to.taskDefinition).toBe(TD(1));
  });
});

describe('planRollback: previous-revision, explicit revision, image', () => {
  it('previous-revision is the newest ACTIVE revision of the family below the running one', () => {
    const planned = plan(
      planRollback(current(7), history({ family: family(9, 7, 4, 2) }), { kind: 'previous-revision' }),
    );
    expect(planned.to.taskDefinition).toBe(TD(4));
    expect(planned.why).toBe(
      'web:4 is the newest ACTIVE revision of family `web` older than the running web:7.',
    );
  });

  it('previous-revision with nothing older is an error naming the other forms', () => {
    const result = planRollback(current(2), history({ family: family(3, 2) }), { kind: 'previous-revision' });
    expect(result.kind === 'error' && result.message).toMatch(
      /No ACTIVE revision of family `web` is older than the running web:2/,
    );
  });

  it.each([
    [{ kind: 'revision', family: 'web', revision: 4 } as TargetSpec, 'web:4', 'plan'],
    [{ kind: 'revision', family: 'web', revision: 4, arn: TD(4) } as TargetSpec, TD(4), 'plan'],
    [{ kind: 'revision', family: 'web', revision: 7 } as TargetSpec, 'web:7', 'nothing-to-do'],
    [{ kind: 'revision', family: 'web', revision: 7, arn: TD(7) } as TargetSpec, TD(7), 'nothing-to-do'],
  ])('explicit %o → %s (%s)', (spec, target, kind) => {
    const planned = plan(planRollback(current(7), history(), spec));
    expect(planned.kind).toBe(kind);
    expect(planned.to.taskDefinition).toBe(target);
  });

  it('notes a target from another family', () => {
    const planned = plan(
      planRollback(current(7), history(), { kind: 'revision', family: 'api', revision: 3 }),
    );
    expect(planned.notices).toEqual([
      'The target api:3 belongs to family `api`, not to `web` which runs now.',
    ]);
  });

  it('image: takes the match the reads found and explains how it matched', () => {
    const planned = plan(
      planRollback(
        current(7),
        history({
          imageSearch: {
            scanned: 3,
            truncated: false,
            match: {
              revision: family(5)[0],
              container: 'web',
              image: `${REPO}@${DIGEST(5)}`,
              matchedBy: 'resolved-tag',
            },
          },
        }),
        { kind: 'image', tag: 'v1.4.2' },
      ),
    );
    expect(planned.to.taskDefinition).toBe(TD(5));
    expect(planned.why).toBe(
      `web:5 is the newest ACTIVE revision of family \`web\` whose images include tag \`v1.4.2\`: container \`web\` runs ${REPO}@${DIGEST(5)} (matched pinned by the digest that tag \`v1.4.2\` resolves to in ECR).`,
    );
  });

  it('image: without a match is an error', () => {
    const result = planRollback(current(7), history({ imageSearch: { scanned: 50, truncated: true } }), {
      kind: 'image',
      digest: DIGEST(9),
    });
    expect(result.kind === 'error' && result.message).toMatch(
      /No ACTIVE revision of family `web` references the image digest `sha256:9+` \(looked at the newest 50 ACTIVE revision\(s\); older ones were not read\)/,
    );
  });
});

describe('planRollback: nothing to do', () => {
  it('when the target is what runs', () => {
    const planned = plan(
      planRollback(
        current(4),
        history({
          imageSearch: {
            scanned: 1,
            truncated: false,
            match: { revision: family(4)[0], container: 'web', image: 'x', matchedBy: 'tag' },
          },
        }),
        {
          kind: 'image',
          tag: 'v1',
        },
      ),
    );
    expect(planned).toMatchObject({ kind: 'nothing-to-do', message: 'web:4 already runs: nothing to do.' });
    expect(planned.path).toBeUndefined();
  });

  it('says when a deployment to it is still in progress', () => {
    const planned = plan(
      planRollback(current(4, { deploymentId: 'ecs-svc/9', taskDefinitionArn: TD(4) }), history(), {
        kind: 'revision',
        family: 'web',
        revision: 4,
      }),
    );
    expect(planned.message).toBe(
      'web:4 already runs: nothing to do. A deployment to it is still in progress (ecs-svc/9); it is left to finish.',
    );
  });
});

describe('choosePath', () => {
  const inProgress = (rollbackTo?: string[], serviceDeploymentArn: string | undefined = SD('bad')) => ({
    deploymentId: 'ecs-svc/2',
    serviceDeploymentArn,
    taskDefinitionArn: TD(7),
    rollbackTo,
  });
  it.each([
    {
      name: 'nothing in progress → UpdateService',
      state: current(7),
      api: 'available',
      kind: 'update-service',
      reason: /^No deployment is in progress/,
    },
    {
      name: 'in progress, ECS would roll back to the target → StopServiceDeployment',
      state: current(7, inProgress([TD(6)])),
      api: 'available',
      kind: 'stop-deployment',
      reason: /^Deployment bad \(→ web:7\) is in progress and web:6 is the revision ECS rolls it back to/,
    },
    {
      name: 'in progress, ECS would roll back elsewhere → UpdateService',
      state: current(7, inProgress([TD(5)])),
      api: 'available',
      kind: 'update-service',
      reason: /ECS would roll it back to web:5, not to web:6/,
    },
    {
      name: 'in progress from several sources, not all the target → UpdateService',
      state: current(7, inProgress([TD(6), TD(5)])),
      api: 'available',
      kind: 'update-service',
      reason: /ECS would roll it back to web:6, web:5/,
    },
    {
      name: 'in progress, no source named → UpdateService',
      state: current(7, inProgress([])),
      api: 'available',
      kind: 'update-service',
      reason: /ECS did not say what it would roll it back to/,
    },
    {
      name: 'in progress, API unavailable → UpdateService',
      state: current(7, inProgress(undefined, undefined)),
      api: 'unavailable',
      kind: 'update-service',
      reason: /the service deployments API is not available, so it cannot be stopped/,
    },
  ])('$name', ({ state, api, kind, reason }) => {
    const path = choosePath(state, history({ deploymentsApi: api as History['deploymentsApi'] }), TD(6));
    expect(path.kind).toBe(kind);
    expect(path.reason).toMatch(reason);
    if (path.kind === 'stop-deployment')
      expect(path).toMatchObject({ serviceDeploymentArn: SD('bad'), deploymentId: 'ecs-svc/2' });
  });
});

describe('matchImage', () => {
  const images = {
    web: `${REPO}@${DIGEST(1)}`,
    envoy: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.4.0-prod',
    tagged: `${REPO}:v2`,
  };
  it.each([
    [{ tag: 'v2' }, {}, { container: 'tagged', matchedBy: 'tag' }],
    [{ digest: DIGEST(1) }, {}, { container: 'web', matchedBy: 'digest' }],
    [{ tag: 'v1' }, { [REPO]: DIGEST(1) }, { container: 'web', matchedBy: 'resolved-tag' }],
    [{ tag: 'v1' }, { [REPO]: DIGEST(2) }, undefined],
    [{ tag: 'v1.29.4.0-prod' }, {}, { container: 'envoy', matchedBy: 'tag' }],
    [{ digest: DIGEST(3) }, {}, undefined],
  ])('%o with %o → %o', (wanted, tagDigests, expected) => {
    const found = matchImage(wanted, images, tagDigests);
    if (expected === undefined) expect(found).toBeUndefined();
    else expect(found).toMatchObject(expected);
  });

  it('ignores images it cannot parse', () => {
    expect(matchImage({ tag: 'v1' }, { web: 'Not An Image:v1' })).toBeUndefined();
  });
});
