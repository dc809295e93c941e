import * as core from './runner.js';
import { inert } from './untrusted.js';

/** The logging surface actions use; the runner (runner.ts) in production, a recorder in tests. */
export interface Logger {
  info(message: string): void;
  notice(message: string, properties?: core.AnnotationProperties): void;
  warning(message: string, properties?: core.AnnotationProperties): void;
  error(message: string, properties?: core.AnnotationProperties): void;
  debug(message: string): void;
  startGroup(name: string): void;
  endGroup(): void;
}

/**
 * The runner's logger. Every message passes through `inert()` on its way out:
 * messages quote names, events and log lines Berth did not write, and this is
 * the one sink they all reach, so none of them can act as a workflow command
 * (Berth's own words never start with `::` nor hold `##[` or a CR, so they
 * print unchanged). Annotation titles and files are escaped by runner.ts.
 */
export const coreLogger: Logger = {
  info: (message) => core.info(inert(message)),
  notice: (message, properties) => core.notice(inert(message), properties),
  warning: (message, properties) => core.warning(inert(message), properties),
  error: (message, properties) => core.error(inert(message), properties),
  debug: (message) => core.debug(inert(message)),
  startGroup: (name) => core.startGroup(inert(name, { oneLine: true })),
  endGroup: () => core.endGroup(),
};

/** Runs `body` inside a collapsible log group, closing it whatever happens. */
export async function inGroup<T>(logger: Logger, name: string, body: () => Promise<T>): Promise<T> {
  logger.startGroup(name);
  try {
    return await body();
  } finally {
    logger.endGroup();
  }
}
