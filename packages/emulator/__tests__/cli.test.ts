import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'berth-emulator.js');
const EXAMPLE = join(ROOT, 'scenarios', 'example.yaml');

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('berth-emulator CLI', () => {
  it('serves a scenario file, says how to point the SDK at it, logs calls and stops on SIGTERM', async () => {
    const { child, exited, output } = run([
      '--port',
      '0',
      '--scenario',
      EXAMPLE,
      '--time-scale',
      '10',
      '--seed',
      '3',
    ]);
    try {
      const deadline = Date.now() + 30_000;
      while (!/listening on (http:\/\/\S+)/.test(output()) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const url = /listening on (http:\/\/\S+)/.exec(output())?.[1];
      expect(url).toBeDefined();
      expect(output()).toContain(`export AWS_ENDPOINT_URL=${url}`);
      expect(output()).toContain('time scale 10, seed 3');

      const ecr = new ECRClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      });
      const { repositories } = await ecr.send(new DescribeRepositoriesCommand({}));
      expect(repositories?.map((r) => r.repositoryName)).toEqual(['shop/web', 'shop/worker']);
      // The log line is written after the answer: wait for it (bounded) instead of a fixed sleep.
      const logged = Date.now() + 30_000;
      while (!/ecr\.DescribeRepositories → 200/.test(output()) && Date.now() < logged) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(output()).toMatch(/ecr\.DescribeRepositories → 200/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);

  it('refuses unknown options with usage and exit code 2', async () => {
    const { exited, output } = run(['--bogus']);
    expect(await exited).toBe(2);
    expect(output()).toContain("Unknown option '--bogus'");
    expect(output()).toContain('Usage: berth-emulator');
  }, 60_000);

  it('explains an invalid scenario and exits 1', async () => {
    const { exited, output } = run(['--port', '0', '--scenario', join(ROOT, 'README.md.yaml')]);
    expect(await exited).toBe(1);
    expect(output()).toContain('does not exist');
  }, 60_000);
});
