import type { Clock } from '@berth/shared/clock';
import type { Logger } from '@berth/shared/logger';

/** A clock tests move by hand; sleep() advances it at once and records how long was asked. */
export function manualClock(
  start = Date.UTC(2026, 0, 15, 12),
): Clock & { advance(ms: number): void; sleeps: number[] } {
  let current = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => current,
    sleep: async (ms) => {
      sleeps.push(ms);
      current += Math.max(0, ms);
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

export interface RecordedLine {
  level: 'info' | 'notice' | 'warning' | 'error' | 'debug' | 'group';
  message: string;
  properties?: Record<string, unknown>;
}

/** A logger that keeps every line, for assertions. */
export function recordingLogger(): Logger & { lines: RecordedLine[]; text(): string } {
  const lines: RecordedLine[] = [];
  const push = (level: RecordedLine['level']) => (message: string, properties?: object) =>
    lines.push({ level, message, properties: properties as Record<string, unknown> | undefined });
  return {
    lines,
    text: () => lines.map((l) => `${l.level}: ${l.message}`).join('\n'),
    info: push('info'),
    notice: push('notice'),
    warning: push('warning'),
    error: push('error'),
    debug: push('debug'),
    startGroup: push('group'),
    endGroup: () => {},
  };
}

export function silentLogger(): Logger {
  return recordingLogger();
}
