/**
 * `65000` → `1 min 5 s`. A leaf module: actions that only format a duration (scan-gate)
 * import nothing of the deployment follower, so tests/aws-operations.ts does not count its
 * ECS calls as theirs.
 */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  if (minutes === 0) return `${seconds} s`;
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}
