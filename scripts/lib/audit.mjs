// The auditor: checks, from the databases and the chain alone, that nothing was lost or applied twice.
import crypto from 'node:crypto';
import pg from 'pg';

const VALIDATOR_DBS = ['ledger_0', 'ledger_1', 'ledger_2'];

async function withDb(name, fn) {
  const client = new pg.Client({ connectionString: `postgres://root@127.0.0.1:5432/${name}` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  return JSON.stringify(value);
}

const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');

/** Hash links and header hashes of one validator's chain (JCS of the six header fields, API.md). */
async function chainProblems(db) {
  const { rows } = await db.query('SELECT height::int, hash, prev_hash, merkle_root, state_digest, tx_count, block_time::text FROM blocks ORDER BY height');
  const problems = [];
  rows.forEach((b, i) => {
    const header = { height: b.height, prevHash: b.prev_hash, merkleRoot: b.merkle_root, stateDigest: b.state_digest, txCount: b.tx_count, timestamp: Number(b.block_time) };
    if (sha256(canonical(header)) !== b.hash) problems.push(`block ${b.height}: header hash mismatch`);
    if (i > 0 && rows[i - 1].hash !== b.prev_hash) problems.push(`block ${b.height}: prevHash does not link to block ${rows[i - 1].height}`);
    if (b.height !== i + 1) problems.push(`block ${b.height}: gap in heights`);
  });
  return { height: rows.length, hashes: rows.map((r) => r.hash), problems };
}

/**
 * Audits one cluster (database prefix): every payment the gateway answered 202 for is final exactly once and
 * agrees with settlement; settled payments and accepted ledger transfers match one to one on every validator;
 * every currency sums to zero; chains link and validators agree on every common block.
 */
export async function audit(dbPrefix) {
  const problems = [];
  const gateway = await withDb(`${dbPrefix}_gateway`, async (db) => (await db.query('SELECT uetr::text, status FROM payments')).rows);
  const settlement = await withDb(`${dbPrefix}_settlement`, async (db) => (await db.query('SELECT uetr::text, status FROM payments')).rows);
  const settlementByUetr = new Map(settlement.map((p) => [p.uetr, p.status]));
  const open = gateway.filter((p) => p.status !== 'SETTLED' && p.status !== 'REJECTED');
  for (const p of gateway) {
    const s = settlementByUetr.get(p.uetr);
    if (p.status === 'SETTLED' || p.status === 'REJECTED') {
      if (s !== undefined && s !== p.status) problems.push(`payment ${p.uetr}: gateway ${p.status}, settlement ${s}`);
    }
  }
  const settledUetrs = new Set(settlement.filter((p) => p.status === 'SETTLED').map((p) => p.uetr));
  const chains = [];
  for (const name of VALIDATOR_DBS) {
    await withDb(`${dbPrefix}_${name}`, async (db) => {
      const accepted = (await db.query(`SELECT uetr::text, count(*)::int AS n FROM block_transactions WHERE uetr IS NOT NULL AND status = 'accepted' GROUP BY uetr`)).rows;
      const height = (await db.query('SELECT coalesce(max(height), 0)::int AS h FROM blocks')).rows[0].h;
      const final = (await db.query('SELECT coalesce(max(height), 0)::int AS h FROM finality')).rows[0].h;
      const onLedger = new Map(accepted.map((r) => [r.uetr, r.n]));
      for (const [uetr, n] of onLedger) {
        if (n !== 1) problems.push(`${name}: payment ${uetr} applied ${n} times`);
        if (!settledUetrs.has(uetr) && settlementByUetr.get(uetr) !== 'SUBMITTED') problems.push(`${name}: ledger accepted ${uetr}, settlement says ${settlementByUetr.get(uetr) ?? 'nothing'}`);
      }
      if (final >= height - 1) {
        for (const uetr of settledUetrs) if (!onLedger.has(uetr)) problems.push(`${name}: settled payment ${uetr} has no accepted ledger transfer`);
      }
      const sums = (await db.query('SELECT currency, sum(balance)::text AS total FROM accounts GROUP BY currency')).rows;
      for (const s of sums) if (s.total !== '0') problems.push(`${name}: ${s.currency} sums to ${s.total}, not 0`);
      const overdrawn = (await db.query('SELECT count(*)::int AS n FROM accounts WHERE net_debit_cap IS NOT NULL AND balance < -net_debit_cap')).rows[0].n;
      if (overdrawn > 0) problems.push(`${name}: ${overdrawn} accounts below their limit`);
      const chain = await chainProblems(db);
      problems.push(...chain.problems.map((p) => `${name}: ${p}`));
      chains.push(chain);
    });
  }
  const common = Math.min(...chains.map((c) => c.height));
  for (let i = 0; i < common; i++) {
    if (new Set(chains.map((c) => c.hashes[i])).size !== 1) problems.push(`validators disagree at height ${i + 1}`);
  }
  return {
    payments: gateway.length,
    final: gateway.length - open.length,
    open: open.length,
    settled: gateway.filter((p) => p.status === 'SETTLED').length,
    rejected: gateway.filter((p) => p.status === 'REJECTED').length,
    heights: chains.map((c) => c.height),
    problems,
  };
}
