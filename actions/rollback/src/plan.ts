import { revisionOf, sameRevision, shortDeployment, shortName } from '@berth/shared/deployment/arn';
import type { ImageMap } from '@berth/shared/deployment/record';
import { parseImageReference } from '@berth/shared/ecr-image';
import type { TargetSpec } from './inputs.js';

/**
 * The rollback's decisions, as pure functions over what the AWS reads found:
 * which revision to go back to, why, how it was found, what was passed over,
 * and whether to stop the deployment in progress or start a new one.
 */

/** What runs now. */
export interface CurrentState {
  /** The service's task definition (its PRIMARY deployment's). */
  taskDefinitionArn: string;
  images: ImageMap;
  /** The deployment under way, when the PRIMARY deployment is still IN_PROGRESS. */
  inProgress?: InProgressDeployment;
}

export interface InProgressDeployment {
  /** `ecs-svc/…` of the PRIMARY deployment. */
  deploymentId?: string;
  /** The service deployment, when the service deployments API named it. */
  serviceDeploymentArn?: string;
  taskDefinitionArn: string;
  /**
   * Task definitions of its source service revisions: what ECS goes back to
   * when the deployment is stopped with ROLLBACK. Undefined when unknown.
   */
  rollbackTo?: string[];
}

/** A service deployment from ListServiceDeployments, with its target revision's details. */
export interface PastDeployment {
  serviceDeploymentArn: string;
  status: string;
  taskDefinitionArn: string;
  createdAt?: Date;
  finishedAt?: Date;
  /** Container → image of the target revision, as ECS recorded it for this deployment. */
  images: ImageMap;
  /** Container → the digest ECS resolved the image to when it deployed it. */
  digests: ImageMap;
}

/** A deployment as DescribeServices lists it (the fallback's only history). */
export interface ListedDeployment {
  id: string;
  status: string;
  taskDefinitionArn: string;
  rolloutState?: string;
  createdAt?: Date;
}

export interface FamilyRevision {
  arn: string;
  family: string;
  revision: number;
}

export interface ImageMatch {
  revision: FamilyRevision;
  container: string;
  image: string;
  /** `tag`: the reference carries the tag; `digest`: the digest; `resolved-tag`: the tag resolves (in ECR) to the pinned digest. */
  matchedBy: 'tag' | 'digest' | 'resolved-tag';
}

/** A Berth deployment as GitHub recorded it (its payload names the task definition). */
export interface GitHubPastDeployment {
  id: number;
  /** The commit the deployment was created for. */
  sha: string;
  taskDefinitionArn: string;
  /** Container → digest, from the payload. */
  digests: ImageMap;
  createdAt: Date;
  /** Its statuses' states, newest first (`inactive` follows `success` once a later deployment succeeded). */
  states: string[];
}

/** The environment's GitHub deployments: the history when the service deployments API is not available. */
export interface GitHubHistory {
  environment: string;
  /** Berth's deployments of this service, newest first. */
  deployments: GitHubPastDeployment[];
  /** Why GitHub could not be read (the reason is also a warning). */
  unavailableBecause?: string;
}

/** Everything the reads found that the plan may need; each part is read only when `to` needs it. */
export interface History {
  /** `not-read` when `to` needed no deployment history and nothing was in progress. */
  deploymentsApi: 'available' | 'unavailable' | 'not-read';
  /** The error that made it unavailable (AccessDeniedException: …). */
  unavailableBecause?: string;
  /** SUCCESSFUL service deployments, newest first. */
  deployments: PastDeployment[];
  /** More SUCCESSFUL deployments exist than were read. */
  deploymentsTruncated?: boolean;
  /** The deployments DescribeServices lists. */
  listed: ListedDeployment[];
  /** ACTIVE revisions of the running family, newest first. */
  family?: FamilyRevision[];
  /** Read for `last-successful` when the service deployments API is not available and GitHub deployments are on. */
  github?: GitHubHistory;
  /** For `image:`: the newest revision whose images match, and how many revisions were looked at. */
  imageSearch?: { match?: ImageMatch; scanned: number; truncated: boolean };
}

export type RollbackPath =
  | { kind: 'stop-deployment'; serviceDeploymentArn: string; deploymentId?: string; reason: string }
  | { kind: 'update-service'; reason: string };

