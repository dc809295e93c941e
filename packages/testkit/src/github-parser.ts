/**
 * GitHub's own workflow and action parsers (`@actions/workflow-parser`), loaded the way the
 * runner's service loads a run: the workflow file is parsed and validated against GitHub's
 * schema, converted to a WorkflowTemplate, and every reusable workflow it calls is fetched
 * through a FileProvider so the library itself checks the call's `with:`/`secrets:` against
 * the called workflow's `workflow_call` contract ("Invalid input, x is not defined in the
 * referenced workflow", "Input x is required, but not provided while calling").
 *
 * The package imports its JSON schema without an import attribute, which plain Node ESM
 * refuses (ERR_IMPORT_ATTRIBUTE_MISSING); tsx (the demo) and jest's ESM loader (the tests)
 * both load it, so this module is only ever imported through one of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  convertWorkflowTemplate,
  NoOperationTraceWriter,
  parseWorkflow,
  type WorkflowTemplate,
} from '@actions/workflow-parser';
import {
  type ActionTemplate,
  convertActionTemplate,
  parseAction,
} from '@actions/workflow-parser/actions/index';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import type { FileReference } from '@actions/workflow-parser/workflows/file-reference';

/** Where a workflow file comes from: which repository, at which ref and commit, on this disk. */
export interface WorkflowSource {
  /** `owner/name`, as job_workflow_ref names it. */
  repository: string;
  /** Full ref (`refs/heads/main`, `refs/tags/v1`) the file was loaded at. */
  ref: string;
  sha: string;
  /** The repository's tree on this machine. */
  root: string;
  /** Path of the workflow inside the repository, e.g. `.github/workflows/pipeline.yml`. */
  path: string;
}

export interface LoadedWorkflow {
  source: WorkflowSource;
  template: WorkflowTemplate;
  /** The parsed token tree: what the converter drops (step `with:`, `shell`, `permissions`, …) is read here. */
  raw: TemplateToken;
}

/** Maps a reusable-workflow reference (`./…` or `owner/repo/path@ref`) seen in `from` to its source. */
export type ReferenceResolver = (reference: FileReference, from: WorkflowSource) => WorkflowSource;

export class WorkflowLoadError extends Error {
  constructor(file: string, errors: string[]) {
    super(`${file}: GitHub's workflow parser rejects it:\n  - ${errors.join('\n  - ')}`);
    this.name = 'WorkflowLoadError';
  }
}

export async function loadWorkflow(
  source: WorkflowSource,
  resolve: ReferenceResolver,
): Promise<LoadedWorkflow> {
  const content = readFileSync(join(source.root, source.path), 'utf8');
  const parsed = parseWorkflow({ name: source.path, content }, new NoOperationTraceWriter());
  if (!parsed.value) throw new WorkflowLoadError(source.path, parsed.context.errors.getErrors().map(String));
  const template = await convertWorkflowTemplate(
    parsed.context,
    parsed.value,
    {
      async getFileContent(reference) {
        const target = resolve(reference, source);
        return { name: target.path, content: readFileSync(join(target.root, target.path), 'utf8') };
      },
    },
    // Depth 1: the called workflows' contracts are checked here; each called workflow is
    // loaded again on its own when it runs, which checks the next level down.
    { fetchReusableWorkflowDepth: 1, maxReusableWorkflowDepth: 4 },
  );
  if (template.errors?.length) {
    throw new WorkflowLoadError(
      source.path,
      template.errors.map((error) => error.Message),
    );
  }
  return { source, template, raw: parsed.value };
}

/** An action's metadata through GitHub's action.yml parser. */
export function loadActionMetadata(file: string): ActionTemplate {
  const parsed = parseAction(
    { name: file, content: readFileSync(file, 'utf8') },
    new NoOperationTraceWriter(),
  );
  const errors = parsed.context.errors.getErrors();
  if (!parsed.value || errors.length > 0) throw new WorkflowLoadError(file, errors.map(String));
  return convertActionTemplate(parsed.context, parsed.value);
}
