import type { WorkflowTemplate } from '@actions/workflow-parser';
import type { TriggerEvent } from './types.js';

export function globToRegExp(pattern: string): RegExp {
  // docs.github.com "Filter pattern cheat sheet": `*` stays within a path segment, `**` does not.
  const source = pattern
    .split('**')
    .map((part) =>
      part
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '.'),
    )
    .join('.*');
  return new RegExp(`^${source}$`);
}

/**
 * The trigger must be one the workflow listens to (push branch/tag filters included), and
 * workflow_dispatch inputs are checked and typed as the Run workflow form would send them
 * (docs.github.com "Events that trigger workflows", "Workflow syntax": on.workflow_dispatch.inputs).
 * Returns the `inputs` context and the `github.event` payload.
 */
export function triggerInputs(
  template: WorkflowTemplate,
  event: TriggerEvent,
  github: { workflow: string; ref: string; ref_name: string },
  environments: Record<string, unknown>,
): { inputs: Record<string, unknown>; payload: Record<string, unknown> } {
  const events = template.events as Record<string, unknown>;
  if (!(event.name in events)) {
    throw new Error(
      `${github.workflow} does not run on ${event.name} (on: ${Object.keys(events).join(', ')})`,
    );
  }
  if (event.name === 'push') {
    const filter = events.push as { branches?: string[]; tags?: string[] } | undefined;
    const ref = github.ref;
    const name = github.ref_name;
    const patterns = ref.startsWith('refs/tags/') ? filter?.tags : filter?.branches;
    if (patterns && !patterns.some((pattern) => globToRegExp(pattern).test(name))) {
      throw new Error(`push to ${ref} does not match on.push filters ${JSON.stringify(patterns)}`);
    }
  }
  if (event.name !== 'workflow_dispatch') {
    if (event.inputs) throw new Error(`inputs given for a ${event.name} event`);
    return { inputs: {}, payload: event.payload ?? {} };
  }
  const definitions = template.events.workflow_dispatch?.inputs ?? {};
  const given = event.inputs ?? {};
  const inputs: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    if (!(name in definitions)) throw new Error(`workflow_dispatch: unexpected input ${name}`);
  }
  for (const [name, definition] of Object.entries(definitions)) {
    const value = name in given ? given[name] : definition.default;
    if (value === undefined || value === '') {
      if (definition.required) throw new Error(`workflow_dispatch: input ${name} is required`);
      inputs[name] = definition.type === 'boolean' ? false : '';
      continue;
    }
    switch (definition.type) {
      case 'boolean':
        if (value !== true && value !== false && value !== 'true' && value !== 'false') {
          throw new Error(
            `workflow_dispatch: input ${name} must be true or false, got ${JSON.stringify(value)}`,
          );
        }
        inputs[name] = value === true || value === 'true';
        break;
      case 'choice':
        if (!definition.options?.includes(String(value))) {
          throw new Error(
            `workflow_dispatch: input ${name} must be one of ${definition.options?.join(', ')}`,
          );
        }
        inputs[name] = String(value);
        break;
      case 'environment':
        if (!(String(value) in environments)) {
          throw new Error(
            `workflow_dispatch: input ${name}: no environment ${JSON.stringify(value)} in the repository`,
          );
        }
        inputs[name] = String(value);
        break;
      default:
        inputs[name] = typeof value === 'number' ? value : String(value);
    }
  }
  const payload = {
    ...(event.payload ?? {}),
    inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, String(v)])),
    ref: github.ref,
  };
  return { inputs, payload };
}
