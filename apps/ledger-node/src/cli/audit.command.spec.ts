import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommanderError } from 'commander';
import { base64UrlEncode, generateEd25519KeyPair } from '@nostro/shared-node';
import { EXIT_FAILED, UsageError, auditProgram, trustFrom } from './audit.command';
import { AuditService } from './audit.service';

const key = () => base64UrlEncode(generateEd25519KeyPair().publicKey);

/** Runs the program without touching the process: its output lines, its exit status, and commander's own exit. */
async function run(args: string[], audit = new AuditService()) {
  const lines: string[] = [];
  let status: number | null = null;
  let written = '';
  const program = auditProgram(
    (l) => lines.push(l),
    (s) => (status = s),
    audit,
  );
  program.configureOutput({ writeOut: (s) => (written += s), writeErr: (s) => (written += s) });
  for (const sub of program.commands) sub.configureOutput({ writeOut: (s) => (written += s), writeErr: (s) => (written += s) });
  let exit: number | null = null;
  try {
    await program.parseAsync(['node', 'nostro-ledger', ...args]);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    exit = error.exitCode;
  }
  return { lines, status, exit, written };
}

describe('nostro-ledger command line', () => {
  it('explains itself with --help: commands, exit statuses, where the keys come from', async () => {
    const top = await run(['--help']);
    expect(top.exit).toBe(0);
    expect(top.written).toContain('verify');
    expect(top.written).toContain('export');
    expect(top.written).toContain('verify-proof');
    expect(top.written).toContain('Exit status: 0 verified, 1 verification failed, 2 usage or I/O error');
    const verify = await run(['verify', '--help']);
    expect(verify.written).toContain('--database <url>');
    expect(verify.written).toContain('--require-final');
  });

  it('takes the trust anchor from --keys or a GET /v1/keys body, refusing what cannot be a trust anchor', () => {
    const [a, b] = [key(), key()];
    expect(trustFrom({ keys: `v0=${a},v1=${b}` })).toEqual({
      validators: [
        { id: 'v0', publicKey: a },
        { id: 'v1', publicKey: b },
      ],
      quorum: 2,
    });
    expect(trustFrom({ keys: `v0=${a},v1=${b}`, quorum: 1 }).quorum).toBe(1);
    const keysFile = path.join(os.tmpdir(), `nostro-keys-${process.pid}.json`);
    fs.writeFileSync(
      keysFile,
      JSON.stringify({
        network: { keyid: 'nostro', publicKey: key() },
        validators: [
          { id: 'v0', publicKey: a },
          { id: 'v1', publicKey: b },
        ],
        quorum: 2,
      }),
    );
    try {
      expect(trustFrom({ keysFile })).toEqual({
        validators: [
          { id: 'v0', publicKey: a },
          { id: 'v1', publicKey: b },
        ],
        quorum: 2,
      });
    } finally {
      fs.rmSync(keysFile, { force: true });
    }
    expect(() => trustFrom({})).toThrow(UsageError);
    expect(() => trustFrom({ keys: `v0=${a}` })).toThrow('quorum 2 is larger than the 1 validators given');
    expect(() => trustFrom({ keys: `v0=${a},v0=${b}` })).toThrow('listed twice');
    expect(() => trustFrom({ keys: `v0=${a},v1=AAAA` })).toThrow('v1');
    expect(() => trustFrom({ keys: `v0=${a},v1=${'A'.repeat(43)}` })).toThrow('not a valid Ed25519 key');
  });

  it('needs exactly one chain source, and reports a failed proof with status 1', async () => {
    await expect(run(['verify', '--keys', `v0=${key()},v1=${key()}`])).rejects.toThrow('exactly one of --database and --chain');
    const file = path.join(os.tmpdir(), `nostro-proof-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify({ block: {}, signatures: [] }));
    try {
      const result = await run(['verify-proof', '--proof', file, '--keys', `v0=${key()},v1=${key()}`]);
      expect(result.status).toBe(EXIT_FAILED);
      expect(result.lines).toEqual(['INVALID proof: malformed']);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
