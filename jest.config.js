// One jest run covers every workspace: tests live in <workspace>/__tests__ and tests/.
// ESM throughout (run with --experimental-vm-modules); ts-jest only transpiles,
// `npm run typecheck` does the type checking once for the whole tree.
//
// Three tiers, told apart by the file name and run as jest projects (`npm test` runs all three,
// `npm run test:unit|test:itg|test:e2e` one, `npm test -- <path>` whatever the path names):
//   unit         *.test.ts      source only, in process (the emulator's own tests included)
//   integration  *.itg.test.ts  the bundled actions/*/dist run as the runner runs them, the workflow harness
//   end-to-end   *.e2e.test.ts  real builds with buildah pushed to docker-registry on 127.0.0.1
// The integration and end-to-end tiers run the dists: their globalSetup rebuilds any dist older than
// its sources first (packages/testkit/src/fresh-dists.ts), so a source change is never tested stale.

/** Settings every tier shares. */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/packages', '<rootDir>/actions', '<rootDir>/tests'],
  moduleNameMapper: {
    // Sub-path imports (`@berth/shared/aws`, `@berth/shared/deployment/follow`), as package.json's exports map them.
    '^@berth/shared/(.*)$': '<rootDir>/packages/shared/src/$1',
    '^@berth/emulator$': '<rootDir>/packages/emulator/src/index.ts',
    '^@berth/testkit$': '<rootDir>/packages/testkit/src/index.ts',
    // Deep imports (`@berth/testkit/doubles.js`) keep unit tests off the workflow harness.
    '^@berth/testkit/(.*)\\.js$': '<rootDir>/packages/testkit/src/$1.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  modulePathIgnorePatterns: ['<rootDir>/actions/.*/dist/'],
  testTimeout: 60000,
};

const everywhere = (suffix) => [`**/__tests__/**/*${suffix}`, `<rootDir>/tests/**/*${suffix}`];

/** @type {import('jest').Config} */
export default {
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: everywhere('.test.ts'),
      testPathIgnorePatterns: ['/node_modules/', '\\.(itg|e2e)\\.test\\.ts$'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: everywhere('.itg.test.ts'),
      globalSetup: '<rootDir>/packages/testkit/jest-global-setup.mjs',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: everywhere('.e2e.test.ts'),
      globalSetup: '<rootDir>/packages/testkit/jest-global-setup.mjs',
    },
  ],
};
