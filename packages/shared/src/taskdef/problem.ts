/** One thing wrong with a task definition, named so a user can find and fix it. */
export interface Problem {
  /** The container the problem is in; undefined for task-level problems. */
  container?: string;
  message: string;
  /** Set by a rule whose finding does not stop registration (default: an error). Never in a result. */
  severity?: 'warning';
}

export interface ValidationResult {
  errors: Problem[];
  warnings: Problem[];
}

/** `Container \`web\`: …` — the one way a container's problem is worded. */
export function containerProblem(container: string, message: string): Problem {
  return { container, message: `Container \`${container}\`: ${message}` };
}
