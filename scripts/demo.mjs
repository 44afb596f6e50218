#!/usr/bin/env node
// npm run demo: installs what is missing, starts the whole cluster, registers two demo banks, funds them, sends
// a few payments through the signed bank API, prints their final statuses with verified finality proofs, and
// leaves the cluster running until Ctrl-C (`--exit` returns at once and leaves it running).
//
// Plain JavaScript on purpose, like scripts/test.mjs and scripts/lib/bootstrap.mjs: it runs before node_modules
// exists, so it installs the npm packages first, and only then loads the TypeScript of the demo itself
// (scripts/lib/demo.ts) through tsx, which is one of those packages.
import { checkJava, ensureNodeModules } from './lib/bootstrap.mjs';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(`usage: npm run demo [-- --exit]

Starts the cluster (npm run stack:up), registers BANKUS33 (USD) and BANKDE55 (EUR), funds them and the FX desk,
sends payments (one fails for insufficient funds on purpose), prints each final status, timeline, block and
whether its finality proof verifies offline. Ctrl-C stops the cluster; --exit leaves it running and returns.`);
  process.exit(0);
}

async function main() {
  ensureNodeModules('demo');
  checkJava('demo');
  const { tsImport } = await import('tsx/esm/api');
  const { runDemo } = await tsImport('./lib/demo.ts', import.meta.url);
  await runDemo({ exit: args.includes('--exit') });
}

main().catch((error) => {
  // tsx names the frames of the loaded TypeScript with the whole transpiled module as a data: URL; leave those out.
  const frames = String(error.stack ?? '')
    .split('\n')
    .slice(1)
    .filter((line) => !line.includes('data:text/javascript'));
  console.error([`demo failed: ${error.message}`, ...frames].join('\n'));
  process.exit(1);
});
