import { injectedCommands, parseWorkflowCommands } from '@berth/testkit';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { actionsExecutor } from '../src/exec.js';

// A dependency's install script is not Berth's text: what a build prints reaches the log inert.
describe('actionsExecutor', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('streams a program output line by line, none of it read as a workflow command', async () => {
    const written: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const script = [
      "console.log('::add-path::/tmp/PWNED')",
      "console.log('  ::stop-commands::t0k3n')",
      "console.error('step 3/7 ##[add-mask]PWNED')",
      "process.stdout.write('progress\\r::warning::PWNED\\n')",
    ].join(';');
    const result = await actionsExecutor(process.execPath, ['-e', script]);
    jest.restoreAllMocks();
    const log = written.join('');
    expect(result.exitCode).toBe(0);
    // The output is all there (and captured for callers) ...
    expect(result.stdout).toContain('::add-path::/tmp/PWNED');
    expect(log).toContain('\\::add-path::/tmp/PWNED');
    expect(log).toContain('progress\\r::warning::PWNED');
    // ... and the runner would read no command from it.
    expect(parseWorkflowCommands(log)).toEqual([]);
    expect(injectedCommands(log, 'PWNED')).toEqual([]);
  });

  it('prints nothing when silent', async () => {
    const written: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const result = await actionsExecutor(process.execPath, ['-e', "console.log('secret-ish')"], {
      silent: true,
    });
    jest.restoreAllMocks();
    expect(result.stdout).toContain('secret-ish');
    expect(written.join('')).toBe('');
  });
});