export interface RollbackPlan {
  kind: 'plan' | 'nothing-to-do';
  from: { taskDefinitionArn: string; images: ImageMap };
  /**
   * The target: an ARN, or the `family:revision` the `to` input named (resolved
   * when verified); with the digests ECS ran it with, when the history knows them.
   */
  to: { taskDefinition: string; digests?: ImageMap };
  /** Why this target, in one sentence. */
  why: string;
  /** How it was found: which reads, which fallback. */
  foundBy: string;
  /** Candidates passed over, newest first, each with the reason. */
  skipped: string[];
  /** Things the operator should know (fallbacks, a family change); printed as notices. */
  notices: string[];
  /** How the rollback is carried out (absent for nothing-to-do). */
  path?: RollbackPath;
  /** For nothing-to-do: what was found. */
  message?: string;
}

export type PlanResult = RollbackPlan | { kind: 'error'; message: string };

type Found = Pick<RollbackPlan, 'why' | 'foundBy'> & { to: RollbackPlan['to'] };

/**
 * Decides where to roll back to and how. Pure: `current` and `history` come
 * from the reads in history.ts; the result is a plan, `nothing-to-do` when the
 * target already runs, or an error saying what to do instead.
 */
export function planRollback(current: CurrentState, history: History, spec: TargetSpec): PlanResult {
  const skipped: string[] = [];
  const notices: string[] = [];
  const found = findTarget(current, history, spec, skipped, notices);
  if ('error' in found) return { kind: 'error', message: found.error };

  const base = {
    from: { taskDefinitionArn: current.taskDefinitionArn, images: current.images },
    to: found.to,
    why: found.why,
    foundBy: found.foundBy,
    skipped,
    notices,
  };
  const running = revisionOf(current.taskDefinitionArn);
  const target = revisionOf(found.to.taskDefinition);
  if (running && target && running.family !== target.family) {
    notices.push(
      `The target ${shortName(found.to.taskDefinition)} belongs to family \`${target.family}\`, not to \`${running.family}\` which runs now.`,
    );
  }
  if (sameRevision(found.to.taskDefinition, current.taskDefinitionArn)) {
    const underway = current.inProgress
      ? ` A deployment to it is still in progress (${current.inProgress.deploymentId ?? current.inProgress.serviceDeploymentArn ?? 'in progress'}); it is left to finish.`
      : '';
    return {
      ...base,
      kind: 'nothing-to-do',
      message: `${shortName(current.taskDefinitionArn)} already runs: nothing to do.${underway}`,
    };
  }
  return { ...base, kind: 'plan', path: choosePath(current, history, found.to.taskDefinition) };
}

function findTarget(
  current: CurrentState,
  history: History,
  spec: TargetSpec,
  skipped: string[],
  notices: string[],
): Found | { error: string } {
  const running = shortName(current.taskDefinitionArn);
  switch (spec.kind) {
    case 'last-successful': {
      if (history.deploymentsApi === 'available') return lastSuccessful(current, history, skipped);
      const fromGitHub = lastSuccessfulFromGitHub(current, history, skipped, notices);
      return fromGitHub ?? lastSuccessfulFallback(current, history, skipped, notices);
    }
    case 'previous-revision': {
      const older = olderRevision(current, history.family);
      if (!older) {
        return {
          error: `No ACTIVE revision of family \`${revisionOf(current.taskDefinitionArn)?.family ?? running}\` is older than the running ${running}. Deregistered (INACTIVE) revisions cannot be deployed; name another target, e.g. \`to: last-successful\` or \`to: <family>:<revision>\`.`,
        };
      }
      return {
        to: { taskDefinition: older.arn },
        why: `${shortName(older.arn)} is the newest ACTIVE revision of family \`${older.family}\` older than the running ${running}.`,
        foundBy: 'ListTaskDefinitions (the family, ACTIVE, newest first).',
      };
    }
    case 'revision': {
      const named = spec.arn ?? `${spec.family}:${spec.revision}`;
      return {
        to: { taskDefinition: named },
        why: `${shortName(named)} was named by the \`to\` input.`,
        foundBy: 'The `to` input.',
      };
    }
    case 'image': {
      const wanted = spec.tag ? `tag \`${spec.tag}\`` : `digest \`${spec.digest}\``;
      const search = history.imageSearch;
      const family = revisionOf(current.taskDefinitionArn)?.family ?? running;
      if (!search?.match) {
        const looked = search ? `the newest ${search.scanned} ACTIVE revision(s)` : 'its ACTIVE revisions';
        return {
          error: `No ACTIVE revision of family \`${family}\` references the image ${wanted} (looked at ${looked}${search?.truncated ? '; older ones were not read' : ''}). Check the ${spec.tag ? 'tag' : 'digest'} in ECR, or name the revision, e.g. \`to: ${family}:<revision>\`.`,
        };
      }
      const { match } = search;
      const how =
        match.matchedBy === 'resolved-tag'
          ? `pinned by the digest that ${wanted} resolves to in ECR`
          : `by ${match.matchedBy === 'tag' ? 'tag' : 'digest'}`;
      return {
        to: { taskDefinition: match.revision.arn },
        why: `${shortName(match.revision.arn)} is the newest ACTIVE revision of family \`${match.revision.family}\` whose images include ${wanted}: container \`${match.container}\` runs ${match.image} (matched ${how}).`,
        foundBy: `ListTaskDefinitions and DescribeTaskDefinition over ${search.scanned} revision(s), newest first${spec.tag ? ', with ECR DescribeImages for the tag' : ''}.`,
      };
    }
  }
}

