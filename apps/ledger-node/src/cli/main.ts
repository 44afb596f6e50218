#!/usr/bin/env node
/** Entry point of `nostro-ledger` (package.json "bin"; `npm run ledger:verify -- …`). See audit.command.ts. */
import { CommanderError } from 'commander';
import { EXIT_USAGE, auditProgram } from './audit.command';

async function main(): Promise<void> {
  let status = 0;
  const program = auditProgram(
    (line) => process.stdout.write(`${line}\n`),
    (s) => (status = s),
  );
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; argument errors were already printed by commander.
      process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    process.stderr.write(`nostro-ledger: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  process.exitCode = status;
}

void main();
