import { harness, scenario, taskDefinition, NEXT } from './helpers/emulator.js';
test('probe', async () => {
  const h = await harness(scenario({ behaviours: { [NEXT]: { runSeconds: 30, exitCode: 0 } } }));
  const file = h.file('job.json', { ...taskDefinition(NEXT), family: 'migrate' });
  const result = await h.run({ cluster: 'shop', 'run-task': 'true', 'task-definition': file, 'run-task-subnets': 'subnet-0123456789abcdef0', 'run-task-security-groups': 'sg-0123456789abcdef0' });
  const calls = h.emulator.control.calls();
  try { console.log(result.exitCode, JSON.stringify(result.iam?.environment), calls.map((c) => `${c.operation}:${c.authorization}:${c.errorCode ?? ''}`).join(' '));
  console.log(result.stdout.slice(-1500));
  } finally { await h.stop(); }
});