function lastSuccessful(
  current: CurrentState,
  history: History,
  skipped: string[],
): Found | { error: string } {
  const running = shortName(current.taskDefinitionArn);
  const undone = undoneDeployments(history.deployments);
  for (const deployment of history.deployments) {
    const name = `deployment ${shortDeployment(deployment.serviceDeploymentArn)} → ${shortName(deployment.taskDefinitionArn)}`;
    if (deployment.status !== 'SUCCESSFUL') {
      skipped.push(`${name}: its status is ${deployment.status}, not SUCCESSFUL.`);
      continue;
    }
    const undoneBy = undone.get(deployment.serviceDeploymentArn);
    if (undoneBy) {
      skipped.push(
        `${name}: undone by the later deployment ${shortDeployment(undoneBy.serviceDeploymentArn)}, which went back to ${shortName(undoneBy.taskDefinitionArn)}.`,
      );
      continue;
    }
    if (sameRevision(deployment.taskDefinitionArn, current.taskDefinitionArn)) {
      skipped.push(`${name}: that is what runs now.`);
      continue;
    }
    const when = deployment.finishedAt ? `, finished ${deployment.finishedAt.toISOString()}` : '';
    return {
      to: { taskDefinition: deployment.taskDefinitionArn, digests: deployment.digests },
      why: `${shortName(deployment.taskDefinitionArn)} is the target of the newest SUCCESSFUL deployment (${shortDeployment(deployment.serviceDeploymentArn)}${when}) that differs from the running ${running} and was not undone later.`,
      foundBy: `ListServiceDeployments (SUCCESSFUL, ${history.deployments.length} deployment(s), newest first) and DescribeServiceRevisions.`,
    };
  }
  const looked =
    history.deployments.length === 0
      ? 'The service deployments API lists no SUCCESSFUL deployment of this service'
      : `None of the ${history.deployments.length} SUCCESSFUL deployment(s) of this service${history.deploymentsTruncated ? ' that were read' : ''} is a good deployment other than the running ${running}`;
  return {
    error: `${looked} (ECS keeps the service deployment history for a limited time). Name the target instead: \`to: previous-revision\`, \`to: <family>:<revision>\` or \`to: image:<tag>\`.`,
  };
}

/**
 * `last-successful` from the environment's GitHub deployments, which Berth
 * created with the task definition in their payload: the newest one that
 * reached `success`, is not what runs now, and was not undone by a later
 * deployment. Undefined (with the candidates in `skipped`) when none fits.
 */
function lastSuccessfulFromGitHub(
  current: CurrentState,
  history: History,
  skipped: string[],
  notices: string[],
): Found | undefined {
  const github = history.github;
  if (!github || github.deployments.length === 0) return undefined;
  const running = shortName(current.taskDefinitionArn);
  const because = history.unavailableBecause ? ` (${history.unavailableBecause})` : '';
  const succeeded = github.deployments.filter((d) => d.states.includes('success'));
  const undone = undoneBy(succeeded, (d) => String(d.id));
  for (const deployment of github.deployments) {
    const name = `GitHub deployment ${deployment.id} → ${shortName(deployment.taskDefinitionArn)}`;
    if (!deployment.states.includes('success')) {
      skipped.push(`${name}: it never reached success (states: ${deployment.states.join(', ') || 'none'}).`);
      continue;
    }
    const undoneByLater = undone.get(String(deployment.id));
    if (undoneByLater) {
      skipped.push(
        `${name}: undone by the later GitHub deployment ${undoneByLater.id}, which went back to ${shortName(undoneByLater.taskDefinitionArn)}.`,
      );
      continue;
    }
    if (sameRevision(deployment.taskDefinitionArn, current.taskDefinitionArn)) {
      skipped.push(`${name}: that is what runs now.`);
      continue;
    }
    notices.push(
      `The service deployments API is not available${because}, so \`last-successful\` was taken from the GitHub deployments of environment \`${github.environment}\`.`,
    );
    return {
      to: {
        taskDefinition: deployment.taskDefinitionArn,
        ...(Object.keys(deployment.digests).length > 0 ? { digests: deployment.digests } : {}),
      },
      why: `${shortName(deployment.taskDefinitionArn)} is the task definition of GitHub deployment ${deployment.id} (created ${deployment.createdAt.toISOString()}), the newest one that succeeded, differs from the running ${running} and was not undone later.`,
      foundBy: `GitHub deployments of environment \`${github.environment}\` (${github.deployments.length} Berth deployment(s) of this service, newest first) — the service deployments API is not available.`,
    };
  }
  return undefined;
}

