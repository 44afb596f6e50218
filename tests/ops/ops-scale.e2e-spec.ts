import { performance } from 'node:perf_hooks';
import { eventually, withDb } from '../support/cluster';
import { ConsoleHttp, newOperator } from './support/console';

/**
 * The console with 100,000 payments in the gateway's database (docs/ops-console.md, Limits): every list the
 * console offers answers from an index (no sequential scan of payments), pages are complete and disjoint, and the
 * time of each is measured and printed. Times are reported, not asserted: speed targets belong to benchmarks.
 */
const SEED_COUNT = Number.parseInt(process.env.OPS_SCALE_PAYMENTS ?? '100000', 10);
const RUNS = 5;
const DEBTORS = 50;

interface Summary {
  uetr: string;
  status: string;
  endToEndId: string;
  debtorParticipant: string;
  creditorParticipant: string;
  sourceCurrency: string;
  targetCurrency: string;
  createdAt: string;
}

/**
 * Seeds SEED_COUNT final payments (92 % settled, 8 % rejected), two hours to a month old, once per database. The
 * seed bypasses triggers (session_replication_role = replica): it is test data, not 200,000 live transitions.
 */
async function seed(): Promise<void> {
  await withDb('gateway', async (db) => {
    const seeded = await db.query(`SELECT 1 FROM payments WHERE end_to_end_id = $1`, [`SEED-${SEED_COUNT}`]);
    if ((seeded.rowCount ?? 0) > 0) return;
    await db.query('BEGIN');
    await db.query(`SET LOCAL session_replication_role = replica`);
    await db.query(
      `INSERT INTO payments (uetr, participant, creditor_participant, quote_id, quote, end_to_end_id, debtor, creditor, status, reason, created_at, updated_at, source_currency, total_debit_minor)
       SELECT md5('ops-seed-' || i)::uuid, 'SEEDD' || (i % ${DEBTORS}), 'SEEDC' || (i % 37), 'seed-' || i,
              jsonb_build_object('id', 'seed-' || i, 'sourceCurrency', 'USD', 'targetCurrency', (ARRAY['EUR','GBP','JPY'])[1 + i % 3], 'creditorParticipant', 'SEEDC' || (i % 37),
                'sendAmount', '100.00', 'receiveAmount', '91.50', 'totalDebit', '102.50', 'rate', '0.9150', 'midRate', '0.9200', 'markupBps', '54',
                'fees', '[{"type":"fixed","amount":"2.50","currency":"USD"}]'::jsonb, 'expiresAt', '2026-01-01T00:00:00.000Z', 'signature', 'seed'),
              'SEED-' || i, '{"name":"Seed debtor","account":"S1"}', '{"name":"Seed creditor","account":"S2"}',
              s.status, CASE WHEN s.status = 'REJECTED' THEN 'insufficient_funds' END,
              now() - interval '2 hours' - i * interval '25 seconds', now() - interval '2 hours', 'USD', 10250
         FROM generate_series(1, $1::int) AS i,
              LATERAL (SELECT CASE WHEN i % 100 < 8 THEN 'REJECTED' ELSE 'SETTLED' END AS status) s`,
      [SEED_COUNT],
    );
    await db.query(
      `INSERT INTO payment_timeline (uetr, status, at)
       SELECT uetr, 'RECEIVED', created_at FROM payments WHERE end_to_end_id LIKE 'SEED-%'
       UNION ALL SELECT uetr, 'SUBMITTED', created_at + interval '40 milliseconds' FROM payments WHERE end_to_end_id LIKE 'SEED-%'
       UNION ALL SELECT uetr, status, created_at + interval '700 milliseconds' FROM payments WHERE end_to_end_id LIKE 'SEED-%'`,
    );
    await db.query('COMMIT');
    await db.query('ANALYZE payments');
    await db.query('ANALYZE payment_timeline');
  });
}

async function seqScans(): Promise<number> {
  return withDb('gateway', async (db) => {
    const { rows } = await db.query<{ n: string }>(`SELECT (seq_scan)::text AS n FROM pg_stat_user_tables WHERE relname = 'payments'`);
    return Number(rows[0].n);
  });
}

/**
 * Makes every scan so far show in pg_stat_user_tables now. A backend reports its counters at the end of a transaction
 * at most once a second, and what it could not report then only after 10 s idle (PGSTAT_IDLE_INTERVAL), but always
 * when it exits: so the gateway's idle pooled sessions are ended (not its LISTEN ones; the pool opens new sessions as
 * it needs them) and their exit awaited, instead of sleeping 11 s.
 */
