// npm run nostro-audit -- verify: checks the operator audit chain (docs/security.md) straight from the gateway's
// database, without the gateway: every entry's sequence number follows the one before, names its hash, and hashes
// to what it holds. Names the first broken entry and exits 1; exits 0 with the number of entries checked.
import type * as Platform from '@nostro/platform';
import { withDb } from './lib/audit';
import { fromDist } from './lib/repo';
import { ensureSecrets, stackProfile } from './lib/stack';

const HELP = `usage: npm run nostro-audit -- verify [--profile dev|test] [--database <name>]

Verifies the hash chain of the operator audit log (ops_audit_log in the gateway's database): sequence numbers
without gaps, each entry naming the hash of the one before (64 zeros for the first), each hash the SHA-256 of its
entry. Prints the number of entries checked, or the first broken one (seq, id, reason) and exits 1.
--profile picks the local stack's database (dev: nostro_gateway; test: the suite's cluster, NOSTRO_TEST_SLOT);
--database names any other (postgres://root@127.0.0.1:5432/<name>, or set PGHOST etc.).
Needs dist/ (npm run build).`;

const BATCH = 10_000;
const COLUMNS = `id::text, seq::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, operator_id::text, operator_name,
  operator_role, action, target, outcome, http_status::text, detail::text, correlation_id, remote_addr, prev_hash, hash`;

async function verify(database: string): Promise<number> {
  const { verifyAuditChain } = fromDist<typeof Platform>('dist/libs/platform/src/index.js', 'nostro-audit');
  return withDb(database, async (db) => {
    let before: { seq: string; hash: string } | null = null;
    let checked = 0;
    for (;;) {
      const { rows }: { rows: Platform.AuditChainRow[] } = await db.query<Platform.AuditChainRow>(
        `SELECT ${COLUMNS} FROM ops_audit_log WHERE seq >= $1 ORDER BY ops_audit_log.seq LIMIT $2`,
        [before ? (BigInt(before.seq) + 1n).toString() : '1', BATCH],
      );
      if (rows.length === 0) {
        console.log(`audit chain intact: ${checked} entries verified (${database})`);
        return 0;
      }
      const broken = verifyAuditChain(rows, before);
      if (broken) {
        console.log(
          `audit chain BROKEN at entry seq ${broken.seq} (id ${broken.id}): ${broken.reason}; ${checked + rows.findIndex((r) => r.seq === broken.seq)} entries before it verified`,
        );
        return 1;
      }
      checked += rows.length;
      before = { seq: rows[rows.length - 1].seq, hash: rows[rows.length - 1].hash };
    }
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] !== 'verify' || args.includes('--help')) {
    console.log(HELP);
    process.exit(args.includes('--help') ? 0 : 2);
  }
  const at = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const profile = stackProfile(at('--profile') ?? 'dev');
  if (!at('--database')) ensureSecrets(profile);
  process.exit(await verify(at('--database') ?? `${profile.dbPrefix}_gateway`));
}

main().catch((error: unknown) => {
  console.error(`nostro-audit: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
