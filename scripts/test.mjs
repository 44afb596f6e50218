#!/usr/bin/env node
// npm test: installs what the suite needs and is missing (npm packages; Chromium and kubectl from Debian), then runs
// Jest over every project with the given arguments. Jest's global setup starts the test clusters (and the broker)
// and its teardown stops them.
// Plain JavaScript, unlike the other scripts (TypeScript run by tsx): it runs before node_modules exists, and installs it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkJava, ensureDebianPackages, ensureNodeModules, ensurePromtool } from './lib/bootstrap.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: npm test [-- <jest arguments>]

Runs the whole suite: unit, integration and end-to-end tests against real Postgres, Redis and a Kafka broker.
First installs what is missing: the npm packages (npm install, locked versions), and as root Debian's chromium
(the operations console's browser tests) and kubectl (the deployment checks). Jest's global setup starts one test
cluster per worker (ports 4000+, 4100+, …; databases nostro_test*) and the broker if it is not running.

  npm test -- tests/gateway            only the files under tests/gateway
  npm test -- -t 'idempotency'         only the tests whose name matches
  NOSTRO_TEST_WORKERS=1 npm test       one file at a time, one test cluster
  npm run test:unit                    only the small tests (no cluster, no broker)
  npm run test:int / test:e2e          only the medium / end-to-end tests

Ends with the totals line "N passed, N failed".`);
  process.exit(0);
}

ensureNodeModules('test');
const unitOnly = process.env.NOSTRO_TEST_UNIT_ONLY === '1';
ensureDebianPackages('test', [
  ...(unitOnly ? [] : [{ command: 'chromium', pkg: 'chromium', why: "the operations console's browser tests" }]),
  { command: 'kubectl', pkg: 'kubectl', why: 'rendering the Kubernetes overlays in the deployment checks' },
]);
ensurePromtool('test');
if (!unitOnly) checkJava('test');
const jest = spawnSync(process.execPath, [path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...args], { cwd: root, stdio: 'inherit' });
process.exit(jest.status ?? 1);
