/**
 * The full suite (`npm test`): every Nx project's Jest project, with the test cluster (real Postgres, Redis and a
 * Kafka broker, plus the six services on test ports) started once by the global setup and stopped after.
 */
module.exports = {
  projects: [
    '<rootDir>/libs/shared/jest.config.js',
    '<rootDir>/libs/shared-node/jest.config.js',
    '<rootDir>/libs/platform/jest.config.js',
    '<rootDir>/libs/client/jest.config.js',
    '<rootDir>/libs/ops-console/jest.config.js',
    '<rootDir>/libs/iso20022/jest.config.js',
    '<rootDir>/apps/gateway/jest.config.js',
    '<rootDir>/apps/fx-quote/jest.config.js',
    '<rootDir>/apps/settlement/jest.config.js',
    '<rootDir>/apps/ledger-node/jest.config.js',
    '<rootDir>/tests/jest.config.js',
  ],
  globalSetup: '<rootDir>/tests/setup/global-setup.ts',
  globalTeardown: '<rootDir>/tests/setup/global-teardown.ts',
  reporters: ['default', '<rootDir>/tests/setup/totals-reporter.js'],
  testTimeout: 60_000,
  // Each worker has a test cluster of its own (tests/setup/global-setup.ts), so files that kill and restart services
  // (settlement crash, validator recovery, gateway restart, chaos) disturb no other file. Three workers on this 2-core
  // machine: much of an end-to-end test is waiting (for finality, a timer, a restart), and a third file fills that
  // time (README, Tests); NOSTRO_TEST_WORKERS=1 runs the files one at a time against one cluster.
  maxWorkers: Number.parseInt(process.env.NOSTRO_TEST_WORKERS ?? '3', 10) || 3,
};