async function statsSettled(): Promise<void> {
  const ended = await withDb('gateway', async (db) => {
    const { rows } = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
          AND state = 'idle' AND query NOT ILIKE 'LISTEN%' AND state_change < now() - interval '100 milliseconds'`,
    );
    for (const { pid } of rows) await db.query('SELECT pg_terminate_backend($1)', [pid]);
    return rows.map((r) => r.pid);
  });
  await eventually(
    () => withDb('gateway', async (db) => (await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[])', [ended])).rowCount ?? 0),
    (left) => left === 0,
    10_000,
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe(`operations console with ${SEED_COUNT} payments`, () => {
  const http = new ConsoleHttp();
  const figures: [string, number, number][] = [];

  async function timed<T>(label: string, path: string): Promise<T> {
    const times: number[] = [];
    let body: T | null = null;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      body = await http.json<T>(path);
      times.push(performance.now() - started);
    }
    figures.push([label, median(times), Math.max(...times)]);
    return body as T;
  }

  beforeAll(async () => {
    const started = performance.now();
    await seed();
    process.stderr.write(
      `ops-scale: ${SEED_COUNT} payments in the gateway database (seeded or found in ${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
    );
    await http.signIn((await newOperator('viewer')).token);
  }, 300_000);

  afterAll(() => {
    const lines = figures.map(([label, med, max]) => `  ${label.padEnd(48)} median ${med.toFixed(1).padStart(7)} ms   max ${max.toFixed(1).padStart(7)} ms`);
    process.stderr.write(`ops-scale: console API over HTTP, ${RUNS} runs each (2-core machine shared with other work: noisy)\n${lines.join('\n')}\n`);
  });

  it('answers every list from an index, with complete, ordered, disjoint pages', async () => {
    await statsSettled();
    const before = await seqScans();

    const firstPage = await timed<{ data: Summary[]; nextCursor: string }>('newest 50, no filter', '/ops/api/payments?limit=50');
    expect(firstPage.data).toHaveLength(50);
    let cursor = firstPage.nextCursor;
    const seen = new Set(firstPage.data.map((p) => p.uetr));
    let last = firstPage.data[firstPage.data.length - 1].createdAt;
    for (let page = 2; page <= 20; page++) {
      const next = await http.json<{ data: Summary[]; nextCursor: string }>(`/ops/api/payments?limit=50&cursor=${cursor}`);
      expect(next.data).toHaveLength(50);
      for (const p of next.data) {
        expect(seen.has(p.uetr)).toBe(false);
        expect(p.createdAt <= last).toBe(true);
        seen.add(p.uetr);
        last = p.createdAt;
      }
      cursor = next.nextCursor;
    }
    await timed('page 21 by cursor (keyset, no OFFSET)', `/ops/api/payments?limit=50&cursor=${cursor}`);

    const rejected = await timed<{ data: Summary[] }>('status=REJECTED (8 %)', '/ops/api/payments?status=REJECTED&limit=50');
    expect(rejected.data.length).toBe(50);
    expect(rejected.data.every((p) => p.status === 'REJECTED')).toBe(true);
    const held = await timed<{ data: Summary[] }>('status=HELD (rare)', '/ops/api/payments?status=HELD&limit=50');
    expect(held.data.every((p) => p.status === 'HELD')).toBe(true);

    const party = await timed<{ data: Summary[] }>('participant SEEDD7, debtor or creditor', '/ops/api/payments?participant=SEEDD7&limit=50');
    expect(party.data.length).toBe(50);
    expect(party.data.every((p) => p.debtorParticipant === 'SEEDD7' || p.creditorParticipant === 'SEEDD7')).toBe(true);

    const both = await timed<{ data: Summary[] }>(
      'participant SEEDD7 as debtor, status REJECTED',
      '/ops/api/payments?participant=SEEDD7&side=debtor&status=REJECTED&limit=50',
    );
    expect(both.data.every((p) => p.debtorParticipant === 'SEEDD7' && p.status === 'REJECTED')).toBe(true);

    const e2e = await timed<{ data: Summary[] }>('end-to-end id', '/ops/api/payments?endToEndId=SEED-77777');
    expect(e2e.data.map((p) => p.endToEndId)).toEqual(['SEED-77777']);

    const byUetr = await timed<{ data: Summary[] }>('UETR', `/ops/api/payments?uetr=${e2e.data[0].uetr}`);
    expect(byUetr.data).toHaveLength(1);

    const from = new Date(Date.now() - 10 * 86_400_000).toISOString();
    const to = new Date(Date.now() - 9 * 86_400_000).toISOString();
    const range = await timed<{ data: Summary[] }>('one day, ten days ago', `/ops/api/payments?from=${from}&to=${to}&limit=50`);
    expect(range.data).toHaveLength(50);
    expect(range.data.every((p) => p.createdAt >= from && p.createdAt < to)).toBe(true);

    const corridor = await timed<{ data: Summary[] }>('corridor USD → JPY', '/ops/api/payments?sourceCurrency=USD&targetCurrency=JPY&limit=50');
    expect(corridor.data.every((p) => p.sourceCurrency === 'USD' && p.targetCurrency === 'JPY')).toBe(true);

    await timed('held payments with approvals (operator API)', '/ops/api/held');
    await timed('overview (computed at most every 2 s, else cached)', '/ops/api/overview');

    await statsSettled();
    expect(await seqScans()).toBe(before);
  }, 300_000);
});
