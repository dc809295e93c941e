import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadActionMetadata } from '../src/github-parser.js';
import { BERTH_ROOT } from '../src/runner.js';

const actions = readdirSync(join(BERTH_ROOT, 'actions')).filter((name) =>
  existsSync(join(BERTH_ROOT, 'actions', name, 'action.yml')),
);

describe("Berth's actions as GitHub loads them", () => {
  // GitHub's action.yml parser (the one the harness runs steps with) refuses `${{ }}` where
  // the schema allows no expression — build-push and deploy-ecs once had one in a description.
  it.each(actions)("actions/%s/action.yml passes GitHub's action parser and runs on node24", (name) => {
    const metadata = loadActionMetadata(join(BERTH_ROOT, 'actions', name, 'action.yml'));
    expect(metadata.runs).toMatchObject({ using: 'node24', main: 'dist/index.js' });
    expect(metadata.inputs?.length).toBeGreaterThan(0);
  });

  // Test code never ships (STYLE 15): no bundle may contain the harness or GitHub's parser.
  it.each(actions.filter((name) => existsSync(join(BERTH_ROOT, 'actions', name, 'dist', 'index.js'))))(
    'actions/%s/dist holds nothing of packages/testkit',
    (name) => {
      const bundle = readFileSync(join(BERTH_ROOT, 'actions', name, 'dist', 'index.js'), 'utf8');
      expect(bundle).not.toContain('packages/testkit');
      expect(bundle).not.toContain('Not modelled by the workflow harness');
      expect(bundle).not.toContain('workflow-v1.0.min.json');
      // The test doubles (doubles.ts) once shipped from packages/shared.
      expect(bundle).not.toMatch(/recordingLogger|manualClock/);
    },
  );
});
