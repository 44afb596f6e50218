/**
 * `nostro-ledger`: the command-line face of AuditService. Parses arguments, reads the trust anchor (validator
 * public keys and quorum) from the command line or from the JSON of `GET /v1/keys`, prints a report, and maps the
 * verdict to an exit status: 0 verified, 1 verification failed, 2 usage or I/O error.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { FinalityTrust, TrustedValidator, base64UrlDecode, isValidPublicKey } from '@nostro/shared';
import { AuditOptions, AuditReport, AuditService, ProofReport } from './audit.service';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

interface TrustFlags {
  keys?: string;
  keysFile?: string;
  quorum?: number;
}

function positiveInt(value: string): number {
  if (!/^[1-9][0-9]{0,5}$/.test(value)) throw new InvalidArgumentError('a positive integer');
  return Number(value);
}

function checkedKeys(validators: TrustedValidator[]): TrustedValidator[] {
  for (const v of validators) {
    let raw: Uint8Array;
    try {
      raw = base64UrlDecode(v.publicKey);
    } catch {
      throw new UsageError(`public key of ${v.id} is not base64url`);
    }
    if (!isValidPublicKey(raw)) throw new UsageError(`public key of ${v.id} is not a valid Ed25519 key`);
  }
  if (new Set(validators.map((v) => v.id)).size !== validators.length) throw new UsageError('a validator id is listed twice');
  return validators;
}

/** `--keys v0=<pub>,…` or `--keys-file keys.json` (the body of GET /v1/keys); `--quorum` overrides the file's. */
export function trustFrom(flags: TrustFlags): FinalityTrust {
  let validators: TrustedValidator[];
  let quorum: number | undefined;
  if (flags.keysFile) {
    const body = JSON.parse(readFileSync(flags.keysFile, 'utf8')) as { validators?: TrustedValidator[]; quorum?: number };
    validators = (body.validators ?? []).map((v) => ({ id: String(v.id), publicKey: String(v.publicKey) }));
    quorum = body.quorum;
  } else if (flags.keys) {
    validators = flags.keys
      .split(',')
      .filter((p) => p.trim() !== '')
      .map((pair) => {
        const [id, publicKey] = pair.split('=').map((s) => s.trim());
        if (!id || !publicKey) throw new UsageError(`--keys: "${pair}" is not <id>=<public key>`);
        return { id, publicKey };
      });
  } else {
    throw new UsageError("give the validators' public keys with --keys or --keys-file");
  }
  quorum = flags.quorum ?? quorum ?? 2;
  if (validators.length === 0) throw new UsageError('no validator keys given');
  if (quorum > validators.length) throw new UsageError(`quorum ${quorum} is larger than the ${validators.length} validators given`);
  return { validators: checkedKeys(validators), quorum };
}

function printReport(report: AuditReport, json: boolean, out: (line: string) => void): void {
  if (json) {
    out(JSON.stringify(report, null, 2));
    return;
  }
  out(`source        ${report.source}`);
  out(`blocks        ${report.blocks} (tip ${report.tipHeight}${report.tipHash ? ` ${report.tipHash}` : ''})`);
  out(`transactions  ${report.transactions} (${report.accepted} accepted, ${report.rejected} rejected)`);
  out(`final blocks  ${report.finalBlocks} with a verified quorum, ${report.blocks - report.finalBlocks} without`);
  const issues = [...report.issues, ...report.storeIssues].sort((a, b) => a.height - b.height);
  if (report.ok) {
    out('VERIFIED: hashes, links, Merkle roots, outcomes, state digests, quorum signatures and balance invariants');
    return;
  }
  out(`FAILED: ${issues.length + report.issuesDropped} issue(s)`);
  for (const issue of issues) out(`  height ${String(issue.height).padStart(7)}  ${issue.code.padEnd(26)} ${issue.detail}`);
  if (report.issuesDropped > 0) out(`  … and ${report.issuesDropped} more`);
}

function printProof(report: ProofReport, json: boolean, out: (line: string) => void): void {
  if (json) {
    out(JSON.stringify(report, null, 2));
    return;
  }
  const outcome = report.transaction?.outcome as { status?: string; reason?: string } | undefined;
  const described = outcome?.status === 'rejected' ? `rejected (${outcome.reason})` : (outcome?.status ?? 'unknown');
  if (!report.ok) {
    out(`INVALID proof: ${report.failure}`);
    return;
  }
  out(
    `VALID proof: transaction ${report.transaction?.id}${report.transaction?.uetr ? ` (uetr ${report.transaction.uetr})` : ''} is in block ${report.height} ${report.hash}, final by a quorum of the given validators`,
  );
  out(`outcome: ${described}`);
}

