/**
 * The full suite (`npm test`): every Nx project's Jest project, with the test cluster (real Postgres, Redis and a
 * Kafka broker, plus the six services on test ports) started once by the global setup and stopped after.
 */
module.exports = {
  projects: [
    '<rootDir>/libs/shared/jest.config.js',
    '<rootDir>/libs/platform/jest.config.js',
    '<rootDir>/libs/client/jest.config.js',
    '<rootDir>/apps/gateway/jest.config.js',
    '<rootDir>/apps/fx-quote/jest.config.js',
    '<rootDir>/apps/settlement/jest.config.js',
    '<rootDir>/apps/ledger-node/jest.config.js',
    '<rootDir>/tests/jest.config.js',
  ],
  globalSetup: '<rootDir>/tests/setup/global-setup.mjs',
  globalTeardown: '<rootDir>/tests/setup/global-teardown.mjs',
  reporters: ['default', '<rootDir>/tests/setup/totals-reporter.js'],
  testTimeout: 60_000,
  // One test file at a time whatever the core count: the end-to-end files share one test cluster, and several of
  // them kill and restart its services (settlement crash, validator recovery, gateway restart, chaos).
  maxWorkers: 1,
};
