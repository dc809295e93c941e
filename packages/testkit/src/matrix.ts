/**
 * `strategy.matrix` expansion as docs.github.com "Running variations of jobs in a workflow"
 * defines it: the cartesian product of the non-include/exclude keys, minus each `exclude`
 * that matches (partially), then each `include` either extends every combination it does
 * not contradict (adding keys, never overwriting original values) or, when it extends none,
 * becomes a combination of its own.
 */
export type Combination = Record<string, unknown>;

function matches(combination: Combination, partial: Combination): boolean {
  return Object.entries(partial).every(
    ([key, value]) => JSON.stringify(combination[key]) === JSON.stringify(value),
  );
}

export function expandMatrix(matrix: Record<string, unknown>): Combination[] {
  const {
    include = [],
    exclude = [],
    ...axes
  } = matrix as {
    include?: Combination[];
    exclude?: Combination[];
  } & Record<string, unknown>;
  for (const [key, values] of Object.entries(axes)) {
    if (!Array.isArray(values)) throw new Error(`strategy.matrix.${key} must be a list`);
  }
  let combinations: Combination[] = Object.keys(axes).length > 0 ? [{}] : [];
  for (const [key, values] of Object.entries(axes) as [string, unknown[]][]) {
    combinations = combinations.flatMap((combination) =>
      values.map((value) => ({ ...combination, [key]: value })),
    );
  }
  combinations = combinations.filter(
    (combination) => !exclude.some((partial) => matches(combination, partial)),
  );
  const originalKeys = new Set(Object.keys(axes));
  const originals = combinations.map((combination) => ({ ...combination }));
  const extra: Combination[] = [];
  for (const entry of include) {
    let extended = false;
    combinations.forEach((combination, index) => {
      const original = originals[index];
      const contradicts = Object.entries(entry).some(
        ([key, value]) => originalKeys.has(key) && JSON.stringify(original[key]) !== JSON.stringify(value),
      );
      if (contradicts) return;
      Object.assign(combination, entry);
      extended = true;
    });
    if (!extended) extra.push({ ...entry });
  }
  const all = [...combinations, ...extra];
  if (all.length > 256) throw new Error('strategy.matrix: a matrix can generate at most 256 jobs per run');
  return all;
}