function lastSuccessfulFallback(
  current: CurrentState,
  history: History,
  skipped: string[],
  notices: string[],
): Found | { error: string } {
  const running = shortName(current.taskDefinitionArn);
  const because = history.unavailableBecause ? ` (${history.unavailableBecause})` : '';
  const completed = history.listed
    .filter((d) => d.status !== 'PRIMARY' && d.rolloutState === 'COMPLETED')
    .filter((d) => !sameRevision(d.taskDefinitionArn, current.taskDefinitionArn))
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  if (completed.length > 0) {
    const chosen = completed[0];
    notices.push(
      `The service deployments API is not available${because}, so \`last-successful\` was taken from the deployments DescribeServices still lists.`,
    );
    return {
      to: { taskDefinition: chosen.taskDefinitionArn },
      why: `${shortName(chosen.taskDefinitionArn)} is the task definition of ${chosen.id}, the newest deployment other than the running ${running} that ECS still lists as COMPLETED.`,
      foundBy: 'DescribeServices deployments (fallback: the service deployments API is not available).',
    };
  }
  const older = olderRevision(current, history.family);
  const id = revisionOf(current.taskDefinitionArn);
  for (const revision of history.family ?? []) {
    if (!id || revision.family !== id.family || revision.revision < id.revision) continue;
    skipped.push(
      `${shortName(revision.arn)}: ${revision.revision === id.revision ? 'that is what runs now' : `newer than the running ${running}`}.`,
    );
  }
  if (!older) {
    return {
      error: `The service deployments API is not available${because}, DescribeServices lists no earlier COMPLETED deployment, and no ACTIVE revision of the family is older than the running ${running}. Name the target: \`to: <family>:<revision>\`.`,
    };
  }
  notices.push(
    `The service deployments API is not available${because}, so \`last-successful\` falls back to the task definition family history: the newest ACTIVE revision older than the running one, which Berth cannot confirm ever ran successfully. Allow \`ecs:ListServiceDeployments\`, \`ecs:DescribeServiceDeployments\` and \`ecs:DescribeServiceRevisions\` for an exact answer.`,
  );
  return {
    to: { taskDefinition: older.arn },
    why: `${shortName(older.arn)} is the newest ACTIVE revision of family \`${older.family}\` older than the running ${running} (fallback: no deployment history).`,
    foundBy:
      'ListTaskDefinitions (the family, ACTIVE, newest first) — fallback: the service deployments API is not available and DescribeServices lists no earlier deployment.',
  };
}

/**
 * What the GitHub history says about a rollback from → to: the deployment it
 * undoes (the newest that deployed `from`) and the one that first put `to` in
 * place (the newest that deployed it), whose commit is the code that runs again.
 */
export function githubLineage(
  github: GitHubHistory | undefined,
  from: string,
  to: string,
): { undoes?: GitHubPastDeployment; restores?: GitHubPastDeployment } {
  const newest = (arn: string) => github?.deployments.find((d) => sameRevision(d.taskDefinitionArn, arn));
  return { undoes: newest(from), restores: newest(to) };
}

/** The newest revision of the running family with a lower revision number. */
function olderRevision(
  current: CurrentState,
  family: FamilyRevision[] | undefined,
): FamilyRevision | undefined {
  const id = revisionOf(current.taskDefinitionArn);
  if (!id) return undefined;
  return [...(family ?? [])]
    .filter((revision) => revision.family === id.family && revision.revision < id.revision)
    .sort((a, b) => b.revision - a.revision)[0];
}

