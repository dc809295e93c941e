import { injectedCommands, parseWorkflowCommands } from '@berth/testkit';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { coreLogger } from '../src/logger.js';

/** Everything @actions/core writes while `body` runs, as the runner would read it. */
function captured(body: () => void): string {
  const written: string[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    body();
  } finally {
    jest.restoreAllMocks();
  }
  return written.join('');
}

describe('coreLogger, the one sink every message reaches', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('prints outside text in info lines inert', () => {
    const out = captured(() => {
      coreLogger.info('::warning::PWNED');
      coreLogger.info('event: ok\r  ::stop-commands::t0k3n');
      coreLogger.info('GET /##[add-mask]PWNED');
    });
    expect(parseWorkflowCommands(out)).toEqual([]);
  });

  it('keeps its own annotations and groups working, with outside text inside them inert', () => {
    const out = captured(() => {
      coreLogger.startGroup('Last log lines of web\r::warning::PWNED');
      coreLogger.error('Deployment failed: ::error::PWNED\n::stop-commands::t0k3n', {
        title: 'Deployment failed',
      });
      coreLogger.endGroup();
      coreLogger.warning('after');
    });
    const commands = parseWorkflowCommands(out);
    expect(commands.map((c) => c.command)).toEqual(['group', 'error', 'endgroup', 'warning']);
    expect(injectedCommands(out, 'PWNED')).toEqual([]);
    expect(commands[1].data).toBe('Deployment failed: ::error::PWNED\n\\::stop-commands::t0k3n');
  });
});
