import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { startEmulator } from '../src/server.js';

// The control endpoint runAction() uses: the documented policy of an action, instantiated for
// the resources the emulator holds, attached to a test role, and a session of that role.
it('POST /_emulator/iam/berth-session: a session under the action’s policy, narrowed to the run’s target', async () => {
  const emulator = await startEmulator({
    scenario: {
      region: 'eu-west-1',
      clusters: ['dev', 'production'],
      taskDefinitions: [
        {
          family: 'shop-web',
          executionRoleArn: 'arn:aws:iam::123456789012:role/shop-web-execution',
          containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128 }],
        },
      ],
      services: [
        { cluster: 'dev', serviceName: 'web', taskDefinition: 'shop-web:1' },
        { cluster: 'production', serviceName: 'web', taskDefinition: 'shop-web:1' },
      ],
    },
  });
  try {
    const response = await fetch(`${emulator.url}/_emulator/iam/berth-session`, {
      method: 'POST',
      body: JSON.stringify({
        action: 'deploy-ecs',
        inputs: { cluster: 'dev', service: 'web' },
        environment: { Cluster: 'dev' },
      }),
    });
    const answer = (await response.json()) as any;
    expect(answer).toMatchObject({
      roleArn: 'arn:aws:iam::123456789012:role/berth-test-deploy-ecs',
      policies: ['deploy-ecs'],
      environment: {
        Cluster: 'dev',
        Service: ['web'],
        TaskFamily: ['shop-web'],
        ExecutionRole: ['shop-web-execution'],
      },
      credentials: { arn: 'arn:aws:sts::123456789012:assumed-role/berth-test-deploy-ecs/berth-test' },
    });
    expect(emulator.control.iam.enforcing()).toBe(true);
    const ecs = new ECSClient({
      region: 'eu-west-1',
      endpoint: emulator.url,
      credentials: {
        accessKeyId: answer.credentials.accessKeyId,
        secretAccessKey: answer.credentials.secretAccessKey,
        sessionToken: answer.credentials.sessionToken,
      },
    });
    await ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: ['web'] }));
    await expect(
      ecs.send(new UpdateServiceCommand({ cluster: 'production', service: 'web', desiredCount: 0 })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // The static default identity stays unauthorised (no IAM for it), as before.
    const anonymous = new ECSClient({
      region: 'eu-west-1',
      endpoint: emulator.url,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
    });
    await anonymous.send(
      new UpdateServiceCommand({ cluster: 'production', service: 'web', desiredCount: 1 }),
    );
    expect(emulator.control.calls().map((c) => c.authorization)).toEqual([
      'allow',
      'implicit-deny',
      undefined,
    ]);
  } finally {
    await emulator.stop();
  }
});
