/**
 * The engine's agenda: timed actions processed strictly in (time, insertion)
 * order. Everything that happens inside ECS without an API call (a task
 * turning RUNNING, the scheduler's next pass, a bake time ending) is an entry
 * here, so the state at any emulated time is the same however often the
 * server polls `tick(now)`.
 */

export type AgendaItem =
  | {
      kind: 'task';
      taskId: string;
      generation: number;
      step: TaskStep;
      /** For container steps: which container, and its health for `container-health`. */
      container?: string;
      health?: 'HEALTHY' | 'UNHEALTHY';
      /** Container steps belong to one run of the container (restartPolicy restarts bump it). */
      run?: number;
    }
  | { kind: 'reconcile'; serviceKey: string }
  | { kind: 'steady-reminder'; serviceKey: string; epoch: number }
  | { kind: 'alarm-poll'; serviceKey: string; deploymentId: string }
  | { kind: 'purge-task'; taskId: string }
  /** Another service's step on the ECS clock (the emulator's CodeDeploy), run in time order with ECS's own. */
  | { kind: 'callback'; run: (at: number) => void }
  | { kind: 'purge-service'; serviceKey: string; deletedAt: number };

export type TaskStep =
  | 'pending'
  | 'pulled'
  | 'pull-failed'
  | 'running'
  | 'no-health-check-grace'
  | 'container-health'
  | 'container-exit'
  | 'container-restart'
  | 'stopping'
  | 'deprovisioning'
  | 'stopped';

interface Entry {
  at: number;
  seq: number;
  item: AgendaItem;
}

export class Agenda {
  private entries: Entry[] = [];
  private seq = 0;
  /** Reconciles already queued, keyed by `${serviceKey}@${time}`, to keep one pass per service and instant. */
  private queuedReconciles = new Set<string>();

  schedule(at: number, item: AgendaItem): void {
    if (item.kind === 'reconcile') {
      const key = `${item.serviceKey}@${at}`;
      if (this.queuedReconciles.has(key)) return;
      this.queuedReconciles.add(key);
    }
    const entry: Entry = { at, seq: this.seq++, item };
    // Binary search for the first entry that sorts after this one.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = this.entries[mid];
      if (other.at < at || (other.at === at && other.seq < entry.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.entries.splice(lo, 0, entry);
  }

  /** The next entry due at or before `now`, removed from the agenda. */
  takeDue(now: number): { at: number; item: AgendaItem } | undefined {
    const first = this.entries[0];
    if (!first || first.at > now) return undefined;
    this.entries.shift();
    if (first.item.kind === 'reconcile') this.queuedReconciles.delete(`${first.item.serviceKey}@${first.at}`);
    return { at: first.at, item: first.item };
  }

  nextAt(): number | undefined {
    return this.entries[0]?.at;
  }

  get size(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries = [];
    this.queuedReconciles.clear();
    this.seq = 0;
  }
}
