/**
 * Real ECS API responses (../shared/corpus/ecs-api) through the code that
 * reads them while following a deployment: every service is assessed and
 * gets a progress line, every stopped task is explained. Skipped with a
 * notice where the corpus is absent (a user's clone).
 */
import type { Service, Task } from '@aws-sdk/client-ecs';
import { corpusFolder, recordedAnswer } from '@berth/testkit/corpus.js';
import { assessFromService, FINAL_PHASES } from '../src/deployment/assess.js';
import { likelyCause, toFailedTask } from '../src/deployment/diagnose.js';
import { judgeStoppedTask } from '../src/deployment/follow-task.js';
import { progressLine } from '../src/deployment/progress.js';

const corpus = corpusFolder('ecs-api');
const response = (name: string) => recordedAnswer(corpus, name);
const files = corpus.files(/describe-(services|tasks)/);

corpus.describe('ECS API corpus', () => {
  it.each(files.filter((f) => f.includes('describe-services')))('assesses every service in %s', (name) => {
    for (const service of response(name).services as Service[]) {
      const primary = (service.deployments ?? []).find((d) => d.status === 'PRIMARY');
      const target = {
        deploymentId: primary?.id,
        taskDefinitionArn: primary?.taskDefinition ?? service.taskDefinition ?? '',
      };
      const assessment = assessFromService(service, target, service.events ?? []);
      expect(['in-progress', ...FINAL_PHASES]).toContain(assessment.phase);
      expect(progressLine(assessment, service)).toMatch(/^[a-z -]+: \d+\/\d+ running/);
    }
  });

  it('reads a stuck rollout: in progress, 10 failed tasks', () => {
    const stuck = (response('c7n-describe-services-failedTasks-10.json').services as Service[]).find((s) =>
      s.deployments?.some((d) => d.failedTasks === 10),
    )!;
    const primary = stuck.deployments!.find((d) => d.status === 'PRIMARY')!;
    const assessment = assessFromService(stuck, {
      deploymentId: primary.id,
      taskDefinitionArn: primary.taskDefinition!,
    });
    expect(assessment.phase).toBe('in-progress');
    expect(progressLine(assessment, stuck)).toContain('10 failed tasks');
  });

  it('reads the mid-rollout response: ours in progress beside the completed one', () => {
    const [service] = response('c7n-describe-services-mid-rollout.json').services as Service[];
    const primary = service.deployments!.find((d) => d.status === 'PRIMARY')!;
    const assessment = assessFromService(service, {
      deploymentId: primary.id,
      taskDefinitionArn: primary.taskDefinition!,
    });
    expect(assessment.phase).toBe('in-progress');
    expect(assessment.ours?.id).toBe(primary.id);
  });

  it.each(files.filter((f) => f.includes('describe-tasks')))('explains the stopped tasks in %s', (name) => {
    for (const task of response(name).tasks as Task[]) {
      const failed = toFailedTask(task, undefined);
      expect(failed.taskId).toMatch(/^[0-9a-f]+$/);
      if (task.lastStatus !== 'STOPPED') continue;
      expect(judgeStoppedTask(task).outcome).toBe('failed');
      if (/CannotPull/.test(JSON.stringify(task)))
        expect(likelyCause([failed], [])).toMatch(/^Image pull failure/);
    }
  });
});