/**
 * Deployments that a later deployment undid by going back to an earlier
 * revision: when a deployment targets a revision deployed before, everything
 * deployed in between was rolled back (by Berth, by hand, or by a redeploy of
 * the older revision), so it is no candidate for `last-successful`. Input and
 * keys: SUCCESSFUL deployments, newest first; value: the deployment that undid it.
 */
export function undoneDeployments(newestFirst: PastDeployment[]): Map<string, PastDeployment> {
  return undoneBy(newestFirst, (deployment) => deployment.serviceDeploymentArn);
}

/** undoneDeployments() for any history: `key` names a deployment. */
function undoneBy<T extends { taskDefinitionArn: string }>(
  newestFirst: T[],
  key: (deployment: T) => string,
): Map<string, T> {
  const chronological = [...newestFirst].reverse();
  const undone = new Map<string, T>();
  chronological.forEach((deployment, index) => {
    for (let earlier = index - 1; earlier >= 0; earlier--) {
      if (!sameRevision(chronological[earlier].taskDefinitionArn, deployment.taskDefinitionArn)) continue;
      for (let between = earlier + 1; between < index; between++) {
        const name = key(chronological[between]);
        if (!undone.has(name)) undone.set(name, deployment);
      }
      break;
    }
  });
  return undone;
}

/**
 * StopServiceDeployment (ROLLBACK) when a deployment is in progress and ECS
 * would roll it back to exactly the target; otherwise UpdateService.
 */
export function choosePath(current: CurrentState, history: History, target: string): RollbackPath {
  const progress = current.inProgress;
  const to = shortName(target);
  if (!progress) {
    return {
      kind: 'update-service',
      reason: `No deployment is in progress, so UpdateService starts a deployment of ${to}.`,
    };
  }
  const name = progress.serviceDeploymentArn
    ? shortDeployment(progress.serviceDeploymentArn)
    : (progress.deploymentId ?? 'the deployment in progress');
  const underway = `Deployment ${name} (→ ${shortName(progress.taskDefinitionArn)}) is in progress`;
  if (history.deploymentsApi !== 'available' || !progress.serviceDeploymentArn) {
    return {
      kind: 'update-service',
      reason: `${underway}, but the service deployments API ${history.deploymentsApi !== 'available' ? 'is not available' : 'does not list it'}, so it cannot be stopped with a rollback; UpdateService replaces it with a deployment of ${to}.`,
    };
  }
  const sources = progress.rollbackTo ?? [];
  if (sources.length > 0 && sources.every((source) => sameRevision(source, target))) {
    return {
      kind: 'stop-deployment',
      serviceDeploymentArn: progress.serviceDeploymentArn,
      deploymentId: progress.deploymentId,
      reason: `${underway} and ${to} is the revision ECS rolls it back to, so StopServiceDeployment (ROLLBACK) stops it and restores ${to}.`,
    };
  }
  const rollsBackTo =
    sources.length === 0
      ? 'ECS did not say what it would roll it back to'
      : `ECS would roll it back to ${sources.map(shortName).join(', ')}`;
  return {
    kind: 'update-service',
    reason: `${underway} and ${rollsBackTo}, not to ${to}, so UpdateService replaces it with a deployment of ${to}.`,
  };
}

/** `registry/repository` of an image reference, the key of a tag's resolved digest. */
export function repositoryKey(reference: { registry?: string; repository: string }): string {
  return `${reference.registry ?? 'docker.io'}/${reference.repository}`;
}

/**
 * Whether a revision's images include the wanted tag or digest: by tag, by
 * digest, or — for a revision pinned by digest — by the digest the tag
 * resolves to in ECR (`tagDigests`, keyed by repositoryKey()).
 */
export function matchImage(
  wanted: { tag?: string; digest?: string },
  images: ImageMap,
  tagDigests: Record<string, string | undefined> = {},
): Omit<ImageMatch, 'revision'> | undefined {
  for (const [container, image] of Object.entries(images)) {
    let reference: ReturnType<typeof parseImageReference>;
    try {
      reference = parseImageReference(image);
    } catch {
      continue;
    }
    if (wanted.tag && reference.tag === wanted.tag) return { container, image, matchedBy: 'tag' };
    if (wanted.digest && reference.digest === wanted.digest) return { container, image, matchedBy: 'digest' };
    if (wanted.tag && reference.digest && tagDigests[repositoryKey(reference)] === reference.digest) {
      return { container, image, matchedBy: 'resolved-tag' };
    }
  }
  return undefined;
}
