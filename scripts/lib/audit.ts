// The auditor: checks, from the databases and the chain alone, that nothing was lost or applied twice.
// Block headers are hashed by libs/shared (blockHash: RFC 8785 canonical JSON, SHA-256), the code the validators,
// the ledger CLI's ChainVerifier and the bank SDK use, loaded from dist/ (npm run build; the chaos run builds first).
import type * as Shared from '@nostro/shared';
import pg from 'pg';
import { fromDist } from './repo';

const VALIDATOR_DBS = ['ledger_0', 'ledger_1', 'ledger_2'] as const;
const SHARED_DIST = 'dist/libs/shared/src/index.js';

/** One short-lived connection to a database of the cluster (the auditor never holds one across a fault). */
export async function withDb<T>(name: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `postgres://root@127.0.0.1:5432/${name}` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let shared: typeof Shared | undefined;
/** libs/shared as compiled into dist/ (CommonJS), loaded on first use so that importing this file needs no build. */
function sharedLib(): typeof Shared {
  shared ??= fromDist<typeof Shared>(SHARED_DIST, 'audit');
  return shared;
}

/** The header's hash by libs/shared's blockHash, or the reason it cannot have one (a malformed field). */
function headerHash(blockHash: (typeof Shared)['blockHash'], header: Shared.BlockHeader): { hash?: string; malformed?: string } {
  try {
    return { hash: blockHash(header) };
  } catch (error) {
    return { malformed: error instanceof Error ? error.message : String(error) };
  }
}

/** A row of a validator's `blocks` table, as chainRowProblems reads it. */
export interface BlockRow {
  height: number;
  hash: string;
  prev_hash: string;
  merkle_root: string;
  state_digest: string;
  tx_count: number;
  block_time: string | number;
}

/**
 * Hash links and header hashes of one validator's chain, from its `blocks` rows in height order (the hash of the
 * six header fields, API.md; the same check as the ChainVerifier's block_hash_mismatch and prev_hash_mismatch).
 */
export function chainRowProblems(rows: readonly BlockRow[]): string[] {
  const { blockHash } = sharedLib();
  const problems: string[] = [];
  rows.forEach((b, i) => {
    const header = {
      height: b.height,
      prevHash: b.prev_hash,
      merkleRoot: b.merkle_root,
      stateDigest: b.state_digest,
      txCount: b.tx_count,
      timestamp: Number(b.block_time),
    };
    const { hash, malformed } = headerHash(blockHash, header);
    if (malformed !== undefined) problems.push(`block ${b.height}: header hash mismatch (${malformed})`);
    else if (hash !== b.hash) problems.push(`block ${b.height}: header hash mismatch`);
    if (i > 0 && rows[i - 1].hash !== b.prev_hash) problems.push(`block ${b.height}: prevHash does not link to block ${rows[i - 1].height}`);
    if (b.height !== i + 1) problems.push(`block ${b.height}: gap in heights`);
  });
  return problems;
}

interface Chain {
  height: number;
  hashes: string[];
  problems: string[];
}

async function chainProblems(db: pg.Client): Promise<Chain> {
  const { rows } = await db.query<BlockRow>(
    'SELECT height::int, hash, prev_hash, merkle_root, state_digest, tx_count, block_time::text FROM blocks ORDER BY height',
  );
  return { height: rows.length, hashes: rows.map((r) => r.hash), problems: chainRowProblems(rows) };
}

interface PaymentRow {
  uetr: string;
  status: string;
}

export interface AuditReport {
  payments: number;
  final: number;
  open: number;
  settled: number;
  rejected: number;
  heights: number[];
  problems: string[];
}

/** What settlement says of the payments and their returns, as one validator's audit needs it. */
interface Settled {
  statusByUetr: Map<string, string>;
  settledUetrs: Set<string>;
  settledAt: Map<string, number | null>;
  /** Return id → its status and block in settlement. */
  returns: Map<string, { uetr: string; status: string; height: number | null }>;
}

/** The payment statuses no event changes any more, and the ones the ledger accepted the payment in. */
const FINAL_STATUSES = new Set(['SETTLED', 'REJECTED', 'CANCELLED', 'RETURNED']);
const ACCEPTED_STATUSES = new Set(['SETTLED', 'RETURNED']);

/** One validator's ledger against settlement: each payment applied once, balances summing to zero, its chain. */
async function auditValidator(db: pg.Client, name: string, settled: Settled, problems: string[]): Promise<Chain> {
  // Heights first: a block and its transactions commit together, so every block up to `height` is in `accepted`
  // even if the validator applies more blocks in between.
  const height = (await db.query<{ h: number }>('SELECT coalesce(max(height), 0)::int AS h FROM blocks')).rows[0].h;
  const final = (await db.query<{ h: number }>('SELECT coalesce(max(height), 0)::int AS h FROM finality')).rows[0].h;
  // A payment's transaction has its uetr as id; its returns name the same uetr under their own ids.
  const accepted = (
    await db.query<{ uetr: string; n: number }>(
      `SELECT uetr::text, count(*)::int AS n FROM block_transactions WHERE uetr IS NOT NULL AND tx_id = uetr::text AND status = 'accepted' GROUP BY uetr`,
    )
  ).rows;
  await auditReturns(db, name, settled, height, final, problems);
  const onLedger = new Map(accepted.map((r) => [r.uetr, r.n]));
  for (const [uetr, n] of onLedger) {
    if (n !== 1) problems.push(`${name}: payment ${uetr} applied ${n} times`);
    if (!settled.settledUetrs.has(uetr) && settled.statusByUetr.get(uetr) !== 'SUBMITTED')
      problems.push(`${name}: ledger accepted ${uetr}, settlement says ${settled.statusByUetr.get(uetr) ?? 'nothing'}`);
  }
  // A validator that is still catching up (restarted by a scenario) has not applied the latest blocks yet: a
  // settled payment is owed by every validator whose chain reaches the block that settled it.
  if (final >= height - 1) {
    for (const [uetr, at] of settled.settledAt)
      if (!onLedger.has(uetr) && (at === null || at <= height)) problems.push(`${name}: settled payment ${uetr} (block ${at}) has no accepted ledger transfer`);
  }
  const sums = (await db.query<{ currency: string; total: string }>('SELECT currency, sum(balance)::text AS total FROM accounts GROUP BY currency')).rows;
  for (const s of sums) if (s.total !== '0') problems.push(`${name}: ${s.currency} sums to ${s.total}, not 0`);
  const overdrawn = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts WHERE net_debit_cap IS NOT NULL AND balance < -net_debit_cap'))
    .rows[0].n;
  if (overdrawn > 0) problems.push(`${name}: ${overdrawn} accounts below their limit`);
  const chain = await chainProblems(db);
  problems.push(...chain.problems.map((p) => `${name}: ${p}`));
  return chain;
}

/**
 * One validator's returns against settlement's: each return is a transaction of its own (tx_id = return id) applied
 * at most once, every accepted one is SETTLED in settlement and every SETTLED one is accepted here (once the chain
 * reaches its block), and no payment's accepted returns add up to more than its receive amount (settlement's
 * payment_returns.receive_minor).
 */
async function auditReturns(db: pg.Client, name: string, settled: Settled, height: number, final: number, problems: string[]): Promise<void> {
  const rows = (
    await db.query<{ id: string; uetr: string; status: string; n: number }>(
      `SELECT tx_id AS id, uetr::text, status, count(*) OVER (PARTITION BY tx_id)::int AS n
         FROM block_transactions WHERE uetr IS NOT NULL AND tx_id <> uetr::text AND kind = 'transfer'`,
    )
  ).rows;
  const onLedger = new Set<string>();
  for (const r of rows) {
    if (r.n !== 1) problems.push(`${name}: return ${r.id} recorded ${r.n} times`);
    const s = settled.returns.get(r.id);
    if (r.status === 'accepted') {
      onLedger.add(r.id);
      if (s && s.status !== 'SETTLED' && s.status !== 'RECEIVED') problems.push(`${name}: ledger accepted return ${r.id}, settlement says ${s.status}`);
    }
  }
  if (final < height - 1) return;
  for (const [id, s] of settled.returns)
    if (s.status === 'SETTLED' && !onLedger.has(id) && (s.height === null || s.height <= height))
      problems.push(`${name}: settled return ${id} (block ${s.height}) has no accepted ledger transaction`);
}

/**
 * Audits one cluster (database prefix): every payment the gateway answered 202 for is final exactly once and
 * agrees with settlement; settled payments and accepted ledger transfers match one to one on every validator;
 * every currency sums to zero; chains link and validators agree on every common block.
 */
export async function audit(dbPrefix: string): Promise<AuditReport> {
  const problems: string[] = [];
  const gateway = await withDb(`${dbPrefix}_gateway`, async (db) => (await db.query<PaymentRow>('SELECT uetr::text, status FROM payments')).rows);
  const settlement = await withDb(
    `${dbPrefix}_settlement`,
    async (db) => (await db.query<PaymentRow & { block_height: number | null }>('SELECT uetr::text, status, block_height::int FROM payments')).rows,
  );
  const returns = await withDb(`${dbPrefix}_settlement`, async (db) => {
    const over = await db.query<{ uetr: string }>(
      `SELECT uetr::text FROM payment_returns WHERE status <> 'REJECTED' GROUP BY uetr HAVING sum(amount_minor) > max(receive_minor)`,
    );
    for (const r of over.rows) problems.push(`payment ${r.uetr}: returns add up to more than its receive amount`);
    return (
      await db.query<{ id: string; uetr: string; status: string; height: number | null }>(
        'SELECT return_id::text AS id, uetr::text, status, block_height::int AS height FROM payment_returns',
      )
    ).rows;
  });
  const statusByUetr = new Map(settlement.map((p) => [p.uetr, p.status]));
  const open = gateway.filter((p) => !FINAL_STATUSES.has(p.status));
  for (const p of gateway) {
    const s = statusByUetr.get(p.uetr);
    // The gateway may lag settlement by an event (SETTLED → RETURNED), never disagree on a final outcome.
    if (FINAL_STATUSES.has(p.status) && s !== undefined && s !== p.status && !(p.status === 'SETTLED' && s === 'RETURNED')) {
      problems.push(`payment ${p.uetr}: gateway ${p.status}, settlement ${s}`);
    }
  }
  const settledRows = settlement.filter((p) => ACCEPTED_STATUSES.has(p.status));
  const settled: Settled = {
    statusByUetr,
    settledUetrs: new Set(settledRows.map((p) => p.uetr)),
    settledAt: new Map(settledRows.map((p) => [p.uetr, p.block_height])),
    returns: new Map(returns.map((r) => [r.id, { uetr: r.uetr, status: r.status, height: r.height }])),
  };
  const chains: Chain[] = [];
  for (const name of VALIDATOR_DBS) chains.push(await withDb(`${dbPrefix}_${name}`, (db) => auditValidator(db, name, settled, problems)));
  const common = Math.min(...chains.map((c) => c.height));
  for (let i = 0; i < common; i++) {
    if (new Set(chains.map((c) => c.hashes[i])).size !== 1) problems.push(`validators disagree at height ${i + 1}`);
  }
  return {
    payments: gateway.length,
    final: gateway.length - open.length,
    open: open.length,
    settled: gateway.filter((p) => ACCEPTED_STATUSES.has(p.status)).length,
    rejected: gateway.filter((p) => p.status === 'REJECTED').length,
    heights: chains.map((c) => c.height),
    problems,
  };
}

/** The webhooks each final status sends when both banks have a webhook URL (apps/gateway/src/webhooks/webhook.events.ts). */
const WEBHOOKS_BY_STATUS: Readonly<Record<string, readonly string[]>> = {
  SETTLED: ['payment.settled', 'payment.received'],
  RETURNED: ['payment.settled', 'payment.received'],
  REJECTED: ['payment.rejected'],
  CANCELLED: ['payment.cancelled'],
};
const WEBHOOK_PROBLEMS_LISTED_MAX = 20;

/** An event as the bank's receiver parsed it after verifying the signature. */
export interface ReceivedEvent {
  type: string;
  uetr: string | null;
}

export interface WebhookAudit {
  rows: number;
  delivered: number;
  seen: number;
  missing: number;
  attempts: number;
  problems: string[];
}

interface WebhookRow {
  id: string;
  type: string;
  uetr: string;
  status: string;
  attempts: number;
}

/** Rows missing or doubled in the outbox: every final status has its webhook rows, each exactly once. */
function webhookRowProblems(payments: readonly PaymentRow[], rows: readonly WebhookRow[], problems: string[]): number {
  const perEvent = new Map<string, number>();
  for (const r of rows) perEvent.set(`${r.uetr} ${r.type}`, (perEvent.get(`${r.uetr} ${r.type}`) ?? 0) + 1);
  let missing = 0;
  for (const p of payments) {
    for (const type of WEBHOOKS_BY_STATUS[p.status] ?? []) {
      const n = perEvent.get(`${p.uetr} ${type}`) ?? 0;
      if (n === 0) missing += 1;
      if (n !== 1) problems.push(`payment ${p.uetr} (${p.status}): ${n} ${type} webhook rows, expected 1`);
    }
  }
  return missing;
}

/**
 * No webhook lost, for these payments (their debtor and creditor both had a webhook URL): every final status has its
 * rows in the gateway's outbox (`webhook_deliveries`), each exactly once; every row is delivered; and the bank's
 * receiver saw every row's event at least once, by event id (the row id), with the type and payment stored.
 * `received` maps event id → { type, uetr } as the receiver parsed them after verifying the signature.
 */
export async function auditWebhooks(
  dbPrefix: string,
  { uetrs, received }: { uetrs: string[]; received: ReadonlyMap<string, ReceivedEvent> },
): Promise<WebhookAudit> {
  return withDb(`${dbPrefix}_gateway`, async (db) => {
    const payments = (await db.query<PaymentRow>('SELECT uetr::text, status FROM payments WHERE uetr = ANY($1::uuid[])', [uetrs])).rows;
    const rows = (
      await db.query<WebhookRow>('SELECT id::text, type, uetr::text, status, attempts FROM webhook_deliveries WHERE uetr = ANY($1::uuid[])', [uetrs])
    ).rows;
    const problems: string[] = [];
    const missing = webhookRowProblems(payments, rows, problems);
    const undelivered = rows.filter((r) => r.status !== 'delivered');
    for (const r of undelivered) problems.push(`webhook ${r.id} (${r.type} of ${r.uetr}): ${r.status} after ${r.attempts} attempts`);
    const unseen = rows.filter((r) => !received.has(r.id));
    for (const r of unseen) problems.push(`webhook ${r.id} (${r.type} of ${r.uetr}): marked ${r.status} but never received`);
    for (const r of rows) {
      const e = received.get(r.id);
      if (e && (e.type !== r.type || e.uetr !== r.uetr)) problems.push(`webhook ${r.id}: received ${e.type} of ${e.uetr}, stored ${r.type} of ${r.uetr}`);
    }
    const listed = problems.slice(0, WEBHOOK_PROBLEMS_LISTED_MAX);
    if (problems.length > listed.length) listed.push(`… and ${problems.length - listed.length} more webhook problems`);
    return {
      rows: rows.length,
      delivered: rows.length - undelivered.length,
      seen: rows.length - unseen.length,
      missing,
      attempts: rows.reduce((sum, r) => sum + r.attempts, 0),
      problems: listed,
    };
  });
}
