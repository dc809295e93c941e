import type { ServiceEvent } from '@aws-sdk/client-ecs';
import { inert } from '../untrusted.js';

/**
 * Turns the service's event list (newest first, at most 100) into a stream of
 * events not printed yet, oldest first. Events present before our deployment
 * started are marked as seen with `prime()`, so what follows is exactly what
 * happened since — without comparing our clock with AWS's.
 */
export class EventFeed {
  private readonly seen = new Set<string>();
  private readonly taken: ServiceEvent[] = [];

  prime(events: ServiceEvent[] | undefined): void {
    for (const event of events ?? []) this.seen.add(eventKey(event));
  }

  /** The events not returned before, oldest first. */
  take(events: ServiceEvent[] | undefined): ServiceEvent[] {
    const fresh = (events ?? []).filter((event) => !this.seen.has(eventKey(event)));
    for (const event of fresh) this.seen.add(eventKey(event));
    fresh.sort((a, b) => time(a) - time(b));
    this.taken.push(...fresh);
    return fresh;
  }

  /** Every event returned so far, oldest first (for the record and the failure report). */
  all(): ServiceEvent[] {
    return [...this.taken];
  }
}

function eventKey(event: ServiceEvent): string {
  return event.id ?? `${time(event)}:${event.message}`;
}

function time(event: ServiceEvent): number {
  return event.createdAt ? new Date(event.createdAt).getTime() : 0;
}

export function formatEvent(event: ServiceEvent): string {
  const at = event.createdAt ? new Date(event.createdAt).toISOString().slice(11, 19) : '--:--:--';
  // Event messages quote names and reasons ECS took from the service and its tasks.
  return `${at}  ${inert(event.message ?? '', { oneLine: true })}`;
}
