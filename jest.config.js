// One jest run covers every workspace: tests live in <workspace>/__tests__.
// ESM throughout (run with --experimental-vm-modules); ts-jest only transpiles,
// `npm run typecheck` does the type checking once for the whole tree.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/packages', '<rootDir>/actions', '<rootDir>/tests'],
  testMatch: ['**/__tests__/**/*.test.ts', '<rootDir>/tests/**/*.test.ts'],
  moduleNameMapper: {
    '^@berth/shared$': '<rootDir>/packages/shared/src/index.ts',
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
  testTimeout: 60000,
  modulePathIgnorePatterns: ['<rootDir>/actions/.*/dist/'],
};
