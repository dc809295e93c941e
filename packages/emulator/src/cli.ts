/**
 * `berth-emulator --port 4566 --scenario file.yaml [--time-scale 10] [--seed 1] [--registry http://127.0.0.1:5000]`
 */
import { parseArgs } from 'node:util';
import { ScenarioError } from './scenario.js';
import { startEmulator } from './server.js';

const USAGE = `Usage: berth-emulator [options]

Local ECS/ECR/STS/CloudWatch Logs/CodeDeploy control-plane emulator (Berth's test instrument).

Options:
  --port <n>            TCP port (default 4566; 0 picks a free one)
  --host <address>      interface to listen on (default 127.0.0.1)
  --scenario <file>     scenario YAML/JSON file (clusters, services, repositories, images, trust, …)
  --time-scale <x>      emulated seconds per real second (default 1)
  --seed <n>            seed for every random choice (default 1)
  --registry <url>      backing OCI registry for ECR images (e.g. http://127.0.0.1:5000)
  --quiet               do not log each AWS call
  -h, --help            this text
`;

function number(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got ${JSON.stringify(text)}`);
  return value;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (error) {
    console.error(`berth-emulator: ${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (parsed.help) {
    console.log(USAGE);
    return;
  }
  const emulator = await startEmulator({
    port: parsed.port,
    host: parsed.host,
    scenario: parsed.scenario,
    timeScale: parsed.timeScale,
    seed: parsed.seed,
    registryUrl: parsed.registry,
    log: parsed.quiet ? undefined : (line) => console.log(line),
  });
  const { world } = emulator;
  console.log(`berth-emulator listening on ${emulator.url}`);
  console.log(
    `  account ${world.accountId}, region ${world.region}, time scale ${parsed.timeScale}, seed ${parsed.seed}`,
  );
  if (parsed.registry) console.log(`  ECR images mirrored from ${parsed.registry}`);
  console.log(`
Point the AWS SDK or CLI at it:
  export AWS_ENDPOINT_URL=${emulator.url}
  export AWS_REGION=${world.region}
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test   # any value; signatures are not checked
  aws ecs list-clusters

Control API: ${emulator.url}/_emulator/state (see packages/emulator/README.md)
GitHub OIDC stand-in: ACTIONS_ID_TOKEN_REQUEST_URL=${emulator.url}/_emulator/oidc/token?sub=repo:acme/shop:ref:refs/heads/main
`);
  const stop = (signal: string) => {
    console.log(`\n${signal}: stopping`);
    emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

function parseOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      scenario: { type: 'string' },
      'time-scale': { type: 'string' },
      seed: { type: 'string' },
      registry: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  return {
    help: values.help ?? false,
    port: number('port', values.port, 4566),
    host: values.host ?? '127.0.0.1',
    scenario: values.scenario,
    timeScale: number('time-scale', values['time-scale'], 1),
    seed: number('seed', values.seed, 1),
    registry: values.registry,
    quiet: values.quiet ?? false,
  };
}

main().catch((error) => {
  console.error(
    error instanceof ScenarioError ? error.message : `berth-emulator: ${(error as Error)?.stack ?? error}`,
  );
  process.exit(1);
});