const HELP_AFTER = `
Exit status: 0 verified, 1 verification failed, 2 usage or I/O error.

Examples:
  nostro-ledger verify --database postgres://root@127.0.0.1:5432/nostro_ledger_0 --keys-file keys.json
  nostro-ledger export --database postgres://root@127.0.0.1:5432/nostro_ledger_0 --out chain.jsonl
  nostro-ledger verify --chain chain.jsonl --keys v0=<pub>,v1=<pub>,v2=<pub> --quorum 2
  nostro-ledger verify-proof --proof proof.json --keys-file keys.json

keys.json is the body of the gateway's GET /v1/keys (validators and quorum). See docs/ledger.md.`;

/** Builds the program; `out` receives report lines (stdout), `setStatus` the exit status. */
export function auditProgram(out: (line: string) => void, setStatus: (status: number) => void, audit = new AuditService()): Command {
  const program = new Command('nostro-ledger')
    .description('Audit a Nostro ledger without trusting its operators: verify a validator database, an exported chain, or one finality proof.')
    .exitOverride()
    .showHelpAfterError()
    .addHelpText('after', HELP_AFTER);
  const trustOptions = (cmd: Command) =>
    cmd
      .option('--keys <list>', "the validators' public keys: v0=<base64url>,v1=…")
      .option('--keys-file <file>', 'JSON with { validators: [{ id, publicKey }], quorum } (GET /v1/keys)')
      .option('--quorum <n>', 'signatures needed for finality (default: the keys file, else 2)', positiveInt);

  trustOptions(
    program.command('verify').description('verify a whole chain from genesis: every hash, Merkle root, outcome, state digest, quorum and balance invariant'),
  )
    .option('--database <url>', 'a validator database (read in one read-only snapshot)')
    .option('--chain <file>', 'a chain file written by `export`')
    .option('--network-id <id>', 'network id the genesis prevHash derives from', 'nostro-local')
    .option('--require-final', 'a block without a quorum-signed finality record is an error')
    .option('--finality-lag <blocks>', 'with --require-final: blocks at the tip that may still wait for a quorum', positiveInt, 3)
    .option('--json', 'print the report as JSON')
    .action(
      async (opts: TrustFlags & { database?: string; chain?: string; networkId: string; requireFinal?: boolean; finalityLag: number; json?: boolean }) => {
        if (!opts.database === !opts.chain) throw new UsageError('give exactly one of --database and --chain');
        const options: AuditOptions = {
          networkId: opts.networkId,
          trust: trustFrom(opts),
          requireFinal: opts.requireFinal === true,
          finalityLagMax: opts.finalityLag,
        };
        const report = opts.database ? await audit.verifyDatabase(opts.database, options) : await audit.verifyFile(opts.chain as string, options);
        printReport(report, opts.json === true, out);
        setStatus(report.ok ? EXIT_OK : EXIT_FAILED);
      },
    );

  program
    .command('export')
    .description('write the chain of a validator database to a JSON Lines file (head, one line per block, end)')
    .requiredOption('--database <url>', 'the validator database')
    .requiredOption('--out <file>', 'file to write')
    .option('--network-id <id>', 'network id recorded in the file head', 'nostro-local')
    .action(async (opts: { database: string; out: string; networkId: string }) => {
      const end = await audit.exportChain(opts.database, opts.out, opts.networkId);
      out(`exported ${end.blocks} blocks (tip ${end.tipHash ?? 'none'}) to ${opts.out}`);
      setStatus(EXIT_OK);
    });

  trustOptions(program.command('verify-proof').description('verify one finality proof (GET /v1/payments/{uetr}/finality) offline, with public keys only'))
    .requiredOption('--proof <file>', 'the proof JSON ("-" reads standard input)')
    .option('--json', 'print the result as JSON')
    .action((opts: TrustFlags & { proof: string; json?: boolean }) => {
      const proof: unknown = JSON.parse(readFileSync(opts.proof === '-' ? 0 : opts.proof, 'utf8'));
      const report = audit.verifyProof(proof, trustFrom(opts));
      printProof(report, opts.json === true, out);
      setStatus(report.ok ? EXIT_OK : EXIT_FAILED);
    });
  return program;
}
